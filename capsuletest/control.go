package capsuletest

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// The control API: what the Go methods of Server do, over HTTP under
// /_fake/, for tests written in any language (capsule-fake). The real
// Capsule has no such paths. See the package documentation for the list.

const controlPrefix = "/_fake/"

// WithControl serves the control API under /_fake/ to requests that carry
// Authorization: Bearer token (others are answered 401). Control requests
// are not logged, faulted or counted against the rate limit.
func WithControl(token string) Option { return func(c *config) { c.control = token } }

// WithStateFile names the file the store is loaded from when the server
// starts (when the file exists; see Server.Load) and saved to by
// Server.SaveState and POST /_fake/state/save.
func WithStateFile(path string) Option { return func(c *config) { c.stateFile = path } }

// SaveState writes the store (Server.Save) to the WithStateFile file,
// through a temporary file renamed into place.
func (s *Server) SaveState() error { return s.f.saveStateFile() }

func (f *fake) loadStateFile() error {
	if f.cfg.stateFile == "" {
		return nil
	}
	b, err := os.ReadFile(f.cfg.stateFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err == nil {
		err = f.load(bytes.NewReader(b))
	}
	if err != nil {
		return fmt.Errorf("capsuletest: state file %s: %w", f.cfg.stateFile, err)
	}
	return nil
}

func (f *fake) saveStateFile() error {
	path := f.cfg.stateFile
	if path == "" {
		return errors.New("capsuletest: no state file (WithStateFile)")
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a successful rename there is nothing to remove
	if err := f.save(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// reset replaces the store with a freshly seeded one of n parties (the
// server's tokens, its OAuth grants (refresh tokens, pending codes), faults
// and clock stay).
func (f *fake) reset(n int) error {
	cfg := f.cfg
	cfg.seed, cfg.stateFile = max(n, 0), ""
	var buf bytes.Buffer
	if err := newFakeConfig(cfg).save(&buf); err != nil {
		return err
	}
	f.mu.Lock()
	manual, manualNow, shift, grants := f.manual, f.manualNow, f.clockShift, f.oauthState
	f.mu.Unlock()
	if err := f.load(&buf); err != nil {
		return err
	}
	f.mu.Lock()
	f.manual, f.manualNow, f.clockShift, f.oauthState = manual, manualNow, shift, grants
	f.mu.Unlock()
	return nil
}

// controlBody is what the POSTs of the control API may carry.
type controlBody struct {
	Parties *int `json:"parties"` // seed, reset

	Rate           *float64 `json:"rate"` // faults
	Seed           *uint64  `json:"seed"`
	Kinds          []string `json:"kinds"`
	LoseNextAnswer *int     `json:"loseNextAnswer"`
	DropNext       *int     `json:"dropNext"`
	FailNext       *int     `json:"failNext"`
	FailStatus     int      `json:"failStatus"`
	Latency        *string  `json:"latency"`

	Set     *string `json:"set"` // clock
	Advance *string `json:"advance"`
}

func (f *fake) serveControl(w http.ResponseWriter, r *http.Request) {
	tok, _ := bearer(r)
	if subtle.ConstantTimeCompare([]byte(tok), []byte(f.cfg.control)) != 1 {
		w.Header().Set("WWW-Authenticate", `Bearer realm="capsule-fake control"`)
		errReply(http.StatusUnauthorized, "the control API needs Authorization: Bearer <control token>").write(w)
		return
	}
	var in controlBody
	if r.Method == http.MethodPost {
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&in); err != nil && !errors.Is(err, io.EOF) {
			errReply(http.StatusBadRequest, "body: "+err.Error()).write(w)
			return
		}
	}
	path := strings.TrimPrefix(r.URL.Path, controlPrefix)
	type route struct{ method, path string }
	handlers := map[route]func() *reply{
		{"POST", "reset"}:        func() *reply { return f.controlSeed(r, in, f.cfg.seed) },
		{"POST", "seed"}:         func() *reply { return f.controlSeed(r, in, -1) },
		{"POST", "faults"}:       func() *reply { return f.controlFaults(in) },
		{"GET", "clock"}:         f.controlClock,
		{"POST", "clock"}:        func() *reply { return f.controlSetClock(in) },
		{"GET", "requests"}:      f.controlRequests,
		{"DELETE", "requests"}:   func() *reply { f.resetRequests(); return noContent() },
		{"GET", "deliveries"}:    f.controlDeliveries,
		{"DELETE", "deliveries"}: func() *reply { f.setDeliveries(nil); return noContent() },
		{"POST", "state/save"}:   f.controlSave,
	}
	h, found := handlers[route{r.Method, path}]
	switch {
	case found:
		h().write(w)
	case handlers[route{"GET", path}] != nil || handlers[route{"POST", path}] != nil || handlers[route{"DELETE", path}] != nil:
		errReply(http.StatusMethodNotAllowed, "Method not allowed").write(w)
	default:
		errReply(http.StatusNotFound, "no control endpoint "+r.URL.Path).write(w)
	}
}

// controlSeed serves reset (n: the configured seed) and seed (n from
// {"parties": n} or ?n=).
func (f *fake) controlSeed(r *http.Request, in controlBody, n int) *reply {
	if q := r.URL.Query().Get("n"); q != "" {
		v, err := strconv.Atoi(q)
		if err != nil || v < 0 {
			return errReply(http.StatusBadRequest, "n must be a whole number >= 0")
		}
		n = v
	}
	if in.Parties != nil {
		if *in.Parties < 0 {
			return errReply(http.StatusBadRequest, "parties must be >= 0")
		}
		n = *in.Parties
	}
	if n < 0 {
		return errReply(http.StatusBadRequest, `seed needs {"parties": n} or ?n=`)
	}
	if err := f.reset(n); err != nil {
		return errReply(http.StatusInternalServerError, err.Error())
	}
	return jsonReply(http.StatusOK, map[string]any{"parties": n})
}

func (f *fake) controlFaults(in controlBody) *reply {
	var kinds []FaultKind
	for _, name := range in.Kinds {
		k, err := ParseFaultKind(name)
		if err != nil {
			return errReply(http.StatusBadRequest, err.Error())
		}
		kinds = append(kinds, k)
	}
	var latency time.Duration
	if in.Latency != nil {
		d, err := time.ParseDuration(*in.Latency)
		if err != nil || d < 0 {
			return errReply(http.StatusBadRequest, "latency must be a duration such as 250ms")
		}
		latency = d
	}
	if in.Rate != nil && (*in.Rate < 0 || *in.Rate > 1) {
		return errReply(http.StatusBadRequest, "rate must be between 0 and 1")
	}
	if in.FailNext != nil && (in.FailStatus < 400 || in.FailStatus > 599) {
		return errReply(http.StatusBadRequest, "failNext needs failStatus, 400 to 599")
	}
	// everything is valid: apply
	if in.Kinds != nil {
		f.setFaultKinds(kinds)
	}
	if in.Rate != nil {
		var seed uint64
		if in.Seed != nil {
			seed = *in.Seed
		}
		f.setFaultRate(*in.Rate, seed)
	}
	if in.LoseNextAnswer != nil {
		f.loseNext(*in.LoseNextAnswer)
	}
	if in.DropNext != nil {
		f.dropNext(*in.DropNext)
	}
	if in.FailNext != nil {
		f.failNext(*in.FailNext, in.FailStatus)
	}
	if in.Latency != nil {
		f.setLatency(latency)
	}
	return f.controlFaultState()
}

func (f *fake) controlFaultState() *reply {
	f.mu.Lock()
	defer f.mu.Unlock()
	kinds := []string{}
	for _, k := range f.faultKinds {
		kinds = append(kinds, k.String())
	}
	return jsonReply(http.StatusOK, map[string]any{
		"rate": f.faultRate, "kinds": kinds, "loseNextAnswer": f.loseN, "dropNext": f.dropN,
		"failNext": f.failN, "latency": f.latency.String(),
	})
}

func (f *fake) controlClock() *reply {
	return jsonReply(http.StatusOK, map[string]any{"now": f.now().UTC().Format(time.RFC3339Nano)})
}

func (f *fake) controlSetClock(in controlBody) *reply {
	switch {
	case in.Set != nil && in.Advance == nil:
		t, err := time.Parse(time.RFC3339, *in.Set)
		if err != nil {
			return errReply(http.StatusBadRequest, "set must be an RFC 3339 time such as 2025-01-02T15:04:05Z")
		}
		f.setNow(t)
	case in.Advance != nil && in.Set == nil:
		d, err := time.ParseDuration(*in.Advance)
		if err != nil {
			return errReply(http.StatusBadRequest, "advance must be a duration such as 90m")
		}
		f.advance(d)
	default:
		return errReply(http.StatusBadRequest, `clock needs {"set": time} or {"advance": duration}`)
	}
	return f.controlClock()
}

func (f *fake) controlRequests() *reply {
	out := []any{}
	for _, l := range f.requests() {
		out = append(out, map[string]any{"method": l.Method, "path": l.Path, "query": l.Query,
			"status": l.Status, "time": l.Time.UTC().Format(time.RFC3339Nano)})
	}
	return jsonReply(http.StatusOK, map[string]any{"requests": out})
}

func (f *fake) controlDeliveries() *reply {
	out := []any{}
	for _, d := range f.deliveries() {
		var body any = string(d.Body)
		if json.Valid(d.Body) {
			body = json.RawMessage(d.Body)
		}
		out = append(out, map[string]any{"hookId": d.HookID, "event": d.Event, "targetUrl": d.TargetURL,
			"body": body, "status": d.Status, "error": d.Err, "removed": d.Removed, "ok": d.OK(),
			"at": d.At.UTC().Format(time.RFC3339Nano)})
	}
	return jsonReply(http.StatusOK, map[string]any{"deliveries": out})
}

func (f *fake) controlSave() *reply {
	if f.cfg.stateFile == "" {
		return errReply(http.StatusConflict, "no state file: start capsule-fake with -state FILE")
	}
	if err := f.saveStateFile(); err != nil {
		return errReply(http.StatusInternalServerError, err.Error())
	}
	return jsonReply(http.StatusOK, map[string]any{"saved": f.cfg.stateFile})
}
