package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/capsulecrm-go/capsule"
	"github.com/capsulecrm-go/capsule/capsuletest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// secretToken is the token the tests' fake accepts; no output may show it.
const secretToken = "cli-test-token-5f1e9a7c"

// fixture is a fake Capsule for the CLI, the environment that points the
// CLI at it, and an SDK client to compute what the CLI should print.
type fixture struct {
	srv *capsuletest.Server
	env map[string]string
	sdk *capsule.Client
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	srv := capsuletest.NewServer(capsuletest.WithSeed(20), capsuletest.WithToken(secretToken))
	t.Cleanup(srv.Close)
	sdk, err := capsule.NewClient(capsule.WithBaseURL(srv.BaseURL), capsule.WithToken(srv.Token))
	require.NoError(t, err)
	return &fixture{
		srv: srv,
		env: map[string]string{"CAPSULE_TOKEN": secretToken, "CAPSULE_BASE_URL": srv.BaseURL},
		sdk: sdk,
	}
}

// result is one run of the CLI.
type result struct {
	code           int
	stdout, stderr string
}

// lines returns stdout's lines.
func (r result) lines() []string {
	return strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
}

// rows returns stdout's table rows (the header first), split into cells.
func (r result) rows() [][]string {
	var out [][]string
	for _, l := range r.lines() {
		out = append(out, cells.Split(strings.TrimRight(l, " "), -1))
	}
	return out
}

// cells splits a table row: columns are at least two spaces apart.
var cells = regexp.MustCompile(`\s{2,}`)

// runCLI runs the program with args and a getenv that knows only env, so a
// CAPSULE_TOKEN of the developer's never reaches a test.
func runCLI(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(t.Context(), args, &stdout, &stderr, func(k string) string { return env[k] })
	r := result{code: code, stdout: stdout.String(), stderr: stderr.String()}
	assert.NotContains(t, r.stdout+r.stderr, secretToken, "the token is never printed")
	return r
}

// ok runs the CLI and requires exit status 0.
func (f *fixture) ok(t *testing.T, args ...string) result {
	t.Helper()
	r := runCLI(t, f.env, args...)
	require.Equal(t, 0, r.code, "capsule %s\nstderr: %s", strings.Join(args, " "), r.stderr)
	return r
}

// jsonLines is what -json prints for records: one JSON object a line.
func jsonLines[T any](t *testing.T, records []T) string {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	for _, r := range records {
		require.NoError(t, enc.Encode(r))
	}
	return b.String()
}

// decode decodes every stdout line into a T.
func decode[T any](t *testing.T, r result) []*T {
	t.Helper()
	var out []*T
	sc := bufio.NewScanner(strings.NewReader(r.stdout))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		v := new(T)
		require.NoError(t, json.Unmarshal(sc.Bytes(), v), "line %q", sc.Text())
		out = append(out, v)
	}
	return out
}

func TestPartiesList(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	all, err := capsule.Collect(f.sdk.Parties.ReadIter(ctx, &capsule.ListOptions{Embed: []string{"tags", "fields"}}))
	require.NoError(t, err)
	require.Greater(t, len(all), 20)

	r := f.ok(t, "parties", "list", "-limit", "5")
	rows := r.rows()
	assert.Equal(t, []string{"ID", "TYPE", "NAME", "EMAIL", "PHONE", "UPDATED"}, rows[0])
	require.Len(t, rows, 6)
	for i, row := range rows[1:] {
		p := all[i]
		email, phone := "-", "-"
		if len(p.EmailAddresses) > 0 {
			email = p.EmailAddresses[0].Address
		}
		if len(p.PhoneNumbers) > 0 {
			phone = p.PhoneNumbers[0].Number
		}
		assert.Equal(t, []string{strconv.FormatInt(p.ID, 10), p.Type, p.DisplayName(), email, phone,
			p.UpdatedAt.UTC().Format(time.RFC3339)}, row)
	}
	assert.Empty(t, r.stderr)

	// The default limit is 100; 0 means all.
	assert.Len(t, f.ok(t, "parties", "list").lines(), len(all)+1)
	assert.Len(t, f.ok(t, "parties", "list", "-limit", "0").lines(), len(all)+1)

	// Tags and fields get their own columns.
	rows = f.ok(t, "parties", "list", "-embed", "tags,fields", "-limit", "0").rows()
	assert.Equal(t, []string{"ID", "TYPE", "NAME", "EMAIL", "PHONE", "UPDATED", "TAGS", "FIELDS"}, rows[0])
	var tagged bool
	for i, row := range rows[1:] {
		require.Len(t, row, 8)
		if len(all[i].Tags) > 0 {
			tagged = true
			assert.Equal(t, all[i].Tags[0].Name, strings.Split(row[6], ", ")[0])
			assert.Contains(t, row[7], all[i].Fields[0].Definition.Name+"=")
		}
	}
	assert.True(t, tagged, "the seed has tagged parties")

	// -json: one party a line, as the SDK reads it; -json after the command too.
	for _, args := range [][]string{
		{"-json", "parties", "list", "-embed", "tags,fields", "-limit", "0"},
		{"parties", "list", "-embed", "tags,fields", "-limit", "0", "-json"},
	} {
		assert.Equal(t, jsonLines(t, all), f.ok(t, args...).stdout)
	}
}

func TestPartiesSearch(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	found, _, err := f.sdk.Parties.Search(t.Context(), "ltd", nil)
	require.NoError(t, err)
	require.NotEmpty(t, found)
	rows := f.ok(t, "parties", "list", "-q", "ltd").rows()
	require.Len(t, rows, len(found)+1)
	for i, p := range found {
		assert.Equal(t, p.DisplayName(), rows[i+1][2])
	}
	assert.Len(t, f.ok(t, "parties", "list", "-q", "no such party anywhere").lines(), 1, "the header alone")
}

func TestPartiesGet(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	parties, _, err := f.sdk.Parties.Read(ctx, &capsule.ListOptions{PerPage: 100, Embed: []string{"tags", "fields"}})
	require.NoError(t, err)
	var p *capsule.Party
	for _, x := range parties {
		if len(x.Tags) > 0 && len(x.Fields) > 0 && len(x.EmailAddresses) > 0 {
			p = x
			break
		}
	}
	require.NotNil(t, p)
	id := strconv.FormatInt(p.ID, 10)

	rows := f.ok(t, "parties", "get", id).rows()
	byKey := map[string]string{}
	for _, row := range rows {
		require.Len(t, row, 2, "%q", row)
		byKey[row[0]] = row[1]
	}
	assert.Equal(t, id, byKey["ID"])
	assert.Equal(t, p.DisplayName(), byKey["Name"])
	assert.Equal(t, p.Type, byKey["Type"])
	assert.Contains(t, byKey["Emails"], p.EmailAddresses[0].Address)
	assert.Contains(t, byKey["Tags"], p.Tags[0].Name)
	assert.Contains(t, byKey["Fields"], p.Fields[0].Definition.Name+"=")
	assert.Equal(t, p.UpdatedAt.UTC().Format(time.RFC3339), byKey["Updated"])

	// JSON, with the flag after the id.
	assert.Equal(t, jsonLines(t, []*capsule.Party{p}), f.ok(t, "parties", "get", id, "-json").stdout)
	// -embed "" leaves tags and fields out.
	got := decode[capsule.Party](t, f.ok(t, "-json", "parties", "get", "-embed", "", id))
	require.Len(t, got, 1)
	assert.Empty(t, got[0].Tags)

	r := runCLI(t, f.env, "parties", "get", "999999999")
	assert.Equal(t, 1, r.code)
	assert.Empty(t, r.stdout)
	assert.Regexp(t, `^capsule: GET \S+/parties/999999999\S*: 404 `, r.stderr)
}

func TestOpportunitiesList(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	all, err := capsule.Collect(f.sdk.Opportunities.ReadIter(t.Context(), nil))
	require.NoError(t, err)
	rows := f.ok(t, "opportunities", "list", "-limit", "0").rows()
	assert.Equal(t, []string{"ID", "NAME", "PARTY", "MILESTONE", "VALUE", "EXPECTED CLOSE", "UPDATED"}, rows[0])
	require.Len(t, rows, len(all)+1)
	for i, o := range all {
		row := rows[i+1]
		assert.Equal(t, strconv.FormatInt(o.ID, 10), row[0])
		assert.Equal(t, o.Name, row[1])
		assert.Equal(t, o.Party.DisplayName(), row[2])
		assert.Equal(t, o.Milestone.Name, row[3])
		assert.Equal(t, fmt.Sprintf("%.2f %s", o.Value.Amount, o.Value.Currency), row[4])
	}
	assert.Equal(t, jsonLines(t, all[:3]), f.ok(t, "opportunities", "list", "-json", "-limit", "3").stdout)
}

func TestKasesList(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	all, err := capsule.Collect(f.sdk.Kases.ReadIter(t.Context(), nil))
	require.NoError(t, err)
	require.NotEmpty(t, all)
	rows := f.ok(t, "kases", "list").rows()
	assert.Equal(t, []string{"ID", "NAME", "STATUS", "PARTY", "STAGE", "UPDATED"}, rows[0])
	require.Len(t, rows, len(all)+1)
	for i, k := range all {
		assert.Equal(t, []string{strconv.FormatInt(k.ID, 10), k.Name, k.Status, k.Party.DisplayName(), k.Stage.Name,
			k.UpdatedAt.UTC().Format(time.RFC3339)}, rows[i+1])
	}
	assert.Equal(t, jsonLines(t, all), f.ok(t, "kases", "list", "-json").stdout)
}

// countLines counts the lines of a file.
func countLines(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return bytes.Count(b, []byte("\n"))
}

func TestExport(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	dir := filepath.Join(t.TempDir(), "backup")
	parties, err := capsule.Collect(f.sdk.Parties.ReadIter(ctx, &capsule.ListOptions{Embed: []string{"tags", "fields"}}))
	require.NoError(t, err)
	opps, err := capsule.Collect(f.sdk.Opportunities.ReadIter(ctx, nil))
	require.NoError(t, err)
	kases, err := capsule.Collect(f.sdk.Kases.ReadIter(ctx, nil))
	require.NoError(t, err)

	r := f.ok(t, "export", "-out", dir)
	assert.Equal(t, [][]string{
		{"ENTITY", "RECORDS", "FILE"},
		{"parties", strconv.Itoa(len(parties)), filepath.Join(dir, "parties.jsonl")},
		{"opportunities", strconv.Itoa(len(opps)), filepath.Join(dir, "opportunities.jsonl")},
		{"kases", strconv.Itoa(len(kases)), filepath.Join(dir, "kases.jsonl")},
	}, r.rows())
	for _, name := range []string{"parties", "opportunities", "kases"} {
		assert.Regexp(t, `(?m)^export: `+name+` +\d+ records, page 1, \d+ of 4000 requests left$`, r.stderr)
	}
	assert.Equal(t, len(opps), countLines(t, filepath.Join(dir, "opportunities.jsonl")))
	assert.Equal(t, len(kases), countLines(t, filepath.Join(dir, "kases.jsonl")))
	b, err := os.ReadFile(filepath.Join(dir, "parties.jsonl"))
	require.NoError(t, err)
	assert.Equal(t, jsonLines(t, parties), string(b), "records with tags and fields")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 3, "no temporary files left")

	// -since keeps only the records changed after it; -json summary.
	since := parties[len(parties)/2].UpdatedAt
	changed, err := capsule.Collect(f.sdk.Parties.ReadIter(ctx, &capsule.ListOptions{Since: since}))
	require.NoError(t, err)
	require.Less(t, len(changed), len(parties))
	r = f.ok(t, "export", "-out", dir, "-since", since.Format(time.RFC3339), "-json")
	sums := decode[exportSummary](t, r)
	require.Len(t, sums, 3)
	assert.Equal(t, exportSummary{Entity: "parties", Records: len(changed), File: filepath.Join(dir, "parties.jsonl")}, *sums[0])
	assert.Equal(t, len(changed), countLines(t, filepath.Join(dir, "parties.jsonl")))
}

// A failed export reports the error and leaves no half-written file.
func TestExportFails(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	dir := t.TempDir()
	f.srv.FailNext(1, http.StatusBadRequest)
	r := runCLI(t, f.env, "export", "-out", dir)
	assert.Equal(t, 1, r.code)
	assert.Empty(t, r.stdout)
	assert.Contains(t, r.stderr, "capsule: exporting parties: capsule: GET ")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, entries)
}

func TestFieldsList(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, entity := range []capsule.Entity{capsule.EntityParties, capsule.EntityOpportunities, capsule.EntityKases} {
		defs, err := f.sdk.CustomFields.ReadAll(t.Context(), entity)
		require.NoError(t, err)
		require.NotEmpty(t, defs)
		rows := f.ok(t, "fields", "list", string(entity)).rows()
		assert.Equal(t, []string{"ID", "NAME", "TYPE", "OPTIONS", "TAG"}, rows[0])
		require.Len(t, rows, len(defs)+1)
		for i, d := range defs {
			options, tag := "-", "-"
			if len(d.Options) > 0 {
				options = strings.Join(d.Options, ", ")
			}
			if d.Tag != nil {
				tag = d.Tag.Name
			}
			assert.Equal(t, []string{strconv.FormatInt(d.ID, 10), d.Name, string(d.Type), options, tag}, rows[i+1])
		}
		assert.Equal(t, jsonLines(t, defs), f.ok(t, "-json", "fields", "list", string(entity)).stdout)
	}
	// "projects" is the product's name for kases.
	assert.Equal(t, f.ok(t, "fields", "list", "kases").stdout, f.ok(t, "fields", "list", "projects").stdout)
}

func TestHooks(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	// Capsule manages hooks only through an OAuth application: a personal
	// token is refused, and nothing is subscribed.
	r := runCLI(t, f.env, "hooks", "subscribe", "-event", "party/created", "-url", "https://example.com/hooks/pat")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "REST hooks can only be managed by a registered OAuth application")
	assert.NotContains(t, r.stderr, secretToken)
	const appToken = "cli-app-token-2b7d"
	f.srv.AddAppToken(appToken, capsuletest.DefaultClientID, f.srv.CurrentUserID())
	f.env["CAPSULE_TOKEN"] = appToken

	header := []string{"ID", "EVENT", "TARGET", "EMBED", "DESCRIPTION"}
	assert.Equal(t, [][]string{header}, f.ok(t, "hooks", "list").rows())
	assert.Empty(t, f.ok(t, "hooks", "list", "-json").stdout)

	r = f.ok(t, "hooks", "subscribe", "-event", "party/created", "-url", "https://example.com/hooks/x7f9",
		"-embed", "tags, fields", "-description", "CRM sync")
	rows := r.rows()
	require.Len(t, rows, 2)
	assert.Equal(t, header, rows[0])
	id := rows[1][0]
	assert.Equal(t, []string{id, "party/created", "https://example.com/hooks/x7f9", "tags,fields", "CRM sync"}, rows[1])
	hooks := decode[capsule.RestHook](t, f.ok(t, "hooks", "subscribe", "-json", "-event", "task/completed", "-url", "https://example.com/hooks/t"))
	require.Len(t, hooks, 1)
	assert.Equal(t, capsule.EventTaskCompleted, hooks[0].Event)

	listed := f.ok(t, "hooks", "list").rows()
	assert.Equal(t, [][]string{header, rows[1], {strconv.FormatInt(hooks[0].ID, 10), "task/completed", "https://example.com/hooks/t", "-", "-"}}, listed)
	assert.Len(t, decode[capsule.RestHook](t, f.ok(t, "-json", "hooks", "list")), 2)

	assert.Equal(t, "Unsubscribed REST hook "+id+"\n", f.ok(t, "hooks", "unsubscribe", id).stdout)
	assert.Equal(t, fmt.Sprintf(`{"id":%d,"unsubscribed":true}`+"\n", hooks[0].ID),
		f.ok(t, "hooks", "unsubscribe", "-json", strconv.FormatInt(hooks[0].ID, 10)).stdout)
	assert.Len(t, f.ok(t, "hooks", "list").lines(), 1)

	r = runCLI(t, f.env, "hooks", "unsubscribe", id)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, ": 404 ")

	// Capsule refuses hook writes to anyone but an administrator through a
	// registered OAuth application; the fake refuses a read-only token.
	f.srv.AddToken("cli-read-only", true)
	ro := map[string]string{"CAPSULE_TOKEN": "cli-read-only", "CAPSULE_BASE_URL": f.srv.BaseURL}
	r = runCLI(t, ro, "hooks", "subscribe", "-event", "party/created", "-url", "https://example.com/h")
	assert.Equal(t, 1, r.code)
	assert.Empty(t, r.stdout)
	assert.Contains(t, r.stderr, "only an account administrator, authenticated through a registered OAuth application")
	assert.NotContains(t, r.stderr, "cli-read-only")
}

func TestRate(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	me, _, err := f.sdk.Users.ReadCurrent(t.Context(), nil)
	require.NoError(t, err)
	rows := f.ok(t, "rate").rows()
	require.Len(t, rows, 2)
	assert.Equal(t, []string{"USER", "LIMIT", "REMAINING", "RESETS"}, rows[0])
	assert.Equal(t, []string{me.Username, "4000", "3998"}, rows[1][:3], "the SDK's call, then the CLI's")
	reset, err := time.Parse(time.RFC3339, rows[1][3])
	require.NoError(t, err)
	assert.WithinDuration(t, f.srv.Now().Add(time.Hour), reset, 2*time.Second)

	lines := decode[rateLine](t, f.ok(t, "-json", "rate"))
	require.Len(t, lines, 1)
	assert.Equal(t, rateLine{User: me.Username, Limit: 4000, Remaining: 3997, Reset: lines[0].Reset}, *lines[0])
	assert.Equal(t, reset, lines[0].Reset)
}

// -fake needs no token and prints only what the fake holds.
func TestFake(t *testing.T) {
	t.Parallel()
	r := runCLI(t, nil, "-fake", "parties", "list", "-limit", "3")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Len(t, r.lines(), 4)
	assert.Contains(t, r.stderr, "-fake: using an in-process fake Capsule with 20 seeded parties")
	assert.NotContains(t, r.stdout+r.stderr, "Bearer")

	r = runCLI(t, nil, "rate", "-fake")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Regexp(t, `(?m)^\S+ +4000 +3999 +\S+$`, r.stdout)

	// -fake wins over a token in the environment.
	r = runCLI(t, map[string]string{"CAPSULE_TOKEN": secretToken, "CAPSULE_BASE_URL": "https://capsule.invalid/api/v2"},
		"-fake", "-json", "kases", "list")
	require.Equal(t, 0, r.code, r.stderr)
	assert.NotEmpty(t, decode[capsule.Kase](t, r))

	// -fake connects as the fake's OAuth application, which REST hooks need.
	r = runCLI(t, nil, "-fake", "hooks", "subscribe", "-event", "party/created", "-url", "https://example.com/hooks/f")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "party/created")
}

// A refused token gives exit 1 and an error that does not show it.
func TestBadToken(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	env := map[string]string{"CAPSULE_TOKEN": secretToken + "-wrong", "CAPSULE_BASE_URL": f.srv.BaseURL}
	for _, args := range [][]string{{"rate"}, {"parties", "list"}, {"hooks", "list"}, {"export", "-out", t.TempDir()}} {
		r := runCLI(t, env, args...)
		assert.Equal(t, 1, r.code, args)
		assert.Contains(t, r.stderr, ": 401 ", args)
		assert.NotContains(t, r.stdout+r.stderr, secretToken, args)
	}
	r := runCLI(t, map[string]string{"CAPSULE_TOKEN": "x", "CAPSULE_BASE_URL": "ftp://example.com"}, "rate")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "CAPSULE_BASE_URL")
}

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	cases := []struct {
		args []string
		want string
	}{
		{nil, "Usage: capsule"},
		{[]string{"-json"}, "Usage: capsule"},
		{[]string{"-nope", "rate"}, "flag provided but not defined: -nope"},
		{[]string{"bogus"}, `unknown command "bogus"`},
		{[]string{"parties"}, "parties: missing subcommand (list, get)"},
		{[]string{"parties", "delete", "1"}, `parties: unknown subcommand "delete" (list, get)`},
		{[]string{"hooks", "ensure"}, `hooks: unknown subcommand "ensure" (list, subscribe, unsubscribe)`},
		{[]string{"parties", "list", "-limit", "-1"}, "-limit must be 0 or more"},
		{[]string{"parties", "list", "-limit", "many"}, `invalid value "many" for flag -limit`},
		{[]string{"parties", "list", "extra"}, "parties list: want no arguments, got 1 argument(s)"},
		{[]string{"parties", "get"}, "parties get: want ID, got 0 argument(s)"},
		{[]string{"parties", "get", "1", "2"}, "parties get: want ID, got 2 argument(s)"},
		{[]string{"parties", "get", "abc"}, `parties get: ID must be a positive number, got "abc"`},
		{[]string{"parties", "get", "0"}, `ID must be a positive number, got "0"`},
		{[]string{"opportunities", "list", "-x"}, "flag provided but not defined: -x"},
		{[]string{"kases", "list", "-limit", "-5"}, "-limit must be 0 or more"},
		{[]string{"export"}, "export: -out DIR is required"},
		{[]string{"export", "-out", t.TempDir(), "-since", "2025-01-01"}, "-since must be an RFC 3339 time"},
		{[]string{"fields", "list"}, "fields list: want ENTITY, got 0 argument(s)"},
		{[]string{"fields", "list", "tasks"}, `ENTITY must be parties, opportunities or kases (projects), got "tasks"`},
		{[]string{"hooks", "list", "x"}, "hooks list: want no arguments"},
		{[]string{"hooks", "subscribe", "-url", "https://example.com/h"}, "hooks subscribe: -event is required; one of party/created,"},
		{[]string{"hooks", "subscribe", "-event", "task/deleted", "-url", "https://example.com/h"}, `unknown event "task/deleted"`},
		{[]string{"hooks", "subscribe", "-event", "party/created"}, `-url must be an absolute http or https URL, got ""`},
		{[]string{"hooks", "subscribe", "-event", "party/created", "-url", "/relative"}, `-url must be an absolute http or https URL, got "/relative"`},
		{[]string{"hooks", "unsubscribe"}, "hooks unsubscribe: want ID, got 0 argument(s)"},
		{[]string{"hooks", "unsubscribe", "-3"}, "flag provided but not defined: -3"},
		{[]string{"rate", "now"}, "rate: want no arguments, got 1 argument(s)"},
	}
	before := len(f.srv.Requests())
	for _, tc := range cases {
		r := runCLI(t, f.env, tc.args...)
		assert.Equal(t, 2, r.code, "%q: %s", tc.args, r.stderr)
		assert.Empty(t, r.stdout, "%q", tc.args)
		assert.Contains(t, r.stderr, tc.want, "%q", tc.args)
	}
	assert.Len(t, f.srv.Requests(), before, "a usage error sends nothing")

	// No token and no -fake is a usage error too.
	r := runCLI(t, map[string]string{"CAPSULE_BASE_URL": f.srv.BaseURL}, "parties", "list")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "CAPSULE_TOKEN is not set")
}

func TestHelp(t *testing.T) {
	t.Parallel()
	r := runCLI(t, nil, "help")
	assert.Equal(t, 0, r.code)
	assert.Equal(t, usageText, r.stdout)
	for _, cmd := range commands {
		assert.Contains(t, usageText, "  "+cmd.name+" "+cmd.synopsis, "usage lists %s", cmd.name)
	}

	r = runCLI(t, nil, "-h")
	assert.Equal(t, 0, r.code)
	assert.Equal(t, usageText, r.stderr)

	r = runCLI(t, nil, "parties", "list", "-h")
	assert.Equal(t, 0, r.code)
	assert.Contains(t, r.stderr, "Usage: capsule parties list [-q text] [-embed tags,fields] [-limit N]")
	assert.Contains(t, r.stderr, "-limit N")
}
