package capsuletest

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// LoggedRequest is one entry of the request log.
type LoggedRequest struct {
	Method string
	Path   string // URL path, e.g. /api/v2/parties/1
	Query  string // raw query string
	Header http.Header
	Body   []byte    // request body (first 64 KiB)
	Status int       // status answered; 0 when the connection was dropped
	Time   time.Time // the server clock when the answer (or the drop) began
}

type token struct {
	user      int64
	readOnly  bool
	expiresAt time.Time // zero: never
	scope     string
	clientID  string // the OAuth application it was issued to; "" for a personal token (access.go)
}

type bucket struct {
	used  int
	reset time.Time
}

// fake is the server state. mu guards every field below it.
type fake struct {
	cfg    config
	routes []*route // API routes, immutable after newFake
	oauth  []*route // OAuth routes, immutable after newFake

	mu          sync.Mutex
	colls       map[string]*collection
	singletons  map[string]record
	tokens      map[string]*token
	buckets     map[string]*bucket
	currentUser int64
	normalUser  int64 // a user who is not an administrator (access.go)

	manualNow  time.Time
	manual     bool
	clockShift time.Duration

	failN, failStatus int
	dropN             int
	latency           time.Duration
	loseN             int
	faultRate         float64
	faultRNG          *rand.Rand
	faultKinds        []FaultKind // what a random fault is; empty: FaultServerError

	log requestLog

	nestedSeq int64             // ids of nested collection items (addresses, ...)
	jobs      map[string]record // GET /jobs/{uuid}

	oauthState

	hooks deliveryState // REST hook deliveries (deliveries.go); has its own lock
}

// resource registration (see EXTENDING.md) --------------------------------------

var registrations []func(f *fake)

// registerResource adds a function, called once per server, that registers
// routes (f.handle) for one resource. Call it from an init function.
func registerResource(fn func(f *fake)) { registrations = append(registrations, fn) }

func newFake(opts ...Option) *fake {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.token == "" {
		cfg.token = "capsuletest-" + randomHex(16)
	}
	return newFakeConfig(cfg)
}

// newFakeConfig builds and seeds a fake for cfg.
func newFakeConfig(cfg config) *fake {
	f := &fake{
		cfg:        cfg,
		colls:      map[string]*collection{},
		singletons: map[string]record{},
		tokens:     map[string]*token{},
		buckets:    map[string]*bucket{},
		jobs:       map[string]record{},
		nestedSeq:  500000000,
		log:        requestLog{max: cfg.requestLog},
	}
	f.oauthState.init()
	for _, reg := range registrations {
		reg(f)
	}
	f.registerOAuth()
	f.mu.Lock()
	f.runSeeders()
	f.tokens[cfg.token] = &token{user: f.currentUser, scope: "read write"}
	f.mu.Unlock()
	return f
}

// clock ------------------------------------------------------------------------

func (f *fake) now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.nowLocked()
}

func (f *fake) nowLocked() time.Time {
	if f.manual {
		return f.manualNow
	}
	return f.cfg.clock().Add(f.clockShift)
}

func (f *fake) setNow(t time.Time) {
	f.mu.Lock()
	f.manual, f.manualNow = true, t
	f.mu.Unlock()
}

func (f *fake) advance(d time.Duration) {
	f.mu.Lock()
	if f.manual {
		f.manualNow = f.manualNow.Add(d)
	} else {
		f.clockShift += d
	}
	f.mu.Unlock()
}

// test controls -----------------------------------------------------------------

func (f *fake) addToken(tok string, readOnly bool) {
	f.mu.Lock()
	scope := "read write"
	if readOnly {
		scope = "read"
	}
	f.tokens[tok] = &token{user: f.currentUser, readOnly: readOnly, scope: scope}
	f.mu.Unlock()
}

func (f *fake) expireToken(tok string) {
	f.mu.Lock()
	if t, ok := f.tokens[tok]; ok {
		t.expiresAt = f.nowLocked().Add(-time.Second)
	}
	delete(f.refreshTokens, tok)
	f.mu.Unlock()
}

func (f *fake) failNext(n, status int) {
	f.mu.Lock()
	f.failN, f.failStatus = n, status
	f.mu.Unlock()
}

func (f *fake) setLatency(d time.Duration) {
	f.mu.Lock()
	f.latency = d
	f.mu.Unlock()
}

func (f *fake) dropNext(n int) {
	f.mu.Lock()
	f.dropN = n
	f.mu.Unlock()
}

func (f *fake) setFaultRate(fraction float64, seed uint64) {
	f.mu.Lock()
	f.faultRate = fraction
	f.faultRNG = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	f.mu.Unlock()
}

func (f *fake) loseNext(n int) {
	f.mu.Lock()
	f.loseN = n
	f.mu.Unlock()
}

func (f *fake) setFaultKinds(kinds []FaultKind) {
	f.mu.Lock()
	f.faultKinds = slices.Clone(kinds)
	f.mu.Unlock()
}

// FaultKind is a kind of injected failure, for SetFaultKinds.
type FaultKind int

const (
	// FaultServerError answers 503 {"message": ...} without serving the request.
	FaultServerError FaultKind = iota + 1
	// FaultDropConnection closes the connection in the middle of a 200
	// answer, without serving the request.
	FaultDropConnection
	// FaultLostAnswer serves the request (a write is applied), then closes
	// the connection without answering: the failure that makes a client that
	// replays a create make a duplicate.
	FaultLostAnswer
)

// faultKindNames are the names of the fault kinds (capsule-fake's
// -fault-kinds, the control API).
var faultKindNames = map[FaultKind]string{
	FaultServerError: "server-error", FaultDropConnection: "drop-connection", FaultLostAnswer: "lost-answer",
}

// String is the kind's name: server-error, drop-connection or lost-answer.
func (k FaultKind) String() string {
	if n, ok := faultKindNames[k]; ok {
		return n
	}
	return "FaultKind(" + strconv.Itoa(int(k)) + ")"
}

// ParseFaultKind reads a fault kind's name (see FaultKind.String).
func ParseFaultKind(name string) (FaultKind, error) {
	for k, n := range faultKindNames {
		if n == name {
			return k, nil
		}
	}
	return 0, fmt.Errorf("capsuletest: unknown fault kind %q (want server-error, drop-connection or lost-answer)", name)
}

func (f *fake) requests() []LoggedRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.log.list()
}

func (f *fake) resetRequests() {
	f.mu.Lock()
	f.log.reset()
	f.mu.Unlock()
}

// requestLog keeps the last max requests in a ring (max < 0: all of them;
// 0: none), so a long-running fake does not grow with its traffic.
type requestLog struct {
	max   int
	items []LoggedRequest // a ring once len(items) == max
	next  int             // where the next entry goes once full
}

func (l *requestLog) add(r LoggedRequest) {
	switch {
	case l.max == 0:
	case l.max < 0 || len(l.items) < l.max:
		l.items = append(l.items, r)
	default:
		l.items[l.next] = r
		l.next = (l.next + 1) % l.max
	}
}

// list returns the entries, oldest first.
func (l *requestLog) list() []LoggedRequest {
	out := make([]LoggedRequest, 0, len(l.items))
	out = append(out, l.items[l.next:]...)
	return append(out, l.items[:l.next]...)
}

func (l *requestLog) reset() { l.items, l.next = nil, 0 }

// serving ----------------------------------------------------------------------

// statusWriter records the status and calls onStatus with it before the
// header goes out, so the request is in the log before the client can see
// the response.
type statusWriter struct {
	http.ResponseWriter
	status   int
	onStatus func(status int)
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
		if w.onStatus != nil {
			w.onStatus(code)
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

type captureBody struct {
	io.ReadCloser
	buf bytes.Buffer
}

func (c *captureBody) Read(p []byte) (int, error) {
	n, err := c.ReadCloser.Read(p)
	if room := 64<<10 - c.buf.Len(); room > 0 && n > 0 {
		c.buf.Write(p[:min(n, room)])
	}
	return n, err
}

type fault int

const (
	faultNone fault = iota
	faultFail
	faultDrop
	faultLost
)

// ServeHTTP logs the request, applies injected faults, then serves OAuth or API.
func (f *fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.cfg.control != "" && strings.HasPrefix(r.URL.Path, controlPrefix) {
		f.serveControl(w, r) // not logged, never faulty, no budget
		return
	}
	cb := &captureBody{ReadCloser: r.Body}
	r.Body = cb
	logged := false
	logRequest := func(status int) {
		if logged {
			return
		}
		logged = true
		f.mu.Lock()
		f.log.add(LoggedRequest{
			Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
			Header: r.Header.Clone(), Body: bytes.Clone(cb.buf.Bytes()), Status: status,
			Time: f.nowLocked(),
		})
		f.mu.Unlock()
	}
	sw := &statusWriter{ResponseWriter: w, onStatus: logRequest}

	f.mu.Lock()
	latency := f.latency
	kind, failStatus := faultNone, 0
	switch {
	case f.failN > 0:
		f.failN--
		kind, failStatus = faultFail, f.failStatus
	case f.dropN > 0:
		f.dropN--
		kind = faultDrop
	case f.loseN > 0 && f.isWrite(r):
		f.loseN--
		kind = faultLost
	case f.faultRate > 0 && f.faultRNG != nil && f.faultRNG.Float64() < f.faultRate:
		kind, failStatus = faultFail, http.StatusServiceUnavailable
		if len(f.faultKinds) > 0 { // a draw only then: a seed gives the same run as before kinds
			switch f.faultKinds[f.faultRNG.IntN(len(f.faultKinds))] {
			case FaultDropConnection:
				kind = faultDrop
			case FaultLostAnswer:
				kind = faultLost
			}
		}
	}
	f.mu.Unlock()

	if latency > 0 {
		t := time.NewTimer(latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
		}
	}

	// The Date header comes from the fake's clock, not the machine's, so a
	// client that takes the server's time from it (an incremental sync's
	// cursor) sees SetNow and Advance; net/http keeps a Date that is set.
	w.Header().Set("Date", f.now().UTC().Format(http.TimeFormat))

	if kind != faultNone && kind != faultLost {
		// a fault answers without reading the body; read it for the log
		_, _ = io.Copy(io.Discard, io.LimitReader(cb, 64<<10))
	}
	switch kind {
	case faultFail:
		b := map[string]any{"message": http.StatusText(failStatus)}
		if failStatus == http.StatusTooManyRequests {
			b = map[string]any{"error": "rate limit reached"}
		}
		jsonReply(failStatus, b).write(sw)
	case faultDrop:
		logRequest(0)
		f.drop(w)
	case faultLost:
		f.serve(&lostWriter{header: http.Header{}}, r) // applied; the answer goes nowhere
		logRequest(0)
		abort(w)
	default:
		f.serve(sw, r)
	}

	logRequest(sw.status) // a handler that wrote nothing
}

func (f *fake) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == APIPrefix || strings.HasPrefix(r.URL.Path, APIPrefix+"/") {
		f.serveAPI(w, r)
	} else {
		f.serveOAuth(w, r)
	}
}

// isWrite reports whether r is an API request that may change the store:
// not a GET or HEAD, nor a read sent as POST (filters). f.mu is held.
func (f *fake) isWrite(r *http.Request) bool {
	if r.Method == http.MethodGet || r.Method == http.MethodHead || !strings.HasPrefix(r.URL.Path, APIPrefix+"/") {
		return false
	}
	rt, _, _ := match(f.routes, r.Method, strings.TrimPrefix(r.URL.Path, APIPrefix))
	return rt == nil || !rt.read
}

// lostWriter takes a reply that is never sent (FaultLostAnswer).
type lostWriter struct{ header http.Header }

func (w *lostWriter) Header() http.Header         { return w.header }
func (w *lostWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *lostWriter) WriteHeader(int)             {}

// abort closes the connection without a byte of answer.
func abort(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler) // aborts the response without logging a stack
}

// drop sends a 200 header and part of a body, then closes the connection.
func (f *fake) drop(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler) // aborts the response without logging a stack
	}
	conn, buf, err := hj.Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	_, _ = buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 4096\r\n\r\n{\"message\":\"trunc")
	_ = buf.Flush()
}

func (f *fake) serveAPI(w http.ResponseWriter, r *http.Request) {
	tokStr, hasAuth := bearer(r)
	f.mu.Lock()
	now := f.nowLocked()
	limited, rateHdr := f.rateLocked(tokStr, now)
	tok := f.tokens[tokStr]
	f.mu.Unlock()
	for k, v := range rateHdr {
		w.Header()[k] = v
	}
	if limited {
		jsonReply(http.StatusTooManyRequests, map[string]any{"error": "rate limit reached"}).write(w)
		return
	}
	switch {
	case !hasAuth:
		w.Header().Set("WWW-Authenticate", `Bearer realm="Capsule"`)
		errReply(http.StatusUnauthorized, "Authentication required: send Authorization: Bearer <token>").write(w)
		return
	case tok == nil || (!tok.expiresAt.IsZero() && !now.Before(tok.expiresAt)):
		w.Header().Set("WWW-Authenticate", `Bearer realm="Capsule", error="invalid_token", error_description="The access token is invalid or has expired"`)
		errReply(http.StatusUnauthorized, "The access token is invalid or has expired").write(w)
		return
	}

	rt, params, status := match(f.routes, r.Method, strings.TrimPrefix(r.URL.Path, APIPrefix))
	if rt == nil {
		if status == http.StatusMethodNotAllowed {
			errReply(status, "Method not allowed").write(w)
		} else {
			notFound().write(w)
		}
		return
	}
	if tok.readOnly && r.Method != http.MethodGet && r.Method != http.MethodHead && !rt.read {
		w.Header().Set("WWW-Authenticate", `Bearer realm="Capsule", error="insufficient_scope", scope="write"`)
		errReply(http.StatusForbidden, "This token does not have the write scope").write(w)
		return
	}
	c := &call{f: f, r: r, params: params, tok: tok, token: tokStr, user: tok.user, query: r.URL.Query()}
	f.run(w, rt, c)
}

func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	if len(h) < 7 || !strings.EqualFold(h[:7], "bearer ") {
		return "", false
	}
	t := strings.TrimSpace(h[7:])
	return t, t != ""
}

// rateLocked counts one request against the presented token's budget and returns
// whether it is over budget, plus the three X-RateLimit headers.
func (f *fake) rateLocked(key string, now time.Time) (bool, http.Header) {
	b := f.buckets[key]
	if b == nil || !now.Before(b.reset) {
		b = &bucket{reset: now.Truncate(time.Second).Add(f.cfg.rateWindow)}
		f.buckets[key] = b
	}
	limited := f.cfg.rateLimit > 0 && b.used >= f.cfg.rateLimit
	if !limited {
		b.used++
	}
	remaining := max(f.cfg.rateLimit-b.used, 0)
	if limited {
		remaining = 0
	}
	h := http.Header{}
	h.Set("X-RateLimit-Limit", strconv.Itoa(max(f.cfg.rateLimit, 0)))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(b.reset.Unix(), 10))
	return limited, h
}

// run reads the request body within the route's cap, runs the handler
// under the store lock with the request's time, and writes its reply.
func (f *fake) run(w http.ResponseWriter, rt *route, c *call) {
	if rep := c.readBody(rt.maxBody); rep != nil {
		rep.write(w)
		return
	}
	f.mu.Lock()
	c.now = f.nowLocked().UTC().Truncate(time.Second)
	rep := rt.h(c)
	f.mu.Unlock()
	if rep == nil {
		rep = errReply(http.StatusInternalServerError, "handler returned no reply")
	}
	rep.write(w)
}
