package capsuletest_test

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/capsulecrm-go/capsule/capsuletest"
)

// followPages follows rel="next" from path and returns every record of key.
func followPages(t *testing.T, srv *capsuletest.Server, method, path, key string, body any) []map[string]any {
	t.Helper()
	var out []map[string]any
	for path != "" {
		r := req(t, srv, method, path, srv.Token, body).want(t, 200)
		out = append(out, r.list(t, key)...)
		next := parseLinks(t, r.header.Get("Link"))["next"]
		path = strings.TrimPrefix(next, srv.BaseURL)
	}
	return out
}

// TestSinceListMatchesUpdatedAt checks both ways a since list is served (few
// changes: from the time index; many: by a scan) against the records'
// updatedAt, ascending id, after updates that move records in time.
func TestSinceListMatchesUpdatedAt(t *testing.T) {
	srv := newServer(t, capsuletest.WithSeed(3000), capsuletest.WithRateLimit(0, 0))
	srv.SetNow(time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC))
	all := followPages(t, srv, "GET", "/parties?perPage=100", "parties", nil)
	// two updates in the same second, and one later: the index holds stale entries
	first, second := id(t, all[10]), id(t, all[20])
	for _, pid := range []int64{first, second, first} {
		req(t, srv, "PUT", fmt.Sprintf("/parties/%d", pid), srv.Token, map[string]any{"party": map[string]any{"about": "x"}}).want(t, 200)
	}
	srv.Advance(time.Minute)
	req(t, srv, "PUT", fmt.Sprintf("/parties/%d", second), srv.Token, map[string]any{"party": map[string]any{"about": "y"}}).want(t, 200)
	// a clock set back: the third party is indexed twice at the same time
	third := id(t, all[30])
	for i, at := range []time.Time{time.Date(2030, 1, 1, 11, 0, 0, 0, time.UTC), time.Date(2030, 1, 1, 11, 30, 0, 0, time.UTC), time.Date(2030, 1, 1, 11, 0, 0, 0, time.UTC)} {
		srv.SetNow(at)
		req(t, srv, "PUT", fmt.Sprintf("/parties/%d", third), srv.Token, map[string]any{"party": map[string]any{"about": fmt.Sprint(i)}}).want(t, 200)
	}
	all = followPages(t, srv, "GET", "/parties?perPage=100", "parties", nil)
	// the updatedAt of the 500th record in time order: some 2,500 later, so a scan
	times := make([]string, len(all))
	for i, p := range all {
		times[i] = p["updatedAt"].(string)
	}
	slices.Sort(times)

	for _, since := range []string{"2029-12-31T00:00:00Z", "2030-01-01T12:00:30Z", times[500], "2024-01-01T00:00:00Z", "2031-01-01T00:00:00Z"} {
		var want []int64
		for _, p := range all {
			if p["updatedAt"].(string) > since {
				want = append(want, id(t, p))
			}
		}
		got := ids(t, followPages(t, srv, "GET", "/parties?perPage=100&since="+url.QueryEscape(since), "parties", nil))
		if !slices.Equal(got, want) {
			t.Errorf("since %s: %d ids %v..., want %d", since, len(got), got[:min(len(got), 5)], len(want))
		}
	}
	// the small case is the three updated parties, in id order
	got := ids(t, followPages(t, srv, "GET", "/parties?since=2029-12-31T00:00:00Z", "parties", nil))
	if want := []int64{first, second, third}; !slices.Equal(got, want) {
		t.Errorf("since before the updates: %v, want %v", got, want)
	}
}

// TestSearchUsesCurrentKeys checks that the precomputed search key follows
// creates, updates and deletes, and that a query cannot match across two
// texts of a record.
func TestSearchUsesCurrentKeys(t *testing.T) {
	srv := newServer(t, capsuletest.WithSeed(20))
	search := func(q string) []int64 {
		return ids(t, get(t, srv, "/parties/search?q="+url.QueryEscape(q)).want(t, 200).list(t, "parties"))
	}
	p := req(t, srv, "POST", "/parties", srv.Token, map[string]any{"party": map[string]any{
		"type": "person", "firstName": "Zebedee", "lastName": "Quux",
		"phoneNumbers": []any{map[string]any{"number": "+44 (0) 7700-900 123"}}}}).want(t, 201).obj(t, "party")
	pid := id(t, p)
	if got := search("zebedee"); !slices.Equal(got, []int64{pid}) {
		t.Errorf("after create: %v", got)
	}
	if got := search("7700900"); !slices.Equal(got, []int64{pid}) {
		t.Errorf("phone digits: %v", got)
	}
	if got := search("quux zebedee"); len(got) != 0 { // texts "Zebedee Quux", "Zebedee", "Quux"
		t.Errorf("across texts: %v", got)
	}
	req(t, srv, "PUT", fmt.Sprintf("/parties/%d", pid), srv.Token, map[string]any{"party": map[string]any{"firstName": "Yolanda"}}).want(t, 200)
	if got := search("zebedee"); len(got) != 0 {
		t.Errorf("after update, old name: %v", got)
	}
	if got := search("YOLANDA"); !slices.Equal(got, []int64{pid}) {
		t.Errorf("after update, new name: %v", got)
	}
	req(t, srv, "DELETE", fmt.Sprintf("/parties/%d", pid), srv.Token, nil)
	if got := search("yolanda"); len(got) != 0 {
		t.Errorf("after delete: %v", got)
	}
}

// TestFilterPagesAgree checks that the pages of a filter, served by a scan
// that stops at the page, join up to the whole result with the right links.
func TestFilterPagesAgree(t *testing.T) {
	srv := newServer(t, capsuletest.WithSeed(400), capsuletest.WithRateLimit(0, 0))
	body := map[string]any{"filter": map[string]any{"conditions": []any{
		map[string]any{"field": "city", "operator": "contains", "value": "ON"}}}}
	whole := ids(t, req(t, srv, "POST", "/parties/filters/results?perPage=100", srv.Token, body).want(t, 200).list(t, "parties"))
	if len(whole) < 30 || len(whole) > 100 {
		t.Fatalf("%d matches: pick another condition", len(whole))
	}
	paged := ids(t, followPages(t, srv, "POST", "/parties/filters/results?perPage=7", "parties", body))
	if !slices.Equal(paged, whole) {
		t.Errorf("pages of 7: %v, want %v", paged, whole)
	}
	last := (len(whole) + 6) / 7
	r := req(t, srv, "POST", fmt.Sprintf("/parties/filters/results?perPage=7&page=%d", last+5), srv.Token, body).want(t, 200)
	if n := len(r.list(t, "parties")); n != 0 {
		t.Errorf("past the end: %d records", n)
	}
	if prev := parseLinks(t, r.header.Get("Link"))["prev"]; !strings.Contains(prev, fmt.Sprintf("page=%d", last)) {
		t.Errorf("past the end: prev %q, want page=%d", prev, last)
	}
}

// TestRequestLogBound checks WithRequestLog: the last n, none, or all.
func TestRequestLogBound(t *testing.T) {
	for _, tc := range []struct{ n, want int }{{3, 3}, {0, 0}, {-1, 12}, {20, 12}} {
		srv := newServer(t, capsuletest.WithRequestLog(tc.n))
		for i := range 12 {
			get(t, srv, fmt.Sprintf("/parties?page=%d", i+1))
		}
		log := srv.Requests()
		if len(log) != tc.want {
			t.Fatalf("WithRequestLog(%d): %d entries, want %d", tc.n, len(log), tc.want)
		}
		for i, r := range log { // the latest, oldest first
			if want := fmt.Sprintf("page=%d", 12-tc.want+i+1); r.Query != want || r.Time.IsZero() {
				t.Errorf("WithRequestLog(%d): entry %d is %q at %v, want %q", tc.n, i, r.Query, r.Time, want)
			}
		}
	}
}
