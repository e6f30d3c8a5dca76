package main

import (
	"bytes"
	"path/filepath"
	"regexp"
	"testing"
)

// env returns a getenv that knows only vars, so that a CAPSULE_TOKEN in the
// developer's environment never reaches a test.
func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestMirrorAgainstBuiltInFake(t *testing.T) {
	var stdout, stderr bytes.Buffer
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "m.db")
	if code := run(t.Context(), &stdout, &stderr, env(map[string]string{"MIRROR_DB": dsn})); code != 0 {
		t.Fatalf("exit status %d; stderr:\n%s", code, &stderr)
	}
	// WithSeed(20): 25 parties (20 and the users' 5), each with an email;
	// the first run costs a request per type (milestones one per
	// pipeline), the second two per change feed.
	want := regexp.MustCompile(`^No CAPSULE_TOKEN set: mirroring a built-in fake Capsule\.
first run: 15 requests, 97 rows written
second run: 18 requests, 57 rows written
25 parties, 25 with an email address
(  .+: \d+\.\d\d [A-Z]{3}\n){3}$`)
	if !want.MatchString(stdout.String()) {
		t.Errorf("stdout:\n%s", &stdout)
	}
	if stderr.Len() != 0 {
		t.Errorf("stderr: %s", &stderr)
	}
	// A bad database: a one-line error and exit status 1.
	stdout.Reset()
	if code := run(t.Context(), &stdout, &stderr, env(map[string]string{"MIRROR_DB": "mysql://x"})); code != 1 {
		t.Fatalf("exit status %d, want 1", code)
	}
	if got := stderr.String(); got != "mirror: unknown database driver \"mysql\": use sqlite:PATH or postgres://USER@HOST/DB\n" {
		t.Errorf("stderr %q", got)
	}
}
