package capsule

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"
)

// Sentinel errors for errors.Is. An *APIError matches the sentinel of its
// status code; argument checks made before any request match
// ErrInvalidArgument.
var (
	// ErrNotFound matches 404 responses: an unknown id or path, or any
	// missing id in a show-multiple request.
	ErrNotFound = errors.New("capsule: not found")
	// ErrUnauthorized matches 401 responses: a missing, unknown or expired token.
	ErrUnauthorized = errors.New("capsule: unauthorized")
	// ErrForbidden matches 403 responses: the token lacks the scope (for
	// example a read-only token on a write). It also matches Capsule's
	// refusal of a REST hook write to anyone but an account administrator
	// through a registered OAuth application.
	ErrForbidden = errors.New("capsule: forbidden")
	// ErrValidation matches 400 and 422 responses: Capsule refused the input.
	ErrValidation = errors.New("capsule: validation failed")
	// ErrRateLimited matches 429 responses and *RateLimitError.
	ErrRateLimited = errors.New("capsule: rate limit reached")
	// ErrInvalidArgument matches errors for bad arguments, returned before
	// any request is sent.
	ErrInvalidArgument = errors.New("capsule: invalid argument")
)

// FieldError is one item of a 422 response's "errors" array.
type FieldError struct {
	Message  string `json:"message"`
	Resource string `json:"resource"`
	Field    string `json:"field"`
}

// APIError is a 4xx or 5xx response from Capsule.
type APIError struct {
	StatusCode int
	Method     string
	// URL is the request URL; it never carries credentials, which travel
	// in the Authorization header only.
	URL string
	// Message is Capsule's "message" (or, for 429, "error"); when the body is
	// not JSON it is the start of the body or the HTTP status text.
	Message string
	Errors  []FieldError
	// Body is the raw response body, read up to maxErrorBody bytes.
	Body []byte
	// Header is the response header.
	Header http.Header
}

// Error reports the method, URL, status and Capsule's messages.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "capsule: %s %s: %d", e.Method, e.URL, e.StatusCode)
	if e.Message != "" {
		b.WriteString(" ")
		b.WriteString(e.Message)
	}
	for i, fe := range e.Errors {
		if i == 0 {
			b.WriteString(":")
		} else {
			b.WriteString(";")
		}
		b.WriteString(" ")
		if fe.Field != "" && !strings.Contains(fe.Message, fe.Field) {
			b.WriteString(fe.Field + ": ")
		}
		b.WriteString(fe.Message)
	}
	return b.String()
}

// Is makes errors.Is(err, ErrNotFound) and the other sentinels work.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	case ErrValidation:
		return e.StatusCode == http.StatusUnprocessableEntity || e.StatusCode == http.StatusBadRequest
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	}
	return false
}

// RateLimitError is returned for a 429 that the client did not wait out,
// because retries are off or the reset is further away than the maximum
// wait (DefaultRetryPolicy.MaxRateLimitWait, one minute unless set). Rate.Reset
// says when the budget returns.
type RateLimitError struct {
	Rate Rate
	Err  *APIError
}

// Error says when the rate limit resets.
func (e *RateLimitError) Error() string {
	msg := "capsule: rate limit reached"
	if e.Err != nil {
		msg = fmt.Sprintf("capsule: %s %s: rate limit reached", e.Err.Method, e.Err.URL)
	}
	if !e.Rate.Reset.IsZero() {
		msg += "; resets at " + e.Rate.Reset.UTC().Format(time.RFC3339)
	}
	return msg
}

// Is matches ErrRateLimited.
func (e *RateLimitError) Is(target error) bool { return target == ErrRateLimited }

// Unwrap returns the underlying *APIError.
func (e *RateLimitError) Unwrap() error {
	if e.Err == nil {
		return nil
	}
	return e.Err
}

// ArgError reports a bad argument, found before any request was sent.
type ArgError struct {
	Arg    string
	Reason string
}

// Error names the argument and the reason.
func (e *ArgError) Error() string {
	return fmt.Sprintf("capsule: invalid argument %s: %s", e.Arg, e.Reason)
}

// Is matches ErrInvalidArgument.
func (e *ArgError) Is(target error) bool { return target == ErrInvalidArgument }

// invalidArg returns an *ArgError for arg.
func invalidArg(arg, format string, args ...any) error {
	return &ArgError{Arg: arg, Reason: fmt.Sprintf(format, args...)}
}

// maxErrorBody caps how much of an error response is read.
const maxErrorBody = 1 << 20

// maxMessage is how many bytes of a body that is not JSON an
// APIError's Message keeps.
const maxMessage = 200

// newAPIError builds an *APIError from a response and its (capped) body,
// with the secrets (the bearer token sent) taken out of everything it
// keeps, in case the server echoes the Authorization header. The message
// and field errors are read from the redacted body, so they are clean too.
func newAPIError(method, rawURL string, resp *http.Response, body []byte, secrets ...string) *APIError {
	body = redactBody(body, secrets...)
	e := &APIError{
		StatusCode: resp.StatusCode,
		Method:     method,
		URL:        rawURL,
		Body:       body,
		Header:     redactHeader(resp.Header, secrets...),
	}
	var parsed struct {
		Message string       `json:"message"`
		Error   string       `json:"error"`
		Errors  []FieldError `json:"errors"`
	}
	if err := json.Unmarshal(body, &parsed); err == nil {
		e.Message = parsed.Message
		if e.Message == "" {
			e.Message = parsed.Error
		}
		e.Errors = parsed.Errors
	} else {
		e.Message = cutMessage(strings.TrimSpace(string(body)), maxMessage)
	}
	if e.Message == "" {
		e.Message = http.StatusText(resp.StatusCode)
	}
	return e
}

// cutMessage shortens s to at most n bytes, on a rune boundary, marking the
// cut with an ellipsis.
func cutMessage(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
