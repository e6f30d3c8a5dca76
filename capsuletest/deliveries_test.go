package capsuletest_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/capsulecrm-go/capsule/capsuletest"
)

// hookReceiver is a local endpoint that records what the fake POSTs to it.
type hookReceiver struct {
	*httptest.Server
	status atomic.Int32 // answer; 0 means 200
	mu     sync.Mutex
	got    []receivedHook
}

type receivedHook struct {
	method, path, contentType string
	body                      map[string]any
}

func newReceiver(t *testing.T) *hookReceiver {
	t.Helper()
	h := &hookReceiver{}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var body map[string]any
		if err := json.Unmarshal(b, &body); err != nil {
			t.Errorf("hook body is not JSON: %s", b)
		}
		h.mu.Lock()
		h.got = append(h.got, receivedHook{r.Method, r.URL.Path, r.Header.Get("Content-Type"), body})
		h.mu.Unlock()
		if s := h.status.Load(); s != 0 {
			w.WriteHeader(int(s))
		}
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *hookReceiver) received() []receivedHook {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]receivedHook(nil), h.got...)
}

// subscribe adds a hook for event to the receiver's path and returns its id.
func subscribe(t *testing.T, srv *capsuletest.Server, event, target, embed string) int64 {
	t.Helper()
	body := map[string]any{"restHook": map[string]any{"event": event, "targetUrl": target, "embed": embed}}
	return id(t, req(t, srv, "POST", "/resthooks", srv.AppToken, body).want(t, 201).obj(t, "restHook"))
}

func waitDeliveries(t *testing.T, srv *capsuletest.Server) {
	t.Helper()
	if !srv.WaitDeliveries(5 * time.Second) {
		t.Fatal("deliveries did not drain")
	}
}

func TestHookDeliveryTaskEvents(t *testing.T) {
	srv := newServer(t)
	rcv := newReceiver(t)
	created := subscribe(t, srv, "task/created", rcv.URL+"/created", "")
	subscribe(t, srv, "task/updated", rcv.URL+"/updated", "")
	subscribe(t, srv, "task/completed", rcv.URL+"/completed", "owner")
	subscribe(t, srv, "party/created", rcv.URL+"/party", "")

	task := req(t, srv, "POST", "/tasks", srv.Token, `{"task":{"description":"Hooked","dueOn":"2025-05-20"}}`).want(t, 201).obj(t, "task")
	path := fmt.Sprintf("/tasks/%d", id(t, task))
	req(t, srv, "PUT", path, srv.Token, `{"task":{"detail":"more"}}`).want(t, 200)
	req(t, srv, "PUT", path, srv.Token, `{"task":{"status":"COMPLETED"}}`).want(t, 200)
	req(t, srv, "PUT", path, srv.Token, `{"task":{"status":"COMPLETED"}}`).want(t, 200) // already completed: a no-op, no event
	waitDeliveries(t, srv)

	got := rcv.received()
	var paths []string
	for _, h := range got {
		paths = append(paths, h.path)
		if h.method != "POST" || h.contentType != "application/json" {
			t.Errorf("delivery %s %s %q", h.method, h.path, h.contentType)
		}
		ev := strings.TrimPrefix(h.path, "/")
		if h.body["event"] != "task/"+ev {
			t.Errorf("%s: event %v", h.path, h.body["event"])
		}
		payload, _ := h.body["payload"].([]any)
		if len(payload) != 1 || len(h.body) != 2 {
			t.Fatalf("%s: body %v", h.path, h.body)
		}
	}
	if want := []string{"/created", "/updated", "/updated", "/completed"}; !reflect.DeepEqual(paths, want) {
		t.Errorf("deliveries %v, want %v", paths, want)
	}
	// The payload is the task as GET /tasks/{id} shows it (at the time of the event).
	if p := got[0].body["payload"].([]any)[0]; !reflect.DeepEqual(p, task) {
		t.Errorf("created payload %v\nwant %v", p, task)
	}
	// The hook's embed applies to the payload.
	completed := got[3].body["payload"].([]any)[0].(map[string]any)
	if completed["status"] != "COMPLETED" || completed["owner"].(map[string]any)["locale"] == nil {
		t.Errorf("completed payload %v", completed)
	}
	log := srv.Deliveries()
	if len(log) != 4 {
		t.Fatalf("%d log entries", len(log))
	}
	if d := log[0]; d.HookID != created || d.Event != "task/created" || d.TargetURL != rcv.URL+"/created" || !d.OK() || d.Status != 200 || d.Removed ||
		!strings.Contains(string(d.Body), `"event":"task/created"`) || d.At.IsZero() {
		t.Errorf("log entry %+v", d)
	}
	srv.ResetDeliveries()
	if len(srv.Deliveries()) != 0 {
		t.Error("ResetDeliveries kept entries")
	}
}

func TestHookDeliveryGoneAndFailures(t *testing.T) {
	srv := newServer(t)
	gone, failing := newReceiver(t), newReceiver(t)
	gone.status.Store(http.StatusGone)
	failing.status.Store(http.StatusInternalServerError)
	goneID := subscribe(t, srv, "task/created", gone.URL, "")
	failID := subscribe(t, srv, "task/created", failing.URL, "")
	external := subscribe(t, srv, "task/created", "https://hooks.example/capsule", "")

	mk := func() {
		req(t, srv, "POST", "/tasks", srv.Token, `{"task":{"description":"x","dueOn":"2025-05-20"}}`).want(t, 201)
	}
	mk()
	waitDeliveries(t, srv)
	byHook := map[int64]capsuletest.Delivery{}
	for _, d := range srv.Deliveries() {
		byHook[d.HookID] = d
	}
	if d := byHook[goneID]; d.Status != 410 || !d.Removed || d.OK() {
		t.Errorf("410 delivery %+v", d)
	}
	if d := byHook[failID]; d.Status != 500 || d.Removed || d.OK() || d.Err != "" {
		t.Errorf("500 delivery %+v", d)
	}
	if d := byHook[external]; d.Status != 0 || !strings.Contains(d.Err, "loopback") || d.OK() {
		t.Errorf("external delivery %+v", d)
	}
	// 410 unsubscribed the hook; the failing one stays.
	get(t, srv, fmt.Sprintf("/resthooks/%d", goneID)).want(t, 404)
	get(t, srv, fmt.Sprintf("/resthooks/%d", failID)).want(t, 200)
	mk()
	waitDeliveries(t, srv)
	if n := len(gone.received()); n != 1 {
		t.Errorf("gone receiver got %d deliveries", n)
	}
	if n := len(failing.received()); n != 2 {
		t.Errorf("failing receiver got %d deliveries (no retries expected)", n)
	}
	// Unsubscribing stops deliveries at once.
	req(t, srv, "DELETE", fmt.Sprintf("/resthooks/%d", failID), srv.AppToken, nil).want(t, 204)
	mk()
	waitDeliveries(t, srv)
	if n := len(failing.received()); n != 2 {
		t.Errorf("unsubscribed receiver got %d deliveries", n)
	}
}

func TestHookDeliveryQueueAndClose(t *testing.T) {
	srv := capsuletest.NewServer()
	release := make(chan struct{})
	var calls atomic.Int32
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer rcv.Close()
	defer close(release)
	subscribe(t, srv, "task/created", rcv.URL, "")
	for range 300 {
		req(t, srv, "POST", "/tasks", srv.Token, `{"task":{"description":"x","dueOn":"2025-05-20"}}`).want(t, 201)
	}
	full := 0
	for _, d := range srv.Deliveries() {
		if d.Err == "delivery queue full" {
			full++
		}
	}
	if full < 300-256-1 || full > 300-256 {
		t.Errorf("%d events dropped as queue full", full)
	}
	if srv.WaitDeliveries(10 * time.Millisecond) {
		t.Error("queue drained while the receiver blocks")
	}
	// Close does not wait for the blocked receiver.
	start := time.Now()
	srv.Close()
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Close took %v", d)
	}
	if calls.Load() != 1 {
		t.Errorf("receiver called %d times", calls.Load())
	}
}

func TestHookDeliveryUserUpdated(t *testing.T) {
	srv := newServer(t)
	rcv := newReceiver(t)
	subscribe(t, srv, "user/updated", rcv.URL, "party")
	req(t, srv, "PUT", fmt.Sprintf("/users/%d", srv.CurrentUserID()), srv.Token, `{"user":{"timezone":"Europe/Paris"}}`).want(t, 200)
	waitDeliveries(t, srv)
	got := rcv.received()
	if len(got) != 1 || got[0].body["event"] != "user/updated" {
		t.Fatalf("received %v", got)
	}
	if u := got[0].body["payload"].([]any)[0].(map[string]any); u["timezone"] != "Europe/Paris" || id(t, u) != srv.CurrentUserID() {
		t.Errorf("payload %v", u)
	}
}

func TestSetHookClient(t *testing.T) {
	srv := newServer(t)
	var seen atomic.Value
	srv.SetHookClient(&http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		seen.Store(r.URL.String() + " " + r.Header.Get("User-Agent"))
		return &http.Response{StatusCode: 202, Body: http.NoBody, Header: http.Header{}, Request: r}, nil
	})})
	subscribe(t, srv, "task/created", "https://hooks.example/in", "")
	req(t, srv, "POST", "/tasks", srv.Token, `{"task":{"description":"x","dueOn":"2025-05-20"}}`).want(t, 201)
	waitDeliveries(t, srv)
	if s, _ := seen.Load().(string); !strings.HasPrefix(s, "https://hooks.example/in ") {
		t.Errorf("custom client saw %q", s)
	}
	if d := srv.Deliveries(); len(d) != 1 || d[0].Status != 202 || !d[0].OK() {
		t.Errorf("log %+v", d)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
