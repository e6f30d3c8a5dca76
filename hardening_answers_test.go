package capsule

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNullEnvelopeIsAnErrorNamingTheKey(t *testing.T) {
	t.Parallel()
	c, mux := setup(t, WithRetryPolicy(nil))
	mux.HandleFunc("GET /parties/1", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(t, w, http.StatusOK, `{"party": null}`)
	})
	mux.HandleFunc("GET /parties", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(t, w, http.StatusOK, `{"meta":{},"parties":null}`)
	})
	mux.HandleFunc("GET /parties/2", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(t, w, http.StatusOK, `{"other":null,"party":{"id":2,"unknown":[1,{"x":null}]},"more":{}}`)
	})
	p, _, err := c.Parties.ReadSingle(t.Context(), 1, nil)
	require.Error(t, err)
	assert.Nil(t, p)
	assert.Contains(t, err.Error(), `null under "party"`)
	list, _, err := c.Parties.Read(t.Context(), nil)
	require.Error(t, err)
	assert.Nil(t, list)
	assert.Contains(t, err.Error(), `null under "parties"`)

	mux.HandleFunc("GET /parties/search", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(t, w, http.StatusOK, `{"parties":[{"id":1},null]}`)
	})
	list, _, err = c.Parties.Search(t.Context(), "a", nil)
	require.Error(t, err)
	assert.Nil(t, list)
	assert.Contains(t, err.Error(), `null at "parties"[1]`)

	p, _, err = c.Parties.ReadSingle(t.Context(), 2, nil)
	require.NoError(t, err, "unknown keys and nulls elsewhere are fine")
	assert.EqualValues(t, 2, p.ID)
}

func TestResponseSizeIsCapped(t *testing.T) {
	t.Parallel()
	const limit = 4096
	c, mux := setup(t, WithMaxResponseSize(limit))
	body := func(n int) string {
		// {"record":{"id":1,"name":"xxx"}} padded to n bytes.
		head, tail := `{"record":{"id":1,"name":"`, `"}}`
		return head + strings.Repeat("x", n-len(head)-len(tail)) + tail
	}
	var calls atomic.Int32
	mux.HandleFunc("GET /records/{size}", func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		size, _ := strconv.Atoi(r.PathValue("size"))
		chunked := r.URL.Query().Get("chunked") != ""
		w.Header().Set("Content-Type", "application/json")
		if !chunked {
			w.Header().Set("Content-Length", strconv.Itoa(size))
		}
		b := body(size)
		_, _ = io.WriteString(w, b[:size/2])
		if chunked {
			w.(http.Flusher).Flush()
		}
		_, _ = io.WriteString(w, b[size/2:])
	})
	for _, chunked := range []bool{false, true} {
		var q url.Values
		if chunked {
			q = url.Values{"chunked": {"1"}}
		}
		calls.Store(0)
		var rec record
		_, err := c.call(t.Context(), &request{method: http.MethodGet, path: "records/" + strconv.Itoa(limit+1), query: q, outKey: "record"}, &rec)
		require.ErrorIs(t, err, ErrResponseTooLarge, "chunked=%v", chunked)
		assert.Contains(t, err.Error(), "WithMaxResponseSize")
		assert.EqualValues(t, 1, calls.Load(), "a body too large is not retried")

		rec = record{}
		_, err = c.call(t.Context(), &request{method: http.MethodGet, path: "records/" + strconv.Itoa(limit), query: q, outKey: "record"}, &rec)
		require.NoError(t, err, "a body of exactly the limit is read, chunked=%v", chunked)
		assert.EqualValues(t, 1, rec.ID)
	}

	// A Content-Length past the cap fails before any buffer is sized by it.
	huge, err := NewClient(WithToken("x"), WithBaseURL("https://api.example/api/v2"), WithRetryPolicy(nil),
		WithHTTPClient(&http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: 200, Header: http.Header{}, ContentLength: 1 << 50,
				Body: io.NopCloser(strings.NewReader(`{"record":{"id":1}}`)), Request: r}, nil
		})}))
	require.NoError(t, err)
	_, err = huge.call(t.Context(), &request{method: http.MethodGet, path: "records/1", outKey: "record"}, &record{})
	require.ErrorIs(t, err, ErrResponseTooLarge)
	assert.Contains(t, err.Error(), "announced")

	_, err = NewClient(WithToken("x"), WithMaxResponseSize(0))
	assert.ErrorIs(t, err, ErrInvalidArgument)
	d, err := NewClient(WithToken("x"))
	require.NoError(t, err)
	assert.EqualValues(t, 32<<20, d.maxBody, "the default cap is 32 MiB")
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestAPIErrorMessageIsCutOnARuneBoundary(t *testing.T) {
	t.Parallel()
	c, mux := setup(t, WithRetryPolicy(nil))
	// "a" then 2-byte runes: byte 200 falls in the middle of one.
	body := "a" + strings.Repeat("é", 150)
	mux.HandleFunc("GET /parties/1", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = io.WriteString(w, body)
	})
	_, _, err := c.Parties.ReadSingle(t.Context(), 1, nil)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.True(t, utf8.ValidString(apiErr.Message), "%q", apiErr.Message)
	assert.Equal(t, "a"+strings.Repeat("é", 99)+"…", apiErr.Message)
	assert.True(t, utf8.ValidString(err.Error()))
}

func TestAbsurdRateLimitResetFailsAtOnce(t *testing.T) {
	t.Parallel()
	c, mux := setup(t, WithRetryPolicy(&DefaultRetryPolicy{BaseWait: time.Millisecond}))
	var calls atomic.Int32
	reset := "9223372036854775807"
	mux.HandleFunc("GET /parties/1", func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("X-RateLimit-Limit", "4000")
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset", reset)
		writeJSON(t, w, http.StatusTooManyRequests, `{"error":"rate limit"}`)
	})
	start := time.Now()
	_, _, err := c.Parties.ReadSingle(t.Context(), 1, nil)
	var rl *RateLimitError
	require.ErrorAs(t, err, &rl)
	assert.EqualValues(t, 1, calls.Load(), "a reset that far away is not waited for")
	assert.Less(t, time.Since(start), time.Second)
	assert.Equal(t, 9999, rl.Rate.Reset.Year(), "the reset is clamped, not wrapped into the past")
	assert.Contains(t, err.Error(), "resets at 9999-12-31T23:59:59Z")

	for _, h := range []string{"-9223372036854775808", "0", "-1"} {
		r, ok := parseRate(http.Header{"X-Ratelimit-Limit": {"1"}, "X-Ratelimit-Remaining": {"1"}, "X-Ratelimit-Reset": {h}})
		require.True(t, ok)
		assert.True(t, r.Reset.IsZero(), "reset %s is no reset", h)
	}
}

func TestJobIDIsOneSafeSegmentEscapedOnce(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /jobs/{id}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(t, w, http.StatusOK, fmt.Sprintf(`{"job":{"id":%q,"status":"completed"}}`, r.PathValue("id")))
	})
	var seen atomic.Value
	mux.HandleFunc("GET /jobs/a b", func(w http.ResponseWriter, r *http.Request) {
		seen.Store(r.URL.EscapedPath())
		writeJSON(t, w, http.StatusOK, `{"job":{"id":"a b","status":"completed"}}`)
	})
	job, _, err := c.Jobs.ReadSingle(t.Context(), "a b")
	require.NoError(t, err)
	assert.Equal(t, "a b", job.ID)
	assert.Equal(t, "/jobs/a%20b", seen.Load(), "escaped once (below the /api/v2 mount)")
	job, _, err = c.Jobs.ReadSingle(t.Context(), "a..b")
	require.NoError(t, err, "dots inside a segment are fine")
	assert.Equal(t, "a..b", job.ID)

	sent := refuseRequests(t, mux)
	for _, id := range []string{"", "  ", ".", "..", "a/b", "../parties", `a\b`, "a?b", "a#b", "a\nb", "a\x00"} {
		_, _, err := c.Jobs.ReadSingle(t.Context(), id)
		var argErr *ArgError
		if assert.ErrorAs(t, err, &argErr, "%q", id) {
			assert.Equal(t, "id", argErr.Arg, "the error names the id, %q", id)
		}
		_, _, err = c.Jobs.Wait(t.Context(), id, time.Millisecond)
		assert.ErrorIs(t, err, ErrInvalidArgument, "%q", id)
	}
	assert.Zero(t, sent.Load())
}

func TestBlankTagNameIsRefused(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	sent := refuseRequests(t, mux)
	for _, name := range []string{"   ", "\t\n", ""} {
		_, _, err := c.Parties.Create(t.Context(), &PartyInput{Type: Set(PartyPerson), FirstName: Set("A"), Tags: []TagChange{AddTag(name)}})
		assert.ErrorIs(t, err, ErrInvalidArgument, "%q", name)
		_, _, err = c.Parties.Update(t.Context(), 1, &PartyInput{Tags: []TagChange{AddTag(name)}})
		assert.ErrorIs(t, err, ErrInvalidArgument, "%q", name)
		_, _, err = c.Opportunities.Update(t.Context(), 1, &OpportunityInput{Tags: []TagChange{AddTag(name)}})
		assert.ErrorIs(t, err, ErrInvalidArgument, "%q", name)
		_, _, err = c.Kases.Update(t.Context(), 1, &KaseInput{Tags: []TagChange{AddTag(name)}})
		assert.ErrorIs(t, err, ErrInvalidArgument, "%q", name)
	}
	assert.Zero(t, sent.Load())
}

func TestUploadContentTypeWithControlCharactersIsRefused(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	sent := refuseRequests(t, mux)
	for _, ct := range []string{"text/plain\r\nX-Evil: 1", "text/plain\n", "text/\x00plain"} {
		_, _, err := c.Attachments.Upload(t.Context(), "a.txt", ct, strings.NewReader("hi"))
		assert.ErrorIs(t, err, ErrInvalidArgument, "%q", ct)
	}
	assert.Zero(t, sent.Load())
}

func TestWebhookPanicIsRecovered(t *testing.T) {
	t.Parallel()
	logger, logged := debugLog()
	var calls atomic.Int32
	h := NewWebhookHandler().OnOther(func(_ context.Context, e *WebhookEvent) error {
		if calls.Add(1) == 1 {
			panic("cannot handle " + string(e.Payload[0]))
		}
		if calls.Load() == 2 {
			_ = e.Payload[len(e.Payload)] // a runtime error: its message is logged
		}
		return nil
	})
	h.Logger = logger
	body := []byte(`{"event":"party/created","payload":[{"id":1,"about":"api-key-5be01"}]}`)
	w := deliver(t, h, http.MethodPost, body)
	assert.Equal(t, http.StatusInternalServerError, w.Code, "a panic answers 500, so Capsule retries")
	assert.NotContains(t, logged(), "api-key-5be01", "the payload is not logged")
	assert.Contains(t, logged(), "panicked")
	assert.Contains(t, logged(), "event=party/created")
	w = deliver(t, h, http.MethodPost, body)
	assert.Equal(t, http.StatusInternalServerError, w.Code)
	assert.Contains(t, logged(), "index out of range [1] with length 1")
	w = deliver(t, h, http.MethodPost, body)
	assert.Equal(t, http.StatusNoContent, w.Code, "the handler keeps serving")

	// http.ErrAbortHandler keeps its meaning: abort the response quietly.
	abort := NewWebhookHandler().OnOther(func(context.Context, *WebhookEvent) error { panic(http.ErrAbortHandler) })
	assert.PanicsWithValue(t, http.ErrAbortHandler, func() { deliver(t, abort, http.MethodPost, body) })
}

// Found by FuzzFieldValue (testdata/fuzz/FuzzFieldValue): strconv reads
// these strings as numbers, but JSON cannot carry them, so the request
// failed while encoding instead of with ErrInvalidArgument.
func TestNumberFieldRefusesStringsThatAreNotJSONNumbers(t *testing.T) {
	t.Parallel()
	def := &FieldDefinition{ID: 2, Name: "Score", Type: FieldTypeNumber}
	for _, s := range []string{"NaN", "nan", "Inf", "-Infinity", "0x1p3", " 0x10 ", "1_000", "+1", ".5", "1e400"} {
		_, err := def.Value(s)
		assert.ErrorIs(t, err, ErrInvalidArgument, "%q", s)
	}
	for _, s := range []string{"12", "-1.5", " 3e2 ", "0"} {
		change, err := def.Value(s)
		require.NoError(t, err, "%q", s)
		testJSONMarshal(t, change, `{"definition":{"id":2},"value":`+strings.TrimSpace(s)+`}`)
	}
}
