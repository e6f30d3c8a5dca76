package capsule

import (
	"context"
	"errors"
	"net/http"
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
// refreshed.
func TokenSource(cfg *oauth2.Config, tok *oauth2.Token, onRefresh func(*oauth2.Token)) oauth2.TokenSource {
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, &http.Client{Timeout: tokenHTTPTimeout})
	cached := oauth2.ReuseTokenSourceWithExpiry(tok, cfg.TokenSource(ctx, tok), RefreshBuffer)
	n := &notifyingSource{src: cached, onRefresh: onRefresh}
	if tok != nil {
		n.last = tok.AccessToken
		n.secrets = []string{tok.AccessToken, tok.RefreshToken}
	}
	return n
}

// notifyingSource reports every new token to onRefresh. It wraps the one
// caching source, so it sees each refresh exactly once.
type notifyingSource struct {
	mu        sync.Mutex
	src       oauth2.TokenSource
	last      string
	secrets   []string
	onRefresh func(*oauth2.Token)
}

func (n *notifyingSource) Token() (*oauth2.Token, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	t, err := n.src.Token()
	if err != nil {
		return nil, redact(err, n.secrets)
	}
	if t.AccessToken != n.last {
		n.last = t.AccessToken
		n.secrets = []string{t.AccessToken, t.RefreshToken}
		if n.onRefresh != nil {
			n.onRefresh(t)
		}
	}
	return t, nil
}

// redactedError hides secrets that an underlying error message may echo.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

func redact(err error, secrets []string) error {
	msg := err.Error()
	for _, s := range secrets {
		if s != "" {
			msg = strings.ReplaceAll(msg, s, "[redacted]")
		}
	}
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && len(re.Body) > 0 {
		// The token endpoint's body is not needed in a message.
		msg = strings.ReplaceAll(msg, string(re.Body), "[body omitted]")
	}
	return &redactedError{msg: "capsule: refreshing the OAuth2 token: " + msg, err: err}
}
