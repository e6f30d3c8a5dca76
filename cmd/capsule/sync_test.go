package main

import (
	"bytes"
	"database/sql"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/capsulecrm-go/capsule"
	"github.com/capsulecrm-go/capsule/capsuletest"
	"github.com/capsulecrm-go/capsule/cmd/capsule/mirror"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// summaryLine matches the line a sync ends with.
var summaryLine = regexp.MustCompile(`^capsule: sync: (\d+) requests, (\d+) rows written, (\d+) records removed, (\d+) requests left in the rate budget\n$`)

func count(t *testing.T, db *sql.DB, table string) int {
	t.Helper()
	var n int
	require.NoError(t, db.QueryRow("SELECT count(*) FROM "+table).Scan(&n))
	return n
}

// fastWindow is a rate-limit window short enough that the sync's pacing
// (requests spread over what is left of the window) costs the tests little.
var fastWindow = capsuletest.WithRateLimit(4000, time.Second)

func TestSyncCommand(t *testing.T) {
	srv := newServer(t, fastWindow)
	path := filepath.Join(t.TempDir(), "crm.db")
	stdout, stderr, code := runCLI(t, srv, "", "sync", "--db", "sqlite:"+path)
	require.Equal(t, exitOK, code, stderr)
	assert.Empty(t, stdout)
	m := summaryLine.FindStringSubmatch(stderr)
	require.NotNil(t, m, "one summary line, no progress off a terminal: %q", stderr)
	first, _ := strconv.Atoi(m[1])
	assert.Equal(t, len(srv.Requests()), first, "the summary counts every request")
	for _, r := range srv.Requests() {
		assert.NotRegexp(t, `^/api/v2/parties/\d+$`, r.Path, "never a request per record")
	}

	st, err := mirror.Open(t.Context(), "sqlite:"+path)
	require.NoError(t, err)
	defer st.Close()
	ctx := t.Context()
	c := sdkClient(t, srv)
	parties, err := capsule.Collect(c.Parties.ReadIter(ctx, nil))
	require.NoError(t, err)
	assert.Equal(t, len(parties), count(t, st.DB(), "parties"))
	rows, _ := strconv.Atoi(m[2])
	assert.Greater(t, rows, len(parties))

	// A later run reads the changes: far fewer requests.
	_, err = c.Parties.Delete(ctx, parties[0].ID)
	require.NoError(t, err)
	srv.ResetRequests()
	_, stderr, code = runCLI(t, srv, "", "sync", "--db", "sqlite:"+path, "--types", "parties,users")
	require.Equal(t, exitOK, code, stderr)
	m = summaryLine.FindStringSubmatch(stderr)
	require.NotNil(t, m, stderr)
	assert.Equal(t, "4", m[1], "the definitions, the party feed (changes, deletions) and the users")
	assert.Equal(t, "1", m[3])
	assert.Equal(t, len(parties)-1, count(t, st.DB(), "parties"))
	for _, r := range srv.Requests() {
		assert.Equal(t, "Bearer "+srv.Token, r.Header.Get("Authorization"))
		assert.Equal(t, "capsule-cli", strings.Fields(r.Header.Get("User-Agent"))[0])
	}

	// --max-requests stops cleanly and says so; the next run goes on.
	_, stderr, code = runCLI(t, srv, "", "sync", "--db", "sqlite:"+filepath.Join(t.TempDir(), "b.db"), "--max-requests", "4")
	require.Equal(t, exitOK, code, stderr)
	assert.Regexp(t, `^capsule: sync: 4 requests, \d+ rows written, 0 records removed, \d+ requests left in the rate budget; stopped at --max-requests: run it again to go on\n$`, stderr)
}

func TestSyncPacesItsRequests(t *testing.T) {
	// 100 requests a minute: paced, the third request waits about 0.6 s
	// for its slot (the reset header is in whole seconds, hence the margin).
	srv := newServer(t, capsuletest.WithRateLimit(100, time.Minute))
	start := time.Now()
	_, stderr, code := runCLI(t, srv, "", "sync", "--db", "sqlite:"+filepath.Join(t.TempDir(), "p.db"), "--types", "users,teams,boards")
	require.Equal(t, exitOK, code, stderr)
	require.Len(t, srv.Requests(), 3)
	assert.GreaterOrEqual(t, time.Since(start), 400*time.Millisecond, "the requests were spread over the window")
}

func TestSyncCommandBadInput(t *testing.T) {
	srv := newServer(t, fastWindow)
	dir := t.TempDir()
	foreign := filepath.Join(dir, "other.db")
	st, err := mirror.Open(t.Context(), "sqlite:"+foreign)
	require.NoError(t, err)
	_, err = st.DB().Exec("CREATE TABLE notes (id INTEGER PRIMARY KEY)")
	require.NoError(t, err)
	st.Close()
	before, err := os.ReadFile(foreign)
	require.NoError(t, err)

	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"--db", "mysql://root:pw@localhost/crm"}, exitUsage, `capsule: sync: --db: unknown database driver "mysql": use sqlite:PATH or postgres://USER@HOST/DB` + "\n"},
		{[]string{"--db", "postgres://root:pw@127.0.0.1:1/crm?sslmode=disable"}, exitError, "capsule: sync: cannot connect to PostgreSQL at postgres://127.0.0.1:1/crm: connection refused\n"},
		{[]string{"--db", "sqlite:" + foreign}, exitError, "capsule: sync: not a capsule mirror: the database has tables but no mirror_meta table; use an empty database or one written by capsule sync\n"},
		{[]string{"--types", "parties,notes"}, exitUsage, `capsule: sync: --types: unknown type "notes": want some of parties,opportunities,kases,tasks,users,teams,pipelines,milestones,boards,stages,entries` + "\n"},
		{[]string{"--max-requests", "-1"}, exitUsage, "capsule: sync: --max-requests must be 0 (no limit) or more, got -1\n"},
	} {
		srv.ResetRequests()
		_, stderr, code := runCLI(t, srv, "", append([]string{"sync"}, tc.args...)...)
		assert.Equal(t, tc.code, code, tc.args)
		first, _, _ := strings.Cut(stderr, "hint:")
		assert.Equal(t, tc.msg, first, tc.args)
		assert.NotContains(t, stderr, "pw@", "no password in messages")
		assert.Empty(t, srv.Requests(), "%v: nothing is sent", tc.args)
	}
	after, err := os.ReadFile(foreign)
	require.NoError(t, err)
	assert.Equal(t, before, after, "the foreign database is untouched")

	// A bad token: exit 4, as every command.
	env := map[string]string{"CAPSULE_TOKEN": "wrong", "CAPSULE_BASE_URL": srv.BaseURL, "HOME": t.TempDir()}
	_, stderr, code := runCLIEnv(t, env, "", "sync", "--db", "sqlite:"+filepath.Join(dir, "x.db"))
	assert.Equal(t, exitAuth, code, stderr)

	// A sync while another holds the database: refused, exit 1.
	path := filepath.Join(dir, "busy.db")
	_, stderr, code = runCLI(t, srv, "", "sync", "--db", "sqlite:"+path, "--types", "users")
	require.Equal(t, exitOK, code, stderr)
	// Another sync holds the lock (an exclusive transaction on PATH.lock).
	lock, err := sql.Open("sqlite", "file:"+path+".lock")
	require.NoError(t, err)
	defer lock.Close()
	lock.SetMaxOpenConns(1)
	_, err = lock.Exec("BEGIN EXCLUSIVE")
	require.NoError(t, err)
	srv.ResetRequests()
	_, stderr, code = runCLI(t, srv, "", "sync", "--db", "sqlite:"+path, "--types", "users")
	assert.Equal(t, exitError, code)
	assert.Equal(t, "capsule: sync: sqlite:"+path+": another sync is running on this database\n", stderr)
	assert.Empty(t, srv.Requests())
	_, err = lock.Exec("ROLLBACK")
	require.NoError(t, err)
}

func TestExportCSVHasTheMirrorsRows(t *testing.T) {
	srv := newServer(t, fastWindow)
	dir := t.TempDir()
	stdout, stderr, code := runCLI(t, srv, "", "export", "--out", dir, "--format", "csv", "--types", "parties,opportunities,kases,tasks")
	require.Equal(t, exitOK, code, stderr)
	want := []string{"kase_tags.csv", "kases.csv", "opportunities.csv", "opportunity_tags.csv", "parties.csv",
		"party_addresses.csv", "party_email_addresses.csv", "party_phone_numbers.csv", "party_tags.csv", "party_websites.csv", "tasks.csv"}
	assert.Equal(t, want, dirNames(t, dir))
	sums := jsonLines[exportSummary](t, stdout)
	assert.Len(t, sums, len(want))

	path := filepath.Join(t.TempDir(), "m.db")
	_, stderr, code = runCLI(t, srv, "", "sync", "--db", "sqlite:"+path, "--types", "parties,opportunities,kases,tasks")
	require.Equal(t, exitOK, code, stderr)
	st, err := mirror.Open(t.Context(), "sqlite:"+path)
	require.NoError(t, err)
	defer st.Close()
	for _, name := range want {
		table := strings.TrimSuffix(name, ".csv")
		records := readCSV(t, filepath.Join(dir, name))
		require.NotEmpty(t, records)
		header := records[0]
		got := records[1:]
		assert.Equal(t, header, tableColumns(t, st.DB(), table), "%s: the mirror's columns, in order", name)
		assert.Equal(t, mirrorRows(t, st.DB(), table, header), sortedRows(got), "%s: the mirror's rows", name)
		if table == "parties" {
			assert.Contains(t, header, "custom_employees")
			assert.Contains(t, header, "owner_id")
		}
	}
	_, err = os.Stat(filepath.Join(dir, "parties.jsonl"))
	assert.True(t, os.IsNotExist(err))
}

func tableColumns(t *testing.T, db *sql.DB, table string) []string {
	t.Helper()
	rows, err := db.Query("SELECT name FROM pragma_table_info(?)", table)
	require.NoError(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		require.NoError(t, rows.Scan(&n))
		out = append(out, n)
	}
	return out
}

// mirrorRows reads a table of the SQLite mirror as CSV cells would show it:
// booleans (stored 0/1) as true/false by the column's declared type.
func mirrorRows(t *testing.T, db *sql.DB, table string, cols []string) [][]string {
	t.Helper()
	types := map[string]string{}
	trows, err := db.Query("SELECT name, type FROM pragma_table_info(?)", table)
	require.NoError(t, err)
	for trows.Next() {
		var n, ty string
		require.NoError(t, trows.Scan(&n, &ty))
		types[n] = ty
	}
	trows.Close()
	rows, err := db.Query("SELECT * FROM " + table)
	require.NoError(t, err)
	defer rows.Close()
	var out [][]string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		require.NoError(t, rows.Scan(ptrs...))
		cells := make([]string, len(cols))
		for i, v := range vals {
			switch {
			case v == nil:
			case types[cols[i]] == "BOOLEAN":
				v = v.(int64) != 0
			case types[cols[i]] == "DATE":
				v = v.(time.Time).Format("2006-01-02") // the driver reads a DATE as a time
			}
			cells[i] = mirror.FormatValue(v)
		}
		out = append(out, cells)
	}
	return sortedRows(out)
}

func sortedRows(rows [][]string) [][]string {
	if rows == nil {
		rows = [][]string{}
	}
	sort.Slice(rows, func(i, j int) bool { return strings.Join(rows[i], "\x00") < strings.Join(rows[j], "\x00") })
	return rows
}

func TestSyncWithFake(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f.db")
	start := time.Now()
	_, stderr, code := runCLIEnv(t, map[string]string{"HOME": t.TempDir()}, "", "--fake", "sync", "--db", "sqlite:"+path)
	require.Equal(t, exitOK, code, stderr)
	assert.Less(t, time.Since(start), 10*time.Second, "no pacing against the in-process fake")
	assert.Regexp(t, `capsule: sync: 15 requests, 97 rows written, 0 records removed, 3985 requests left in the rate budget\n$`, stderr)
}

func TestSyncProgressOnATerminal(t *testing.T) {
	srv := newServer(t, fastWindow)
	srv.SetLatency(40 * time.Millisecond) // long enough for the bar to be drawn (at most every 100 ms)
	var stdout, stderr bytes.Buffer
	env := map[string]string{"CAPSULE_TOKEN": srv.Token, "CAPSULE_BASE_URL": srv.BaseURL, "HOME": t.TempDir()}
	code := runWith(t.Context(), []string{"sync", "--db", "sqlite:" + filepath.Join(t.TempDir(), "t.db"), "--max-requests", "10"},
		strings.NewReader(""), &stdout, &stderr, func(k string) string { return env[k] }, terminals{stderr: true})
	require.Equal(t, exitOK, code, stderr.String())
	out := stderr.String()
	assert.Regexp(t, `sync .*\(\d+/4000 requests left\) .*\(\d+/10, `, out, "the bar counts the requests against --max-requests, with the budget")
	assert.Regexp(t, `capsule: sync: 10 requests, \d+ rows written, 0 records removed, \d+ requests left in the rate budget; stopped at --max-requests: run it again to go on\n$`, out)
	assert.Empty(t, stdout.String())
}

// TestSyncProgressShowsTheTimeLeft checks that a later run's bar has a
// total, the requests Estimate gives, and so the time left; a first run's
// bar counts on.
func TestSyncProgressShowsTheTimeLeft(t *testing.T) {
	srv := newServer(t, fastWindow)
	srv.SetLatency(40 * time.Millisecond)
	db := "sqlite:" + filepath.Join(t.TempDir(), "t.db")
	env := map[string]string{"CAPSULE_TOKEN": srv.Token, "CAPSULE_BASE_URL": srv.BaseURL, "HOME": t.TempDir()}
	run := func() string {
		var stdout, stderr bytes.Buffer
		code := runWith(t.Context(), []string{"sync", "--db", db, "--types", "parties,users,teams"},
			strings.NewReader(""), &stdout, &stderr, func(k string) string { return env[k] }, terminals{stderr: true})
		require.Equal(t, exitOK, code, stderr.String())
		return stderr.String()
	}
	first := run()
	assert.Regexp(t, `\(\d+/-, \d+ requests/s\)`, first, "a first run counts")
	assert.NotRegexp(t, `\(\d+/\d+, `, first, "a first run has no total")
	// parties: the definitions and the change feed's two; users; teams.
	later := run()
	assert.Regexp(t, `\(\d/5, \d+ requests/s\) \[\d+s:\d+s\]`, later, "the estimate is the total, with the time left")
	assert.Regexp(t, `capsule: sync: 5 requests, `, later)
}
