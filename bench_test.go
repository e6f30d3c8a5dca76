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
// recorded live page, each with its own id, two tags and three custom
// field values (as embed=tags,fields returns them).
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
		id := firstID + i
		rec["id"] = id
		rec["tags"] = []map[string]any{
			{"id": 1, "name": "Customer", "description": nil, "dataTag": false},
			{"id": 2, "name": "Renewal " + strconv.Itoa(id%7), "description": "due this quarter", "dataTag": true},
		}
		rec["fields"] = []map[string]any{
			{"id": 3*id + 1, "definition": map[string]any{"id": 11, "name": "Region"}, "value": "EMEA"},
			{"id": 3*id + 2, "definition": map[string]any{"id": 12, "name": "Score"}, "value": strconv.Itoa(id % 100)},
			{"id": 3*id + 3, "definition": map[string]any{"id": 13, "name": "Active"}, "value": true, "tagId": 2},
		}
		out, _ := json.Marshal(rec)
		buf.Write(out)
	}
	buf.WriteString(`]}`)
	return buf.Bytes()
}

// pageTransport answers every request with page, handing the body out in
// reads of at most 16 KiB, as a TLS connection would, and with no
// Content-Length, as a chunked answer has none.
type pageTransport struct{ page []byte }

func (t pageTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	return &http.Response{
		StatusCode: http.StatusOK, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"application/json"}},
		Body:          io.NopCloser(&smallReads{r: bytes.NewReader(t.page)}),
		ContentLength: -1, Request: req,
	}, nil
}

type smallReads struct{ r io.Reader }

func (s *smallReads) Read(p []byte) (int, error) { return s.r.Read(p[:min(len(p), 16<<10)]) }

// BenchmarkDecodePage reads one 100-party page (with tags and fields)
// through the whole SDK (Parties.Read) and through two hand-written
// loops over the same transport: json.Decoder on the body, and
// io.ReadAll then json.Unmarshal. It reports allocations per record.
func BenchmarkDecodePage(b *testing.B) {
	const n = 100
	tr := pageTransport{page: benchPage(b, n, 1)}
	hc := &http.Client{Transport: tr}
	const url = "https://api.example/api/v2/parties"
	perRecord := func(b *testing.B, allocs func() uint64) {
		b.ReportMetric(float64(allocs())/float64(b.N*n), "allocs/record")
	}
	// mallocs counts allocations over the loop, for allocs/record.
	mallocs := func() func() uint64 {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		start := ms.Mallocs
		return func() uint64 {
			runtime.ReadMemStats(&ms)
			return ms.Mallocs - start
		}
	}
	b.Run("sdk", func(b *testing.B) {
		c, err := NewClient(WithToken("t"), WithBaseURL("https://api.example/api/v2"), WithHTTPClient(hc))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.SetBytes(int64(len(tr.page)))
		allocs := mallocs()
		for b.Loop() {
			items, _, err := c.Parties.Read(context.Background(), nil)
			if err != nil || len(items) != n {
				b.Fatal(err, len(items))
			}
		}
		perRecord(b, allocs)
	})
	b.Run("decoder", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(tr.page)))
		allocs := mallocs()
		for b.Loop() {
			resp, err := hc.Get(url)
			if err != nil {
				b.Fatal(err)
			}
			var env struct {
				Parties []*Party `json:"parties"`
			}
			err = json.NewDecoder(resp.Body).Decode(&env)
			resp.Body.Close()
			if err != nil || len(env.Parties) != n {
				b.Fatal(err)
			}
		}
		perRecord(b, allocs)
	})
	b.Run("readall", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(tr.page)))
		allocs := mallocs()
		for b.Loop() {
			resp, err := hc.Get(url)
			if err != nil {
				b.Fatal(err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				b.Fatal(err)
			}
			var env struct {
				Parties []*Party `json:"parties"`
			}
			if err := json.Unmarshal(body, &env); err != nil || len(env.Parties) != n {
				b.Fatal(err)
			}
		}
		perRecord(b, allocs)
	})
}

// pagingServer serves total parties, 100 a page, with Link headers. Every
// page is the same bytes (ids repeat), so that the server's own memory does
// not grow with total.
func pagingServer(b *testing.B, total int) *httptest.Server {
	page := benchPage(b, 100, 1)
	last := (total + 99) / 100
	lastPage := benchPage(b, total-(last-1)*100, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := strconv.Atoi(r.URL.Query().Get("page"))
		if p == 0 {
			p = 1
		}
		body := page
		if p < last {
			w.Header().Set("Link", fmt.Sprintf(`<http://%s/api/v2/parties?page=%d&perPage=100>; rel="next"`, r.Host, p+1))
		} else {
			body = lastPage
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
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
// live heap of the client, sampled after a GC every 5,000 records, peaks at
// the same size whether 10,000 or 100,000 records stream past, and B/op
// grows with the records only (a pooled buffer per page, not one per
// page read).
func BenchmarkStreamMemory(b *testing.B) {
	for _, total := range []int{10000, 100000} {
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
			b.ReportAllocs()
			for b.Loop() {
				n := 0
				for _, err := range c.Parties.ReadIter(context.Background(), nil) {
					if err != nil {
						b.Fatal(err)
					}
					if n++; n%5000 == 0 {
						runtime.GC()
						runtime.ReadMemStats(&ms)
						peak = max(peak, ms.HeapAlloc)
					}
				}
			}
			b.ReportMetric(float64(peak-base)/(1<<20), "peak-live-MiB")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*total), "ns/record")
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
