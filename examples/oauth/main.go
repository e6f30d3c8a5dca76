// Command oauth shows Capsule's OAuth2 authorization-code flow with
// capsule-go: a local callback server, the authorization URL from
// capsule.OAuth2Config, the code exchange, a token saved to a JSON file, and
// a client built on capsule.TokenSource, which refreshes the access token
// capsule.RefreshBuffer (5 minutes) before it expires and hands every new
// token to a callback that saves it.
//
// By default it runs against an in-process fake Capsule (capsuletest) whose
// access tokens live only 5 minutes and 2 seconds, so the early refresh
// happens about 2 seconds into the run:
//
//	go run ./examples/oauth
//
// There is no browser in such a run, so the program plays the browser
// itself: it follows the authorization URL with an http.Client, the fake
// grants access at once and redirects to the callback server with the code.
//
// With a real Capsule OAuth application (Capsule: My Preferences > Integrations
// > Register new application), set its credentials and register the callback
// URL http://127.0.0.1:8765/callback with the application:
//
//	CAPSULE_CLIENT_ID=... CAPSULE_CLIENT_SECRET=... go run ./examples/oauth -listen 127.0.0.1:8765
//
// The program then prints the authorization URL for you to open in a
// browser, waits (up to 5 minutes) for Capsule to redirect back to the
// callback server, exchanges the code, saves the token to -token-file (by
// default capsule-oauth-token.json in the temporary directory, mode 0600;
// choose a private place for a real token) and calls the API. A later run finds the saved token and skips the browser; the
// token source refreshes it when it is near its expiry (Capsule's tokens last
// a week) and saves the new one, since Capsule may rotate refresh tokens.
//
// Tokens are never printed in full: at most their first four characters.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/capsulecrm-go/capsule"
	"github.com/capsulecrm-go/capsule/capsuletest"
)

// fakeTokenLifetime is the lifetime of the fake's access tokens: just over
// capsule.RefreshBuffer, so that the token source refreshes a token about
// two seconds after it was issued.
const fakeTokenLifetime = capsule.RefreshBuffer + 2*time.Second

// browserTimeout bounds the wait for a person to sign in with a real
// Capsule.
const browserTimeout = 5 * time.Minute

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

// run is the whole program; it returns the exit status. getenv is os.Getenv
// in main and a map lookup in the tests.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := flag.NewFlagSet("oauth", flag.ContinueOnError)
	fs.SetOutput(stderr)
	tokenFile := fs.String("token-file", "", "`file` the OAuth token is saved to (mode 0600); default: capsule-oauth-token.json in the temporary directory, or capsule-oauth-fake-token.json against the fake")
	listen := fs.String("listen", "127.0.0.1:0", "`address` of the local callback server; a real Capsule application needs the fixed port of its registered callback URL")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "oauth: unexpected arguments %q\n", fs.Args())
		return 2
	}
	d := &demo{out: stdout, tokenFile: *tokenFile, listen: *listen}
	if err := d.run(ctx, getenv); err != nil {
		fmt.Fprintf(stderr, "oauth: error: %v\n", err)
		return 1
	}
	return 0
}

type demo struct {
	out       io.Writer
	tokenFile string
	listen    string

	mu         sync.Mutex
	refreshes  int   // tokens the token source handed to onRefresh
	persistErr error // the last error saving one
}

func (d *demo) run(ctx context.Context, getenv func(string) string) error {
	id, secret := getenv("CAPSULE_CLIENT_ID"), getenv("CAPSULE_CLIENT_SECRET")
	if id != "" && secret != "" {
		if d.tokenFile == "" {
			d.tokenFile = filepath.Join(os.TempDir(), "capsule-oauth-token.json")
		}
		return d.real(ctx, id, secret, getenv("CAPSULE_BASE_URL"))
	}
	// A file of its own, so that a run against the fake never overwrites a
	// real token saved by an earlier run.
	if d.tokenFile == "" {
		d.tokenFile = filepath.Join(os.TempDir(), "capsule-oauth-fake-token.json")
	}
	return d.fake(ctx)
}

// fake runs the whole flow against capsuletest, early refresh included.
func (d *demo) fake(ctx context.Context) error {
	srv := capsuletest.NewServer(capsuletest.WithTokenExpiry(fakeTokenLifetime))
	defer srv.Close()
	fmt.Fprintf(d.out, "No CAPSULE_CLIENT_ID/CAPSULE_CLIENT_SECRET: using an in-process fake Capsule at %s (access tokens live %s)\n", srv.URL, fakeTokenLifetime)

	cb, err := startCallback(d.listen)
	if err != nil {
		return err
	}
	defer cb.close()
	fmt.Fprintf(d.out, "Callback server listening at %s\n", cb.redirectURL)

	cfg := capsule.OAuth2Config(capsuletest.DefaultClientID, capsuletest.DefaultClientSecret, cb.redirectURL, capsule.ScopeRead, capsule.ScopeWrite)
	cfg.Endpoint = capsule.EndpointFor(srv.URL)
	authURL := cfg.AuthCodeURL(cb.state)
	fmt.Fprintf(d.out, "Authorization URL: %s\n", authURL)

	// A person would open authURL in a browser, sign in and allow access;
	// Capsule then redirects the browser to the callback URL with a code.
	// A non-interactive run has no browser, so an http.Client follows the
	// URL and the redirect instead (the fake grants access at once).
	fmt.Fprintln(d.out, "No browser in a non-interactive run: following the authorization URL and its redirect with an http.Client")
	hc := &http.Client{Timeout: 10 * time.Second}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, authURL, nil)
	if err != nil {
		return err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("following the authorization URL: %w", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("following the authorization URL: the callback answered %s", resp.Status)
	}

	tok, err := d.authorize(ctx, cfg, cb, 10*time.Second)
	if err != nil {
		return err
	}

	client, err := d.newClient(cfg, tok, srv.BaseURL)
	if err != nil {
		return err
	}
	if err := d.whoAmI(ctx, client, "with the token from the exchange"); err != nil {
		return err
	}

	// The token source refreshes a token RefreshBuffer before its expiry,
	// as the process clock tells (the fake's clock, srv.Advance, has no say
	// in it), so wait until the token is inside that window.
	if wait := time.Until(tok.Expiry.Add(-capsule.RefreshBuffer)); wait > 0 {
		wait += 100 * time.Millisecond
		fmt.Fprintf(d.out, "Waiting %s until the token is within capsule.RefreshBuffer (%s) of its expiry\n", wait.Round(100*time.Millisecond), capsule.RefreshBuffer)
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if err := d.whoAmI(ctx, client, "again"); err != nil {
		return err
	}
	refreshes, persistErr := d.refreshState()
	if persistErr != nil {
		return fmt.Errorf("saving the refreshed token: %w", persistErr)
	}
	if refreshes != 1 || srv.RefreshCount() != 1 {
		return fmt.Errorf("want exactly one early refresh, got %d (fake's RefreshCount() = %d)", refreshes, srv.RefreshCount())
	}
	saved, err := loadToken(d.tokenFile)
	if err != nil {
		return err
	}
	fmt.Fprintf(d.out, "Refreshed early and persisted: the fake's RefreshCount() is %d; %s holds the new token (access token changed: %t, refresh token rotated: %t)\n",
		srv.RefreshCount(), d.tokenFile, saved.AccessToken != tok.AccessToken, saved.RefreshToken != tok.RefreshToken)

	// Why onRefresh must persist: Capsule may rotate refresh tokens (the
	// fake always does), and the old one stops working.
	_, err = cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		return fmt.Errorf("refreshing with the rotated-out refresh token: want an OAuth error, got %v", err)
	}
	fmt.Fprintf(d.out, "The first refresh token was rotated out: using it again fails with %q\n", re.ErrorCode)
	return nil
}

// real runs the flow against Capsule (or CAPSULE_BASE_URL's host), with a
// person at a browser; a saved token skips the browser.
func (d *demo) real(ctx context.Context, id, secret, baseURL string) error {
	base := capsule.DefaultBaseURL
	if baseURL != "" {
		base = baseURL
	}
	// The redirect URL must be the one registered with the application;
	// the callback server starts only when a person has to sign in.
	redirectURL := "http://" + d.listen + "/callback"
	cfg := capsule.OAuth2Config(id, secret, redirectURL, capsule.ScopeRead, capsule.ScopeWrite)
	if baseURL != "" {
		// The OAuth endpoints live at the root of the API's host.
		cfg.Endpoint = capsule.EndpointFor(rootOf(baseURL))
	}

	tok, err := loadToken(d.tokenFile)
	switch {
	case err == nil && tok.RefreshToken != "":
		fmt.Fprintf(d.out, "Using the token saved in %s (access token %s, expires %s)\n", d.tokenFile, mask(tok.AccessToken), tok.Expiry.Format(time.RFC3339))
	case err != nil && !errors.Is(err, os.ErrNotExist):
		return err
	default:
		cb, err := startCallback(d.listen)
		if err != nil {
			return err
		}
		defer cb.close()
		cfg.RedirectURL = cb.redirectURL
		fmt.Fprintf(d.out, "Callback server listening at %s (register this URL with your Capsule application)\n", cb.redirectURL)
		if _, port, _ := net.SplitHostPort(d.listen); port == "0" {
			fmt.Fprintln(d.out, "Note: -listen has port 0, so the port is random; Capsule redirects only to the registered URL, so pass -listen 127.0.0.1:PORT with its port")
		}
		fmt.Fprintf(d.out, "Open this URL in a browser, sign in to Capsule and allow access:\n\n  %s\n\n", cfg.AuthCodeURL(cb.state))
		if tok, err = d.authorize(ctx, cfg, cb, browserTimeout); err != nil {
			return err
		}
	}
	client, err := d.newClient(cfg, tok, base)
	if err != nil {
		return err
	}
	if err := d.whoAmI(ctx, client, ""); err != nil {
		return err
	}
	if _, persistErr := d.refreshState(); persistErr != nil {
		return fmt.Errorf("saving the refreshed token: %w", persistErr)
	}
	return nil
}

// authorize waits for the callback's code, exchanges it and saves the token.
func (d *demo) authorize(ctx context.Context, cfg *oauth2.Config, cb *callback, timeout time.Duration) (*oauth2.Token, error) {
	var code string
	select {
	case res := <-cb.result:
		if res.err != nil {
			return nil, res.err
		}
		code = res.code
	case <-time.After(timeout):
		return nil, fmt.Errorf("no callback within %s", timeout)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	fmt.Fprintln(d.out, "Callback received an authorization code (state checked)")

	xctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	xctx = context.WithValue(xctx, oauth2.HTTPClient, &http.Client{Timeout: 30 * time.Second})
	tok, err := cfg.Exchange(xctx, code)
	if err != nil {
		return nil, fmt.Errorf("exchanging the code: %w", err)
	}
	fmt.Fprintf(d.out, "Exchanged the code: access token %s, refresh token %s, expires in %s\n",
		mask(tok.AccessToken), mask(tok.RefreshToken), time.Until(tok.Expiry).Round(time.Second))
	if err := saveToken(d.tokenFile, tok); err != nil {
		return nil, err
	}
	fmt.Fprintf(d.out, "Saved the token to %s\n", d.tokenFile)
	return tok, nil
}

// newClient builds a client whose token source refreshes tok early and
// saves every new token.
func (d *demo) newClient(cfg *oauth2.Config, tok *oauth2.Token, baseURL string) (*capsule.Client, error) {
	persist := func(t *oauth2.Token) {
		err := saveToken(d.tokenFile, t)
		d.mu.Lock()
		d.refreshes++
		if err != nil {
			d.persistErr = err
		}
		d.mu.Unlock()
		if err == nil {
			fmt.Fprintf(d.out, "onRefresh: new access token %s (expires in %s) saved to %s\n",
				mask(t.AccessToken), time.Until(t.Expiry).Round(time.Second), d.tokenFile)
		}
	}
	return capsule.NewClient(
		capsule.WithTokenSource(capsule.TokenSource(cfg, tok, persist)),
		capsule.WithBaseURL(baseURL),
		capsule.WithUserAgent("capsule-go-oauth-example"),
	)
}

func (d *demo) refreshState() (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.refreshes, d.persistErr
}

// whoAmI calls the API and says whose token the client holds.
func (d *demo) whoAmI(ctx context.Context, client *capsule.Client, how string) error {
	me, _, err := client.Users.ReadCurrent(ctx, nil)
	if err != nil {
		return fmt.Errorf("reading the current user: %w", err)
	}
	if how != "" {
		how = " " + how
	}
	fmt.Fprintf(d.out, "Called the API%s: signed in as %s (user #%d)\n", how, me.Name, me.ID)
	return nil
}

// callback is the local server Capsule redirects the browser to.
type callback struct {
	redirectURL string
	state       string
	result      chan callbackResult
	srv         *http.Server
}

type callbackResult struct {
	code string
	err  error
}

// startCallback listens on addr and serves /callback, which checks the
// state and hands the code (or the error Capsule sent) to result.
func startCallback(addr string) (*callback, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("starting the callback server: %w", err)
	}
	cb := &callback{
		redirectURL: "http://" + ln.Addr().String() + "/callback",
		state:       randomHex(16),
		result:      make(chan callbackResult, 1),
	}
	var once sync.Once
	deliver := func(r callbackResult) { once.Do(func() { cb.result <- r }) }
	mux := http.NewServeMux()
	mux.HandleFunc("GET /callback", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		switch {
		case q.Get("state") != cb.state:
			// Not the answer to our request (a forged or stale link).
			http.Error(w, "state does not match", http.StatusBadRequest)
			return
		case q.Get("error") != "":
			deliver(callbackResult{err: fmt.Errorf("authorization refused: %s %s", q.Get("error"), q.Get("error_description"))})
			http.Error(w, "authorization refused: "+q.Get("error"), http.StatusBadRequest)
			return
		case q.Get("code") == "":
			http.Error(w, "no code", http.StatusBadRequest)
			return
		}
		deliver(callbackResult{code: q.Get("code")})
		fmt.Fprintln(w, "Signed in to Capsule. You can close this window.")
	})
	cb.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = cb.srv.Serve(ln) }()
	return cb, nil
}

func (cb *callback) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = cb.srv.Shutdown(ctx)
}

// saveToken writes tok to path as JSON, readable by the owner only. It
// writes a temporary file and renames it, so a crash never leaves half a
// token behind.
func saveToken(path string, tok *oauth2.Token) error {
	b, err := json.MarshalIndent(tok, "", "  ")
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".capsule-token-*")
	if err != nil {
		return fmt.Errorf("saving the token: %w", err)
	}
	defer os.Remove(f.Name()) // after a successful rename, a no-op
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return fmt.Errorf("saving the token: %w", err)
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("saving the token: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("saving the token: %w", err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("saving the token: %w", err)
	}
	return nil
}

// loadToken reads a token saved by saveToken.
func loadToken(path string) (*oauth2.Token, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	tok := new(oauth2.Token)
	if err := json.Unmarshal(b, tok); err != nil {
		return nil, fmt.Errorf("reading the token in %s: %w", path, err)
	}
	return tok, nil
}

// rootOf returns the scheme and host of an API base URL.
func rootOf(baseURL string) string {
	u, err := url.Parse(baseURL)
	if err != nil {
		return baseURL
	}
	return u.Scheme + "://" + u.Host
}

// mask shows at most the first four characters of a secret.
func mask(secret string) string {
	if len(secret) <= 4 {
		return "…"
	}
	return secret[:4] + "…"
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
