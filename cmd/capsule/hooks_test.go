package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/capsulecrm-go/capsule"
	"github.com/capsulecrm-go/capsule/capsuletest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const hookURL = "https://example.com/hooks/x7f9"

// subscribeHook subscribes a hook through the SDK and empties the log.
func subscribeHook(t *testing.T, srv *capsuletest.Server, event capsule.HookEvent, target, embed string) *capsule.RestHook {
	t.Helper()
	in := &capsule.RestHookInput{Event: capsule.Set(event), TargetURL: capsule.Set(target)}
	if embed != "" {
		in.Embed = capsule.Set(embed)
	}
	h, _, err := sdkClient(t, srv).RestHooks.Subscribe(t.Context(), in)
	require.NoError(t, err)
	srv.ResetRequests()
	return h
}

func TestHooksList(t *testing.T) {
	srv := newServer(t)
	a := subscribeHook(t, srv, capsule.EventPartyCreated, hookURL, "fields,tags")
	b := subscribeHook(t, srv, capsule.EventTaskCompleted, "https://example.org/other", "")

	stdout, stderr, code := runCLI(t, srv, "", "hooks", "list", "--output", "table")
	require.Equal(t, exitOK, code, stderr)
	assert.Empty(t, stderr)
	assert.Equal(t, [][]string{
		{"ID", "EVENT", "TARGET_URL", "EMBED", "DESCRIPTION"},
		{fmt.Sprint(a.ID), "party/created", hookURL, "fields,tags", "-"},
		{fmt.Sprint(b.ID), "task/completed", "https://example.org/other", "-", "-"},
	}, tableRows(stdout))

	stdout, _, code = runCLI(t, srv, "", "hooks", "get", fmt.Sprint(b.ID), "--output", "jsonl")
	require.Equal(t, exitOK, code)
	hooks := jsonLines[capsule.RestHook](t, stdout)
	require.Len(t, hooks, 1)
	assert.Equal(t, capsule.EventTaskCompleted, hooks[0].Event)
}

func TestHooksSubscribe(t *testing.T) {
	srv := newServer(t)
	stdout, stderr, code := runCLI(t, srv, "", "hooks", "subscribe", "--event", "party/created", "--url", hookURL, "--embed", "tags,fields", "--description", "CRM sync")
	require.Equal(t, exitOK, code, stderr)
	assert.Empty(t, stderr)
	w := onlyWrite(t, srv)
	assert.Equal(t, "POST /api/v2/resthooks", w.Method+" "+w.Path)
	assert.JSONEq(t, `{"restHook":{"event":"party/created","targetUrl":"`+hookURL+`","description":"CRM sync","embed":"tags,fields"}}`, string(w.Body))
	hooks, _, err := sdkClient(t, srv).RestHooks.Read(t.Context())
	require.NoError(t, err)
	require.Len(t, hooks, 1)
	assert.Equal(t, fmt.Sprintf("Subscribed hook %d: party/created to %s\n", hooks[0].ID, hookURL), stdout)

	// The same hook again (the embed in another order) is refused, unsent.
	srv.ResetRequests()
	stdout, stderr, code = runCLI(t, srv, "", "hooks", "subscribe", "--event", "party/created", "--url", hookURL, "--embed", "fields,tags")
	assert.Equal(t, exitError, code)
	assert.Empty(t, stdout)
	assert.Equal(t, fmt.Sprintf("capsule: hook %d already sends party/created to %s: not subscribed again\n", hooks[0].ID, hookURL)+
		"hint: 'capsule hooks ensure' declares hooks and changes only what differs\n", stderr)
	assert.Empty(t, writes(srv))

	// Another embed is another hook.
	srv.ResetRequests()
	_, stderr, code = runCLI(t, srv, "", "hooks", "subscribe", "--event", "party/created", "--url", hookURL)
	require.Equal(t, exitOK, code, stderr)
	assert.Len(t, writes(srv), 1)
}

func TestHooksUnsubscribe(t *testing.T) {
	srv := newServer(t)
	h := subscribeHook(t, srv, capsule.EventPartyDeleted, hookURL, "")
	id := fmt.Sprint(h.ID)

	stdout, stderr, code := runCLI(t, srv, "", "hooks", "unsubscribe", id)
	assert.Equal(t, exitUsage, code)
	assert.Empty(t, stdout)
	assert.Contains(t, stderr, "capsule: refusing to unsubscribe hook "+id+" without confirmation: stdin is not a terminal (pass --yes)\n")
	assert.Empty(t, srv.Requests())

	stdout, stderr, code = runCLI(t, srv, "", "hooks", "unsubscribe", id, "--yes")
	require.Equal(t, exitOK, code, stderr)
	assert.Equal(t, "Unsubscribed hook "+id+"\n", stdout)
	w := onlyWrite(t, srv)
	assert.Equal(t, "DELETE /api/v2/resthooks/"+id, w.Method+" "+w.Path)

	_, stderr, code = runCLI(t, srv, "", "hooks", "unsubscribe", id, "--yes")
	assert.Equal(t, exitError, code)
	assert.Contains(t, stderr, "404")
}

func TestHooksPlanAndEnsure(t *testing.T) {
	srv := newServer(t)
	keep := subscribeHook(t, srv, capsule.EventPartyCreated, hookURL, "")
	stale := subscribeHook(t, srv, capsule.EventPartyDeleted, hookURL, "")
	other := subscribeHook(t, srv, capsule.EventPartyDeleted, "https://example.org/other", "")
	args := []string{"--url", hookURL, "--event", "party/created", "--event", "party/updated"}

	stdout, stderr, code := runCLI(t, srv, "", append([]string{"hooks", "plan"}, args...)...)
	require.Equal(t, exitOK, code, stderr)
	assert.Empty(t, stderr)
	assert.Equal(t, fmt.Sprintf("keep    %d party/created %s\nadd     party/updated %s\nremove  %d party/deleted %s\n",
		keep.ID, hookURL, hookURL, stale.ID, hookURL), stdout)
	assert.Empty(t, writes(srv), "plan writes nothing")

	stdout, stderr, code = runCLI(t, srv, "", append([]string{"hooks", "ensure"}, args...)...)
	require.Equal(t, exitOK, code, stderr)
	hooks, _, err := sdkClient(t, srv).RestHooks.Read(t.Context())
	require.NoError(t, err)
	var added *capsule.RestHook
	ids := map[int64]bool{}
	for _, h := range hooks {
		ids[h.ID] = true
		if h.Event == capsule.EventPartyUpdated {
			added = h
		}
	}
	require.NotNil(t, added)
	assert.Equal(t, map[int64]bool{keep.ID: true, added.ID: true, other.ID: true}, ids, "the stale hook is gone, the other URL's stays")
	assert.Equal(t, fmt.Sprintf("keep    %d party/created %s\nadded   %d party/updated %s\nremoved %d party/deleted %s\n",
		keep.ID, hookURL, added.ID, hookURL, stale.ID, hookURL), stdout)

	// Again: nothing to change, nothing written.
	srv.ResetRequests()
	stdout, stderr, code = runCLI(t, srv, "", append([]string{"hooks", "ensure"}, args...)...)
	require.Equal(t, exitOK, code, stderr)
	assert.Equal(t, "capsule: the hooks are as wanted; nothing to change\n", stderr)
	assert.Equal(t, 2, strings.Count(stdout, "keep "))
	assert.Empty(t, writes(srv))

	// The same from a document.
	srv.ResetRequests()
	doc := `[{"event": "party/created", "targetUrl": "` + hookURL + `"}]`
	stdout, stderr, code = runCLI(t, srv, doc, "hooks", "plan", "--data", "-")
	require.Equal(t, exitOK, code, stderr)
	assert.Equal(t, fmt.Sprintf("keep    %d party/created %s\nremove  %d party/updated %s\n", keep.ID, hookURL, added.ID, hookURL), stdout)
}

func TestHooksUsageErrors(t *testing.T) {
	srv := newServer(t)
	cases := []struct {
		stdin string
		args  []string
		want  string
	}{
		{"", []string{"hooks", "subscribe", "--url", hookURL}, "want --event and --url"},
		{"", []string{"hooks", "subscribe", "--event", "party/created"}, "want --event and --url"},
		{"", []string{"hooks", "subscribe", "--event", "party/exploded", "--url", hookURL}, `--event "party/exploded" is not one of party/created, `},
		{"", []string{"hooks", "ensure", "--event", "party/created"}, "want --event and --url"},
		{"", []string{"hooks", "ensure", "--data", "[]", "--url", hookURL}, "give the hooks either with --data or with --event and --url, not both"},
		{"{", []string{"hooks", "plan", "--data", "-"}, "--data: not a valid document"},
		{"", []string{"hooks", "subscribe", "--event", "party/created", "--url", "ftp://example.com"}, "invalid argument"},
		{"", []string{"hooks", "unsubscribe"}, "capsule hooks unsubscribe: want ID, got 0 argument(s)"},
	}
	for _, tc := range cases {
		srv.ResetRequests()
		stdout, stderr, code := runCLI(t, srv, tc.stdin, tc.args...)
		assert.Equal(t, exitUsage, code, "%v: %s", tc.args, stderr)
		assert.Empty(t, stdout, "%v", tc.args)
		assert.Contains(t, stderr, tc.want, "%v", tc.args)
		assert.Empty(t, writes(srv), "%v wrote", tc.args)
	}
}

// TestHooksNeedAnAdministrator: Capsule's 403 on a hook write comes with
// the hint about OAuth and administrators.
func TestHooksNeedAnAdministrator(t *testing.T) {
	srv := newServer(t)
	const readOnly = "cli-test-read-only-token"
	srv.AddToken(readOnly, true)
	env := map[string]string{"HOME": t.TempDir(), "CAPSULE_TOKEN": readOnly, "CAPSULE_BASE_URL": srv.BaseURL}
	for _, args := range [][]string{
		{"hooks", "subscribe", "--event", "party/created", "--url", hookURL},
		{"hooks", "ensure", "--event", "party/created", "--url", hookURL},
	} {
		stdout, stderr, code := runCLIEnv(t, env, "", args...)
		assert.Equal(t, exitError, code, "%v", args)
		assert.Empty(t, stdout, "%v", args)
		lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
		require.Len(t, lines, 2, "%v: %s", args, stderr)
		assert.Contains(t, lines[0], "403", "%v", args)
		assert.Equal(t, "hint: "+hooksAdminHint, lines[1], "%v", args)
	}
}
