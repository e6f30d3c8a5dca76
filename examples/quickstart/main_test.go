package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/capsulecrm-go/capsule"
	"github.com/capsulecrm-go/capsule/capsuletest"
)

// env returns a getenv that knows only vars, so that a CAPSULE_TOKEN in the
// developer's environment never reaches a test.
func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestRunAgainstBuiltInFake(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(t.Context(), nil, &stdout, &stderr, env(nil)); code != 0 {
		t.Fatalf("exit status %d; stderr:\n%s\nstdout:\n%s", code, &stderr, &stdout)
	}
	if stderr.Len() != 0 {
		t.Errorf("stderr: %s", &stderr)
	}
	out := stdout.String()
	for _, want := range []string{
		"No CAPSULE_TOKEN set: using an in-process fake Capsule",
		"First page (perPage 5): ",
		"(more pages: true)",
		"All parties walked with ReadIter: 55 (",
		"Party custom fields: 7; using \"Account code\" (text)",
		"Ada Lovelace <ada.lovelace+qs",
		`tags ["capsule-go quickstart"], Account code = QS-`,
		"jobTitle cleared with capsule.Null (now null)",
		"1 match, including #",
		`and tag is "capsule-go quickstart": 1 match, including #`,
		`on pipeline "`,
		"Rate budget: ",
		"(reading the person again: not found)",
		"Done.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if lines := strings.Count(out, "\n"); lines != 12 {
		t.Errorf("got %d lines, want 12 (one per step):\n%s", lines, out)
	}
}

// TestRunWithTokenReadsOnly takes the CAPSULE_TOKEN path against a fake
// given as if it were a real account: without --write no request may write.
func TestRunWithTokenReadsOnly(t *testing.T) {
	srv := capsuletest.NewServer(capsuletest.WithSeed(20))
	defer srv.Close()
	var stdout, stderr bytes.Buffer
	code := run(t.Context(), nil, &stdout, &stderr, env(map[string]string{"CAPSULE_TOKEN": srv.Token, "CAPSULE_BASE_URL": srv.BaseURL}))
	if code != 0 {
		t.Fatalf("exit status %d; stderr:\n%s\nstdout:\n%s", code, &stderr, &stdout)
	}
	out := stdout.String()
	for _, want := range []string{
		"Using CAPSULE_TOKEN " + srv.Token[:4] + "… against " + srv.BaseURL,
		"All parties walked with ReadIter: 25 (",
		"1 match, including #",
		"Filter type is organisation and added within the last 365 days: ",
		"Pipelines: ",
		"Rate budget: ",
		"Read-only: nothing was written. Run with --write",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Created") {
		t.Errorf("a read-only run reports a creation:\n%s", out)
	}
	reads := 0
	for _, r := range srv.Requests() {
		readOnlyPost := r.Method == "POST" && strings.HasSuffix(r.Path, "/filters/results")
		if r.Method != "GET" && !readOnlyPost {
			t.Errorf("a read-only run sent %s %s", r.Method, r.Path)
		}
		reads++
	}
	if reads < 5 {
		t.Errorf("%d requests: the tour did not run", reads)
	}
}

// TestRunWithTokenWrites takes the CAPSULE_TOKEN path with --write, with
// CAPSULE_BASE_URL at a fake, and checks that the run writes and leaves the
// account as it found it.
func TestRunWithTokenWrites(t *testing.T) {
	srv := capsuletest.NewServer(capsuletest.WithSeed(20))
	defer srv.Close()
	client, err := capsule.NewClient(capsule.WithBaseURL(srv.BaseURL), capsule.WithToken(srv.Token))
	if err != nil {
		t.Fatal(err)
	}
	before := countParties(t, client)

	var stdout, stderr bytes.Buffer
	code := run(t.Context(), []string{"--write"}, &stdout, &stderr, env(map[string]string{"CAPSULE_TOKEN": srv.Token, "CAPSULE_BASE_URL": srv.BaseURL}))
	if code != 0 {
		t.Fatalf("exit status %d; stderr:\n%s\nstdout:\n%s", code, &stderr, &stdout)
	}
	out := stdout.String()
	writes := map[string]int{}
	for _, r := range srv.Requests() {
		if r.Method != "GET" {
			writes[r.Method]++
		}
	}
	if writes["POST"] < 2 || writes["PUT"] != 1 || writes["DELETE"] < 2 {
		t.Errorf("writes sent %v: want the person and opportunity created, the person updated, both deleted", writes)
	}
	if !strings.Contains(out, "Done.") {
		t.Errorf("output lacks Done.:\n%s", out)
	}
	if want := "Using CAPSULE_TOKEN " + srv.Token[:4] + "… against " + srv.BaseURL; !strings.Contains(out, want) {
		t.Errorf("output lacks %q:\n%s", want, out)
	}
	if strings.Contains(out, srv.Token) {
		t.Errorf("output shows the whole token:\n%s", out)
	}
	if after := countParties(t, client); after != before {
		t.Errorf("parties: %d before, %d after", before, after)
	}
	for tag, err := range client.Tags.ReadIter(context.Background(), capsule.EntityParties, nil) {
		if err != nil {
			t.Fatal(err)
		}
		if tag.Name == tagName {
			t.Errorf("the run left tag %q behind", tagName)
		}
	}
}

func TestRunFailsClearly(t *testing.T) {
	srv := capsuletest.NewServer()
	defer srv.Close()
	const token = "not-a-valid-token"
	var stdout, stderr bytes.Buffer
	code := run(t.Context(), nil, &stdout, &stderr, env(map[string]string{"CAPSULE_TOKEN": token, "CAPSULE_BASE_URL": srv.BaseURL}))
	if code == 0 {
		t.Fatalf("exit status 0 with a bad token; stdout:\n%s", &stdout)
	}
	msg := stderr.String()
	if !strings.HasPrefix(msg, "quickstart: error: listing parties: ") || !strings.Contains(msg, "401") {
		t.Errorf("stderr = %q, want the failed step and the 401", msg)
	}
	if strings.Contains(stdout.String()+msg, token) {
		t.Errorf("the token is printed in full")
	}
}

func TestRunRefusesBadFlags(t *testing.T) {
	for _, args := range [][]string{{"--wrte"}, {"extra"}} {
		var stdout, stderr bytes.Buffer
		if code := run(t.Context(), args, &stdout, &stderr, env(nil)); code != 2 || stdout.Len() != 0 {
			t.Errorf("%q: exit status %d, stdout %q; want 2 and nothing", args, code, &stdout)
		}
		if !strings.Contains(stderr.String(), "-write") {
			t.Errorf("%q: stderr lacks the usage:\n%s", args, &stderr)
		}
	}
}

func countParties(t *testing.T, client *capsule.Client) int {
	t.Helper()
	all, err := capsule.Collect(client.Parties.ReadIter(context.Background(), nil))
	if err != nil {
		t.Fatal(err)
	}
	return len(all)
}
