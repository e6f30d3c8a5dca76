package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
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

func TestRunAgainstBuiltInFake(t *testing.T) {
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	if code := run(t.Context(), []string{"-out", dir}, &stdout, &stderr, env(nil)); code != 0 {
		t.Fatalf("exit status %d; stderr:\n%s\nstdout:\n%s", code, &stderr, &stdout)
	}
	out := stdout.String()
	for _, want := range []string{
		"No CAPSULE_TOKEN set: using an in-process fake Capsule",
		"Full export: 55 parties, 25 opportunities, 12 kases in " + dir,
		"Changed through the client: updated party #",
		"Incremental export since ",
		"opportunities [], kases []; deleted parties [#",
		"The incremental pass fetched exactly the updated party #",
		"Lines in " + dir + ": parties.jsonl: 56, opportunities.jsonl: 25, kases.jsonl: 12, deleted.jsonl: 1 (and cursor.json)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	progress := stderr.String()
	for _, want := range []string{
		"export: parties                   55 records so far,    1 requests made, budget 3999/4000 left",
		"export: deleted parties            1 records so far,",
	} {
		if !strings.Contains(progress, want) {
			t.Errorf("stderr lacks %q:\n%s", want, progress)
		}
	}

	var updated, deleted int64
	if _, err := fmt.Sscanf(out[strings.Index(out, "Changed through the client"):], "Changed through the client: updated party #%d, deleted party #%d", &updated, &deleted); err != nil {
		t.Fatal(err)
	}
	// The last line of parties.jsonl is the updated party, with its embeds.
	lines := readLines(t, filepath.Join(dir, "parties.jsonl"))
	var last capsule.Party
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &last); err != nil {
		t.Fatal(err)
	}
	if last.ID != updated || last.About == nil || *last.About != "Updated by the export example" {
		t.Errorf("last parties.jsonl line: id %d about %v; want the updated party #%d", last.ID, last.About, updated)
	}
	var del deletedLine
	if err := json.Unmarshal([]byte(readLines(t, filepath.Join(dir, "deleted.jsonl"))[0]), &del); err != nil {
		t.Fatal(err)
	}
	if del.Entity != "parties" || del.ID != deleted || del.DeletedAt == nil {
		t.Errorf("deleted.jsonl: %+v, want party #%d with its deletedAt", del, deleted)
	}
	var withTags, withFields int
	for _, l := range lines {
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
}

// TestRunWithToken exports a fake through the CAPSULE_TOKEN path: a first
// run is full, a second one after a change is incremental, and the flags
// force a kind.
func TestRunWithToken(t *testing.T) {
	srv := capsuletest.NewServer(capsuletest.WithSeed(10), capsuletest.WithRateLimit(4000, time.Minute))
	defer srv.Close()
	vars := env(map[string]string{"CAPSULE_TOKEN": srv.Token, "CAPSULE_BASE_URL": srv.BaseURL})
	dir := t.TempDir()
	runOK := func(args ...string) string {
		t.Helper()
		var stdout, stderr bytes.Buffer
		if code := run(t.Context(), append([]string{"-out", dir}, args...), &stdout, &stderr, vars); code != 0 {
			t.Fatalf("%v: exit status %d; stderr:\n%s\nstdout:\n%s", args, code, &stderr, &stdout)
		}
		if strings.Contains(stdout.String()+stderr.String(), srv.Token) {
			t.Error("the token is printed")
		}
		return stdout.String()
	}

	if out := runOK(); !strings.Contains(out, "Full export: 15 parties, 5 opportunities, 2 kases in "+dir) {
		t.Errorf("first run:\n%s", out)
	}

	client, err := capsule.NewClient(capsule.WithBaseURL(srv.BaseURL), capsule.WithToken(srv.Token))
	if err != nil {
		t.Fatal(err)
	}
	opps, _, err := client.Opportunities.Read(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.Opportunities.Delete(t.Context(), opps[0].ID); err != nil {
		t.Fatal(err)
	}
	out := runOK()
	if want := fmt.Sprintf("deleted parties [], opportunities [#%d], kases []", opps[0].ID); !strings.Contains(out, want) {
		t.Errorf("second run lacks %q:\n%s", want, out)
	}
	if n := len(readLines(t, filepath.Join(dir, "deleted.jsonl"))); n < 1 {
		t.Errorf("deleted.jsonl has %d lines", n)
	}

	if out := runOK("-full"); !strings.Contains(out, "Full export: 15 parties, 4 opportunities, ") {
		t.Errorf("-full:\n%s", out)
	}
	if n := len(readLines(t, filepath.Join(dir, "deleted.jsonl"))); n != 0 {
		t.Errorf("deleted.jsonl has %d lines after a full export", n)
	}
	if out := runOK("-incremental"); !strings.Contains(out, "changed parties [], opportunities [], kases []") {
		t.Errorf("-incremental with no change:\n%s", out)
	}
}

// TestRunCursorOnServerClock checks that cursor.json holds the change
// feeds' cursor, taken from the server's clock (a fake frozen in 2025), and
// that a cursor.json written by the earlier version of this example, with
// lastRun, still works.
func TestRunCursorOnServerClock(t *testing.T) {
	srv := capsuletest.NewServer(capsuletest.WithSeed(5))
	defer srv.Close()
	srv.SetNow(time.Date(2025, 6, 2, 10, 0, 0, 0, time.UTC))
	vars := env(map[string]string{"CAPSULE_TOKEN": srv.Token, "CAPSULE_BASE_URL": srv.BaseURL})
	dir := t.TempDir()
	cursorJSON := func() string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(dir, "cursor.json"))
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(string(b))
	}
	runOK := func(args ...string) string {
		t.Helper()
		var stdout, stderr bytes.Buffer
		if code := run(t.Context(), append([]string{"-out", dir}, args...), &stdout, &stderr, vars); code != 0 {
			t.Fatalf("%v: exit status %d; stderr:\n%s\nstdout:\n%s", args, code, &stderr, &stdout)
		}
		return stdout.String()
	}

	runOK("-full")
	if got, want := cursorJSON(), `{"since":"2025-06-02T09:59:00Z"}`; got != want {
		t.Errorf("cursor.json after a full run = %s, want %s", got, want)
	}

	if err := os.WriteFile(filepath.Join(dir, "cursor.json"), []byte(`{"lastRun":"2025-06-02T09:30:00Z"}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	srv.Advance(time.Hour)
	if out := runOK("-incremental"); !strings.Contains(out, "Incremental export since 2025-06-02T09:29:00Z ") {
		t.Errorf("incremental run from a lastRun cursor:\n%s", out)
	}
	if got, want := cursorJSON(), `{"since":"2025-06-02T10:59:00Z"}`; got != want {
		t.Errorf("cursor.json after an incremental run = %s, want %s", got, want)
	}
}

func TestRunIncrementalNeedsCursor(t *testing.T) {
	srv := capsuletest.NewServer()
	defer srv.Close()
	var stdout, stderr bytes.Buffer
	code := run(t.Context(), []string{"-out", t.TempDir(), "-incremental"}, &stdout, &stderr,
		env(map[string]string{"CAPSULE_TOKEN": srv.Token, "CAPSULE_BASE_URL": srv.BaseURL}))
	if code != 1 || !strings.Contains(stderr.String(), "has no cursor.json; run a full export first") {
		t.Errorf("exit status %d, stderr %q", code, &stderr)
	}
}

func TestRunBadFlags(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(t.Context(), []string{"-full", "-incremental"}, &stdout, &stderr, env(nil)); code != 2 {
		t.Errorf("exit status %d, want 2", code)
	}
	if !strings.Contains(stderr.String(), "at most one of -full and -incremental") {
		t.Errorf("stderr = %q", &stderr)
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
