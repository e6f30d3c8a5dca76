package capsuletest_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"testing"

	"github.com/capsulecrm-go/capsule/capsuletest"
)

// BenchmarkSavedFilterResults serves one page of 100 of a saved filter's
// results beside the ad-hoc filter with the same condition, at 2,000
// seeded parties, through the handler (no network): "sorted" is the saved
// filter with an orderBy (name), "unsorted" one without, "adhoc" the POST
// /parties/filters/results equivalent of "unsorted".
func BenchmarkSavedFilterResults(b *testing.B) {
	h := capsuletest.Handler(capsuletest.WithSeed(2000), capsuletest.WithToken("bench-token"), capsuletest.WithRateLimit(0, 0))
	find := func(name string) string {
		rec := benchRequest(h, "GET", "/api/v2/parties/filters", "")
		var body struct {
			Filters []struct {
				ID   int64  `json:"id"`
				Name string `json:"name"`
			} `json:"filters"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			b.Fatal(err)
		}
		for _, f := range body.Filters {
			if f.Name == name {
				return strconv.FormatInt(f.ID, 10)
			}
		}
		b.Fatalf("no saved filter %q", name)
		return ""
	}
	cases := []struct {
		name, method, path, body string
	}{
		{"sorted", "GET", "/api/v2/parties/filters/" + find("Organisations A-Z") + "/results?perPage=100", ""},
		{"unsorted", "GET", "/api/v2/parties/filters/" + find("People with an email address") + "/results?perPage=100", ""},
		{"adhoc", "POST", "/api/v2/parties/filters/results?perPage=100",
			`{"filter":{"conditions":[{"field":"type","operator":"is","value":"person"},{"field":"hasEmailAddress","operator":"is","value":true}]}}`},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				rec := benchRequest(h, tc.method, tc.path, tc.body)
				if rec.Code != http.StatusOK {
					b.Fatalf("%s: %d %s", tc.path, rec.Code, rec.Body)
				}
			}
		})
	}
}
