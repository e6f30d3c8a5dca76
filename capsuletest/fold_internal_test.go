package capsuletest

import (
	"strings"
	"testing"
)

// TestFoldMatchAgreesWithToLower: the byte-by-byte folding of ASCII text
// answers what lower-casing a copy answers, and other text is lower-cased.
func TestFoldMatchAgreesWithToLower(t *testing.T) {
	texts := []string{"", "London", "LONDON", "toronto", "Zürich", "ÉCOLE Straße", "M5H 2N2", "a[b]Z"}
	wants := []string{"", "on", "lon", "london", "ndon", "zür", "école", "straße", "m5h", "[b]z", "xyz", "londonx"}
	for _, s := range texts {
		for _, want := range wants {
			ls := strings.ToLower(s)
			expect := map[string]bool{
				"is": ls == want, "starts with": strings.HasPrefix(ls, want),
				"ends with": strings.HasSuffix(ls, want), "contains": strings.Contains(ls, want),
				"is greater than": false,
			}
			for op, e := range expect {
				if got := foldMatch(s, want, op); got != e {
					t.Errorf("foldMatch(%q, %q, %q) = %v, want %v", s, want, op, got, e)
				}
			}
		}
	}
}
