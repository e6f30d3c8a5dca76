package capsule

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// deliver POSTs body to h and returns the recorded response.
func deliver(t *testing.T, h http.Handler, method string, body []byte) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequestWithContext(t.Context(), method, "/hooks/capsule", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// recordEvents returns a handler that records every event it is called
// with, under the given events, and the slice it records into.
func recordEvents(events ...HookEvent) (*WebhookHandler, *[]*WebhookEvent) {
	var got []*WebhookEvent
	h := NewWebhookHandler().On(func(_ context.Context, e *WebhookEvent) error {
		got = append(got, e)
		return nil
	}, events...)
	return h, &got
}

// payloadIDs decodes the id of every payload record.
func payloadIDs(t *testing.T, e *WebhookEvent) []int64 {
	t.Helper()
	type idOnly struct {
		ID int64 `json:"id"`
	}
	recs, err := DecodeWebhookPayload[idOnly](e)
	require.NoError(t, err)
	ids := make([]int64, 0, len(recs))
	for _, r := range recs {
		ids = append(ids, r.ID)
	}
	return ids
}

func TestWebhookHandler_PartyCreated(t *testing.T) {
	t.Parallel()
	h, got := recordEvents(EventPartyCreated)
	e := deliverOne(t, h, got, fixture(t, "webhooks/party_created.json"))
	assert.Equal(t, EventPartyCreated, e.Event)
	assert.Equal(t, "party", e.Event.Entity())
	assert.Equal(t, "created", e.Event.Action())
	require.Len(t, e.Payload, 2)
	assert.Equal(t, []int64{11587, 11588}, payloadIDs(t, e))
	assert.Nil(t, e.Users)

	// Party events arrive decoded; DecodeWebhookPayload gives the same.
	parties, err := DecodeWebhookPayload[Party](e)
	require.NoError(t, err)
	assert.Equal(t, parties, e.Parties)
	assert.Nil(t, e.Kases)
	require.Len(t, parties, 2)
	assert.Equal(t, "Scott Spacey", parties[0].DisplayName())
	assert.Equal(t, "person", parties[0].Type)
	assert.Equal(t, "Example Co.", parties[1].DisplayName())
	assert.Equal(t, "organisation", parties[1].Type)
}

func TestWebhookHandler_KaseMoved(t *testing.T) {
	t.Parallel()
	h, got := recordEvents(EventKaseMoved)
	e := deliverOne(t, h, got, fixture(t, "webhooks/kase_moved.json"))
	assert.Equal(t, EventKaseMoved, e.Event)
	assert.Equal(t, []int64{5271516}, payloadIDs(t, e))
	require.Len(t, e.Kases, 1)
	require.NotNil(t, e.Kases[0].Stage)
	assert.Equal(t, int64(104607), e.Kases[0].Stage.ID)
	assert.Equal(t, "Project Brief", e.Kases[0].Stage.Name)
}

func TestWebhookHandler_OpportunityClosed(t *testing.T) {
	t.Parallel()
	h, got := recordEvents(EventOpportunityClosed, EventOpportunityMoved)
	e := deliverOne(t, h, got, fixture(t, "webhooks/opportunity_closed.json"))
	assert.Equal(t, EventOpportunityClosed, e.Event)
	assert.Equal(t, []int64{83948}, payloadIDs(t, e))
	require.Len(t, e.Opportunities, 1)
	require.NotNil(t, e.Opportunities[0].Milestone)
	assert.Equal(t, int64(12), e.Opportunities[0].Milestone.ID)
	assert.Equal(t, "Won", e.Opportunities[0].Milestone.Name)
}

func TestWebhookHandler_TaskCompleted(t *testing.T) {
	t.Parallel()
	h, got := recordEvents(EventTaskCompleted)
	e := deliverOne(t, h, got, fixture(t, "webhooks/task_completed.json"))
	assert.Equal(t, EventTaskCompleted, e.Event)
	assert.Equal(t, []int64{147248893}, payloadIDs(t, e))
	assert.Nil(t, e.Users)
	require.Len(t, e.Tasks, 1)
	assert.Equal(t, int64(147248893), e.Tasks[0].ID)
}

func TestWebhookHandler_UserUpdated(t *testing.T) {
	t.Parallel()
	h, got := recordEvents(EventUserUpdated)
	e := deliverOne(t, h, got, fixture(t, "webhooks/user_updated.json"))
	assert.Equal(t, EventUserUpdated, e.Event)
	require.Len(t, e.Users, 2)
	u := e.Users[0]
	assert.Equal(t, int64(61), u.ID)
	assert.Equal(t, "scottspacey", u.Username)
	assert.Equal(t, ClickToCallTel, u.ClickToCallPreference)
	assert.False(t, u.TaskReminder)
	require.NotNil(t, u.Party)
	assert.Equal(t, int64(892), u.Party.ID)
	assert.Equal(t, time.Date(2021, 3, 4, 10, 11, 12, 0, time.UTC), *u.LastLoginAt)
	assert.Equal(t, int64(62), e.Users[1].ID)
	assert.Nil(t, e.Users[1].Party)
	assert.Nil(t, e.Users[1].LastLoginAt)
	assert.True(t, e.Users[1].TaskReminder)
}

func TestWebhookHandler_UnknownEventGoesToFallback(t *testing.T) {
	t.Parallel()
	var specific, other []*WebhookEvent
	h := NewWebhookHandler().
		On(func(_ context.Context, e *WebhookEvent) error { specific = append(specific, e); return nil }, EventPartyCreated).
		OnOther(func(_ context.Context, e *WebhookEvent) error { other = append(other, e); return nil })

	w := deliver(t, h, http.MethodPost, fixture(t, "webhooks/unknown_event.json"))
	require.Equal(t, http.StatusNoContent, w.Code)
	assert.Empty(t, specific)
	require.Len(t, other, 1)
	assert.Equal(t, HookEvent("entry/created"), other[0].Event)
	assert.False(t, other[0].Event.Known())
	assert.JSONEq(t, `{"id": 9, "type": "note", "content": "hi"}`, string(other[0].Payload[0]))

	// A known event without its own function also reaches the fallback.
	w = deliver(t, h, http.MethodPost, fixture(t, "webhooks/task_completed.json"))
	require.Equal(t, http.StatusNoContent, w.Code)
	require.Len(t, other, 2)
	assert.Equal(t, EventTaskCompleted, other[1].Event)
}

func TestWebhookHandler_NoFunctionAcknowledges(t *testing.T) {
	t.Parallel()
	w := deliver(t, NewWebhookHandler(), http.MethodPost, fixture(t, "webhooks/party_created.json"))
	assert.Equal(t, http.StatusNoContent, w.Code)

	// The zero WebhookHandler works too.
	w = deliver(t, &WebhookHandler{}, http.MethodPost, fixture(t, "webhooks/party_created.json"))
	assert.Equal(t, http.StatusNoContent, w.Code)
}

func TestWebhookHandler_WrongMethod(t *testing.T) {
	t.Parallel()
	for _, method := range []string{http.MethodGet, http.MethodPut, http.MethodDelete, http.MethodHead} {
		t.Run(method, func(t *testing.T) {
			t.Parallel()
			called := false
			h := NewWebhookHandler().OnOther(func(context.Context, *WebhookEvent) error { called = true; return nil })
			w := deliver(t, h, method, fixture(t, "webhooks/party_created.json"))
			assert.Equal(t, http.StatusMethodNotAllowed, w.Code)
			assert.Equal(t, http.MethodPost, w.Header().Get("Allow"))
			assert.False(t, called)
		})
	}
}

func TestWebhookHandler_BadDelivery(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"not json":            `{"event": "party/created", "payload": [`,
		"empty body":          ``,
		"array body":          `[]`,
		"no event":            `{"payload": [{"id": 1}]}`,
		"empty event":         `{"event": "", "payload": [{"id": 1}]}`,
		"no payload":          `{"event": "party/created"}`,
		"null payload":        `{"event": "party/created", "payload": null}`,
		"payload not array":   `{"event": "party/created", "payload": {"id": 1}}`,
		"record not object":   `{"event": "party/created", "payload": [1]}`,
		"user of wrong shape": `{"event": "user/updated", "payload": [{"id": "sixty-one"}]}`,
		"event not a string":  `{"event": 5, "payload": []}`,
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			called := false
			h := NewWebhookHandler().OnOther(func(context.Context, *WebhookEvent) error { called = true; return nil })
			w := deliver(t, h, http.MethodPost, []byte(body))
			assert.Equal(t, http.StatusBadRequest, w.Code)
			assert.False(t, called)
		})
	}
}

func TestWebhookHandler_EmptyPayloadIsDelivered(t *testing.T) {
	t.Parallel()
	h, got := recordEvents(EventPartyDeleted)
	w := deliver(t, h, http.MethodPost, []byte(`{"event":"party/deleted","payload":[]}`))
	require.Equal(t, http.StatusNoContent, w.Code)
	require.Len(t, *got, 1)
	assert.Empty(t, (*got)[0].Payload)
}

func TestWebhookHandler_TooLarge(t *testing.T) {
	t.Parallel()
	h := &WebhookHandler{MaxBytes: 64}
	body := `{"event":"party/created","payload":[{"id":1,"name":"` + strings.Repeat("x", 100) + `"}]}`
	w := deliver(t, h, http.MethodPost, []byte(body))
	assert.Equal(t, http.StatusRequestEntityTooLarge, w.Code)
}

func TestWebhookHandler_CallbackErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		err  error
		want int
	}{
		{"gone", ErrHookGone, http.StatusGone},
		{"wrapped gone", errors.Join(errors.New("customer left"), ErrHookGone), http.StatusGone},
		{"failure", errors.New("database down"), http.StatusInternalServerError},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := NewWebhookHandler().On(func(context.Context, *WebhookEvent) error { return tc.err }, EventPartyCreated)
			w := deliver(t, h, http.MethodPost, fixture(t, "webhooks/party_created.json"))
			assert.Equal(t, tc.want, w.Code)
			assert.NotContains(t, w.Body.String(), "database down")
		})
	}
}

func TestWebhookHandler_PassesRequestContext(t *testing.T) {
	t.Parallel()
	type key struct{}
	var seen any
	h := NewWebhookHandler().On(func(ctx context.Context, _ *WebhookEvent) error {
		seen = ctx.Value(key{})
		return nil
	}, EventPartyCreated)
	ctx := context.WithValue(t.Context(), key{}, "v")
	r := httptest.NewRequestWithContext(ctx, http.MethodPost, "/", bytes.NewReader(fixture(t, "webhooks/party_created.json")))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	require.Equal(t, http.StatusNoContent, w.Code)
	assert.Equal(t, "v", seen)
}

func TestParseWebhookEvent(t *testing.T) {
	t.Parallel()
	e, err := ParseWebhookEvent(fixture(t, "webhooks/user_updated.json"))
	require.NoError(t, err)
	assert.Equal(t, EventUserUpdated, e.Event)
	assert.Len(t, e.Users, 2)

	_, err = ParseWebhookEvent([]byte(`nope`))
	require.Error(t, err)
}

func TestDecodeWebhookPayload_Error(t *testing.T) {
	t.Parallel()
	e := &WebhookEvent{Event: EventTaskCreated, Payload: []json.RawMessage{[]byte(`{"id":"x"}`)}}
	type idOnly struct {
		ID int64 `json:"id"`
	}
	_, err := DecodeWebhookPayload[idOnly](e)
	require.ErrorContains(t, err, "task/created payload[0]")
}

func TestHookEvents(t *testing.T) {
	t.Parallel()
	events := HookEvents()
	require.Len(t, events, 19)
	seen := map[HookEvent]bool{}
	for _, e := range events {
		assert.False(t, seen[e], "duplicate %s", e)
		seen[e] = true
		assert.True(t, e.Known())
		assert.Contains(t, []string{"party", "kase", "opportunity", "task", "user"}, e.Entity())
		assert.Contains(t, []string{"created", "updated", "deleted", "closed", "moved", "completed"}, e.Action())
	}
	assert.False(t, HookEvent("task/deleted").Known())
	assert.False(t, HookEvent("").Known())
	assert.Equal(t, "", HookEvent("").Action())
}

// deliverOne POSTs body to h, expects 204 and exactly one event, and
// returns it.
func deliverOne(t *testing.T, h http.Handler, got *[]*WebhookEvent, body []byte) *WebhookEvent {
	t.Helper()
	w := deliver(t, h, http.MethodPost, body)
	require.Equal(t, http.StatusNoContent, w.Code)
	require.Len(t, *got, 1)
	return (*got)[0]
}
