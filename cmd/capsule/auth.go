package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"html"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/oauth2"

	"github.com/capsulecrm-go/capsule"
)

func init() { registerCommand(authCommand) }

// defaultCallback is where the login's callback server listens: the
// redirect URL to register with the Capsule application.
const defaultCallback = "127.0.0.1:8765"

// openBrowser opens url in the user's browser; the tests replace it with
// an HTTP client that plays the browser.
var openBrowser = func(ctx context.Context, url string) error {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.CommandContext(ctx, "open", url)
	case "windows":
		cmd = exec.CommandContext(ctx, "rundll32", "url.dll,FileProtocolHandler", url)
	default:
		cmd = exec.CommandContext(ctx, "xdg-open", url)
	}
	return cmd.Start()
}

const authLong = `Log in to Capsule with OAuth and keep the token for later commands.

login runs the OAuth authorization-code flow: it starts a callback server on
--listen, opens Capsule's authorization page in the browser (or prints its URL
with --no-browser), and exchanges the code it receives for a token. The token
is saved in the user's config directory (capsule/PROFILE.json, mode 0600) and
refreshed, and saved again, as it nears expiry. It needs an OAuth application
registered in Capsule (My Preferences > Integrations > Register new application)
with the redirect URL http://` + defaultCallback + `/callback, whose id and secret
are given with --client-id and --client-secret or CAPSULE_CLIENT_ID and
CAPSULE_CLIENT_SECRET.

CAPSULE_TOKEN, when set, wins over any stored token. --profile keeps the tokens
of several accounts apart.`

func authCommand(a *app) *cobra.Command {
	cmd := group("auth", "Log in to Capsule, show or remove the stored token", authLong,
		"  capsule auth login --client-id ID --client-secret SECRET\n  capsule auth status\n  capsule --profile work auth login\n  capsule auth logout")
	cmd.AddCommand(authLoginCommand(a), authStatusCommand(a), authLogoutCommand(a))
	return cmd
}

func authLoginCommand(a *app) *cobra.Command {
	var (
		clientID, clientSecret, listen string
		noBrowser                      bool
		timeout                        time.Duration
	)
	cmd := &cobra.Command{
		Use:   "login",
		Short: "Log in with OAuth in the browser and store the token",
		Example: "  CAPSULE_CLIENT_ID=... CAPSULE_CLIENT_SECRET=... capsule auth login\n" +
			"  capsule auth login --no-browser --listen 127.0.0.1:9000",
		Args: exactArgs(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if clientID == "" {
				clientID = a.getenv("CAPSULE_CLIENT_ID")
			}
			if clientSecret == "" {
				clientSecret = a.getenv("CAPSULE_CLIENT_SECRET")
			}
			if clientID == "" || clientSecret == "" {
				return usagef("auth login: needs the OAuth application's --client-id and --client-secret (or CAPSULE_CLIENT_ID and CAPSULE_CLIENT_SECRET)")
			}
			if timeout <= 0 {
				return usagef("auth login: --timeout must be positive, got %s", timeout)
			}
			if _, err := a.profilePath(); err != nil {
				return err
			}
			base := capsule.DefaultBaseURL
			if b := a.getenv("CAPSULE_BASE_URL"); b != "" {
				base = b
			}
			return a.login(cmd.Context(), &profile{BaseURL: base, ClientID: clientID, ClientSecret: clientSecret}, listen, noBrowser, timeout)
		},
	}
	f := cmd.Flags()
	f.StringVar(&clientID, "client-id", "", "the OAuth application's client id (default $CAPSULE_CLIENT_ID)")
	f.StringVar(&clientSecret, "client-secret", "", "the OAuth application's client secret (default $CAPSULE_CLIENT_SECRET)")
	f.StringVar(&listen, "listen", defaultCallback, "address of the local callback server: the host and port of the application's redirect URL")
	f.BoolVar(&noBrowser, "no-browser", false, "print the authorization URL instead of opening a browser")
	f.DurationVar(&timeout, "timeout", 5*time.Minute, "how long to wait for the browser")
	return cmd
}

// login runs the authorization-code flow and saves the token in p.
func (a *app) login(ctx context.Context, p *profile, listen string, noBrowser bool, timeout time.Duration) error {
	cb, err := startCallback(listen)
	if err != nil {
		return err
	}
	defer cb.close()
	cfg := oauthConfig(p, cb.redirectURL)
	authURL := cfg.AuthCodeURL(cb.state)
	if noBrowser {
		fmt.Fprintf(a.stderr, "Open this URL in a browser, sign in to Capsule and allow access:\n\n  %s\n\n", authURL)
	} else {
		fmt.Fprintf(a.stderr, "Opening Capsule in your browser; if it does not open, visit:\n\n  %s\n\n", authURL)
		if err := openBrowser(ctx, authURL); err != nil {
			fmt.Fprintf(a.stderr, "capsule: could not open a browser (%v); open the URL above yourself\n", err)
		}
	}
	wait, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var code string
	select {
	case res := <-cb.result:
		if res.err != nil {
			return &authError{msg: "auth login: " + res.err.Error(), hint: "run 'capsule auth login' again"}
		}
		code = res.code
	case <-wait.Done():
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &authError{msg: fmt.Sprintf("auth login: no answer from the browser within %s", timeout),
			hint: "check that the application's redirect URL is " + cb.redirectURL + ", or pass --listen with its host and port"}
	}
	tok, err := cfg.Exchange(wait, code)
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			return &authError{msg: fmt.Sprintf("auth login: Capsule refused the code: %s %s", re.ErrorCode, re.ErrorDescription),
				hint: "check --client-id and --client-secret"}
		}
		return fmt.Errorf("auth login: exchanging the code: %w", err)
	}
	p.Token = tok
	c, err := capsule.NewClient(capsule.WithUserAgent(userAgent), capsule.WithBaseURL(p.BaseURL), capsule.WithToken(tok.AccessToken))
	if err != nil {
		return err
	}
	a.baseURL = p.BaseURL
	me, _, err := c.Users.ReadCurrent(ctx, nil)
	if err != nil {
		return err
	}
	path, err := a.saveProfile(p)
	if err != nil {
		return fmt.Errorf("saving the token: %w", err)
	}
	name, _ := a.profileName()
	fmt.Fprintf(a.stdout, "Logged in as %s (profile %q); the token is saved in %s\n", me.Username, name, path)
	if a.getenv("CAPSULE_TOKEN") != "" {
		fmt.Fprintln(a.stderr, "capsule: note: CAPSULE_TOKEN is set and wins over the stored token; unset it to use this login")
	}
	return nil
}

// callback is the local server the browser is sent back to.
type callback struct {
	srv         *http.Server
	redirectURL string
	state       string
	result      chan callbackResult
}

type callbackResult struct {
	code string
	err  error
}

func startCallback(listen string) (*callback, error) {
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return nil, usagef("auth login: cannot listen on %s: %v", listen, err)
	}
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		ln.Close()
		return nil, err
	}
	cb := &callback{
		redirectURL: "http://" + ln.Addr().String() + "/callback",
		state:       hex.EncodeToString(b),
		result:      make(chan callbackResult, 1),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /callback", cb.handle)
	cb.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = cb.srv.Serve(ln) }()
	return cb, nil
}

func (cb *callback) handle(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var res callbackResult
	switch {
	case q.Get("state") != cb.state:
		res.err = errors.New("the callback's state does not match: the answer is not from this login")
	case q.Get("error") != "":
		res.err = fmt.Errorf("access was not granted: %s", q.Get("error"))
	case q.Get("code") == "":
		res.err = errors.New("the callback carries no code")
	default:
		res.code = q.Get("code")
	}
	if res.err != nil {
		http.Error(w, res.err.Error(), http.StatusBadRequest)
	} else {
		fmt.Fprintf(w, "<p>%s</p>", html.EscapeString("Logged in to Capsule: you can close this window and go back to the terminal."))
	}
	select {
	case cb.result <- res:
	default: // a second callback: the first one counts
	}
}

func (cb *callback) close() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = cb.srv.Shutdown(ctx)
}

// authStatus is what auth status prints.
type authStatus struct {
	Source  string     `json:"source"`
	Profile string     `json:"profile,omitempty"`
	User    string     `json:"user"`
	BaseURL string     `json:"baseURL"`
	Expires *time.Time `json:"expires,omitempty"`
}

var authStatusColumns = []column[authStatus]{
	{"source", func(s *authStatus) any { return s.Source }},
	{"profile", func(s *authStatus) any { return s.Profile }},
	{"user", func(s *authStatus) any { return s.User }},
	{"base_url", func(s *authStatus) any { return s.BaseURL }},
	{"expires", func(s *authStatus) any { return s.Expires }},
}

func authStatusCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:     "status",
		Short:   "Show which token is used and whose it is (costs one request)",
		Example: "  capsule auth status\n  capsule --profile work auth status",
		Args:    exactArgs(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			st := &authStatus{Source: "CAPSULE_TOKEN"}
			if strings.TrimSpace(a.getenv("CAPSULE_TOKEN")) == "" && !a.useFake() {
				p, err := a.loadProfile()
				if err != nil {
					return err
				}
				st.Source = "stored login"
				st.Profile, _ = a.profileName()
				if !p.Token.Expiry.IsZero() {
					exp := p.Token.Expiry.UTC()
					st.Expires = &exp
				}
			}
			if a.useFake() {
				st.Source = "--fake"
			}
			c, err := a.client(cmd.Context())
			if err != nil {
				return err
			}
			me, _, err := c.Users.ReadCurrent(cmd.Context(), nil)
			if err != nil {
				return err
			}
			st.User, st.BaseURL = me.Username, a.baseURL
			if st.Expires != nil {
				if p, err := a.loadProfile(); err == nil && !p.Token.Expiry.IsZero() {
					exp := p.Token.Expiry.UTC() // a refresh may have moved it
					st.Expires = &exp
				}
			}
			return newPrinter(a, authStatusColumns, false).single(st)
		},
	}
}

func authLogoutCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:     "logout",
		Short:   "Remove the stored token of the profile and revoke it at Capsule",
		Example: "  capsule auth logout\n  capsule --profile work auth logout",
		Args:    exactArgs(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := a.loadProfile()
			if err != nil {
				return err
			}
			path, err := a.profilePath()
			if err != nil {
				return err
			}
			if err := os.Remove(path); err != nil {
				return err
			}
			name, _ := a.profileName()
			fmt.Fprintf(a.stdout, "Logged out of profile %q: removed %s\n", name, path)
			if err := revoke(cmd.Context(), p); err != nil {
				fmt.Fprintf(a.stderr, "capsule: warning: the token was removed here, but revoking it at Capsule failed: %v\n", err)
			}
			if a.getenv("CAPSULE_TOKEN") != "" {
				fmt.Fprintln(a.stderr, "capsule: note: CAPSULE_TOKEN is still set and is used by later commands")
			}
			return nil
		},
	}
}

// revoke asks Capsule to forget p's refresh token (and with it the access
// token), so a copy of the file is of no use.
func revoke(ctx context.Context, p *profile) error {
	root := apiRoot(p.BaseURL)
	if root == "" {
		return fmt.Errorf("the stored base URL does not parse")
	}
	tok := p.Token.RefreshToken
	if tok == "" {
		tok = p.Token.AccessToken
	}
	form := url.Values{"token": {tok}, "client_id": {p.ClientID}, "client_secret": {p.ClientSecret}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, root+"/oauth/token/revoke", strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			return fmt.Errorf("cannot connect to %s: %s", req.URL.Host, netReason(ue.Err))
		}
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("POST /oauth/token/revoke: %s", resp.Status)
	}
	return nil
}
