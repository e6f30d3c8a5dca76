package capsule

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hookStub is a /resthooks endpoint that keeps hooks in memory and logs
// every request as "GET", "POST event targetUrl embed" or "DELETE id".
// fail maps a request's 1-based position in the log to a status it answers
// instead.
type hookStub struct {
	t      *testing.T
	mu     sync.Mutex
	hooks  []*RestHook
	nextID int64
	log    []string
	fail   map[int]int
}

func newHookStub(t *testing.T, mux *http.ServeMux, existing ...*RestHook) *hookStub {
	s := &hookStub{t: t, hooks: existing, nextID: 500, fail: map[int]int{}}
	mux.HandleFunc("GET /resthooks", s.list)
	mux.HandleFunc("POST /resthooks", s.create)
	mux.HandleFunc("DELETE /resthooks/{id}", s.delete)
	refuseRequests(t, mux)
	return s
}

// logged records the request; it returns the status to fail with, or 0.
func (s *hookStub) logged(line string) int {
	s.log = append(s.log, line)
	return s.fail[len(s.log)]
}

func (s *hookStub) list(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if code := s.logged("GET"); code != 0 {
		writeJSON(s.t, w, code, `{"message":"failed"}`)
		return
	}
	b, err := json.Marshal(map[string]any{"restHooks": s.hooks})
	require.NoError(s.t, err)
	writeJSON(s.t, w, http.StatusOK, string(b))
}

func (s *hookStub) create(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var body struct {
		RestHook struct {
			Event       HookEvent `json:"event"`
			TargetURL   string    `json:"targetUrl"`
			Description *string   `json:"description"`
			Embed       *string   `json:"embed"`
		} `json:"restHook"`
	}
	b, err := io.ReadAll(r.Body)
	require.NoError(s.t, err)
	require.NoError(s.t, json.Unmarshal(b, &body))
	in := body.RestHook
	embed := ""
	if in.Embed != nil {
		embed = *in.Embed
	}
	if code := s.logged(fmt.Sprintf("POST %s %s %s", in.Event, in.TargetURL, embed)); code != 0 {
		writeJSON(s.t, w, code, `{"message":"failed"}`)
		return
	}
	s.nextID++
	h := &RestHook{ID: s.nextID, Event: in.Event, TargetURL: in.TargetURL, Embed: embed, Batched: true}
	if in.Description != nil {
		h.Description = *in.Description
	}
	s.hooks = append(s.hooks, h)
	out, err := json.Marshal(map[string]any{"restHook": h})
	require.NoError(s.t, err)
	writeJSON(s.t, w, http.StatusCreated, string(out))
}

func (s *hookStub) delete(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	require.NoError(s.t, err)
	if code := s.logged("DELETE " + r.PathValue("id")); code != 0 {
		writeJSON(s.t, w, code, `{"message":"failed"}`)
		return
	}
	for i, h := range s.hooks {
		if h.ID == id {
			s.hooks = append(s.hooks[:i], s.hooks[i+1:]...)
			w.WriteHeader(http.StatusNoContent)
			return
		}
	}
	writeJSON(s.t, w, http.StatusNotFound, `{"message":"Could not find resource"}`)
}

func (s *hookStub) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.log...)
}

func (s *hookStub) hookIDs() []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []int64
	for _, h := range s.hooks {
		ids = append(ids, h.ID)
	}
	return ids
}

const (
	targetA = "https://hooks.example.com/capsule/a"
	targetB = "https://hooks.example.com/capsule/b"
	targetX = "https://other.example.com/someone-else"
)

func hookAt(id int64, event HookEvent, target, embed string) *RestHook {
	return &RestHook{ID: id, Event: event, TargetURL: target, Embed: embed, Batched: true}
}

func wantHook(event HookEvent, target, embed string) RestHookInput {
	in := RestHookInput{Event: Set(event), TargetURL: Set(target)}
	if embed != "" {
		in.Embed = Set(embed)
	}
	return in
}

func hookIDs(hooks []*RestHook) []int64 {
	out := []int64{}
	for _, h := range hooks {
		out = append(out, h.ID)
	}
	return out
}

func TestRestHooksEnsure_NothingToDo(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	stub := newHookStub(t, mux,
		hookAt(101, EventPartyCreated, targetA, "fields,tags"),
		hookAt(102, EventTaskCompleted, targetA, ""),
		hookAt(103, EventPartyCreated, targetX, ""),
	)
	// The embed lists match whatever their order and spacing; the
	// description is not compared.
	in := wantHook(EventPartyCreated, targetA, " tags, fields")
	in.Description = Set("a new description")
	plan, resp, err := c.RestHooks.Ensure(t.Context(), []RestHookInput{in, wantHook(EventTaskCompleted, targetA, "")})
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, []string{"GET"}, stub.requests())
	assert.Equal(t, []int64{101, 102}, hookIDs(plan.Keep))
	assert.Equal(t, []int64{103}, hookIDs(plan.Others))
	assert.Empty(t, plan.Add)
	assert.Empty(t, plan.Remove)
	assert.False(t, plan.Changed())
	assert.True(t, plan.Done())
	assert.Equal(t, 3, plan.Total())
}

func TestRestHooksEnsure_AddOnly(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	stub := newHookStub(t, mux, hookAt(101, EventPartyCreated, targetA, ""))
	in := wantHook(EventOpportunityClosed, targetA, "fields")
	in.Description = Set("closed deals")
	plan, resp, err := c.RestHooks.Ensure(t.Context(), []RestHookInput{
		wantHook(EventPartyCreated, targetA, ""), in, wantHook(EventUserDeleted, targetB, ""),
	})
	require.NoError(t, err)
	assert.Equal(t, http.StatusCreated, resp.StatusCode, "the response of the last call")
	assert.Equal(t, []string{
		"GET",
		"POST opportunity/closed " + targetA + " fields",
		"POST user/deleted " + targetB + " ",
	}, stub.requests())
	assert.Equal(t, []int64{101}, hookIDs(plan.Keep))
	assert.Equal(t, []RestHookInput{in, wantHook(EventUserDeleted, targetB, "")}, plan.Add)
	require.Len(t, plan.Added, 2)
	assert.Equal(t, &RestHook{ID: 501, Event: EventOpportunityClosed, TargetURL: targetA, Embed: "fields",
		Description: "closed deals", Batched: true}, plan.Added[0])
	assert.Equal(t, int64(502), plan.Added[1].ID)
	assert.Empty(t, plan.Removed)
	assert.True(t, plan.Changed())
	assert.True(t, plan.Done())
	assert.Equal(t, []int64{101, 501, 502}, stub.hookIDs())
}

func TestRestHooksEnsure_RemoveOnly(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	stub := newHookStub(t, mux,
		hookAt(107, EventPartyCreated, targetA, ""), // a repeat of 101
		hookAt(104, EventPartyDeleted, targetA, ""), // not wanted
		hookAt(101, EventPartyCreated, targetA, ""),
		hookAt(105, EventPartyCreated, targetA, "tags"), // another embed: not wanted
	)
	plan, resp, err := c.RestHooks.Ensure(t.Context(), []RestHookInput{wantHook(EventPartyCreated, targetA, "")})
	require.NoError(t, err)
	assert.Equal(t, http.StatusNoContent, resp.StatusCode)
	assert.Equal(t, []string{"GET", "DELETE 104", "DELETE 105", "DELETE 107"}, stub.requests())
	assert.Equal(t, []int64{101}, hookIDs(plan.Keep), "the oldest of the repeats is kept")
	assert.Equal(t, []int64{104, 105, 107}, hookIDs(plan.Remove))
	assert.Equal(t, plan.Remove, plan.Removed)
	assert.Empty(t, plan.Add)
	assert.True(t, plan.Done())
	assert.Equal(t, []int64{101}, stub.hookIDs())
}

// Changing a hook's embed subscribes the new hook before removing the old,
// so deliveries never stop.
func TestRestHooksEnsure_AddAndRemove(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	stub := newHookStub(t, mux,
		hookAt(101, EventPartyCreated, targetA, "fields"),
		hookAt(102, EventKaseMoved, targetA, ""),
		hookAt(103, EventKaseMoved, targetX, ""),
	)
	plan, _, err := c.RestHooks.Ensure(t.Context(), []RestHookInput{
		wantHook(EventPartyCreated, targetA, "fields,tags"), wantHook(EventKaseMoved, targetA, ""),
	})
	require.NoError(t, err)
	assert.Equal(t, []string{"GET", "POST party/created " + targetA + " fields,tags", "DELETE 101"}, stub.requests())
	assert.Equal(t, []int64{102}, hookIDs(plan.Keep))
	assert.Equal(t, []int64{101}, hookIDs(plan.Removed))
	assert.Equal(t, []int64{501}, hookIDs(plan.Added))
	assert.Equal(t, []int64{103}, hookIDs(plan.Others))
	assert.Equal(t, []int64{102, 103, 501}, stub.hookIDs())

	// A second run finds everything in place.
	again, _, err := c.RestHooks.Ensure(t.Context(), []RestHookInput{
		wantHook(EventPartyCreated, targetA, "tags,fields"), wantHook(EventKaseMoved, targetA, ""),
	})
	require.NoError(t, err)
	assert.False(t, again.Changed())
	assert.Len(t, stub.requests(), 4)
}

// Without room for the new hooks first, Ensure removes before it adds.
func TestRestHooksEnsure_RemovesFirstWhenFull(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	existing := []*RestHook{hookAt(101, EventPartyCreated, targetA, ""), hookAt(102, EventPartyUpdated, targetA, "")}
	for i := range MaxRestHooks - 2 {
		existing = append(existing, hookAt(int64(200+i), EventPartyCreated, fmt.Sprintf("%s/%d", targetX, i), ""))
	}
	stub := newHookStub(t, mux, existing...)
	plan, _, err := c.RestHooks.Ensure(t.Context(), []RestHookInput{
		wantHook(EventPartyCreated, targetA, "tags"), wantHook(EventPartyDeleted, targetA, ""),
	})
	require.NoError(t, err)
	assert.Equal(t, []string{
		"GET", "DELETE 101", "DELETE 102",
		"POST party/created " + targetA + " tags", "POST party/deleted " + targetA + " ",
	}, stub.requests())
	assert.Equal(t, MaxRestHooks, plan.Total())
	assert.Len(t, plan.Others, MaxRestHooks-2)
	assert.True(t, plan.Done())
}

func TestRestHooksEnsure_LimitExceededSendsNothing(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	existing := []*RestHook{hookAt(101, EventPartyCreated, targetA, "")}
	for i := range MaxRestHooks - 2 {
		existing = append(existing, hookAt(int64(200+i), EventPartyCreated, fmt.Sprintf("%s/%d", targetX, i), ""))
	}
	stub := newHookStub(t, mux, existing...)
	wanted := []RestHookInput{
		wantHook(EventPartyCreated, targetA, ""), wantHook(EventPartyUpdated, targetA, ""), wantHook(EventPartyDeleted, targetA, ""),
	}
	for name, call := range map[string]func(context.Context, []RestHookInput) (*HookPlan, *Response, error){
		"Ensure": c.RestHooks.Ensure, "Plan": c.RestHooks.Plan,
	} {
		plan, _, err := call(t.Context(), wanted)
		require.ErrorIs(t, err, ErrInvalidArgument, name)
		assert.Contains(t, err.Error(), "21 REST hooks", name)
		assert.Contains(t, err.Error(), "18 at other target URLs", name)
		require.NotNil(t, plan, name)
		assert.Equal(t, 21, plan.Total(), name)
		assert.Len(t, plan.Add, 2, name)
		assert.Empty(t, plan.Added, name)
	}
	assert.Equal(t, []string{"GET", "GET"}, stub.requests())
}

// Hooks at target URLs the caller did not name are never touched, whatever
// their event.
func TestRestHooksEnsure_OtherTargetsUntouched(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	stub := newHookStub(t, mux,
		hookAt(101, EventPartyCreated, targetX, ""),
		hookAt(102, EventPartyCreated, targetA+"/", ""), // another URL, by a slash
		hookAt(103, EventUserCreated, targetB, ""),
		hookAt(104, EventUserCreated, targetA, ""),
	)
	plan, _, err := c.RestHooks.Ensure(t.Context(), []RestHookInput{wantHook(EventPartyCreated, targetA, "")})
	require.NoError(t, err)
	assert.Equal(t, []string{"GET", "POST party/created " + targetA + " ", "DELETE 104"}, stub.requests())
	assert.Equal(t, []int64{101, 102, 103}, hookIDs(plan.Others))
	assert.Equal(t, []int64{101, 102, 103, 501}, stub.hookIDs())
}

func TestRestHooksEnsure_SubscribeFailsMidway(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	stub := newHookStub(t, mux, hookAt(101, EventPartyCreated, targetA, ""))
	stub.fail[3] = http.StatusBadGateway // the second POST
	plan, _, err := c.RestHooks.Ensure(t.Context(), []RestHookInput{
		wantHook(EventPartyUpdated, targetA, ""), wantHook(EventPartyDeleted, targetA, ""), wantHook(EventTaskCreated, targetA, ""),
	})
	require.Error(t, err)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusBadGateway, apiErr.StatusCode)
	assert.Contains(t, err.Error(), "subscribed 1 of 3, unsubscribed 0 of 1")
	// The failed POST is not retried, and nothing after it is sent.
	assert.Equal(t, []string{
		"GET", "POST party/updated " + targetA + " ", "POST party/deleted " + targetA + " ",
	}, stub.requests())
	require.NotNil(t, plan)
	assert.Len(t, plan.Add, 3)
	assert.Equal(t, []int64{501}, hookIDs(plan.Added))
	assert.Equal(t, []int64{101}, hookIDs(plan.Remove))
	assert.Empty(t, plan.Removed)
	assert.False(t, plan.Done())

	// Running it again finishes the job.
	plan, _, err = c.RestHooks.Ensure(t.Context(), []RestHookInput{
		wantHook(EventPartyUpdated, targetA, ""), wantHook(EventPartyDeleted, targetA, ""), wantHook(EventTaskCreated, targetA, ""),
	})
	require.NoError(t, err)
	assert.Equal(t, []int64{501}, hookIDs(plan.Keep))
	assert.Equal(t, []int64{502, 503}, hookIDs(plan.Added))
	assert.Equal(t, []int64{101}, hookIDs(plan.Removed))
	assert.Equal(t, []int64{501, 502, 503}, stub.hookIDs())
}

func TestRestHooksEnsure_UnsubscribeFailsMidway(t *testing.T) {
	t.Parallel()
	c, mux := setup(t, WithRetryPolicy(nil))
	stub := newHookStub(t, mux,
		hookAt(101, EventPartyCreated, targetA, ""),
		hookAt(102, EventPartyUpdated, targetA, ""),
		hookAt(103, EventPartyDeleted, targetA, ""),
	)
	stub.fail[4] = http.StatusNotFound            // 102 is already gone: that is fine
	stub.fail[5] = http.StatusInternalServerError // 103 fails
	plan, _, err := c.RestHooks.Ensure(t.Context(), []RestHookInput{wantHook(EventUserCreated, targetA, "")})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "subscribed 1 of 1, unsubscribed 2 of 3")
	assert.Equal(t, []string{"GET", "POST user/created " + targetA + " ", "DELETE 101", "DELETE 102", "DELETE 103"}, stub.requests())
	assert.Equal(t, []int64{101, 102}, hookIDs(plan.Removed))
	assert.False(t, plan.Done())
}

func TestRestHooksEnsure_ReadFails(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	stub := newHookStub(t, mux)
	stub.fail[1] = http.StatusUnauthorized
	plan, _, err := c.RestHooks.Ensure(t.Context(), []RestHookInput{wantHook(EventUserCreated, targetA, "")})
	require.ErrorIs(t, err, ErrUnauthorized)
	assert.Nil(t, plan)
	assert.Equal(t, []string{"GET"}, stub.requests())
}

// Plan is the dry run: it reads, and writes nothing.
func TestRestHooksPlan(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	stub := newHookStub(t, mux,
		hookAt(101, EventPartyCreated, targetA, ""),
		hookAt(102, EventPartyUpdated, targetA, ""),
		hookAt(103, EventPartyUpdated, targetX, ""),
	)
	plan, resp, err := c.RestHooks.Plan(t.Context(), []RestHookInput{
		wantHook(EventPartyCreated, targetA, ""), wantHook(EventPartyDeleted, targetA, ""),
	})
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, []string{"GET"}, stub.requests())
	assert.Equal(t, []int64{101}, hookIDs(plan.Keep))
	assert.Equal(t, []RestHookInput{wantHook(EventPartyDeleted, targetA, "")}, plan.Add)
	assert.Equal(t, []int64{102}, hookIDs(plan.Remove))
	assert.Equal(t, []int64{103}, hookIDs(plan.Others))
	assert.Empty(t, plan.Added)
	assert.Empty(t, plan.Removed)
	assert.True(t, plan.Changed())
	assert.False(t, plan.Done())
	assert.Equal(t, 3, plan.Total())
	assert.Equal(t, []int64{101, 102, 103}, stub.hookIDs())
}

// Capsule's refusal of a hook write names the requirement and matches
// ErrForbidden: a 403, or a 400/422 that speaks of administrators or
// registered applications.
func TestRestHooks_AccessRefusals(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		status    int
		body      string
		forbidden bool
	}{
		{"403", http.StatusForbidden, `{"message":"Forbidden"}`, true},
		{"422 admin", http.StatusUnprocessableEntity, `{"message":"Validation Failed","errors":[{"message":"user must be an administrator","resource":"restHook","field":"user"}]}`, true},
		{"422 app", http.StatusUnprocessableEntity, `{"message":"REST hooks can only be managed by a registered application"}`, true},
		{"400 oauth", http.StatusBadRequest, `{"message":"Requires OAuth authentication"}`, true},
		{"422 other", http.StatusUnprocessableEntity, `{"message":"Validation Failed","errors":[{"message":"targetUrl is invalid","resource":"restHook","field":"targetUrl"}]}`, false},
		{"401", http.StatusUnauthorized, `{"message":"administrator token expired"}`, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, mux := setup(t)
			reply := func(w http.ResponseWriter, r *http.Request) { writeJSON(t, w, tc.status, tc.body) }
			mux.HandleFunc("POST /resthooks", reply)
			mux.HandleFunc("DELETE /resthooks/{id}", reply)
			mux.HandleFunc("GET /resthooks", func(w http.ResponseWriter, r *http.Request) {
				writeJSON(t, w, http.StatusOK, `{"restHooks":[{"id":9,"event":"party/created","targetUrl":"`+targetA+`"}]}`)
			})
			_, _, subErr := c.RestHooks.Subscribe(t.Context(), &RestHookInput{Event: Set(EventPartyCreated), TargetURL: Set(targetA)})
			_, unsubErr := c.RestHooks.Unsubscribe(t.Context(), 9)
			_, _, ensureErr := c.RestHooks.Ensure(t.Context(), []RestHookInput{wantHook(EventPartyUpdated, targetA, "")})
			for _, err := range []error{subErr, unsubErr, ensureErr} {
				require.Error(t, err)
				var apiErr *APIError
				require.ErrorAs(t, err, &apiErr)
				assert.Equal(t, tc.status, apiErr.StatusCode)
				assert.Equal(t, tc.forbidden, errors.Is(err, ErrForbidden), "%v", err)
				assert.Equal(t, tc.forbidden, strings.Contains(err.Error(), "registered OAuth application"), "%v", err)
				if tc.status == http.StatusUnprocessableEntity {
					assert.ErrorIs(t, err, ErrValidation)
				}
			}
		})
	}
}

func TestRestHooksEnsure_InvalidArguments(t *testing.T) {
	t.Parallel()
	ensure := func(want []RestHookInput) func(ctx context.Context, c *Client) error {
		return func(ctx context.Context, c *Client) error { return ignore2(c.RestHooks.Ensure(ctx, want)) }
	}
	plan := func(want []RestHookInput) func(ctx context.Context, c *Client) error {
		return func(ctx context.Context, c *Client) error { return ignore2(c.RestHooks.Plan(ctx, want)) }
	}
	good := wantHook(EventPartyCreated, targetA, "")
	nullEmbed := wantHook(EventPartyUpdated, targetA, "")
	nullEmbed.Embed = Null[string]()
	var cases []refCase
	for name, call := range map[string]func([]RestHookInput) func(context.Context, *Client) error{"ensure": ensure, "plan": plan} {
		cases = append(cases,
			refCase{name + " nil", call(nil)},
			refCase{name + " empty", call([]RestHookInput{})},
			refCase{name + " no event", call([]RestHookInput{good, {TargetURL: Set(targetA)}})},
			refCase{name + " unknown event", call([]RestHookInput{wantHook("task/deleted", targetA, "")})},
			refCase{name + " relative target", call([]RestHookInput{wantHook(EventPartyCreated, "/hooks", "")})},
			refCase{name + " null embed", call([]RestHookInput{nullEmbed})},
			refCase{name + " repeat", call([]RestHookInput{good, wantHook(EventPartyDeleted, targetA, ""), wantHook(EventPartyCreated, targetA, " ")})},
			refCase{name + " repeat by embed order", call([]RestHookInput{wantHook(EventPartyCreated, targetA, "tags,fields"), wantHook(EventPartyCreated, targetA, "fields,tags")})},
		)
	}
	assertNoRequestOnBadArgs(t, cases)

	c, mux := setup(t)
	refuseRequests(t, mux)
	_, _, err := c.RestHooks.Ensure(t.Context(), []RestHookInput{good, {TargetURL: Set(targetA)}})
	assert.EqualError(t, err, "capsule: invalid argument want[1].Event: is required")
	_, _, err = c.RestHooks.Ensure(t.Context(), []RestHookInput{good, wantHook(EventPartyDeleted, targetA, ""), good})
	assert.EqualError(t, err, "capsule: invalid argument want[2]: repeats want[0] (party/created to "+targetA+")")
}

func TestNormalEmbed(t *testing.T) {
	t.Parallel()
	for in, out := range map[string]string{
		"": "", " ": "", ",": "", "tags": "tags", "tags,fields": "fields,tags",
		" fields , tags ,fields,": "fields,tags", "owner,fields,tags": "fields,owner,tags",
	} {
		assert.Equal(t, out, normalEmbed(in), "%q", in)
	}
}
