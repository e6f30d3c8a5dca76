package mirror

import (
	"bufio"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/capsulecrm-go/capsule"
	"github.com/capsulecrm-go/capsule/capsuletest"
)

// Benchmarks of a full sync of parties against the SDK streaming the same
// records without writing them, side by side in one run (BENCHMARKS.md):
//
//	CAPSULE_TEST_POSTGRES=postgres://... go test -run '^$' -bench 'Mirror' -benchtime 3x ./cmd/capsule/mirror/

// benchServer is a fake with n parties and no rate limit in the way.
func benchServer(b *testing.B, n int) *capsuletest.Server {
	b.Helper()
	srv := capsuletest.NewServer(capsuletest.WithSeed(n), capsuletest.WithRateLimit(0, time.Hour))
	b.Cleanup(srv.Close)
	return srv
}

func BenchmarkMirrorFullSync10k(b *testing.B) {
	srv := benchServer(b, 10_000)
	b.Run("stream", func(b *testing.B) {
		c := testClient(b, srv, nil)
		defer reportCPU(b)()
		for b.Loop() {
			n := 0
			for _, err := range c.Parties.ReadIter(b.Context(), &capsule.ListOptions{Embed: embeds}) {
				if err != nil {
					b.Fatal(err)
				}
				n++
			}
			if n < 10_000 {
				b.Fatalf("%d parties", n)
			}
		}
	})
	b.Run("sqlite", func(b *testing.B) {
		i := 0
		defer reportCPU(b)()
		for b.Loop() {
			i++
			benchSync(b, srv, "sqlite:"+filepath.Join(b.TempDir(), strconv.Itoa(i)+".db"))
		}
	})
	b.Run("postgres", func(b *testing.B) {
		if os.Getenv(pgEnv) == "" {
			b.Skipf("%s is not set", pgEnv)
		}
		defer reportCPU(b)()
		for b.Loop() {
			b.StopTimer()
			dsn := postgresDSN(b)
			b.StartTimer()
			benchSync(b, srv, dsn)
		}
	})
}

// reportCPU reports the CPU time this process spent a loop of b (user and
// system, the fake's included), less noisy than the wall time on a shared
// machine: the difference between a sync's and the stream's is the
// write's. Call the function it returns after the loop.
func reportCPU(b *testing.B) func() {
	start := cpuTime()
	return func() { b.ReportMetric((cpuTime()-start).Seconds()/float64(b.N), "cpu-s/op") }
}

// cpuTime is the CPU time of this process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchSync syncs the parties of srv into dsn and reports the requests.
func benchSync(b *testing.B, srv *capsuletest.Server, dsn string) {
	b.Helper()
	sum := syncOnce(b, srv, dsn, Options{Types: []Type{Parties}})
	if sum.Rows < 10_000 {
		b.Fatalf("%d rows", sum.Rows)
	}
	b.ReportMetric(float64(sum.Requests), "requests/op")
}

// BenchmarkMirrorPeakHeap reports the live heap of a full sync of n parties
// into SQLite above the live heap before it starts: it stays flat as n
// grows. The collector runs often during the run (GOGC 5), and the live heap
// after each cycle is recorded: the peak of those, and their 95th
// percentile (a longer run has more cycles, so its peak is the maximum of
// more samples of the same distribution; the percentile is not biased so),
// and the mean of the peaks of each stretch of 10,000 parties, which
// compares peaks over the same number of samples.
func BenchmarkMirrorPeakHeap(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			srv := syntheticServer(b, n)
			i := 0
			for b.Loop() {
				i++
				runtime.GC()
				base := liveHeap()
				old := debug.SetGCPercent(5)
				var samples []uint64
				stop := make(chan struct{})
				done := make(chan struct{})
				go func() {
					defer close(done)
					last := gcCycles()
					for {
						if c := gcCycles(); c != last {
							last = c
							samples = append(samples, liveHeap())
						}
						select {
						case <-stop:
							return
						case <-time.After(time.Millisecond):
						}
					}
				}()
				st := open(b, "sqlite:"+filepath.Join(b.TempDir(), strconv.Itoa(i)+".db"))
				c, err := capsule.NewClient(capsule.WithBaseURL(srv.URL), capsule.WithToken("t"))
				if err != nil {
					b.Fatal(err)
				}
				sum, err := Sync(b.Context(), c, st, Options{Types: []Type{Parties}})
				if err != nil || sum.Rows != n {
					b.Fatalf("%v, %d rows", err, sum.Rows)
				}
				st.Close()
				close(stop)
				<-done
				debug.SetGCPercent(old)
				if len(samples) == 0 {
					b.Fatal("no collection ran during the sync")
				}
				over := func(h uint64) float64 { return float64(h-min(base, h)) / (1 << 20) }
				// The peak of each stretch of 10,000 parties, in the
				// order of the run, averaged: a run of 100k has ten times
				// the samples of one of 10k, and the largest of more
				// samples of the same heap is larger.
				windows := max(1, n/10_000)
				var windowPeaks float64
				for w := range windows {
					windowPeaks += over(slices.Max(samples[w*len(samples)/windows : (w+1)*len(samples)/windows]))
				}
				b.ReportMetric(windowPeaks/float64(windows), "peak-per-10k-MB")
				slices.Sort(samples)
				b.ReportMetric(over(samples[len(samples)-1]), "peak-live-MB")
				b.ReportMetric(over(samples[len(samples)*95/100]), "p95-live-MB")
			}
		})
	}
}

// syntheticServer answers the reads of a parties sync with n parties made
// up on the fly (ids 1..n, each with a custom field, an email and a tag), so
// that the server holds nothing and the heap measured is the sync's. The
// seeded fake keeps every record in memory, and takes minutes to seed 100k.
func syntheticServer(b *testing.B, n int) *httptest.Server {
	b.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/parties/fields/definitions" {
			fmt.Fprint(w, `{"definitions":[{"id":7,"name":"Score","type":"number"}]}`)
			return
		}
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		page = max(page, 1)
		first, last := (page-1)*100+1, min(page*100, n)
		if last < n {
			w.Header().Set("Link", fmt.Sprintf(`<%s%s?page=%d&perPage=100>; rel="next"`, "http://"+r.Host, r.URL.Path, page+1))
		}
		bw := bufio.NewWriter(w)
		bw.WriteString(`{"parties":[`)
		for id := first; id <= last; id++ {
			if id > first {
				bw.WriteByte(',')
			}
			fmt.Fprintf(bw, `{"id":%d,"type":"person","firstName":"First %d","lastName":"Last","about":"Party number %d, made up for the benchmark",`+
				`"createdAt":"2024-01-01T00:00:00Z","updatedAt":"2024-01-02T00:00:00Z","owner":{"id":1,"username":"u","name":"U"},`+
				`"emailAddresses":[{"id":%d,"type":"Work","address":"p%d@example.com"}],"tags":[{"id":3,"name":"VIP"}],`+
				`"fields":[{"id":%d,"definition":{"id":7,"name":"Score"},"value":%d}]}`, id, id, id, id, id, id, id%97)
		}
		bw.WriteString(`]}`)
		bw.Flush()
	}))
	b.Cleanup(srv.Close)
	return srv
}

// gcCycles is the number of collections so far.
func gcCycles() uint64 {
	s := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// liveHeap is the heap the last collection found live.
func liveHeap() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// BenchmarkMirrorIncremental reports the requests of a run after k changed
// and d deleted parties: the change feed's pages, nothing per record.
func BenchmarkMirrorIncremental(b *testing.B) {
	srv := benchServer(b, 10_000)
	dsn := "sqlite:" + filepath.Join(b.TempDir(), "inc.db")
	first := syncOnce(b, srv, dsn, Options{Types: []Type{Parties}})
	b.ReportMetric(float64(first.Requests), "first-run-requests")
	c := testClient(b, srv, nil)
	ps, _, err := c.Parties.Read(b.Context(), &capsule.ListOptions{PerPage: 100})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		b.StopTimer()
		for _, p := range ps[:50] {
			if _, _, err := c.Parties.Update(b.Context(), p.ID, &capsule.PartyInput{About: capsule.Set("changed " + time.Now().String())}); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		sum := syncOnce(b, srv, dsn, Options{Types: []Type{Parties}})
		b.ReportMetric(float64(sum.Requests), "requests/op")
	}
}

// BenchmarkMirrorWrite10k is the write of a full sync alone: 10,000 parties
// read and turned into rows once, then written a page a transaction with
// its progress, as a sync writes them when the database keeps up (a slower
// one takes up to maxGroup pages a transaction), into a new database each
// time. It
// isolates what the database adds to a sync, which the shared machine's
// noise blurs in the sync's wall time.
func BenchmarkMirrorWrite10k(b *testing.B) {
	srv := benchServer(b, 10_000)
	c := testClient(b, srv, nil)
	ctx := b.Context()
	first := benchRun(b, c, "sqlite:"+filepath.Join(b.TempDir(), "rows.db"))
	var rows [][]Rows
	for page, err := range capsule.Pages(ctx, listOptions(Parties, 1, time.Time{}), pages(c, Parties)) {
		if err != nil {
			b.Fatal(err)
		}
		var pr []Rows
		for _, rec := range page.Items {
			row, err := first.schema.Rows(Parties, *rec)
			if err != nil {
				b.Fatal(err)
			}
			pr = append(pr, row)
		}
		rows = append(rows, pr)
	}
	write := func(b *testing.B, dsn func() string) {
		for b.Loop() {
			b.StopTimer()
			r := benchRun(b, c, dsn())
			b.StartTimer()
			for i, pr := range rows {
				err := r.s.inTx(ctx, func(tx *txn) error {
					mode := replaceOnConflict
					if i == 0 {
						mode = insertOnly
					}
					if err := r.writeRows(ctx, tx, Parties, pr, mode); err != nil {
						return err
					}
					return r.s.setMeta(ctx, tx, "full:parties", `{"page":`+strconv.Itoa(i+2)+`}`)
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	b.Run("sqlite", func(b *testing.B) {
		i := 0
		write(b, func() string { i++; return "sqlite:" + filepath.Join(b.TempDir(), strconv.Itoa(i)+".db") })
	})
	b.Run("postgres", func(b *testing.B) {
		if os.Getenv(pgEnv) == "" {
			b.Skipf("%s is not set", pgEnv)
		}
		write(b, func() string { return postgresDSN(b) })
	})
}

// benchRun is a run ready to write parties into a new mirror at dsn: its
// base tables, definitions and parties tables made.
func benchRun(b *testing.B, c *capsule.Client, dsn string) *run {
	b.Helper()
	s := open(b, dsn).base()
	if err := s.createBase(b.Context()); err != nil {
		b.Fatal(err)
	}
	r := &run{c: c, s: s, sum: &Summary{ByType: map[Type]int{}}}
	if err := r.prepare(b.Context(), []Type{Parties}); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(s.closeStmts)
	return r
}

// BenchmarkSchemaRows is the cost of turning a page of 100 seeded parties
// (custom fields, tags and contact details embedded) into their rows, as
// a sync's writer does for each page (ns/op and allocs/op are a page's).
func BenchmarkSchemaRows(b *testing.B) {
	srv := benchServer(b, 100)
	c := testClient(b, srv, nil)
	defs, err := ReadDefinitions(b.Context(), c, []Type{Parties})
	if err != nil {
		b.Fatal(err)
	}
	s := NewSchema(defs, nil)
	ps, _, err := c.Parties.Read(b.Context(), &capsule.ListOptions{PerPage: 100, Embed: embeds})
	if err != nil || len(ps) != 100 {
		b.Fatalf("%d parties, %v", len(ps), err)
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, p := range ps {
			if _, err := s.Rows(Parties, p); err != nil {
				b.Fatal(err)
			}
		}
	}
}
