package capsuletest_test

import (
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/capsulecrm-go/capsule/capsuletest"
)

// BenchmarkSeed builds a fake with WithSeed(n) and reports the time and the
// live heap it holds afterwards per seeded party (everything WithSeed makes:
// parties, opportunities, kases, tasks, ... divided by n).
func BenchmarkSeed(b *testing.B) {
	for _, n := range []int{1000, 10_000, 100_000, 1_000_000} {
		b.Run("n="+strconv.Itoa(n), func(b *testing.B) {
			var perParty float64
			for b.Loop() {
				b.StopTimer()
				runtime.GC()
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				b.StartTimer()
				h := capsuletest.Handler(capsuletest.WithSeed(n))
				b.StopTimer()
				runtime.GC()
				runtime.ReadMemStats(&after)
				perParty = float64(after.HeapAlloc-before.HeapAlloc) / float64(n)
				runtime.KeepAlive(h)
				b.StartTimer()
			}
			b.ReportMetric(perParty, "heapB/party")
		})
	}
}

// BenchmarkPage serves the first page of 100 parties through the handler (no
// network) at several store sizes: a plain list, a since list (most of the
// parties changed after since), a search (q, part of the seeded phone
// numbers, matches two parties in three) and a filter (city contains "on":
// about one in seven). The matches are spread over the id range, so a page
// costs the same at every size.
func BenchmarkPage(b *testing.B) {
	cases := []struct{ name, method, path, body string }{
		{"list", "GET", "/api/v2/parties?perPage=100", ""},
		{"since", "GET", "/api/v2/parties?perPage=100&since=2024-02-20T00:00:00Z", ""},
		{"search", "GET", "/api/v2/parties/search?q=7946&perPage=100", ""},
		{"filter", "POST", "/api/v2/parties/filters/results?perPage=100",
			`{"filter":{"conditions":[{"field":"city","operator":"contains","value":"ON"}]}}`},
	}
	for _, n := range []int{1000, 10_000, 100_000} {
		var h http.Handler // built by the first case that runs: -bench may skip a size
		for _, tc := range cases {
			b.Run(tc.name+"/n="+strconv.Itoa(n), func(b *testing.B) {
				if h == nil {
					h = capsuletest.Handler(capsuletest.WithSeed(n), capsuletest.WithToken("bench-token"), capsuletest.WithRateLimit(0, 0))
				}
				b.ReportAllocs()
				for b.Loop() {
					rec := benchRequest(h, tc.method, tc.path, tc.body)
					if rec.Code != http.StatusOK || strings.Count(rec.Body.String(), `"pictureURL"`) < 100 {
						b.Fatalf("%s: %d, %d records", tc.path, rec.Code, strings.Count(rec.Body.String(), `"pictureURL"`))
					}
				}
			})
		}
	}
}

// benchRequest serves one request with bench-token through h (no network).
func benchRequest(h http.Handler, method, path, body string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	r.Header.Set("Authorization", "Bearer bench-token")
	h.ServeHTTP(rec, r)
	return rec
}
