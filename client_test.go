package capsule

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// record is a small model for exercising the core.
type record struct {
	ID   int64   `json:"id"`
	Name string  `json:"name"`
	Note *string `json:"note"`
}

type recordInput struct {
	Name Optional[string] `json:"name,omitzero"`
	Note Optional[string] `json:"note,omitzero"`
}

func recordsEP(c *Client) endpoint[record] {
	return newEndpoint[record](c, "records", "record", "records")
}

// failingTransport fails the test if anything is sent.
type failingTransport struct{ t *testing.T }

func (f failingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	f.t.Errorf("unexpected request %s %s", r.Method, r.URL)
	return nil, errors.New("no requests expected")
}

func TestNewClientValidatesOptions(t *testing.T) {
	t.Parallel()
	cases := map[string][]Option{
		"no token":            {},
		"empty token":         {WithToken("  ")},
		"nil token source":    {WithTokenSource(nil)},
		"relative base URL":   {WithToken("x"), WithBaseURL("/api/v2")},
		"unparsable base URL": {WithToken("x"), WithBaseURL("http://[::1")},
		"http to remote host": {WithToken("x"), WithBaseURL("http://api.example.com/api/v2")},
		"ftp scheme":          {WithToken("x"), WithBaseURL("ftp://127.0.0.1/")},
		"user info in URL":    {WithToken("x"), WithBaseURL("https://u:p@example.com/")},
		"nil http client":     {WithToken("x"), WithHTTPClient(nil)},
		"nil logger":          {WithToken("x"), WithLogger(nil)},
		"zero timeout":        {WithToken("x"), WithTimeout(0)},
		"multi-line agent":    {WithToken("x"), WithUserAgent("a\r\nb")},
	}
	for name, opts := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c, err := NewClient(opts...)
			assert.Nil(t, c)
			assert.ErrorIs(t, err, ErrInvalidArgument)
		})
	}
}

func TestNewClientDefaultsAndNoNetwork(t *testing.T) {
	t.Parallel()
	hc := &http.Client{Transport: failingTransport{t}}
	c, err := NewClient(WithToken("secret"), WithHTTPClient(hc))
	require.NoError(t, err)
	assert.Equal(t, DefaultBaseURL, c.baseURL.String())
	assert.Equal(t, DefaultTimeout, c.http.Timeout)
	// The caller's client is copied, never changed.
	assert.Equal(t, failingTransport{t}, hc.Transport)
	assert.Zero(t, hc.Timeout)

	c, err = NewClient(WithToken("x"), WithBaseURL("http://localhost:1234/api/v2"), WithTimeout(time.Second))
	require.NoError(t, err)
	assert.Equal(t, "http://localhost:1234/api/v2/", c.baseURL.String())
	assert.Equal(t, time.Second, c.http.Timeout)
}

func TestServicesWired(t *testing.T) {
	t.Parallel()
	c, err := NewClient(WithToken("x"))
	require.NoError(t, err)
	v := reflect.ValueOf(c).Elem()
	for i := range v.NumField() {
		f := v.Field(i)
		name := v.Type().Field(i).Name
		if !v.Type().Field(i).IsExported() || !strings.HasSuffix(f.Type().String(), "Service") {
			continue
		}
		assert.False(t, f.IsNil(), "service %s is nil", name)
	}
}

func TestCallWire(t *testing.T) {
	t.Parallel()
	c, mux := setup(t, WithUserAgent("acme-sync/1.2"))
	mux.HandleFunc("PUT /records/7", func(w http.ResponseWriter, r *http.Request) {
		testHeader(t, r, "Authorization", "Bearer "+testToken)
		testHeader(t, r, "Accept", "application/json")
		testHeader(t, r, "Content-Type", "application/json")
		testHeader(t, r, "User-Agent", "acme-sync/1.2 capsule-go/"+Version)
		testQuery(t, r, url.Values{"embed": {"tags,fields"}})
		testJSONBody(t, r, `{"record":{"name":"","note":null}}`)
		writeJSON(t, w, 200, `{"extra":{"a":[1,2]},"record":{"id":7,"name":"","note":null,"unknown":true}}`)
	})
	in := &recordInput{Name: Set(""), Note: Null[string]()}
	got, resp, err := recordsEP(c).update(t.Context(), 7, in, &ReadOptions{Embed: []string{"tags", "fields"}})
	require.NoError(t, err)
	assert.Equal(t, &record{ID: 7}, got)
	assert.Equal(t, 200, resp.StatusCode)
}

func TestCallSinceIsUTC(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /records", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{"since": {"2024-09-19T11:30:45Z"}, "page": {"2"}, "perPage": {"25"}})
		writeJSON(t, w, 200, `{"records":[]}`)
	})
	since := time.Date(2024, 9, 19, 12, 30, 45, 999, time.FixedZone("BST", 3600))
	items, _, err := recordsEP(c).list(t.Context(), "", &ListOptions{Page: 2, PerPage: 25, Since: since})
	require.NoError(t, err)
	assert.Empty(t, items)
}

func TestResponseFields(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	reset := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	mux.HandleFunc("POST /records", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", "https://api.capsulecrm.com/api/v2/records/100")
		w.Header().Set("X-RateLimit-Limit", "4000")
		w.Header().Set("X-RateLimit-Remaining", "3999")
		w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
		w.Header().Set("Link", `<https://api.capsulecrm.com/api/v2/records?page=3&perPage=2>; rel="next"`)
		writeJSON(t, w, 201, `{"record":{"id":100,"name":"n","note":"x"}}`)
	})
	got, resp, err := recordsEP(c).create(t.Context(), &recordInput{Name: Set("n")}, nil)
	require.NoError(t, err)
	assert.Equal(t, int64(100), got.ID)
	assert.Equal(t, "x", *got.Note)
	assert.Equal(t, 3, resp.NextPage)
	assert.Equal(t, "https://api.capsulecrm.com/api/v2/records/100", resp.Location)
	assert.Equal(t, Rate{Limit: 4000, Remaining: 3999, Reset: reset}, resp.Rate)
	assert.Equal(t, resp.Rate, c.Rate())
	assert.Empty(t, resp.JobID())
}

func TestDeleteAcceptedJob(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("DELETE /records/5", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", "https://api.capsulecrm.com/api/v2/jobs/02ae8e16-aaaa")
		w.WriteHeader(http.StatusAccepted)
	})
	resp, err := recordsEP(c).delete(t.Context(), 5)
	require.NoError(t, err)
	assert.Equal(t, http.StatusAccepted, resp.StatusCode)
	assert.Equal(t, "02ae8e16-aaaa", resp.JobID())
}

func TestMissingEnvelopeKeyIsNamed(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /records/1", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(t, w, 200, `{"kase":{"id":1}}`)
	})
	mux.HandleFunc("GET /records/2", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(t, w, 200, `[1,2]`)
	})
	_, _, err := recordsEP(c).get(t.Context(), 1, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `no "record" key`)
	_, _, err = recordsEP(c).get(t.Context(), 2, nil)
	assert.ErrorContains(t, err, `"record"`)
}

func TestErrorMapping(t *testing.T) {
	t.Parallel()
	cases := []struct {
		status   int
		body     string
		sentinel error
		message  string
		fields   []FieldError
	}{
		{404, `{"message":"Could not find resource"}`, ErrNotFound, "Could not find resource", nil},
		{401, `{"message":"invalid token"}`, ErrUnauthorized, "invalid token", nil},
		{403, `{"message":"insufficient scope"}`, ErrForbidden, "insufficient scope", nil},
		{400, `not json at all`, ErrValidation, "not json at all", nil},
		{405, `{"message":"Method not allowed"}`, nil, "Method not allowed", nil},
		{422, `{"message":"Validation Failed","errors":[{"message":"dueOn is required","resource":"task","field":"dueOn"}]}`,
			ErrValidation, "Validation Failed", []FieldError{{Message: "dueOn is required", Resource: "task", Field: "dueOn"}}},
		{500, ``, nil, "Internal Server Error", nil},
	}
	for _, tc := range cases {
		t.Run(strconv.Itoa(tc.status), func(t *testing.T) {
			t.Parallel()
			c, mux := setup(t, WithRetryPolicy(nil))
			mux.HandleFunc("GET /records/9", func(w http.ResponseWriter, r *http.Request) {
				writeJSON(t, w, tc.status, tc.body)
			})
			_, resp, err := recordsEP(c).get(t.Context(), 9, nil)
			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, tc.status, apiErr.StatusCode)
			assert.Equal(t, tc.status, resp.StatusCode)
			assert.Equal(t, tc.message, apiErr.Message)
			assert.Equal(t, tc.fields, apiErr.Errors)
			assert.Equal(t, "GET", apiErr.Method)
			assert.Contains(t, err.Error(), "GET http://127.0.0.1")
			assert.Contains(t, err.Error(), "/api/v2/records/9")
			assert.NotContains(t, err.Error(), testToken)
			for _, s := range []error{ErrNotFound, ErrUnauthorized, ErrForbidden, ErrValidation, ErrRateLimited} {
				assert.Equal(t, s == tc.sentinel, errors.Is(err, s), "errors.Is(%v)", s)
			}
		})
	}
}

func TestErrorBodyIsCapped(t *testing.T) {
	t.Parallel()
	c, mux := setup(t, WithRetryPolicy(nil))
	mux.HandleFunc("GET /records/1", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(500)
		_, _ = w.Write(bytes.Repeat([]byte("x"), 3*maxErrorBody))
	})
	_, _, err := recordsEP(c).get(t.Context(), 1, nil)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Len(t, apiErr.Body, maxErrorBody)
	assert.Less(t, len(err.Error()), 400)
}

func TestInvalidArgumentsSendNothing(t *testing.T) {
	t.Parallel()
	c, err := NewClient(WithToken("x"), WithHTTPClient(&http.Client{Transport: failingTransport{t}}))
	require.NoError(t, err)
	ep := recordsEP(c)
	ctx := t.Context()
	checks := map[string]error{}
	_, _, checks["get id 0"] = ep.get(ctx, 0, nil)
	_, _, checks["update id -1"] = ep.update(ctx, -1, &recordInput{}, nil)
	_, _, checks["update nil"] = ep.update(ctx, 1, (*recordInput)(nil), nil)
	_, _, checks["create nil"] = ep.create(ctx, nil, nil)
	_, checks["delete 0"] = ep.delete(ctx, 0)
	_, _, checks["multiple empty"] = ep.getMultiple(ctx, nil, nil)
	_, _, checks["multiple bad id"] = ep.getMultiple(ctx, []int64{1, 0}, nil)
	_, _, checks["search empty"] = ep.search(ctx, " ", nil)
	_, checks["deleted zero since"] = ep.deleted(ctx, time.Time{}, &struct{}{})
	_, _, checks["bad path"] = ep.list(ctx, "../x", nil)
	_, _, checks["perPage 101"] = ep.list(ctx, "", &ListOptions{PerPage: 101})
	_, _, checks["perPage -1"] = ep.list(ctx, "", &ListOptions{PerPage: -1})
	_, _, checks["page -1"] = ep.list(ctx, "", &ListOptions{Page: -1})
	_, _, checks["search perPage 500"] = ep.search(ctx, "x", &ListOptions{PerPage: 500})
	_, _, checks["filter unknown entity"] = ep.filter(ctx, Filter{Conditions: []Condition{{Field: "id", Operator: "is", Value: 1}}}, nil)
	var nilCtx context.Context
	_, checks["nil ctx"] = c.call(nilCtx, &request{method: "GET", path: "records"}, nil)
	for name, err := range checks {
		assert.ErrorIs(t, err, ErrInvalidArgument, name)
	}
}

func TestGetMultipleChunksAndKeepsOrder(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	var paths []string
	h, n := counter(func(w http.ResponseWriter, r *http.Request) {
		paths = append(paths, r.PathValue("ids"))
		ids := strings.Split(r.PathValue("ids"), ",")
		// Answer in reverse to prove the client restores the asked order.
		var parts []string
		for i := len(ids) - 1; i >= 0; i-- {
			parts = append(parts, `{"id":`+ids[i]+`}`)
		}
		writeJSON(t, w, 200, `{"records":[`+strings.Join(parts, ",")+`]}`)
	})
	mux.HandleFunc("GET /records/{ids}", func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.PathValue("ids"), ",") {
			// A single id is a show: Capsule answers with the singular key.
			paths = append(paths, r.PathValue("ids"))
			writeJSON(t, w, 200, `{"record":{"id":`+r.PathValue("ids")+`}}`)
			return
		}
		h(w, r)
	})
	ids := make([]int64, 21)
	for i := range ids {
		ids[i] = int64(100 - i)
	}
	got, _, err := recordsEP(c).getMultiple(t.Context(), ids, nil)
	require.NoError(t, err)
	assert.EqualValues(t, 2, n.Load())
	assert.Equal(t, []string{"100,99,98,97,96,95,94,93,92,91", "90,89,88,87,86,85,84,83,82,81", "80"}, paths)
	require.Len(t, got, 21)
	for i, r := range got {
		assert.Equal(t, ids[i], r.ID)
	}
}

func TestFilterBodyAndRetry(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	var calls atomic.Int32
	mux.HandleFunc("POST /parties/filters/results", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{"perPage": {"10"}})
		testJSONBody(t, r, `{"filter":{"conditions":[{"field":"tag","operator":"is","value":"VIP"}]}}`)
		if calls.Add(1) == 1 {
			writeJSON(t, w, 503, `{"message":"busy"}`)
			return
		}
		writeJSON(t, w, 200, `{"parties":[{"id":1}]}`)
	})
	ep := newEndpoint[record](c, "parties", "party", "parties")
	got, _, err := ep.filter(t.Context(), Filter{Conditions: []Condition{{Field: "tag", Operator: "is", Value: "VIP"}}}, &ListOptions{PerPage: 10})
	require.NoError(t, err)
	assert.Len(t, got, 1)
	assert.EqualValues(t, 2, calls.Load(), "the read-only filter POST is retried after 503")
}

func TestRetries(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		method string
		status int
		want   int32
	}{
		{"GET", 503, 2}, {"GET", 502, 2}, {"GET", 504, 2}, {"PUT", 503, 2}, {"DELETE", 503, 2},
		{"GET", 500, 1}, {"GET", 404, 1}, {"POST", 503, 1}, {"POST", 502, 1}, {"POST", 500, 1},
	} {
		t.Run(fmt.Sprint(tc.method, tc.status), func(t *testing.T) {
			t.Parallel()
			c, mux := setup(t)
			var calls atomic.Int32
			mux.HandleFunc("/records", func(w http.ResponseWriter, r *http.Request) {
				testMethod(t, r, tc.method)
				if calls.Add(1) == 1 {
					writeJSON(t, w, tc.status, `{"message":"fail"}`)
					return
				}
				if r.Method == "POST" {
					testJSONBody(t, r, `{"record":{"name":"x"}}`)
				}
				writeJSON(t, w, 200, `{"record":{"id":1}}`)
			})
			var in any
			if tc.method != "GET" && tc.method != "DELETE" {
				in = &recordInput{Name: Set("x")}
			}
			_, err := c.call(t.Context(), &request{method: tc.method, path: "records", in: in, inKey: "record", outKey: "record"}, &record{})
			assert.Equal(t, tc.want, calls.Load())
			if tc.want == 1 {
				assert.Error(t, err)
			} else {
				assert.NoError(t, err)
			}
		})
	}
}

func TestRetryOnDroppedConnection(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	var calls atomic.Int32
	hijack := func(w http.ResponseWriter) {
		conn, _, err := w.(http.Hijacker).Hijack()
		require.NoError(t, err)
		conn.Close()
	}
	mux.HandleFunc("GET /records/1", func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			hijack(w)
			return
		}
		writeJSON(t, w, 200, `{"record":{"id":1}}`)
	})
	var posts atomic.Int32
	mux.HandleFunc("POST /records", func(w http.ResponseWriter, r *http.Request) {
		posts.Add(1)
		hijack(w)
	})
	_, _, err := recordsEP(c).get(t.Context(), 1, nil)
	require.NoError(t, err)
	assert.EqualValues(t, 2, calls.Load())

	_, _, err = recordsEP(c).create(t.Context(), &recordInput{Name: Set("x")}, nil)
	require.Error(t, err)
	assert.EqualValues(t, 1, posts.Load(), "a create that may have reached the server is not repeated")
}

func TestDefaultPolicyDecisions(t *testing.T) {
	t.Parallel()
	p := &DefaultRetryPolicy{}
	now := time.Now()
	dial := &net.OpError{Op: "dial", Err: errors.New("refused")}
	for name, tc := range map[string]struct {
		a    Attempt
		want bool
	}{
		"get network error":       {Attempt{Number: 1, Idempotent: true, Sent: true, Err: errors.New("reset")}, true},
		"post network error sent": {Attempt{Number: 1, Sent: true, Err: errors.New("reset")}, false},
		"post dial error":         {Attempt{Number: 1, Sent: !notSent(dial), Err: dial}, true},
		"post 429 soon":           {Attempt{Number: 1, StatusCode: 429, Rate: Rate{Reset: now.Add(time.Second)}, Now: now}, true},
		"get 429 far":             {Attempt{Number: 1, Idempotent: true, StatusCode: 429, Rate: Rate{Reset: now.Add(2 * time.Hour)}, Now: now}, false},
		"after max retries":       {Attempt{Number: 4, Idempotent: true, StatusCode: 503}, false},
		"third retry":             {Attempt{Number: 3, Idempotent: true, StatusCode: 503}, true},
		"422":                     {Attempt{Number: 1, Idempotent: true, StatusCode: 422}, false},
	} {
		_, ok := p.Retry(tc.a)
		assert.Equal(t, tc.want, ok, name)
	}
	for n := 1; n < 40; n++ {
		wait := p.backoff(n)
		assert.GreaterOrEqual(t, wait, time.Duration(0))
		assert.LessOrEqual(t, wait, 30*time.Second)
	}
	wait, _ := p.Retry(Attempt{Number: 1, StatusCode: 429, Rate: Rate{Reset: now.Add(10 * time.Second)}, Now: now})
	assert.Equal(t, 10*time.Second+100*time.Millisecond, wait)
}

func rateHeaders(w http.ResponseWriter, remaining int, reset time.Time) {
	w.Header().Set("X-RateLimit-Limit", "4000")
	w.Header().Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
	w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
}

func TestRateLimitWaitedOut(t *testing.T) {
	t.Parallel()
	c, mux := setup(t, WithRetryPolicy(&DefaultRetryPolicy{}))
	var calls atomic.Int32
	mux.HandleFunc("POST /records", func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			rateHeaders(w, 0, time.Now().Add(-time.Second))
			writeJSON(t, w, 429, `{"error":"rate limit reached"}`)
			return
		}
		testJSONBody(t, r, `{"record":{"name":"x"}}`)
		rateHeaders(w, 3999, time.Now().Add(time.Hour))
		writeJSON(t, w, 201, `{"record":{"id":1}}`)
	})
	got, _, err := recordsEP(c).create(t.Context(), &recordInput{Name: Set("x")}, nil)
	require.NoError(t, err)
	assert.EqualValues(t, 1, got.ID)
	assert.EqualValues(t, 2, calls.Load(), "a 429 is retried even for a create")
	assert.Equal(t, 3999, c.Rate().Remaining)
}

func TestRateLimitBeyondMaxWait(t *testing.T) {
	t.Parallel()
	c, mux := setup(t, WithRetryPolicy(&DefaultRetryPolicy{MaxRateLimitWait: time.Minute}))
	reset := time.Now().Add(2 * time.Hour).Truncate(time.Second).UTC()
	h, n := counter(func(w http.ResponseWriter, r *http.Request) {
		rateHeaders(w, 0, reset)
		writeJSON(t, w, 429, `{"error":"rate limit reached"}`)
	})
	mux.HandleFunc("GET /records/1", h)
	_, _, err := recordsEP(c).get(t.Context(), 1, nil)
	var rl *RateLimitError
	require.ErrorAs(t, err, &rl)
	assert.Equal(t, reset, rl.Rate.Reset)
	assert.Equal(t, 0, rl.Rate.Remaining)
	assert.ErrorIs(t, err, ErrRateLimited)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "rate limit reached", apiErr.Message)
	assert.Contains(t, err.Error(), "resets at "+reset.Format(time.RFC3339))
	assert.EqualValues(t, 1, n.Load())
}

func TestCancelDuringBackoff(t *testing.T) {
	t.Parallel()
	long := RetryFunc(func(Attempt) (time.Duration, bool) { return time.Hour, true })
	c, mux := setup(t, WithRetryPolicy(long))
	mux.HandleFunc("GET /records/1", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(t, w, 503, `{}`)
	})
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(20*time.Millisecond, cancel)
	start := time.Now()
	_, _, err := recordsEP(c).get(ctx, 1, nil)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Less(t, time.Since(start), 2*time.Second, "the wait ends when the context is cancelled")
}

func TestNoAuthorizationOnRedirectToAnotherHost(t *testing.T) {
	t.Parallel()
	var leaked atomic.Value
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked.Store(r.Header.Get("Authorization"))
		writeJSON(t, w, 200, `{"record":{"id":3}}`)
	}))
	t.Cleanup(other.Close)
	c, mux := setup(t)
	mux.HandleFunc("GET /records/3", func(w http.ResponseWriter, r *http.Request) {
		testHeader(t, r, "Authorization", "Bearer "+testToken)
		http.Redirect(w, r, other.URL+"/elsewhere", http.StatusFound)
	})
	got, _, err := recordsEP(c).get(t.Context(), 3, nil)
	require.NoError(t, err)
	assert.EqualValues(t, 3, got.ID)
	assert.Equal(t, "", leaked.Load(), "the token must not follow a redirect to another host")
}

func TestLoggerNeverSeesToken(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	var mu = make(chan struct{}, 1)
	mu <- struct{}{}
	logger := slog.New(slog.NewTextHandler(lockedWriter{&buf, mu}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, mux := setup(t, WithLogger(logger))
	var calls atomic.Int32
	mux.HandleFunc("GET /records/1", func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			writeJSON(t, w, 503, `{}`)
			return
		}
		writeJSON(t, w, 200, `{"record":{"id":1}}`)
	})
	_, _, err := recordsEP(c).get(t.Context(), 1, nil)
	require.NoError(t, err)
	<-mu
	out := buf.String()
	mu <- struct{}{}
	assert.Contains(t, out, "capsule retry")
	assert.Contains(t, out, "/api/v2/records/1")
	assert.Contains(t, out, "status=200")
	assert.NotContains(t, out, testToken)
}

type lockedWriter struct {
	buf *bytes.Buffer
	mu  chan struct{}
}

func (w lockedWriter) Write(p []byte) (int, error) {
	<-w.mu
	defer func() { w.mu <- struct{}{} }()
	return w.buf.Write(p)
}

func TestPacingSpreadsBudget(t *testing.T) {
	t.Parallel()
	c, err := NewClient(WithToken("x"), WithPacing(true))
	require.NoError(t, err)
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	c.now = func() time.Time { return now }
	// Nothing known yet: no wait.
	require.NoError(t, c.pace(t.Context()))
	assert.True(t, c.nextSlot.IsZero())

	c.setRate(Rate{Limit: 4000, Remaining: 0, Reset: now.Add(-time.Second)})
	require.NoError(t, c.pace(t.Context()), "a past reset means no wait")

	// 4 requests left for 40 ms: one every 10 ms.
	c.setRate(Rate{Limit: 4000, Remaining: 4, Reset: now.Add(40 * time.Millisecond)})
	require.NoError(t, c.pace(t.Context()))
	assert.Equal(t, now.Add(10*time.Millisecond), c.nextSlot)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	c.setRate(Rate{Limit: 4000, Remaining: 0, Reset: now.Add(time.Hour)})
	assert.ErrorIs(t, c.pace(ctx), context.Canceled, "an exhausted budget waits for the reset")
	assert.Equal(t, now.Add(time.Hour), c.nextSlot)
}

func TestRawBodyReplay(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	var bodies []string
	var calls atomic.Int32
	mux.HandleFunc("POST /upload", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		bodies = append(bodies, string(b))
		if calls.Add(1) == 1 {
			rateHeaders(w, 0, time.Now().Add(-time.Second))
			writeJSON(t, w, 429, `{"error":"rate limit reached"}`)
			return
		}
		writeJSON(t, w, 201, `{"upload":{"token":"tok"}}`)
	})
	send := func(raw io.Reader) error {
		_, err := c.call(t.Context(), &request{method: "POST", path: "upload", raw: raw, outKey: "upload"}, &struct{}{})
		return err
	}
	// A seekable body is rewound and sent whole again after the 429.
	require.NoError(t, send(strings.NewReader("file bytes")))
	assert.Equal(t, []string{"file bytes", "file bytes"}, bodies)

	// A body that cannot be rewound is not sent twice: the 429 is returned.
	calls.Store(0)
	bodies = nil
	err := send(io.MultiReader(strings.NewReader("stream")))
	assert.ErrorIs(t, err, ErrRateLimited)
	assert.Equal(t, []string{"stream"}, bodies)
}

// A connection that fails after the headers, in the middle of a 200 body,
// is a transport error: an idempotent request is retried (and decodes
// only the complete body), a create is not.
func TestRetryOnConnectionDroppedMidBody(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	dropMidBody := func(w http.ResponseWriter) {
		conn, buf, err := w.(http.Hijacker).Hijack()
		require.NoError(t, err)
		_, _ = buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 4096\r\n\r\n{\"record\":{\"id\":1,\"name\":\"trunc")
		_ = buf.Flush()
		conn.Close()
	}
	var gets atomic.Int32
	mux.HandleFunc("GET /records/1", func(w http.ResponseWriter, r *http.Request) {
		if gets.Add(1) == 1 {
			dropMidBody(w)
			return
		}
		writeJSON(t, w, 200, `{"record":{"id":1}}`)
	})
	var posts atomic.Int32
	mux.HandleFunc("POST /records", func(w http.ResponseWriter, r *http.Request) {
		posts.Add(1)
		dropMidBody(w)
	})
	rec, _, err := recordsEP(c).get(t.Context(), 1, nil)
	require.NoError(t, err)
	assert.EqualValues(t, 2, gets.Load())
	assert.Equal(t, &record{ID: 1}, rec, "nothing of the cut-off body is kept")

	_, _, err = recordsEP(c).create(t.Context(), &recordInput{Name: Set("x")}, nil)
	require.ErrorIs(t, err, io.ErrUnexpectedEOF)
	assert.EqualValues(t, 1, posts.Load(), "a create that may have reached the server is not repeated")

	// A body that is complete but not JSON is not retried.
	var bad atomic.Int32
	mux.HandleFunc("GET /records/2", func(w http.ResponseWriter, r *http.Request) {
		bad.Add(1)
		writeJSON(t, w, 200, `{"record":{"id":`)
	})
	_, _, err = recordsEP(c).get(t.Context(), 2, nil)
	require.Error(t, err)
	assert.EqualValues(t, 1, bad.Load())
}

func TestObserverSeesEveryAttempt(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var events []RequestEvent
	c, mux := setup(t, WithObserver(func(ev RequestEvent) {
		mu.Lock()
		events = append(events, ev)
		mu.Unlock()
	}))
	var calls atomic.Int32
	mux.HandleFunc("GET /records/1", func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			writeJSON(t, w, 503, `{"message":"busy"}`)
			return
		}
		rateHeaders(w, 3998, time.Now().Add(time.Hour))
		writeJSON(t, w, 200, `{"record":{"id":1}}`)
	})
	_, _, err := recordsEP(c).get(t.Context(), 1, nil)
	require.NoError(t, err)
	require.Len(t, events, 2)
	first, second := events[0], events[1]
	assert.Equal(t, "GET", first.Method)
	assert.True(t, strings.HasSuffix(first.URL, "/api/v2/records/1"), first.URL)
	assert.Equal(t, 1, first.Attempt)
	assert.Equal(t, 503, first.StatusCode)
	var apiErr *APIError
	assert.ErrorAs(t, first.Err, &apiErr)
	assert.True(t, first.Retry)
	assert.Equal(t, 2, second.Attempt)
	assert.Equal(t, 200, second.StatusCode)
	assert.NoError(t, second.Err)
	assert.False(t, second.Retry)
	assert.Equal(t, 3998, second.Rate.Remaining)
	assert.Positive(t, second.Duration)

	_, err = NewClient(WithToken("x"), WithObserver(nil))
	assert.ErrorIs(t, err, ErrInvalidArgument)
}

func TestRetryKeepsCallersWriter(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	var calls atomic.Int32
	mux.HandleFunc("GET /file", func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			writeJSON(t, w, 503, `{}`)
			return
		}
		_, _ = io.WriteString(w, "payload")
	})
	var buf bytes.Buffer
	buf.WriteString("kept:")
	_, err := c.call(t.Context(), &request{method: "GET", path: "file"}, &buf)
	require.NoError(t, err)
	assert.Equal(t, "kept:payload", buf.String())
}

// Requests that pace concurrently each take a slot; those beyond the
// remaining budget must wait for the reset, not for slots hours after it.
func TestPacingNeverWaitsPastReset(t *testing.T) {
	t.Parallel()
	c, err := NewClient(WithToken("x"), WithPacing(true))
	require.NoError(t, err)
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	c.now = func() time.Time { return now }
	reset := now.Add(time.Minute)
	c.setRate(Rate{Limit: 4000, Remaining: 2, Reset: reset})
	var waits []time.Duration
	for range 5 {
		waits = append(waits, c.reserveSlot())
	}
	assert.Equal(t, []time.Duration{0, 30 * time.Second, time.Minute, time.Minute, time.Minute}, waits,
		"two slots in the window, then everyone waits for the reset")
}

func TestPacingWaitIsBounded(t *testing.T) {
	t.Parallel()
	c, err := NewClient(WithToken("x"), WithPacing(true))
	require.NoError(t, err)
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	c.now = func() time.Time { return now }
	// A reset a day away (a skewed clock) does not stall a request for a day.
	c.setRate(Rate{Limit: 4000, Remaining: 0, Reset: now.Add(24 * time.Hour)})
	assert.Equal(t, time.Hour, c.reserveSlot())
}
