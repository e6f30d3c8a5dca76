package capsule

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"time"
)

// RetryPolicy decides whether a failed attempt is tried again and after how
// long. The client consults it after every transport error and every 4xx or
// 5xx response; it never replays a request whose body cannot be rebuilt.
// Implementations must be safe for concurrent use.
type RetryPolicy interface {
	Retry(a Attempt) (wait time.Duration, retry bool)
}

// RetryFunc adapts a function to RetryPolicy.
type RetryFunc func(a Attempt) (time.Duration, bool)

// Retry calls f.
func (f RetryFunc) Retry(a Attempt) (time.Duration, bool) { return f(a) }

// Attempt describes a failed attempt to a RetryPolicy.
type Attempt struct {
	// Number is 1 for the first attempt, 2 for the first retry and so on.
	Number int
	Method string
	// Idempotent is true when repeating the request cannot do the work twice:
	// GET, PUT, DELETE and the read-only filter POST.
	Idempotent bool
	// Sent is false when the request certainly never reached Capsule (the
	// connection could not be made), so even a create may be repeated.
	Sent bool
	// StatusCode is the response status, or 0 after a transport error.
	StatusCode int
	// Err is the transport error, or nil when a response arrived.
	Err error
	// Rate is the rate limit reported with the response, if any.
	Rate Rate
	// Now is the client's current time, for computing waits until Rate.Reset.
	Now time.Time
}

// DefaultRetryPolicy is the policy a client uses unless WithRetryPolicy
// replaces it. Zero fields take the defaults given in their comments.
//
// It retries idempotent requests after transport errors and 502, 503 and 504
// with exponential backoff and full jitter, retries any request after a 429
// by waiting until the rate limit resets (when that is within
// MaxRateLimitWait), and never repeats a create that may have reached Capsule.
type DefaultRetryPolicy struct {
	MaxRetries       int           // retries after the first attempt; default 3
	BaseWait         time.Duration // first backoff ceiling; default 500ms
	MaxWait          time.Duration // backoff ceiling; default 30s
	MaxRateLimitWait time.Duration // longest wait for a rate-limit reset; default 1m
}

// Retry implements RetryPolicy.
func (p *DefaultRetryPolicy) Retry(a Attempt) (time.Duration, bool) {
	maxRetries := orDefault(p.MaxRetries, 3)
	if a.Number > maxRetries {
		return 0, false
	}
	switch {
	case a.StatusCode == http.StatusTooManyRequests:
		maxWait := orDefault(p.MaxRateLimitWait, time.Minute)
		if a.Rate.Reset.IsZero() {
			return p.backoff(a.Number), true
		}
		wait := max(a.Rate.Reset.Sub(a.Now), 0)
		if wait > maxWait {
			return 0, false
		}
		// The reset is whole seconds; a small margin avoids arriving early.
		return wait + 100*time.Millisecond, true
	case a.Err != nil:
		if a.Idempotent || !a.Sent {
			return p.backoff(a.Number), true
		}
	case a.StatusCode == http.StatusBadGateway, a.StatusCode == http.StatusServiceUnavailable, a.StatusCode == http.StatusGatewayTimeout:
		if a.Idempotent {
			return p.backoff(a.Number), true
		}
	}
	return 0, false
}

// backoff returns a random wait in [0, min(MaxWait, BaseWait*2^(n-1))].
func (p *DefaultRetryPolicy) backoff(n int) time.Duration {
	base := orDefault(p.BaseWait, 500*time.Millisecond)
	ceiling := orDefault(p.MaxWait, 30*time.Second)
	limit := base << min(n-1, 30)
	if limit <= 0 || limit > ceiling {
		limit = ceiling
	}
	return rand.N(limit + 1)
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// noRetries is the policy installed by WithRetryPolicy(nil).
type noRetries struct{}

func (noRetries) Retry(Attempt) (time.Duration, bool) { return 0, false }

// notSent reports whether err shows that the request never left the client:
// the connection could not be established.
func notSent(err error) bool {
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		return true
	}
	var dnsErr *net.DNSError
	return errors.As(err, &dnsErr)
}

// sleep waits for d or until ctx is done, whichever comes first.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
