package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFakeStateKeepsChanges: --fake-state saves the fake's store after a
// command and loads it before the next; --fake alone starts afresh.
func TestFakeStateKeepsChanges(t *testing.T) {
	file := filepath.Join(t.TempDir(), "fake.json")
	env := map[string]string{"HOME": t.TempDir()}
	_, stderr, code := runCLIEnv(t, env, "", "--fake-state", file, "parties", "create", "--type", "organisation", "--name", "Kept Between Runs Ltd")
	require.Equal(t, exitOK, code, stderr)
	assert.Equal(t, "capsule: --fake-state: using an in-process fake Capsule kept in "+file+"\n", stderr)
	_, err := os.Stat(file)
	require.NoError(t, err, "saved after the command")

	search := func(args ...string) []map[string]any {
		t.Helper()
		stdout, stderr, code := runCLIEnv(t, env, "", append(args, "parties", "search", "Kept Between Runs", "--fields", "id,name")...)
		require.Equal(t, exitOK, code, stderr)
		return jsonLines[map[string]any](t, stdout)
	}
	found := search("--fake-state", file)
	require.Len(t, found, 1, "loaded before the next command")
	assert.Equal(t, "Kept Between Runs Ltd", found[0]["name"])
	assert.Empty(t, search("--fake"), "--fake keeps nothing")

	// a second change on top of the first
	_, stderr, code = runCLIEnv(t, env, "", "--fake-state", file, "parties", "create", "--type", "organisation", "--name", "Kept Between Runs Two Ltd")
	require.Equal(t, exitOK, code, stderr)
	assert.Len(t, search("--fake-state", file), 2)
}

func TestFakeStateBadFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "fake.json")
	require.NoError(t, os.WriteFile(file, []byte("not a state"), 0o600))
	_, stderr, code := runCLIEnv(t, map[string]string{"HOME": t.TempDir()}, "", "--fake-state", file, "parties", "list")
	assert.Equal(t, exitError, code)
	assert.Contains(t, stderr, "capsule: --fake-state: capsuletest: state file "+file)
	assert.Contains(t, stderr, "remove the file to start again")
	got, err := os.ReadFile(file)
	require.NoError(t, err)
	assert.Equal(t, "not a state", string(got), "a file that does not load is not overwritten")
}
