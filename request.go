package capsule

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"reflect"
	"strings"
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
	if strings.HasPrefix(path, "/") || strings.Contains(path, "..") || strings.ContainsAny(path, "?#") {
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
		resp, failed, err := c.attempt(ctx, r, target, reader, body != nil, out)
		ev := RequestEvent{Method: r.method, URL: target, Attempt: attempt, Duration: time.Since(start), Err: err}
		if resp != nil {
			ev.StatusCode, ev.Rate = resp.StatusCode, resp.Rate
		}
		if failed != nil && replayable {
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
		if err := sleep(ctx, ev.Wait); err != nil {
			return resp, err
		}
		resetValue(out)
	}
}

// attempt sends one request and reads its response. failed describes a
// failure the retry policy may retry (its Number, Method, Idempotent and
// Now are filled in by call); it is nil when the outcome is final.
func (c *Client) attempt(ctx context.Context, r *request, target string, body io.Reader, isJSON bool, out any) (response *Response, failed *Attempt, err error) {
	req, err := http.NewRequestWithContext(ctx, r.method, target, body)
	if err != nil {
		return nil, nil, invalidArg("request", "%v", err)
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
			return nil, nil, ctxErr
		}
		return nil, &Attempt{Sent: !notSent(err), Err: err}, fmt.Errorf("capsule: %s %s: %w", r.method, target, err)
	}
	response = newResponse(resp)
	if rate, ok := parseRate(resp.Header); ok {
		c.setRate(rate)
	}

	if resp.StatusCode < 400 {
		// A body copied to a writer cannot be taken back, so only decoded
		// bodies are read again after a failed read.
		var br *bodyReader
		if _, isWriter := out.(io.Writer); !isWriter && out != nil {
			br = &bodyReader{ReadCloser: resp.Body}
			resp.Body = br
		}
		if err := decodeResponse(resp, r.outKey, out); err != nil {
			err = fmt.Errorf("capsule: %s %s: decoding response: %w", r.method, target, err)
			if br != nil && br.err != nil && ctx.Err() == nil {
				// The connection failed in the middle of the body: a
				// transport error, retried like one.
				return response, &Attempt{Sent: true, Err: br.err}, err
			}
			return response, nil, err
		}
		return response, nil, nil
	}

	errBody, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	drainAndClose(resp.Body)
	apiErr := newAPIError(r.method, target, resp, errBody)
	failed = &Attempt{Sent: true, StatusCode: resp.StatusCode, Rate: response.Rate}
	if resp.StatusCode == http.StatusTooManyRequests {
		return response, failed, &RateLimitError{Rate: response.Rate, Err: apiErr}
	}
	return response, failed, apiErr
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

// bodyReader remembers the first error other than io.EOF met while reading
// a response body, which tells a connection that failed mid-body from a
// body that is not valid JSON.
type bodyReader struct {
	io.ReadCloser
	err error
}

func (b *bodyReader) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && err != io.EOF && b.err == nil {
		b.err = err
	}
	return n, err
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

// decodeResponse reads a 2xx body into out.
func decodeResponse(resp *http.Response, key string, out any) error {
	defer drainAndClose(resp.Body)
	if out == nil || resp.StatusCode == http.StatusNoContent || resp.StatusCode == http.StatusAccepted {
		return nil
	}
	if w, ok := out.(io.Writer); ok {
		_, err := io.Copy(w, resp.Body)
		return err
	}
	return decodeEnvelope(resp.Body, key, out)
}

// decodeEnvelope decodes the value under key of the JSON object in r into
// out in a single pass, skipping the other keys. An empty key decodes the
// whole document.
func decodeEnvelope(r io.Reader, key string, out any) error {
	dec := json.NewDecoder(r)
	if key == "" {
		return dec.Decode(out)
	}
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return fmt.Errorf("want a JSON object holding %q, got %v", key, tok)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		if name, _ := tok.(string); name == key {
			return dec.Decode(out)
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return err
		}
	}
	return fmt.Errorf("response has no %q key", key)
}
