package capsuletest_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/capsulecrm-go/capsule/capsuletest"
)

type tokenResp struct {
	status int
	body   map[string]any
	header http.Header
}

func postToken(t *testing.T, srv *capsuletest.Server, form url.Values, basic bool) tokenResp {
	t.Helper()
	if !basic {
		form.Set("client_id", capsuletest.DefaultClientID)
		form.Set("client_secret", capsuletest.DefaultClientSecret)
	}
	r, _ := http.NewRequest("POST", srv.URL+"/oauth/token", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basic {
		r.SetBasicAuth(capsuletest.DefaultClientID, capsuletest.DefaultClientSecret)
	}
	res, err := srv.Client().Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := tokenResp{status: res.StatusCode, header: res.Header}
	if err := json.Unmarshal(raw, &out.body); err != nil {
		t.Fatalf("token body %s: %v", raw, err)
	}
	return out
}

// authorise runs GET /oauth/authorise and returns the redirect's query.
func authorise(t *testing.T, srv *capsuletest.Server, q url.Values) url.Values {
	t.Helper()
	client := srv.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := client.Get(srv.URL + "/oauth/authorise?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusFound {
		t.Fatalf("authorise status %d", res.StatusCode)
	}
	loc, err := url.Parse(res.Header.Get("Location"))
	if err != nil || !strings.HasPrefix(loc.String(), "https://app.example/cb") {
		t.Fatalf("redirect %q", res.Header.Get("Location"))
	}
	return loc.Query()
}

func authQuery(extra ...string) url.Values {
	q := url.Values{"response_type": {"code"}, "client_id": {capsuletest.DefaultClientID},
		"redirect_uri": {"https://app.example/cb"}, "scope": {"read write"}, "state": {"xyz"}}
	for i := 0; i+1 < len(extra); i += 2 {
		q.Set(extra[i], extra[i+1])
	}
	return q
}

func TestOAuthFlow(t *testing.T) {
	srv := newServer(t, capsuletest.WithTokenExpiry(time.Hour))
	back := authorise(t, srv, authQuery())
	if back.Get("state") != "xyz" || back.Get("code") == "" {
		t.Fatalf("redirect query %v", back)
	}
	code := back.Get("code")
	tok := postToken(t, srv, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {"https://app.example/cb"}}, true)
	if tok.status != 200 {
		t.Fatalf("code exchange %d %v", tok.status, tok.body)
	}
	for _, k := range []string{"access_token", "refresh_token", "scope", "subdomain"} {
		if s, _ := tok.body[k].(string); s == "" {
			t.Errorf("token response lacks %s: %v", k, tok.body)
		}
	}
	if tok.body["token_type"] != "bearer" || tok.body["expires_in"] != float64(3600) || tok.body["scope"] != "read write" {
		t.Errorf("token response %v", tok.body)
	}
	if tok.header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q", tok.header.Get("Cache-Control"))
	}
	access, refresh := tok.body["access_token"].(string), tok.body["refresh_token"].(string)
	u := req(t, srv, "GET", "/users/current", access, nil).want(t, 200).obj(t, "user")
	if id(t, u) != srv.CurrentUserID() {
		t.Errorf("token user %v", u["id"])
	}
	req(t, srv, "POST", "/categories", access, `{"category":{"name":"ViaOAuth"}}`).want(t, 201)

	// The code is single use.
	if again := postToken(t, srv, url.Values{"grant_type": {"authorization_code"}, "code": {code}}, true); again.status != 400 || again.body["error"] != "invalid_grant" {
		t.Errorf("reused code: %d %v", again.status, again.body)
	}

	// Refresh (client_secret_post) rotates the refresh token.
	ref := postToken(t, srv, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}}, false)
	if ref.status != 200 || ref.body["refresh_token"] == refresh || ref.body["access_token"] == access {
		t.Fatalf("refresh: %d %v", ref.status, ref.body)
	}
	if srv.RefreshCount() != 1 {
		t.Errorf("RefreshCount %d", srv.RefreshCount())
	}
	old := postToken(t, srv, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}}, false)
	if old.status != 400 || old.body["error"] != "invalid_grant" {
		t.Errorf("old refresh token: %d %v", old.status, old.body)
	}
	if srv.RefreshCount() != 1 {
		t.Errorf("RefreshCount after refused grant %d", srv.RefreshCount())
	}
	newAccess := ref.body["access_token"].(string)
	req(t, srv, "GET", "/site", newAccess, nil).want(t, 200)

	// Access tokens expire by the server clock.
	srv.Advance(time.Hour)
	r := req(t, srv, "GET", "/site", newAccess, nil).want(t, 401)
	if !strings.Contains(r.header.Get("WWW-Authenticate"), "invalid_token") {
		t.Errorf("WWW-Authenticate %q", r.header.Get("WWW-Authenticate"))
	}
	// The rotated refresh token still works after the access token expired.
	ref2 := postToken(t, srv, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {ref.body["refresh_token"].(string)}}, true)
	if ref2.status != 200 {
		t.Fatalf("second refresh %d %v", ref2.status, ref2.body)
	}
	req(t, srv, "GET", "/site", ref2.body["access_token"].(string), nil).want(t, 200)
	if srv.RefreshCount() != 2 {
		t.Errorf("RefreshCount %d", srv.RefreshCount())
	}
}

func TestOAuthReadScopeIsReadOnly(t *testing.T) {
	srv := newServer(t)
	code := authorise(t, srv, authQuery("scope", "read")).Get("code")
	tok := postToken(t, srv, url.Values{"grant_type": {"authorization_code"}, "code": {code}}, false)
	access, _ := tok.body["access_token"].(string)
	req(t, srv, "GET", "/site", access, nil).want(t, 200)
	req(t, srv, "POST", "/categories", access, `{"category":{"name":"No"}}`).want(t, 403)
}

func TestOAuthPKCE(t *testing.T) {
	srv := newServer(t)
	verifier := "a-long-random-verifier-string-0123456789-abcdefgh"
	sum := sha256.Sum256([]byte(verifier))
	challenge := base64.RawURLEncoding.EncodeToString(sum[:])
	code := authorise(t, srv, authQuery("code_challenge", challenge, "code_challenge_method", "S256")).Get("code")
	if bad := postToken(t, srv, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {"wrong"}}, true); bad.status != 400 {
		t.Errorf("wrong verifier: %d", bad.status)
	}
	code = authorise(t, srv, authQuery("code_challenge", challenge, "code_challenge_method", "S256")).Get("code")
	if good := postToken(t, srv, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {verifier}}, true); good.status != 200 {
		t.Errorf("right verifier: %d %v", good.status, good.body)
	}
}

func TestOAuthErrors(t *testing.T) {
	srv := newServer(t)
	if q := authorise(t, srv, authQuery("response_type", "token")); q.Get("error") != "unsupported_response_type" || q.Get("state") != "xyz" {
		t.Errorf("bad response_type redirect %v", q)
	}
	if q := authorise(t, srv, authQuery("scope", "admin")); q.Get("error") != "invalid_scope" {
		t.Errorf("bad scope redirect %v", q)
	}
	for name, q := range map[string]url.Values{"unknown client": authQuery("client_id", "x"), "bad redirect": authQuery("redirect_uri", "nope")} {
		r := req(t, srv, "GET", srv.URL+"/oauth/authorise?"+q.Encode(), "", nil)
		if r.status != 400 || r.body["error"] == nil {
			t.Errorf("%s: %d %s", name, r.status, r.raw)
		}
	}
	tests := []struct {
		name   string
		form   url.Values
		basic  bool
		status int
		err    string
	}{
		{"unknown grant", url.Values{"grant_type": {"password"}}, true, 400, "unsupported_grant_type"},
		{"no grant", url.Values{}, true, 400, "invalid_request"},
		{"bad code", url.Values{"grant_type": {"authorization_code"}, "code": {"nope"}}, true, 400, "invalid_grant"},
		{"bad refresh", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"nope"}}, false, 400, "invalid_grant"},
		{"bad client", url.Values{"grant_type": {"refresh_token"}, "client_id": {"x"}, "client_secret": {"y"}}, false, 401, "invalid_client"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var r tokenResp
			if tc.name == "bad client" {
				res, err := srv.Client().PostForm(srv.URL+"/oauth/token", tc.form)
				if err != nil {
					t.Fatal(err)
				}
				defer res.Body.Close()
				r.status = res.StatusCode
				_ = json.NewDecoder(res.Body).Decode(&r.body)
			} else {
				r = postToken(t, srv, tc.form, tc.basic)
			}
			if r.status != tc.status || r.body["error"] != tc.err {
				t.Errorf("%d %v, want %d %s", r.status, r.body, tc.status, tc.err)
			}
		})
	}
	req(t, srv, "GET", srv.URL+"/oauth/token", "", nil).want(t, 405)
}

func TestOAuthRevokeAndExpire(t *testing.T) {
	srv := newServer(t)
	code := authorise(t, srv, authQuery()).Get("code")
	tok := postToken(t, srv, url.Values{"grant_type": {"authorization_code"}, "code": {code}}, true)
	access, refresh := tok.body["access_token"].(string), tok.body["refresh_token"].(string)
	srv.ExpireToken(refresh)
	if r := postToken(t, srv, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}}, true); r.status != 400 {
		t.Errorf("expired refresh token: %d", r.status)
	}
	req(t, srv, "GET", "/site", access, nil).want(t, 200)
	res, err := srv.Client().PostForm(srv.URL+"/oauth/token/revoke", url.Values{"token": {access}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Errorf("revoke %d", res.StatusCode)
	}
	req(t, srv, "GET", "/site", access, nil).want(t, 401)
}

// TestControlResetKeepsOAuthGrants resets the store through the control API
// between a code exchange and a refresh: the access token still works, the
// refresh token is still good once, and the store is the fresh seed (a
// category created before the reset is gone).
func TestControlResetKeepsOAuthGrants(t *testing.T) {
	srv := newServer(t, capsuletest.WithControl("ctl-token"))
	code := authorise(t, srv, authQuery()).Get("code")
	tok := postToken(t, srv, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {"https://app.example/cb"}}, true)
	if tok.status != 200 {
		t.Fatalf("code exchange %d %v", tok.status, tok.body)
	}
	access, refresh := tok.body["access_token"].(string), tok.body["refresh_token"].(string)
	req(t, srv, "POST", "/categories", access, `{"category":{"name":"BeforeReset"}}`).want(t, 201)

	r, _ := http.NewRequest("POST", srv.URL+"/_fake/reset", nil)
	r.Header.Set("Authorization", "Bearer ctl-token")
	res, err := srv.Client().Do(r)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("reset: %d", res.StatusCode)
	}

	cats := req(t, srv, "GET", "/categories", access, nil).want(t, 200)
	if strings.Contains(string(cats.raw), "BeforeReset") {
		t.Errorf("the reset kept a record: %s", cats.raw)
	}
	again := postToken(t, srv, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}}, false)
	if again.status != 200 {
		t.Fatalf("refresh after reset: %d %v", again.status, again.body)
	}
	if s, _ := again.body["access_token"].(string); s == "" || s == access {
		t.Errorf("refresh after reset gave %v", again.body)
	}
}
