package main

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/capsulecrm-go/capsule/capsuletest"
)

// env returns a getenv that knows only vars, so that a CAPSULE_TOKEN in the
// developer's environment never reaches a test.
func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestHelloAgainstBuiltInFake(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(t.Context(), &stdout, &stderr, env(nil)); code != 0 {
		t.Fatalf("exit status %d; stderr:\n%s", code, &stderr)
	}
	lines := strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n")
	if len(lines) != 7 || lines[0] != "No CAPSULE_TOKEN set: reading a built-in fake Capsule." {
		t.Fatalf("stdout:\n%s", &stdout)
	}
	for _, l := range lines[1:6] {
		if !strings.HasPrefix(l, "#") {
			t.Errorf("party line %q", l)
		}
	}
	// WithSeed(20) seeds 20 parties plus one person for each of the 5 users.
	if want := "25 parties in all; 3999 of 4000 requests left in this window."; lines[6] != want {
		t.Errorf("last line %q, want %q", lines[6], want)
	}
	if stderr.Len() != 0 {
		t.Errorf("stderr: %s", &stderr)
	}
}

// TestHelloWithToken runs the CAPSULE_TOKEN path against a fake given as if
// it were a real account: one page of reads, nothing written.
func TestHelloWithToken(t *testing.T) {
	srv := capsuletest.NewServer(capsuletest.WithSeed(120))
	defer srv.Close()
	var stdout, stderr bytes.Buffer
	code := run(t.Context(), &stdout, &stderr, env(map[string]string{"CAPSULE_TOKEN": srv.Token, "CAPSULE_BASE_URL": srv.BaseURL}))
	if code != 0 {
		t.Fatalf("exit status %d; stderr:\n%s", code, &stderr)
	}
	if strings.Contains(stdout.String(), "fake") || !strings.HasSuffix(stdout.String(), "125 parties in all; 3998 of 4000 requests left in this window.\n") {
		t.Errorf("stdout:\n%s", &stdout)
	}
	var got []string
	for _, r := range srv.Requests() {
		got = append(got, fmt.Sprintf("%s %s?%s", r.Method, r.Path, r.Query))
	}
	want := []string{"GET /api/v2/parties?page=1&perPage=100", "GET /api/v2/parties?page=2&perPage=100"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("requests %q, want %q", got, want)
	}
}

func TestHelloReportsAFailure(t *testing.T) {
	srv := capsuletest.NewServer()
	defer srv.Close()
	const token = "not-a-valid-token"
	var stdout, stderr bytes.Buffer
	code := run(t.Context(), &stdout, &stderr, env(map[string]string{"CAPSULE_TOKEN": token, "CAPSULE_BASE_URL": srv.BaseURL}))
	if code != 1 || stdout.Len() != 0 {
		t.Fatalf("exit status %d, stdout %q; want 1 and nothing", code, &stdout)
	}
	msg := stderr.String()
	if !strings.HasPrefix(msg, "hello: ") || !strings.Contains(msg, fmt.Sprint(http.StatusUnauthorized)) || strings.Contains(msg, token) {
		t.Errorf("stderr = %q, want one line with the 401 and without the token", msg)
	}
}
