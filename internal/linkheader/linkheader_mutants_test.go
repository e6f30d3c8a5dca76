package linkheader

// Tests for the bounds of Parse and Page (issue 14): each fails when a
// check of a target's brackets or of a page number is flipped or dropped.

import (
	"maps"
	"testing"
)

func TestParseNeedsBothBrackets(t *testing.T) {
	t.Parallel()
	for header, want := range map[string]map[string]string{
		`<>; rel="next"`:                   {"next": ""}, // the shortest target there is
		`<a>; rel="next"`:                  {"next": "a"},
		` <https://x/p?page=2> ; rel=next`: {"next": "https://x/p?page=2"},
		`<https://x/p?page=2; rel="next"`:  {},
		`https://x/p?page=2>; rel="next"`:  {},
		`<; rel="next"`:                    {},
		`>; rel="next"`:                    {},
		`; rel="next"`:                     {},
		`<a>; rel="next", <b; rel="prev"`:  {"next": "a"},
		`,, ,`:                             {},
		``:                                 {},
	} {
		if got := Parse(header); !maps.Equal(got, want) {
			t.Errorf("Parse(%q) = %v, want %v", header, got, want)
		}
	}
}

func TestPageIsPositiveOrZero(t *testing.T) {
	t.Parallel()
	for target, want := range map[string]int{
		"https://x/p?page=1":                    1,
		"https://x/p?page=2":                    2,
		"https://x/p?page=0":                    0,
		"https://x/p?page=-3":                   0,
		"https://x/p?page=99999999999999999999": 0, // out of range, not the largest int
		"https://x/p?page=":                     0,
		"https://x/p?page=1.5":                  0,
		"%zz?page=2":                            0, // not a URL
	} {
		if got := Page(target); got != want {
			t.Errorf("Page(%q) = %d, want %d", target, got, want)
		}
	}
}
