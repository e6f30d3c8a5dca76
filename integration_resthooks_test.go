package capsule_test

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/capsulecrm-go/capsule"
	"github.com/capsulecrm-go/capsule/capsuletest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// RestHooks.Ensure against the fake Capsule, which keeps at most 20 hooks.

const (
	ensureTarget = "https://sync.example.com/capsule/hook-7f3a"
	otherTarget  = "https://other-app.example.com/hooks"
)

func wantedHook(event capsule.HookEvent, embed string) capsule.RestHookInput {
	in := capsule.RestHookInput{Event: capsule.Set(event), TargetURL: capsule.Set(ensureTarget)}
	if embed != "" {
		in.Embed = capsule.Set(embed)
	}
	return in
}

// startHookFake is startFake with a client that authenticates as the fake's
// OAuth application (srv.AppToken): Capsule manages REST hooks only through
// a registered application.
func startHookFake(t *testing.T, seed int, srvOpts []capsuletest.Option, opts ...capsule.Option) (*capsuletest.Server, *capsule.Client) {
	t.Helper()
	srv, _ := startFake(t, seed, srvOpts)
	return srv, clientFor(t, srv, srv.AppToken, opts...)
}

// hooksAt lists the account's hooks at target as "event embed".
func hooksAt(t *testing.T, c *capsule.Client, target string) []string {
	t.Helper()
	hooks, _, err := c.RestHooks.Read(t.Context())
	require.NoError(t, err)
	var out []string
	for _, h := range hooks {
		if h.TargetURL == target {
			out = append(out, fmt.Sprintf("%s %s", h.Event, h.Embed))
		}
	}
	slices.Sort(out)
	return out
}

func TestIntegrationRestHooks_Ensure(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	srv, c := startHookFake(t, 0, nil)

	other, _, err := c.RestHooks.Subscribe(ctx, &capsule.RestHookInput{
		Event: capsule.Set(capsule.EventPartyCreated), TargetURL: capsule.Set(otherTarget),
	})
	require.NoError(t, err)

	want := []capsule.RestHookInput{
		wantedHook(capsule.EventPartyCreated, "fields,tags"),
		wantedHook(capsule.EventPartyUpdated, "fields,tags"),
		wantedHook(capsule.EventOpportunityClosed, ""),
	}
	n := len(srv.Requests())
	plan, _, err := c.RestHooks.Ensure(ctx, want)
	require.NoError(t, err)
	assert.Equal(t, []string{"GET /resthooks 200", "POST /resthooks 201", "POST /resthooks 201", "POST /resthooks 201"},
		statuses(requestsSince(srv, n)))
	assert.Len(t, plan.Added, 3)
	assert.Equal(t, []*capsule.RestHook{other}, plan.Others)
	assert.Equal(t, []string{"opportunity/closed ", "party/created fields,tags", "party/updated fields,tags"}, hooksAt(t, c, ensureTarget))

	// Again: one read, no writes.
	n = len(srv.Requests())
	plan, _, err = c.RestHooks.Ensure(ctx, want)
	require.NoError(t, err)
	assert.False(t, plan.Changed())
	assert.Len(t, plan.Keep, 3)
	assert.Equal(t, []string{"GET /resthooks 200"}, statuses(requestsSince(srv, n)))

	// A new set: one event dropped, one embed changed, one event added.
	want = []capsule.RestHookInput{
		wantedHook(capsule.EventPartyCreated, "tags,fields"),
		wantedHook(capsule.EventPartyUpdated, "fields"),
		wantedHook(capsule.EventTaskCompleted, ""),
	}
	dry, _, err := c.RestHooks.Plan(ctx, want)
	require.NoError(t, err)
	assert.Len(t, dry.Add, 2)
	assert.Len(t, dry.Remove, 2)
	n = len(srv.Requests())
	plan, _, err = c.RestHooks.Ensure(ctx, want)
	require.NoError(t, err)
	require.Len(t, plan.Removed, 2)
	assert.Equal(t, []string{
		"GET /resthooks 200", "POST /resthooks 201", "POST /resthooks 201",
		fmt.Sprintf("DELETE /resthooks/%d 204", plan.Removed[0].ID), fmt.Sprintf("DELETE /resthooks/%d 204", plan.Removed[1].ID),
	}, statuses(requestsSince(srv, n)), "the new hooks come before the old go")
	assert.Len(t, plan.Keep, 1)
	assert.True(t, plan.Done())
	assert.Equal(t, []string{"party/created fields,tags", "party/updated fields", "task/completed "}, hooksAt(t, c, ensureTarget))
	assert.Equal(t, []string{"party/created "}, hooksAt(t, c, otherTarget), "another target's hook is untouched")

	// Fill the account to 19 hooks (3 wanted, 16 at other targets): two
	// more wanted events do not fit, one does.
	for i := range 15 {
		_, _, err := c.RestHooks.Subscribe(ctx, &capsule.RestHookInput{
			Event: capsule.Set(capsule.EventUserUpdated), TargetURL: capsule.Set(fmt.Sprintf("%s/%d", otherTarget, i)),
		})
		require.NoError(t, err)
	}
	more := append(slices.Clone(want), wantedHook(capsule.EventKaseCreated, ""))
	n = len(srv.Requests())
	plan, _, err = c.RestHooks.Ensure(ctx, append(slices.Clone(more), wantedHook(capsule.EventKaseClosed, "")))
	require.ErrorIs(t, err, capsule.ErrInvalidArgument)
	assert.Equal(t, capsule.MaxRestHooks+1, plan.Total())
	assert.Equal(t, []string{"GET /resthooks 200"}, statuses(requestsSince(srv, n)), "nothing is written")

	// Exactly 20 fits.
	plan, _, err = c.RestHooks.Ensure(ctx, more)
	require.NoError(t, err)
	assert.Equal(t, capsule.MaxRestHooks, plan.Total())
	all, _, err := c.RestHooks.Read(ctx)
	require.NoError(t, err)
	assert.Len(t, all, capsule.MaxRestHooks)

	// The fake's own limit answers 422 once the account is full.
	_, _, err = c.RestHooks.Subscribe(ctx, &capsule.RestHookInput{
		Event: capsule.Set(capsule.EventUserCreated), TargetURL: capsule.Set(otherTarget),
	})
	require.ErrorIs(t, err, capsule.ErrValidation)
	assert.NotErrorIs(t, err, capsule.ErrForbidden)
}

// lostResponses passes requests to the fake but, for the POSTs it is told
// to, drops the answer: the hook exists, the client sees a network error.
type lostResponses struct {
	posts atomic.Int32
	lose  int32 // the 1-based POST whose answer is lost
}

func (l *lostResponses) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err == nil && r.Method == http.MethodPost && l.posts.Add(1) == l.lose {
		resp.Body.Close()
		return nil, errors.New("connection reset by peer")
	}
	return resp, err
}

// A subscription whose answer was lost is not sent again (no duplicate
// hook); Ensure reports how far it got, and the next Ensure finds the hook
// and keeps it.
func TestIntegrationRestHooks_EnsureLostAnswer(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	tr := &lostResponses{lose: 2}
	srv, c := startHookFake(t, 0, nil, capsule.WithHTTPClient(&http.Client{Transport: tr}))
	want := []capsule.RestHookInput{
		wantedHook(capsule.EventPartyCreated, ""),
		wantedHook(capsule.EventPartyUpdated, ""),
		wantedHook(capsule.EventPartyDeleted, ""),
	}
	n := len(srv.Requests())
	plan, _, err := c.RestHooks.Ensure(ctx, want)
	require.ErrorContains(t, err, "subscribed 1 of 3")
	require.ErrorContains(t, err, "connection reset by peer")
	assert.Len(t, plan.Added, 1)
	assert.False(t, plan.Done())
	assert.Equal(t, []string{"GET /resthooks 200", "POST /resthooks 201", "POST /resthooks 201"}, statuses(requestsSince(srv, n)))
	assert.Equal(t, []string{"party/created ", "party/updated "}, hooksAt(t, c, ensureTarget))

	plan, _, err = c.RestHooks.Ensure(ctx, want)
	require.NoError(t, err)
	assert.Len(t, plan.Keep, 2)
	assert.Len(t, plan.Added, 1)
	assert.Equal(t, []string{"party/created ", "party/deleted ", "party/updated "}, hooksAt(t, c, ensureTarget))
}

// A token that may not write hooks gets ErrForbidden with the reason, and
// nothing changes.
func TestIntegrationRestHooks_EnsureForbidden(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	srv, c := startHookFake(t, 0, nil)
	_, _, err := c.RestHooks.Subscribe(ctx, &capsule.RestHookInput{
		Event: capsule.Set(capsule.EventUserCreated), TargetURL: capsule.Set(ensureTarget),
	})
	require.NoError(t, err)
	srv.AddToken("ro-ensure", true)
	ro := clientFor(t, srv, "ro-ensure")
	plan, _, err := ro.RestHooks.Ensure(ctx, []capsule.RestHookInput{wantedHook(capsule.EventPartyCreated, "")})
	require.ErrorIs(t, err, capsule.ErrForbidden)
	assert.ErrorContains(t, err, "account administrator")
	var apiErr *capsule.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusForbidden, apiErr.StatusCode)
	assert.Empty(t, plan.Added)
	assert.Equal(t, []string{"user/created "}, hooksAt(t, c, ensureTarget))
}
