package main

import (
	"strings"
	"testing"
	"time"

	"github.com/capsulecrm-go/capsule"
	"github.com/capsulecrm-go/capsule/capsuletest"
	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHelpOnEveryLevel(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"help"}, {"parties", "--help"}, {"help", "parties"}, {"parties"}} {
		stdout, stderr, code := runCLI(t, nil, "", args...)
		assert.Equal(t, exitOK, code, "%v", args)
		assert.Empty(t, stderr, "%v", args)
		if args[len(args)-1] == "parties" || args[0] == "parties" {
			for _, sub := range []string{"list", "get", "search", "filter"} {
				assert.Contains(t, stdout, "\n  "+sub+" ", "%v lists %s", args, sub)
			}
			assert.Contains(t, stdout, "Examples:")
		} else {
			assert.Contains(t, stdout, "Exit statuses:")
			assert.Regexp(t, `(?s)Records:\n  entries .*\n  parties .*The account's reference data:\n  activity-types .*More commands:\n  api `, stdout)
		}
	}
	stdout, _, code := runCLI(t, nil, "", "parties", "list", "--help")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, stdout, "capsule parties list --since 2025-01-31")
	assert.Contains(t, stdout, "--embed")
}

func TestUsageErrors(t *testing.T) {
	srv := newServer(t)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"bogus"}, `unknown command "bogus" for "capsule"`},
		{[]string{"parties", "bogus"}, `unknown command "bogus" for "capsule parties" (want one of create, delete, filter, get, list, search, update)`},
		{[]string{"parties", "list", "--bogus"}, "unknown flag: --bogus"},
		{[]string{"parties", "list", "--embed", "bogus"}, `--embed "bogus" is not one of tags, fields, organisation, missingImportantFields`},
		{[]string{"parties", "list", "--since", "yesterday"}, `--since: want a date such as 2025-01-31 or a time such as 2025-01-31T08:00:00Z, got "yesterday"`},
		{[]string{"parties", "list", "--limit", "-1"}, "--limit must be 0 or more, got -1"},
		{[]string{"parties", "list", "--output", "xml"}, `--output must be table, json, jsonl or csv, got "xml"`},
		{[]string{"parties", "list", "extra"}, "capsule parties list: want no arguments, got 1 argument(s)"},
		{[]string{"parties", "get", "abc"}, `ID must be a positive number, got "abc"`},
		{[]string{"parties", "get"}, "capsule parties get: want ID, got 0 argument(s)"},
		{[]string{"parties", "search", " "}, "parties search: TEXT must not be empty"},
		{[]string{"tasks", "list", "--status", "done"}, `--status "done" is not one of open, completed, pending`},
		{[]string{"fields", "list", "tasks"}, `fields list: ENTITY must be parties, opportunities or kases (projects), got "tasks"`},
	}
	for _, tc := range cases {
		srv.ResetRequests()
		stdout, stderr, code := runCLI(t, srv, "", tc.args...)
		assert.Equal(t, exitUsage, code, "%v", tc.args)
		assert.Empty(t, stdout, "%v", tc.args)
		assert.Equal(t, "capsule: "+tc.want+"\nhint: run 'capsule help' or add --help to the command for its usage\n", stderr, "%v", tc.args)
		assert.Empty(t, srv.Requests(), "%v: nothing is sent", tc.args)
	}
}

func TestNoTokenIsAnAuthError(t *testing.T) {
	stdout, stderr, code := runCLI(t, nil, "", "parties", "list")
	assert.Equal(t, exitAuth, code)
	assert.Empty(t, stdout)
	assert.Equal(t, "capsule: no token: CAPSULE_TOKEN is not set and profile \"default\" is not logged in\n"+
		"hint: set CAPSULE_TOKEN to a personal access token, run 'capsule auth login', or add --fake to try the built-in fake\n", stderr)
}

func TestRefusedTokenIsAnAuthErrorWithNothingOnStdout(t *testing.T) {
	srv := newServer(t)
	for _, format := range []string{"table", "csv", "json", "jsonl"} {
		env := map[string]string{"CAPSULE_TOKEN": "wrong-token-1234", "CAPSULE_BASE_URL": srv.BaseURL, "HOME": t.TempDir()}
		stdout, stderr, code := runCLIEnv(t, env, "", "parties", "list", "--output", format)
		assert.Equal(t, exitAuth, code, format)
		assert.Empty(t, stdout, "%s: no header before the request succeeded", format)
		lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
		require.Len(t, lines, 2, stderr)
		assert.Equal(t, "capsule: GET /parties?page=1&perPage=100: 401 Unauthorized: The access token is invalid or has expired", lines[0])
		assert.Contains(t, lines[1], "hint: Capsule refused the token: check CAPSULE_TOKEN")
	}
}

func TestBaseURLWithoutAPIPathHints(t *testing.T) {
	srv := newServer(t)
	env := map[string]string{"CAPSULE_TOKEN": srv.Token, "CAPSULE_BASE_URL": srv.URL, "HOME": t.TempDir()}
	stdout, stderr, code := runCLIEnv(t, env, "", "parties", "list")
	assert.Equal(t, exitError, code)
	assert.Empty(t, stdout)
	assert.Equal(t, "capsule: GET /parties?page=1&perPage=100: 404 Not Found: Could not find resource\n"+
		"hint: the base URL "+srv.URL+" does not end in /api/v2: set CAPSULE_BASE_URL to "+srv.URL+"/api/v2/\n", stderr)
	assert.Equal(t, 1, strings.Count(stderr, "capsule:"), "one prefix")
}

func TestBadBaseURL(t *testing.T) {
	env := map[string]string{"CAPSULE_TOKEN": "t0k3n-abcdef", "CAPSULE_BASE_URL": "ftp://example.com/api/v2", "HOME": t.TempDir()}
	stdout, stderr, code := runCLIEnv(t, env, "", "parties", "list")
	assert.Equal(t, exitUsage, code)
	assert.Empty(t, stdout)
	assert.Equal(t, "capsule: invalid argument base URL: scheme \"ftp\" is not http or https\n"+
		"hint: CAPSULE_BASE_URL must be an https URL such as https://api.capsulecrm.com/api/v2/\n", stderr)
}

func TestConnectionRefusedNamesTheHostOnce(t *testing.T) {
	srv := newServer(t)
	base := srv.BaseURL
	host := strings.TrimPrefix(srv.URL, "http://")
	srv.Close() // nothing listens there now
	env := map[string]string{"CAPSULE_TOKEN": "t0k3n-abcdef", "CAPSULE_BASE_URL": base, "HOME": t.TempDir()}
	stdout, stderr, code := runCLIEnv(t, env, "", "parties", "list")
	assert.Equal(t, exitError, code)
	assert.Empty(t, stdout)
	assert.Equal(t, "capsule: cannot connect to "+host+": connection refused\nhint: check CAPSULE_BASE_URL and your network\n", stderr)
}

func TestRateLimitedHintsWhenTheBudgetResets(t *testing.T) {
	// Retries wait out a 429 only when the reset is near; this one is an
	// hour away, so the error comes back with the budget.
	srv := newServer(t, capsuletest.WithRateLimit(1, time.Hour))
	_, _, code := runCLI(t, srv, "", "rate")
	require.Equal(t, exitOK, code)
	stdout, stderr, code := runCLI(t, srv, "", "parties", "list")
	assert.Equal(t, exitError, code)
	assert.Empty(t, stdout)
	lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
	require.Len(t, lines, 2, stderr)
	assert.Equal(t, "capsule: rate limit reached", lines[0])
	assert.Regexp(t, `^hint: the rate budget is used up \(0 of 1 requests left\); it resets at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(in (\d+h)?\d+m\d+s\)$`, lines[1])
}

func TestFieldsListAndRate(t *testing.T) {
	srv := newServer(t)
	c := sdkClient(t, srv)
	defs, err := c.CustomFields.ReadAll(t.Context(), capsule.EntityParties)
	require.NoError(t, err)
	srv.ResetRequests()
	stdout, stderr, code := runCLI(t, srv, "", "fields", "list", "parties", "--output", "table")
	assert.Equal(t, exitOK, code)
	assert.Empty(t, stderr)
	rows := tableRows(stdout)
	require.Len(t, rows, len(defs)+1)
	assert.Equal(t, []string{"ID", "NAME", "TYPE", "OPTIONS", "TAG"}, rows[0])
	assert.Equal(t, defs[0].Name, rows[1][1])
	reqs := srv.Requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, "/api/v2/parties/fields/definitions", reqs[0].Path)

	stdout, stderr, code = runCLI(t, srv, "", "rate", "--output", "jsonl")
	assert.Equal(t, exitOK, code)
	assert.Empty(t, stderr)
	lines := jsonLines[rateLine](t, stdout)
	require.Len(t, lines, 1)
	assert.Equal(t, "integration.user", lines[0].User)
	assert.Equal(t, 4000, lines[0].Limit)
	assert.Positive(t, lines[0].Remaining)
}

func TestForbiddenHints(t *testing.T) {
	srv := newServer(t)
	srv.AddToken("read-only-token-77", true)
	env := map[string]string{"CAPSULE_TOKEN": "read-only-token-77", "CAPSULE_BASE_URL": srv.BaseURL, "HOME": t.TempDir()}
	_, stderr, code := runCLIEnv(t, env, "", "api", "POST", "/resthooks", "--data", `{"restHook":{"event":"party/created","targetUrl":"https://example.com/h"}}`)
	assert.Equal(t, exitError, code)
	assert.Equal(t, "capsule: POST /resthooks: 403 Forbidden: This token does not have the write scope\n"+
		"hint: REST hooks need an OAuth access token of an administrator: run 'capsule auth login' as one (a personal access token is refused)\n", stderr)

	_, stderr, code = runCLIEnv(t, env, "", "api", "POST", "/parties", "--data", `{"party":{"type":"organisation","name":"X"}}`)
	assert.Equal(t, exitError, code)
	assert.Equal(t, "capsule: POST /parties: 403 Forbidden: This token does not have the write scope\n"+
		"hint: the token may not do this: check its user's permissions, or use an OAuth token with the write scope\n", stderr)
}

func TestEveryCommandHasHelpWithExamples(t *testing.T) {
	a := &app{getenv: func(string) string { return "" }}
	root := a.rootCommand()
	var walk func(c *cobra.Command)
	n := 0
	walk = func(c *cobra.Command) {
		if c.Name() == "help" || c.Hidden {
			return
		}
		n++
		assert.NotEmpty(t, c.Short, "%s has a one-line help", c.CommandPath())
		// cobra's completion scripts for one shell are examples enough.
		if c.Parent() == nil || c.Parent().Name() != "completion" {
			assert.NotEmpty(t, c.Example, "%s has examples", c.CommandPath())
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	assert.Greater(t, n, 60, "the whole tree was walked")
	for _, name := range []string{"parties", "opportunities", "kases", "tasks", "entries", "users", "teams", "pipelines",
		"milestones", "boards", "stages", "tags", "fields", "titles", "countries", "currencies", "activity-types",
		"categories", "lost-reasons", "site", "track-definitions", "api", "auth", "rate", "export", "version", "completion"} {
		c, _, err := root.Find([]string{name})
		require.NoError(t, err, name)
		assert.Equal(t, name, c.Name())
	}
}
