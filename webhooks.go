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
	"runtime"
	"runtime/debug"
)

// WebhookEvent is one REST hook delivery: the event and the records it is
// about. Capsule batches deliveries, so Payload may hold several records;
// each is the same JSON as the record's show operation, expanded by the
// hook's embed.
//
// The records are also decoded into the field for the event's entity:
// Parties for party/* events, Opportunities for opportunity/*, Kases for
// kase/*, Tasks for task/* and Users for user/*.
type WebhookEvent struct {
	Event HookEvent
	// Payload holds every record exactly as delivered.
	Payload []json.RawMessage

	Parties       []*Party
	Opportunities []*Opportunity
	Kases         []*Kase
	Tasks         []*Task
	Users         []*User
}

// DecodeWebhookPayload decodes every record of e's payload into a T, for
// example DecodeWebhookPayload[Party](e) for a party/* event.
func DecodeWebhookPayload[T any](e *WebhookEvent) ([]*T, error) {
	out := make([]*T, 0, len(e.Payload))
	for i, raw := range e.Payload {
		v := new(T)
		if err := json.Unmarshal(raw, v); err != nil {
			return nil, fmt.Errorf("capsule: webhook %s payload[%d]: %w", e.Event, i, err)
		}
		out = append(out, v)
	}
	return out, nil
}

// WebhookFunc handles one delivery. Returning nil acknowledges it (204).
// Returning ErrHookGone answers 410 Gone, which makes Capsule remove the
// REST hook at once. Any other error answers 500, and Capsule retries the
// delivery (five more times over about 36 minutes, then it drops the hook).
type WebhookFunc func(ctx context.Context, e *WebhookEvent) error

// ErrHookGone is what a WebhookFunc returns to unsubscribe: the handler
// answers 410 Gone and Capsule deletes the REST hook.
var ErrHookGone = errors.New("capsule: REST hook no longer wanted")

// DefaultWebhookMaxBytes is the largest delivery body WebhookHandler reads
// unless MaxBytes says otherwise.
const DefaultWebhookMaxBytes = 10 << 20

// WebhookHandler is an http.Handler for the target URL of REST hooks. It
// accepts only POST, decodes {"event": ..., "payload": [...]} and calls the
// function registered for the event (On), or the fallback (OnOther) for
// events without one. It answers:
//
//   - 204 when the delivery was handled, or when no function wants it
//     (Capsule would otherwise retry it);
//   - 405 for any method but POST;
//   - 400 for a body that is not a delivery (bad JSON, no event, a payload
//     that is not an array of records of the event's model);
//   - 413 for a body over MaxBytes;
//   - 410 when the function returns ErrHookGone: Capsule then removes the
//     hook;
//   - 500 when the function returns another error, or panics (the panic
//     is logged to Logger without the payload, and the handler keeps
//     serving): Capsule retries.
//
// Capsule signs nothing: use an unguessable HTTPS URL and re-read records
// through the API before trusting them. Register functions before serving;
// a WebhookHandler is safe for concurrent use once serving. Subscribe with
// RestHooksService.Subscribe.
//
// Capsule docs: https://developer.capsulecrm.com/v2/overview/avoid-polling-with-rest-hooks
type WebhookHandler struct {
	funcs    map[HookEvent]WebhookFunc
	fallback WebhookFunc
	// MaxBytes limits the body size; 0 means DefaultWebhookMaxBytes.
	MaxBytes int64
	// Logger receives a line for each function that panics; nil means
	// slog.Default(). The line never holds the payload.
	Logger *slog.Logger
}

// errHookPanicked stands for a function's panic, which answers 500.
var errHookPanicked = errors.New("capsule: REST hook function panicked")

// run calls fn and turns a panic into an error, so that one bad delivery
// gets a 500 (Capsule retries it) and the handler keeps serving. The log
// line names the event, the record count and the panic's type; the panic
// value itself is logged only for a runtime error, since any other value
// may be built from the payload and hold its secrets.
func (h *WebhookHandler) run(ctx context.Context, fn WebhookFunc, e *WebhookEvent) (err error) {
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		if v == http.ErrAbortHandler {
			panic(v)
		}
		logger := h.Logger
		if logger == nil {
			logger = slog.Default()
		}
		attrs := []slog.Attr{
			slog.String("event", string(e.Event)), slog.Int("records", len(e.Payload)),
			slog.String("panic", fmt.Sprintf("%T", v)), slog.String("stack", string(debug.Stack())),
		}
		if re, ok := v.(runtime.Error); ok {
			attrs = append(attrs, slog.String("error", re.Error()))
		}
		logger.LogAttrs(ctx, slog.LevelError, errHookPanicked.Error(), attrs...)
		err = errHookPanicked
	}()
	return fn(ctx, e)
}

// NewWebhookHandler returns a handler with no functions registered.
func NewWebhookHandler() *WebhookHandler {
	return &WebhookHandler{funcs: make(map[HookEvent]WebhookFunc)}
}

// On registers fn for the given events and returns h for chaining. A
// later registration for the same event replaces the earlier one.
func (h *WebhookHandler) On(fn WebhookFunc, events ...HookEvent) *WebhookHandler {
	if h.funcs == nil {
		h.funcs = make(map[HookEvent]WebhookFunc)
	}
	for _, e := range events {
		h.funcs[e] = fn
	}
	return h
}

// OnOther registers fn for every event that has no function of its own,
// including events this package does not know yet, and returns h.
func (h *WebhookHandler) OnOther(fn WebhookFunc) *WebhookHandler {
	h.fallback = fn
	return h
}

// webhookDelivery is the wire shape of a delivery.
type webhookDelivery struct {
	Event   HookEvent          `json:"event"`
	Payload *[]json.RawMessage `json:"payload"`
}

// ServeHTTP handles one delivery; see WebhookHandler for the statuses.
func (h *WebhookHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed: REST hook deliveries are POSTed", http.StatusMethodNotAllowed)
		return
	}
	limit := h.MaxBytes
	if limit <= 0 {
		limit = DefaultWebhookMaxBytes
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, "delivery too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "cannot read delivery", http.StatusBadRequest)
		return
	}
	e, err := parseWebhookEvent(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	fn := h.funcs[e.Event]
	if fn == nil {
		fn = h.fallback
	}
	if fn != nil {
		if err := h.run(r.Context(), fn, e); err != nil {
			if errors.Is(err, ErrHookGone) {
				http.Error(w, "gone", http.StatusGone)
				return
			}
			http.Error(w, "delivery not handled", http.StatusInternalServerError)
			return
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

// ParseWebhookEvent decodes a delivery body, for receivers that do not use
// WebhookHandler.
func ParseWebhookEvent(body []byte) (*WebhookEvent, error) {
	return parseWebhookEvent(body)
}

func parseWebhookEvent(body []byte) (*WebhookEvent, error) {
	var d webhookDelivery
	if err := json.Unmarshal(bytes.TrimSpace(body), &d); err != nil {
		return nil, fmt.Errorf("capsule: bad webhook delivery: %w", err)
	}
	if d.Event == "" {
		return nil, errors.New("capsule: bad webhook delivery: no event")
	}
	if d.Payload == nil {
		return nil, errors.New("capsule: bad webhook delivery: no payload array")
	}
	e := &WebhookEvent{Event: d.Event, Payload: *d.Payload}
	for i, raw := range e.Payload {
		if len(raw) == 0 || raw[0] != '{' {
			return nil, fmt.Errorf("capsule: bad webhook delivery: payload[%d] is not an object", i)
		}
	}
	var err error
	switch e.Event.Entity() {
	case "party":
		e.Parties, err = DecodeWebhookPayload[Party](e)
	case "opportunity":
		e.Opportunities, err = DecodeWebhookPayload[Opportunity](e)
	case "kase":
		e.Kases, err = DecodeWebhookPayload[Kase](e)
	case "task":
		e.Tasks, err = DecodeWebhookPayload[Task](e)
	case "user":
		e.Users, err = DecodeWebhookPayload[User](e)
	}
	if err != nil {
		return nil, err
	}
	return e, nil
}
