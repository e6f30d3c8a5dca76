// Package capsuletest is an in-memory fake of the Capsule CRM v2 REST API for tests.
//
// It speaks the wire format documented for Capsule (JSON envelopes, Link headers,
// rate-limit headers, 422 validation bodies, OAuth token endpoint) without importing
// the SDK, so it is an independent check of a client's models.
//
//	srv := capsuletest.NewServer(capsuletest.WithSeed(100))
//	defer srv.Close()
//	// srv.BaseURL is srv.URL + "/api/v2"; srv.Token is a valid read+write token.
//
// Like Capsule it enforces who may do what: srv.Token is an account
// administrator's personal token, srv.AppToken the same administrator's
// token of an OAuth application (REST hooks need one, and an application
// sees only its own hooks), srv.UserToken a normal user's, refused 403
// with {"message": ...} on the administrators' operations (pipelines,
// boards, stages, lost reasons, titles, REST hooks). See access.go.
//
// Everything is kept in memory behind one mutex, so a Server is safe for concurrent
// use. Seed data is deterministic for a given seed. Each collection keeps, on every
// write, its ids in order, a (updatedAt, id) index for since and its search keys, so
// that a page costs what is on it, not the size of the store. See EXTENDING.md for
// how resources are added.
//
// # Faults
//
// FailNext, DropNextConnection, SetLatency and SetFaultRate (with SetFaultKinds:
// FaultServerError, FaultDropConnection, FaultLostAnswer) inject failures;
// LoseNextAnswer applies the next writes and closes the connection before their
// answer, the failure that makes a client that replays a create make a duplicate.
//
// # Driving the fake from any language
//
// Listen (what cmd/capsule-fake runs) serves on a fixed address. WithControl(token)
// adds a control API under /_fake/, which Capsule does not have, for tests that are
// not written in Go. Every call needs Authorization: Bearer <token> (else 401
// {"message": ...}); answers are JSON; control calls are not logged, faulted or
// rate-limited:
//
//	POST   /_fake/reset                  a freshly seeded store (tokens, faults, clock stay)
//	POST   /_fake/seed {"parties": n}    the same with n parties (or ?n=)
//	POST   /_fake/faults {"rate": 0.1, "seed": 1, "kinds": ["server-error",
//	       "drop-connection", "lost-answer"], "loseNextAnswer": n, "dropNext": n,
//	       "failNext": n, "failStatus": 503, "latency": "200ms"}
//	GET    /_fake/clock                  {"now": ...}
//	POST   /_fake/clock {"set": "2025-01-02T15:04:05Z"} or {"advance": "1h"}
//	GET    /_fake/requests               {"requests": [{method, path, query, status, time}]}
//	DELETE /_fake/requests
//	GET    /_fake/deliveries             {"deliveries": [{hookId, event, targetUrl, body,
//	       status, error, removed, ok, at}]}
//	DELETE /_fake/deliveries
//	POST   /_fake/state/save             writes the WithStateFile file (409 without one)
//
// For example, from a shell:
//
//	curl -X POST -H "Authorization: Bearer ctl" -d '{"loseNextAnswer":1}' http://127.0.0.1:8080/_fake/faults
//
// Save and Load write and read the whole store as JSON; WithStateFile loads it at
// start and SaveState writes it back, so a fake can keep its data between runs.
package capsuletest

import (
	"crypto/rand"
	"encoding/hex"
	"net"
	"net/http"
	"net/http/httptest"
	"time"
)

// APIPrefix is the path prefix of the REST API (the OAuth endpoints live outside it).
const APIPrefix = "/api/v2"

// Default OAuth client credentials accepted by the fake token endpoint.
const (
	DefaultClientID     = "capsuletest-client"
	DefaultClientSecret = "capsuletest-secret"
)

// DefaultTokenExpiry is the lifetime of OAuth access tokens (Capsule's expires_in).
const DefaultTokenExpiry = 604799 * time.Second

// Server is a running fake Capsule, built on httptest.Server.
type Server struct {
	*httptest.Server

	// BaseURL is URL + "/api/v2", the value to give an SDK client.
	BaseURL string
	// Token is a read+write personal access token of the current user, an
	// account administrator (CurrentUserID).
	Token string
	// AppToken is a read+write token of the same administrator, issued to
	// the OAuth application DefaultClientID: the token REST hooks need.
	AppToken string
	// UserToken is a read+write personal access token of a user who is not
	// an administrator (NormalUserID): admin-only operations refuse it 403.
	UserToken string

	f *fake
}

// NewServer starts a fake Capsule on a loopback port. Call Close when done.
// It panics when the WithStateFile file exists and cannot be loaded.
func NewServer(opts ...Option) *Server {
	f := newFake(opts...)
	s, err := start(f, httptest.NewUnstartedServer(f))
	if err != nil {
		panic(err)
	}
	return s
}

// Listen starts a fake Capsule listening on addr, e.g. "127.0.0.1:8080"
// (what cmd/capsule-fake runs). Call Close when done.
func Listen(addr string, opts ...Option) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	f := newFake(opts...)
	hs := httptest.NewUnstartedServer(f)
	_ = hs.Listener.Close()
	hs.Listener = ln
	s, err := start(f, hs)
	if err != nil {
		_ = ln.Close()
	}
	return s, err
}

// start loads the state file, if any, registers the application's and the
// normal user's tokens and starts hs.
func start(f *fake, hs *httptest.Server) (*Server, error) {
	if err := f.loadStateFile(); err != nil {
		_ = hs.Listener.Close()
		return nil, err
	}
	hs.Start()
	s := &Server{
		Server: hs, BaseURL: hs.URL + APIPrefix, Token: f.cfg.token, f: f,
		AppToken: f.cfg.appToken, UserToken: f.cfg.userToken,
	}
	f.addUserToken(s.AppToken, f.currentUser, f.cfg.clientID)
	f.addUserToken(s.UserToken, f.normalUser, "")
	return s, nil
}

// Handler returns the fake as an http.Handler, for a server of one's own
// (WithStateFile is not loaded: Listen and NewServer do that). The token
// of the current user (an administrator's personal token) is the one given by
// WithToken, or a random one when absent; use NewServer in tests to learn it. REST
// hooks need a token from the OAuth flow (/oauth/authorise, /oauth/token with
// DefaultClientID), as in Capsule.
func Handler(opts ...Option) http.Handler {
	return newFake(opts...)
}

// Option configures a fake server.
type Option func(*config)

type config struct {
	seed             int
	appToken         string
	userToken        string
	control          string // WithControl's token; "" leaves /_fake/ unserved
	stateFile        string
	requestLog       int
	clock            func() time.Time
	rateLimit        int
	rateWindow       time.Duration
	tokenExpiry      time.Duration
	perPageStatus    int
	tooManyIDsStatus int
	asyncDeletes     bool
	token            string
	maxBody          int64
	clientID         string
	clientSecret     string
}

func defaultConfig() config {
	return config{
		clock:            time.Now,
		rateLimit:        4000,
		rateWindow:       time.Hour,
		tokenExpiry:      DefaultTokenExpiry,
		perPageStatus:    http.StatusBadRequest,
		tooManyIDsStatus: http.StatusBadRequest,
		maxBody:          1 << 20,
		clientID:         DefaultClientID,
		clientSecret:     DefaultClientSecret,
		requestLog:       DefaultRequestLog,
		appToken:         "capsuletest-app-" + randomHex(16),
		userToken:        "capsuletest-user-" + randomHex(16),
	}
}

// DefaultRequestLog is how many requests the log keeps unless
// WithRequestLog says otherwise: far more than a test makes, a bound for a
// long-running fake.
const DefaultRequestLog = 10_000

// WithRequestLog sets how many of the latest requests the log
// (Server.Requests) keeps: n > 0 keeps the last n, n < 0 all of them (a test
// that makes more than DefaultRequestLog requests and reads them all), 0 none.
func WithRequestLog(n int) Option { return func(c *config) { c.requestLog = n } }

// WithSeed sets the size of the deterministic seed data: reference data (users,
// teams, pipelines, ...) is always present; n is the number of parties (and a
// proportional number of opportunities, projects and tasks) seeded by the
// record resources. The same n always gives the same data.
func WithSeed(n int) Option { return func(c *config) { c.seed = max(n, 0) } }

// WithClock replaces the server's clock (timestamps, the Date header of every reply,
// rate-limit windows, token expiry).
func WithClock(now func() time.Time) Option {
	return func(c *config) {
		if now != nil {
			c.clock = now
		}
	}
}

// WithRateLimit sets the per-token request budget per window (default 4000 per hour).
// A limit <= 0 disables the 429 answers but keeps the headers.
func WithRateLimit(limit int, window time.Duration) Option {
	return func(c *config) {
		c.rateLimit = limit
		if window > 0 {
			c.rateWindow = window
		}
	}
}

// WithTokenExpiry sets the lifetime of OAuth access tokens issued by /oauth/token
// (expires_in; default 604799 s).
func WithTokenExpiry(d time.Duration) Option { return func(c *config) { c.tokenExpiry = d } }

// WithPerPageOutOfRangeStatus sets the status answered for page/perPage values out
// of range (UNCONFIRMED in Capsule's docs; default 400).
func WithPerPageOutOfRangeStatus(code int) Option {
	return func(c *config) { c.perPageStatus = code }
}

// WithTooManyIDsStatus sets the status answered when a show-multiple call names
// more than 10 ids (UNCONFIRMED in Capsule's docs; default 400).
func WithTooManyIDsStatus(code int) Option { return func(c *config) { c.tooManyIDsStatus = code } }

// WithAsyncDeletes makes deletes of parties, tag definitions and field definitions
// answer 202 with a Location of a /jobs/{uuid} resource instead of 204.
func WithAsyncDeletes(on bool) Option { return func(c *config) { c.asyncDeletes = on } }

// WithToken fixes the value of the current user's read+write token (Server.Token).
func WithToken(token string) Option { return func(c *config) { c.token = token } }

// WithAppToken fixes the value of Server.AppToken (random by default).
func WithAppToken(token string) Option { return func(c *config) { c.appToken = token } }

// WithUserToken fixes the value of Server.UserToken (random by default).
func WithUserToken(token string) Option { return func(c *config) { c.userToken = token } }

// WithMaxBodyBytes sets the largest accepted JSON request body (default 1 MiB);
// larger bodies are answered 413.
func WithMaxBodyBytes(n int64) Option {
	return func(c *config) {
		if n > 0 {
			c.maxBody = n
		}
	}
}

// WithOAuthClient sets the OAuth client credentials the token endpoint accepts
// (default DefaultClientID / DefaultClientSecret).
func WithOAuthClient(id, secret string) Option {
	return func(c *config) { c.clientID, c.clientSecret = id, secret }
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// AddToken registers a bearer token of the current user; a read-only token is
// refused (403) on writes.
func (s *Server) AddToken(token string, readOnly bool) { s.f.addToken(token, readOnly) }

// ExpireToken makes a token (access or refresh) invalid from now on.
func (s *Server) ExpireToken(token string) { s.f.expireToken(token) }

// FailNext makes the next n requests (API or OAuth) fail with status and a JSON
// body, before they reach the store or the rate limiter.
func (s *Server) FailNext(n, status int) { s.f.failNext(n, status) }

// SetLatency delays every following request by d (0 turns it off).
func (s *Server) SetLatency(d time.Duration) { s.f.setLatency(d) }

// DropNextConnection makes the next n requests end with the connection closed in
// the middle of a 200 response (headers and part of the body sent).
func (s *Server) DropNextConnection(n int) { s.f.dropNext(n) }

// SetFaultRate makes a random fraction (0..1) of the following requests fail,
// chosen by an RNG seeded with seed (so a run is repeatable): with 503
// unless SetFaultKinds chose other kinds.
func (s *Server) SetFaultRate(fraction float64, seed uint64) { s.f.setFaultRate(fraction, seed) }

// SetFaultKinds sets the kinds the random faults of SetFaultRate are drawn
// from, each as likely (none: FaultServerError only). FaultLostAnswer
// drawn for a read serves it and closes the connection, like for a write.
func (s *Server) SetFaultKinds(kinds ...FaultKind) { s.f.setFaultKinds(kinds) }

// LoseNextAnswer makes the next n writes (API requests other than GET,
// HEAD and the read-only POSTs such as filters) be applied, then end with
// the connection closed before any answer: the client sees a transport
// error although the store changed. They are logged with Status 0.
func (s *Server) LoseNextAnswer(n int) { s.f.loseNext(n) }

// Requests returns a copy of the request log, oldest first.
func (s *Server) Requests() []LoggedRequest { return s.f.requests() }

// ResetRequests empties the request log.
func (s *Server) ResetRequests() { s.f.resetRequests() }

// RefreshCount reports how many refresh_token grants the token endpoint served.
func (s *Server) RefreshCount() int { return s.f.refreshCount() }

// SetNow freezes the server clock at t (Advance moves it on).
func (s *Server) SetNow(t time.Time) { s.f.setNow(t) }

// Advance moves the server clock forward by d.
func (s *Server) Advance(d time.Duration) { s.f.advance(d) }

// Now returns the server clock's current time.
func (s *Server) Now() time.Time { return s.f.now() }

// CurrentUserID returns the id of the administrator who owns Server.Token
// and Server.AppToken.
func (s *Server) CurrentUserID() int64 { return s.f.currentUser }
