package capsuletest_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/capsulecrm-go/capsule/capsuletest"
)

func TestTaskParents(t *testing.T) {
	r := newRecT(t)
	p := r.person("Ada", "Lovelace")
	org := r.org("Analytical Engines")
	oid := id(t, r.opp("Engines", p, r.milestoneID("Lead")))
	kid := id(t, r.kase("Build", org))
	mk := func(parent map[string]any) map[string]any {
		b := map[string]any{"description": "x", "dueOn": "2025-01-01"}
		for k, v := range parent {
			b[k] = v
		}
		return r.create("/tasks", "task", b)
	}
	pt := mk(map[string]any{"party": map[string]any{"id": p}})
	if ps := pt["party"].(map[string]any); id(t, ps) != p || ps["type"] != "person" || ps["firstName"] != "Ada" || ps["lastName"] != "Lovelace" || ps["pictureURL"] == nil {
		t.Errorf("party stub %v", ps)
	}
	if pt["opportunity"] != nil || pt["kase"] != nil {
		t.Errorf("other parents %v", pt)
	}
	ot := mk(map[string]any{"opportunity": oid}) // bare id
	if os := ot["opportunity"].(map[string]any); len(os) != 2 || id(t, os) != oid || os["name"] != "Engines" {
		t.Errorf("opportunity stub %v", os)
	}
	kt := mk(map[string]any{"kase": map[string]any{"id": kid}})
	if ks := kt["kase"].(map[string]any); id(t, ks) != kid || ks["name"] != "Build" {
		t.Errorf("kase stub %v", ks)
	}
	orgTask := mk(map[string]any{"party": org})
	if ps := orgTask["party"].(map[string]any); ps["name"] != "Analytical Engines" || ps["type"] != "organisation" {
		t.Errorf("organisation stub %v", ps)
	}
	full := r.get(fmt.Sprintf("/tasks/%d?embed=party", id(t, pt))).obj(t, "task")["party"].(map[string]any)
	if full["addresses"] == nil || full["createdAt"] == nil {
		t.Errorf("embedded party %v", full)
	}
	full = r.get(fmt.Sprintf("/tasks/%d?embed=kase", id(t, kt))).obj(t, "task")["kase"].(map[string]any)
	if full["status"] != "OPEN" || full["party"] == nil {
		t.Errorf("embedded kase %v", full)
	}

	// More than one parent: 422.
	wantErrors(t, r.do("POST", "/tasks", map[string]any{"task": map[string]any{"description": "x", "dueOn": "2025-01-01", "party": p, "kase": kid}}),
		"task can be linked to only one of party, opportunity or kase|task|kase")
	wantErrors(t, r.do("POST", "/tasks", map[string]any{"task": map[string]any{"description": "x", "dueOn": "2025-01-01", "opportunity": oid, "kase": kid, "party": p}}),
		"task can be linked to only one of party, opportunity or kase|task|opportunity")
	path := fmt.Sprintf("/tasks/%d", id(t, pt))
	wantErrors(t, r.do("PUT", path, map[string]any{"task": map[string]any{"opportunity": oid}}),
		"task can be linked to only one of party, opportunity or kase|task|opportunity")
	moved := r.update(path, "task", map[string]any{"party": nil, "opportunity": map[string]any{"id": oid}})
	if moved["party"] != nil || id(t, moved["opportunity"].(map[string]any)) != oid {
		t.Errorf("moved %v", moved)
	}
	wantErrors(t, r.do("PUT", path, map[string]any{"task": map[string]any{"kase": 1}}), "kase is invalid|task|kase")

	// Renames show at once (stubs are live).
	r.update(fmt.Sprintf("/kases/%d", kid), "kase", map[string]any{"name": "Build 2"})
	if ks := r.get(fmt.Sprintf("/tasks/%d", id(t, kt))).obj(t, "task")["kase"].(map[string]any); ks["name"] != "Build 2" {
		t.Errorf("renamed kase %v", ks)
	}

	// Deleting a party deletes its tasks, and (through its opportunities and
	// kases) theirs; standalone tasks stay.
	alone := mk(nil)
	r.do("DELETE", fmt.Sprintf("/parties/%d", p), nil).want(t, 204)
	for _, task := range []map[string]any{pt, ot} {
		r.get(fmt.Sprintf("/tasks/%d", id(t, task))).want(t, 404)
	}
	r.get(fmt.Sprintf("/tasks/%d", id(t, kt))).want(t, 200) // the kase belongs to the organisation
	r.do("DELETE", fmt.Sprintf("/parties/%d", org), nil).want(t, 204)
	r.get(fmt.Sprintf("/tasks/%d", id(t, kt))).want(t, 404)
	r.get(fmt.Sprintf("/tasks/%d", id(t, orgTask))).want(t, 404)
	r.get(fmt.Sprintf("/tasks/%d", id(t, alone))).want(t, 200)
}

func TestRecordHookEvents(t *testing.T) {
	r := newRecT(t)
	rcv := newReceiver(t)
	for _, ev := range []string{"party/created", "party/updated", "party/deleted",
		"opportunity/created", "opportunity/updated", "opportunity/deleted", "opportunity/closed", "opportunity/moved",
		"kase/created", "kase/updated", "kase/deleted", "kase/closed", "kase/moved"} {
		embed := ""
		if ev == "party/created" {
			embed = "tags"
		}
		subscribe(t, r.srv, ev, rcv.URL+"/"+ev, embed)
	}
	p := r.person("Ada", "Lovelace", map[string]any{"tags": []any{map[string]any{"name": "VIP"}}})
	r.update(fmt.Sprintf("/parties/%d", p), "party", map[string]any{"jobTitle": "Countess"})
	oid := id(t, r.opp("Engines", p, r.milestoneID("Lead")))
	r.update(fmt.Sprintf("/opportunities/%d", oid), "opportunity", map[string]any{"description": "d"})
	r.update(fmt.Sprintf("/opportunities/%d", oid), "opportunity", map[string]any{"milestone": map[string]any{"id": r.milestoneID("Meeting")}})
	r.update(fmt.Sprintf("/opportunities/%d", oid), "opportunity", map[string]any{"milestone": map[string]any{"id": r.milestoneID("Won")}})
	kid := id(t, r.kase("Build", p))
	r.update(fmt.Sprintf("/kases/%d", kid), "kase", map[string]any{"stage": 104602})
	r.update(fmt.Sprintf("/kases/%d", kid), "kase", map[string]any{"status": "CLOSED"})
	r.do("DELETE", fmt.Sprintf("/kases/%d", kid), nil).want(t, 204)
	r.do("DELETE", fmt.Sprintf("/opportunities/%d", oid), nil).want(t, 204)
	r.do("DELETE", fmt.Sprintf("/parties/%d", p), nil).want(t, 204)
	waitDeliveries(t, r.srv)

	var got []string
	for _, h := range rcv.received() {
		ev := strings.TrimPrefix(h.path, "/")
		got = append(got, ev)
		if h.body["event"] != ev {
			t.Errorf("%s: event %v", h.path, h.body["event"])
		}
	}
	want := []string{"party/created", "party/updated", "opportunity/created",
		"opportunity/updated", "opportunity/updated", "opportunity/moved", "opportunity/updated", "opportunity/moved", "opportunity/closed",
		"kase/created", "kase/updated", "kase/moved", "kase/updated", "kase/closed", "kase/deleted", "opportunity/deleted", "party/deleted"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("events\n got %v\nwant %v", got, want)
	}
	created := rcv.received()[0].body["payload"].([]any)[0].(map[string]any)
	tags, _ := created["tags"].([]any)
	if id(t, created) != p || created["firstName"] != "Ada" || len(tags) != 1 || created["jobTitle"] != nil {
		t.Errorf("party/created payload %v", created)
	}
	deleted := rcv.received()[len(want)-1].body["payload"].([]any)[0].(map[string]any)
	if id(t, deleted) != p || deleted["jobTitle"] != "Countess" {
		t.Errorf("party/deleted payload %v", deleted)
	}
}

func TestActivitySeed(t *testing.T) {
	srv := newServer(t, capsuletest.WithSeed(30))
	tasks := get(t, srv, "/tasks?status=open,completed,pending&perPage=100").want(t, 200).list(t, "tasks")
	parents := map[string]int{}
	for _, task := range tasks {
		n := 0
		for _, k := range []string{"party", "opportunity", "kase"} {
			if task[k] != nil {
				parents[k]++
				n++
			}
		}
		if n == 0 {
			parents["none"]++
		}
		if n > 1 {
			t.Errorf("task with %d parents: %v", n, task)
		}
		if task["hasTrack"] == true {
			parents["track"]++
		}
	}
	for _, k := range []string{"party", "opportunity", "kase", "none", "track"} {
		if parents[k] == 0 {
			t.Errorf("no seeded task with %s: %v", k, parents)
		}
	}
	entries := get(t, srv, "/entries?perPage=100").want(t, 200).list(t, "entries")
	types := map[any]int{}
	var withAttachment map[string]any
	for _, e := range entries {
		types[e["type"]]++
		if a, _ := e["attachments"].([]any); len(a) > 0 {
			withAttachment = a[0].(map[string]any)
		}
	}
	if types["note"] < 20 || types["email"] == 0 {
		t.Errorf("seeded entry types %v", types)
	}
	if withAttachment == nil {
		t.Fatal("no seeded attachment")
	}
	if dl := rawReq(t, srv, "GET", fmt.Sprintf("/attachments/%d", id(t, withAttachment)), nil, nil); dl.status != 200 || len(dl.body) == 0 {
		t.Errorf("seeded attachment download %d", dl.status)
	}
	// The first opportunity carries a seeded track.
	opps := get(t, srv, "/opportunities").list(t, "opportunities")
	if tr := get(t, srv, fmt.Sprintf("/opportunities/%d/tracks", id(t, opps[0]))).list(t, "tracks"); len(tr) != 1 || len(tr[0]["tasks"].([]any)) != 3 {
		t.Errorf("seeded track %v", tr)
	}
	// Same seed, same data; a bigger seed, more.
	again := newServer(t, capsuletest.WithSeed(30))
	for _, path := range []string{"/tasks?status=open,completed,pending&perPage=100", "/entries?perPage=100", "/trackdefinitions"} {
		a, b := get(t, srv, path).raw, get(t, again, path).raw
		var x, y any
		_ = json.Unmarshal(a, &x)
		_ = json.Unmarshal(b, &y)
		if !reflect.DeepEqual(x, y) {
			t.Errorf("%s differs between two servers with the same seed", path)
		}
	}
	small := newServer(t)
	if n := len(get(t, small, "/tasks?status=open,completed,pending").list(t, "tasks")); n != 0 {
		t.Errorf("%d tasks without a seed", n)
	}
	if n := len(get(t, small, "/entries").list(t, "entries")); n != 0 {
		t.Errorf("%d entries without a seed", n)
	}
}
