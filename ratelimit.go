package capsule

import (
	"context"
	"net/http"
	"strconv"
	"time"
)

// Rate is the request budget Capsule reported with a response.
type Rate struct {
	Limit     int       // requests per window (4,000 an hour for a user)
	Remaining int       // requests left in the current window
	Reset     time.Time // when the window starts again
}

// parseRate reads the X-RateLimit-* headers; ok is false when they are absent.
func parseRate(h http.Header) (r Rate, ok bool) {
	limit, err1 := strconv.Atoi(h.Get("X-RateLimit-Limit"))
	remaining, err2 := strconv.Atoi(h.Get("X-RateLimit-Remaining"))
	if err1 != nil || err2 != nil {
		return Rate{}, false
	}
	r = Rate{Limit: limit, Remaining: remaining}
	if reset, err := strconv.ParseInt(h.Get("X-RateLimit-Reset"), 10, 64); err == nil && reset > 0 {
		// A reset past year 9999 would overflow time.Time and compare as
		// the past; clamped, it is simply too far away to wait for.
		r.Reset = time.Unix(min(reset, maxResetUnix), 0).UTC()
	}
	return r, true
}

// maxResetUnix is 9999-12-31T23:59:59Z, the latest reset taken as given.
const maxResetUnix = 253402300799

// Rate returns the budget from the latest response that reported one.
func (c *Client) Rate() Rate {
	c.rateMu.Lock()
	defer c.rateMu.Unlock()
	return c.rate
}

func (c *Client) setRate(r Rate) {
	c.rateMu.Lock()
	c.rate = r
	c.rateMu.Unlock()
}

// pace waits for this request's slot when pacing is on.
func (c *Client) pace(ctx context.Context) error {
	if !c.pacing {
		return nil
	}
	return sleep(ctx, c.reserveSlot())
}

// reserveSlot takes the next pacing slot and returns how long to wait for
// it. No slot is later than the reset: the window's budget is new then,
// and the next response tells the pace of the new window.
func (c *Client) reserveSlot() time.Duration {
	c.rateMu.Lock()
	defer c.rateMu.Unlock()
	now := c.now()
	r := c.rate
	if r.Limit <= 0 || !r.Reset.After(now) {
		return 0
	}
	var interval time.Duration
	start := c.nextSlot
	if r.Remaining <= 0 {
		start = r.Reset
	} else {
		interval = r.Reset.Sub(now) / time.Duration(r.Remaining)
	}
	if start.Before(now) {
		start = now
	}
	next := start.Add(interval)
	if !start.Before(r.Reset) {
		start, next = r.Reset, r.Reset
	}
	c.nextSlot = next
	return min(start.Sub(now), maxPacingWait)
}

// maxPacingWait bounds one pacing wait at Capsule's rate-limit window, so a
// reset time from a skewed clock cannot stall a request for longer: after
// it, the request goes out and a 429 is handled by the retry policy.
const maxPacingWait = time.Hour
