package main

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/capsulecrm-go/capsule"
	"github.com/capsulecrm-go/capsule/capsuletest"
)

// env returns a getenv that knows only vars, so that credentials in the
// developer's environment never reach a test.
func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestRunAgainstBuiltInFake(t *testing.T) {
	tokenFile := filepath.Join(t.TempDir(), "token.json")
	var stdout, stderr bytes.Buffer
	if code := run(t.Context(), []string{"-token-file", tokenFile}, &stdout, &stderr, env(nil)); code != 0 {
		t.Fatalf("exit status %d; stderr:\n%s\nstdout:\n%s", code, &stderr, &stdout)
	}
	if stderr.Len() != 0 {
		t.Errorf("stderr: %s", &stderr)
	}
	out := stdout.String()
	for _, want := range []string{
		"No CAPSULE_CLIENT_ID/CAPSULE_CLIENT_SECRET: using an in-process fake Capsule",
		"Callback server listening at http://127.0.0.1:",
		"/oauth/authorise?client_id=" + capsuletest.DefaultClientID,
		"No browser in a non-interactive run: following the authorization URL",
		"Callback received an authorization code (state checked)",
		"Exchanged the code: access token caps…, refresh token caps…, expires in 5m2s",
		"Saved the token to " + tokenFile,
		"Called the API with the token from the exchange: signed in as ",
		"onRefresh: new access token caps…",
		"Called the API again: signed in as ",
		"Refreshed early and persisted: the fake's RefreshCount() is 1; " + tokenFile +
			" holds the new token (access token changed: true, refresh token rotated: true)",
		`The first refresh token was rotated out: using it again fails with "invalid_grant"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	fi, err := os.Stat(tokenFile)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("token file mode %v, want 0600", fi.Mode().Perm())
	}
	tok, err := loadToken(tokenFile)
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken == "" || tok.RefreshToken == "" {
		t.Fatalf("saved token lacks a part: %+v", tok)
	}
	if strings.Contains(out, tok.AccessToken) || strings.Contains(out, tok.RefreshToken) {
		t.Error("the output shows a token in full")
	}
}

// TestRunWithSavedToken takes the CAPSULE_CLIENT_ID path with a token saved
// by an earlier run, so no browser is needed; CAPSULE_BASE_URL points it at
// a fake.
func TestRunWithSavedToken(t *testing.T) {
	srv := capsuletest.NewServer()
	defer srv.Close()
	cfg := capsule.OAuth2Config(capsuletest.DefaultClientID, capsuletest.DefaultClientSecret, "http://127.0.0.1:1/callback", capsule.ScopeRead)
	cfg.Endpoint = capsule.EndpointFor(srv.URL)
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Get(cfg.AuthCodeURL("st"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := cfg.Exchange(context.Background(), loc.Query().Get("code"))
	if err != nil {
		t.Fatal(err)
	}
	tokenFile := filepath.Join(t.TempDir(), "token.json")
	if err := saveToken(tokenFile, tok); err != nil {
		t.Fatal(err)
	}

	var stdout, stderr bytes.Buffer
	code := run(t.Context(), []string{"-token-file", tokenFile}, &stdout, &stderr, env(map[string]string{
		"CAPSULE_CLIENT_ID":     capsuletest.DefaultClientID,
		"CAPSULE_CLIENT_SECRET": capsuletest.DefaultClientSecret,
		"CAPSULE_BASE_URL":      srv.BaseURL,
	}))
	if code != 0 {
		t.Fatalf("exit status %d; stderr:\n%s\nstdout:\n%s", code, &stderr, &stdout)
	}
	out := stdout.String()
	for _, want := range []string{"Using the token saved in " + tokenFile + " (access token caps…", "Called the API: signed in as "} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, tok.AccessToken) {
		t.Error("the output shows the token in full")
	}
}

func TestRunBadFlag(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(t.Context(), []string{"-no-such-flag"}, &stdout, &stderr, env(nil)); code != 2 {
		t.Errorf("exit status %d, want 2", code)
	}
	if !strings.Contains(stderr.String(), "-no-such-flag") {
		t.Errorf("stderr = %q", &stderr)
	}
}
