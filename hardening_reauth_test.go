package capsule

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/capsulecrm-go/capsule/capsuletest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

// fakeOAuthToken runs the authorization code flow against srv and returns
// the configuration and the token it issued.
func fakeOAuthToken(t *testing.T, srv *capsuletest.Server) (*oauth2.Config, *oauth2.Token) {
	t.Helper()
	cfg := OAuth2Config(capsuletest.DefaultClientID, capsuletest.DefaultClientSecret, "https://app.example/cb", ScopeRead, ScopeWrite)
	cfg.Endpoint = EndpointFor(srv.URL)
	hc := srv.Client()
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := hc.Get(cfg.AuthCodeURL("st"))
	require.NoError(t, err)
	res.Body.Close()
	loc, err := url.Parse(res.Header.Get("Location"))
	require.NoError(t, err)
	tok, err := cfg.Exchange(t.Context(), loc.Query().Get("code"))
	require.NoError(t, err)
	return cfg, tok
}

func TestUnauthorizedRefreshesOnceForConcurrentRequests(t *testing.T) {
	t.Parallel()
	srv := capsuletest.NewServer(capsuletest.WithTokenExpiry(time.Hour))
	t.Cleanup(srv.Close)
	cfg, tok := fakeOAuthToken(t, srv)
	var mu sync.Mutex
	var saved []*oauth2.Token
	src := TokenSource(cfg, tok, func(t *oauth2.Token) { mu.Lock(); saved = append(saved, t); mu.Unlock() })
	c, err := NewClient(WithBaseURL(srv.URL+"/api/v2"), WithTokenSource(src), WithRetryPolicy(nil))
	require.NoError(t, err)
	_, _, err = c.Users.ReadCurrent(t.Context(), nil)
	require.NoError(t, err)

	srv.ExpireToken(tok.AccessToken)
	srv.ResetRequests()
	var wg sync.WaitGroup
	var failed atomic.Int32
	for range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, _, err := c.Users.ReadCurrent(t.Context(), nil); err != nil {
				failed.Add(1)
				t.Log(err)
			}
		}()
	}
	wg.Wait()
	assert.Zero(t, failed.Load(), "every request succeeds")
	assert.Equal(t, 1, srv.RefreshCount(), "one refresh for every 401")
	require.Len(t, saved, 1)
	now, err := src.Token()
	require.NoError(t, err)
	assert.NotEqual(t, tok.AccessToken, now.AccessToken)
	assert.Equal(t, saved[0].AccessToken, now.AccessToken)
	// Each request went out at most twice: the 401 and its replay.
	n := 0
	for _, r := range srv.Requests() {
		if strings.Contains(r.Path, "/users/current") {
			n++
		}
	}
	assert.LessOrEqual(t, n, 200)
	assert.GreaterOrEqual(t, n, 101)
}

// unauthorizedAPI answers 401 to everything and counts what it got, by
// the token sent.
func unauthorizedAPI(t *testing.T, c *Client, mux *http.ServeMux) *sync.Map {
	t.Helper()
	var seen sync.Map
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		n, _ := seen.LoadOrStore(r.Header.Get("Authorization"), new(atomic.Int32))
		n.(*atomic.Int32).Add(1)
		writeJSON(t, w, http.StatusUnauthorized, `{"message":"token expired"}`)
	})
	return &seen
}

func count(m *sync.Map, key string) int32 {
	n, ok := m.Load(key)
	if !ok {
		return 0
	}
	return n.(*atomic.Int32).Load()
}

func TestSecondUnauthorizedIsReturned(t *testing.T) {
	t.Parallel()
	ts := newTokenServer(t)
	src := TokenSource(ts.config(), &oauth2.Token{AccessToken: "access-0", RefreshToken: "refresh-0"}, nil)
	c, mux := setup(t, WithTokenSource(src))
	seen := unauthorizedAPI(t, c, mux)
	_, _, err := recordsEP(c).create(t.Context(), map[string]string{"name": "a"}, nil)
	require.ErrorIs(t, err, ErrUnauthorized)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.EqualValues(t, 1, ts.refreshes.Load(), "one refresh")
	assert.EqualValues(t, 1, count(seen, "Bearer access-0"))
	assert.EqualValues(t, 1, count(seen, "Bearer access-1"), "one replay, with the new token, even of a create")
}

func TestPersonalTokenIsNeverRefreshed(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	seen := unauthorizedAPI(t, c, mux)
	_, _, err := recordsEP(c).get(t.Context(), 1, nil)
	require.ErrorIs(t, err, ErrUnauthorized)
	assert.EqualValues(t, 1, count(seen, "Bearer "+testToken), "no replay")
}

func TestUnauthorizedWithoutARefreshTokenIsReturnedAsIs(t *testing.T) {
	t.Parallel()
	ts := newTokenServer(t)
	src := TokenSource(ts.config(), &oauth2.Token{AccessToken: "access-0"}, nil)
	c, mux := setup(t, WithTokenSource(src))
	seen := unauthorizedAPI(t, c, mux)
	_, _, err := recordsEP(c).get(t.Context(), 1, nil)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr, "the 401 itself, not a failed refresh")
	assert.Equal(t, http.StatusUnauthorized, apiErr.StatusCode)
	assert.EqualValues(t, 1, count(seen, "Bearer access-0"))
	assert.Zero(t, ts.refreshes.Load())
}

func TestUnauthorizedUploadIsReplayedOnlyWhenRewindable(t *testing.T) {
	t.Parallel()
	ts := newTokenServer(t)
	src := TokenSource(ts.config(), &oauth2.Token{AccessToken: "access-0", RefreshToken: "refresh-0"}, nil)
	c, mux := setup(t, WithTokenSource(src))
	var bodies []string
	var mu sync.Mutex
	mux.HandleFunc("POST /attachments/upload", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, r.Header.Get("Authorization")+" "+string(b))
		mu.Unlock()
		if r.Header.Get("Authorization") == "Bearer access-0" {
			writeJSON(t, w, http.StatusUnauthorized, `{"message":"expired"}`)
			return
		}
		writeJSON(t, w, http.StatusOK, `{"upload":{"token":"up-1"}}`)
	})
	// A reader that cannot be rewound is not replayed.
	_, _, err := c.Attachments.Upload(t.Context(), "a.txt", "text/plain", io.MultiReader(strings.NewReader("hello")))
	require.ErrorIs(t, err, ErrUnauthorized)
	assert.EqualValues(t, 0, ts.refreshes.Load())
	// A seekable one is, from its start.
	tok, _, err := c.Attachments.Upload(t.Context(), "a.txt", "text/plain", strings.NewReader("hello"))
	require.NoError(t, err)
	assert.Equal(t, "up-1", tok)
	assert.Equal(t, []string{"Bearer access-0 hello", "Bearer access-0 hello", "Bearer access-1 hello"}, bodies)
}
