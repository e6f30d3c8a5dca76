package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/capsulecrm-go/capsule"
	"github.com/capsulecrm-go/capsule/capsuletest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// playBrowser makes the login follow the authorization URL with an HTTP
// client, as a browser would; the fake grants access at once and redirects
// to the callback. It returns the URLs it was asked to open.
func playBrowser(t *testing.T) *[]string {
	t.Helper()
	var opened []string
	old := openBrowser
	openBrowser = func(ctx context.Context, u string) error {
		opened = append(opened, u)
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		return resp.Body.Close()
	}
	t.Cleanup(func() { openBrowser = old })
	return &opened
}

// loginEnv is the environment of a user with an OAuth application and no
// CAPSULE_TOKEN.
func loginEnv(t *testing.T, srv *capsuletest.Server) map[string]string {
	return map[string]string{
		"HOME":                  t.TempDir(),
		"CAPSULE_BASE_URL":      srv.BaseURL,
		"CAPSULE_CLIENT_ID":     capsuletest.DefaultClientID,
		"CAPSULE_CLIENT_SECRET": capsuletest.DefaultClientSecret,
	}
}

func readProfile(t *testing.T, env map[string]string, name string) (*profile, os.FileInfo) {
	t.Helper()
	path := filepath.Join(env["HOME"], ".config", "capsule", name+".json")
	info, err := os.Stat(path)
	require.NoError(t, err)
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var p profile
	require.NoError(t, json.Unmarshal(b, &p))
	return &p, info
}

func TestAuthLoginStoresARefreshedTokenThatLaterCommandsUse(t *testing.T) {
	// Tokens that live less than capsule.RefreshBuffer: the first use refreshes.
	srv := newServer(t, capsuletest.WithTokenExpiry(time.Minute))
	opened := playBrowser(t)
	env := loginEnv(t, srv)

	stdout, stderr, code := runCLIEnv(t, env, "", "auth", "login", "--listen", "127.0.0.1:0")
	require.Equal(t, exitOK, code, stderr)
	require.Len(t, *opened, 1)
	assert.True(t, strings.HasPrefix((*opened)[0], srv.URL+"/oauth/authorise?"), (*opened)[0])
	assert.Contains(t, (*opened)[0], "client_id="+capsuletest.DefaultClientID)
	assert.Contains(t, stderr, "Opening Capsule in your browser")
	path := filepath.Join(env["HOME"], ".config", "capsule", "default.json")
	assert.Equal(t, "Logged in as integration.user (profile \"default\"); the token is saved in "+path+"\n", stdout)

	p, info := readProfile(t, env, "default")
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm(), "the token file is private")
	require.NotNil(t, p.Token)
	first := p.Token.AccessToken
	assert.NotEmpty(t, first)
	assert.NotEmpty(t, p.Token.RefreshToken)
	assert.Equal(t, srv.BaseURL, p.BaseURL)
	assert.Zero(t, srv.RefreshCount())

	// A later command uses the stored token, refreshes it and saves the new one.
	srv.ResetRequests()
	stdout, stderr, code = runCLIEnv(t, env, "", "parties", "list", "--limit", "1")
	require.Equal(t, exitOK, code, stderr)
	assert.Len(t, jsonLines[capsule.Party](t, stdout), 1)
	assert.Equal(t, 1, srv.RefreshCount())
	p2, info := readProfile(t, env, "default")
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	assert.NotEqual(t, first, p2.Token.AccessToken, "the refreshed token is saved")
	assert.NotEqual(t, p.Token.RefreshToken, p2.Token.RefreshToken, "and the rotated refresh token with it")
	reqs := srv.Requests()
	require.NotEmpty(t, reqs)
	assert.Equal(t, "Bearer "+p2.Token.AccessToken, reqs[len(reqs)-1].Header.Get("Authorization"))
	for _, tok := range []string{first, p2.Token.AccessToken, p2.Token.RefreshToken, capsuletest.DefaultClientSecret} {
		assert.NotContains(t, stdout+stderr, tok)
	}

	// auth status names the source and the user.
	stdout, stderr, code = runCLIEnv(t, env, "", "auth", "status", "--output", "jsonl")
	require.Equal(t, exitOK, code, stderr)
	st := jsonLines[authStatus](t, stdout)
	require.Len(t, st, 1)
	assert.Equal(t, "stored login", st[0].Source)
	assert.Equal(t, "default", st[0].Profile)
	assert.Equal(t, "integration.user", st[0].User)
	require.NotNil(t, st[0].Expires)

	// logout removes the file and revokes the token.
	stdout, stderr, code = runCLIEnv(t, env, "", "auth", "logout")
	require.Equal(t, exitOK, code, stderr)
	assert.Equal(t, "Logged out of profile \"default\": removed "+path+"\n", stdout)
	assert.Empty(t, stderr)
	_, err := os.Stat(path)
	assert.True(t, errors.Is(err, os.ErrNotExist))
	_, stderr, code = runCLIEnv(t, env, "", "parties", "list")
	assert.Equal(t, exitAuth, code)
	assert.Contains(t, stderr, "profile \"default\" is not logged in")
	_, stderr, code = runCLIEnv(t, env, "", "auth", "logout")
	assert.Equal(t, exitAuth, code, "nothing to log out of")
	assert.Contains(t, stderr, "is not logged in")
}

func TestAuthProfilesKeepAccountsApart(t *testing.T) {
	srv := newServer(t)
	playBrowser(t)
	env := loginEnv(t, srv)
	_, stderr, code := runCLIEnv(t, env, "", "--profile", "work", "auth", "login", "--listen", "127.0.0.1:0")
	require.Equal(t, exitOK, code, stderr)
	readProfile(t, env, "work")
	_, stderr, code = runCLIEnv(t, env, "", "parties", "list")
	assert.Equal(t, exitAuth, code, "the default profile is not logged in")
	assert.Contains(t, stderr, `profile "default" is not logged in`)
	_, stderr, code = runCLIEnv(t, env, "", "--profile", "work", "parties", "list", "--limit", "1")
	assert.Equal(t, exitOK, code, stderr)
	env["CAPSULE_PROFILE"] = "work"
	_, stderr, code = runCLIEnv(t, env, "", "rate")
	assert.Equal(t, exitOK, code, stderr)

	_, stderr, code = runCLIEnv(t, env, "", "--profile", "../etc", "parties", "list")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, `capsule: --profile must be letters, digits, '.', '_' or '-', got "../etc"`)
}

func TestCapsuleTokenWinsOverTheStoredLogin(t *testing.T) {
	srv := newServer(t)
	playBrowser(t)
	env := loginEnv(t, srv)
	_, stderr, code := runCLIEnv(t, env, "", "auth", "login", "--listen", "127.0.0.1:0")
	require.Equal(t, exitOK, code, stderr)
	env["CAPSULE_TOKEN"] = srv.Token
	srv.ResetRequests()
	stdout, stderr, code := runCLIEnv(t, env, "", "auth", "status", "--output", "jsonl")
	require.Equal(t, exitOK, code, stderr)
	assert.Equal(t, "CAPSULE_TOKEN", jsonLines[authStatus](t, stdout)[0].Source)
	reqs := srv.Requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, "Bearer "+srv.Token, reqs[0].Header.Get("Authorization"))

	env["CAPSULE_TOKEN"] = "revoked-token-42"
	_, stderr, code = runCLIEnv(t, env, "", "auth", "status")
	assert.Equal(t, exitAuth, code)
	assert.Contains(t, stderr, "401 Unauthorized")
	assert.Contains(t, stderr, "hint: Capsule refused the token: check CAPSULE_TOKEN")
}

func TestAuthLoginErrors(t *testing.T) {
	srv := newServer(t)
	env := loginEnv(t, srv)

	delete(env, "CAPSULE_CLIENT_SECRET")
	_, stderr, code := runCLIEnv(t, env, "", "auth", "login")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "capsule: auth login: needs the OAuth application's --client-id and --client-secret")

	// A wrong secret: Capsule refuses the code at the exchange.
	playBrowser(t)
	_, stderr, code = runCLIEnv(t, env, "", "auth", "login", "--client-secret", "not-the-secret", "--listen", "127.0.0.1:0")
	assert.Equal(t, exitAuth, code)
	assert.Contains(t, stderr, "capsule: auth login: Capsule refused the code: invalid_client")
	assert.Contains(t, stderr, "hint: check --client-id and --client-secret")
	assert.NotContains(t, stderr, "not-the-secret")

	// No browser answers: the login gives up after --timeout.
	openBrowser = func(context.Context, string) error { return nil }
	_, stderr, code = runCLIEnv(t, env, "", "auth", "login", "--client-secret", "x", "--listen", "127.0.0.1:0", "--timeout", "50ms")
	assert.Equal(t, exitAuth, code)
	assert.Contains(t, stderr, "capsule: auth login: no answer from the browser within 50ms")
	assert.Contains(t, stderr, "hint: check that the application's redirect URL is http://127.0.0.1:")

	// --no-browser prints the URL instead.
	openBrowser = func(context.Context, string) error { t.Error("no browser is opened with --no-browser"); return nil }
	_, stderr, code = runCLIEnv(t, env, "", "auth", "login", "--client-secret", "x", "--no-browser", "--listen", "127.0.0.1:0", "--timeout", "50ms")
	assert.Equal(t, exitAuth, code)
	assert.Contains(t, stderr, "Open this URL in a browser, sign in to Capsule and allow access:\n\n  "+srv.URL+"/oauth/authorise?")

	_, stderr, code = runCLIEnv(t, env, "", "auth", "login", "--client-secret", "x", "--listen", "256.1.1.1:99999")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "capsule: auth login: cannot listen on 256.1.1.1:99999")
}

func TestCallbackRejectsAForeignState(t *testing.T) {
	cb, err := startCallback("127.0.0.1:0")
	require.NoError(t, err)
	defer cb.close()
	resp, err := http.Get(cb.redirectURL + "?state=other&code=abc")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	res := <-cb.result
	assert.ErrorContains(t, res.err, "state does not match")
	assert.Empty(t, res.code)
}

func TestCallbackReportsADeniedGrant(t *testing.T) {
	cb, err := startCallback("127.0.0.1:0")
	require.NoError(t, err)
	defer cb.close()
	resp, err := http.Get(cb.redirectURL + "?state=" + cb.state + "&error=access_denied")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	assert.EqualError(t, (<-cb.result).err, "access was not granted: access_denied")
}

func TestARefusedRefreshIsAnAuthError(t *testing.T) {
	srv := newServer(t, capsuletest.WithTokenExpiry(time.Minute))
	playBrowser(t)
	env := loginEnv(t, srv)
	_, stderr, code := runCLIEnv(t, env, "", "auth", "login", "--listen", "127.0.0.1:0")
	require.Equal(t, exitOK, code, stderr)
	p, _ := readProfile(t, env, "default")
	form := url.Values{"token": {p.Token.RefreshToken}}
	resp, err := http.Post(srv.URL+"/oauth/token/revoke", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	require.NoError(t, err)
	resp.Body.Close()

	stdout, stderr, code := runCLIEnv(t, env, "", "parties", "list")
	assert.Equal(t, exitAuth, code)
	assert.Empty(t, stdout)
	assert.Equal(t, "capsule: Capsule refused to refresh the stored token: invalid_grant (unknown, used or revoked refresh token)\n"+
		"hint: run 'capsule auth login' again\n", stderr)
	assert.NotContains(t, stderr, p.Token.RefreshToken)
}

func TestAStoredTokenRefusedWith401IsRefreshedAndSaved(t *testing.T) {
	srv := newServer(t)
	playBrowser(t)
	env := loginEnv(t, srv)
	_, stderr, code := runCLIEnv(t, env, "", "auth", "login", "--listen", "127.0.0.1:0")
	require.Equal(t, exitOK, code, stderr)
	p, _ := readProfile(t, env, "default")
	srv.ExpireToken(p.Token.AccessToken)
	_, stderr, code = runCLIEnv(t, env, "", "rate")
	assert.Equal(t, exitOK, code, stderr)
	assert.Equal(t, 1, srv.RefreshCount(), "the SDK refreshed once after the 401")
	after, _ := readProfile(t, env, "default")
	assert.NotEqual(t, p.Token.AccessToken, after.Token.AccessToken, "the new token is saved")
}

func TestARefusedStoredTokenHintsToLogInAgain(t *testing.T) {
	srv := newServer(t)
	playBrowser(t)
	env := loginEnv(t, srv)
	_, stderr, code := runCLIEnv(t, env, "", "auth", "login", "--listen", "127.0.0.1:0")
	require.Equal(t, exitOK, code, stderr)
	// Without a refresh token the SDK cannot recover from the 401.
	path := filepath.Join(env["HOME"], ".config", "capsule", "default.json")
	p, _ := readProfile(t, env, "default")
	p.Token.RefreshToken = ""
	b, err := json.Marshal(p)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, b, 0o600))
	srv.ExpireToken(p.Token.AccessToken)
	_, stderr, code = runCLIEnv(t, env, "", "rate")
	assert.Equal(t, exitAuth, code)
	assert.Contains(t, stderr, "401 Unauthorized")
	assert.Contains(t, stderr, "hint: Capsule refused the stored token: run 'capsule auth login' again, or set CAPSULE_TOKEN\n")
}
