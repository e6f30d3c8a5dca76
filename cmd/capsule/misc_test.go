package main

import (
	"bytes"
	"fmt"
	"maps"
	"runtime/debug"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestVersion(t *testing.T) {
	old := buildInfo
	t.Cleanup(func() { buildInfo = old })
	buildInfo = func() (*debug.BuildInfo, bool) {
		return &debug.BuildInfo{
			Main:     debug.Module{Path: "github.com/capsulecrm-go/capsule/cmd/capsule", Version: "v1.2.3"},
			Deps:     []*debug.Module{{Path: sdkModule, Version: "v1.2.0"}},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "abc123"}},
		}, true
	}
	stdout, stderr, code := runCLI(t, nil, "", "version")
	require.Equal(t, exitOK, code)
	assert.Empty(t, stderr)
	assert.Regexp(t, `^capsule v1\.2\.3 \(SDK v1\.2\.0, commit abc123, go1\.\d+.*\)\n$`, stdout)

	stdout, _, code = runCLI(t, nil, "", "version", "--output", "json")
	require.Equal(t, exitOK, code)
	v := jsonLines[versionInfo](t, stdout)
	require.Len(t, v, 1)
	assert.Equal(t, "v1.2.3", v[0].Version)
	assert.Equal(t, "v1.2.0", v[0].SDKVersion)

	buildInfo = func() (*debug.BuildInfo, bool) { return nil, false }
	stdout, _, code = runCLI(t, nil, "", "version")
	require.Equal(t, exitOK, code)
	assert.True(t, strings.HasPrefix(stdout, "capsule (unknown) (SDK "), stdout)
}

func TestCompletion(t *testing.T) {
	for shell, marker := range map[string]string{
		"bash":       "__start_capsule",
		"zsh":        "#compdef capsule",
		"fish":       "complete -c capsule",
		"powershell": "Register-ArgumentCompleter",
	} {
		stdout, stderr, code := runCLI(t, nil, "", "completion", shell)
		assert.Equal(t, exitOK, code, shell)
		assert.Empty(t, stderr, shell)
		assert.Contains(t, stdout, marker, shell)
	}
	_, stderr, code := runCLI(t, nil, "", "completion", "tcsh")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, `capsule: invalid argument "tcsh" for "capsule completion"`)

	// The completion of subcommands and flag values works through cobra's
	// hidden __complete command.
	stdout, _, code := runCLI(t, nil, "", "__complete", "parties", "")
	require.Equal(t, exitOK, code)
	for _, sub := range []string{"list", "get", "search", "filter"} {
		assert.Contains(t, stdout, sub+"\t")
	}
	stdout, _, code = runCLI(t, nil, "", "__complete", "parties", "list", "--output", "")
	require.Equal(t, exitOK, code)
	assert.Equal(t, "table\njson\njsonl\ncsv\n:4\n", stdout)
}

func TestProgressOnATerminalOnly(t *testing.T) {
	srv := newServer(t)
	var stdout, stderr bytes.Buffer
	env := map[string]string{"CAPSULE_TOKEN": srv.Token, "CAPSULE_BASE_URL": srv.BaseURL, "HOME": t.TempDir()}
	code := runWith(t.Context(), []string{"api", "GET", "parties", "--paginate"}, strings.NewReader(""), &stdout, &stderr,
		func(k string) string { return env[k] }, terminals{stderr: true})
	require.Equal(t, exitOK, code, stderr.String())
	assert.Contains(t, stderr.String(), "api parties", "the bar says what is done")
	assert.Regexp(t, `\(\d+/4000 requests left\)`, stderr.String(), "and the rate budget")
	assert.NotContains(t, stdout.String(), "requests left", "the bar never reaches stdout")

	a := &app{}
	assert.Equal(t, noProgress{}, a.progress(10, "x"), "no bar when stderr is not a terminal")
}

func TestTableIsTheDefaultOnATerminal(t *testing.T) {
	srv := newServer(t)
	var stdout, stderr bytes.Buffer
	env := map[string]string{"CAPSULE_TOKEN": srv.Token, "CAPSULE_BASE_URL": srv.BaseURL, "HOME": t.TempDir()}
	code := runWith(t.Context(), []string{"users", "list"}, strings.NewReader(""), &stdout, &stderr,
		func(k string) string { return env[k] }, terminals{stdout: true})
	require.Equal(t, exitOK, code, stderr.String())
	assert.True(t, strings.HasPrefix(stdout.String(), "ID      USERNAME "), stdout.String())
}

// withCommands registers extra commands for one test.
func withCommands(t *testing.T, top []func(a *app) *cobra.Command, subs map[string]func(a *app) *cobra.Command) {
	t.Helper()
	oldTop, oldSubs := commandBuilders, subcommandBuilders
	commandBuilders = append(slices.Clone(commandBuilders), top...)
	subcommandBuilders = maps.Clone(subcommandBuilders)
	for group, build := range subs {
		subcommandBuilders[group] = append(slices.Clone(subcommandBuilders[group]), build)
	}
	t.Cleanup(func() { commandBuilders, subcommandBuilders = oldTop, oldSubs })
}

func TestRegisteredCommandsAndFailedOutcomes(t *testing.T) {
	withCommands(t, nil, nil)
	registerCommand(func(a *app) *cobra.Command {
		return &cobra.Command{Use: "halfway", Short: "test", RunE: func(*cobra.Command, []string) error {
			fmt.Fprintln(a.stdout, "3 done, 2 failed")
			return failedf("%d rows failed", 2)
		}}
	})
	registerSubcommand("parties", func(a *app) *cobra.Command {
		return &cobra.Command{Use: "wave", Short: "test", RunE: func(*cobra.Command, []string) error {
			fmt.Fprintln(a.stdout, "hello")
			return nil
		}}
	})
	stdout, stderr, code := runCLI(t, nil, "", "halfway")
	assert.Equal(t, exitError, code)
	assert.Equal(t, "3 done, 2 failed\n", stdout)
	assert.Equal(t, "capsule: 2 rows failed\n", stderr)

	stdout, _, code = runCLI(t, nil, "", "parties", "wave")
	assert.Equal(t, exitOK, code)
	assert.Equal(t, "hello\n", stdout)
	stdout, _, code = runCLI(t, nil, "", "parties", "--help")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, stdout, "\n  wave ")
}

func TestListProgressWhenPipedFromATerminal(t *testing.T) {
	srv := newServer(t)
	env := map[string]string{"CAPSULE_TOKEN": srv.Token, "CAPSULE_BASE_URL": srv.BaseURL, "HOME": t.TempDir()}
	for _, tc := range []struct {
		tty  terminals
		want bool
	}{{terminals{stderr: true}, true}, {terminals{stderr: true, stdout: true}, false}, {terminals{}, false}} {
		var stdout, stderr bytes.Buffer
		code := runWith(t.Context(), []string{"parties", "list", "--limit", "0"}, strings.NewReader(""), &stdout, &stderr,
			func(k string) string { return env[k] }, tc.tty)
		require.Equal(t, exitOK, code, stderr.String())
		assert.Equal(t, tc.want, strings.Contains(stderr.String(), "reading parties"), "%+v: %q", tc.tty, stderr.String())
	}
}
