package main

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/capsulecrm-go/capsule"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// exportCounts are the records the fake holds per exported type.
func exportCounts(t *testing.T, c *capsule.Client) map[string]int {
	t.Helper()
	ctx := t.Context()
	parties, err := capsule.Collect(c.Parties.ReadIter(ctx, nil))
	require.NoError(t, err)
	opps, err := capsule.Collect(c.Opportunities.ReadIter(ctx, nil))
	require.NoError(t, err)
	kases, err := capsule.Collect(c.Kases.ReadIter(ctx, nil))
	require.NoError(t, err)
	return map[string]int{"parties": len(parties), "opportunities": len(opps), "kases": len(kases)}
}

func fileLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return lines(string(b))
}

// dirNames lists dir.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

func TestExportWritesEveryRecord(t *testing.T) {
	srv := newServer(t)
	want := exportCounts(t, sdkClient(t, srv))
	dir := filepath.Join(t.TempDir(), "backup")
	stdout, stderr, code := runCLI(t, srv, "", "export", "--out", dir)
	require.Equal(t, exitOK, code, stderr)
	assert.Empty(t, stderr, "no progress when stderr is not a terminal")
	assert.Equal(t, allJSONL, dirNames(t, dir), "a file per type, no temporary files left")
	sums := jsonLines[exportSummary](t, stdout)
	require.Len(t, sums, 10)
	for _, s := range sums {
		if n, ok := want[s.Entity]; ok {
			assert.Equal(t, n, s.Records, s.Entity)
		} else {
			assert.Positive(t, s.Records, s.Entity)
		}
		assert.Equal(t, filepath.Join(dir, s.Entity+".jsonl"), s.File)
		assert.Len(t, fileLines(t, s.File), s.Records, s.Entity)
	}
	assert.Contains(t, strings.Join(fileLines(t, filepath.Join(dir, "parties.jsonl")), "\n"), `"fields":[{`, "records carry their custom fields")

	_, stderr, code = runCLI(t, srv, "", "export")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "capsule: export: --out DIR is required\n")
	_, stderr, code = runCLI(t, srv, "", "export", "--out", dir, "--since", "last week")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, `capsule: export: --since: want a date such as 2025-01-31`)
	_, stderr, code = runCLI(t, srv, "", "export", "--out", dir, "--format", "xml")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, `capsule: export: --format must be jsonl or csv, got "xml"`+"\n")
	_, stderr, code = runCLI(t, srv, "", "export", "--out", dir, "--types", "parties,notes")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, `capsule: export: --types: unknown type "notes"`)
	_, stderr, code = runCLI(t, srv, "", "export", "--out", dir, "--types", "tasks", "--since", "2025-01-31")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "capsule: export: --since: only parties, opportunities and kases can be read since a time, not tasks\n")
}

// allJSONL are the files of a JSON Lines export of the default types.
var allJSONL = []string{"boards.jsonl", "kases.jsonl", "milestones.jsonl", "opportunities.jsonl", "parties.jsonl",
	"pipelines.jsonl", "stages.jsonl", "tasks.jsonl", "teams.jsonl", "users.jsonl"}

func TestAFailedExportLeavesTheEarlierOneWhole(t *testing.T) {
	srv := newServer(t)
	dir := t.TempDir()
	_, stderr, code := runCLI(t, srv, "", "export", "--out", dir)
	require.Equal(t, exitOK, code, stderr)
	before := map[string][]byte{}
	for _, n := range dirNames(t, dir) {
		b, err := os.ReadFile(filepath.Join(dir, n))
		require.NoError(t, err)
		before[n] = b
	}
	// A party changes, then the export fails at kases, the last type.
	c := sdkClient(t, srv)
	first, _, err := c.Parties.Read(t.Context(), &capsule.ListOptions{PerPage: 1})
	require.NoError(t, err)
	_, _, err = c.Parties.Update(t.Context(), first[0].ID, &capsule.PartyInput{About: capsule.Set("changed")})
	require.NoError(t, err)

	target, err := url.Parse(srv.URL)
	require.NoError(t, err)
	proxy := httputil.NewSingleHostReverseProxy(target)
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/v2/kases") {
			http.Error(w, `{"message":"boom"}`, http.StatusInternalServerError)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(failing.Close)
	env := map[string]string{"CAPSULE_TOKEN": srv.Token, "CAPSULE_BASE_URL": failing.URL + "/api/v2", "HOME": t.TempDir()}
	stdout, stderr, code := runCLIEnv(t, env, "", "export", "--out", dir)
	assert.Equal(t, exitError, code)
	assert.Empty(t, stdout)
	assert.Equal(t, "capsule: exporting kases: GET /kases?embed=fields%2Ctags&page=1&perPage=100: 500 Internal Server Error: boom\n", stderr)
	assert.Equal(t, allJSONL, dirNames(t, dir), "no temporary files are left")
	for n, b := range before {
		got, err := os.ReadFile(filepath.Join(dir, n))
		require.NoError(t, err)
		assert.Equal(t, string(b), string(got), "%s is the earlier export's", n)
	}
}

func TestExportSinceNeverOverwritesTheFullExport(t *testing.T) {
	srv := newServer(t)
	c := sdkClient(t, srv)
	dir := t.TempDir()
	_, stderr, code := runCLI(t, srv, "", "export", "--out", dir)
	require.Equal(t, exitOK, code, stderr)
	full := fileLines(t, filepath.Join(dir, "parties.jsonl"))

	// Changes: one party updated, one deleted.
	parties, _, err := c.Parties.Read(t.Context(), &capsule.ListOptions{PerPage: 2})
	require.NoError(t, err)
	_, _, err = c.Parties.Update(t.Context(), parties[0].ID, &capsule.PartyInput{About: capsule.Set("changed")})
	require.NoError(t, err)
	_, err = c.Parties.Delete(t.Context(), parties[1].ID)
	require.NoError(t, err)
	since := srv.Now().Add(-60e9).UTC() // a minute before the changes

	stdout, stderr, code := runCLI(t, srv, "", "export", "--out", dir, "--since", since.Format("2006-01-02T15:04:05Z"))
	require.Equal(t, exitOK, code, stderr)
	delta := filepath.Join(dir, "since-"+since.Format("20060102T150405Z"))
	assert.Equal(t, full, fileLines(t, filepath.Join(dir, "parties.jsonl")), "the full export is left alone")
	assert.Equal(t, []string{"deleted.jsonl", "kases.jsonl", "opportunities.jsonl", "parties.jsonl"}, dirNames(t, delta))
	changed := fileLines(t, filepath.Join(delta, "parties.jsonl"))
	require.Len(t, changed, 1)
	assert.Contains(t, changed[0], `"about":"changed"`)
	deleted := jsonLines[deletedLine](t, strings.Join(fileLines(t, filepath.Join(delta, "deleted.jsonl")), "\n"))
	require.Len(t, deleted, 1)
	assert.Equal(t, "parties", deleted[0].Entity)
	assert.Equal(t, parties[1].ID, deleted[0].ID)
	sums := jsonLines[exportSummary](t, stdout)
	require.Len(t, sums, 4)
	assert.Equal(t, exportSummary{Entity: "deleted", Records: 1, File: filepath.Join(delta, "deleted.jsonl")}, sums[3])
}
