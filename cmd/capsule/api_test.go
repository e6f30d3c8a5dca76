package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/capsulecrm-go/capsule"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAPIGet(t *testing.T) {
	srv := newServer(t)
	srv.ResetRequests()
	stdout, stderr, code := runCLI(t, srv, "", "api", "get", "/users/current")
	require.Equal(t, exitOK, code, stderr)
	assert.Empty(t, stderr)
	var body struct {
		User capsule.User `json:"user"`
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &body))
	assert.Equal(t, "integration.user", body.User.Username)
	reqs := srv.Requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, http.MethodGet, reqs[0].Method)
	assert.Equal(t, "/api/v2/users/current", reqs[0].Path)
	assert.Equal(t, "Bearer "+srv.Token, reqs[0].Header.Get("Authorization"))
}

func TestAPIPaginatePrintsEveryRecord(t *testing.T) {
	srv := newServer(t)
	total := len(allParties(t, sdkClient(t, srv)))
	srv.ResetRequests()
	stdout, stderr, code := runCLI(t, srv, "", "api", "GET", "parties?perPage=10&embed=tags", "--paginate")
	require.Equal(t, exitOK, code, stderr)
	recs := jsonLines[capsule.Party](t, stdout)
	assert.Len(t, recs, total)
	reqs := srv.Requests()
	require.Len(t, reqs, (total+9)/10, "one request a page")
	assert.Equal(t, "tags", mustQuery(t, reqs[0].Query).Get("embed"))
	assert.Equal(t, "3", mustQuery(t, reqs[2].Query).Get("page"))

	_, stderr, code = runCLI(t, srv, "", "api", "GET", "users/current", "--paginate")
	assert.Equal(t, exitError, code)
	assert.Equal(t, "capsule: api --paginate: GET users/current: the response holds no list\n", stderr)
}

func TestAPIWritesWithData(t *testing.T) {
	srv := newServer(t)
	doc := func(name string) string { return `{"party":{"type":"organisation","name":"` + name + `"}}` }
	file := filepath.Join(t.TempDir(), "party.json")
	require.NoError(t, os.WriteFile(file, []byte(doc("file")), 0o600))
	for name, tc := range map[string]struct {
		stdin string
		data  string
	}{
		"inline": {"", doc("inline")},
		"file":   {"", "@" + file},
		"stdin":  {doc("stdin"), "-"},
	} {
		srv.ResetRequests()
		stdout, stderr, code := runCLI(t, srv, tc.stdin, "api", "POST", "/parties", "--data", tc.data)
		require.Equal(t, exitOK, code, "%s: %s", name, stderr)
		var body struct {
			Party capsule.Party `json:"party"`
		}
		require.NoError(t, json.Unmarshal([]byte(stdout), &body), name)
		assert.Equal(t, name, body.Party.Name)
		reqs := srv.Requests()
		require.Len(t, reqs, 1, name)
		assert.Equal(t, http.MethodPost, reqs[0].Method)
		assert.JSONEq(t, doc(name), string(reqs[0].Body), name)
	}

	// A 422 is reported with Capsule's message, once.
	_, stderr, code := runCLI(t, srv, "", "api", "POST", "/parties", "--data", `{"party":{}}`)
	assert.Equal(t, exitError, code)
	assert.Equal(t, "capsule: POST /parties: 422 Unprocessable Entity: Validation Failed: type is required\n", stderr)
}

func TestAPIUsageErrorsSendNothing(t *testing.T) {
	srv := newServer(t)
	srv.ResetRequests()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"api", "TRACE", "/parties"}, `api: METHOD must be GET, POST, PUT, PATCH or DELETE, got "TRACE"`},
		{[]string{"api", "POST", "/parties", "--data", "{"}, "--data is not valid JSON"},
		{[]string{"api", "POST", "/parties", "--data", "@/no/such/file.json"}, "--data: open /no/such/file.json: no such file or directory"},
		{[]string{"api", "POST", "/parties", "--paginate"}, "api: --paginate needs GET, got POST"},
		{[]string{"api", "GET", "https://evil.example/x"}, `api: PATH is relative to the API root, such as /parties, got "https://evil.example/x"`},
		{[]string{"api", "GET", "../oauth/token"}, `invalid argument path: "../oauth/token" is not a relative API path`},
		{[]string{"api", "GET"}, "capsule api: want METHOD PATH, got 1 argument(s)"},
	} {
		stdout, stderr, code := runCLI(t, srv, "", tc.args...)
		assert.Equal(t, exitUsage, code, "%v", tc.args)
		assert.Empty(t, stdout)
		assert.Contains(t, stderr, "capsule: "+tc.want+"\n", "%v", tc.args)
	}
	assert.Empty(t, srv.Requests())
}
