package capsule

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/go-querystring/query"
	"golang.org/x/oauth2"

	"github.com/capsulecrm-go/capsule/internal/linkheader"
)

// Version is the version of this library, sent in the User-Agent header.
const Version = "0.1.0"

const (
	// DefaultBaseURL is the root of Capsule's v2 REST API.
	DefaultBaseURL = "https://api.capsulecrm.com/api/v2/"
	// DefaultTimeout bounds each HTTP request unless WithTimeout or the
	// caller's http.Client says otherwise.
	DefaultTimeout   = 30 * time.Second
	defaultUserAgent = "capsule-go/" + Version
)

// Client talks to the Capsule v2 API. It is safe for concurrent use once
// constructed; make one per token and share it.
type Client struct {
	baseURL   *url.URL
	http      *http.Client
	userAgent string
	retry     RetryPolicy
	logger    *slog.Logger
	pacing    bool
	now       func() time.Time

	rateMu   sync.Mutex
	rate     Rate
	nextSlot time.Time // pacing: earliest start of the next request

	common service

	Parties          *PartiesService
	Opportunities    *OpportunitiesService
	Kases            *KasesService
	Tasks            *TasksService
	Tracks           *TracksService
	TrackDefinitions *TrackDefinitionsService
	Entries          *EntriesService
	Attachments      *AttachmentsService
	Users            *UsersService
	Teams            *TeamsService
	Site             *SiteService
	Tags             *TagsService
	CustomFields     *CustomFieldsService
	Titles           *TitlesService
	Countries        *CountriesService
	Currencies       *CurrenciesService
	ActivityTypes    *ActivityTypesService
	Categories       *CategoriesService
	LostReasons      *LostReasonsService
	Pipelines        *PipelinesService
	Milestones       *MilestonesService
	Boards           *BoardsService
	Stages           *StagesService
	RestHooks        *RestHooksService
	Jobs             *JobsService
}

// service is the shared body of every service: a pointer back to the client.
type service struct{ client *Client }

type (
	// PartiesService reads and writes people and organisations.
	PartiesService service
	// OpportunitiesService reads and writes opportunities (sales deals).
	OpportunitiesService service
	// KasesService reads and writes projects, which the API calls kases.
	KasesService service
	// TasksService reads and writes tasks.
	TasksService service
	// TracksService applies, reads, updates and deletes tracks on
	// opportunities and kases.
	TracksService service
	// TrackDefinitionsService manages track definitions and their task
	// definitions.
	TrackDefinitionsService service
	// EntriesService reads and writes history entries (notes, emails).
	EntriesService service
	// AttachmentsService uploads and downloads entry attachments.
	AttachmentsService service
	// UsersService reads users of the account and updates them.
	UsersService service
	// TeamsService reads teams.
	TeamsService service
	// SiteService reads the account (site) settings.
	SiteService service
	// TagsService manages tag definitions of parties, opportunities and kases.
	TagsService service
	// CustomFieldsService manages custom field definitions.
	CustomFieldsService service
	// TitlesService manages the person titles of the account.
	TitlesService service
	// CountriesService reads the countries Capsule knows.
	CountriesService service
	// CurrenciesService reads the currencies Capsule knows.
	CurrenciesService service
	// ActivityTypesService manages activity types and lists their icons.
	ActivityTypesService service
	// CategoriesService manages task categories.
	CategoriesService service
	// LostReasonsService manages reasons for lost opportunities.
	LostReasonsService service
	// PipelinesService manages opportunity pipelines.
	PipelinesService service
	// MilestonesService manages the milestones of pipelines.
	MilestonesService service
	// BoardsService manages project boards.
	BoardsService service
	// StagesService manages the stages of project boards.
	StagesService service
	// RestHooksService subscribes and unsubscribes REST hooks (webhooks).
	RestHooksService service
	// JobsService reads the state of long-running work that Capsule
	// accepted with 202.
	JobsService service
)

// Option configures a Client. Options that get a bad value make NewClient
// return an error.
type Option func(*settings) error

type settings struct {
	baseURL    string
	source     oauth2.TokenSource
	httpClient *http.Client
	userAgent  string
	retry      RetryPolicy
	logger     *slog.Logger
	timeout    time.Duration
	pacing     bool
}

// WithToken authenticates with a personal access token (or any bearer token
// that does not need refreshing).
func WithToken(token string) Option {
	return func(s *settings) error {
		if strings.TrimSpace(token) == "" {
			return invalidArg("token", "must not be empty")
		}
		s.source = oauth2.StaticTokenSource(&oauth2.Token{AccessToken: token, TokenType: "Bearer"})
		return nil
	}
}

// WithTokenSource authenticates with tokens from ts, such as the refreshing
// source that TokenSource returns.
func WithTokenSource(ts oauth2.TokenSource) Option {
	return func(s *settings) error {
		if ts == nil {
			return invalidArg("token source", "must not be nil")
		}
		s.source = ts
		return nil
	}
}

// WithBaseURL points the client at another API root, such as a capsuletest
// server. It must be absolute; plain http is accepted only for loopback hosts.
func WithBaseURL(rawURL string) Option {
	return func(s *settings) error {
		s.baseURL = rawURL
		return nil
	}
}

// WithHTTPClient sends requests through a copy of hc (its Transport, Jar,
// CheckRedirect and Timeout); hc itself is never changed.
func WithHTTPClient(hc *http.Client) Option {
	return func(s *settings) error {
		if hc == nil {
			return invalidArg("http client", "must not be nil")
		}
		s.httpClient = hc
		return nil
	}
}

// WithUserAgent puts product (for example "acme-sync/1.2") in front of the
// library's own User-Agent.
func WithUserAgent(product string) Option {
	return func(s *settings) error {
		if strings.ContainsAny(product, "\r\n") {
			return invalidArg("user agent", "must be one line")
		}
		s.userAgent = strings.TrimSpace(product)
		return nil
	}
}

// WithRetryPolicy replaces the DefaultRetryPolicy. A nil policy turns
// retries off: every failure, a 429 included, is returned at once.
func WithRetryPolicy(p RetryPolicy) Option {
	return func(s *settings) error {
		if p == nil {
			p = noRetries{}
		}
		s.retry = p
		return nil
	}
}

// WithLogger logs each request (method, URL, status, attempt, duration) at
// debug level and each retry at info level. Tokens are never logged.
func WithLogger(l *slog.Logger) Option {
	return func(s *settings) error {
		if l == nil {
			return invalidArg("logger", "must not be nil")
		}
		s.logger = l
		return nil
	}
}

// WithTimeout bounds each HTTP request; the default is DefaultTimeout.
func WithTimeout(d time.Duration) Option {
	return func(s *settings) error {
		if d <= 0 {
			return invalidArg("timeout", "must be positive")
		}
		s.timeout = d
		return nil
	}
}

// WithPacing spreads requests evenly over what is left of the rate-limit
// window: after each response the client waits (reset - now) / remaining
// before the next request starts, so a long job uses its whole budget and
// never meets a 429.
func WithPacing(on bool) Option {
	return func(s *settings) error {
		s.pacing = on
		return nil
	}
}

// NewClient returns a client configured by opts. It sends nothing over the
// network. One of WithToken or WithTokenSource is required.
func NewClient(opts ...Option) (*Client, error) {
	s := settings{baseURL: DefaultBaseURL, retry: &DefaultRetryPolicy{}}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&s); err != nil {
			return nil, err
		}
	}
	if s.source == nil {
		return nil, invalidArg("token", "use WithToken or WithTokenSource")
	}
	base, err := parseBaseURL(s.baseURL)
	if err != nil {
		return nil, err
	}

	var hc http.Client
	if s.httpClient != nil {
		hc = *s.httpClient
	}
	if s.timeout > 0 {
		hc.Timeout = s.timeout
	} else if hc.Timeout == 0 {
		hc.Timeout = DefaultTimeout
	}
	inner := hc.Transport
	if inner == nil {
		inner = http.DefaultTransport
	}
	hc.Transport = &authTransport{base: inner, source: s.source, origin: base.Scheme + "://" + base.Host}

	ua := defaultUserAgent
	if s.userAgent != "" {
		ua = s.userAgent + " " + ua
	}
	logger := s.logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	c := &Client{
		baseURL:   base,
		http:      &hc,
		userAgent: ua,
		retry:     s.retry,
		logger:    logger,
		pacing:    s.pacing,
		now:       time.Now,
	}
	c.common.client = c
	c.Parties = (*PartiesService)(&c.common)
	c.Opportunities = (*OpportunitiesService)(&c.common)
	c.Kases = (*KasesService)(&c.common)
	c.Tasks = (*TasksService)(&c.common)
	c.Tracks = (*TracksService)(&c.common)
	c.TrackDefinitions = (*TrackDefinitionsService)(&c.common)
	c.Entries = (*EntriesService)(&c.common)
	c.Attachments = (*AttachmentsService)(&c.common)
	c.Users = (*UsersService)(&c.common)
	c.Teams = (*TeamsService)(&c.common)
	c.Site = (*SiteService)(&c.common)
	c.Tags = (*TagsService)(&c.common)
	c.CustomFields = (*CustomFieldsService)(&c.common)
	c.Titles = (*TitlesService)(&c.common)
	c.Countries = (*CountriesService)(&c.common)
	c.Currencies = (*CurrenciesService)(&c.common)
	c.ActivityTypes = (*ActivityTypesService)(&c.common)
	c.Categories = (*CategoriesService)(&c.common)
	c.LostReasons = (*LostReasonsService)(&c.common)
	c.Pipelines = (*PipelinesService)(&c.common)
	c.Milestones = (*MilestonesService)(&c.common)
	c.Boards = (*BoardsService)(&c.common)
	c.Stages = (*StagesService)(&c.common)
	c.RestHooks = (*RestHooksService)(&c.common)
	c.Jobs = (*JobsService)(&c.common)
	return c, nil
}

func parseBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, invalidArg("base URL", "%v", err)
	}
	if !u.IsAbs() || u.Host == "" {
		return nil, invalidArg("base URL", "%q is not an absolute URL", raw)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, invalidArg("base URL", "must not carry user info, a query or a fragment")
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return nil, invalidArg("base URL", "plain http is only allowed to a loopback host, not %q", u.Hostname())
		}
	default:
		return nil, invalidArg("base URL", "scheme %q is not http or https", u.Scheme)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
		u.RawPath = ""
	}
	return u, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// authTransport adds the bearer token to requests for the API's own origin
// only, so that a redirect to another host never carries it.
type authTransport struct {
	base   http.RoundTripper
	source oauth2.TokenSource
	origin string
}

func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme+"://"+req.URL.Host != t.origin {
		return t.base.RoundTrip(req)
	}
	tok, err := t.source.Token()
	if err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, fmt.Errorf("capsule: getting an access token: %w", err)
	}
	r := req.Clone(req.Context())
	r.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	return t.base.RoundTrip(r)
}

// Rate is the request budget Capsule reported with a response.
type Rate struct {
	Limit     int       // requests per window (4,000 an hour for a user)
	Remaining int       // requests left in the current window
	Reset     time.Time // when the window starts again
}

// parseRate reads the X-RateLimit-* headers; ok is false when they are absent.
func parseRate(h http.Header) (r Rate, ok bool) {
	limit, err1 := strconv.Atoi(h.Get("X-RateLimit-Limit"))
	remaining, err2 := strconv.Atoi(h.Get("X-RateLimit-Remaining"))
	if err1 != nil || err2 != nil {
		return Rate{}, false
	}
	r = Rate{Limit: limit, Remaining: remaining}
	if reset, err := strconv.ParseInt(h.Get("X-RateLimit-Reset"), 10, 64); err == nil {
		r.Reset = time.Unix(reset, 0).UTC()
	}
	return r, true
}

// Rate returns the budget from the latest response that reported one.
func (c *Client) Rate() Rate {
	c.rateMu.Lock()
	defer c.rateMu.Unlock()
	return c.rate
}

func (c *Client) setRate(r Rate) {
	c.rateMu.Lock()
	c.rate = r
	c.rateMu.Unlock()
}

// pace waits for this request's slot when pacing is on.
func (c *Client) pace(ctx context.Context) error {
	if !c.pacing {
		return nil
	}
	c.rateMu.Lock()
	now := c.now()
	r := c.rate
	var wait time.Duration
	if r.Limit > 0 && r.Reset.After(now) {
		var interval time.Duration
		start := c.nextSlot
		if r.Remaining <= 0 {
			start = r.Reset
		} else {
			interval = r.Reset.Sub(now) / time.Duration(r.Remaining)
		}
		if start.Before(now) {
			start = now
		}
		c.nextSlot = start.Add(interval)
		wait = start.Sub(now)
	}
	c.rateMu.Unlock()
	return sleep(ctx, wait)
}

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
	query    any    // options struct with `url` tags, or nil
	in       any    // JSON body, wrapped as {inKey: in} when inKey is set
	inKey    string
	raw      io.Reader   // raw body instead of in (attachment uploads)
	header   http.Header // extra request headers
	outKey   string      // envelope key to unwrap; "" decodes the whole body
	readOnly bool        // a POST that only reads, safe to repeat
}

// sinceCarrier is implemented by options that carry a `since` timestamp,
// which the core formats as Capsule wants it: UTC, seconds, "Z".
type sinceCarrier interface{ sinceValue() time.Time }

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
	if opts != nil {
		values, err := query.Values(opts)
		if err != nil {
			return "", invalidArg("options", "%v", err)
		}
		if sc, ok := opts.(sinceCarrier); ok {
			if t := sc.sinceValue(); !t.IsZero() {
				values.Set("since", t.UTC().Format(sinceLayout))
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
	idempotent := r.method != http.MethodPost || r.readOnly

	for attempt := 1; ; attempt++ {
		if err := c.pace(ctx); err != nil {
			return nil, err
		}
		var reader io.Reader
		switch {
		case r.raw != nil:
			reader = r.raw
		case body != nil:
			reader = bytes.NewReader(body)
		}
		req, err := http.NewRequestWithContext(ctx, r.method, target, reader)
		if err != nil {
			return nil, invalidArg("request", "%v", err)
		}
		req.Header.Set("Accept", "application/json")
		req.Header.Set("User-Agent", c.userAgent)
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		for k, vs := range r.header {
			req.Header[k] = vs
		}
		replayable := req.Body == nil || req.GetBody != nil

		start := time.Now()
		resp, err := c.http.Do(req)
		if err != nil {
			if ctxErr := ctx.Err(); ctxErr != nil {
				return nil, ctxErr
			}
			c.logger.LogAttrs(ctx, slog.LevelDebug, "capsule request failed",
				slog.String("method", r.method), slog.String("url", target), slog.Int("attempt", attempt), slog.String("error", err.Error()))
			a := Attempt{Number: attempt, Method: r.method, Idempotent: idempotent, Sent: !notSent(err), Err: err, Now: c.now()}
			if wait, ok := c.retry.Retry(a); ok && replayable {
				if err := c.backoff(ctx, r.method, target, attempt, wait, 0); err != nil {
					return nil, err
				}
				continue
			}
			return nil, fmt.Errorf("capsule: %s %s: %w", r.method, target, err)
		}
		response := newResponse(resp)
		if rate, ok := parseRate(resp.Header); ok {
			c.setRate(rate)
		}
		c.logger.LogAttrs(ctx, slog.LevelDebug, "capsule request",
			slog.String("method", r.method), slog.String("url", target), slog.Int("status", resp.StatusCode),
			slog.Int("attempt", attempt), slog.Duration("duration", time.Since(start)))

		if resp.StatusCode < 400 {
			err := decodeResponse(resp, r.outKey, out)
			if err != nil {
				err = fmt.Errorf("capsule: %s %s: decoding response: %w", r.method, target, err)
			}
			return response, err
		}

		errBody, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		drainAndClose(resp.Body)
		apiErr := newAPIError(r.method, target, resp, errBody)
		a := Attempt{Number: attempt, Method: r.method, Idempotent: idempotent, Sent: true,
			StatusCode: resp.StatusCode, Rate: response.Rate, Now: c.now()}
		if wait, ok := c.retry.Retry(a); ok && replayable {
			if err := c.backoff(ctx, r.method, target, attempt, wait, resp.StatusCode); err != nil {
				return response, err
			}
			continue
		}
		if resp.StatusCode == http.StatusTooManyRequests {
			return response, &RateLimitError{Rate: response.Rate, Err: apiErr}
		}
		return response, apiErr
	}
}

func (c *Client) backoff(ctx context.Context, method, target string, attempt int, wait time.Duration, status int) error {
	c.logger.LogAttrs(ctx, slog.LevelInfo, "capsule retry",
		slog.String("method", method), slog.String("url", target), slog.Int("attempt", attempt),
		slog.Int("status", status), slog.Duration("wait", wait))
	return sleep(ctx, wait)
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
