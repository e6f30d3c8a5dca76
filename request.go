package capsule

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/capsulecrm-go/capsule/internal/linkheader"
	"github.com/google/go-querystring/query"
)

// Response wraps the HTTP response of a call. Its body has been read and
// closed already.
type Response struct {
	*http.Response
	// NextPage is the page number of the Link rel="next" target, or 0 on the
	// last page.
	NextPage int
	// Rate is the budget reported with this response.
	Rate Rate
	// Location is the Location header of a 201 (the new record) or a 202
	// (the job doing the work).
	Location string
}

// JobID returns the id of the job in a 202 response's Location, or "".
func (r *Response) JobID() string {
	if r == nil {
		return ""
	}
	_, id, ok := strings.Cut(r.Location, "/jobs/")
	if !ok || id == "" || strings.Contains(id, "/") {
		return ""
	}
	return id
}

func newResponse(resp *http.Response) *Response {
	r := &Response{Response: resp, Location: resp.Header.Get("Location")}
	r.Rate, _ = parseRate(resp.Header)
	if next, ok := linkheader.Parse(resp.Header.Get("Link"))["next"]; ok {
		r.NextPage = linkheader.Page(next)
	}
	return r
}

// request is one API call, built by the endpoint helpers and the services.
type request struct {
	method   string
	path     string // relative to the base URL, without a leading slash
	query    any    // options struct with `url` tags, url.Values, or nil
	in       any    // JSON body, wrapped as {inKey: in} when inKey is set
	inKey    string
	raw      io.Reader   // raw body instead of in (attachment uploads)
	header   http.Header // extra request headers
	outKey   string      // envelope key to unwrap; "" decodes the whole body
	readOnly bool        // a POST that only reads, safe to repeat
}

// listQuery is implemented by *ListOptions and so by every options struct
// that embeds it. The core checks the paging values before sending and
// formats since as Capsule wants it: UTC, seconds, "Z".
type listQuery interface{ listOptions() *ListOptions }

const sinceLayout = "2006-01-02T15:04:05Z"

func (c *Client) buildURL(path string, opts any) (string, error) {
	if strings.HasPrefix(path, "/") || strings.ContainsAny(path, "?#") || slices.ContainsFunc(strings.Split(path, "/"), isDotSegment) {
		return "", invalidArg("path", "%q is not a relative API path", path)
	}
	u := c.baseURL.ResolveReference(&url.URL{Path: path})
	if opts != nil {
		if v := reflect.ValueOf(opts); v.Kind() == reflect.Pointer && v.IsNil() {
			opts = nil
		}
	}
	if values, ok := opts.(url.Values); ok {
		u.RawQuery = values.Encode()
		return u.String(), nil
	}
	if opts != nil {
		values, err := query.Values(opts)
		if err != nil {
			return "", invalidArg("options", "%v", err)
		}
		if lq, ok := opts.(listQuery); ok {
			lo := lq.listOptions()
			if lo.Page < 0 {
				return "", invalidArg("page", "must not be negative, got %d", lo.Page)
			}
			if lo.PerPage < 0 || lo.PerPage > MaxPerPage {
				return "", invalidArg("perPage", "must be between 1 and %d, got %d", MaxPerPage, lo.PerPage)
			}
			if !lo.Since.IsZero() {
				values.Set("since", lo.Since.UTC().Format(sinceLayout))
			}
		}
		u.RawQuery = values.Encode()
	}
	return u.String(), nil
}

// isDotSegment reports a path segment that would climb out of the API.
func isDotSegment(seg string) bool { return seg == "." || seg == ".." }

// encodeBody marshals in, wrapped in its envelope when key is set.
func encodeBody(in any, key string) ([]byte, error) {
	b, err := json.Marshal(in)
	if err != nil {
		return nil, invalidArg("body", "%v", err)
	}
	if key == "" {
		return b, nil
	}
	out := make([]byte, 0, len(b)+len(key)+5)
	out = append(out, `{"`...)
	out = append(out, key...)
	out = append(out, `":`...)
	out = append(out, b...)
	return append(out, '}'), nil
}

// call sends r, retrying as the policy allows, and decodes the response into
// out: the value under r.outKey, or the whole body when outKey is empty.
// out may be nil (the body is discarded) or an io.Writer (the body is copied).
func (c *Client) call(ctx context.Context, r *request, out any) (*Response, error) {
	if ctx == nil {
		return nil, invalidArg("ctx", "must not be nil")
	}
	target, err := c.buildURL(r.path, r.query)
	if err != nil {
		return nil, err
	}
	var body []byte
	if r.in != nil {
		if body, err = encodeBody(r.in, r.inKey); err != nil {
			return nil, err
		}
	}
	// A raw body can be sent again only if it can be rewound to where it
	// started; otherwise a retry would send what is left of it.
	replayable := true
	var rawStart int64
	if r.raw != nil {
		seeker, ok := r.raw.(io.Seeker)
		if ok {
			rawStart, err = seeker.Seek(0, io.SeekCurrent)
		}
		replayable = ok && err == nil
	}

	refreshed := false
	for attempt := 1; ; attempt++ {
		if err := c.pace(ctx); err != nil {
			return nil, err
		}
		var reader io.Reader
		switch {
		case r.raw != nil:
			if attempt > 1 {
				if _, err := r.raw.(io.Seeker).Seek(rawStart, io.SeekStart); err != nil {
					return nil, fmt.Errorf("capsule: rewinding the request body: %w", err)
				}
			}
			reader = r.raw
		case body != nil:
			reader = bytes.NewReader(body)
		}
		start := time.Now()
		resp, failed, sentToken, err := c.attempt(ctx, r, target, reader, body != nil, out)
		ev := RequestEvent{Method: r.method, URL: target, Attempt: attempt, Duration: time.Since(start), Err: err}
		if resp != nil {
			ev.StatusCode, ev.Rate = resp.StatusCode, resp.Rate
		}
		// A 401 to a refreshable token is replayed once with a new token;
		// the retry policy is not asked, and a second 401 is returned.
		reauth := ev.StatusCode == http.StatusUnauthorized && !refreshed && c.refresher != nil && replayable && sentToken != "" && c.refresher.canRefresh()
		switch {
		case reauth:
			ev.Retry = true
		case failed != nil && replayable:
			failed.Number = attempt
			failed.Method = r.method
			failed.Idempotent = r.method != http.MethodPost || r.readOnly
			failed.Now = c.now()
			ev.Wait, ev.Retry = c.retry.Retry(*failed)
		}
		c.observe(ctx, ev)
		if !ev.Retry {
			return resp, err
		}
		if reauth {
			refreshed = true
			if _, err := c.refresher.refreshAfter401(sentToken); err != nil {
				return resp, fmt.Errorf("capsule: %s %s: %w", r.method, target, &tokenError{err: err})
			}
		} else if err := sleep(ctx, ev.Wait); err != nil {
			return resp, err
		}
		resetValue(out)
	}
}

// attempt sends one request and reads its response. failed describes a
// failure the retry policy may retry (its Number, Method, Idempotent and
// Now are filled in by call); it is nil when the outcome is final.
// sentToken is the access token the request carried, for a refresh after
// a 401; it never leaves the client.
func (c *Client) attempt(ctx context.Context, r *request, target string, body io.Reader, isJSON bool, out any) (response *Response, failed *Attempt, sentToken string, err error) {
	req, err := http.NewRequestWithContext(ctx, r.method, target, body)
	if err != nil {
		return nil, nil, "", invalidArg("request", "%v", err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if isJSON {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, vs := range r.header {
		req.Header[k] = vs
	}

	resp, err := c.http.Do(req)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, nil, "", ctxErr
		}
		err = fmt.Errorf("capsule: %s %s: %w", r.method, target, err)
		var te *tokenError
		if errors.Is(err, ErrRedirectRefused) || (errors.As(err, &te) && refusedForGood(te.err)) {
			return nil, nil, "", err
		}
		return nil, &Attempt{Sent: !notSent(err), Err: err}, "", err
	}
	sentToken = stripCredentials(resp)
	response = newResponse(resp)
	if rate, ok := parseRate(resp.Header); ok {
		c.setRate(rate)
	}

	if resp.StatusCode < 400 {
		readErr, err := c.decodeResponse(resp, r.outKey, out)
		if err != nil {
			err = fmt.Errorf("capsule: %s %s: decoding response: %w", r.method, target, err)
			if readErr && ctx.Err() == nil {
				// The connection failed in the middle of the body: a
				// transport error, retried like one.
				return response, &Attempt{Sent: true, Err: err}, sentToken, err
			}
			return response, nil, sentToken, err
		}
		return response, nil, sentToken, nil
	}

	errBody, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	drainAndClose(resp.Body)
	apiErr := newAPIError(r.method, target, resp, errBody, sentToken)
	failed = &Attempt{Sent: true, StatusCode: resp.StatusCode, Rate: response.Rate}
	if resp.StatusCode == http.StatusTooManyRequests {
		return response, failed, sentToken, &RateLimitError{Rate: response.Rate, Err: apiErr}
	}
	return response, failed, sentToken, apiErr
}

// stripCredentials replaces resp.Request, the copy the auth transport sent,
// with one without the Authorization header, since callers print
// responses, and returns the bearer token that was sent.
func stripCredentials(resp *http.Response) string {
	if resp.Request == nil {
		return ""
	}
	auth := resp.Request.Header.Get("Authorization")
	if auth == "" {
		return ""
	}
	req := resp.Request.Clone(resp.Request.Context())
	req.Header.Del("Authorization")
	resp.Request = req
	token, _ := strings.CutPrefix(auth, "Bearer ")
	return token
}

// RequestEvent describes one attempt of a request, for logs, metrics and
// tracing (see WithObserver). URL never carries credentials.
type RequestEvent struct {
	Method   string
	URL      string
	Attempt  int           // 1 for the first try
	Duration time.Duration // from sending to the end of reading the response
	// StatusCode is the response status, or 0 when no response arrived.
	StatusCode int
	// Rate is the budget reported with the response, if any.
	Rate Rate
	// Err is the attempt's error, or nil when it succeeded.
	Err error
	// Retry reports whether the request is tried again after Wait.
	Retry bool
	Wait  time.Duration
}

// observe logs ev and hands it to the observer.
func (c *Client) observe(ctx context.Context, ev RequestEvent) {
	if c.observer != nil {
		c.observer(ev)
	}
	level, msg := slog.LevelDebug, "capsule request"
	if ev.Retry {
		level, msg = slog.LevelInfo, "capsule retry"
	}
	if !c.logger.Enabled(ctx, level) {
		return
	}
	attrs := []slog.Attr{
		slog.String("method", ev.Method), slog.String("url", ev.URL), slog.Int("attempt", ev.Attempt),
		slog.Int("status", ev.StatusCode), slog.Duration("duration", ev.Duration),
	}
	if ev.Err != nil {
		attrs = append(attrs, slog.String("error", ev.Err.Error()))
	}
	if ev.Retry {
		attrs = append(attrs, slog.Duration("wait", ev.Wait))
	}
	c.logger.LogAttrs(ctx, level, msg, attrs...)
}

// resetValue zeroes what out points to, before it is decoded again. A
// writer is left alone: it is the caller's, and nothing was copied to it
// by an attempt that is retried.
func resetValue(out any) {
	if _, isWriter := out.(io.Writer); isWriter {
		return
	}
	if v := reflect.ValueOf(out); v.Kind() == reflect.Pointer && !v.IsNil() {
		v.Elem().SetZero()
	}
}

func drainAndClose(body io.ReadCloser) {
	// Reading a little of what is left lets the connection be reused.
	_, _ = io.CopyN(io.Discard, body, 64<<10)
	body.Close()
}

// DefaultMaxResponseSize is the largest success body a client reads unless
// WithMaxResponseSize says otherwise: far more than a page of 100 records
// with every embed.
const DefaultMaxResponseSize = 32 << 20

// ErrResponseTooLarge matches the error for a success body larger than
// the client's limit (WithMaxResponseSize). Such a response is not retried.
var ErrResponseTooLarge = errors.New("capsule: response too large")

// bufPool holds the buffers responses are read into, so that a stream of
// pages reuses one buffer instead of allocating each page anew.
var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBuffer keeps a rare huge response from pinning its buffer.
const maxPooledBuffer = 4 << 20

// decodeResponse reads a 2xx body into out, or copies it to out when out
// is an io.Writer. readErr reports that the connection failed while the
// body was read, as opposed to a body that is too large or not valid.
func (c *Client) decodeResponse(resp *http.Response, key string, out any) (readErr bool, err error) {
	defer drainAndClose(resp.Body)
	if out == nil || resp.StatusCode == http.StatusNoContent || resp.StatusCode == http.StatusAccepted {
		return false, nil
	}
	if w, ok := out.(io.Writer); ok {
		// Downloads go to the caller's writer as they arrive: no cap.
		_, err := io.Copy(w, resp.Body)
		return false, err
	}
	limit := c.maxBody
	if resp.ContentLength > limit {
		return false, fmt.Errorf("%w: %d bytes announced, the limit is %d (see WithMaxResponseSize)", ErrResponseTooLarge, resp.ContentLength, limit)
	}
	buf := bufPool.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= maxPooledBuffer {
			buf.Reset()
			bufPool.Put(buf)
		}
	}()
	buf.Reset()
	if resp.ContentLength > 0 {
		buf.Grow(int(resp.ContentLength))
	}
	if _, err := buf.ReadFrom(io.LimitReader(resp.Body, limit+1)); err != nil {
		return true, err
	}
	if int64(buf.Len()) > limit {
		return false, fmt.Errorf("%w: more than %d bytes (see WithMaxResponseSize)", ErrResponseTooLarge, limit)
	}
	return false, decodeEnvelope(buf.Bytes(), key, out)
}

// envelopeTypes caches, per target type and key, the struct type
// struct{ X *T `json:"key"` } that decodeEnvelope unmarshals into.
var envelopeTypes sync.Map

type envelopeKey struct {
	t   reflect.Type
	key string
}

// decodeEnvelope decodes the value under key of the JSON object in data
// into out, ignoring the other keys; an empty key decodes the whole
// document. It is one json.Unmarshal into a struct with a single field
// tagged key, as fast as a hand-written envelope struct. The key must be
// there and must not be null, nor hold a null record in a list.
func decodeEnvelope(data []byte, key string, out any) error {
	if key == "" {
		return json.Unmarshal(data, out)
	}
	ptr := reflect.ValueOf(out)
	if ptr.Kind() != reflect.Pointer || ptr.IsNil() {
		return fmt.Errorf("cannot decode %q into %T", key, out)
	}
	ek := envelopeKey{ptr.Type(), key}
	st, ok := envelopeTypes.Load(ek)
	if !ok {
		st, _ = envelopeTypes.LoadOrStore(ek, reflect.StructOf([]reflect.StructField{{
			Name: "Envelope", Type: ptr.Type(), Tag: reflect.StructTag(`json:"` + key + `"`),
		}}))
	}
	env := reflect.New(st.(reflect.Type))
	if err := json.Unmarshal(data, env.Interface()); err != nil {
		if first := bytes.TrimLeft(data, " \t\r\n"); len(first) == 0 || first[0] != '{' {
			return fmt.Errorf("want a JSON object holding %q: %w", key, err)
		}
		return err
	}
	got := env.Elem().Field(0)
	if got.IsNil() {
		// Tell a null from a missing key; only errors pay for this look.
		var probe map[string]json.RawMessage
		if json.Unmarshal(data, &probe) == nil {
			if _, present := probe[key]; present {
				return fmt.Errorf("response holds null under %q", key)
			}
		}
		return fmt.Errorf("response has no %q key", key)
	}
	// A null in a list of records would reach the caller as a nil record.
	if list := got.Elem(); list.Kind() == reflect.Slice && list.Type().Elem().Kind() == reflect.Pointer {
		for i := range list.Len() {
			if list.Index(i).IsNil() {
				return fmt.Errorf("response holds null at %q[%d]", key, i)
			}
		}
	}
	ptr.Elem().Set(got.Elem())
	return nil
}
