package main

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestExportEditImportChangesOnlyTheEditedCells exports the parties as CSV
// (the mirror's columns), edits two cells (a job title, a custom field),
// and imports the file back with --mode update: exactly two writes, each
// carrying only its edited field; every other row is unchanged.
func TestExportEditImportChangesOnlyTheEditedCells(t *testing.T) {
	srv := newServer(t)
	dir := t.TempDir()
	_, stderr, code := runCLI(t, srv, "", "export", "--out", dir, "--format", "csv", "--types", "parties")
	require.Equal(t, exitOK, code, stderr)
	file := filepath.Join(dir, "parties.csv")
	rows := readCSV(t, file)
	require.Greater(t, len(rows), 3)
	col := func(name string) int {
		i := slices.Index(rows[0], name)
		require.GreaterOrEqual(t, i, 0, "column %s in %v", name, rows[0])
		return i
	}
	idCol, typeCol, jobCol, codeCol := col("id"), col("type"), col("job_title"), col("custom_account_code")
	var person int
	for i, r := range rows[1:] {
		if r[typeCol] == "person" && r[jobCol] != "Chief Tester" {
			person = i + 1
			break
		}
	}
	require.NotZero(t, person)
	other := 1
	if other == person {
		other = 2
	}
	rows[person][jobCol] = "Chief Tester"
	rows[other][codeCol] = "ACC-42"
	writeCSV(t, file, rows)

	srv.ResetRequests()
	report := filepath.Join(dir, "report.csv")
	_, stderr, code = runCLI(t, srv, "", "import", "parties", "--file", file, "--mode", "update", "--report", report)
	require.Equal(t, exitOK, code, stderr)

	var puts []string
	for _, r := range srv.Requests() {
		switch r.Method {
		case "GET", "POST":
			if r.Method == "POST" && r.Path != "/api/v2/parties/filters/results" {
				t.Errorf("unexpected write %s %s", r.Method, r.Path)
			}
		case "PUT":
			puts = append(puts, r.Path)
			var body struct {
				Party map[string]json.RawMessage `json:"party"`
			}
			require.NoError(t, json.Unmarshal(r.Body, &body), string(r.Body))
			keys := make([]string, 0, len(body.Party))
			for k := range body.Party {
				keys = append(keys, k)
			}
			switch r.Path {
			case "/api/v2/parties/" + rows[person][idCol]:
				assert.Equal(t, []string{"jobTitle"}, keys, string(r.Body))
				assert.JSONEq(t, `"Chief Tester"`, string(body.Party["jobTitle"]))
			case "/api/v2/parties/" + rows[other][idCol]:
				assert.Equal(t, []string{"fields"}, keys, string(r.Body))
				assert.Contains(t, string(body.Party["fields"]), `"ACC-42"`)
			}
		default:
			t.Errorf("unexpected request %s %s", r.Method, r.Path)
		}
	}
	assert.ElementsMatch(t, []string{"/api/v2/parties/" + rows[person][idCol], "/api/v2/parties/" + rows[other][idCol]}, puts)

	rep := readCSV(t, report)
	require.Equal(t, []string{"row", "status", "id", "error"}, rep[0])
	require.Len(t, rep, len(rows))
	for _, r := range rep[1:] {
		n, err := strconv.Atoi(r[0])
		require.NoError(t, err)
		want := "unchanged"
		if n == person || n == other {
			want = "updated"
		}
		assert.Equal(t, want, r[1], "row %d", n)
		assert.Equal(t, rows[n][idCol], r[2], "row %d", n)
	}

	c := sdkClient(t, srv)
	id, _ := strconv.ParseInt(rows[person][idCol], 10, 64)
	p, _, err := c.Parties.ReadSingle(t.Context(), id, nil)
	require.NoError(t, err)
	require.NotNil(t, p.JobTitle)
	assert.Equal(t, "Chief Tester", *p.JobTitle)
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	return rows
}

func writeCSV(t *testing.T, path string, rows [][]string) {
	t.Helper()
	f, err := os.Create(path)
	require.NoError(t, err)
	w := csv.NewWriter(f)
	require.NoError(t, w.WriteAll(rows))
	require.NoError(t, f.Close())
}
