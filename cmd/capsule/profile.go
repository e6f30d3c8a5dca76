package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"

	"golang.org/x/oauth2"

	"github.com/capsulecrm-go/capsule"
)

// defaultProfile is the profile used without --profile or CAPSULE_PROFILE.
const defaultProfile = "default"

// profile is one stored account: what `capsule auth login` saved, and what
// a refresh needs. The file holds secrets, so it is written with mode 0600.
type profile struct {
	// BaseURL is the API root the token is for.
	BaseURL      string        `json:"base_url"`
	ClientID     string        `json:"client_id"`
	ClientSecret string        `json:"client_secret"`
	Token        *oauth2.Token `json:"token"`
}

var profileName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// profileName returns the profile in use: --profile, else CAPSULE_PROFILE,
// else "default".
func (a *app) profileName() (string, error) {
	name := a.profile
	if name == "" {
		name = a.getenv("CAPSULE_PROFILE")
	}
	if name == "" {
		return defaultProfile, nil
	}
	if !profileName.MatchString(name) {
		return "", usagef("--profile must be letters, digits, '.', '_' or '-', got %q", name)
	}
	return name, nil
}

// configDir is os.UserConfigDir()/capsule, computed from the app's
// environment so that tests never touch the real one.
func (a *app) configDir() (string, error) {
	var dir string
	switch runtime.GOOS {
	case "windows":
		dir = a.getenv("AppData")
	case "darwin", "ios":
		if home := a.getenv("HOME"); home != "" {
			dir = filepath.Join(home, "Library", "Application Support")
		}
	default:
		dir = a.getenv("XDG_CONFIG_HOME")
		if dir != "" && !filepath.IsAbs(dir) {
			dir = ""
		}
		if home := a.getenv("HOME"); dir == "" && home != "" {
			dir = filepath.Join(home, ".config")
		}
	}
	if dir == "" {
		return "", errors.New("cannot find the user's config directory: neither $XDG_CONFIG_HOME nor $HOME is set")
	}
	return filepath.Join(dir, "capsule"), nil
}

// profilePath is the file of the profile in use.
func (a *app) profilePath() (string, error) {
	name, err := a.profileName()
	if err != nil {
		return "", err
	}
	dir, err := a.configDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, name+".json"), nil
}

// loadProfile reads the profile in use; no profile is an authentication
// error that says how to get one.
func (a *app) loadProfile() (*profile, error) {
	path, err := a.profilePath()
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		name, _ := a.profileName()
		return nil, &authError{
			msg:  fmt.Sprintf("no token: CAPSULE_TOKEN is not set and profile %q is not logged in", name),
			hint: "set CAPSULE_TOKEN to a personal access token, run 'capsule auth login', or add --fake to try the built-in fake",
		}
	}
	if err != nil {
		return nil, err
	}
	var p profile
	if err := json.Unmarshal(b, &p); err != nil || p.Token == nil || p.Token.AccessToken == "" {
		return nil, &authError{msg: fmt.Sprintf("the stored profile %s is not valid", path), hint: "run 'capsule auth login' again"}
	}
	if p.BaseURL == "" {
		p.BaseURL = capsule.DefaultBaseURL
	}
	return &p, nil
}

// saveProfile writes p to the profile in use, mode 0600, through a
// temporary file so that a crash never leaves half a token.
func (a *app) saveProfile(p *profile) (string, error) {
	path, err := a.profilePath()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", err
	}
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return "", err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".profile-*.tmp")
	if err != nil {
		return "", err
	}
	defer os.Remove(f.Name())
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return "", err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return "", err
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	return path, os.Rename(f.Name(), path)
}

// oauthConfig is the OAuth2 configuration of p's application, on the
// endpoints of p's host.
func oauthConfig(p *profile, redirectURL string) *oauth2.Config {
	cfg := capsule.OAuth2Config(p.ClientID, p.ClientSecret, redirectURL, capsule.ScopeRead, capsule.ScopeWrite)
	if root := apiRoot(p.BaseURL); root != "" {
		cfg.Endpoint = capsule.EndpointFor(root)
	}
	return cfg
}

// apiRoot is the scheme and host of an API base URL, where Capsule serves
// the OAuth endpoints; "" when baseURL does not parse.
func apiRoot(baseURL string) string {
	u, err := url.Parse(baseURL)
	if err != nil || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// profileTokenSource refreshes p's token as it nears expiry and saves every
// new one, since Capsule rotates refresh tokens.
func (a *app) profileTokenSource(p *profile) oauth2.TokenSource {
	return capsule.TokenSource(oauthConfig(p, ""), p.Token, func(t *oauth2.Token) {
		p.Token = t
		if _, err := a.saveProfile(p); err != nil {
			fmt.Fprintf(a.stderr, "capsule: warning: the refreshed token was not saved: %s\n", strings.TrimPrefix(err.Error(), "capsule: "))
		}
	})
}
