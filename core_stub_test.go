package capsule

// TEMPORARY stand-ins for helpers_test.go until the core lands on main.

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return b
}

func testJSONMarshal(t *testing.T, v any, want string) {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	require.JSONEq(t, want, string(b))
}
