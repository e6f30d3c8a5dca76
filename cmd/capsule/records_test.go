package main

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/capsulecrm-go/capsule"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// allParties reads every party with the SDK.
func allParties(t *testing.T, c *capsule.Client, embed ...string) []*capsule.Party {
	t.Helper()
	all, err := capsule.Collect(c.Parties.ReadIter(t.Context(), &capsule.ListOptions{Embed: embed}))
	require.NoError(t, err)
	require.Greater(t, len(all), 10)
	return all
}

func TestPartiesListPrintsTheModelsAsJSONLines(t *testing.T) {
	srv := newServer(t)
	want := allParties(t, sdkClient(t, srv))
	srv.ResetRequests()
	stdout, stderr, code := runCLI(t, srv, "", "parties", "list", "--limit", "0")
	require.Equal(t, exitOK, code, stderr)
	assert.Empty(t, stderr, "no note: nothing was cut")
	got := lines(stdout)
	require.Len(t, got, len(want))
	for i := range want {
		assertJSON(t, want[i], got[i])
	}
	reqs := srv.Requests()
	require.Len(t, reqs, 1, "one page of 100")
	assert.Equal(t, http.MethodGet, reqs[0].Method)
	assert.Equal(t, "/api/v2/parties", reqs[0].Path)
	assert.Equal(t, url.Values{"page": {"1"}, "perPage": {"100"}}, mustQuery(t, reqs[0].Query))
}

// lines splits stdout into its lines.
func lines(stdout string) []string {
	return strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
}

// assertJSON asserts that line is v as the SDK marshals it.
func assertJSON(t *testing.T, v any, line string) {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	assert.JSONEq(t, string(b), line)
}

func mustQuery(t *testing.T, raw string) url.Values {
	t.Helper()
	q, err := url.ParseQuery(raw)
	require.NoError(t, err)
	return q
}

func TestListLimitSaysWhenTheListWasCut(t *testing.T) {
	srv := newServer(t)
	total := len(allParties(t, sdkClient(t, srv)))
	srv.ResetRequests()
	stdout, stderr, code := runCLI(t, srv, "", "parties", "list", "--limit", "5")
	require.Equal(t, exitOK, code)
	assert.Len(t, jsonLines[capsule.Party](t, stdout), 5)
	assert.Equal(t, "capsule: showing the first 5 parties; there are more (--limit N for more, --limit 0 for all)\n", stderr)
	reqs := srv.Requests()
	require.Len(t, reqs, 1, "the Link header says there is more: no extra request")
	assert.Equal(t, "5", mustQuery(t, reqs[0].Query).Get("perPage"))

	// Exactly all of them: no note.
	stdout, stderr, code = runCLI(t, srv, "", "parties", "list", "--limit", strconv.Itoa(total))
	require.Equal(t, exitOK, code)
	assert.Len(t, jsonLines[capsule.Party](t, stdout), total)
	assert.Empty(t, stderr)

	// The default limit is 100; an unpaged list is cut too.
	stdout, stderr, code = runCLI(t, srv, "", "currencies", "list", "--limit", "2", "--output", "csv")
	require.Equal(t, exitOK, code)
	assert.Equal(t, 3, strings.Count(stdout, "\n"))
	assert.Equal(t, "capsule: showing the first 2 currencies; there are more (--limit N for more, --limit 0 for all)\n", stderr)
}

func TestOutputFormats(t *testing.T) {
	srv := newServer(t)
	want := allParties(t, sdkClient(t, srv))[:3]

	stdout, _, code := runCLI(t, srv, "", "parties", "list", "--limit", "3", "--output", "table")
	require.Equal(t, exitOK, code)
	rows := tableRows(stdout)
	require.Len(t, rows, 4)
	assert.Equal(t, []string{"ID", "TYPE", "NAME", "EMAIL", "PHONE", "UPDATED_AT"}, rows[0])
	assert.Equal(t, []string{strconv.FormatInt(want[0].ID, 10), want[0].Type, want[0].DisplayName(),
		want[0].EmailAddresses[0].Address, "-", want[0].UpdatedAt.UTC().Format("2006-01-02T15:04:05Z07:00")}, rows[1])

	stdout, _, code = runCLI(t, srv, "", "parties", "list", "--limit", "3", "--output", "csv", "--fields", "id,name,email")
	require.Equal(t, exitOK, code)
	recs, err := csv.NewReader(strings.NewReader(stdout)).ReadAll()
	require.NoError(t, err)
	require.Len(t, recs, 4)
	assert.Equal(t, []string{"id", "name", "email"}, recs[0])
	assert.Equal(t, []string{strconv.FormatInt(want[2].ID, 10), want[2].DisplayName(), want[2].EmailAddresses[0].Address}, recs[3])

	stdout, _, code = runCLI(t, srv, "", "parties", "list", "--limit", "3", "--output", "json")
	require.Equal(t, exitOK, code)
	var arr []json.RawMessage
	require.NoError(t, json.Unmarshal([]byte(stdout), &arr))
	require.Len(t, arr, 3)
	assertJSON(t, want[1], string(arr[1]))

	// --fields in JSON: objects of the columns, typed, in their order.
	stdout, _, code = runCLI(t, srv, "", "parties", "list", "--limit", "1", "--fields", "name,id")
	require.Equal(t, exitOK, code)
	assert.Equal(t, `{"name":"`+want[0].DisplayName()+`","id":`+strconv.FormatInt(want[0].ID, 10)+"}\n", stdout)

	// An empty list still prints a header, or an empty array.
	stdout, _, code = runCLI(t, srv, "", "parties", "search", "no-such-party-anywhere", "--output", "table")
	require.Equal(t, exitOK, code)
	assert.Equal(t, "ID  TYPE  NAME  EMAIL  PHONE  UPDATED_AT\n", stdout)
	stdout, _, code = runCLI(t, srv, "", "parties", "search", "no-such-party-anywhere", "--output", "json")
	require.Equal(t, exitOK, code)
	assert.Equal(t, "[]\n", stdout)
}

func TestCustomFieldsAreColumnsByName(t *testing.T) {
	srv := newServer(t)
	c := sdkClient(t, srv)
	opps, err := capsule.Collect(c.Opportunities.ReadIter(t.Context(), &capsule.ListOptions{Embed: []string{"fields"}}))
	require.NoError(t, err)
	defs, err := c.CustomFields.ReadAll(t.Context(), capsule.EntityOpportunities)
	require.NoError(t, err)
	require.NotEmpty(t, defs)
	// An opportunity with a value of the first definition.
	var withValue *capsule.Opportunity
	var value any
	for _, o := range opps {
		if v, ok, _ := o.Fields.ByID(defs[0].ID); ok && v.Value != nil {
			withValue, value = o, v.Value
			break
		}
	}
	require.NotNil(t, withValue, "the seed has a value of %q", defs[0].Name)

	srv.ResetRequests()
	stdout, stderr, code := runCLI(t, srv, "", "opportunities", "get", strconv.FormatInt(withValue.ID, 10),
		"--fields", "id,"+strings.ToUpper(defs[0].Name), "--output", "csv")
	require.Equal(t, exitOK, code, stderr)
	recs, err := csv.NewReader(strings.NewReader(stdout)).ReadAll()
	require.NoError(t, err)
	assert.Equal(t, [][]string{{"id", defs[0].Name}, {strconv.FormatInt(withValue.ID, 10), text(value)}}, recs)
	reqs := srv.Requests()
	require.Len(t, reqs, 2, "the definitions, then the record")
	assert.Equal(t, "/api/v2/opportunities/fields/definitions", reqs[0].Path)
	assert.Equal(t, "/api/v2/opportunities/"+strconv.FormatInt(withValue.ID, 10), reqs[1].Path)
	assert.Equal(t, "fields", mustQuery(t, reqs[1].Query).Get("embed"), "the column needs the fields embedded")

	// --embed fields adds a column per definition.
	stdout, _, code = runCLI(t, srv, "", "opportunities", "list", "--embed", "fields", "--output", "table", "--limit", "1")
	require.Equal(t, exitOK, code)
	header := tableRows(stdout)[0]
	for _, d := range defs {
		assert.Contains(t, header, strings.ToUpper(d.Name))
	}

	// An unknown column or field is a usage error that lists the columns.
	_, stderr, code = runCLI(t, srv, "", "opportunities", "list", "--fields", "id,colour")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, `capsule: --fields: opportunities have no column or custom field "colour"; want id, name,`)
	_, stderr, code = runCLI(t, srv, "", "tasks", "list", "--fields", "colour")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, `capsule: --fields: tasks have no column "colour"; want id, description,`)
}

func TestGetShowsOneRecord(t *testing.T) {
	srv := newServer(t)
	c := sdkClient(t, srv)
	first := allParties(t, c)[5]
	want, _, err := c.Parties.ReadSingle(t.Context(), first.ID, &capsule.ReadOptions{Embed: []string{"tags", "fields"}})
	require.NoError(t, err)
	id := strconv.FormatInt(first.ID, 10)

	srv.ResetRequests()
	stdout, stderr, code := runCLI(t, srv, "", "parties", "get", id)
	require.Equal(t, exitOK, code, stderr)
	got := lines(stdout)
	require.Len(t, got, 1)
	assertJSON(t, want, got[0])
	reqs := srv.Requests()
	require.Len(t, reqs, 2, "the field definitions for the columns, then the party")
	assert.Equal(t, "/api/v2/parties/"+id, reqs[1].Path)
	assert.Equal(t, "tags,fields", mustQuery(t, reqs[1].Query).Get("embed"))

	stdout, _, code = runCLI(t, srv, "", "parties", "get", id, "--output", "table")
	require.Equal(t, exitOK, code)
	assert.Regexp(t, `(?m)^ID +`+id+`$`, stdout)
	assert.Regexp(t, `(?m)^NAME +`+want.DisplayName()+`$`, stdout)
	assert.Regexp(t, `(?m)^JOB_TITLE `, stdout, "every column of one record")

	_, stderr, code = runCLI(t, srv, "", "parties", "get", "999")
	assert.Equal(t, exitError, code)
	assert.Equal(t, "capsule: GET /parties/999?embed=tags%2Cfields: 404 Not Found: Could not find resource\n", stderr)
}

func TestSearchAndFilterOnTheWire(t *testing.T) {
	srv := newServer(t)
	srv.ResetRequests()
	stdout, stderr, code := runCLI(t, srv, "", "parties", "search", "acme", "--fields", "name")
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stdout, `{"name":"Acme Ltd"}`)
	reqs := srv.Requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, "/api/v2/parties/search", reqs[0].Path)
	assert.Equal(t, "acme", mustQuery(t, reqs[0].Query).Get("q"))

	srv.ResetRequests()
	stdout, stderr, code = runCLI(t, srv, "", "parties", "filter", "name starts with A", "type = organisation", "--fields", "name", "--output", "csv")
	require.Equal(t, exitOK, code, stderr)
	assert.Equal(t, "name\nAcme Ltd\n", stdout)
	reqs = srv.Requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, http.MethodPost, reqs[0].Method)
	assert.Equal(t, "/api/v2/parties/filters/results", reqs[0].Path)
	assert.JSONEq(t, `{"filter":{"conditions":[{"field":"name","operator":"starts with","value":"A"},{"field":"type","operator":"is","value":"organisation"}]}}`, string(reqs[0].Body))

	srv.ResetRequests()
	_, _, code = runCLI(t, srv, "", "opportunities", "filter", "probability > 50", "isOpen is true", "addedOn is within last 30")
	require.Equal(t, exitOK, code)
	reqs = srv.Requests()
	require.Len(t, reqs, 1)
	assert.JSONEq(t, `{"filter":{"conditions":[{"field":"probability","operator":"is greater than","value":50},{"field":"isOpen","operator":"is","value":true},{"field":"addedOn","operator":"is within last","value":30}]}}`, string(reqs[0].Body))

	srv.ResetRequests()
	for _, tc := range []struct{ cond, want string }{
		{"colour is red", `invalid argument filter.conditions[0]: field "colour": parties has no such filter field`},
		{"name resembles x", `condition "name resembles x": no known operator after "name"`},
		{"name is", `condition "name is": no value after "is"`},
		{"name", `condition "name": want FIELD OP VALUE`},
		{"hasTags is 3", `invalid argument filter.conditions[0]: field "hasTags": operator "is" needs a boolean value, not 3 (int64)`},
	} {
		_, stderr, code := runCLI(t, srv, "", "parties", "filter", tc.cond)
		assert.Equal(t, exitUsage, code, tc.cond)
		assert.Contains(t, stderr, "capsule: "+tc.want, tc.cond)
	}
	_, stderr, code = runCLI(t, srv, "", "parties", "filter")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "capsule: capsule parties filter: want at least one condition FIELD OP VALUE")
	assert.Empty(t, srv.Requests(), "bad filters are refused before sending")
}

func TestEveryRecordTypeIsReadable(t *testing.T) {
	srv := newServer(t)
	c := sdkClient(t, srv)
	kases, err := capsule.Collect(c.Kases.ReadIter(t.Context(), nil))
	require.NoError(t, err)
	tasks, _, err := c.Tasks.Read(t.Context(), &capsule.TaskListOptions{Status: []capsule.TaskStatus{capsule.TaskStatusCompleted}})
	require.NoError(t, err)
	entries, err := capsule.Collect(c.Entries.ReadIter(t.Context(), nil))
	require.NoError(t, err)

	cases := []struct {
		args  []string
		path  string
		query url.Values
		count int
	}{
		{[]string{"projects", "list", "--limit", "0"}, "/api/v2/kases", url.Values{"page": {"1"}, "perPage": {"100"}}, len(kases)},
		{[]string{"kases", "get", strconv.FormatInt(kases[0].ID, 10)}, "/api/v2/kases/" + strconv.FormatInt(kases[0].ID, 10), url.Values{"embed": {"tags,fields"}}, 1},
		{[]string{"tasks", "list", "--status", "completed", "--limit", "0"}, "/api/v2/tasks", url.Values{"page": {"1"}, "perPage": {"100"}, "status": {"completed"}}, len(tasks)},
		{[]string{"entries", "list", "--limit", "0"}, "/api/v2/entries", url.Values{"page": {"1"}, "perPage": {"100"}}, len(entries)},
		{[]string{"opportunities", "list", "--since", "2024-02-01", "--limit", "1"}, "/api/v2/opportunities", url.Values{"page": {"1"}, "perPage": {"1"}, "since": {"2024-02-01T00:00:00Z"}}, 1},
		{[]string{"users", "list"}, "/api/v2/users", nil, 5},
		{[]string{"tags", "list", "--entity", "projects", "--limit", "1"}, "/api/v2/kases/tags", url.Values{"page": {"1"}, "perPage": {"1"}}, 1},
		{[]string{"pipelines", "get", "53001"}, "/api/v2/pipelines/53001", nil, 1},
		{[]string{"lost-reasons", "list"}, "/api/v2/lostreasons", nil, -1},
		{[]string{"site"}, "/api/v2/site", nil, 1},
	}
	for _, tc := range cases {
		srv.ResetRequests()
		stdout, stderr, code := runCLI(t, srv, "", tc.args...)
		require.Equal(t, exitOK, code, "%v: %s", tc.args, stderr)
		lines := jsonLines[map[string]any](t, stdout)
		if tc.count >= 0 {
			assert.Len(t, lines, tc.count, "%v", tc.args)
		} else {
			assert.NotEmpty(t, lines, "%v", tc.args)
		}
		reqs := srv.Requests()
		require.NotEmpty(t, reqs, "%v", tc.args)
		last := reqs[len(reqs)-1]
		assert.Equal(t, tc.path, last.Path, "%v", tc.args)
		if tc.query != nil {
			assert.Equal(t, tc.query, mustQuery(t, last.Query), "%v", tc.args)
		}
	}
	srv.ResetRequests()
	stdout, stderr, code := runCLI(t, srv, "", "entries", "list", "--party", strconv.FormatInt(entries[0].Party.ID, 10), "--limit", "0")
	require.Equal(t, exitOK, code, stderr)
	for _, e := range jsonLines[capsule.Entry](t, stdout) {
		assert.Equal(t, entries[0].Party.ID, e.Party.ID)
	}
	reqs := srv.Requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, "/api/v2/parties/"+strconv.FormatInt(entries[0].Party.ID, 10)+"/entries", reqs[0].Path)
	for _, args := range [][]string{{"--party", "1", "--project", "2"}, {"--opportunity", "-3"}} {
		_, stderr, code = runCLI(t, srv, "", append([]string{"entries", "list"}, args...)...)
		assert.Equal(t, exitUsage, code, "%v", args)
		assert.Regexp(t, `^capsule: (give one of --party, --opportunity and --project|--opportunity must be a positive ID, got -3)\n`, stderr)
	}

	_, stderr, code = runCLI(t, srv, "", "tags", "list", "--entity", "tasks")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, `capsule: --entity must be one of parties, opportunities, kases (or projects), got "tasks"`)
}

func TestFakeRunsWithoutAToken(t *testing.T) {
	stdout, stderr, code := runCLI(t, nil, "", "--fake", "parties", "list", "--limit", "2", "--fields", "id")
	require.Equal(t, exitOK, code)
	assert.Len(t, jsonLines[map[string]any](t, stdout), 2)
	assert.Equal(t, "capsule: --fake: using an in-process fake Capsule with seeded data; nothing is kept\n"+
		"capsule: showing the first 2 parties; there are more (--limit N for more, --limit 0 for all)\n", stderr)
}
