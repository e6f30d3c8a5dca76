package importer_test

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/capsulecrm-go/capsule"
	"github.com/capsulecrm-go/capsule/capsuletest"
	"github.com/capsulecrm-go/capsule/cmd/capsule/importer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// newServer is a fake Capsule with a little seed data (the seed brings the
// custom field definitions of every type).
func newServer(t *testing.T, opts ...capsuletest.Option) *capsuletest.Server {
	t.Helper()
	srv := capsuletest.NewServer(append([]capsuletest.Option{capsuletest.WithSeed(3)}, opts...)...)
	t.Cleanup(srv.Close)
	return srv
}

// fastRetries retries as the default policy does, without the long waits.
var fastRetries = &capsule.DefaultRetryPolicy{MaxRetries: 3, BaseWait: time.Millisecond, MaxWait: 5 * time.Millisecond}

func newClient(t testing.TB, srv *capsuletest.Server, opts ...capsule.Option) *capsule.Client {
	t.Helper()
	c, err := capsule.NewClient(append([]capsule.Option{capsule.WithBaseURL(srv.BaseURL), capsule.WithToken(srv.Token),
		capsule.WithRetryPolicy(fastRetries)}, opts...)...)
	require.NoError(t, err)
	return c
}

// result is what one import did.
type result struct {
	sum   *importer.Summary
	rows  []importer.RowResult
	err   error
	opens int
}

// run imports content through c.
func run(t *testing.T, c *capsule.Client, content string, opts importer.Options) result {
	t.Helper()
	return runCtx(t, t.Context(), c, content, opts)
}

func runCtx(t *testing.T, ctx context.Context, c *capsule.Client, content string, opts importer.Options) result {
	t.Helper()
	var res result
	prev := opts.OnRow
	opts.OnRow = func(r importer.RowResult) {
		res.rows = append(res.rows, r)
		if prev != nil {
			prev(r)
		}
	}
	open := func() (io.ReadCloser, error) {
		res.opens++
		return io.NopCloser(strings.NewReader(content)), nil
	}
	res.sum, res.err = importer.Run(ctx, c, open, opts)
	return res
}

// writes are the requests of srv's log that change something.
func writes(srv *capsuletest.Server) []capsuletest.LoggedRequest {
	var out []capsuletest.LoggedRequest
	for _, r := range srv.Requests() {
		if r.Method != http.MethodGet && !strings.HasSuffix(r.Path, "/filters/results") {
			out = append(out, r)
		}
	}
	return out
}

// statuses are the rows' statuses in row order.
func statuses(rows []importer.RowResult) []importer.Status {
	out := make([]importer.Status, len(rows))
	for i, r := range rows {
		out[i] = r.Status
	}
	return out
}

// loseAnswers forwards requests to the fake, which applies them, and
// then, for the creates it picks, returns an error instead of the answer:
// the answer was lost on the way back.
type loseAnswers struct {
	mu   sync.Mutex
	pick func(r *http.Request) bool
	lost int
}

func (l *loseAnswers) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	lose := l.pick(r)
	if lose {
		l.lost++
	}
	l.mu.Unlock()
	if !lose {
		return resp, nil
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return nil, errors.New("read tcp: connection reset by peer (test: the answer was lost)")
}

// isCreate reports whether r creates a record.
func isCreate(r *http.Request) bool {
	return r.Method == http.MethodPost && !strings.Contains(r.URL.Path, "/filters/")
}

// randomly picks with probability p from a seeded source.
func randomly(p float64, seed uint64) func(*http.Request) bool {
	rng := rand.New(rand.NewPCG(seed, seed+1))
	return func(r *http.Request) bool { return isCreate(r) && rng.Float64() < p }
}

// assertOnce checks that each address belongs to exactly one party.
func assertOnce(t *testing.T, c *capsule.Client, emails ...string) {
	t.Helper()
	for _, e := range emails {
		ps, _, err := c.Parties.Filter(t.Context(), capsule.Where("email", capsule.OpIs, e), nil)
		require.NoError(t, err)
		assert.Len(t, ps, 1, e)
	}
}
