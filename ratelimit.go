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
	if reset, err := strconv.ParseInt(h.Get("X-RateLimit-Reset"), 10, 64); err == nil {
		r.Reset = time.Unix(reset, 0).UTC()
	}
	return r, true
}

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
	c.rateMu.Lock()
	now := c.now()
	r := c.rate
	var wait time.Duration
	if r.Limit > 0 && r.Reset.After(now) {
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
		c.nextSlot = start.Add(interval)
		wait = start.Sub(now)
	}
	c.rateMu.Unlock()
	return sleep(ctx, wait)
}
