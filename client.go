package capsule

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode"

	"golang.org/x/oauth2"
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
	observer  func(RequestEvent)
	now       func() time.Time
	// refresher is the token source when it can be refreshed after a 401.
	refresher refresher
	maxBody   int64

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
	observer   func(RequestEvent)
	maxBody    int64
}

// WithToken authenticates with a personal access token (or any bearer token
// that does not need refreshing). A token holding a control character (a
// stray newline, say) is refused: no request could carry it.
func WithToken(token string) Option {
	return func(s *settings) error {
		if strings.TrimSpace(token) == "" {
			return invalidArg("token", "must not be empty")
		}
		if strings.ContainsFunc(token, unicode.IsControl) {
			// The token itself is not quoted: errors never show it.
			return invalidArg("token", "must not contain control characters such as CR or LF")
		}
		s.source = staticSource{token: token}
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
// CheckRedirect and Timeout); hc itself is never changed. hc's
// CheckRedirect runs after the client's own check, which refuses to take
// a write to another host.
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

// WithObserver calls fn after every attempt of every request, with its
// method, URL, status, duration, rate budget, error and retry decision: a
// hook for metrics and tracing. fn runs on the request's goroutine, so it
// must be quick and safe for concurrent use.
func WithObserver(fn func(RequestEvent)) Option {
	return func(s *settings) error {
		if fn == nil {
			return invalidArg("observer", "must not be nil")
		}
		s.observer = fn
		return nil
	}
}

// WithMaxResponseSize caps the size of one success response the client
// reads and decodes (DefaultMaxResponseSize, 32 MiB, unless set). A larger
// body fails with an error matching ErrResponseTooLarge instead of being
// held in memory. Downloads copied to an io.Writer are not capped.
func WithMaxResponseSize(n int64) Option {
	return func(s *settings) error {
		if n <= 0 {
			return invalidArg("max response size", "must be positive, got %d", n)
		}
		s.maxBody = n
		return nil
	}
}

// NewClient returns a client configured by opts. It sends nothing over the
// network. One of WithToken or WithTokenSource is required.
func NewClient(opts ...Option) (*Client, error) {
	s := settings{baseURL: DefaultBaseURL, retry: &DefaultRetryPolicy{}, maxBody: DefaultMaxResponseSize}
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
	origin := base.Scheme + "://" + base.Host
	hc.Transport = &authTransport{base: inner, source: s.source, origin: origin}
	hc.CheckRedirect = keepWritesOnOrigin(origin, hc.CheckRedirect)

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
		observer:  s.observer,
		now:       time.Now,
		maxBody:   s.maxBody,
	}
	c.refresher, _ = s.source.(refresher)
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

// ErrRedirectRefused is returned when Capsule's answer to a write
// (anything but GET or HEAD) redirects it to another host: the body would be
// sent there, and that host's answer taken for Capsule's.
var ErrRedirectRefused = errors.New("capsule: refusing to follow a redirect of a write to another host")

// keepWritesOnOrigin returns a CheckRedirect that refuses to take a write
// off origin, then applies next (the caller's own check, or net/http's
// default limit of ten redirects).
func keepWritesOnOrigin(origin string, next func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		first := via[0]
		if first.Method != http.MethodGet && first.Method != http.MethodHead && req.URL.Scheme+"://"+req.URL.Host != origin {
			return fmt.Errorf("%w: %s to %s", ErrRedirectRefused, first.Method, req.URL.Redacted())
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
}

// tokenError is a failure to get an access token. A refused refresh is
// final (it matches ErrUnauthorized); an outage of the token endpoint is
// retried like any transport error.
type tokenError struct{ err error }

func (e *tokenError) Error() string { return "capsule: getting an access token: " + e.err.Error() }
func (e *tokenError) Unwrap() error { return e.err }

// Is makes a refused refresh match ErrUnauthorized.
func (e *tokenError) Is(target error) bool {
	return target == ErrUnauthorized && refusedForGood(e.err)
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
		return nil, &tokenError{err: err}
	}
	r := req.Clone(req.Context())
	r.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	return t.base.RoundTrip(r)
}

const redactedTransport = "capsule.authTransport{[redacted]}"

// String hides the token source.
func (t *authTransport) String() string { return redactedTransport }

// Format hides the token source whatever the verb, %#v included.
func (t *authTransport) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, redactedTransport) }
