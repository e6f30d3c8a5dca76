package main

import (
	"encoding/json"
	"io"
	"testing"

	"github.com/capsulecrm-go/capsule"
	"github.com/stretchr/testify/require"
)

// BenchmarkListOutput prints the seeded parties (decoded once) in each
// output format, against a bare json.Encoder loop: the cost the CLI adds
// per record on top of the SDK.
func BenchmarkListOutput(b *testing.B) {
	srv := newServerB(b)
	c, err := capsule.NewClient(capsule.WithBaseURL(srv.BaseURL), capsule.WithToken(srv.Token))
	require.NoError(b, err)
	parties, err := capsule.Collect(c.Parties.ReadIter(b.Context(), nil))
	require.NoError(b, err)
	b.Run("baseline-json.Encoder", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			enc := json.NewEncoder(io.Discard)
			enc.SetEscapeHTML(false)
			for _, p := range parties {
				if err := enc.Encode(p); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(parties)), "ns/record")
	})
	for _, tc := range []struct {
		name, format string
		fields       []string
	}{
		{"jsonl", formatJSONL, nil},
		{"jsonl-fields", formatJSONL, []string{"id", "name", "email"}},
		{"table", formatTable, nil},
		{"csv", formatCSV, nil},
	} {
		b.Run(tc.name, func(b *testing.B) {
			a := &app{stdout: io.Discard, output: tc.format, fields: tc.fields}
			cols, whole, _, err := partiesType.selectColumns(b.Context(), a, c, nil, false)
			require.NoError(b, err)
			b.ReportAllocs()
			for b.Loop() {
				p := newPrinter(a, cols, whole)
				for _, party := range parties {
					if err := p.record(party); err != nil {
						b.Fatal(err)
					}
				}
				if err := p.done(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(parties)), "ns/record")
		})
	}
}
