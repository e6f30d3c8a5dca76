package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// This file drives the standalone server the way a Python or JavaScript
// suite would: plain HTTP and JSON, no SDK, no capsuletest.

type fakeProc struct {
	base, root string // API base URL; scheme://host
	token      string // the administrator's token, as printed
	cancel     func()
	done       chan error
}

// start runs capsule-fake with args on a free port.
func start(t *testing.T, args ...string) *fakeProc {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan [2]string, 1)
	p := &fakeProc{cancel: cancel, done: make(chan error, 1)}
	var out syncBuf
	go func() { p.done <- run(ctx, append([]string{"-addr", "127.0.0.1:0"}, args...), &out, ready) }()
	select {
	case info := <-ready:
		p.base, p.token = info[0], info[1]
		p.root = strings.TrimSuffix(info[0], "/api/v2")
	case err := <-p.done:
		t.Fatalf("run ended early: %v\n%s", err, out.String())
	case <-time.After(20 * time.Second):
		t.Fatal("server did not start")
	}
	t.Cleanup(p.stop)
	return p
}

// stop ends the server (it saves its state) once.
func (p *fakeProc) stop() {
	if p.cancel != nil {
		p.cancel()
		<-p.done
		p.cancel = nil
	}
}

// call sends a request; body is JSON text or "". It returns the status and
// the decoded JSON answer (nil for none).
func call(t *testing.T, method, url, token, body string) (int, map[string]any, error) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, nil, err
	}
	var m map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("%s %s: not JSON: %s", method, url, raw)
		}
	}
	return res.StatusCode, m, nil
}

// must is call that fails the test on a transport error or another status.
func must(t *testing.T, want int, method, url, token, body string) map[string]any {
	t.Helper()
	status, m, err := call(t, method, url, token, body)
	if err != nil || status != want {
		t.Fatalf("%s %s: %d %v %v, want %d", method, url, status, m, err, want)
	}
	return m
}

func count(m map[string]any, key string) int {
	list, _ := m[key].([]any)
	return len(list)
}

func TestControlAPIOverPlainHTTP(t *testing.T) {
	state := filepath.Join(t.TempDir(), "fake.json")
	args := []string{"-seed", "5", "-token", "tok", "-control-token", "ctl", "-state", state,
		"-clock", "2025-01-02T03:04:05Z", "-read-only-token", "ro", "-user-token", "ut", "-app-token", "at", "-rate-limit", "0"}
	p := start(t, args...)
	ctl := p.root + "/_fake/"

	// the control token, and only it
	for _, tok := range []string{"", "tok", "ctl2"} {
		status, m, err := call(t, "GET", ctl+"clock", tok, "")
		if err != nil || status != 401 || !strings.Contains(m["message"].(string), "control token") {
			t.Errorf("token %q: %d %v %v", tok, status, m, err)
		}
	}
	must(t, 404, "GET", ctl+"nothing", "ctl", "")
	must(t, 405, "PUT", ctl+"clock", "ctl", "")
	must(t, 400, "POST", ctl+"clock", "ctl", `{"sett":"x"}`)

	// the clock starts at -clock, then is set and advanced
	now := must(t, 200, "GET", ctl+"clock", "ctl", "")["now"].(string)
	if !strings.HasPrefix(now, "2025-01-02T03:0") {
		t.Errorf("clock %s, want about 2025-01-02T03:04:05Z", now)
	}
	must(t, 200, "POST", ctl+"clock", "ctl", `{"set":"2026-06-01T00:00:00Z"}`)
	if got := must(t, 200, "POST", ctl+"clock", "ctl", `{"advance":"90m"}`)["now"]; got != "2026-06-01T01:30:00Z" {
		t.Errorf("after advance: %v", got)
	}
	must(t, 400, "POST", ctl+"clock", "ctl", `{"advance":"soon"}`)

	// the tokens of the flags
	parties := func() int { return count(must(t, 200, "GET", p.base+"/parties?perPage=100", "tok", ""), "parties") }
	seeded := parties()
	if status, _, _ := call(t, "POST", p.base+"/parties", "ro", `{"party":{"type":"organisation","name":"RO Ltd"}}`); status != 403 {
		t.Errorf("read-only token wrote: %d", status)
	}
	if status, _, _ := call(t, "POST", p.base+"/pipelines", "ut", `{"pipeline":{"name":"P"}}`); status != 403 {
		t.Errorf("normal user created a pipeline: %d", status)
	}

	// seed replaces the store
	if got := must(t, 200, "POST", ctl+"seed", "ctl", `{"parties":12}`)["parties"]; got != 12.0 {
		t.Errorf("seed answer %v", got)
	}
	if n := parties(); n != seeded+7 {
		t.Errorf("%d parties after seeding 12, %d with 5", n, seeded)
	}
	must(t, 200, "POST", ctl+"seed?n=5", "ctl", "")
	must(t, 400, "POST", ctl+"seed", "ctl", "")
	if n := parties(); n != seeded {
		t.Errorf("%d parties after seeding 5 again, want %d", n, seeded)
	}

	// a lost answer: applied, no answer, logged with status 0
	must(t, 204, "DELETE", ctl+"requests", "ctl", "")
	must(t, 200, "POST", ctl+"faults", "ctl", `{"loseNextAnswer":1}`)
	if _, _, err := call(t, "POST", p.base+"/parties", "tok", `{"party":{"type":"organisation","name":"Lost Ltd"}}`); err == nil {
		t.Error("the lost answer arrived")
	}
	found := must(t, 200, "GET", p.base+"/parties/search?q=lost", "tok", "")
	if count(found, "parties") != 1 {
		t.Errorf("after the lost answer: %v", found)
	}
	reqs := must(t, 200, "GET", ctl+"requests", "ctl", "")["requests"].([]any)
	if len(reqs) != 2 {
		t.Fatalf("requests %v", reqs)
	}
	first := reqs[0].(map[string]any)
	if first["method"] != "POST" || first["path"] != "/api/v2/parties" || first["status"] != 0.0 || !strings.HasPrefix(first["time"].(string), "2026-06-01T01:30") {
		t.Errorf("logged %v", first)
	}
	if second := reqs[1].(map[string]any); second["query"] != "q=lost" || second["status"] != 200.0 {
		t.Errorf("logged %v", second)
	}

	// random faults of a chosen kind
	must(t, 400, "POST", ctl+"faults", "ctl", `{"rate":1,"kinds":["timeout"]}`)
	must(t, 400, "POST", ctl+"faults", "ctl", `{"rate":3}`)
	fs := must(t, 200, "POST", ctl+"faults", "ctl", `{"rate":1,"kinds":["server-error"],"seed":9}`)
	if fs["rate"] != 1.0 || count(fs, "kinds") != 1 {
		t.Errorf("faults answer %v", fs)
	}
	if status, _, _ := call(t, "GET", p.base+"/site", "tok", ""); status != 503 {
		t.Errorf("with rate 1: %d", status)
	}
	must(t, 200, "POST", ctl+"faults", "ctl", `{"rate":0}`)
	must(t, 200, "GET", p.base+"/site", "tok", "")

	// REST hook deliveries
	hits := make(chan string, 4)
	receiver := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits <- r.URL.Path })}
	ln := listen(t)
	go func() { _ = receiver.Serve(ln) }()
	defer receiver.Close()
	must(t, 201, "POST", p.base+"/resthooks", "at", `{"restHook":{"event":"party/created","targetUrl":"http://`+ln.Addr().String()+`/hook"}}`)
	must(t, 201, "POST", p.base+"/parties", "tok", `{"party":{"type":"organisation","name":"Persisted Ltd"}}`)
	select {
	case <-hits:
	case <-time.After(10 * time.Second):
		t.Fatal("no hook delivery")
	}
	var dl []any
	for deadline := time.Now().Add(5 * time.Second); len(dl) == 0 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		dl = must(t, 200, "GET", ctl+"deliveries", "ctl", "")["deliveries"].([]any)
	}
	if len(dl) != 1 || dl[0].(map[string]any)["event"] != "party/created" || dl[0].(map[string]any)["ok"] != true {
		t.Errorf("deliveries %v", dl)
	}
	must(t, 204, "DELETE", ctl+"deliveries", "ctl", "")
	if n := count(must(t, 200, "GET", ctl+"deliveries", "ctl", ""), "deliveries"); n != 0 {
		t.Errorf("%d deliveries after DELETE", n)
	}

	// state: saved on a call and on exit, loaded at the next start
	if got := must(t, 200, "POST", ctl+"state/save", "ctl", "")["saved"]; got != state {
		t.Errorf("saved to %v", got)
	}
	if _, err := os.Stat(state); err != nil {
		t.Fatal(err)
	}
	must(t, 201, "POST", p.base+"/parties", "tok", `{"party":{"type":"organisation","name":"After Save Ltd"}}`)
	p.stop()
	p2 := start(t, args...)
	for _, q := range []string{"persisted", "after+save"} {
		if n := count(must(t, 200, "GET", p2.base+"/parties/search?q="+q, "tok", ""), "parties"); n != 1 {
			t.Errorf("after restart, %q: %d parties", q, n)
		}
	}
	// reset goes back to the seed of the flags
	must(t, 200, "POST", p2.root+"/_fake/reset", "ctl", "")
	if n := count(must(t, 200, "GET", p2.base+"/parties/search?q=persisted", "tok", ""), "parties"); n != 0 {
		t.Errorf("after reset: %d", n)
	}
}

// TestControlOneShotFaults: failNext, dropNext and latency over the control
// API, each answered in the fault state and applied to the next request only;
// a body with one bad value applies nothing.
func TestControlOneShotFaults(t *testing.T) {
	p := start(t, "-token", "tok", "-control-token", "ctl", "-rate-limit", "0")
	ctl := p.root + "/_fake/faults"
	site := func() (int, error) { status, _, err := call(t, "GET", p.base+"/site", "tok", ""); return status, err }

	for _, body := range []string{`{"failNext":1}`, `{"failNext":1,"failStatus":200}`, `{"latency":"-1s"}`,
		`{"latency":"soon"}`, `{"failNext":1,"failStatus":503,"latency":"later"}`, `{"dropNext":"one"}`} {
		must(t, 400, "POST", ctl, "ctl", body)
	}
	if status, err := site(); err != nil || status != 200 {
		t.Fatalf("after refused fault bodies: %d %v, want 200", status, err)
	}

	if m := must(t, 200, "POST", ctl, "ctl", `{"failNext":1,"failStatus":502}`); m["failNext"] != 1.0 {
		t.Errorf("answer %v, want failNext 1", m)
	}
	status, _, err := call(t, "GET", p.base+"/site", "tok", "")
	if err != nil || status != 502 {
		t.Errorf("failed request: %d %v, want 502", status, err)
	}
	if status, err := site(); err != nil || status != 200 {
		t.Errorf("after the failure: %d %v, want 200", status, err)
	}

	if m := must(t, 200, "POST", ctl, "ctl", `{"dropNext":1}`); m["dropNext"] != 1.0 {
		t.Errorf("answer %v, want dropNext 1", m)
	}
	if _, err := site(); err == nil {
		t.Error("the dropped connection answered")
	}
	if status, err := site(); err != nil || status != 200 {
		t.Errorf("after the drop: %d %v, want 200", status, err)
	}

	if m := must(t, 200, "POST", ctl, "ctl", `{"latency":"150ms"}`); m["latency"] != "150ms" {
		t.Errorf("answer %v, want latency 150ms", m)
	}
	begin := time.Now()
	if status, err := site(); err != nil || status != 200 {
		t.Errorf("with latency: %d %v", status, err)
	}
	if d := time.Since(begin); d < 150*time.Millisecond {
		t.Errorf("answered after %v, want at least the 150ms latency", d)
	}
	if m := must(t, 200, "POST", ctl, "ctl", `{"latency":"0s"}`); m["latency"] != "0s" {
		t.Errorf("answer %v, want latency 0s", m)
	}
}

func TestControlOffWithoutToken(t *testing.T) {
	p := start(t, "-token", "tok")
	if status, _, _ := call(t, "GET", p.root+"/_fake/clock", "", ""); status != 404 {
		t.Errorf("without -control-token: %d", status)
	}
	p2 := start(t, "-control-token", "ctl")
	must(t, 409, "POST", p2.root+"/_fake/state/save", "ctl", "")
}

// TestRandomToken: without -token the administrator's token is a fresh
// capsule-fake- one, accepted, and another on each start.
func TestRandomToken(t *testing.T) {
	p, p2 := start(t), start(t)
	if !strings.HasPrefix(p.token, "capsule-fake-") || len(p.token) != len("capsule-fake-")+32 || p.token == p2.token {
		t.Errorf("tokens %q and %q, want two different capsule-fake- and 32 hex digits", p.token, p2.token)
	}
	must(t, 200, "GET", p.base+"/site", p.token, "")
}

func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

func TestBadFlagValues(t *testing.T) {
	for _, args := range [][]string{
		{"-fault-kinds", "server-error,timeout"},
		{"-fault-rate", "2"},
		{"-clock", "yesterday"},
		{"extra"},
	} {
		var out syncBuf
		err := run(context.Background(), args, &out, nil)
		if code := exitCode(err); code != 2 {
			t.Errorf("%v: exit %d (%v)", args, code, err)
		}
		if !strings.Contains(out.String(), "capsule-fake: ") || !strings.Contains(out.String(), "-addr") {
			t.Errorf("%v: output %q lacks the reason or the usage", args, out.String())
		}
	}
}
