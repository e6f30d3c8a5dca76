package capsuletest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// REST hook deliveries (capsule-api-rest.md §9.5). Record handlers call
// f.emit(event, rec) with the store lock held; emit renders the payload of every
// hook subscribed to the event at once and queues it. One goroutine per server
// POSTs the queue in order, outside the store lock:
//
//	{"event":"party/created","payload":[{...same JSON as GET /parties/{id}...}]}
//
// A 410 Gone answer unsubscribes the hook; every attempt (and every event that
// could not be queued) is recorded in the delivery log (Server.Deliveries).
// Failed deliveries are not retried.

// hookQueueSize bounds the deliveries waiting to be sent; events beyond it are
// logged as dropped.
const hookQueueSize = 256

// hookTimeout is the default client's timeout per delivery.
const hookTimeout = 5 * time.Second

// hookUserAgent is the User-Agent of deliveries (Capsule's own is UNCONFIRMED).
const hookUserAgent = "capsuletest-resthooks/1"

// Delivery is one attempt to deliver a REST hook event, as recorded in the
// delivery log (Server.Deliveries).
type Delivery struct {
	HookID    int64     // id of the subscribed hook
	Event     string    // e.g. "party/created"
	TargetURL string    // the hook's targetUrl
	Body      []byte    // JSON sent: {"event":...,"payload":[...]}
	Status    int       // receiver's HTTP status; 0 when there was no answer
	Err       string    // transport error, or why nothing was sent; "" otherwise
	Removed   bool      // the receiver answered 410 Gone and the hook was removed
	At        time.Time // when the attempt finished (server clock)
}

// OK reports whether the receiver accepted the delivery (a 2xx answer).
func (d Delivery) OK() bool { return d.Err == "" && d.Status >= 200 && d.Status < 300 }

type deliveryJob struct {
	hookID int64
	event  string
	url    string
	body   []byte
}

// deliveryState is the delivery queue and log of one server. It has its own
// lock; the order is f.mu before hooks.mu, never the reverse.
type deliveryState struct {
	mu      sync.Mutex
	started bool
	closed  bool
	queue   chan deliveryJob
	pending int // queued or being sent
	log     []Delivery
	client  *http.Client
	cancel  context.CancelFunc
	done    chan struct{}
}

// hookRenderers render a record of an entity ("party", "task", ...) for a hook
// payload; the call carries the hook's embed. Entities without one are sent
// as view(rec).
var hookRenderers = map[string]func(c *call, rec record) any{}

// registerHookRender sets how records of entity (the part of an event name
// before the slash) are rendered in hook payloads. Call from init.
func registerHookRender(entity string, fn func(c *call, rec record) any) {
	hookRenderers[entity] = fn
}

// hookEntityColl maps the entity of an event name to its collection.
var hookEntityColl = map[string]string{
	"party": "parties", "opportunity": "opportunities", "kase": "kases", "task": "tasks", "user": "users",
}

// emit queues a delivery of event (one of restHookEvents) about rec to every
// hook subscribed to it. It runs with f.mu held (from handlers) and never blocks.
func (f *fake) emit(event string, rec record) {
	hooks := f.coll("restHooks")
	if hooks == nil || rec == nil {
		return
	}
	entity, _, _ := strings.Cut(event, "/")
	for _, h := range hooks.all() {
		if h["event"] != event {
			continue
		}
		target, _ := h["targetUrl"].(string)
		embed, _ := h["embed"].(string)
		payload := f.renderForHook(entity, rec, embed)
		body, err := json.Marshal(map[string]any{"event": event, "payload": []any{payload}})
		job := deliveryJob{hookID: h["id"].(int64), event: event, url: target, body: body}
		if err != nil {
			f.hooks.record(job, 0, "encoding payload: "+err.Error(), false, f.nowLocked())
			continue
		}
		f.hooks.enqueue(f, job)
	}
}

// emitUpdate emits <entity>/updated for a record changed from old to rec, and
// opportunity/moved and /closed (milestone changed, to a closing one) or
// kase/moved and /closed (stage changed, status to CLOSED).
func (f *fake) emitUpdate(entity string, old, rec record) {
	f.emit(entity+"/updated", rec)
	switch entity {
	case "opportunity":
		if refOf(old, "milestone") != refOf(rec, "milestone") {
			f.emit("opportunity/moved", rec)
			if !milestoneClosed(f, refOf(old, "milestone")) && milestoneClosed(f, refOf(rec, "milestone")) {
				f.emit("opportunity/closed", rec)
			}
		}
	case "kase":
		if refOf(old, "stage") != refOf(rec, "stage") {
			f.emit("kase/moved", rec)
		}
		if old["status"] != "CLOSED" && rec["status"] == "CLOSED" {
			f.emit("kase/closed", rec)
		}
	}
}

// renderForHook renders rec as GET /{coll}/{id}?embed=<embed> would.
func (f *fake) renderForHook(entity string, rec record, embed string) any {
	render := hookRenderers[entity]
	if render == nil {
		return view(rec)
	}
	id := itoa(rec["id"])
	q := url.Values{}
	if embed != "" {
		q.Set("embed", embed)
	}
	r := &http.Request{
		Method: http.MethodGet, Host: "api.capsulecrm.com", Header: http.Header{},
		URL: &url.URL{Path: APIPrefix + "/" + hookEntityColl[entity] + "/" + id, RawQuery: q.Encode()},
	}
	c := &call{f: f, r: r, params: map[string]string{"id": id}, tok: &token{user: f.currentUser, scope: "read write"},
		user: f.currentUser, query: q, now: f.nowLocked().UTC().Truncate(time.Second)}
	return render(c, rec)
}

func (d *deliveryState) enqueue(f *fake, j deliveryJob) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		d.log = append(d.log, Delivery{HookID: j.hookID, Event: j.event, TargetURL: j.url, Body: j.body,
			Err: "server closed", At: f.nowLocked()})
		return
	}
	if !d.started {
		d.started = true
		d.queue = make(chan deliveryJob, hookQueueSize)
		d.done = make(chan struct{})
		ctx, cancel := context.WithCancel(context.Background())
		d.cancel = cancel
		go f.deliverLoop(ctx, d.queue, d.done)
	}
	select {
	case d.queue <- j:
		d.pending++
	default:
		d.log = append(d.log, Delivery{HookID: j.hookID, Event: j.event, TargetURL: j.url, Body: j.body,
			Err: "delivery queue full", At: f.nowLocked()})
	}
}

func (d *deliveryState) record(j deliveryJob, status int, errMsg string, removed bool, at time.Time) {
	d.mu.Lock()
	d.log = append(d.log, Delivery{HookID: j.hookID, Event: j.event, TargetURL: j.url, Body: j.body,
		Status: status, Err: errMsg, Removed: removed, At: at})
	d.mu.Unlock()
}

func (f *fake) deliverLoop(ctx context.Context, queue <-chan deliveryJob, done chan<- struct{}) {
	defer close(done)
	for {
		select {
		case <-ctx.Done():
			return
		case j := <-queue:
			f.deliver(ctx, j)
			f.hooks.mu.Lock()
			f.hooks.pending--
			f.hooks.mu.Unlock()
		}
	}
}

// deliver POSTs one job (no store lock held while sending).
func (f *fake) deliver(ctx context.Context, j deliveryJob) {
	f.mu.Lock()
	_, live := f.coll("restHooks").get(j.hookID)
	f.mu.Unlock()
	if !live {
		f.hooks.record(j, 0, "hook unsubscribed before delivery", false, f.now())
		return
	}
	f.hooks.mu.Lock()
	client := f.hooks.client
	f.hooks.mu.Unlock()
	if client == nil {
		client = defaultHookClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, j.url, bytes.NewReader(j.body))
	if err != nil {
		f.hooks.record(j, 0, err.Error(), false, f.now())
		return
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", hookUserAgent)
	res, err := client.Do(req)
	if err != nil {
		f.hooks.record(j, 0, err.Error(), false, f.now())
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 1<<20))
	res.Body.Close()
	removed := false
	if res.StatusCode == http.StatusGone {
		f.mu.Lock()
		removed = f.remove(f.coll("restHooks"), j.hookID, f.nowLocked())
		f.mu.Unlock()
	}
	f.hooks.record(j, res.StatusCode, "", removed, f.now())
}

// stop ends the delivery goroutine (in-flight deliveries are cancelled and
// queued ones dropped) and waits for it.
func (d *deliveryState) stop() {
	d.mu.Lock()
	d.closed = true
	cancel, done := d.cancel, d.done
	d.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
	d.mu.Lock()
	d.pending = 0
	d.mu.Unlock()
}

// defaultHookClient delivers to loopback addresses only, so a fake never
// reaches the network; Server.SetHookClient replaces it.
var defaultHookClient = &http.Client{
	Timeout: hookTimeout,
	Transport: &http.Transport{
		Proxy:       nil,
		DialContext: dialLoopback,
	},
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

func dialLoopback(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	if strings.EqualFold(host, "localhost") {
		host = "127.0.0.1"
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("capsuletest: hook target %s is not a loopback address (use Server.SetHookClient to allow it)", addr)
	}
	var dl net.Dialer
	return dl.DialContext(ctx, network, net.JoinHostPort(ip.String(), port))
}

// Deliveries returns a copy of the REST hook delivery log, oldest first: one
// entry per attempt to POST an event to a hook's targetUrl.
func (s *Server) Deliveries() []Delivery { return s.f.deliveries() }

// ResetDeliveries empties the delivery log.
func (s *Server) ResetDeliveries() { s.f.setDeliveries(nil) }

// deliveries copies the delivery log (Server.Deliveries, the control API, Save).
func (f *fake) deliveries() []Delivery {
	f.hooks.mu.Lock()
	defer f.hooks.mu.Unlock()
	out := make([]Delivery, len(f.hooks.log))
	copy(out, f.hooks.log)
	return out
}

// setDeliveries replaces the delivery log (nil empties it; Load puts the saved one).
func (f *fake) setDeliveries(log []Delivery) {
	f.hooks.mu.Lock()
	f.hooks.log = log
	f.hooks.mu.Unlock()
}

// WaitDeliveries waits until every queued REST hook delivery has been
// attempted, or timeout passes; it reports whether the queue drained.
func (s *Server) WaitDeliveries(timeout time.Duration) bool {
	d := &s.f.hooks
	deadline := time.Now().Add(timeout)
	for {
		d.mu.Lock()
		n := d.pending
		d.mu.Unlock()
		if n == 0 {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// SetHookClient sets the HTTP client used to deliver REST hook events (nil
// restores the default, which only connects to loopback addresses and times out
// after 5 seconds).
func (s *Server) SetHookClient(c *http.Client) {
	d := &s.f.hooks
	d.mu.Lock()
	d.client = c
	d.mu.Unlock()
}

// Close stops REST hook deliveries, then shuts the server down.
func (s *Server) Close() {
	s.f.hooks.stop()
	s.Server.Close()
}
