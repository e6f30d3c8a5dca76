package capsule

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/capsulecrm-go/capsule/capsuletest"
)

// benchPage builds a {"parties":[...]} page of n records modelled on the
// recorded live page, each with its own id.
func benchPage(tb testing.TB, n, firstID int) []byte {
	tb.Helper()
	var live struct {
		Parties []json.RawMessage `json:"parties"`
	}
	b, err := readTestdata("parties/live_first_page.json")
	if err != nil {
		tb.Fatal(err)
	}
	if err := json.Unmarshal(b, &live); err != nil {
		tb.Fatal(err)
	}
	var buf bytes.Buffer
	buf.WriteString(`{"parties":[`)
	for i := range n {
		if i > 0 {
			buf.WriteByte(',')
		}
		var rec map[string]any
		if err := json.Unmarshal(live.Parties[i%len(live.Parties)], &rec); err != nil {
			tb.Fatal(err)
		}
		rec["id"] = firstID + i
		out, _ := json.Marshal(rec)
		buf.Write(out)
	}
	buf.WriteString(`]}`)
	return buf.Bytes()
}

// BenchmarkDecodePage compares the envelope decoder with the hand-written
// equivalent (a struct with a "parties" field) on a 100-record page.
func BenchmarkDecodePage(b *testing.B) {
	page := benchPage(b, 100, 1)
	b.Run("sdk", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(page)))
		for b.Loop() {
			var items []*Party
			if err := decodeEnvelope(bytes.NewReader(page), "parties", &items); err != nil || len(items) != 100 {
				b.Fatal(err, len(items))
			}
		}
	})
	b.Run("handwritten", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(page)))
		for b.Loop() {
			var env struct {
				Parties []*Party `json:"parties"`
			}
			if err := json.NewDecoder(bytes.NewReader(page)).Decode(&env); err != nil || len(env.Parties) != 100 {
				b.Fatal(err)
			}
		}
	})
}

// pagingServer serves total parties, 100 a page, with Link headers.
func pagingServer(b *testing.B, total int) *httptest.Server {
	pages := map[int][]byte{}
	for p := 1; (p-1)*100 < total; p++ {
		pages[p] = benchPage(b, min(100, total-(p-1)*100), (p-1)*100+1)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := strconv.Atoi(r.URL.Query().Get("page"))
		if p == 0 {
			p = 1
		}
		if _, ok := pages[p+1]; ok {
			w.Header().Set("Link", fmt.Sprintf(`<http://%s/api/v2/parties?page=%d&perPage=100>; rel="next"`, r.Host, p+1))
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(pages[p])
	}))
	b.Cleanup(srv.Close)
	return srv
}

// BenchmarkExport walks 1,000 parties (10 pages) with ReadIter and with a
// hand-written net/http + encoding/json loop over the same server. Compare
// ns/op and allocs/op; both cost 10 requests.
func BenchmarkExport(b *testing.B) {
	const total = 1000
	srv := pagingServer(b, total)
	b.Run("sdk", func(b *testing.B) {
		c, err := NewClient(WithToken("t"), WithBaseURL(srv.URL+"/api/v2"))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			n := 0
			for _, err := range c.Parties.ReadIter(context.Background(), nil) {
				if err != nil {
					b.Fatal(err)
				}
				n++
			}
			if n != total {
				b.Fatalf("got %d parties", n)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*total), "ns/record")
	})
	b.Run("handwritten", func(b *testing.B) {
		hc := &http.Client{}
		b.ReportAllocs()
		for b.Loop() {
			n := 0
			for page := 1; ; page++ {
				req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/api/v2/parties?page=%d&perPage=100", srv.URL, page), nil)
				req.Header.Set("Authorization", "Bearer t")
				req.Header.Set("Accept", "application/json")
				resp, err := hc.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				var env struct {
					Parties []*Party `json:"parties"`
				}
				err = json.NewDecoder(resp.Body).Decode(&env)
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if err != nil {
					b.Fatal(err)
				}
				n += len(env.Parties)
				if resp.Header.Get("Link") == "" {
					break
				}
			}
			if n != total {
				b.Fatalf("got %d parties", n)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*total), "ns/record")
	})
}

// BenchmarkStreamMemory shows that iterating holds one page at a time: the
// live heap of the client, sampled after a GC every 500 records, peaks at
// the same size
// whether 1,000 or 20,000 records stream past.
func BenchmarkStreamMemory(b *testing.B) {
	for _, total := range []int{1000, 20000} {
		srv := pagingServer(b, total)
		b.Run(strconv.Itoa(total), func(b *testing.B) {
			c, err := NewClient(WithToken("t"), WithBaseURL(srv.URL+"/api/v2"))
			if err != nil {
				b.Fatal(err)
			}
			// The test server holds every page in memory: measure above it.
			var ms runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&ms)
			base, peak := ms.HeapAlloc, ms.HeapAlloc
			for b.Loop() {
				n := 0
				for _, err := range c.Parties.ReadIter(context.Background(), nil) {
					if err != nil {
						b.Fatal(err)
					}
					if n++; n%500 == 0 {
						runtime.GC()
						runtime.ReadMemStats(&ms)
						peak = max(peak, ms.HeapAlloc)
					}
				}
			}
			b.ReportMetric(float64(peak-base)/(1<<20), "peak-live-MiB")
		})
	}
}

// BenchmarkPacedJob runs a job of three rate-limit windows' worth of
// requests against capsuletest with a budget of 30 requests per 2 s window
// (Capsule's 4,000 an hour, scaled down) and pacing on. It reports the 429s
// met (the goal is 0) and the request rate as a share of the budget's rate,
// limit per window (the goal is at least 95%).
func BenchmarkPacedJob(b *testing.B) {
	const limit, window = 30, 2 * time.Second
	for b.Loop() {
		srv := capsuletest.NewServer(capsuletest.WithSeed(1), capsuletest.WithRateLimit(limit, window))
		c, err := NewClient(WithBaseURL(srv.BaseURL), WithToken(srv.Token), WithPacing(true), WithRetryPolicy(nil))
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		requests, limited := 0, 0
		for requests < 3*limit {
			_, _, err := c.Users.ReadCurrent(context.Background(), nil)
			requests++
			if errors.Is(err, ErrRateLimited) {
				limited++
			} else if err != nil {
				b.Fatal(err)
			}
		}
		elapsed := time.Since(start)
		srv.Close()
		windows := elapsed.Seconds() / window.Seconds()
		b.ReportMetric(float64(limited), "429s")
		b.ReportMetric(100*float64(requests)/(windows*limit), "%budget")
	}
}

// BenchmarkFakeExport reads every party of a seeded capsuletest through
// Parties.ReadIter (100 a page, over HTTP) and reports the requests it
// took; the fake is built (and its garbage collected) outside the timer.
func BenchmarkFakeExport(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run("n="+strconv.Itoa(n), func(b *testing.B) {
			srv := capsuletest.NewServer(capsuletest.WithSeed(n), capsuletest.WithRateLimit(0, 0))
			defer srv.Close()
			c, err := NewClient(WithBaseURL(srv.BaseURL), WithToken(srv.Token), WithRetryPolicy(nil))
			if err != nil {
				b.Fatal(err)
			}
			runtime.GC() // the seeding's garbage is the build's, not the export's
			var requests, records int
			for b.Loop() {
				srv.ResetRequests()
				records = 0
				for _, err := range c.Parties.ReadIter(context.Background(), nil) {
					if err != nil {
						b.Fatal(err)
					}
					records++
				}
				requests = len(srv.Requests())
			}
			if records < n || requests != (records+MaxPerPage-1)/MaxPerPage {
				b.Fatalf("%d records in %d requests", records, requests)
			}
			b.ReportMetric(float64(requests), "requests")
			b.ReportMetric(float64(records), "records")
		})
	}
}
