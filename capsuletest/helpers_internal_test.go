package capsuletest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestMergeNested(t *testing.T) {
	existing := []any{
		map[string]any{"id": int64(1), "type": "Work", "address": "a@x.test"},
		map[string]any{"id": int64(2), "type": nil, "address": "b@x.test"},
	}
	tests := []struct {
		name    string
		patch   string
		want    string // JSON of the result; "" when an error is expected
		wantErr string
	}{
		{"empty array is a no-op", `[]`, `[{"id":1,"type":"Work","address":"a@x.test"},{"id":2,"type":null,"address":"b@x.test"}]`, ""},
		{"null is a no-op", `null`, `[{"id":1,"type":"Work","address":"a@x.test"},{"id":2,"type":null,"address":"b@x.test"}]`, ""},
		{"add without id", `[{"address":"c@x.test"}]`, `[{"id":1,"type":"Work","address":"a@x.test"},{"id":2,"type":null,"address":"b@x.test"},{"id":500000001,"address":"c@x.test"}]`, ""},
		{"patch by id", `[{"id":2,"type":"Home"}]`, `[{"id":1,"type":"Work","address":"a@x.test"},{"id":2,"type":"Home","address":"b@x.test"}]`, ""},
		{"delete by id", `[{"id":1,"_delete":true}]`, `[{"id":2,"type":null,"address":"b@x.test"}]`, ""},
		{"_destroy ignored", `[{"id":1,"_destroy":true}]`, `[{"id":1,"type":"Work","address":"a@x.test"},{"id":2,"type":null,"address":"b@x.test"}]`, ""},
		{"unknown id", `[{"id":9,"type":"Home"}]`, "", "emailAddresses 9 not found"},
		{"unknown id delete", `[{"id":9,"_delete":true}]`, "", "emailAddresses 9 not found"},
		{"not an array", `{"id":1}`, "", "emailAddresses is invalid"},
		{"element not object", `[5]`, "", "emailAddresses is invalid"},
		{"validator", `[{"type":"Home"}]`, "", "address is required"},
	}
	validate := func(item record, isNew bool) []fieldError {
		if _, ok := item["address"]; !ok {
			return []fieldError{fieldErr("party", "address", "is required")}
		}
		return nil
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake()
			var patch any
			dec := json.NewDecoder(strings.NewReader(tc.patch))
			dec.UseNumber()
			if err := dec.Decode(&patch); err != nil {
				t.Fatal(err)
			}
			before, _ := json.Marshal(existing)
			got, errs := f.mergeNested(existing, patch, "party", "emailAddresses", validate)
			after, _ := json.Marshal(existing)
			if string(before) != string(after) {
				t.Fatalf("existing modified: %s", after)
			}
			if tc.wantErr != "" {
				if len(errs) == 0 || errs[0].Message != tc.wantErr || errs[0].Resource != "party" {
					t.Fatalf("errs %+v, want %q", errs, tc.wantErr)
				}
				return
			}
			if errs != nil {
				t.Fatalf("errs %+v", errs)
			}
			var gotJS, wantJS any
			b, _ := json.Marshal(got)
			_ = json.Unmarshal(b, &gotJS)
			_ = json.Unmarshal([]byte(tc.want), &wantJS)
			if !reflect.DeepEqual(gotJS, wantJS) {
				t.Errorf("got %s, want %s", b, tc.want)
			}
		})
	}
}

// testFake serves a fake with an extra "widgets" collection registered through
// the same helpers a phase-2 resource uses.
func testFake(t *testing.T, opts ...Option) (*fake, *httptest.Server, string) {
	t.Helper()
	f := newFake(opts...)
	widgets := &resource{
		coll: "widgets", path: "/widgets",
		schema:      schema{resource: "widget", fields: map[string]fieldSpec{"name": {kind: kString, required: true}}},
		asyncDelete: true, deleteAction: "Deleting Widget",
	}
	f.mu.Lock()
	coll := f.newCollection("widgets", "widget", "widget", 1)
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 12; i++ {
		coll.insert(record{"name": "w"}, base.Add(time.Duration(i)*time.Hour))
	}
	f.mu.Unlock()
	f.handle("GET", "/widgets", func(c *call) *reply {
		items, rep := c.filterSince(widgets.items(c))
		if rep != nil {
			return rep
		}
		return c.list("widgets", items, nil)
	})
	f.handle("GET", "/widgets/deleted", func(c *call) *reply { return c.deletedFeed(c.f.coll("widgets")) })
	f.handle("GET", "/widgets/{id}", widgets.show)
	f.handle("DELETE", "/widgets/{id}", widgets.delete)
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv, f.cfg.token
}

func fetch(t *testing.T, srv *httptest.Server, tok, method, path string) (int, http.Header, map[string]any) {
	t.Helper()
	r, _ := http.NewRequest(method, srv.URL+APIPrefix+path, nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	res, err := srv.Client().Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var body map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &body); err != nil {
			t.Fatalf("%s: %s", err, raw)
		}
	}
	return res.StatusCode, res.Header, body
}

func ids(t *testing.T, v any) []float64 {
	t.Helper()
	var out []float64
	arr, _ := v.([]any)
	for _, e := range arr {
		out = append(out, e.(map[string]any)["id"].(float64))
	}
	return out
}

// widgets stand for a collection whose docs have show-multiple; the
// documented list itself is tested in access_test.go.
func init() { showMultiple["widgets"] = true }

func TestShowMultiple(t *testing.T) {
	_, srv, tok := testFake(t)
	tests := []struct {
		path   string
		status int
		key    string
		ids    []float64
		msg    string
	}{
		{"/widgets/3", 200, "widget", nil, ""},
		{"/widgets/3,1,2", 200, "widgets", []float64{3, 1, 2}, ""},
		{"/widgets/1,2,3,4,5,6,7,8,9,10", 200, "widgets", []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, ""},
		{"/widgets/1,2,3,4,5,6,7,8,9,10,11", 400, "", nil, "too many ids"},
		{"/widgets/1,99", 404, "", nil, "Could not find resource"},
		{"/widgets/1,x", 404, "", nil, "Could not find resource"},
	}
	for _, tc := range tests {
		status, _, body := fetch(t, srv, tok, "GET", tc.path)
		if status != tc.status {
			t.Errorf("%s: status %d, want %d", tc.path, status, tc.status)
			continue
		}
		if tc.msg != "" && body["message"] != tc.msg {
			t.Errorf("%s: message %v", tc.path, body["message"])
		}
		if tc.ids != nil && !reflect.DeepEqual(ids(t, body[tc.key]), tc.ids) {
			t.Errorf("%s: ids %v, want %v", tc.path, ids(t, body[tc.key]), tc.ids)
		}
		if tc.key == "widget" && body["widget"] == nil {
			t.Errorf("%s: no widget key", tc.path)
		}
	}
	_, srv422, tok422 := testFake(t, WithTooManyIDsStatus(422))
	if status, _, _ := fetch(t, srv422, tok422, "GET", "/widgets/1,2,3,4,5,6,7,8,9,10,11"); status != 422 {
		t.Errorf("configured too-many-ids status: %d", status)
	}
}

func TestSinceAndDeletedFeed(t *testing.T) {
	f, srv, tok := testFake(t)
	status, _, body := fetch(t, srv, tok, "GET", "/widgets?since=2024-01-01T09:00:00Z")
	if status != 200 || !reflect.DeepEqual(ids(t, body["widgets"]), []float64{11, 12}) {
		t.Errorf("since: %d %v", status, body)
	}
	if status, _, _ := fetch(t, srv, tok, "GET", "/widgets?since=yesterday"); status != 400 {
		t.Errorf("bad since: %d", status)
	}
	status, _, body = fetch(t, srv, tok, "GET", "/widgets/deleted")
	if status != 422 || body["message"] != "Validation Failed" {
		t.Errorf("deleted without since: %d %v", status, body)
	}
	f.setNow(time.Date(2025, 5, 5, 5, 5, 5, 0, time.UTC))
	if status, _, _ := fetch(t, srv, tok, "DELETE", "/widgets/2"); status != 204 {
		t.Fatalf("delete: %d", status)
	}
	if status, _, _ := fetch(t, srv, tok, "DELETE", "/widgets/2"); status != 404 {
		t.Errorf("second delete: %d", status)
	}
	status, _, body = fetch(t, srv, tok, "GET", "/widgets/deleted?since=2025-01-01T00:00:00Z")
	want := []any{map[string]any{"id": float64(2), "deletedAt": "2025-05-05T05:05:05Z"}}
	if status != 200 || !reflect.DeepEqual(body["widgets"], want) {
		t.Errorf("deleted feed: %d %v", status, body)
	}
	_, _, body = fetch(t, srv, tok, "GET", "/widgets/deleted?since=2025-05-05T05:05:05Z")
	if arr, _ := body["widgets"].([]any); len(arr) != 0 {
		t.Errorf("since is exclusive: %v", body)
	}
}

func TestAsyncDeleteJob(t *testing.T) {
	_, srv, tok := testFake(t, WithAsyncDeletes(true))
	status, h, _ := fetch(t, srv, tok, "DELETE", "/widgets/1")
	loc := h.Get("Location")
	if status != 202 || !strings.HasPrefix(loc, srv.URL+APIPrefix+"/jobs/") {
		t.Fatalf("async delete: %d Location %q", status, loc)
	}
	status, _, body := fetch(t, srv, tok, "GET", strings.TrimPrefix(loc, srv.URL+APIPrefix))
	job, _ := body["job"].(map[string]any)
	if status != 200 || job["status"] != "completed" || job["progress"] != float64(100) || job["action"] != "Deleting Widget" || job["id"] == "" {
		t.Errorf("job: %d %v", status, body)
	}
}

func TestRouteSpecificity(t *testing.T) {
	rs := []*route{
		{method: "GET", segs: splitPath("/a/{id}")},
		{method: "GET", segs: splitPath("/a/current")},
		{method: "PUT", segs: splitPath("/a/{id}")},
	}
	if rt, _, _ := match(rs, "GET", "/a/current"); rt != rs[1] {
		t.Error("literal should win")
	}
	if rt, p, _ := match(rs, "GET", "/a/7"); rt != rs[0] || p["id"] != "7" {
		t.Error("wildcard match")
	}
	if rt, p, _ := match(rs, "PUT", "/a/current"); rt != rs[2] || p["id"] != "current" {
		t.Error("PUT falls back to the wildcard")
	}
	if _, _, st := match(rs, "DELETE", "/a/7"); st != 405 {
		t.Errorf("status %d", st)
	}
	if _, _, st := match(rs, "GET", "/a/7/b"); st != 404 {
		t.Errorf("status %d", st)
	}
	if _, _, st := match(rs, "GET", "/a/"); st != 404 {
		t.Errorf("status %d for /a/", st)
	}
}

func TestSchemaApply(t *testing.T) {
	sc := schema{resource: "thing", fields: map[string]fieldSpec{
		"name": {kind: kString, required: true},
		"note": {kind: kString, nullable: true},
		"n":    {kind: kInt, min: 1, max: 5},
		"on":   {kind: kDate},
		"at":   {kind: kDateTime},
	}}
	dst := record{}
	if errs := sc.apply(dst, record{"name": "x", "note": nil, "n": json.Number("3"), "on": "2025-01-31", "at": "2025-01-31T10:00:00+01:00", "ro": 1}, true); errs != nil {
		t.Fatal(errs)
	}
	want := record{"name": "x", "note": nil, "n": int64(3), "on": "2025-01-31", "at": "2025-01-31T09:00:00Z"}
	if !reflect.DeepEqual(dst, want) {
		t.Errorf("got %v", dst)
	}
	errs := sc.apply(dst, record{"name": "", "n": json.Number("9"), "on": "31/01/2025"}, false)
	if len(errs) != 3 || dst["name"] != "x" {
		t.Errorf("errs %v, dst %v", errs, dst)
	}
}

func TestRouteOptionsAndHooks(t *testing.T) {
	f := newFake()
	var deletedIDs []int64
	f.handle("POST", "/widgets/filters/results", func(c *call) *reply { return ok("widgets", []any{}) }, readOnlyRoute())
	f.handle("POST", "/upload", func(c *call) *reply { return ok("upload", record{"size": len(c.body)}) }, maxBody(10))
	srv := httptest.NewServer(f)
	defer srv.Close()
	f.addToken("ro", true)
	post := func(path, body string) int {
		r, _ := http.NewRequest("POST", srv.URL+APIPrefix+path, strings.NewReader(body))
		r.Header.Set("Authorization", "Bearer ro")
		res, err := srv.Client().Do(r)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if st := post("/widgets/filters/results", `{}`); st != 200 {
		t.Errorf("read-only POST route: %d", st)
	}
	f.addToken("ro", false)
	if st := post("/upload", strings.Repeat("x", 11)); st != 413 {
		t.Errorf("route body cap: %d", st)
	}

	// in-use checks and delete hooks, as registered from init by other resources
	registerInUse("testThings", func(f *fake, id int64) string {
		if id == 1 {
			return "thing is in use"
		}
		return ""
	})
	registerOnDelete("testThings", func(f *fake, id int64, now time.Time) { deletedIDs = append(deletedIDs, id) })
	defer delete(inUseChecks, "testThings")
	defer delete(deleteHooks, "testThings")
	f.mu.Lock()
	defer f.mu.Unlock()
	coll := f.newCollection("testThings", "testThing", "testThing", 1)
	coll.insert(record{}, time.Now())
	coll.insert(record{}, time.Now())
	if msg := f.inUse("testThings", 1); msg != "thing is in use" {
		t.Errorf("inUse(1) = %q", msg)
	}
	if msg := f.inUse("testThings", 2); msg != "" {
		t.Errorf("inUse(2) = %q", msg)
	}
	f.remove(coll, 2, time.Now())
	if !reflect.DeepEqual(deletedIDs, []int64{2}) {
		t.Errorf("delete hook saw %v", deletedIDs)
	}
	if got := f.teamStub(4001); !reflect.DeepEqual(got, record{"id": int64(4001), "name": "Sales"}) {
		t.Errorf("teamStub %v", got)
	}
	if f.teamStub(1) != nil {
		t.Error("teamStub of unknown team")
	}
}

func TestCountryName(t *testing.T) {
	for in, want := range map[string]string{"United Kingdom": "United Kingdom", "gb": "United Kingdom", "USA": "United States",
		"deu": "Germany", "france": "France", "Narnia": ""} {
		if got := countryName(in); got != want {
			t.Errorf("countryName(%q) = %q, want %q", in, got, want)
		}
	}
}
