package linkheader

import "testing"

func TestParse(t *testing.T) {
	t.Parallel()
	h := `<https://api.capsulecrm.com/api/v2/parties?page=4&perPage=2>; rel="next", <https://api.capsulecrm.com/api/v2/parties?page=2>; rel=prev, garbage, <x>; title="y"`
	got := Parse(h)
	if got["next"] != "https://api.capsulecrm.com/api/v2/parties?page=4&perPage=2" {
		t.Errorf("next = %q", got["next"])
	}
	if got["prev"] != "https://api.capsulecrm.com/api/v2/parties?page=2" {
		t.Errorf("prev = %q", got["prev"])
	}
	if len(got) != 2 {
		t.Errorf("got %d relations, want 2: %v", len(got), got)
	}
	if n := len(Parse("")); n != 0 {
		t.Errorf("empty header gave %d relations", n)
	}
}

func TestPage(t *testing.T) {
	t.Parallel()
	for target, want := range map[string]int{
		"https://x/parties?page=4&perPage=2": 4,
		"https://x/parties?perPage=2":        0,
		"https://x/parties?page=0":           0,
		"https://x/parties?page=abc":         0,
		"%zz":                                0,
	} {
		if got := Page(target); got != want {
			t.Errorf("Page(%q) = %d, want %d", target, got, want)
		}
	}
}

func TestFormatRoundTrip(t *testing.T) {
	t.Parallel()
	h := Format([2]string{"next", "https://x/p?page=3"}, [2]string{"prev", "https://x/p?page=1"})
	want := `<https://x/p?page=3>; rel="next", <https://x/p?page=1>; rel="prev"`
	if h != want {
		t.Fatalf("Format = %q, want %q", h, want)
	}
	got := Parse(h)
	if got["next"] != "https://x/p?page=3" || got["prev"] != "https://x/p?page=1" {
		t.Fatalf("round trip = %v", got)
	}
}
