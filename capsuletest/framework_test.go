package capsuletest_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/capsulecrm-go/capsule/capsuletest"
)

func TestAuth(t *testing.T) {
	srv := newServer(t)
	srv.AddToken("ro", true)
	srv.AddToken("rw", false)
	srv.AddToken("gone", false)
	srv.ExpireToken("gone")
	tests := []struct {
		name, method, path, token string
		body                      any
		status                    int
		wwwAuth                   string
	}{
		{"missing", "GET", "/users", "", nil, 401, `Bearer realm="Capsule"`},
		{"unknown", "GET", "/users", "nope", nil, 401, `error="invalid_token"`},
		{"expired", "GET", "/users", "gone", nil, 401, `error="invalid_token"`},
		{"read-only GET", "GET", "/users", "ro", nil, 200, ""},
		{"read-only POST", "POST", "/categories", "ro", `{"category":{"name":"X"}}`, 403, `insufficient_scope`},
		{"read-only PUT", "PUT", "/categories/101", "ro", `{"category":{"name":"X"}}`, 403, `insufficient_scope`},
		{"read-only DELETE", "DELETE", "/categories/101", "ro", nil, 403, `insufficient_scope`},
		{"added token writes", "POST", "/categories", "rw", `{"category":{"name":"X"}}`, 201, ""},
		{"main token", "GET", "/users/current", srv.Token, nil, 200, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := req(t, srv, tc.method, tc.path, tc.token, tc.body).want(t, tc.status)
			if tc.wwwAuth != "" {
				if h := r.header.Get("WWW-Authenticate"); !strings.Contains(h, tc.wwwAuth) || !strings.HasPrefix(h, `Bearer realm="Capsule"`) {
					t.Errorf("WWW-Authenticate %q, want it to contain %q", h, tc.wwwAuth)
				}
				if r.message(t) == "" {
					t.Errorf("no message in %s", r.raw)
				}
			}
		})
	}
}

func TestNotFoundAndMethodNotAllowed(t *testing.T) {
	srv := newServer(t)
	tests := []struct {
		method, path string
		status       int
		msg          string
	}{
		{"GET", "/nothing", 404, "Could not find resource"},
		{"GET", "/pipelines/999", 404, "Could not find resource"},
		{"GET", "/pipelines/abc", 404, "Could not find resource"},
		{"GET", "/users/me", 404, "Could not find resource"},
		{"GET", "/jobs/unknown", 404, "Could not find resource"},
		{"PATCH", "/pipelines/53001", 405, "Method not allowed"},
		{"PUT", "/titles/1", 405, "Method not allowed"},
		{"GET", "/titles/1", 405, "Method not allowed"},
		{"PUT", "/resthooks/1", 405, "Method not allowed"},
		{"DELETE", "/site", 405, "Method not allowed"},
		{"POST", "/countries", 405, "Method not allowed"},
	}
	for _, tc := range tests {
		t.Run(tc.method+tc.path, func(t *testing.T) {
			r := req(t, srv, tc.method, tc.path, srv.Token, nil).want(t, tc.status)
			if r.message(t) != tc.msg {
				t.Errorf("message %q, want %q", r.message(t), tc.msg)
			}
		})
	}
	// Outside the API and OAuth: plain 404 too.
	r := req(t, srv, "GET", srv.URL+"/elsewhere", "", nil).want(t, 404)
	if r.message(t) != "Could not find resource" {
		t.Errorf("message %q", r.message(t))
	}
}

func TestRateLimit(t *testing.T) {
	now := time.Date(2025, 1, 1, 10, 0, 0, 0, time.UTC)
	srv := newServer(t, capsuletest.WithRateLimit(3, time.Minute), capsuletest.WithClock(func() time.Time { return now }))
	reset := strconv.FormatInt(now.Add(time.Minute).Unix(), 10)
	for i, wantRemaining := range []string{"2", "1", "0"} {
		r := get(t, srv, "/site").want(t, 200)
		if got := r.header.Get("X-RateLimit-Limit"); got != "3" {
			t.Errorf("request %d: Limit %q", i, got)
		}
		if got := r.header.Get("X-RateLimit-Remaining"); got != wantRemaining {
			t.Errorf("request %d: Remaining %q, want %s", i, got, wantRemaining)
		}
		if got := r.header.Get("X-RateLimit-Reset"); got != reset {
			t.Errorf("request %d: Reset %q, want %s", i, got, reset)
		}
	}
	r := get(t, srv, "/site").want(t, 429)
	if r.body["error"] != "rate limit reached" || r.header.Get("X-RateLimit-Remaining") != "0" ||
		r.header.Get("Retry-After") != "" || r.header.Get("X-RateLimit-Reset") != reset {
		t.Errorf("429: headers %v body %s", r.header, r.raw)
	}
	// Another token has its own budget.
	srv.AddToken("other", false)
	req(t, srv, "GET", "/site", "other", nil).want(t, 200)
	// The window resets on the server clock.
	srv.Advance(time.Minute)
	r = get(t, srv, "/site").want(t, 200)
	if r.header.Get("X-RateLimit-Remaining") != "2" {
		t.Errorf("after reset Remaining %q", r.header.Get("X-RateLimit-Remaining"))
	}
}

func TestRateLimitHeadersOnErrors(t *testing.T) {
	srv := newServer(t)
	for _, r := range []resp{get(t, srv, "/nothing"), req(t, srv, "GET", "/site", "", nil)} {
		if r.header.Get("X-RateLimit-Limit") != "4000" || r.header.Get("X-RateLimit-Remaining") == "" {
			t.Errorf("status %d: rate headers missing: %v", r.status, r.header)
		}
	}
}

// paging is tested on categories: 6 seeded, ascending id.
func TestPaging(t *testing.T) {
	srv := newServer(t)
	base := srv.BaseURL + "/categories"
	tests := []struct {
		query      string
		wantIDs    []int64
		next, prev string // expected query of the link, "" for none
	}{
		{"", []int64{101, 102, 103, 104, 105, 106}, "", ""},
		{"?perPage=4", []int64{101, 102, 103, 104}, "page=2&perPage=4", ""},
		{"?perPage=4&page=2", []int64{105, 106}, "", "page=1&perPage=4"},
		{"?perPage=2&page=2&embed=x", []int64{103, 104}, "embed=x&page=3&perPage=2", "embed=x&page=1&perPage=2"},
		{"?perPage=6", []int64{101, 102, 103, 104, 105, 106}, "", ""},
		{"?page=5&perPage=2", nil, "", "page=3&perPage=2"},
		{"?perPage=100", []int64{101, 102, 103, 104, 105, 106}, "", ""},
		{"?perPage=1", []int64{101}, "page=2&perPage=1", ""},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			r := get(t, srv, "/categories"+tc.query).want(t, 200)
			items := r.list(t, "categories")
			if len(items) != len(tc.wantIDs) {
				t.Fatalf("got %d items, want %d", len(items), len(tc.wantIDs))
			}
			for i, it := range items {
				if id(t, it) != tc.wantIDs[i] {
					t.Errorf("item %d id %d, want %d", i, id(t, it), tc.wantIDs[i])
				}
			}
			links := parseLinks(t, r.header.Get("Link"))
			for rel, want := range map[string]string{"next": tc.next, "prev": tc.prev} {
				got, has := links[rel]
				if want == "" {
					if has {
						t.Errorf("unexpected rel=%s %s", rel, got)
					}
					continue
				}
				if got != base+"?"+want {
					t.Errorf("rel=%s %q, want %q", rel, got, base+"?"+want)
				}
			}
			if tc.next == "" && tc.prev == "" && r.header.Get("Link") != "" {
				t.Errorf("Link on a single page: %q", r.header.Get("Link"))
			}
		})
	}
}

func parseLinks(t *testing.T, h string) map[string]string {
	t.Helper()
	out := map[string]string{}
	if h == "" {
		return out
	}
	for _, part := range strings.Split(h, ", ") {
		var u, rel string
		if _, err := fmt.Sscanf(part, "<%s rel=%q", &u, &rel); err != nil {
			t.Fatalf("bad Link part %q: %v", part, err)
		}
		out[rel] = strings.TrimSuffix(u, ">;")
	}
	return out
}

func TestPagingBadValues(t *testing.T) {
	srv := newServer(t)
	for _, q := range []string{"perPage=0", "perPage=101", "perPage=x", "page=0", "page=-1", "page=a"} {
		r := get(t, srv, "/categories?"+q).want(t, 400)
		if r.message(t) == "" {
			t.Errorf("%s: no message", q)
		}
	}
	srv422 := newServer(t, capsuletest.WithPerPageOutOfRangeStatus(422))
	get(t, srv422, "/categories?perPage=500").want(t, 422)
}

func TestBadInputNever500(t *testing.T) {
	srv := newServer(t, capsuletest.WithMaxBodyBytes(1024))
	huge := `{"category":{"name":"` + strings.Repeat("x", 2000) + `"}}`
	tests := []struct {
		name, method, path string
		body               any
		status             int
	}{
		{"malformed", "POST", "/categories", `{"category":`, 400},
		{"not JSON", "POST", "/categories", `hello`, 400},
		{"array body", "POST", "/categories", `[1,2]`, 400},
		{"empty body", "POST", "/categories", nil, 400},
		{"wrong envelope", "POST", "/categories", `{"categories":{"name":"x"}}`, 400},
		{"envelope not object", "POST", "/categories", `{"category":"x"}`, 400},
		{"trailing data", "POST", "/categories", `{"category":{"name":"x"}} {}`, 400},
		{"wrong type", "POST", "/categories", `{"category":{"name":5}}`, 422},
		{"bad colour", "POST", "/categories", `{"category":{"name":"a","colour":"red"}}`, 422},
		{"wrong type on update", "PUT", "/categories/101", `{"category":{"name":["x"]}}`, 422},
		{"null required", "PUT", "/categories/101", `{"category":{"name":null}}`, 422},
		{"huge", "POST", "/categories", huge, 413},
		{"bool as string", "POST", "/lostreasons", `{"lostReason":{"name":"x","includedForConversion":"yes"}}`, 422},
		{"probability out of range", "POST", "/milestones", `{"milestone":{"name":"x","probability":150}}`, 422},
		{"probability float", "POST", "/milestones", `{"milestone":{"name":"x","probability":1.5}}`, 422},
		{"huge number", "POST", "/milestones", `{"milestone":{"name":"x","probability":1e400}}`, 422},
		{"icon wrong", "POST", "/activitytypes", `{"activityType":{"name":"x","icon":{"id":"NOPE"}}}`, 422},
		{"icon not object", "POST", "/activitytypes", `{"activityType":{"name":"x","icon":7}}`, 422},
		{"board as string", "POST", "/stages", `{"stage":{"name":"x","board":"abc"}}`, 422},
		{"bad event", "POST", "/resthooks", `{"restHook":{"event":"nope","targetUrl":"https://x.test/h"}}`, 422},
		{"bad url", "POST", "/resthooks", `{"restHook":{"event":"party/created","targetUrl":"ftp:/x"}}`, 422},
		{"bad locale", "PUT", "/users/674197", `{"user":{"locale":"xx"}}`, 422},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tok := srv.Token
			if tc.path == "/resthooks" {
				tok = srv.AppToken // hooks are managed through an OAuth application (access.go)
			}
			r := req(t, srv, tc.method, tc.path, tok, tc.body).want(t, tc.status)
			if tc.status == 422 {
				if r.message(t) != "Validation Failed" || len(r.list(t, "errors")) == 0 {
					t.Errorf("422 body %s", r.raw)
				}
			} else if r.message(t) == "" {
				t.Errorf("no message: %s", r.raw)
			}
		})
	}
}

func TestValidationBody(t *testing.T) {
	srv := newServer(t)
	r := req(t, srv, "POST", "/categories", srv.Token, `{"category":{"colour":"#123456"}}`).want(t, 422)
	errs := r.list(t, "errors")
	if r.message(t) != "Validation Failed" || len(errs) != 1 ||
		errs[0]["message"] != "name is required" || errs[0]["resource"] != "category" || errs[0]["field"] != "name" {
		t.Fatalf("body %s", r.raw)
	}
}

func TestFailNext(t *testing.T) {
	srv := newServer(t)
	srv.FailNext(2, 503)
	for i := 0; i < 2; i++ {
		r := get(t, srv, "/site").want(t, 503)
		if r.message(t) == "" {
			t.Errorf("no message: %s", r.raw)
		}
	}
	get(t, srv, "/site").want(t, 200)
	// A failed POST does not touch the store.
	srv.FailNext(1, 500)
	req(t, srv, "POST", "/categories", srv.Token, `{"category":{"name":"Ghost"}}`).want(t, 500)
	if n := len(get(t, srv, "/categories").list(t, "categories")); n != 6 {
		t.Errorf("%d categories after failed POST, want 6", n)
	}
	srv.FailNext(1, 429)
	if r := get(t, srv, "/site").want(t, 429); r.body["error"] != "rate limit reached" {
		t.Errorf("429 body %s", r.raw)
	}
	// The log keeps the body of a failed request, as a client sent it.
	srv.ResetRequests()
	srv.FailNext(1, 503)
	req(t, srv, "PUT", "/categories/1", srv.Token, `{"category":{"name":"Sent"}}`).want(t, 503)
	if logs := srv.Requests(); len(logs) != 1 || string(logs[0].Body) != `{"category":{"name":"Sent"}}` || logs[0].Status != 503 {
		t.Errorf("log of a failed request: %+v", logs)
	}
}

// A request is in the log by the time its client has the response.
func TestRequestLoggedBeforeResponse(t *testing.T) {
	srv := newServer(t)
	srv.ResetRequests()
	for i := 1; i <= 200; i++ {
		get(t, srv, "/site").want(t, 200)
		if n := len(srv.Requests()); n != i {
			t.Fatalf("after %d responses the log holds %d requests", i, n)
		}
	}
	srv.DropNextConnection(1)
	r, err := http.NewRequest("GET", srv.BaseURL+"/site", nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Authorization", "Bearer "+srv.Token)
	if res, err := srv.Client().Do(r); err == nil {
		_, err = io.ReadAll(res.Body)
		res.Body.Close()
		if err == nil {
			t.Fatal("dropped connection read in full")
		}
	}
	if logs := srv.Requests(); len(logs) != 201 || logs[200].Status != 0 {
		t.Fatalf("dropped request not logged with status 0: %d entries", len(logs))
	}
}

func TestLatency(t *testing.T) {
	srv := newServer(t)
	srv.SetLatency(60 * time.Millisecond)
	start := time.Now()
	get(t, srv, "/site").want(t, 200)
	if d := time.Since(start); d < 60*time.Millisecond {
		t.Errorf("request took %v, want >= 60ms", d)
	}
	srv.SetLatency(0)
}

func TestDropNextConnection(t *testing.T) {
	srv := newServer(t)
	srv.DropNextConnection(1)
	r, err := http.NewRequest("GET", srv.BaseURL+"/site", nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Authorization", "Bearer "+srv.Token)
	res, err := srv.Client().Do(r)
	if err == nil {
		_, err = io.ReadAll(res.Body)
		res.Body.Close()
	}
	if err == nil || !(errors.Is(err, io.ErrUnexpectedEOF) || strings.Contains(err.Error(), "EOF")) {
		t.Fatalf("want a truncated response, got err %v", err)
	}
	get(t, srv, "/site").want(t, 200)
	logs := srv.Requests()
	if len(logs) != 2 || logs[0].Status != 0 || logs[1].Status != 200 {
		t.Errorf("log %+v", logs)
	}
}

func TestFaultRate(t *testing.T) {
	count := func() (fails int) {
		srv := newServer(t)
		srv.SetFaultRate(0.5, 42)
		for i := 0; i < 40; i++ {
			r := get(t, srv, "/site")
			switch r.status {
			case 503:
				fails++
			case 200:
			default:
				t.Fatalf("status %d", r.status)
			}
		}
		return fails
	}
	a, b := count(), count()
	if a == 0 || a == 40 || a != b {
		t.Errorf("fails %d and %d: want the same partial count for the same seed", a, b)
	}
}

func TestRequestLog(t *testing.T) {
	srv := newServer(t)
	get(t, srv, "/categories?perPage=2&page=1")
	req(t, srv, "POST", "/categories", srv.Token, `{"category":{"name":"Logged"}}`)
	req(t, srv, "GET", "/nothing", srv.Token, nil)
	logs := srv.Requests()
	want := []capsuletest.LoggedRequest{
		{Method: "GET", Path: "/api/v2/categories", Query: "perPage=2&page=1", Status: 200},
		{Method: "POST", Path: "/api/v2/categories", Status: 201, Body: []byte(`{"category":{"name":"Logged"}}`)},
		{Method: "GET", Path: "/api/v2/nothing", Status: 404},
	}
	if len(logs) != len(want) {
		t.Fatalf("%d log entries, want %d", len(logs), len(want))
	}
	for i, w := range want {
		g := logs[i]
		if g.Method != w.Method || g.Path != w.Path || g.Query != w.Query || g.Status != w.Status || string(g.Body) != string(w.Body) {
			t.Errorf("entry %d = %+v, want %+v", i, g, w)
		}
		if g.Header.Get("Authorization") == "" {
			t.Errorf("entry %d: no headers logged", i)
		}
	}
	srv.ResetRequests()
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d entries after reset", n)
	}
}

func TestConcurrentClients(t *testing.T) {
	srv := newServer(t)
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			do := func(method, path, body string) (int, error) {
				r, err := http.NewRequest(method, srv.BaseURL+path, strings.NewReader(body))
				if err != nil {
					return 0, err
				}
				r.Header.Set("Authorization", "Bearer "+srv.Token)
				res, err := srv.Client().Do(r)
				if err != nil {
					return 0, err
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				return res.StatusCode, nil
			}
			for _, s := range []struct {
				method, path, body string
				want               int
			}{
				{"POST", "/categories", fmt.Sprintf(`{"category":{"name":"C%d"}}`, i), 201},
				{"GET", "/categories?perPage=100", "", 200},
				{"PUT", "/pipelines/53001", fmt.Sprintf(`{"pipeline":{"description":"d%d"}}`, i), 200},
				{"GET", "/pipelines/53001,53002", "", 200},
				{"POST", "/titles", fmt.Sprintf(`{"personTitle":{"title":"T%d"}}`, i), 0},
			} {
				got, err := do(s.method, s.path, s.body)
				if err != nil {
					errs <- err
					return
				}
				if s.want != 0 && got != s.want {
					errs <- fmt.Errorf("client %d %s %s: %d", i, s.method, s.path, got)
				}
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	r := get(t, srv, "/categories?perPage=100").want(t, 200)
	if n := len(r.list(t, "categories")); n != 56 {
		t.Errorf("%d categories, want 56", n)
	}
	if n := len(get(t, srv, "/titles").list(t, "personTitles")); n != 50 {
		t.Errorf("%d titles, want the limit 50", n)
	}
	if n := len(srv.Requests()); n != 252 {
		t.Errorf("%d logged requests, want 252", n)
	}
}

func TestSeedDeterministic(t *testing.T) {
	a, b := newServer(t, capsuletest.WithSeed(5)), newServer(t, capsuletest.WithSeed(5))
	for _, p := range []string{"/users", "/teams", "/pipelines", "/milestones/all", "/boards", "/stages", "/categories", "/activitytypes", "/lostreasons", "/titles"} {
		ra, rb := get(t, a, p).want(t, 200), get(t, b, p).want(t, 200)
		if string(ra.raw) != string(rb.raw) {
			t.Errorf("%s differs between two servers with the same seed", p)
		}
	}
	if a.CurrentUserID() != b.CurrentUserID() || a.CurrentUserID() == 0 {
		t.Errorf("current user ids %d, %d", a.CurrentUserID(), b.CurrentUserID())
	}
}

func TestLocationIsAbsolute(t *testing.T) {
	srv := newServer(t)
	r := req(t, srv, "POST", "/categories", srv.Token, `{"category":{"name":"Loc"}}`).want(t, 201)
	loc, err := url.Parse(r.header.Get("Location"))
	if err != nil || !loc.IsAbs() {
		t.Fatalf("Location %q", r.header.Get("Location"))
	}
	want := fmt.Sprintf("%s/categories/%d", srv.BaseURL, id(t, r.obj(t, "category")))
	if loc.String() != want {
		t.Errorf("Location %q, want %q", loc, want)
	}
	get(t, srv, strings.TrimPrefix(loc.String(), srv.BaseURL)).want(t, 200)
}

func TestTimestamps(t *testing.T) {
	now := time.Date(2025, 3, 4, 5, 6, 7, 890, time.UTC)
	srv := newServer(t, capsuletest.WithClock(func() time.Time { return now }))
	c := req(t, srv, "POST", "/lostreasons", srv.Token, `{"lostReason":{"name":"Clocked"}}`).want(t, 201).obj(t, "lostReason")
	if c["createdAt"] != "2025-03-04T05:06:07Z" || c["updatedAt"] != "2025-03-04T05:06:07Z" {
		t.Fatalf("timestamps %v %v", c["createdAt"], c["updatedAt"])
	}
	srv.Advance(90 * time.Second)
	u := req(t, srv, "PUT", fmt.Sprintf("/lostreasons/%d", id(t, c)), srv.Token, `{"lostReason":{}}`).want(t, 200).obj(t, "lostReason")
	if u["createdAt"] != "2025-03-04T05:06:07Z" || u["updatedAt"] != "2025-03-04T05:07:37Z" || u["name"] != "Clocked" {
		t.Fatalf("after empty PUT: %v", u)
	}
	srv.SetNow(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	if !srv.Now().Equal(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("Now %v", srv.Now())
	}
}

func TestAsyncDeletesAndJobs(t *testing.T) {
	srv := newServer(t, capsuletest.WithAsyncDeletes(true))
	// Phase-1 resources delete synchronously even with the switch on.
	req(t, srv, "DELETE", "/categories/101", srv.Token, nil).want(t, 204)
}

// Every reply's Date header is the fake's clock, whole seconds in GMT, so a
// client that reads the server's time sees SetNow and Advance.
func TestDateHeaderFollowsClock(t *testing.T) {
	srv := newServer(t)
	srv.SetNow(time.Date(2025, 6, 2, 10, 0, 0, 900_000_000, time.FixedZone("CEST", 2*3600)))
	if got := get(t, srv, "/site").want(t, 200).header.Get("Date"); got != "Mon, 02 Jun 2025 08:00:00 GMT" {
		t.Errorf("Date %q", got)
	}
	srv.Advance(90 * time.Second)
	for _, r := range []resp{
		get(t, srv, "/parties?since=2025-06-01T00:00:00Z").want(t, 200),
		get(t, srv, "/nothing").want(t, 404),
		req(t, srv, "GET", "/site", "", nil).want(t, 401),
	} {
		if got := r.header.Get("Date"); got != "Mon, 02 Jun 2025 08:01:30 GMT" {
			t.Errorf("status %d: Date %q", r.status, got)
		}
	}
	srv.FailNext(1, 503)
	if got := get(t, srv, "/site").want(t, 503).header.Get("Date"); got != "Mon, 02 Jun 2025 08:01:30 GMT" {
		t.Errorf("injected 503: Date %q", got)
	}

	// Without SetNow, the clock given to WithClock (shifted by Advance).
	at := time.Date(2031, 1, 2, 3, 4, 5, 0, time.UTC)
	clocked := newServer(t, capsuletest.WithClock(func() time.Time { return at }))
	clocked.Advance(time.Hour)
	if got := get(t, clocked, "/site").want(t, 200).header.Get("Date"); got != "Thu, 02 Jan 2031 04:04:05 GMT" {
		t.Errorf("WithClock: Date %q", got)
	}
}
