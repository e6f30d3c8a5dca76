package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/capsulecrm-go/capsule"
	"github.com/capsulecrm-go/capsule/capsuletest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// writes returns the requests of srv's log that are not GETs.
func writes(srv *capsuletest.Server) []capsuletest.LoggedRequest {
	var out []capsuletest.LoggedRequest
	for _, r := range srv.Requests() {
		if r.Method != "GET" {
			out = append(out, r)
		}
	}
	return out
}

// onlyWrite returns the single write request of srv's log, failing the test
// unless there is exactly one.
func onlyWrite(t *testing.T, srv *capsuletest.Server) capsuletest.LoggedRequest {
	t.Helper()
	w := writes(srv)
	require.Len(t, w, 1, "one write request")
	return w[0]
}

// seededIDs returns a record of each type from the seeded fake, and empties
// the request log.
func seededIDs(t *testing.T, srv *capsuletest.Server) (party, milestone, opportunity, kase, task, entry int64) {
	t.Helper()
	c := sdkClient(t, srv)
	ctx := t.Context()
	parties, _, err := c.Parties.Read(ctx, nil)
	require.NoError(t, err)
	milestones, _, err := c.Milestones.Read(ctx, nil)
	require.NoError(t, err)
	opps, _, err := c.Opportunities.Read(ctx, nil)
	require.NoError(t, err)
	kases, _, err := c.Kases.Read(ctx, nil)
	require.NoError(t, err)
	tasks, _, err := c.Tasks.Read(ctx, nil)
	require.NoError(t, err)
	entries, _, err := c.Entries.Read(ctx, nil)
	require.NoError(t, err)
	require.True(t, len(parties) > 0 && len(milestones) > 0 && len(opps) > 0 && len(kases) > 0 && len(tasks) > 0 && len(entries) > 0)
	var note int64
	for _, e := range entries {
		if e.Type == capsule.EntryNote {
			note = e.ID
			break
		}
	}
	require.NotZero(t, note, "a seeded note")
	srv.ResetRequests()
	return parties[0].ID, milestones[0].ID, opps[0].ID, kases[0].ID, tasks[0].ID, note
}

// TestCreateAndUpdateFromFlags runs create and update of every type from
// flags: the request sent, the record printed, nothing on stderr.
func TestCreateAndUpdateFromFlags(t *testing.T) {
	srv := newServer(t)
	party, milestone, opp, kase, task, note := seededIDs(t, srv)
	cases := []struct {
		args       []string
		method     string
		path, body string
		check      func(t *testing.T, stdout string)
	}{
		{
			args:   []string{"parties", "create", "--type", "person", "--first-name", "Ada", "--last-name", "Lovelace", "--job-title", "Analyst", "--organisation", "Analytical Engines", "--email", "ada@example.com", "--email", "ada@home.example", "--phone", "+44 20 7946 0000", "--website", "https://ada.example", "--tag", "VIP"},
			method: "POST", path: "/api/v2/parties",
			body: `{"party":{"type":"person","firstName":"Ada","lastName":"Lovelace","jobTitle":"Analyst","organisation":{"name":"Analytical Engines"},"phoneNumbers":[{"number":"+44 20 7946 0000"}],"emailAddresses":[{"address":"ada@example.com"},{"address":"ada@home.example"}],"websites":[{"service":"URL","address":"https://ada.example"}],"tags":[{"name":"VIP"}]}}`,
			check: func(t *testing.T, stdout string) {
				p := jsonLines[capsule.Party](t, stdout)
				require.Len(t, p, 1)
				assert.Equal(t, "Ada Lovelace", p[0].DisplayName())
				require.Len(t, p[0].EmailAddresses, 2)
				assert.Equal(t, "ada@home.example", p[0].EmailAddresses[1].Address)
				require.NotNil(t, p[0].Organisation)
				assert.Equal(t, "Analytical Engines", p[0].Organisation.DisplayName())
			},
		},
		{
			args:   []string{"parties", "update", fmt.Sprint(party), "--about", "Met in May", "--owner", "674197"},
			method: "PUT", path: fmt.Sprintf("/api/v2/parties/%d", party),
			body: `{"party":{"about":"Met in May","owner":{"id":674197}}}`,
			check: func(t *testing.T, stdout string) {
				p := jsonLines[capsule.Party](t, stdout)
				require.Len(t, p, 1)
				require.NotNil(t, p[0].About)
				assert.Equal(t, "Met in May", *p[0].About)
			},
		},
		{
			args:   []string{"opportunities", "create", "--name", "Redesign", "--party", fmt.Sprint(party), "--milestone", fmt.Sprint(milestone), "--value", "1500.5", "--currency", "GBP", "--probability", "40", "--expected-close-on", "2026-03-31", "--tag", "Hot"},
			method: "POST", path: "/api/v2/opportunities",
			body: fmt.Sprintf(`{"opportunity":{"name":"Redesign","party":{"id":%d},"milestone":{"id":%d},"value":{"amount":1500.5,"currency":"GBP"},"probability":40,"expectedCloseOn":"2026-03-31","tags":[{"name":"Hot"}]}}`, party, milestone),
			check: func(t *testing.T, stdout string) {
				o := jsonLines[capsule.Opportunity](t, stdout)
				require.Len(t, o, 1)
				assert.Equal(t, "Redesign", o[0].Name)
				require.NotNil(t, o[0].Value)
				assert.Equal(t, 1500.5, o[0].Value.Amount)
			},
		},
		{
			args:   []string{"opportunities", "update", fmt.Sprint(opp), "--description", "Phase two"},
			method: "PUT", path: fmt.Sprintf("/api/v2/opportunities/%d", opp),
			body: `{"opportunity":{"description":"Phase two"}}`,
			check: func(t *testing.T, stdout string) {
				o := jsonLines[capsule.Opportunity](t, stdout)
				require.Len(t, o, 1)
				require.NotNil(t, o[0].Description)
				assert.Equal(t, "Phase two", *o[0].Description)
			},
		},
		{
			args:   []string{"projects", "create", "--name", "Onboarding", "--party", fmt.Sprint(party), "--expected-close-on", "2026-04-01"},
			method: "POST", path: "/api/v2/kases",
			body: fmt.Sprintf(`{"kase":{"name":"Onboarding","party":{"id":%d},"expectedCloseOn":"2026-04-01"}}`, party),
			check: func(t *testing.T, stdout string) {
				k := jsonLines[capsule.Kase](t, stdout)
				require.Len(t, k, 1)
				assert.Equal(t, "Onboarding", k[0].Name)
			},
		},
		{
			args:   []string{"kases", "update", fmt.Sprint(kase), "--status", "CLOSED"},
			method: "PUT", path: fmt.Sprintf("/api/v2/kases/%d", kase),
			body: `{"kase":{"status":"CLOSED"}}`,
			check: func(t *testing.T, stdout string) {
				k := jsonLines[capsule.Kase](t, stdout)
				require.Len(t, k, 1)
				assert.Equal(t, capsule.KaseClosed, k[0].Status)
			},
		},
		{
			args:   []string{"tasks", "create", "--description", "Call Ada", "--detail", "About the offer", "--due-on", "2026-01-15", "--party", fmt.Sprint(party)},
			method: "POST", path: "/api/v2/tasks",
			body: fmt.Sprintf(`{"task":{"description":"Call Ada","detail":"About the offer","dueOn":"2026-01-15","party":{"id":%d}}}`, party),
			check: func(t *testing.T, stdout string) {
				tk := jsonLines[capsule.Task](t, stdout)
				require.Len(t, tk, 1)
				assert.Equal(t, "Call Ada", tk[0].Description)
			},
		},
		{
			args:   []string{"tasks", "update", fmt.Sprint(task), "--due-on", "2026-02-01"},
			method: "PUT", path: fmt.Sprintf("/api/v2/tasks/%d", task),
			body: `{"task":{"dueOn":"2026-02-01"}}`,
			check: func(t *testing.T, stdout string) {
				tk := jsonLines[capsule.Task](t, stdout)
				require.Len(t, tk, 1)
				require.NotNil(t, tk[0].DueOn)
				assert.Equal(t, "2026-02-01", tk[0].DueOn.String())
			},
		},
		{
			args:   []string{"entries", "create", "--party", fmt.Sprint(party), "--content", "Met at the conference", "--at", "2026-01-10T09:30:00Z"},
			method: "POST", path: "/api/v2/entries",
			body: fmt.Sprintf(`{"entry":{"type":"note","content":"Met at the conference","entryAt":"2026-01-10T09:30:00Z","party":{"id":%d}}}`, party),
			check: func(t *testing.T, stdout string) {
				e := jsonLines[capsule.Entry](t, stdout)
				require.Len(t, e, 1)
				assert.Equal(t, capsule.EntryNote, e[0].Type)
				require.NotNil(t, e[0].Content)
				assert.Equal(t, "Met at the conference", *e[0].Content)
			},
		},
		{
			args:   []string{"entries", "update", fmt.Sprint(note), "--content", "Met in May"},
			method: "PUT", path: fmt.Sprintf("/api/v2/entries/%d", note),
			body: `{"entry":{"content":"Met in May"}}`,
			check: func(t *testing.T, stdout string) {
				e := jsonLines[capsule.Entry](t, stdout)
				require.Len(t, e, 1)
				require.NotNil(t, e[0].Content)
				assert.Equal(t, "Met in May", *e[0].Content)
			},
		},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args[:2], "_"), func(t *testing.T) {
			srv.ResetRequests()
			stdout, stderr, code := runCLI(t, srv, "", tc.args...)
			require.Equal(t, exitOK, code, "stderr: %s", stderr)
			assert.Empty(t, stderr)
			w := onlyWrite(t, srv)
			assert.Equal(t, tc.method, w.Method)
			assert.Equal(t, tc.path, w.Path)
			assert.JSONEq(t, tc.body, string(w.Body))
			tc.check(t, stdout)
		})
	}
}

// TestWritePrintsATableOnATerminal prints the written record as the get
// command does.
func TestWritePrintsATableOnATerminal(t *testing.T) {
	srv := newServer(t)
	stdout, stderr, code := runCLI(t, srv, "", "parties", "create", "--type", "organisation", "--name", "Analytical Engines", "--output", "table")
	require.Equal(t, exitOK, code, stderr)
	rows := tableRows(stdout)
	assert.Contains(t, rows, []string{"NAME", "Analytical Engines"})
	assert.Contains(t, rows, []string{"TYPE", "organisation"})
}

// TestCreateFromData reads the SDK input's JSON from a file and from stdin;
// flags override the document.
func TestCreateFromData(t *testing.T) {
	srv := newServer(t)
	file := filepath.Join(t.TempDir(), "party.json")
	require.NoError(t, os.WriteFile(file, []byte(`{"type": "person", "firstName": "Grace", "lastName": "Hopper", "jobTitle": null, "tags": [{"name": "Navy"}]}`), 0o600))

	stdout, stderr, code := runCLI(t, srv, "", "parties", "create", "--data", "@"+file, "--last-name", "Murray Hopper")
	require.Equal(t, exitOK, code, stderr)
	assert.JSONEq(t, `{"party":{"type":"person","firstName":"Grace","lastName":"Murray Hopper","jobTitle":null,"tags":[{"name":"Navy"}]}}`, string(onlyWrite(t, srv).Body))
	p := jsonLines[capsule.Party](t, stdout)
	require.Len(t, p, 1)
	assert.Equal(t, "Grace Murray Hopper", p[0].DisplayName())

	srv.ResetRequests()
	stdout, stderr, code = runCLI(t, srv, `{"description": "From stdin", "dueOn": "2026-05-01"}`, "tasks", "create", "--data", "-")
	require.Equal(t, exitOK, code, stderr)
	assert.JSONEq(t, `{"task":{"description":"From stdin","dueOn":"2026-05-01"}}`, string(onlyWrite(t, srv).Body))
	assert.Len(t, jsonLines[capsule.Task](t, stdout), 1)

	// A null in an update document clears the field.
	id := p[0].ID
	srv.ResetRequests()
	_, stderr, code = runCLI(t, srv, `{"lastName": null}`, "parties", "update", fmt.Sprint(id), "--data", "-")
	require.Equal(t, exitOK, code, stderr)
	assert.JSONEq(t, `{"party":{"lastName":null}}`, string(onlyWrite(t, srv).Body))
}

// TestDryRunSendsNothing prints the request of every write command and sends
// nothing at all.
func TestDryRunSendsNothing(t *testing.T) {
	srv := newServer(t)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"parties", "create", "--type", "organisation", "--name", "Acme"}, "POST /api/v2/parties\n" + `{
  "party": {
    "type": "organisation",
    "name": "Acme"
  }
}
`},
		{[]string{"parties", "update", "7", "--job-title", "CTO"}, "PUT /api/v2/parties/7\n" + `{
  "party": {
    "jobTitle": "CTO"
  }
}
`},
		{[]string{"parties", "delete", "7"}, "DELETE /api/v2/parties/7\n"},
		{[]string{"opportunities", "create", "--name", "Deal", "--party", "1", "--milestone", "2"}, "POST /api/v2/opportunities\n"},
		{[]string{"opportunities", "delete", "3"}, "DELETE /api/v2/opportunities/3\n"},
		{[]string{"projects", "update", "4", "--status", "OPEN"}, "PUT /api/v2/kases/4\n"},
		{[]string{"projects", "delete", "4"}, "DELETE /api/v2/kases/4\n"},
		{[]string{"tasks", "update", "5", "--description", "Call"}, "PUT /api/v2/tasks/5\n"},
		{[]string{"tasks", "delete", "5"}, "DELETE /api/v2/tasks/5\n"},
		{[]string{"entries", "create", "--party", "1", "--content", "Hi"}, "POST /api/v2/entries\n"},
		{[]string{"entries", "delete", "6"}, "DELETE /api/v2/entries/6\n"},
	}
	for _, tc := range cases {
		srv.ResetRequests()
		stdout, stderr, code := runCLI(t, srv, "", append(tc.args, "--dry-run")...)
		require.Equal(t, exitOK, code, "%v: %s", tc.args, stderr)
		assert.True(t, strings.HasPrefix(stdout, tc.want), "%v: stdout\n%s\nwant the start\n%s", tc.args, stdout, tc.want)
		assert.Equal(t, "capsule: dry run: nothing was sent\n", stderr, "%v", tc.args)
		assert.Empty(t, srv.Requests(), "%v sent a request", tc.args)
	}
}

// TestDryRunChecksTheInput: the SDK's checks run in a dry run too.
func TestDryRunChecksTheInput(t *testing.T) {
	srv := newServer(t)
	stdout, stderr, code := runCLI(t, srv, "", "opportunities", "create", "--name", "Deal", "--dry-run")
	assert.Equal(t, exitUsage, code)
	assert.Empty(t, stdout)
	assert.Contains(t, stderr, "party")
	assert.Empty(t, srv.Requests())
}

func TestDeleteRefusesWithoutYesOnANonTerminal(t *testing.T) {
	srv := newServer(t)
	for _, group := range []string{"parties", "opportunities", "projects", "tasks", "entries"} {
		srv.ResetRequests()
		stdout, stderr, code := runCLI(t, srv, "y\n", group, "delete", "3")
		assert.Equal(t, exitUsage, code, group)
		assert.Empty(t, stdout, group)
		assert.Contains(t, stderr, "without confirmation: stdin is not a terminal (pass --yes)\n", group)
		assert.Empty(t, srv.Requests(), "%s delete sent a request", group)
	}
}

// TestDeleteWithYes deletes what it created, for every type.
func TestDeleteWithYes(t *testing.T) {
	srv := newServer(t)
	party, milestone, _, _, _, _ := seededIDs(t, srv)
	c := sdkClient(t, srv)
	ctx := t.Context()
	person, _, err := c.Parties.Create(ctx, &capsule.PartyInput{Type: capsule.Set(capsule.PartyPerson), FirstName: capsule.Set("Gone")})
	require.NoError(t, err)
	opp, _, err := c.Opportunities.Create(ctx, &capsule.OpportunityInput{Name: capsule.Set("Gone"), Party: capsule.RefTo(party), Milestone: capsule.RefTo(milestone)})
	require.NoError(t, err)
	kase, _, err := c.Kases.Create(ctx, &capsule.KaseInput{Name: capsule.Set("Gone"), Party: capsule.RefTo(party)})
	require.NoError(t, err)
	task, _, err := c.Tasks.Create(ctx, &capsule.TaskInput{Description: capsule.Set("Gone"), DueOn: capsule.Set(capsule.NewDate(2026, 1, 2))})
	require.NoError(t, err)
	note, _, err := c.Entries.Create(ctx, &capsule.EntryInput{Party: capsule.RefTo(party), Content: capsule.Set("Gone")})
	require.NoError(t, err)

	for _, tc := range []struct {
		group, noun, path string
		id                int64
	}{
		{"parties", "party", "parties", person.ID},
		{"opportunities", "opportunity", "opportunities", opp.ID},
		{"projects", "project", "kases", kase.ID},
		{"tasks", "task", "tasks", task.ID},
		{"entries", "note", "entries", note.ID},
	} {
		srv.ResetRequests()
		stdout, stderr, code := runCLI(t, srv, "", tc.group, "delete", fmt.Sprint(tc.id), "--yes")
		require.Equal(t, exitOK, code, "%s: %s", tc.group, stderr)
		assert.Empty(t, stderr)
		assert.Regexp(t, fmt.Sprintf(`^Deleted %s %d( \(Capsule finishes in the background: job \S+\))?\n$`, tc.noun, tc.id), stdout)
		w := onlyWrite(t, srv)
		assert.Equal(t, "DELETE", w.Method)
		assert.Equal(t, fmt.Sprintf("/api/v2/%s/%d", tc.path, tc.id), w.Path)

		_, stderr, code = runCLI(t, srv, "", tc.group, "delete", fmt.Sprint(tc.id), "-y")
		assert.Equal(t, exitError, code, "deleting %s %d again", tc.group, tc.id)
		assert.Contains(t, stderr, "404")
	}
}

// runTerminal runs the program with stdin as a terminal, as a user at a
// shell would.
func runTerminal(t *testing.T, srv *capsuletest.Server, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	env := map[string]string{"HOME": t.TempDir(), "CAPSULE_TOKEN": srv.Token, "CAPSULE_BASE_URL": srv.BaseURL}
	var out, errOut bytes.Buffer
	code = runWith(t.Context(), args, strings.NewReader(stdin), &out, &errOut, func(k string) string { return env[k] }, terminals{stdin: true})
	return out.String(), errOut.String(), code
}

func TestDeleteAsksOnATerminal(t *testing.T) {
	srv := newServer(t)
	c := sdkClient(t, srv)
	task, _, err := c.Tasks.Create(t.Context(), &capsule.TaskInput{Description: capsule.Set("Maybe"), DueOn: capsule.Set(capsule.NewDate(2026, 1, 2))})
	require.NoError(t, err)
	id := fmt.Sprint(task.ID)

	for _, answer := range []string{"n\n", "\n", ""} {
		srv.ResetRequests()
		stdout, stderr, code := runTerminal(t, srv, answer, "tasks", "delete", id)
		assert.Equal(t, exitError, code, "answer %q", answer)
		assert.Empty(t, stdout)
		assert.Equal(t, "Delete task "+id+"? [y/N] capsule: did not delete task "+id+": not confirmed\n", stderr, "answer %q", answer)
		assert.Empty(t, srv.Requests(), "answer %q sent a request", answer)
	}

	srv.ResetRequests()
	stdout, stderr, code := runTerminal(t, srv, "yes\n", "tasks", "delete", id)
	require.Equal(t, exitOK, code, stderr)
	assert.Equal(t, "Delete task "+id+"? [y/N] ", stderr)
	assert.Equal(t, "Deleted task "+id+"\n", stdout)
	assert.Equal(t, "DELETE", onlyWrite(t, srv).Method)
}

// TestWriteUsageErrors: bad input is refused before any request, with exit
// status 2 and one line.
func TestWriteUsageErrors(t *testing.T) {
	srv := newServer(t)
	missing := filepath.Join(t.TempDir(), "missing.json")
	cases := []struct {
		stdin string
		args  []string
		want  string
	}{
		{"", []string{"parties", "create"}, "capsule parties create: nothing to send: give flags or --data"},
		{"", []string{"parties", "update", "7"}, "capsule parties update: nothing to send: give flags or --data"},
		{"", []string{"parties", "update", "x", "--about", "a"}, `ID must be a positive number, got "x"`},
		{"", []string{"parties", "delete"}, "capsule parties delete: want ID, got 0 argument(s)"},
		{"", []string{"parties", "create", "extra", "--name", "a"}, "capsule parties create: want no arguments, got 1 argument(s)"},
		{"", []string{"parties", "create", "--owner", "me"}, `--owner: ID must be a positive number, got "me"`},
		{"", []string{"opportunities", "create", "--expected-close-on", "31/01/2026"}, `--expected-close-on: invalid date "31/01/2026": want YYYY-MM-DD`},
		{"", []string{"opportunities", "create", "--value", "lots"}, `--value: want a number, got "lots"`},
		{"", []string{"opportunities", "create", "--currency", "GBP"}, "--currency: give the amount too, with --value"},
		{"", []string{"opportunities", "create", "--probability", "high"}, `--probability: want a whole number, got "high"`},
		{"", []string{"parties", "create", "--tag", " "}, "--tag: a tag needs a name"},
		{"", []string{"entries", "create", "--at", "noon"}, `--at: `},
		{"", []string{"parties", "create", "--data", "@" + missing}, "--data: open " + missing + ": no such file or directory"},
		{`{"firstNme": "Ada"}`, []string{"parties", "create", "--data", "-"}, `--data: not a valid document: json: unknown field "firstNme"`},
		{"", []string{"parties", "create", "--data", "{"}, "--data: not a valid document: unexpected EOF"},
		{"", []string{"parties", "create", "--data", `{} {}`}, "--data: more than one JSON value"},
		{"", []string{"parties", "create", "--first-name", "Ada"}, "invalid argument type: is required to create a party"},
		{"", []string{"tasks", "create", "--description", "No date"}, "invalid argument in.DueOn: is required"},
	}
	for _, tc := range cases {
		srv.ResetRequests()
		stdout, stderr, code := runCLI(t, srv, tc.stdin, tc.args...)
		assert.Equal(t, exitUsage, code, "%v: %s", tc.args, stderr)
		assert.Empty(t, stdout, "%v", tc.args)
		assert.True(t, strings.HasPrefix(stderr, "capsule: "), "%v: %s", tc.args, stderr)
		assert.Contains(t, strings.SplitN(stderr, "\n", 2)[0], tc.want, "%v", tc.args)
		assert.Equal(t, 1, strings.Count(stderr, "capsule: "), "%v: one line (and a hint): %s", tc.args, stderr)
		assert.Empty(t, srv.Requests(), "%v sent a request", tc.args)
	}
}

// TestWriteFailures: Capsule's refusals exit with 1 and print nothing on
// stdout; a failed create is sent once, never retried.
func TestWriteFailures(t *testing.T) {
	srv := newServer(t)
	stdout, stderr, code := runCLI(t, srv, "", "parties", "update", "999999", "--about", "x")
	assert.Equal(t, exitError, code)
	assert.Empty(t, stdout)
	assert.Contains(t, stderr, "PUT /parties/999999: 404")

	srv.ResetRequests()
	stdout, stderr, code = runCLI(t, srv, "", "opportunities", "create", "--name", "Deal", "--party", "999999", "--milestone", "999999")
	assert.Equal(t, exitError, code)
	assert.Empty(t, stdout)
	assert.Contains(t, stderr, "422")
	assert.Len(t, writes(srv), 1)

	srv.ResetRequests()
	srv.FailNext(1, 503)
	stdout, stderr, code = runCLI(t, srv, "", "tasks", "create", "--description", "Once", "--due-on", "2026-01-02")
	assert.Equal(t, exitError, code)
	assert.Empty(t, stdout)
	assert.Contains(t, stderr, "503")
	assert.Len(t, writes(srv), 1, "a failed create is not sent again")

	srv.ResetRequests()
	_, stderr, code = runCLIEnv(t, map[string]string{"HOME": t.TempDir(), "CAPSULE_TOKEN": "wrong-token", "CAPSULE_BASE_URL": srv.BaseURL}, "", "tasks", "delete", "1", "--yes")
	assert.Equal(t, exitAuth, code)
	assert.Contains(t, stderr, "401")

	// No token at all: refused before any request.
	srv.ResetRequests()
	for _, args := range [][]string{{"tasks", "delete", "1", "--yes"}, {"tasks", "create", "--description", "x", "--due-on", "2026-01-02"}} {
		stdout, _, code = runCLIEnv(t, map[string]string{"HOME": t.TempDir(), "CAPSULE_BASE_URL": srv.BaseURL}, "", args...)
		assert.Equal(t, exitAuth, code, "%v", args)
		assert.Empty(t, stdout, "%v", args)
	}
	assert.Empty(t, srv.Requests())
}

// TestWriteBadFieldsSendsNothing: the columns are checked before the write,
// so a bad --fields never leaves a record created and unprinted.
func TestWriteBadFieldsSendsNothing(t *testing.T) {
	srv := newServer(t)
	stdout, stderr, code := runCLI(t, srv, "", "parties", "create", "--type", "person", "--first-name", "Ada", "--fields", "id,bogus")
	assert.Equal(t, exitUsage, code, stderr)
	assert.Empty(t, stdout)
	assert.Contains(t, stderr, "bogus")
	assert.Empty(t, writes(srv))

	stdout, stderr, code = runCLI(t, srv, "", "parties", "create", "--type", "person", "--first-name", "Ada", "--fields", "id,first_name", "--output", "csv")
	require.Equal(t, exitOK, code, stderr)
	assert.Regexp(t, `^id,first_name\n\d+,Ada\n$`, stdout)
}

// TestWriteHelp: every write command documents itself with examples.
func TestWriteHelp(t *testing.T) {
	for _, group := range []string{"parties", "opportunities", "projects", "tasks", "entries"} {
		stdout, _, code := runCLI(t, nil, "", group, "--help")
		require.Equal(t, exitOK, code)
		for _, sub := range []string{"create", "update", "delete"} {
			assert.Contains(t, stdout, "\n  "+sub+" ", "%s --help lists %s", group, sub)
			help, stderr, code := runCLI(t, nil, "", group, sub, "--help")
			assert.Equal(t, exitOK, code, "%s %s --help: %s", group, sub, stderr)
			assert.Contains(t, help, "Examples:\n  capsule ", "%s %s", group, sub)
			assert.Contains(t, help, "--dry-run", "%s %s", group, sub)
		}
	}
	help, _, _ := runCLI(t, nil, "", "opportunities", "--help")
	assert.Contains(t, help, "Create an opportunity")
	help, _, _ = runCLI(t, nil, "", "parties", "create", "--help")
	assert.Contains(t, help, "--email stringArray")
	assert.Contains(t, help, "--data string")
}

// TestCustomFieldsByName: --field NAME=VALUE is checked against the
// definition and sent by definition id.
func TestCustomFieldsByName(t *testing.T) {
	srv := newServer(t)
	party, milestone, _, _, _, _ := seededIDs(t, srv)
	c := sdkClient(t, srv)
	partyDefs, err := c.CustomFields.ReadAll(t.Context(), capsule.EntityParties)
	require.NoError(t, err)
	code, err := partyDefs.Find("Account code")
	require.NoError(t, err)
	newsletter, err := partyDefs.Find("Newsletter")
	require.NoError(t, err)
	industry, err := partyDefs.Find("Industry")
	require.NoError(t, err)
	srv.ResetRequests()

	stdout, stderr, exit := runCLI(t, srv, "", "parties", "update", fmt.Sprint(party),
		"--field", "Account code=QS-1", "--field", "newsletter=true", "--field", "Industry=Retail")
	require.Equal(t, exitOK, exit, stderr)
	assert.JSONEq(t, fmt.Sprintf(`{"party":{"fields":[{"definition":{"id":%d},"value":"QS-1"},{"definition":{"id":%d},"value":true},{"definition":{"id":%d},"value":"Retail"}]}}`,
		code.ID, newsletter.ID, industry.ID), string(onlyWrite(t, srv).Body))
	assert.Len(t, jsonLines[capsule.Party](t, stdout), 1)

	srv.ResetRequests()
	_, stderr, exit = runCLI(t, srv, "", "opportunities", "create", "--name", "Deal", "--party", fmt.Sprint(party), "--milestone", fmt.Sprint(milestone), "--field", "Discount=12.5")
	require.Equal(t, exitOK, exit, stderr)
	assert.Contains(t, string(onlyWrite(t, srv).Body), `"value":12.5`)

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--field", "Industry=Space"}, `"Space" is not one of the options`},
		{[]string{"--field", "Nope=1"}, "Nope"},
		{[]string{"--field", "Newsletter=maybe"}, `--field Newsletter: want true or false, got "maybe"`},
		{[]string{"--field", "no-equals"}, `--field: want NAME=VALUE, got "no-equals"`},
		{[]string{"--field", "Account code=x", "--dry-run"}, "--field reads the field definitions from Capsule, so a dry run cannot take it"},
	} {
		srv.ResetRequests()
		stdout, stderr, exit := runCLI(t, srv, "", append([]string{"parties", "update", fmt.Sprint(party)}, tc.args...)...)
		assert.Equal(t, exitUsage, exit, "%v: %s", tc.args, stderr)
		assert.Empty(t, stdout, "%v", tc.args)
		assert.Contains(t, stderr, tc.want, "%v", tc.args)
		assert.Empty(t, writes(srv), "%v wrote", tc.args)
	}

	help, _, _ := runCLI(t, nil, "", "tasks", "create", "--help")
	assert.NotContains(t, help, "--field stringArray", "tasks have no custom fields")
	help, _, _ = runCLI(t, nil, "", "projects", "update", "--help")
	assert.Contains(t, help, "--field stringArray")
}

// TestTasksCompleteAndReopen completes an open task and opens it again:
// each one PUT of the status, the task printed as changed; --dry-run sends
// nothing; a bad id is a usage error before any request.
func TestTasksCompleteAndReopen(t *testing.T) {
	srv := newServer(t)
	tasks, _, err := sdkClient(t, srv).Tasks.Read(t.Context(), nil)
	require.NoError(t, err)
	require.NotEmpty(t, tasks)
	id := tasks[0].ID
	for _, step := range []struct{ verb, status string }{{"complete", "COMPLETED"}, {"reopen", "OPEN"}} {
		srv.ResetRequests()
		stdout, stderr, code := runCLI(t, srv, "", "tasks", step.verb, strconv.FormatInt(id, 10), "--output", "json")
		require.Equal(t, exitOK, code, stderr)
		reqs := srv.Requests()
		require.Len(t, reqs, 1)
		assert.Equal(t, "PUT", reqs[0].Method)
		assert.Equal(t, fmt.Sprintf("/api/v2/tasks/%d", id), reqs[0].Path)
		assert.JSONEq(t, `{"task":{"status":"`+step.status+`"}}`, string(reqs[0].Body))
		var task capsule.Task
		require.NoError(t, json.Unmarshal([]byte(stdout), &task), stdout)
		assert.Equal(t, id, task.ID)
		assert.Equal(t, capsule.TaskStatus(step.status), task.Status)
	}
	srv.ResetRequests()
	stdout, stderr, code := runCLI(t, srv, "", "tasks", "complete", "5", "--dry-run")
	require.Equal(t, exitOK, code, stderr)
	assert.Equal(t, "PUT /api/v2/tasks/5\n{\n  \"task\": {\n    \"status\": \"COMPLETED\"\n  }\n}\n", stdout, "the request that would be sent, body included")
	assert.Empty(t, srv.Requests())
	_, stderr, code = runCLI(t, srv, "", "tasks", "reopen", "x")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, `capsule: ID must be a positive number, got "x"`)
	assert.Empty(t, srv.Requests())
}
