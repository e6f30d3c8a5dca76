package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/capsulecrm-go/capsule"
	"github.com/capsulecrm-go/capsule/capsuletest"
)

// newImportServer is newServer with a budget that renews every second, so
// that the import's pacing waits milliseconds, not Capsule's hour.
func newImportServer(t *testing.T, opts ...capsuletest.Option) *capsuletest.Server {
	t.Helper()
	return newServer(t, append([]capsuletest.Option{capsuletest.WithRateLimit(10_000, time.Second)}, opts...)...)
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
	return p
}

func TestImportCreatesAndReports(t *testing.T) {
	srv := newImportServer(t)
	in := writeFile(t, "people.csv", "first_name,last_name,email,custom_industry\nAda,Lovelace,ada@cli.test,Software\nBad,Row,bad@cli.test,Mining\n")
	report := filepath.Join(t.TempDir(), "report.csv")

	stdout, stderr, code := runCLI(t, srv, "", "import", "parties", "--file", in, "--report", report)
	assert.Equal(t, exitError, code, "a row failed the checks")
	assert.Contains(t, stderr, "1 row(s) failed the checks, nothing was written; first: row 2: column custom_industry")
	assert.Contains(t, stdout, "import parties: 2 rows: 0 created, 0 updated, 0 unchanged, 0 deleted, 2 failed, 0 unknown")
	got, err := os.ReadFile(report)
	require.NoError(t, err)
	assert.Equal(t, "row,status,id,error\n1,failed,,not applied: 1 row(s) of the file failed the checks\n"+
		"2,failed,,\"column custom_industry: \"\"Mining\"\" is not one of the options [\"\"Software\"\" \"\"Retail\"\" \"\"Manufacturing\"\" \"\"Healthcare\"\" \"\"Finance\"\"]\"\n", string(got))

	require.NoError(t, os.WriteFile(in, []byte("first_name,last_name,email,custom_industry\nAda,Lovelace,ada@cli.test,Software\nGood,Row,good@cli.test,Retail\n"), 0o600))
	stdout, stderr, code = runCLI(t, srv, "", "import", "parties", "--file", in, "--report", report, "--mode", "upsert", "--match", "email")
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stdout, "2 rows: 2 created, 0 updated")
	got, err = os.ReadFile(report)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(got)), "\n")
	require.Len(t, lines, 3)
	assert.Regexp(t, `^1,created,\d+,$`, lines[1])
	assert.Regexp(t, `^2,created,\d+,$`, lines[2])

	ps, _, err := sdkClient(t, srv).Parties.Filter(t.Context(), capsule.Where("email", capsule.OpIs, "ada@cli.test"), nil)
	require.NoError(t, err)
	require.Len(t, ps, 1)
	assert.Equal(t, "Lovelace", *ps[0].LastName)
}

func TestImportFromStdinJSONLDryRun(t *testing.T) {
	srv := newImportServer(t)
	stdout, stderr, code := runCLI(t, srv, "{\"name\":\"Stdin Org\"}\n{\"name\":\"Other Org\"}\n",
		"import", "parties", "--file", "-", "--format", "jsonl", "--dry-run")
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stdout, "2 rows (dry run, nothing written): 2 created")
	for _, r := range srv.Requests() {
		assert.Equal(t, "GET", r.Method, "a dry run only reads")
	}
	stdout, stderr, code = runCLI(t, srv, "{\"name\":\"Stdin Org\"}\n", "import", "parties", "--file", "-", "--format", "jsonl")
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stdout, "1 rows: 1 created")
}

func TestImportUsageAndFileErrors(t *testing.T) {
	srv := newImportServer(t)
	good := writeFile(t, "x.csv", "name\nA\n")
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"import", "widgets", "--file", good}, exitUsage, `TYPE must be one of parties, opportunities, kases, tasks, got "widgets"`},
		{[]string{"import", "parties"}, exitUsage, "--file PATH (or - for stdin) is required"},
		{[]string{"import", "parties", "--file", good, "--mode", "merge"}, exitUsage, `mode "merge" is not create, update, upsert or delete`},
		{[]string{"import", "parties", "--file", good, "--match", "colour", "--mode", "update"}, exitUsage, `match "colour"`},
		{[]string{"import", "parties", "--file", good, "--max-requests", "x"}, exitUsage, "invalid argument"},
		{[]string{"import", "parties", "--file", filepath.Join(t.TempDir(), "missing.csv")}, exitError, "no such file or directory"},
		{[]string{"import", "parties", "--file", writeFile(t, "ragged.csv", "name,about\nA\n")}, exitError, "ragged.csv: line 2: wrong number of cells"},
		{[]string{"import", "parties", "--file", writeFile(t, "bad.jsonl", "{\"name\":\"A\"}\n42\n")}, exitError, "bad.jsonl: line 2: the line is not a JSON object"},
		{[]string{"import", "parties", "--file", writeFile(t, "hdr.csv", "name,colour\nA,b\n")}, exitError, `line 1, column colour: unknown column "colour" for parties`},
	} {
		srv.ResetRequests()
		_, stderr, code := runCLI(t, srv, "", tc.args...)
		assert.Equal(t, tc.code, code, "%v: %s", tc.args, stderr)
		assert.Contains(t, stderr, tc.want, tc.args)
		for _, r := range srv.Requests() {
			assert.Equal(t, "GET", r.Method, "nothing is written: %v", tc.args)
		}
	}
}

func TestImportMaxRequestsStopsAndResumes(t *testing.T) {
	srv := newImportServer(t, capsuletest.WithSeed(150))
	in := writeFile(t, "orgs.csv", "name\nM1\nM2\nM3\n")
	stdout, stderr, code := runCLI(t, srv, "", "import", "parties", "--file", in, "--max-requests", "3")
	assert.Equal(t, exitError, code)
	assert.Contains(t, stderr, "stopped (--max-requests reached); run the same command again to finish")
	assert.Contains(t, stdout, "2 created")
	stdout, stderr, code = runCLI(t, srv, "", "import", "parties", "--file", in, "--mode", "upsert", "--match", "name")
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stdout, "1 created, 0 updated, 2 unchanged")
}

func TestImportShowsProgressOnATerminal(t *testing.T) {
	srv := newImportServer(t)
	var b strings.Builder
	b.WriteString("name\n")
	for i := range 30 {
		b.WriteString("Bar Org " + strconv.Itoa(i) + "\n")
	}
	in := writeFile(t, "orgs.csv", b.String())
	env := map[string]string{"HOME": t.TempDir(), "CAPSULE_TOKEN": srv.Token, "CAPSULE_BASE_URL": srv.BaseURL}
	var out, errOut bytes.Buffer
	code := runWith(t.Context(), []string{"import", "parties", "--file", in}, strings.NewReader(""), &out, &errOut,
		func(k string) string { return env[k] }, terminals{stderr: true})
	require.Equal(t, exitOK, code, errOut.String())
	assert.Contains(t, errOut.String(), "importing parties")
	assert.Contains(t, errOut.String(), "/30")
	assert.Contains(t, out.String(), "30 rows: 30 created")

	// not a terminal: no bar
	_, stderr, code := runCLI(t, srv, "", "import", "parties", "--file", in, "--mode", "upsert", "--match", "name")
	require.Equal(t, exitOK, code)
	assert.NotContains(t, stderr, "importing parties")
}
