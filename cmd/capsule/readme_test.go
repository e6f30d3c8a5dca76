package main

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestREADMECommandsRun runs every capsule command of the README's command
// line section against the built-in fake (--fake added where the line has
// none), from an empty directory: each exits 0 and prints something.
func TestREADMECommandsRun(t *testing.T) {
	lines := readmeCommands(t)
	require.NotEmpty(t, lines, "the README's command line section shows capsule commands")
	t.Chdir(t.TempDir())
	for _, line := range lines {
		args := shellWords(t, line)[1:]
		if !strings.Contains(line, "--fake") {
			args = append([]string{"--fake"}, args...)
		}
		stdout, stderr, code := runCLIEnv(t, map[string]string{"HOME": t.TempDir()}, "", args...)
		assert.Equal(t, 0, code, "%s\n%s", line, stderr)
		assert.NotEmpty(t, strings.TrimSpace(stdout+strings.ReplaceAll(stderr, fakeNotice, "")), line)
	}
}

// fakeNotice is what --fake prints on stderr before every command.
const fakeNotice = "capsule: --fake: using an in-process fake Capsule with seeded data; nothing is kept\n"

// readmeCommands returns the lines starting with "capsule " of the README's
// shell block that installs the command, without their comments.
func readmeCommands(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	for _, block := range strings.Split(string(b), "```sh\n")[1:] {
		block, _, _ = strings.Cut(block, "```")
		if !strings.Contains(block, "go install github.com/capsulecrm-go/capsule/cmd/capsule@latest\ncapsule ") {
			continue
		}
		var out []string
		for _, line := range strings.Split(block, "\n") {
			line, _, _ = strings.Cut(line, "#")
			if line = strings.TrimSpace(line); strings.HasPrefix(line, "capsule ") {
				out = append(out, line)
			}
		}
		return out
	}
	return nil
}

// shellWords splits a command line as sh would for words, single and double
// quotes (no escapes, no expansions: the README needs none).
func shellWords(t *testing.T, line string) []string {
	t.Helper()
	var words []string
	var word strings.Builder
	inWord := false
	var quote rune
	for _, r := range line {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			word.WriteRune(r)
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == ' ' || r == '\t':
			if inWord {
				words = append(words, word.String())
				word.Reset()
				inWord = false
			}
		default:
			word.WriteRune(r)
			inWord = true
		}
	}
	require.Zero(t, quote, "unclosed quote in %q", line)
	if inWord {
		words = append(words, word.String())
	}
	return words
}

func TestShellWords(t *testing.T) {
	assert.Equal(t, []string{"capsule", "parties", "filter", "name starts with Acme", "", "x"},
		shellWords(t, `capsule  parties filter 'name starts with Acme' "" x`))
}
