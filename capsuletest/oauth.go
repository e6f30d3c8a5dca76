package capsuletest

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

type authCode struct {
	clientID, redirectURI, scope string
	challenge, method            string
	user                         int64
	expires                      time.Time
}

type refreshGrant struct {
	clientID, scope string
	user            int64
}

type oauthState struct {
	codes         map[string]*authCode
	refreshTokens map[string]*refreshGrant
	refreshes     int
}

func (o *oauthState) init() {
	o.codes = map[string]*authCode{}
	o.refreshTokens = map[string]*refreshGrant{}
}

func (f *fake) refreshCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.refreshes
}

var knownScopes = []string{"read", "write", "user_preference", "openid", "profile", "email", "tenant"}

func (f *fake) registerOAuth() {
	add := func(method, pattern string, h handlerFunc) {
		f.oauth = append(f.oauth, &route{method: method, segs: splitPath(pattern), h: h, maxBody: 64 << 10})
	}
	add("GET", "/oauth/authorise", oauthAuthorise)
	add("POST", "/oauth/token", oauthToken)
	add("POST", "/oauth/token/revoke", oauthRevoke)
	add("POST", "/oauth/revoke", oauthRevoke)
}

func (f *fake) serveOAuth(w http.ResponseWriter, r *http.Request) {
	rt, params, status := match(f.oauth, r.Method, r.URL.Path)
	if rt == nil {
		if status == http.StatusMethodNotAllowed {
			errReply(status, "Method not allowed").write(w)
		} else {
			notFound().write(w)
		}
		return
	}
	c := &call{f: f, r: r, params: params, query: r.URL.Query()}
	f.run(w, rt, c)
}

func oauthError(status int, code, desc string) *reply {
	rp := jsonReply(status, map[string]any{"error": code, "error_description": desc})
	rp.header.Set("Cache-Control", "no-store")
	return rp
}

func redirect(to string, q url.Values) *reply {
	u, _ := url.Parse(to)
	v := u.Query()
	for k, vals := range q {
		v[k] = vals
	}
	u.RawQuery = v.Encode()
	return &reply{status: http.StatusFound, header: http.Header{"Location": {u.String()}}}
}

// oauthAuthorise: GET /oauth/authorise. The fake grants at once, as the
// current user (no login page), and redirects with code and state.
func oauthAuthorise(c *call) *reply {
	q := c.query
	if q.Get("client_id") != c.f.cfg.clientID {
		return oauthError(http.StatusBadRequest, "invalid_client", "unknown client_id")
	}
	ru, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || (ru.Scheme != "http" && ru.Scheme != "https") || ru.Host == "" {
		return oauthError(http.StatusBadRequest, "invalid_request", "redirect_uri must be an absolute http(s) URL")
	}
	back := url.Values{}
	if st := q.Get("state"); st != "" {
		back.Set("state", st)
	}
	if q.Get("response_type") != "code" {
		back.Set("error", "unsupported_response_type")
		return redirect(ru.String(), back)
	}
	scope := strings.Join(strings.Fields(q.Get("scope")), " ")
	if scope == "" {
		scope = "read write"
	}
	for _, s := range strings.Fields(scope) {
		if !slices.Contains(knownScopes, s) {
			back.Set("error", "invalid_scope")
			return redirect(ru.String(), back)
		}
	}
	method := q.Get("code_challenge_method")
	if q.Get("code_challenge") != "" && method == "" {
		method = "plain"
	}
	code := "code-" + randomHex(12)
	c.f.codes[code] = &authCode{
		clientID: c.f.cfg.clientID, redirectURI: ru.String(), scope: scope,
		challenge: q.Get("code_challenge"), method: method,
		user: c.f.currentUser, expires: c.now.Add(10 * time.Minute),
	}
	back.Set("code", code)
	return redirect(ru.String(), back)
}

func (c *call) form() url.Values {
	v, _ := url.ParseQuery(string(c.body))
	return v
}

// clientAuth checks client_secret_basic or client_secret_post credentials.
func (c *call) clientAuth(form url.Values) bool {
	id, secret, basic := c.r.BasicAuth()
	if !basic {
		id, secret = form.Get("client_id"), form.Get("client_secret")
	}
	if u, err := url.QueryUnescape(id); err == nil && basic {
		id = u
	}
	return subtle.ConstantTimeCompare([]byte(id), []byte(c.f.cfg.clientID)) == 1 &&
		subtle.ConstantTimeCompare([]byte(secret), []byte(c.f.cfg.clientSecret)) == 1
}

// oauthToken: POST /oauth/token for authorization_code and refresh_token grants.
func oauthToken(c *call) *reply {
	form := c.form()
	if !c.clientAuth(form) {
		rp := oauthError(http.StatusUnauthorized, "invalid_client", "client authentication failed")
		rp.header.Set("WWW-Authenticate", `Basic realm="Capsule"`)
		return rp
	}
	switch form.Get("grant_type") {
	case "authorization_code":
		code, found := c.f.codes[form.Get("code")]
		if !found {
			return oauthError(http.StatusBadRequest, "invalid_grant", "unknown or used authorization code")
		}
		delete(c.f.codes, form.Get("code")) // single use
		if !c.now.Before(code.expires) {
			return oauthError(http.StatusBadRequest, "invalid_grant", "authorization code expired")
		}
		if ru := form.Get("redirect_uri"); ru != "" && ru != code.redirectURI {
			return oauthError(http.StatusBadRequest, "invalid_grant", "redirect_uri does not match")
		}
		if code.challenge != "" && !pkceOK(code.method, code.challenge, form.Get("code_verifier")) {
			return oauthError(http.StatusBadRequest, "invalid_grant", "code_verifier does not match")
		}
		return c.issueTokens(code.user, code.scope, code.clientID)
	case "refresh_token":
		rt := form.Get("refresh_token")
		g, found := c.f.refreshTokens[rt]
		if !found {
			return oauthError(http.StatusBadRequest, "invalid_grant", "unknown, used or revoked refresh token")
		}
		delete(c.f.refreshTokens, rt) // rotation: a refresh token is good once
		c.f.refreshes++
		return c.issueTokens(g.user, g.scope, g.clientID)
	case "":
		return oauthError(http.StatusBadRequest, "invalid_request", "grant_type is required")
	default:
		return oauthError(http.StatusBadRequest, "unsupported_grant_type", "only authorization_code and refresh_token are supported")
	}
}

func pkceOK(method, challenge, verifier string) bool {
	if verifier == "" {
		return false
	}
	if method == "S256" {
		sum := sha256.Sum256([]byte(verifier))
		return base64.RawURLEncoding.EncodeToString(sum[:]) == challenge
	}
	return verifier == challenge
}

func (c *call) issueTokens(user int64, scope, clientID string) *reply {
	access, refresh := "capsule-at-"+randomHex(16), "capsule-rt-"+randomHex(16)
	c.f.tokens[access] = &token{
		user: user, scope: scope, readOnly: !slices.Contains(strings.Fields(scope), "write"),
		expiresAt: c.now.Add(c.f.cfg.tokenExpiry), clientID: clientID,
	}
	c.f.refreshTokens[refresh] = &refreshGrant{clientID: clientID, scope: scope, user: user}
	sub, _ := c.f.singletons["site"]["subdomain"].(string)
	rp := jsonReply(http.StatusOK, map[string]any{
		"access_token":  access,
		"token_type":    "bearer",
		"expires_in":    int64(c.f.cfg.tokenExpiry / time.Second),
		"refresh_token": refresh,
		"scope":         scope,
		"subdomain":     sub,
	})
	rp.header.Set("Cache-Control", "no-store")
	rp.header.Set("Pragma", "no-cache")
	return rp
}

// oauthRevoke: POST /oauth/token/revoke (and /oauth/revoke) with form field token.
func oauthRevoke(c *call) *reply {
	form := c.form()
	tok := form.Get("token")
	if tok == "" {
		return oauthError(http.StatusBadRequest, "invalid_request", "token is required")
	}
	delete(c.f.tokens, tok)
	delete(c.f.refreshTokens, tok)
	return jsonReply(http.StatusOK, map[string]any{})
}
