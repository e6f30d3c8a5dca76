package linkheader

import (
	"strings"
	"testing"
	"unicode"
)

// FuzzParse parses any header without panicking, into lower-case relations
// without spaces whose targets are free of the delimiters, and formats a
// clean relation and target back into a header that parses to them.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`<https://api.capsulecrm.com/api/v2/parties?page=2&perPage=100>; rel="next"`,
		`<https://x/p?page=1>; rel="prev", <https://x/p?page=3>; rel="next"`,
		`<a>; rel="next prev"; title="x"`, `<a>; REL=Next`, `<>; rel=""`, `<a; rel=next`, `a>; rel=next`,
		`<a>;rel`, `,,;;<>`, "<\x00>; rel=\"\xff\"",
	} {
		f.Add(s, "next", "https://x/p?page=2")
	}
	f.Fuzz(func(t *testing.T, header, rel, target string) {
		for k, v := range Parse(header) {
			if k == "" || k != strings.ToLower(k) || strings.ContainsFunc(k, unicode.IsSpace) {
				t.Fatalf("relation %q", k)
			}
			if strings.ContainsAny(v, ",;") {
				t.Fatalf("target %q holds a delimiter", v)
			}
			if Page(v) < 0 {
				t.Fatalf("page %d", Page(v))
			}
		}
		clean := rel != "" && target != "" &&
			!strings.ContainsAny(rel+target, `,;<>"=`) &&
			!strings.ContainsFunc(rel+target, unicode.IsSpace) &&
			strings.TrimSpace(target) == target
		if !clean {
			return
		}
		got := Parse(Format([2]string{rel, target}))
		if len(got) != 1 || got[strings.ToLower(rel)] != target {
			t.Fatalf("Format/Parse of %q %q gave %v", rel, target, got)
		}
	})
}
