package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/capsulecrm-go/capsule"
)

// authError is a missing or refused token; it exits with 4.
type authError struct{ msg, hint string }

func (e *authError) Error() string { return e.msg }
func (e *authError) commandError() {}

// hintError adds a hint to an error.
type hintError struct {
	err  error
	hint string
}

func (e *hintError) Error() string { return e.err.Error() }
func (e *hintError) Unwrap() error { return e.err }
func (e *hintError) commandError() {}

// withHint adds a hint line to err's report.
func withHint(err error, hint string) error { return &hintError{err: err, hint: hint} }

// report prints err on stderr as one line "capsule: <message>", plus a
// "hint: ..." line when one is known, and returns the exit status.
func (a *app) report(err error) int {
	msg, hint, code := a.describe(err)
	fmt.Fprintf(a.stderr, "capsule: %s\n", msg)
	if hint != "" {
		fmt.Fprintf(a.stderr, "hint: %s\n", hint)
	}
	return code
}

// describe turns err into its one-line message, a hint and an exit status.
// The SDK's errors carry "capsule: " and the full request URL; the message
// keeps neither, so that each is said once.
func (a *app) describe(err error) (msg, hint string, code int) {
	code = exitError
	var (
		he   *hintError
		ue   *usageError
		ae   *authError
		rle  *capsule.RateLimitError
		api  *capsule.APIError
		urle *url.Error
		re   *oauth2.RetrieveError
	)
	switch {
	case errors.As(err, &ue):
		return ue.msg, "run 'capsule help' or add --help to the command for its usage", exitUsage
	case errors.As(err, &ae):
		return ae.msg, ae.hint, exitAuth
	case errors.Is(err, context.Canceled):
		return "interrupted", "", exitError
	case errors.As(err, &rle):
		msg = replaceError(err, rle, "rate limit reached")
		hint = rateHint(rle.Rate)
	case errors.As(err, &api):
		msg = replaceError(err, api, a.apiMessage(api))
		hint, code = a.apiHint(api)
	case errors.As(err, &re):
		// A refresh the token endpoint refused: the stored login is over.
		msg = "Capsule refused to refresh the stored token: " + re.ErrorCode
		if re.ErrorDescription != "" {
			msg += " (" + re.ErrorDescription + ")"
		}
		return msg, "run 'capsule auth login' again", exitAuth
	case errors.As(err, &urle):
		host := urle.URL
		if u, perr := url.Parse(urle.URL); perr == nil {
			host = u.Host
		}
		msg = fmt.Sprintf("cannot connect to %s: %s", host, netReason(urle.Err))
		hint = "check CAPSULE_BASE_URL and your network"
	case errors.Is(err, capsule.ErrInvalidArgument):
		msg, code = cleanMessage(err.Error()), exitUsage
	default:
		msg = cleanMessage(err.Error())
	}
	if errors.As(err, &he) {
		hint = he.hint
	}
	return msg, hint, code
}

// replaceError is err's message with the part that is inner's replaced by
// replacement, and no "capsule: " prefixes.
func replaceError(err, inner error, replacement string) string {
	full := err.Error()
	if s := inner.Error(); strings.Contains(full, s) {
		full = strings.Replace(full, s, replacement, 1)
	} else {
		full = replacement
	}
	return cleanMessage(full)
}

// cleanMessage drops the SDK's "capsule: " prefixes: the report adds one.
func cleanMessage(s string) string { return strings.ReplaceAll(s, "capsule: ", "") }

// apiMessage is "METHOD /path: 404 Not Found: Capsule's message", the path
// relative to the base URL (which the hint names when it matters).
func (a *app) apiMessage(e *capsule.APIError) string {
	path := e.URL
	if u, err := url.Parse(e.URL); err == nil {
		path = u.Path
		if base, berr := url.Parse(a.baseURL); berr == nil && base.Path != "/" {
			if rel, ok := strings.CutPrefix(path, strings.TrimSuffix(base.Path, "/")); ok {
				path = rel
			}
		}
		if u.RawQuery != "" {
			path += "?" + u.RawQuery
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %d %s", e.Method, path, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Message != "" && !strings.EqualFold(e.Message, http.StatusText(e.StatusCode)) {
		b.WriteString(": " + e.Message)
	}
	for i, fe := range e.Errors {
		sep := "; "
		if i == 0 {
			sep = ": "
		}
		b.WriteString(sep)
		if fe.Field != "" && !strings.Contains(fe.Message, fe.Field) {
			b.WriteString(fe.Field + " ")
		}
		b.WriteString(fe.Message)
	}
	return b.String()
}

// apiHint says what usually causes an API error, and its exit status.
func (a *app) apiHint(e *capsule.APIError) (string, int) {
	switch e.StatusCode {
	case http.StatusUnauthorized:
		if a.getenv("CAPSULE_TOKEN") != "" {
			return "Capsule refused the token: check CAPSULE_TOKEN (My Preferences > API Authentication Tokens), or unset it and run 'capsule auth login'", exitAuth
		}
		return "Capsule refused the stored token: run 'capsule auth login' again, or set CAPSULE_TOKEN", exitAuth
	case http.StatusForbidden:
		if strings.Contains(e.URL, "/resthooks") {
			return "REST hooks need an OAuth access token of an administrator: run 'capsule auth login' as one (a personal access token is refused)", exitError
		}
		return "the token may not do this: check its user's permissions, or use an OAuth token with the write scope", exitError
	case http.StatusNotFound:
		if u, err := url.Parse(a.baseURL); err == nil && !strings.Contains(u.Path, "/api/v2") {
			root := u.Scheme + "://" + u.Host + strings.TrimSuffix(u.Path, "/")
			return fmt.Sprintf("the base URL %s does not end in /api/v2: set CAPSULE_BASE_URL to %s/api/v2/", root, root), exitError
		}
	case http.StatusTooManyRequests:
		return rateHint(capsule.Rate{}), exitError
	}
	return "", exitError
}

// rateHint says how big the budget is and when it resets.
func rateHint(r capsule.Rate) string {
	if r.Reset.IsZero() {
		return "the rate budget is used up (4,000 requests an hour per user); wait for it to reset, or run 'capsule rate'"
	}
	wait := time.Until(r.Reset).Round(time.Second)
	return fmt.Sprintf("the rate budget is used up (%d of %d requests left); it resets at %s (in %s)", r.Remaining, r.Limit, r.Reset.UTC().Format(time.RFC3339), max(wait, 0))
}

// netReason is the innermost cause of a network error, such as
// "connection refused", without the addresses around it.
func netReason(err error) string {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		err = op.Err
		for {
			inner := errors.Unwrap(err)
			if inner == nil {
				break
			}
			err = inner
		}
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return "no such host"
	}
	return err.Error()
}
