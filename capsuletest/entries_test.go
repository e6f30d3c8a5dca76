package capsuletest_test

import (
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestEntryCreateAndShow(t *testing.T) {
	r := newRecT(t)
	r.srv.SetNow(time.Date(2025, 5, 1, 9, 0, 0, 0, time.UTC))
	p := r.person("Ada", "Lovelace")
	rs := r.do("POST", "/entries", fmt.Sprintf(`{"entry":{"type":"note","content":"Met at the conference","party":{"id":%d}}}`, p)).want(t, 201)
	e := rs.obj(t, "entry")
	path := fmt.Sprintf("/entries/%d", id(t, e))
	if loc := rs.header.Get("Location"); loc != r.srv.BaseURL+path {
		t.Errorf("Location %q", loc)
	}
	want := "activityType,attachments,content,createdAt,creator,entryAt,id,kase,opportunity,party,subject,type,updatedAt"
	if got := strings.Join(sortedKeys(e), ","); got != want {
		t.Errorf("keys %s", got)
	}
	if e["type"] != "note" || e["content"] != "Met at the conference" || e["entryAt"] != "2025-05-01T09:00:00Z" || e["subject"] != nil ||
		!reflect.DeepEqual(e["activityType"], map[string]any{"id": float64(-1), "name": "Note"}) ||
		len(e["attachments"].([]any)) != 0 || e["opportunity"] != nil || e["kase"] != nil {
		t.Errorf("entry %v", e)
	}
	if ps := e["party"].(map[string]any); id(t, ps) != p || ps["firstName"] != "Ada" || ps["type"] != "person" || ps["pictureURL"] == nil {
		t.Errorf("party stub %v", ps)
	}
	if c := e["creator"].(map[string]any); id(t, c) != r.srv.CurrentUserID() || c["username"] == nil {
		t.Errorf("creator %v", c)
	}
	if got := r.get(path).want(t, 200).obj(t, "entry"); !reflect.DeepEqual(got, e) {
		t.Errorf("show %v", got)
	}
	full := r.get(path+"?embed=party,creator,activityType").obj(t, "entry")
	if full["party"].(map[string]any)["addresses"] == nil || full["creator"].(map[string]any)["locale"] == nil || full["activityType"].(map[string]any)["icon"] == nil {
		t.Errorf("embedded %v", full)
	}
	r.get(path+","+path[len("/entries/"):]).want(t, 404) // no show-multiple
	r.get("/entries/999").want(t, 404)

	// Backdated call note on an opportunity, kase given as a bare id.
	oid := id(t, r.opp("Engines", p, r.milestoneID("Lead")))
	kid := id(t, r.kase("Build", p))
	e2 := r.create("/entries", "entry", map[string]any{"type": "NOTE", "content": "Call", "opportunity": oid, "activityType": map[string]any{"id": -3},
		"entryAt": "2025-04-01T10:00:00+02:00", "subject": "Pricing"})
	if e2["entryAt"] != "2025-04-01T08:00:00Z" || e2["activityType"].(map[string]any)["name"] != "Call" || e2["subject"] != "Pricing" ||
		e2["type"] != "note" || id(t, e2["opportunity"].(map[string]any)) != oid || e2["party"] != nil {
		t.Errorf("entry %v", e2)
	}
	e3 := r.create("/entries", "entry", map[string]any{"type": "note", "content": "Kick-off", "kase": kid})
	if ks := e3["kase"].(map[string]any); id(t, ks) != kid || ks["name"] != "Build" {
		t.Errorf("kase stub %v", ks)
	}

	for _, tc := range []struct {
		body map[string]any
		want string
	}{
		{map[string]any{"content": "x", "party": p}, "type is required|entry|type"},
		{map[string]any{"type": "email", "content": "x", "party": p}, "type is invalid: only notes can be created|entry|type"},
		{map[string]any{"type": "task", "content": "x", "party": p}, "type is invalid: only notes can be created|entry|type"},
		{map[string]any{"type": "note", "content": "x"}, "party, opportunity or kase is required|entry|party"},
		{map[string]any{"type": "note", "content": "x", "party": p, "kase": kid}, "entry can belong to only one of party, opportunity or kase|entry|kase"},
		{map[string]any{"type": "note", "party": p}, "content is required|entry|content"},
		{map[string]any{"type": "note", "content": "  ", "party": p}, "content is required|entry|content"},
		{map[string]any{"type": "note", "content": "x", "party": 1}, "party is invalid|entry|party"},
		{map[string]any{"type": "note", "content": "x", "party": p, "activityType": map[string]any{"id": 999}}, "activityType is invalid|entry|activityType"},
		{map[string]any{"type": "note", "content": "x", "party": p, "entryAt": "yesterday"}, "entryAt is invalid|entry|entryAt"},
		{map[string]any{"type": "note", "content": "x", "party": p, "attachments": []any{map[string]any{"token": "nope"}}}, "attachments token is invalid|entry|attachments"},
	} {
		wantErrors(t, r.do("POST", "/entries", map[string]any{"entry": tc.body}), tc.want)
	}
	r.do("POST", "/entries", `{"note":{}}`).want(t, 400)
}

func TestEntryLists(t *testing.T) {
	r := newRecT(t)
	p := r.person("Ada", "Lovelace")
	q := r.person("Charles", "Babbage")
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 55 {
		body := map[string]any{"type": "note", "content": fmt.Sprint("n", i), "party": p,
			"entryAt": start.Add(time.Duration((i*37)%55) * time.Hour).Format(time.RFC3339)}
		r.create("/entries", "entry", body)
	}
	other := id(t, r.create("/entries", "entry", map[string]any{"type": "note", "content": "other", "party": q, "entryAt": "2024-01-01T00:00:00Z"}))

	path := fmt.Sprintf("/parties/%d/entries", p)
	rs := r.get(path+"?perPage=50").want(t, 200)
	page1 := rs.list(t, "entries")
	links := parseLinks(t, rs.header.Get("Link"))
	if len(page1) != 50 || !strings.Contains(links["next"], "page=2") || !strings.Contains(links["next"], "perPage=50") {
		t.Fatalf("page 1: %d, Link %q", len(page1), rs.header.Get("Link"))
	}
	page2 := r.get(path+"?perPage=50&page=2").want(t, 200).list(t, "entries")
	all := append(page1, page2...)
	if len(all) != 55 {
		t.Fatalf("%d entries", len(all))
	}
	for i := 1; i < len(all); i++ {
		if all[i-1]["entryAt"].(string) < all[i]["entryAt"].(string) {
			t.Fatalf("not newest first at %d: %v then %v", i, all[i-1]["entryAt"], all[i]["entryAt"])
		}
	}
	for _, e := range all {
		if id(t, e) == other {
			t.Error("another party's entry listed")
		}
	}
	for _, pp := range []string{"51", "0", "x"} {
		r.get(path+"?perPage="+pp).want(t, 400)
	}
	r.get("/parties/999/entries").want(t, 404)
	r.get("/opportunities/999/entries").want(t, 404)
	r.get("/kases/999/entries").want(t, 404)

	// GET /entries: every entry, newest first, perPage up to 100.
	rs = r.get("/entries?perPage=100").want(t, 200)
	list := rs.list(t, "entries")
	if len(list) != 56 || id(t, list[len(list)-1]) != other {
		t.Errorf("/entries: %d, last %v", len(list), list[len(list)-1])
	}
	r.get("/entries?perPage=101").want(t, 400)
	if got := r.get("/entries?embed=party&perPage=1").list(t, "entries"); got[0]["party"].(map[string]any)["addresses"] == nil {
		t.Errorf("embed=party %v", got[0]["party"])
	}
}

func TestEntryUpdateAndDelete(t *testing.T) {
	r := newRecT(t)
	p := r.person("Ada", "Lovelace")
	kid := id(t, r.kase("Build", p))
	e := r.create("/entries", "entry", map[string]any{"type": "note", "content": "Draft", "party": p})
	path := fmt.Sprintf("/entries/%d", id(t, e))
	r.srv.Advance(time.Minute)
	u := r.update(path, "entry", map[string]any{"content": "Final", "subject": "Minutes"})
	if u["content"] != "Final" || u["subject"] != "Minutes" || u["updatedAt"] == e["updatedAt"] || u["createdAt"] != e["createdAt"] {
		t.Errorf("updated %v", u)
	}
	// Move to the kase: the party must be cleared at the same time.
	wantErrors(t, r.do("PUT", path, map[string]any{"entry": map[string]any{"kase": kid}}), "entry can belong to only one of party, opportunity or kase|entry|kase")
	if m := r.update(path, "entry", map[string]any{"kase": kid, "party": nil}); m["party"] != nil || id(t, m["kase"].(map[string]any)) != kid {
		t.Errorf("moved %v", m)
	}
	wantErrors(t, r.do("PUT", path, map[string]any{"entry": map[string]any{"kase": nil}}), "party, opportunity or kase is required|entry|party")
	wantErrors(t, r.do("PUT", path, map[string]any{"entry": map[string]any{"type": "email"}}), "type cannot be changed|entry|type")
	wantErrors(t, r.do("PUT", path, map[string]any{"entry": map[string]any{"content": ""}}), "content is required|entry|content")
	r.update(path, "entry", map[string]any{"type": "note"})
	r.do("PUT", "/entries/999", `{"entry":{}}`).want(t, 404)
	r.do("PUT", path, `{"entry":5}`).want(t, 400)

	// Completing a party task adds a "task" entry, which cannot be updated.
	task := r.create("/tasks", "task", map[string]any{"description": "Call Ada", "dueOn": "2025-01-01", "party": p})
	r.update(fmt.Sprintf("/tasks/%d", id(t, task)), "task", map[string]any{"status": "COMPLETED"})
	var te map[string]any
	for _, x := range r.get(fmt.Sprintf("/parties/%d/entries", p)).list(t, "entries") {
		if x["type"] == "task" {
			te = x
		}
	}
	if te == nil || te["content"] != "Call Ada" || !reflect.DeepEqual(te["activityType"], map[string]any{"id": float64(-4), "name": "Task completed"}) {
		t.Fatalf("task entry %v", te)
	}
	wantErrors(t, r.do("PUT", fmt.Sprintf("/entries/%d", id(t, te)), `{"entry":{"content":"x"}}`), "only note and email entries can be updated|entry|type")

	r.do("DELETE", path, nil).want(t, 204)
	r.get(path).want(t, 404)
	r.do("DELETE", path, nil).want(t, 404)
	// Deleting the party deletes its entries.
	r.do("DELETE", fmt.Sprintf("/parties/%d", p), nil).want(t, 204)
	r.get(fmt.Sprintf("/entries/%d", id(t, te))).want(t, 404)
}

func TestEntryAttachments(t *testing.T) {
	r := newRecT(t)
	p := r.person("Ada", "Lovelace")
	pdf := []byte("%PDF-1.4 notes on the engine")
	tok := upload(t, r.srv, url.PathEscape("notes é 1.pdf"), "application/pdf", pdf)
	e := r.create("/entries", "entry", map[string]any{"type": "note", "party": p, "attachments": []any{map[string]any{"token": tok}}})
	atts := e["attachments"].([]any)
	if len(atts) != 1 {
		t.Fatalf("attachments %v", atts)
	}
	a := atts[0].(map[string]any)
	if a["filename"] != "notes é 1.pdf" || a["contentType"] != "application/pdf" || a["size"] != float64(len(pdf)) || a["token"] != nil {
		t.Errorf("attachment %v", a)
	}
	dl := rawReq(t, r.srv, "GET", fmt.Sprintf("/attachments/%d", id(t, a)), nil, map[string]string{"Accept": "application/octet-stream"})
	if dl.status != 200 || string(dl.body) != string(pdf) || dl.header.Get("Content-Type") != "application/pdf" ||
		dl.header.Get("Content-Disposition") != `inline; filename*=UTF-8''notes%20%C3%A9%201.pdf; filename="notes _ 1.pdf"` {
		t.Errorf("download %d %q %v", dl.status, dl.body, dl.header)
	}
	if rl := dl.header.Get("X-RateLimit-Remaining"); rl == "" {
		t.Error("download without rate-limit headers")
	}
	// A token is claimed once.
	wantErrors(t, r.do("POST", "/entries", map[string]any{"entry": map[string]any{"type": "note", "content": "again", "party": p,
		"attachments": []any{map[string]any{"token": tok}}}}), "attachments token is invalid|entry|attachments")

	// Update: add one by token, remove one by id.
	path := fmt.Sprintf("/entries/%d", id(t, e))
	tok2 := upload(t, r.srv, "b.txt", "text/plain; charset=utf-8", []byte("hello"))
	wantErrors(t, r.do("PUT", path, map[string]any{"entry": map[string]any{"attachments": []any{map[string]any{"id": id(t, a), "_delete": true}}}}),
		"content is required|entry|content") // nothing left
	wantErrors(t, r.do("PUT", path, map[string]any{"entry": map[string]any{"attachments": []any{map[string]any{"id": 1, "_delete": true}}}}),
		"attachments 1 not found|entry|attachments")
	u := r.update(path, "entry", map[string]any{"attachments": []any{map[string]any{"id": id(t, a), "_delete": true}, map[string]any{"token": tok2}}})
	atts = u["attachments"].([]any)
	if len(atts) != 1 || atts[0].(map[string]any)["filename"] != "b.txt" || atts[0].(map[string]any)["contentType"] != "text/plain; charset=utf-8" {
		t.Fatalf("after update %v", atts)
	}
	r.get(fmt.Sprintf("/attachments/%d", id(t, a))).want(t, 404)
	b := atts[0].(map[string]any)
	if dl := rawReq(t, r.srv, "GET", fmt.Sprintf("/attachments/%d", id(t, b)), nil, nil); dl.status != 200 || string(dl.body) != "hello" {
		t.Errorf("download b: %d %q", dl.status, dl.body)
	}
	// Deleting the entry deletes its attachments.
	r.do("DELETE", path, nil).want(t, 204)
	r.get(fmt.Sprintf("/attachments/%d", id(t, b))).want(t, 404)
}
