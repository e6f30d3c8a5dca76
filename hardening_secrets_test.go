package capsule

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

// debugLog returns a logger at debug level and a function returning what
// it wrote so far.
func debugLog() (*slog.Logger, func() string) {
	var mu sync.Mutex
	var buf bytes.Buffer
	w := writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return buf.Write(p)
	})
	l := slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return l, func() string {
		mu.Lock()
		defer mu.Unlock()
		return buf.String()
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// echoingTokenEndpoint answers every refresh with status and a body built
// from the form it got (client secret, refresh token), as a careless token
// endpoint would, and counts the calls.
func echoingTokenEndpoint(t *testing.T, status int, contentType string, body func(form map[string]string) string) (*oauth2.Config, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		_ = r.ParseForm()
		_, secret, _ := r.BasicAuth()
		form := map[string]string{"secret": secret, "refresh": r.PostForm.Get("refresh_token"), "auth": r.Header.Get("Authorization")}
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("X-Echo", secret)
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body(form))
	}))
	t.Cleanup(srv.Close)
	cfg := OAuth2Config("client-id", "client-secret-9d2f", "http://127.0.0.1/callback", ScopeRead)
	cfg.Endpoint = EndpointFor(srv.URL)
	// One token request per refresh: auto-detection would try twice.
	cfg.Endpoint.AuthStyle = oauth2.AuthStyleInHeader
	return cfg, &n
}

func assertNoSecret(t *testing.T, s string, secrets ...string) {
	t.Helper()
	for _, secret := range secrets {
		assert.NotContains(t, s, secret)
	}
}

func TestRefreshFailureNeverShowsTheClientSecret(t *testing.T) {
	t.Parallel()
	bodies := map[string]struct {
		contentType string
		body        func(map[string]string) string
	}{
		"json description": {"application/json", func(f map[string]string) string {
			return fmt.Sprintf(`{"error":"invalid_client","error_description":"client secret %s does not match"}`, f["secret"])
		}},
		"text": {"text/plain", func(f map[string]string) string {
			return fmt.Sprintf("no: refresh token %s with secret %s (%s)", f["refresh"], f["secret"], f["auth"])
		}},
		"json escaped": {"application/json", func(f map[string]string) string {
			return fmt.Sprintf(`{"error":"invalid_grant","error_description":"\u0022%s\u0022","error_uri":"https://x/?s=%s"}`,
				strings.ReplaceAll(f["refresh"], "-", `\u002d`), f["secret"])
		}},
	}
	for name, tc := range bodies {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cfg, calls := echoingTokenEndpoint(t, http.StatusUnauthorized, tc.contentType, tc.body)
			logger, logged := debugLog()
			src := TokenSource(cfg, expiredToken("at-4e1b7", "rt-88c0a"), nil)
			c, mux := setup(t, WithTokenSource(src), WithLogger(logger))
			sent := refuseRequests(t, mux)
			_, _, err := recordsEP(c).get(t.Context(), 1, nil)
			require.Error(t, err)
			secrets := []string{"client-secret-9d2f", "at-4e1b7", "rt-88c0a", `rt\u002d88c0a`}
			assertNoSecret(t, err.Error(), secrets...)
			assertNoSecret(t, logged(), secrets...)
			assert.Contains(t, logged(), "refreshing the OAuth2 token", "the failure is logged")
			var re *oauth2.RetrieveError
			require.ErrorAs(t, err, &re)
			assertNoSecret(t, string(re.Body), secrets...)
			assertNoSecret(t, re.ErrorDescription+re.ErrorURI, secrets...)
			assertNoSecret(t, fmt.Sprint(re.Response.Header), secrets...)
			assert.Nil(t, re.Response.Request, "the token request held the client secret")
			assert.Equal(t, http.StatusUnauthorized, re.Response.StatusCode)

			// A refused refresh is final: it is not retried, and it is an
			// authentication error.
			assert.EqualValues(t, 1, calls.Load(), "a refused refresh is not retried")
			assert.ErrorIs(t, err, ErrUnauthorized)
			assert.Zero(t, sent.Load())
		})
	}
}

func TestRefreshOutageIsRetried(t *testing.T) {
	t.Parallel()
	cfg, calls := echoingTokenEndpoint(t, http.StatusServiceUnavailable, "text/plain", func(map[string]string) string { return "down" })
	c, _ := setup(t, WithTokenSource(TokenSource(cfg, expiredToken("at-1", "rt-1"), nil)))
	_, _, err := recordsEP(c).get(t.Context(), 1, nil)
	require.Error(t, err)
	assert.EqualValues(t, 4, calls.Load(), "an outage of the token endpoint is retried as the policy allows")
	assert.NotErrorIs(t, err, ErrUnauthorized)
}

// failingSource is a token source of the caller's own that fails with err.
type failingSource struct {
	calls atomic.Int32
	err   error
}

func (s *failingSource) Token() (*oauth2.Token, error) {
	s.calls.Add(1)
	return nil, s.err
}

func TestOwnTokenSourceFailures(t *testing.T) {
	t.Parallel()
	// A network error of the caller's source is retried like a transport
	// error; any other failure is final and an authentication error.
	netErr := &failingSource{err: &url.Error{Op: "Post", URL: "https://idp.example/token", Err: errors.New("connection reset")}}
	c, _ := setup(t, WithTokenSource(netErr))
	_, _, err := recordsEP(c).get(t.Context(), 1, nil)
	require.Error(t, err)
	assert.EqualValues(t, 4, netErr.calls.Load())
	assert.NotErrorIs(t, err, ErrUnauthorized)

	refused := &failingSource{err: errors.New("no token for you")}
	c, _ = setup(t, WithTokenSource(refused))
	_, _, err = recordsEP(c).get(t.Context(), 1, nil)
	require.ErrorIs(t, err, ErrUnauthorized)
	assert.EqualValues(t, 1, refused.calls.Load())

	// A token endpoint's answer from the caller's own oauth2 source is
	// judged as TokenSource's is: an outage is retried, a refusal is final.
	for _, tc := range []struct {
		status int
		calls  int32
		final  bool
	}{{http.StatusServiceUnavailable, 4, false}, {http.StatusTooManyRequests, 4, false}, {http.StatusBadRequest, 1, true}} {
		src := &failingSource{err: &oauth2.RetrieveError{Response: &http.Response{StatusCode: tc.status}}}
		c, _ = setup(t, WithTokenSource(src))
		_, _, err = recordsEP(c).get(t.Context(), 1, nil)
		require.Error(t, err)
		assert.Equal(t, tc.calls, src.calls.Load(), "status %d", tc.status)
		assert.Equal(t, tc.final, errors.Is(err, ErrUnauthorized), "status %d", tc.status)
	}
}

func TestEchoedBearerTokenIsRedactedFromAPIErrors(t *testing.T) {
	t.Parallel()
	logger, logged := debugLog()
	c, mux := setup(t, WithLogger(logger), WithRetryPolicy(nil))
	mux.HandleFunc("GET /records/1", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token", token="`+testToken+`"`)
		writeJSON(t, w, http.StatusUnauthorized, `{"message":"bad header: `+r.Header.Get("Authorization")+`","errors":[{"message":"token `+testToken+`"}]}`)
	})
	mux.HandleFunc("GET /records/2", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusForbidden)
		_, _ = io.WriteString(w, "refused "+r.Header.Get("Authorization"))
	})
	for id, status := range map[int64]int{1: 401, 2: 403} {
		_, _, err := recordsEP(c).get(t.Context(), id, nil)
		var apiErr *APIError
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, status, apiErr.StatusCode)
		assert.Contains(t, apiErr.Message, "[redacted]", "the message is kept, without the token")
		for _, s := range []string{err.Error(), apiErr.Message, string(apiErr.Body), fmt.Sprint(apiErr.Errors), fmt.Sprint(apiErr.Header)} {
			assert.NotContains(t, s, testToken)
		}
	}
	assert.NotContains(t, logged(), testToken)
	assert.Contains(t, logged(), "status=403")
}

func TestResponseRequestCarriesNoCredential(t *testing.T) {
	t.Parallel()
	c, mux := setup(t, WithRetryPolicy(nil))
	mux.HandleFunc("GET /records/1", func(w http.ResponseWriter, r *http.Request) {
		testHeader(t, r, "Authorization", "Bearer "+testToken)
		writeJSON(t, w, http.StatusOK, `{"record":{"id":1}}`)
	})
	mux.HandleFunc("GET /records/2", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(t, w, http.StatusNotFound, `{"message":"no"}`)
	})
	for _, id := range []int64{1, 2} {
		_, resp, _ := recordsEP(c).get(t.Context(), id, nil)
		require.NotNil(t, resp)
		require.NotNil(t, resp.Request)
		assert.Empty(t, resp.Request.Header.Get("Authorization"))
		assert.Equal(t, "application/json", resp.Request.Header.Get("Accept"), "the rest of the request is kept")
		assert.Contains(t, resp.Request.URL.Path, fmt.Sprintf("/records/%d", id))
		assert.NotContains(t, fmt.Sprintf("%+v", resp.Request), testToken)
	}
}

func TestPrintingSecretHoldersHidesSecrets(t *testing.T) {
	t.Parallel()
	cfg := OAuth2Config("client-id", "client-secret-9d2f", "http://127.0.0.1/cb", ScopeRead)
	ts := TokenSource(cfg, &oauth2.Token{AccessToken: "at-4e1b7", RefreshToken: "rt-88c0a"}, nil)
	c, err := NewClient(WithToken("pat-77aa1"))
	require.NoError(t, err)
	secrets := []string{"client-secret-9d2f", "at-4e1b7", "rt-88c0a", "pat-77aa1"}
	for _, v := range []any{ts, c.http.Transport, c.http.Transport.(*authTransport).source, c} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
			assertNoSecret(t, fmt.Sprintf(verb, v), secrets...)
		}
		var buf bytes.Buffer
		slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "v", v)
		assertNoSecret(t, buf.String(), secrets...)
	}
	assert.Contains(t, fmt.Sprint(ts), "redacted")
	tok, err := ts.Token()
	require.NoError(t, err)
	assert.Equal(t, "at-4e1b7", tok.AccessToken, "the source still hands out the token")
}

func TestWithTokenRefusesControlCharacters(t *testing.T) {
	t.Parallel()
	for _, tok := range []string{"abc\r\nX-Evil: 1", "abc\n", "a\x00b", "a\tb", "a\x7fb"} {
		_, err := NewClient(WithToken(tok))
		require.ErrorIs(t, err, ErrInvalidArgument, "%q", tok)
		assert.NotContains(t, err.Error(), tok)
	}
	_, err := NewClient(WithToken("good-token_1.2~x"))
	assert.NoError(t, err)
}

func TestWriteIsNeverRedirectedToAnotherHost(t *testing.T) {
	t.Parallel()
	var reached atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
		writeJSON(t, w, 200, `{"record":{"id":9}}`)
	}))
	t.Cleanup(other.Close)
	c, mux := setup(t)
	var origin atomic.Int32
	for _, pattern := range []string{"POST /records", "PUT /records/1", "DELETE /records/1"} {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			origin.Add(1)
			code := http.StatusTemporaryRedirect
			if r.Method == http.MethodPut {
				code = http.StatusPermanentRedirect
			}
			http.Redirect(w, r, other.URL+"/api/v2/records", code)
		})
	}
	mux.HandleFunc("POST /local", func(w http.ResponseWriter, r *http.Request) {
		testJSONBody(t, r, `{"record":{"name":"a"}}`)
		http.Redirect(w, r, "/api/v2/local2", http.StatusTemporaryRedirect)
	})
	mux.HandleFunc("POST /local2", func(w http.ResponseWriter, r *http.Request) {
		testJSONBody(t, r, `{"record":{"name":"a"}}`)
		writeJSON(t, w, 201, `{"record":{"id":4}}`)
	})
	ep := recordsEP(c)
	_, _, err := ep.create(t.Context(), map[string]string{"name": "a"}, nil)
	require.ErrorIs(t, err, ErrRedirectRefused)
	assert.Contains(t, err.Error(), "another host")
	_, _, err = ep.update(t.Context(), 1, map[string]string{"name": "a"}, nil)
	require.ErrorIs(t, err, ErrRedirectRefused)
	_, err = ep.delete(t.Context(), 1)
	require.ErrorIs(t, err, ErrRedirectRefused)
	assert.Zero(t, reached.Load(), "nothing reaches the other host")
	assert.EqualValues(t, 3, origin.Load(), "a refused redirect is not retried, even for a PUT")

	// A redirect within the origin is followed, with the body.
	rec, _, err := ep.createAt(t.Context(), "local", map[string]string{"name": "a"}, nil)
	require.NoError(t, err)
	assert.EqualValues(t, 4, rec.ID)
}

func TestReadRedirectsAreFollowedUnderTheCallersCheck(t *testing.T) {
	t.Parallel()
	var auth atomic.Value
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth.Store(r.Header.Get("Authorization"))
		testMethod(t, r, http.MethodGet)
		writeJSON(t, w, 200, `{"record":{"id":9}}`)
	}))
	t.Cleanup(other.Close)
	errCaller := errors.New("the caller's own redirect check")
	var checked atomic.Int32
	c, mux := setup(t, WithRetryPolicy(nil), WithHTTPClient(&http.Client{CheckRedirect: func(req *http.Request, via []*http.Request) error {
		checked.Add(1)
		if strings.HasSuffix(req.URL.Path, "/records/3") {
			return errCaller
		}
		return nil
	}}))
	mux.HandleFunc("GET /records/1", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/api/v2/records/9", http.StatusFound)
	})
	mux.HandleFunc("GET /records/2", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/api/v2/records/3", http.StatusFound)
	})
	ep := recordsEP(c)
	rec, _, err := ep.get(t.Context(), 1, nil)
	require.NoError(t, err, "a read may leave the origin")
	assert.EqualValues(t, 9, rec.ID)
	assert.Equal(t, "", auth.Load(), "the other host gets no token")
	assert.EqualValues(t, 1, checked.Load(), "the caller's check runs after the client's")
	_, _, err = ep.get(t.Context(), 2, nil)
	require.ErrorIs(t, err, errCaller)

	// Without a check of the caller's, net/http's limit of ten holds.
	c, mux = setup(t, WithRetryPolicy(nil))
	var hops atomic.Int32
	mux.HandleFunc("GET /records/1", func(w http.ResponseWriter, r *http.Request) {
		hops.Add(1)
		http.Redirect(w, r, "/api/v2/records/1", http.StatusFound)
	})
	_, _, err = recordsEP(c).get(t.Context(), 1, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "stopped after 10 redirects")
	assert.EqualValues(t, 10, hops.Load())
}
