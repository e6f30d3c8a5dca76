package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/capsulecrm-go/capsule/internal/genspec"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const sdk = "../../genspec/testdata/sdk"

func TestRun(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "spec.json")
	var stderr strings.Builder
	require.Equal(t, 0, run([]string{"-dir", sdk, "-o", out}, &stderr))
	assert.Empty(t, stderr.String())
	got, err := os.ReadFile(out)
	require.NoError(t, err)
	want, err := genspec.Build(sdk)
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got))
}

func TestRunErrors(t *testing.T) {
	t.Parallel()
	var stderr strings.Builder
	assert.Equal(t, 1, run([]string{"-dir", "../../genspec/testdata/noroute", "-o", filepath.Join(t.TempDir(), "x.json")}, &stderr))
	assert.Contains(t, stderr.String(), "genspec: ")
	assert.Contains(t, stderr.String(), "Things.Read: doc comment must end with the docs URL and VERB /path")
	stderr.Reset()
	assert.Equal(t, 2, run([]string{"-bogus"}, &stderr))
	assert.Contains(t, stderr.String(), "flag provided but not defined: -bogus")
}
