package capsule

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// apiPrefix is where the test server mounts the API, as Capsule does.
const apiPrefix = "/api/v2"

// testToken is the bearer token of setup's client.
const testToken = "test-token"

// instantRetries retries like the default policy but never waits.
var instantRetries = RetryFunc(func(a Attempt) (time.Duration, bool) {
	_, ok := (&DefaultRetryPolicy{}).Retry(a)
	return 0, ok
})

// setup starts a test server and a client pointed at it. Handlers are
// registered on the returned mux with paths relative to /api/v2, for
// example mux.HandleFunc("GET /parties/{id}", ...). A request outside
// /api/v2 fails the test.
func setup(t *testing.T, opts ...Option) (*Client, *http.ServeMux) {
	t.Helper()
	mux := http.NewServeMux()
	root := http.NewServeMux()
	root.Handle(apiPrefix+"/", http.StripPrefix(apiPrefix, mux))
	root.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("request outside %s: %s %s", apiPrefix, r.Method, r.URL)
		http.Error(w, "wrong path", http.StatusBadRequest)
	})
	srv := httptest.NewServer(root)
	t.Cleanup(srv.Close)
	base := []Option{WithBaseURL(srv.URL + apiPrefix), WithToken(testToken), WithRetryPolicy(instantRetries)}
	c, err := NewClient(append(base, opts...)...)
	require.NoError(t, err)
	return c, mux
}

// counter counts requests to a handler.
func counter(h http.HandlerFunc) (http.HandlerFunc, *atomic.Int32) {
	var n atomic.Int32
	return func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		h(w, r)
	}, &n
}

func testMethod(t *testing.T, r *http.Request, want string) {
	t.Helper()
	assert.Equal(t, want, r.Method, "request method")
}

// testQuery asserts that the request's query is exactly want.
func testQuery(t *testing.T, r *http.Request, want url.Values) {
	t.Helper()
	got := r.URL.Query()
	if len(want) == 0 && len(got) == 0 {
		return
	}
	assert.Equal(t, want, got, "query of %s", r.URL)
}

func testHeader(t *testing.T, r *http.Request, key, want string) {
	t.Helper()
	assert.Equal(t, want, r.Header.Get(key), "header %s", key)
}

// testJSONBody asserts that the request body is JSON equal to want.
func testJSONBody(t *testing.T, r *http.Request, want string) {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	require.NoError(t, err)
	assert.JSONEq(t, want, string(b), "request body")
}

// testJSONMarshal asserts that v marshals to JSON equal to want.
func testJSONMarshal(t *testing.T, v any, want string) {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	assert.JSONEq(t, want, string(b))
}

// fixture returns the contents of testdata/name.
func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := readTestdata(name)
	require.NoError(t, err)
	return b
}

func readTestdata(name string) ([]byte, error) {
	return os.ReadFile(filepath.Join("testdata", filepath.FromSlash(name)))
}

// writeJSON answers with status and a JSON body.
func writeJSON(t *testing.T, w http.ResponseWriter, status int, body string) {
	t.Helper()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, err := io.WriteString(w, body)
	assert.NoError(t, err)
}

// refuseRequests makes any request that reaches mux without a more specific
// handler fail the test, for calls that must be refused before sending; the
// counter says how many arrived.
func refuseRequests(t *testing.T, mux *http.ServeMux) *atomic.Int32 {
	t.Helper()
	h, n := counter(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("unexpected request %s %s", r.Method, r.URL)
		w.WriteHeader(http.StatusTeapot)
	})
	mux.HandleFunc("/", h)
	return n
}

// ts parses an RFC 3339 timestamp.
func ts(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	require.NoError(t, err)
	return v
}

// tsp is ts returning a pointer.
func tsp(t *testing.T, s string) *time.Time {
	t.Helper()
	v := ts(t, s)
	return &v
}
