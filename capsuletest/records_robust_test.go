package capsuletest_test

import (
	"fmt"
	"testing"

	"github.com/capsulecrm-go/capsule/capsuletest"
)

// TestRecordsBadInputNever500 throws malformed values at every write and
// filter endpoint of the core records: the answer is always 2xx/4xx.
func TestRecordsBadInputNever500(t *testing.T) {
	r := newRecT(t, capsuletest.WithSeed(8))
	pid := r.firstID("/parties", "parties", nil)
	oid := r.firstID("/opportunities", "opportunities", nil)
	kid := r.firstID("/kases", "kases", nil)
	values := []string{`null`, `1.5`, `"x"`, `{}`, `[1,"a",{}]`, `{"id":"x"}`,
		`[{"id":1,"_delete":"yes"}]`, `[{"definition":{"id":926001},"value":[1]}]`}
	keys := []string{"type", "firstName", "name", "organisation", "owner", "team", "title", "emailAddresses", "phoneNumbers", "addresses",
		"websites", "tags", "fields", "party", "milestone", "value", "probability", "duration", "durationBasis", "lostReason",
		"stage", "status", "opportunity", "expectedCloseOn", "startOn"}
	targets := []struct{ method, path, key string }{
		{"POST", "/parties", "party"}, {"PUT", fmt.Sprintf("/parties/%d", pid), "party"},
		{"POST", "/opportunities", "opportunity"}, {"PUT", fmt.Sprintf("/opportunities/%d", oid), "opportunity"},
		{"POST", "/kases", "kase"}, {"PUT", fmt.Sprintf("/kases/%d", kid), "kase"},
		{"POST", "/parties/tags", "tag"}, {"POST", "/kases/fields/definitions", "definition"},
	}
	for _, tg := range targets {
		for _, k := range append(keys, "options", "dataTag", "captureRule", "important") {
			for _, v := range values {
				body := fmt.Sprintf(`{%q:{"type":"person","lastName":"x",%q:%s}}`, tg.key, k, v)
				if rs := r.do(tg.method, tg.path, body); rs.status >= 500 {
					t.Fatalf("%s %s %s: %d %s", tg.method, tg.path, body, rs.status, rs.raw)
				}
			}
		}
	}
	for _, entity := range []string{"parties", "opportunities", "kases"} {
		for _, v := range values {
			for _, body := range []string{
				`{"filter":{"conditions":` + v + `}}`,
				`{"filter":{"conditions":[{"field":"name","operator":"is","value":` + v + `}]}}`,
				`{"filter":{"conditions":[{"field":` + v + `,"operator":` + v + `,"value":1}]}}`,
				`{"filter":{"conditions":[{"field":"addedOn","operator":"is within last","value":` + v + `}]}}`,
				`{"filter":{"conditions":[{"field":"tag","operator":"is","value":` + v + `}]}}`,
			} {
				if rs := r.do("POST", "/"+entity+"/filters/results", body); rs.status >= 500 {
					t.Fatalf("%s filter %s: %d %s", entity, body, rs.status, rs.raw)
				}
			}
		}
		for _, q := range []string{"?page=0", "?perPage=101", "?since=x", "?embed=%zz", "?q=%25"} {
			for _, p := range []string{"/" + entity, "/" + entity + "/search", "/" + entity + "/deleted"} {
				if rs := r.get(p + q); rs.status >= 500 {
					t.Fatalf("%s%s: %d", p, q, rs.status)
				}
			}
		}
	}
	for _, p := range []string{"/parties/x/people", "/parties/1,x", "/opportunities/x/parties/y", "/kases/9/parties/x", "/parties/,", "/kases/tags/x"} {
		for _, m := range []string{"GET", "POST", "PUT", "DELETE"} {
			if rs := r.do(m, p, `{}`); rs.status >= 500 {
				t.Fatalf("%s %s: %d", m, p, rs.status)
			}
		}
	}
}
