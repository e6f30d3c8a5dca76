package importer_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/capsulecrm-go/capsule"
	"github.com/capsulecrm-go/capsule/capsuletest"
	"github.com/capsulecrm-go/capsule/cmd/capsule/importer"
)

// partyRows is a CSV of n new parties with a value in each custom field
// type (text, number, boolean, date, list, link), tags and an e-mail;
// every other one is an organisation.
func partyRows(n int) string {
	var b strings.Builder
	b.WriteString("type,first_name,last_name,name,email,tags,custom_account_code,custom_employees,custom_newsletter,custom_renewal_date,custom_industry,custom_crm_link\n")
	industries := []string{"Software", "Retail", "Manufacturing", "Healthcare", "Finance"}
	for i := range n {
		// Employees is a field for organisations only
		who, employees := fmt.Sprintf("person,First%d,Last%d,", i, i), ""
		if i%2 == 1 {
			who, employees = fmt.Sprintf("organisation,,,Org %d", i), strconv.Itoa(i%500)
		}
		fmt.Fprintf(&b, "%s,p%d@bench.test,VIP;Lead,AC-%d,%s,%t,2026-%02d-%02d,%s,https://crm.test/%d\n",
			who, i, i, employees, i%2 == 0, i%12+1, i%28+1, industries[i%5], i)
	}
	return b.String()
}

// BenchmarkCheck is the dry run of a create of N rows: both passes read the
// whole file, every cell is converted and checked against the custom field
// definitions and each row's create is checked by the SDK; one request (the
// definitions) is sent and nothing is written.
func BenchmarkCheck(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			srv := capsuletest.NewServer(capsuletest.WithSeed(3))
			defer srv.Close()
			c, err := capsule.NewClient(capsule.WithBaseURL(srv.BaseURL), capsule.WithToken(srv.Token))
			if err != nil {
				b.Fatal(err)
			}
			data := partyRows(n)
			open := func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(data)), nil }
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				sum, err := importer.Run(context.Background(), c, open, importer.Options{Type: "parties", DryRun: true})
				if err != nil || sum.Counts[importer.StatusCreated] != n || sum.Requests != 1 {
					b.Fatalf("%v %v", sum, err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/row")
		})
	}
}

// BenchmarkPacedImport creates 3x the rate budget of parties (a budget of
// 30 requests per 2 s window) with pacing on and no retries: a 429 would
// show as a failed row.
func BenchmarkPacedImport(b *testing.B) {
	const limit, window = 30, 2 * time.Second
	for b.Loop() {
		srv := capsuletest.NewServer(capsuletest.WithSeed(3), capsuletest.WithRateLimit(limit, window))
		var requests, limited atomic.Int64
		c, err := capsule.NewClient(capsule.WithBaseURL(srv.BaseURL), capsule.WithToken(srv.Token),
			capsule.WithPacing(true), capsule.WithRetryPolicy(nil),
			capsule.WithObserver(func(e capsule.RequestEvent) {
				requests.Add(1)
				if e.StatusCode == http.StatusTooManyRequests {
					limited.Add(1)
				}
			}))
		if err != nil {
			b.Fatal(err)
		}
		rows := 3 * limit
		var data strings.Builder
		data.WriteString("name\n")
		for i := range rows {
			fmt.Fprintf(&data, "Paced %d\n", i)
		}
		open := func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(data.String())), nil }
		start := time.Now()
		sum, err := importer.Run(context.Background(), c, open, importer.Options{Type: "parties"})
		elapsed := time.Since(start)
		srv.Close()
		if err != nil || sum.Counts[importer.StatusCreated] != rows {
			b.Fatalf("%v %v", sum, err)
		}
		b.ReportMetric(float64(limited.Load()), "429s")
		b.ReportMetric(100*float64(requests.Load())/(elapsed.Seconds()/window.Seconds()*limit), "%budget")
		b.ReportMetric(float64(requests.Load()-1)/float64(rows), "requests/row")
	}
}
