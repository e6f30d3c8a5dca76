package capsule

// Tests that fail when a guard of the core is flipped or dropped (issue 14).
// They drive the public API (an httptest server, a transport, the returned
// values and errors), so they keep holding when the code under them is
// rewritten; only the query test calls the core directly, as no public
// options type fails to encode. MUTANTS.md maps each mutant to its test.

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

// unencodableQuery is an options struct go-querystring cannot encode.
type unencodableQuery struct {
	Value failingEncoder `url:"value"`
}

type failingEncoder struct{}

func (failingEncoder) EncodeValues(string, *url.Values) error { return errors.New("no query form") }

func TestQueryOptionsThatCannotBeEncodedAreNotSent(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	sent := refuseRequests(t, mux)
	for _, opts := range []any{unencodableQuery{}, &unencodableQuery{}, 42} {
		_, err := c.call(t.Context(), &request{method: http.MethodGet, path: "parties", query: opts}, nil)
		require.ErrorIs(t, err, ErrInvalidArgument, "options %T", opts)
		var argErr *ArgError
		require.ErrorAs(t, err, &argErr)
		assert.Equal(t, "options", argErr.Arg)
	}
	assert.Zero(t, sent.Load(), "nothing is sent when the query cannot be built")
}

func TestBodyThatCannotBeEncodedIsNotSent(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	sent := refuseRequests(t, mux)
	// JSON has no NaN: the body cannot be encoded, and sending it empty
	// would create a record without the caller's value.
	_, _, err := c.Opportunities.Create(t.Context(), &OpportunityInput{
		Name:      Set("Deal"),
		Party:     Set(Ref{ID: 1}),
		Milestone: Set(Ref{ID: 2}),
		Value:     Set(Money{Amount: math.NaN(), Currency: "GBP"}),
	})
	require.ErrorIs(t, err, ErrInvalidArgument)
	var argErr *ArgError
	require.ErrorAs(t, err, &argErr)
	assert.Equal(t, "body", argErr.Arg)
	assert.Zero(t, sent.Load())
}

// cutBodyAfter answers status with the first bytes of a longer JSON body and
// then drops the connection, so the client fails in the middle of reading.
func cutBodyAfter(t *testing.T, w http.ResponseWriter, status int, part string) {
	t.Helper()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(part)+100))
	w.WriteHeader(status)
	_, err := io.WriteString(w, part)
	assert.NoError(t, err)
	conn, _, err := http.NewResponseController(w).Hijack()
	if assert.NoError(t, err) {
		assert.NoError(t, conn.Close())
	}
}

func TestBodyCutMidwayIsRetriedForAGet(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	var calls atomic.Int32
	mux.HandleFunc("GET /parties/7", func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			cutBodyAfter(t, w, http.StatusOK, `{"party":{"id":7,"type":"person","firstName":"Ad`)
			return
		}
		writeJSON(t, w, http.StatusOK, `{"party":{"id":7,"type":"person","firstName":"Ada"}}`)
	})
	p, _, err := c.Parties.ReadSingle(t.Context(), 7, nil)
	require.NoError(t, err)
	assert.EqualValues(t, 2, calls.Load(), "the cut read is retried like a transport error")
	assert.Equal(t, int64(7), p.ID)
	require.NotNil(t, p.FirstName)
	assert.Equal(t, "Ada", *p.FirstName)
}

func TestBodyCutMidwayIsNotRetriedForACreate(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	var calls atomic.Int32
	mux.HandleFunc("POST /parties", func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		cutBodyAfter(t, w, http.StatusCreated, `{"party":{"id":8,"type":"per`)
	})
	_, _, err := c.Parties.Create(t.Context(), &PartyInput{Type: Set(PartyPerson), FirstName: Set("Ada")})
	require.Error(t, err)
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
	assert.EqualValues(t, 1, calls.Load(), "the party was created: a retry would create a second one")
}

// askedPolicy retries whatever it is asked about (up to three attempts, at
// once) and records what it was asked.
type askedPolicy struct {
	mu    sync.Mutex
	asked []Attempt
}

func (p *askedPolicy) Retry(a Attempt) (time.Duration, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.asked = append(p.asked, a)
	return 0, a.Number < 3
}

func (p *askedPolicy) attempts() []Attempt {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.asked)
}

func TestMalformedBodyIsNotRetried(t *testing.T) {
	t.Parallel()
	policy := &askedPolicy{}
	c, mux := setup(t, WithRetryPolicy(policy))
	h, calls := counter(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(t, w, http.StatusOK, `{"party":{"id":7,,}}`)
	})
	mux.HandleFunc("GET /parties/7", h)
	_, _, err := c.Parties.ReadSingle(t.Context(), 7, nil)
	require.Error(t, err)
	var syntaxErr *json.SyntaxError
	assert.ErrorAs(t, err, &syntaxErr)
	assert.EqualValues(t, 1, calls.Load(), "the same bytes would come back: no retry")
	assert.Empty(t, policy.attempts(), "a body read whole is a final answer: the policy is not asked")
}

func TestBodyCutMidwayIsShownToThePolicyAsATransportError(t *testing.T) {
	t.Parallel()
	policy := &askedPolicy{}
	c, mux := setup(t, WithRetryPolicy(policy))
	var calls atomic.Int32
	mux.HandleFunc("GET /parties/7", func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			cutBodyAfter(t, w, http.StatusOK, `{"party":{"id":7`)
			return
		}
		writeJSON(t, w, http.StatusOK, `{"party":{"id":7}}`)
	})
	_, _, err := c.Parties.ReadSingle(t.Context(), 7, nil)
	require.NoError(t, err)
	asked := policy.attempts()
	require.Len(t, asked, 1)
	a := asked[0]
	assert.ErrorIs(t, a.Err, io.ErrUnexpectedEOF)
	assert.Equal(t, 0, a.StatusCode, "a transport error, not a status")
	assert.True(t, a.Sent)
	assert.True(t, a.Idempotent)
	assert.Equal(t, http.MethodGet, a.Method)
	assert.Equal(t, 1, a.Number)
}

func TestMalformedEnvelopeIsAnError(t *testing.T) {
	t.Parallel()
	for _, body := range []string{
		`{1 "party":{"id":5}}`,             // a key that is not a string
		`{"x":1 2 "party":{"id":5}}`,       // a value where a key belongs
		`{"x":1, , "party":{"id":5}}`,      // an empty member
		`{"x":1 "party":{"id":5}}`,         // no comma between members
		`{"x":[1,2}, "party":{"id":5}}`,    // a bracket closed by a brace
		`{"x":{"y":1]], "party":{"id":5}}`, // and the other way round
	} {
		t.Run(body, func(t *testing.T) {
			t.Parallel()
			c, mux := setup(t, WithRetryPolicy(nil))
			mux.HandleFunc("GET /parties/5", func(w http.ResponseWriter, r *http.Request) {
				writeJSON(t, w, http.StatusOK, body)
			})
			p, _, err := c.Parties.ReadSingle(t.Context(), 5, nil)
			assert.Error(t, err)
			assert.Nil(t, p)
		})
	}
}

// connCounter is a test server that counts the connections it accepts.
func connCounter(t *testing.T, h http.Handler) (*Client, *atomic.Int32) {
	t.Helper()
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.StripPrefix(apiPrefix, h))
	srv.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	// One connection at most: a request waits for it to come back to the
	// pool instead of racing the pool with a new dial. A connection that
	// never comes back makes the next request wait until its context ends.
	transport := &http.Transport{MaxConnsPerHost: 1}
	t.Cleanup(transport.CloseIdleConnections)
	c, err := NewClient(WithBaseURL(srv.URL+apiPrefix), WithToken(testToken), WithRetryPolicy(nil),
		WithHTTPClient(&http.Client{Transport: transport}))
	require.NoError(t, err)
	return c, &conns
}

func TestConnectionsAreReusedAfterBodiesNotReadToTheEnd(t *testing.T) {
	t.Parallel()
	// 16 KiB after the value the client wants: more than a decoder reads
	// ahead, less than any sensible drain limit.
	padding := strings.Repeat("x", 16<<10)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /parties/1", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(t, w, http.StatusOK, `{"party":{"id":1,"type":"person"},"padding":"`+padding+`"}`)
	})
	mux.HandleFunc("DELETE /parties/1", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(t, w, http.StatusOK, `{"padding":"`+padding+`"}`)
	})
	mux.HandleFunc("DELETE /parties/2", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", "https://api.capsulecrm.com/api/v2/jobs/abc")
		writeJSON(t, w, http.StatusAccepted, `{"padding":"`+padding+`"}`)
	})
	mux.HandleFunc("GET /parties/3", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(t, w, http.StatusNotFound, `{"message":"Could not find resource","padding":"`+padding+`"}`)
	})
	c, conns := connCounter(t, mux)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	const rounds = 5
	for range rounds {
		p, _, err := c.Parties.ReadSingle(ctx, 1, nil)
		require.NoError(t, err)
		assert.Equal(t, int64(1), p.ID)
		_, err = c.Parties.Delete(ctx, 1)
		require.NoError(t, err)
		resp, err := c.Parties.Delete(ctx, 2)
		require.NoError(t, err)
		assert.Equal(t, "abc", resp.JobID())
		_, _, err = c.Parties.ReadSingle(ctx, 3, nil)
		require.ErrorIs(t, err, ErrNotFound)
	}
	assert.EqualValues(t, 1, conns.Load(), "%d requests, one connection", 4*rounds)
}

func TestRateLimitWithoutResetIsRetried(t *testing.T) {
	t.Parallel()
	policy := &DefaultRetryPolicy{BaseWait: time.Millisecond, MaxWait: time.Millisecond}
	wait, retry := policy.Retry(Attempt{Number: 1, Method: http.MethodPost, Sent: true, StatusCode: http.StatusTooManyRequests})
	assert.True(t, retry, "a 429 without a reset time is retried after a backoff")
	assert.LessOrEqual(t, wait, time.Millisecond)

	c, mux := setup(t, WithRetryPolicy(policy))
	var calls atomic.Int32
	mux.HandleFunc("POST /parties", func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("X-RateLimit-Limit", "4000")
			w.Header().Set("X-RateLimit-Remaining", "0")
			writeJSON(t, w, http.StatusTooManyRequests, `{"error":"Too many requests"}`)
			return
		}
		writeJSON(t, w, http.StatusCreated, `{"party":{"id":9,"type":"person"}}`)
	})
	p, _, err := c.Parties.Create(t.Context(), &PartyInput{Type: Set(PartyPerson), FirstName: Set("Ada")})
	require.NoError(t, err, "a refused create was not done, so it is sent again")
	assert.Equal(t, int64(9), p.ID)
	assert.EqualValues(t, 2, calls.Load())
}

// sleepProbe marks the child process of TestSleepReleasesItsTimer.
const sleepProbe = "CAPSULE_SLEEP_PROBE"

// TestSleepReleasesItsTimer runs in a child process with the timers of Go
// before 1.23 (GODEBUG=asynctimerchan=1), where a timer that is not stopped
// stays in memory until it fires: without Stop, 20,000 waits cut short by
// their context keep about 5 MB for the hour they were meant to last. (With
// today's timers an unreferenced timer is freed either way.)
func TestSleepReleasesItsTimer(t *testing.T) {
	if os.Getenv(sleepProbe) == "" {
		t.Parallel()
		cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestSleepReleasesItsTimer$", "-test.count=1")
		cmd.Env = append(os.Environ(), sleepProbe+"=1", "GODEBUG=asynctimerchan=1")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range 20000 {
		require.ErrorIs(t, sleep(ctx, time.Hour), context.Canceled)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	assert.Less(t, int64(after.HeapAlloc)-int64(before.HeapAlloc), int64(1<<20), "bytes kept by timers that were not stopped")
}

// setRate reports a rate limit on a response.
func setRate(w http.ResponseWriter, limit, remaining int, reset time.Time) {
	w.Header().Set("X-RateLimit-Limit", strconv.Itoa(limit))
	w.Header().Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
	w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
}

func TestResponseWithoutRateHeadersKeepsTheKnownRate(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	reset := time.Now().Add(30 * time.Minute).Truncate(time.Second).UTC()
	mux.HandleFunc("GET /parties/1", func(w http.ResponseWriter, r *http.Request) {
		setRate(w, 4000, 3999, reset)
		writeJSON(t, w, http.StatusOK, `{"party":{"id":1}}`)
	})
	mux.HandleFunc("GET /parties/2", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-RateLimit-Limit", "4000") // Remaining missing: no rate
		writeJSON(t, w, http.StatusOK, `{"party":{"id":2}}`)
	})
	want := Rate{Limit: 4000, Remaining: 3999, Reset: reset}
	_, resp, err := c.Parties.ReadSingle(t.Context(), 1, nil)
	require.NoError(t, err)
	assert.Equal(t, want, resp.Rate)
	assert.Equal(t, want, c.Rate())

	_, resp, err = c.Parties.ReadSingle(t.Context(), 2, nil)
	require.NoError(t, err)
	assert.Equal(t, Rate{}, resp.Rate, "the response reported no rate")
	assert.Equal(t, want, c.Rate(), "the client keeps the last rate it was told")
}

// pacedClient is a pacing client whose server reports limit and remaining
// with a reset half an hour away.
func pacedClient(t *testing.T, limit, remaining int) (*Client, *atomic.Int32) {
	t.Helper()
	c, mux := setup(t, WithPacing(true))
	reset := time.Now().Add(30 * time.Minute)
	h, calls := counter(func(w http.ResponseWriter, r *http.Request) {
		setRate(w, limit, remaining, reset)
		writeJSON(t, w, http.StatusOK, `{"party":{"id":1}}`)
	})
	mux.HandleFunc("GET /parties/1", h)
	_, _, err := c.Parties.ReadSingle(t.Context(), 1, nil)
	require.NoError(t, err, "the first request has no rate to wait for")
	return c, calls
}

func TestPacingWaitsForTheResetWhenTheBudgetIsSpent(t *testing.T) {
	t.Parallel()
	// A budget of one request an hour, spent: the next one waits for the
	// reset, longer than this context lasts, and is never sent.
	c, calls := pacedClient(t, 1, 0)
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	_, _, err := c.Parties.ReadSingle(ctx, 1, nil)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.EqualValues(t, 1, calls.Load())
}

func TestPacingIgnoresAZeroLimit(t *testing.T) {
	t.Parallel()
	// A limit of 0 is no budget to spread: the client does not stall.
	c, calls := pacedClient(t, 0, 0)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	_, _, err := c.Parties.ReadSingle(ctx, 1, nil)
	require.NoError(t, err)
	assert.EqualValues(t, 2, calls.Load())
}

func TestChangeFeedTakesTheLargestPage(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	h, calls := counter(func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, strconv.Itoa(MaxPerPage), r.URL.Query().Get("perPage"))
		writeJSON(t, w, http.StatusOK, `{"parties":[{"id":1}]}`)
	})
	mux.HandleFunc("GET /parties", h)
	var ids []int64
	for ch, err := range c.Parties.Changes(SyncCursor{}, &ListOptions{PerPage: MaxPerPage}).All(t.Context()) {
		require.NoError(t, err)
		ids = append(ids, ch.Record.ID)
	}
	assert.Equal(t, []int64{1}, ids)
	assert.EqualValues(t, 1, calls.Load())

	for ch, err := range c.Parties.Changes(SyncCursor{}, &ListOptions{PerPage: MaxPerPage + 1}).All(t.Context()) {
		require.ErrorIs(t, err, ErrInvalidArgument)
		assert.Nil(t, ch.Record)
	}
	assert.EqualValues(t, 1, calls.Load(), "an out-of-range perPage sends nothing")
}

func TestDateThatIsNotAStringIsAnError(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{`20240102`, `true`, `{}`, `["2024-01-02"]`} {
		d := Date{Year: 2020, Month: time.March, Day: 4}
		err := json.Unmarshal([]byte(raw), &d)
		require.Error(t, err, raw)
		assert.Contains(t, err.Error(), "must be a string", raw)
		var typeErr *json.UnmarshalTypeError
		assert.ErrorAs(t, err, &typeErr, "%s: the cause is the JSON type, not an empty date", raw)
		assert.Equal(t, Date{Year: 2020, Month: time.March, Day: 4}, d, "%s leaves the date as it was", raw)
	}
	var task struct {
		DueOn Date `json:"dueOn"`
	}
	assert.Error(t, json.Unmarshal([]byte(`{"dueOn":20240102}`), &task))
}

func TestAPIErrorMessageIsAssembledFromItsParts(t *testing.T) {
	t.Parallel()
	const u = "https://api.capsulecrm.com/api/v2/parties"
	for _, tc := range []struct {
		name string
		err  APIError
		want string
	}{
		{"message only", APIError{Method: "GET", URL: u, StatusCode: 404, Message: "Could not find resource"},
			"capsule: GET " + u + ": 404 Could not find resource"},
		{"no message", APIError{Method: "GET", URL: u, StatusCode: 500},
			"capsule: GET " + u + ": 500"},
		{"one field error", APIError{Method: "POST", URL: u, StatusCode: 422, Message: "Validation Failed",
			Errors: []FieldError{{Message: "must be valid", Resource: "party", Field: "email"}}},
			"capsule: POST " + u + ": 422 Validation Failed: email: must be valid"},
		{"field errors", APIError{Method: "POST", URL: u, StatusCode: 422, Message: "Validation Failed",
			Errors: []FieldError{
				{Message: "name is required", Resource: "party", Field: "name"}, // names its field already
				{Message: "must be valid", Resource: "party", Field: "email"},
				{Message: "tag not found to delete", Resource: "party"}, // no field
			}},
			"capsule: POST " + u + ": 422 Validation Failed: name is required; email: must be valid; tag not found to delete"},
		{"field errors without a message", APIError{Method: "PUT", URL: u, StatusCode: 422,
			Errors: []FieldError{{Message: "is invalid", Field: "type"}}},
			"capsule: PUT " + u + ": 422: type: is invalid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, tc.err.Error())
		})
	}
}

func TestAPIErrorFromAValidationResponse(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("POST /parties", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(t, w, http.StatusUnprocessableEntity, `{"message":"Validation Failed","errors":[`+
			`{"message":"firstName is required","resource":"party","field":"firstName"},`+
			`{"message":"is not a valid email","resource":"party","field":"emailAddresses"}]}`)
	})
	_, _, err := c.Parties.Create(t.Context(), &PartyInput{Type: Set(PartyPerson), LastName: Set("Lovelace")})
	require.ErrorIs(t, err, ErrValidation)
	assert.True(t, strings.HasSuffix(err.Error(),
		": 422 Validation Failed: firstName is required; emailAddresses: is not a valid email"), err.Error())
}

func TestAPIErrorMessageFromAPlainBodyIsCut(t *testing.T) {
	t.Parallel()
	c, mux := setup(t, WithRetryPolicy(nil))
	var body atomic.Value
	mux.HandleFunc("GET /parties/1", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = io.WriteString(w, body.Load().(string))
	})
	for _, tc := range []struct {
		body, message string
	}{
		{strings.Repeat("a", 199), strings.Repeat("a", 199)},
		{strings.Repeat("b", 200), strings.Repeat("b", 200)},
		{strings.Repeat("c", 201), strings.Repeat("c", 200) + "…"},
		{"  " + strings.Repeat("d", 200) + "\n", strings.Repeat("d", 200)},
	} {
		body.Store(tc.body)
		_, _, err := c.Parties.ReadSingle(t.Context(), 1, nil)
		var apiErr *APIError
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, tc.message, apiErr.Message, "body of %d bytes", len(tc.body))
		assert.Equal(t, tc.body, string(apiErr.Body), "the body is kept whole")
	}
}

// failingTokenEndpoint is an OAuth2 token endpoint that answers every
// refresh with status and body.
func failingTokenEndpoint(t *testing.T, status int, body string) *oauth2.Config {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	cfg := OAuth2Config("client-id", "client-secret", "http://127.0.0.1/callback", ScopeRead)
	cfg.Endpoint = EndpointFor(srv.URL)
	return cfg
}

func expiredToken(access, refresh string) *oauth2.Token {
	return &oauth2.Token{AccessToken: access, RefreshToken: refresh, Expiry: time.Now().Add(-time.Minute)}
}

// assertReadable checks that a refresh error is not mangled by the
// redaction: markers are not spread through it.
func assertReadable(t *testing.T, err error) {
	t.Helper()
	assert.Less(t, len(err.Error()), 300, "the message stays short: %q", err)
	assert.LessOrEqual(t, strings.Count(err.Error(), "["), 2, "no marker between every letter: %q", err)
}

func TestRefreshErrorRedactsSecretsQuotedInItsMessage(t *testing.T) {
	t.Parallel()
	// With an OAuth2 error code the body is not in the message, but its
	// description is: here it quotes the refresh token.
	cfg := failingTokenEndpoint(t, http.StatusBadRequest,
		`{"error":"invalid_grant","error_description":"refresh token rt-7f3a9 was revoked"}`)
	_, err := TokenSource(cfg, expiredToken("at-51c2e", "rt-7f3a9"), nil).Token()
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "rt-7f3a9")
	assert.NotContains(t, err.Error(), "at-51c2e")
	assert.Contains(t, err.Error(), "invalid_grant")
	var re *oauth2.RetrieveError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, "invalid_grant", re.ErrorCode)
	assertReadable(t, err)
}

func TestRefreshErrorWithAnEmptyBody(t *testing.T) {
	t.Parallel()
	cfg := failingTokenEndpoint(t, http.StatusInternalServerError, "")
	_, err := TokenSource(cfg, expiredToken("at-51c2e", "rt-7f3a9"), nil).Token()
	require.Error(t, err)
	var re *oauth2.RetrieveError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, http.StatusInternalServerError, re.Response.StatusCode)
	assert.Contains(t, err.Error(), "500")
	assertReadable(t, err)
}

func TestRefreshErrorWithoutARefreshToken(t *testing.T) {
	t.Parallel()
	// No refresh token: oauth2 fails without asking the endpoint, with an
	// error that is not a RetrieveError, and there is no secret but the
	// access token.
	cfg := failingTokenEndpoint(t, http.StatusInternalServerError, "")
	_, err := TokenSource(cfg, expiredToken("at-51c2e", ""), nil).Token()
	require.Error(t, err)
	var re *oauth2.RetrieveError
	assert.False(t, errors.As(err, &re))
	assert.Contains(t, err.Error(), "refresh token is not set")
	assert.NotContains(t, err.Error(), "at-51c2e")
	assertReadable(t, err)
}

func TestFilterRefusesFloat32ThatIsNotANumber(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	sent := refuseRequests(t, mux)
	for _, v := range []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))} {
		f := Where("id", OpIsGreaterThan, v)
		require.ErrorIs(t, f.Validate(EntityParties), ErrInvalidArgument, "%v", v)
		_, _, err := c.Parties.Filter(t.Context(), f, nil)
		require.ErrorIs(t, err, ErrInvalidArgument, "%v", v)
	}
	assert.Zero(t, sent.Load())
	assert.NoError(t, Where("id", OpIsGreaterThan, float32(2.5)).Validate(EntityParties))
}

func TestFilterTakesZeroDaysOfEveryIntegerType(t *testing.T) {
	t.Parallel()
	for _, v := range []any{0, int8(0), int16(0), int32(0), int64(0), uint(0), float64(0)} {
		assert.NoError(t, Where("addedOn", OpIsWithinLast, v).Validate(EntityParties), "%T", v)
	}
	for _, v := range []any{-1, int8(-1), int16(-1), int32(-1), int64(-1), -1.0, 1.5} {
		assert.ErrorIs(t, Where("addedOn", OpIsWithinLast, v).Validate(EntityParties), ErrInvalidArgument, "%T %v", v, v)
	}

	c, mux := setup(t)
	mux.HandleFunc("POST /parties/filters/results", func(w http.ResponseWriter, r *http.Request) {
		testJSONBody(t, r, `{"filter":{"conditions":[{"field":"addedOn","operator":"is within last","value":0}]}}`)
		writeJSON(t, w, http.StatusOK, `{"parties":[{"id":3}]}`)
	})
	parties, _, err := c.Parties.Filter(t.Context(), Where("addedOn", OpIsWithinLast, int64(0)), nil)
	require.NoError(t, err)
	require.Len(t, parties, 1)
	assert.Equal(t, int64(3), parties[0].ID)
}
