package capsule

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// OAuth2 scopes Capsule grants. Ask for ScopeRead and ScopeWrite to read and
// write records; ScopeUserPreference adds access to the user's preferences.
const (
	ScopeRead           = "read"
	ScopeWrite          = "write"
	ScopeUserPreference = "user_preference"
)

// RefreshBuffer is how long before expiry TokenSource refreshes an access
// token, so that no request starts with a token about to lapse.
const RefreshBuffer = 300 * time.Second

// Endpoint is Capsule's OAuth2 endpoint. Note the British spelling of
// "authorise" in the authorization URL.
var Endpoint = EndpointFor("https://api.capsulecrm.com")

// EndpointFor returns the OAuth2 endpoint of a Capsule at root, such as a
// capsuletest server's URL.
func EndpointFor(root string) oauth2.Endpoint {
	root = strings.TrimSuffix(root, "/")
	return oauth2.Endpoint{
		AuthURL:  root + "/oauth/authorise",
		TokenURL: root + "/oauth/token",
	}
}

// OAuth2Config returns the configuration of an OAuth2 application registered
// with Capsule, on Endpoint. The caller may change it (for example its
// Endpoint) before use.
func OAuth2Config(clientID, clientSecret, redirectURL string, scopes ...string) *oauth2.Config {
	return &oauth2.Config{
		ClientID:     clientID,
		ClientSecret: clientSecret,
		RedirectURL:  redirectURL,
		Scopes:       scopes,
		Endpoint:     Endpoint,
	}
}

// tokenHTTPTimeout bounds each call to the token endpoint.
const tokenHTTPTimeout = 30 * time.Second

// TokenSource returns a token source for WithTokenSource that starts from
// tok, refreshes it RefreshBuffer (300 s) before it expires, and calls
// onRefresh (when not nil) with every new token. Capsule may rotate refresh
// tokens, so persist what onRefresh receives: the old refresh token can stop
// working. One refresh serves any number of concurrent callers. The refresh
// runs on its own background context, never on a request's, so a cancelled
// request cannot break later refreshes. A token with a zero Expiry is never
// refreshed ahead of time; a client using this source still refreshes it
// once when Capsule answers 401.
//
// Errors never show the client secret, the access token or the refresh
// token, and neither does printing or logging the source.
func TokenSource(cfg *oauth2.Config, tok *oauth2.Token, onRefresh func(*oauth2.Token)) oauth2.TokenSource {
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, &http.Client{Timeout: tokenHTTPTimeout})
	n := &refreshingSource{cfg: cfg, ctx: ctx, onRefresh: onRefresh}
	if tok != nil {
		n.tok = tok
	} else {
		n.tok = &oauth2.Token{}
	}
	return n
}

// refresher is a token source that can be made to refresh now, because
// Capsule refused its current access token. Only TokenSource's source is
// one: a personal token cannot be refreshed.
type refresher interface {
	// canRefresh reports whether there is a refresh token to refresh
	// with; without one, a 401 is returned as it came.
	canRefresh() bool
	// refreshAfter401 refreshes unless the current access token differs
	// from stale (another request refreshed it already) and returns the
	// token to replay with.
	refreshAfter401(stale string) (*oauth2.Token, error)
}

// refreshingSource caches the current token and refreshes it under its
// lock, so concurrent callers share one refresh and onRefresh sees each new
// token exactly once.
type refreshingSource struct {
	mu        sync.Mutex
	cfg       *oauth2.Config
	ctx       context.Context
	tok       *oauth2.Token
	onRefresh func(*oauth2.Token)
}

func (n *refreshingSource) Token() (*oauth2.Token, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.tok.AccessToken != "" && (n.tok.Expiry.IsZero() || time.Now().Add(RefreshBuffer).Before(n.tok.Expiry)) {
		return n.tok, nil
	}
	return n.refreshLocked()
}

func (n *refreshingSource) canRefresh() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.tok.RefreshToken != ""
}

func (n *refreshingSource) refreshAfter401(stale string) (*oauth2.Token, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.tok.AccessToken != stale && n.tok.AccessToken != "" {
		return n.tok, nil
	}
	return n.refreshLocked()
}

func (n *refreshingSource) refreshLocked() (*oauth2.Token, error) {
	// A token without an access token makes oauth2 refresh at once.
	t, err := n.cfg.TokenSource(n.ctx, &oauth2.Token{RefreshToken: n.tok.RefreshToken}).Token()
	if err != nil {
		secrets := []string{n.cfg.ClientSecret, n.tok.AccessToken, n.tok.RefreshToken}
		if n.cfg.ClientSecret != "" {
			// What a server echoing the Basic credentials would show.
			secrets = append(secrets, url.QueryEscape(n.cfg.ClientID)+":"+url.QueryEscape(n.cfg.ClientSecret))
		}
		return nil, redact(err, secrets...)
	}
	n.tok = t
	if n.onRefresh != nil {
		n.onRefresh(t)
	}
	return t, nil
}

const redactedSource = "capsule.TokenSource{[redacted]}"

// String hides the tokens and the client secret.
func (n *refreshingSource) String() string { return redactedSource }

// Format hides the tokens and the client secret whatever the verb, %#v
// included: fmt asks a Formatter before a GoStringer.
func (n *refreshingSource) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, redactedSource) }

// LogValue hides the tokens and the client secret from slog.
func (n *refreshingSource) LogValue() slog.Value { return slog.StringValue(redactedSource) }

// staticSource is WithToken's source: a personal token, never refreshed.
type staticSource struct{ token string }

func (s staticSource) Token() (*oauth2.Token, error) {
	return &oauth2.Token{AccessToken: s.token, TokenType: "Bearer"}, nil
}

const redactedStatic = "capsule.personalToken{[redacted]}"

// String hides the token.
func (s staticSource) String() string { return redactedStatic }

// Format hides the token whatever the verb, %#v included.
func (s staticSource) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, redactedStatic) }

// LogValue hides the token from slog.
func (s staticSource) LogValue() slog.Value { return slog.StringValue(redactedStatic) }

// redactedError hides secrets that an underlying error message may echo.
// What it unwraps to is redacted too.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// refusedForGood reports whether err, a failure to get a token, is the
// token endpoint turning the refresh down for good (a bad grant or client,
// or no refresh token at all), which no retry can mend, as opposed to an
// outage (5xx, 429) or a network error. A failure of a caller's own source
// that is neither an endpoint's answer nor a network error is final too.
func refusedForGood(err error) bool {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		code := 0
		if re.Response != nil {
			code = re.Response.StatusCode
		}
		return code < 500 && code != http.StatusTooManyRequests
	}
	var ue *url.Error
	return !errors.As(err, &ue)
}

// Is makes a refused refresh match ErrUnauthorized.
func (e *redactedError) Is(target error) bool {
	return target == ErrUnauthorized && refusedForGood(e.err)
}

// redact returns err with every secret taken out of its message and, for a
// token endpoint's answer, out of the body, description and request kept
// in the *oauth2.RetrieveError it unwraps to.
func redact(err error, secrets ...string) error {
	msg := err.Error()
	inner := err
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		if len(re.Body) > 0 {
			// The token endpoint's body is not needed in a message.
			msg = strings.ReplaceAll(msg, string(re.Body), "[body omitted]")
		}
		cp := *re
		cp.Body = redactBody(re.Body, secrets...)
		cp.ErrorDescription = redactString(re.ErrorDescription, secrets...)
		cp.ErrorURI = redactString(re.ErrorURI, secrets...)
		if re.Response != nil {
			// The token request carried the client secret in its
			// Authorization header or its form.
			resp := *re.Response
			resp.Request = nil
			resp.Header = redactHeader(resp.Header, secrets...)
			cp.Response = &resp
		}
		inner = &cp
	}
	return &redactedError{msg: "capsule: refreshing the OAuth2 token: " + redactString(msg, secrets...), err: inner}
}

// redactString replaces each secret in s, raw or in the encodings a server
// may echo it in (URL query, JSON string), with a marker.
func redactString(s string, secrets ...string) string {
	for _, secret := range secrets {
		if secret == "" {
			continue
		}
		forms := []string{secret, url.QueryEscape(secret), base64.StdEncoding.EncodeToString([]byte(secret))}
		if q, err := json.Marshal(secret); err == nil {
			forms = append(forms, string(q[1:len(q)-1]))
		}
		for _, f := range forms {
			if f != "" {
				s = strings.ReplaceAll(s, f, "[redacted]")
			}
		}
	}
	return s
}

// redactBody returns body without the secrets. A JSON body is also
// searched after decoding, since JSON escapes can spell a secret in ways
// no plain search finds; if one is found there, the body is re-encoded
// with it redacted.
func redactBody(body []byte, secrets ...string) []byte {
	out := []byte(redactString(string(body), secrets...))
	var v any
	if json.Unmarshal(out, &v) != nil {
		return out
	}
	changed := false
	v = redactJSONValue(v, &changed, secrets)
	if !changed {
		return out
	}
	if b, err := json.Marshal(v); err == nil {
		return b
	}
	return []byte("[body omitted]")
}

func redactJSONValue(v any, changed *bool, secrets []string) any {
	switch x := v.(type) {
	case string:
		r := redactString(x, secrets...)
		if r != x {
			*changed = true
		}
		return r
	case []any:
		for i := range x {
			x[i] = redactJSONValue(x[i], changed, secrets)
		}
	case map[string]any:
		for k, e := range x {
			e = redactJSONValue(e, changed, secrets)
			if rk := redactString(k, secrets...); rk != k {
				*changed = true
				delete(x, k)
				k = rk
			}
			x[k] = e
		}
	}
	return v
}

// redactHeader returns a copy of h without the secrets in its values.
func redactHeader(h http.Header, secrets ...string) http.Header {
	if h == nil {
		return nil
	}
	out := make(http.Header, len(h))
	for k, vs := range h {
		cp := make([]string, len(vs))
		for i, v := range vs {
			cp[i] = redactString(v, secrets...)
		}
		out[k] = cp
	}
	return out
}
