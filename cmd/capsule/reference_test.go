package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReferenceDefaultColumnsAreModelKeys runs every reference type's list
// with its default columns against the fake: each default is a key of the
// model, and some row fills it (a default naming no key prints an empty
// column).
func TestReferenceDefaultColumnsAreModelKeys(t *testing.T) {
	srv := newServer(t)
	for _, rt := range append(referenceTypes, siteType) {
		t.Run(rt.name, func(t *testing.T) {
			keys := jsonKeys(rt.model)
			for _, d := range rt.defaults {
				assert.Contains(t, keys, d, "default column of %s", rt.name)
			}
			args := []string{rt.name, "list", "--output", "csv"}
			if rt == siteType {
				args = []string{"site", "--output", "csv"}
			}
			stdout, stderr, code := runCLI(t, srv, "", args...)
			require.Equal(t, 0, code, stderr)
			lines := strings.Split(strings.TrimSpace(stdout), "\n")
			require.Greater(t, len(lines), 1, "the fake seeds %s", rt.name)
			assert.Equal(t, strings.Join(rt.defaults, ","), lines[0])
			for i := range rt.defaults {
				filled := false
				for _, line := range lines[1:] {
					if cells := strings.Split(line, ","); i < len(cells) && cells[i] != "" {
						filled = true
					}
				}
				// Descriptions may be empty in the seed; every other column is filled.
				if rt.defaults[i] != "description" {
					assert.True(t, filled, "column %s of %s is empty in every row", rt.defaults[i], rt.name)
				}
			}
		})
	}
}

// TestReferenceUnknownFieldIsAUsageError checks that --fields naming a key
// the model lacks fails with exit 2 before any request, on list, get and
// site, and names the keys it takes.
func TestReferenceUnknownFieldIsAUsageError(t *testing.T) {
	srv := newServer(t)
	for _, args := range [][]string{
		{"users", "list", "--fields", "id,bogus"},
		{"users", "get", "1", "--fields", "bogus"},
		{"site", "--fields", "bogus"},
	} {
		srv.ResetRequests()
		stdout, stderr, code := runCLI(t, srv, "", args...)
		assert.Equal(t, 2, code, "%v", args)
		assert.Empty(t, stdout, "%v", args)
		assert.Contains(t, stderr, `no key "bogus"`, "%v", args)
		assert.Contains(t, stderr, "want ", "%v", args)
		assert.Empty(t, srv.Requests(), "%v: nothing is sent", args)
	}
	stdout, stderr, code := runCLI(t, srv, "", "users", "list", "--fields", "username,status", "--output", "csv")
	require.Equal(t, 0, code, stderr)
	assert.True(t, strings.HasPrefix(stdout, "username,status\n"), stdout)
}

// TestGroupHelpSaysWhatItsCommandsDo checks that a record group's help
// names the commands it has, writes included.
func TestGroupHelpSaysWhatItsCommandsDo(t *testing.T) {
	stdout, _, code := runCLI(t, nil, "", "parties", "--help")
	require.Equal(t, 0, code)
	assert.Contains(t, stdout, "People and organisations: list, get, search, filter, create, update and delete them.")
	stdout, _, code = runCLI(t, nil, "", "help", "entries")
	require.Equal(t, 0, code)
	assert.Contains(t, stdout, "list, get, create, update and delete them.")
}
