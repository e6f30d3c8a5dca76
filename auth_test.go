package capsule

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

// tokenServer is a minimal OAuth2 token endpoint that rotates refresh
// tokens and counts refresh grants.
type tokenServer struct {
	*httptest.Server
	refreshes atomic.Int32
	fail      atomic.Bool
	// failPlain makes a failure a plain-text body without an OAuth2 error
	// code, which oauth2.RetrieveError prints whole in its message.
	failPlain atomic.Bool
}

func newTokenServer(t *testing.T) *tokenServer {
	ts := &tokenServer{}
	ts.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/oauth/token" || r.Method != http.MethodPost {
			t.Errorf("unexpected %s %s", r.Method, r.URL.Path)
		}
		require.NoError(t, r.ParseForm())
		if ts.failPlain.Load() {
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(500)
			fmt.Fprintf(w, "cannot refresh %s", r.PostForm.Get("refresh_token"))
			return
		}
		if ts.fail.Load() {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(400)
			fmt.Fprintf(w, `{"error":"invalid_grant","refresh_token":%q}`, r.PostForm.Get("refresh_token"))
			return
		}
		assert.Equal(t, "refresh_token", r.PostForm.Get("grant_type"))
		n := ts.refreshes.Add(1)
		// Make concurrent callers overlap inside the refresh.
		time.Sleep(20 * time.Millisecond)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"access_token":  fmt.Sprintf("access-%d", n),
			"refresh_token": fmt.Sprintf("refresh-%d", n),
			"token_type":    "bearer",
			"expires_in":    604799,
			"scope":         "read write",
			"subdomain":     "acme",
		})
	}))
	t.Cleanup(ts.Close)
	return ts
}

func (ts *tokenServer) config() *oauth2.Config {
	cfg := OAuth2Config("client-id", "client-secret", "http://127.0.0.1/callback", ScopeRead, ScopeWrite)
	cfg.Endpoint = EndpointFor(ts.URL)
	return cfg
}

func TestOAuth2Config(t *testing.T) {
	t.Parallel()
	cfg := OAuth2Config("id", "secret", "https://app.example/cb", ScopeRead, ScopeWrite, ScopeUserPreference)
	assert.Equal(t, "https://api.capsulecrm.com/oauth/authorise", cfg.Endpoint.AuthURL)
	assert.Equal(t, "https://api.capsulecrm.com/oauth/token", cfg.Endpoint.TokenURL)
	u, err := url.Parse(cfg.AuthCodeURL("xyz"))
	require.NoError(t, err)
	q := u.Query()
	assert.Equal(t, "code", q.Get("response_type"))
	assert.Equal(t, "id", q.Get("client_id"))
	assert.Equal(t, "read write user_preference", q.Get("scope"))
	assert.Equal(t, "xyz", q.Get("state"))
	assert.Equal(t, "https://app.example/cb", q.Get("redirect_uri"))
}

func TestTokenSourceRefreshesOnceForConcurrentCallers(t *testing.T) {
	t.Parallel()
	ts := newTokenServer(t)
	var mu sync.Mutex
	var saved []*oauth2.Token
	start := &oauth2.Token{AccessToken: "access-0", RefreshToken: "refresh-0", Expiry: time.Now().Add(10 * time.Second)}
	src := TokenSource(ts.config(), start, func(tok *oauth2.Token) {
		mu.Lock()
		saved = append(saved, tok)
		mu.Unlock()
	})

	var wg sync.WaitGroup
	got := make([]string, 100)
	for i := range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok, err := src.Token()
			if assert.NoError(t, err) {
				got[i] = tok.AccessToken
			}
		}()
	}
	wg.Wait()
	assert.EqualValues(t, 1, ts.refreshes.Load(), "one refresh for 100 callers")
	for _, a := range got {
		assert.Equal(t, "access-1", a)
	}
	require.Len(t, saved, 1)
	assert.Equal(t, "refresh-1", saved[0].RefreshToken, "the callback sees the rotated refresh token")
}

func TestTokenSourceRefreshWindow(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		left    time.Duration
		refresh bool
	}{{299 * time.Second, true}, {301 * time.Second, false}, {0, false}} {
		t.Run(tc.left.String(), func(t *testing.T) {
			t.Parallel()
			ts := newTokenServer(t)
			start := &oauth2.Token{AccessToken: "access-0", RefreshToken: "refresh-0"}
			if tc.left > 0 {
				start.Expiry = time.Now().Add(tc.left)
			}
			var calls atomic.Int32
			tok, err := TokenSource(ts.config(), start, func(*oauth2.Token) { calls.Add(1) }).Token()
			require.NoError(t, err)
			if tc.refresh {
				assert.Equal(t, "access-1", tok.AccessToken)
				assert.EqualValues(t, 1, ts.refreshes.Load())
				assert.EqualValues(t, 1, calls.Load())
			} else {
				assert.Equal(t, "access-0", tok.AccessToken)
				assert.EqualValues(t, 0, ts.refreshes.Load())
				assert.EqualValues(t, 0, calls.Load())
			}
		})
	}
}

func TestClientUsesRefreshedToken(t *testing.T) {
	t.Parallel()
	ts := newTokenServer(t)
	start := &oauth2.Token{AccessToken: "access-0", RefreshToken: "refresh-0", Expiry: time.Now().Add(time.Minute)}
	src := TokenSource(ts.config(), start, nil)
	c, mux := setup(t, WithTokenSource(src))
	mux.HandleFunc("GET /records/1", func(w http.ResponseWriter, r *http.Request) {
		testHeader(t, r, "Authorization", "Bearer access-1")
		writeJSON(t, w, 200, `{"record":{"id":1}}`)
	})
	_, _, err := recordsEP(c).get(t.Context(), 1, nil)
	require.NoError(t, err)
}

func TestRefreshFailureHidesTokens(t *testing.T) {
	t.Parallel()
	ts := newTokenServer(t)
	ts.fail.Store(true)
	start := &oauth2.Token{AccessToken: "old-access-secret", RefreshToken: "refresh-secret-123", Expiry: time.Now().Add(-time.Minute)}
	c, mux := setup(t, WithTokenSource(TokenSource(ts.config(), start, nil)), WithRetryPolicy(nil))
	h, n := counter(func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("/", h)
	_, _, err := recordsEP(c).get(t.Context(), 1, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "refreshing the OAuth2 token")
	assert.NotContains(t, err.Error(), "refresh-secret-123")
	assert.NotContains(t, err.Error(), "old-access-secret")
	assert.EqualValues(t, 0, n.Load(), "no API request without a token")
	var re *oauth2.RetrieveError
	assert.ErrorAs(t, err, &re, "the oauth2 error stays reachable")

	// Without an OAuth2 error code, oauth2 puts the whole response body in
	// its message; a body that echoes the refresh token must not leak it.
	ts.failPlain.Store(true)
	start = &oauth2.Token{AccessToken: "old-access-secret", RefreshToken: "refresh-secret-456", Expiry: time.Now().Add(-time.Minute)}
	c, _ = setup(t, WithTokenSource(TokenSource(ts.config(), start, nil)), WithRetryPolicy(nil))
	_, _, err = recordsEP(c).get(t.Context(), 1, nil)
	require.Error(t, err)
	require.ErrorAs(t, err, &re)
	assert.Equal(t, "cannot refresh [redacted]", string(re.Body), "the body the error keeps is redacted too")
	assert.Contains(t, err.Error(), "refreshing the OAuth2 token")
	assert.NotContains(t, err.Error(), "refresh-secret-456")
	assert.NotContains(t, err.Error(), "old-access-secret")
}
