package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/capsulecrm-go/capsule"
	"github.com/capsulecrm-go/capsule/capsuletest"
)

// env returns a getenv that knows only vars, so that a CAPSULE_TOKEN in the
// developer's environment never reaches a test.
func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestExportAgainstBuiltInFake(t *testing.T) {
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	if code := run(t.Context(), []string{"-out", dir}, &stdout, &stderr, env(nil)); code != 0 {
		t.Fatalf("exit status %d; stderr:\n%s", code, &stderr)
	}
	// WithSeed(50): 50 parties and one person per user (5), 25
	// opportunities, 12 projects.
	want := "No CAPSULE_TOKEN set: exporting a built-in fake Capsule.\n" +
		"parties (full): 55 records, 0 deletions\n" +
		"opportunities (full): 25 records, 0 deletions\n" +
		"kases (full): 12 records, 0 deletions\n"
	if stdout.String() != want || stderr.Len() != 0 {
		t.Errorf("stdout:\n%s\nwant:\n%s\nstderr: %s", &stdout, want, &stderr)
	}
	for name, n := range map[string]int{"parties": 55, "opportunities": 25, "kases": 12} {
		if got := len(readLines(t, filepath.Join(dir, name+".jsonl"))); got != n {
			t.Errorf("%s.jsonl: %d lines, want %d", name, got, n)
		}
	}
	var withTags, withFields int
	for _, l := range readLines(t, filepath.Join(dir, "parties.jsonl")) {
		var p capsule.Party
		if err := json.Unmarshal([]byte(l), &p); err != nil {
			t.Fatal(err)
		}
		if len(p.Tags) > 0 {
			withTags++
		}
		if len(p.Fields) > 0 {
			withFields++
		}
	}
	if withTags == 0 || withFields == 0 {
		t.Errorf("%d parties with tags, %d with fields: the embeds are missing", withTags, withFields)
	}
	cur := readCursorFile(t, dir)
	for _, name := range []string{"parties", "opportunities", "kases"} {
		if cur[name].Since.IsZero() {
			t.Errorf("cursor.json has no cursor for %s: %v", name, cur)
		}
	}
	assertNoPartialFiles(t, dir)
}

// TestExportIncremental runs the CAPSULE_TOKEN path against a fake: a full
// run, a change, then a run that reads only the change from the cursor.
func TestExportIncremental(t *testing.T) {
	srv := capsuletest.NewServer(capsuletest.WithSeed(10), capsuletest.WithRateLimit(4000, time.Minute))
	defer srv.Close()
	srv.SetNow(time.Date(2025, 6, 2, 10, 0, 0, 0, time.UTC))
	vars := env(map[string]string{"CAPSULE_TOKEN": srv.Token, "CAPSULE_BASE_URL": srv.BaseURL})
	dir := t.TempDir()
	runOK := func(args ...string) string {
		t.Helper()
		var stdout, stderr bytes.Buffer
		if code := run(t.Context(), append([]string{"-out", dir}, args...), &stdout, &stderr, vars); code != 0 {
			t.Fatalf("%v: exit status %d; stderr:\n%s", args, code, &stderr)
		}
		if strings.Contains(stdout.String()+stderr.String(), srv.Token) || strings.Contains(stdout.String(), "fake") {
			t.Errorf("%v: stdout %q stderr %q", args, &stdout, &stderr)
		}
		return stdout.String()
	}
	if out := runOK(); out != "parties (full): 15 records, 0 deletions\nopportunities (full): 5 records, 0 deletions\nkases (full): 2 records, 0 deletions\n" {
		t.Errorf("first run:\n%s", out)
	}
	// The cursor is the run's start on Capsule's clock less a minute.
	if got := readCursorFile(t, dir)["parties"].Since; !got.Equal(time.Date(2025, 6, 2, 9, 59, 0, 0, time.UTC)) {
		t.Errorf("parties cursor %v", got)
	}

	srv.Advance(time.Hour)
	client, err := capsule.NewClient(capsule.WithBaseURL(srv.BaseURL), capsule.WithToken(srv.Token))
	if err != nil {
		t.Fatal(err)
	}
	updated, _, err := client.Parties.Update(t.Context(), firstPersonID(t, dir), &capsule.PartyInput{About: capsule.Set("changed")})
	if err != nil {
		t.Fatal(err)
	}
	gone, _, err := client.Parties.Create(t.Context(), &capsule.PartyInput{Type: capsule.Set(capsule.PartyPerson), FirstName: capsule.Set("Gone")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.Parties.Delete(t.Context(), gone.ID); err != nil {
		t.Fatal(err)
	}

	want := "parties (changes since 2025-06-02T09:59:00Z): 1 records, 1 deletions\n" +
		"opportunities (changes since 2025-06-02T09:59:00Z): 0 records, 0 deletions\n" +
		"kases (changes since 2025-06-02T09:59:00Z): 0 records, 0 deletions\n"
	if out := runOK(); out != want {
		t.Errorf("second run:\n%s\nwant:\n%s", out, want)
	}
	lines := readLines(t, filepath.Join(dir, "parties.jsonl"))
	var last capsule.Party
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &last); err != nil {
		t.Fatal(err)
	}
	if len(lines) != 16 || last.ID != updated.ID || last.About == nil || *last.About != "changed" {
		t.Errorf("parties.jsonl: %d lines, last #%d %v; want 16, the updated #%d last", len(lines), last.ID, last.About, updated.ID)
	}
	var del deletedLine
	if err := json.Unmarshal([]byte(readLines(t, filepath.Join(dir, "deleted.jsonl"))[0]), &del); err != nil {
		t.Fatal(err)
	}
	if del.Entity != "parties" || del.ID != gone.ID || del.DeletedAt == nil {
		t.Errorf("deleted.jsonl: %+v, want party #%d with its deletedAt", del, gone.ID)
	}
	if got := readCursorFile(t, dir)["kases"].Since; !got.Equal(time.Date(2025, 6, 2, 10, 59, 0, 0, time.UTC)) {
		t.Errorf("kases cursor after the second run %v", got)
	}

	if out := runOK("-full"); !strings.HasPrefix(out, "parties (full): 15 records, 0 deletions\n") {
		t.Errorf("-full:\n%s", out)
	}
	if n := len(readLines(t, filepath.Join(dir, "parties.jsonl"))); n != 15 {
		t.Errorf("parties.jsonl after -full: %d lines, want 15", n)
	}
}

// TestExportFailureKeepsCompleteExport fails a full run on its second page:
// the complete export and its cursor stay as they were, with no partial file.
func TestExportFailureKeepsCompleteExport(t *testing.T) {
	const token = "export-test-token"
	var fail atomic.Bool
	fake := capsuletest.Handler(capsuletest.WithSeed(150), capsuletest.WithToken(token), capsuletest.WithRateLimit(4000, time.Minute))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if fail.Load() && r.URL.Query().Get("page") == "2" {
			http.Error(w, `{"message":"boom"}`, http.StatusInternalServerError)
			return
		}
		fake.ServeHTTP(w, r)
	}))
	defer srv.Close()
	vars := env(map[string]string{"CAPSULE_TOKEN": token, "CAPSULE_BASE_URL": srv.URL + capsuletest.APIPrefix})
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	if code := run(t.Context(), []string{"-out", dir}, &stdout, &stderr, vars); code != 0 {
		t.Fatalf("first run: exit status %d; stderr:\n%s", code, &stderr)
	}
	before, err := os.ReadFile(filepath.Join(dir, "parties.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	cursorBefore, err := os.ReadFile(filepath.Join(dir, "cursor.json"))
	if err != nil {
		t.Fatal(err)
	}

	fail.Store(true)
	stdout.Reset()
	stderr.Reset()
	if code := run(t.Context(), []string{"-out", dir, "-full"}, &stdout, &stderr, vars); code != 1 {
		t.Fatalf("failing run: exit status %d, want 1", code)
	}
	if msg := stderr.String(); !strings.HasPrefix(msg, "export: parties: ") || !strings.Contains(msg, "500") || strings.Contains(msg, token) {
		t.Errorf("stderr = %q", msg)
	}
	if stdout.Len() != 0 {
		t.Errorf("stdout = %q: nothing was exported", &stdout)
	}
	after, _ := os.ReadFile(filepath.Join(dir, "parties.jsonl"))
	cursorAfter, _ := os.ReadFile(filepath.Join(dir, "cursor.json"))
	if !bytes.Equal(before, after) || !bytes.Equal(cursorBefore, cursorAfter) {
		t.Error("the failed run changed the complete export or its cursor")
	}
	assertNoPartialFiles(t, dir)
}

func TestExportRefusesBadInput(t *testing.T) {
	for _, args := range [][]string{{"-fll"}, {"extra"}} {
		var stdout, stderr bytes.Buffer
		if code := run(t.Context(), args, &stdout, &stderr, env(nil)); code != 2 || stdout.Len() != 0 {
			t.Errorf("%q: exit status %d, stdout %q; want 2 and nothing", args, code, &stdout)
		}
		if !strings.Contains(stderr.String(), "-full") {
			t.Errorf("%q: stderr lacks the usage:\n%s", args, &stderr)
		}
	}

	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "cursor.json"), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := run(t.Context(), []string{"-out", dir}, &stdout, &stderr, env(nil)); code != 1 {
		t.Errorf("a broken cursor.json: exit status %d, want 1", code)
	}
	if !strings.Contains(stderr.String(), "export: reading cursor.json (delete it, or run with -full): ") {
		t.Errorf("stderr = %q", &stderr)
	}
}

func firstPersonID(t *testing.T, dir string) int64 {
	t.Helper()
	for _, l := range readLines(t, filepath.Join(dir, "parties.jsonl")) {
		var p capsule.Party
		if err := json.Unmarshal([]byte(l), &p); err != nil {
			t.Fatal(err)
		}
		if p.IsPerson() {
			return p.ID
		}
	}
	t.Fatal("no person exported")
	return 0
}

func readCursorFile(t *testing.T, dir string) cursors {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "cursor.json"))
	if err != nil {
		t.Fatal(err)
	}
	var c cursors
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func assertNoPartialFiles(t *testing.T, dir string) {
	t.Helper()
	if m, _ := filepath.Glob(filepath.Join(dir, "*.partial")); len(m) > 0 {
		t.Errorf("partial files left behind: %v", m)
	}
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.TrimSuffix(string(b), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}
