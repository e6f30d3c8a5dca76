package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/capsulecrm-go/capsule"
	"github.com/capsulecrm-go/capsule/capsuletest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testToken is the token of the tests' fake; no output may show it.
const testToken = "cli-test-token-5f1e9a7c"

// newServer starts a fake Capsule with seeded data and testToken.
func newServer(t *testing.T, opts ...capsuletest.Option) *capsuletest.Server {
	t.Helper()
	srv := capsuletest.NewServer(append([]capsuletest.Option{capsuletest.WithSeed(20), capsuletest.WithToken(testToken)}, opts...)...)
	t.Cleanup(srv.Close)
	return srv
}

// newServerB is newServer for benchmarks.
func newServerB(b *testing.B) *capsuletest.Server {
	b.Helper()
	srv := capsuletest.NewServer(capsuletest.WithSeed(20), capsuletest.WithToken(testToken))
	b.Cleanup(srv.Close)
	return srv
}

// sdkClient is an SDK client of srv, to compute what the CLI should print.
func sdkClient(t *testing.T, srv *capsuletest.Server) *capsule.Client {
	t.Helper()
	c, err := capsule.NewClient(capsule.WithBaseURL(srv.BaseURL), capsule.WithToken(srv.Token))
	require.NoError(t, err)
	return c
}

// runCLI runs the program against srv: CAPSULE_TOKEN=srv.Token,
// CAPSULE_BASE_URL=srv.BaseURL and HOME in a temporary directory, nothing
// else from the real environment. srv may be nil (no token, no base URL).
func runCLI(t *testing.T, srv *capsuletest.Server, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	env := map[string]string{"HOME": t.TempDir()}
	if srv != nil {
		env["CAPSULE_TOKEN"] = srv.Token
		env["CAPSULE_BASE_URL"] = srv.BaseURL
	}
	return runCLIEnv(t, env, stdin, args...)
}

// runCLIEnv runs the program with exactly env as its environment.
func runCLIEnv(t *testing.T, env map[string]string, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(t.Context(), args, strings.NewReader(stdin), &out, &errOut, func(k string) string { return env[k] })
	stdout, stderr = out.String(), errOut.String()
	assert.NotContains(t, stdout+stderr, testToken, "the token is never printed")
	if tok := env["CAPSULE_TOKEN"]; tok != "" {
		assert.NotContains(t, stdout+stderr, tok, "the token is never printed")
	}
	return stdout, stderr, code
}

// jsonLines decodes stdout's JSON Lines into values of T.
func jsonLines[T any](t *testing.T, stdout string) []T {
	t.Helper()
	var out []T
	for _, line := range strings.Split(strings.TrimSuffix(stdout, "\n"), "\n") {
		if line == "" {
			continue
		}
		var v T
		require.NoError(t, json.Unmarshal([]byte(line), &v), "line %q", line)
		out = append(out, v)
	}
	return out
}

// tableRows splits a table into rows of cells (the header first): columns
// are at least two spaces apart.
func tableRows(stdout string) [][]string {
	var rows [][]string
	for _, line := range strings.Split(strings.TrimSuffix(stdout, "\n"), "\n") {
		var cells []string
		for _, c := range strings.Split(strings.TrimRight(line, " "), "  ") {
			if c = strings.TrimSpace(c); c != "" {
				cells = append(cells, c)
			}
		}
		rows = append(rows, cells)
	}
	return rows
}
