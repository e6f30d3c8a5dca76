package capsuletest_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// Seeded track definitions (trackdefs.go).
const (
	defSalesFollowUp    = 22001 // OPPORTUNITY, START_DATE: 0 days, +2 workdays, +1 week
	defProjectKickOff   = 22002 // CASEFILE, START_DATE: +1 day, +3 days
	defRenewalCountdown = 22003 // OPPORTUNITY, END_DATE: 30 and 7 days before
)

func TestTrackApply(t *testing.T) {
	r := newRecT(t)
	p := r.person("Ada", "Lovelace")
	opp := r.opp("Engines", p, r.milestoneID("Lead"), map[string]any{"owner": map[string]any{"id": 674199}})
	oid := id(t, opp)

	rs := r.do("POST", "/tracks", fmt.Sprintf(`{"track":{"definition":%d,"opportunity":%d,"trackDateOn":"2025-01-03"}}`, defSalesFollowUp, oid)).want(t, 201)
	tr := rs.obj(t, "track")
	path := fmt.Sprintf("/tracks/%d", id(t, tr))
	if loc := rs.header.Get("Location"); loc != r.srv.BaseURL+path {
		t.Errorf("Location %q", loc)
	}
	if got := strings.Join(sortedKeys(tr), ","); got != "description,direction,id,tasks,trackDateOn" {
		t.Errorf("track keys %s (write-only keys must not be echoed)", got)
	}
	if tr["description"] != "Sales follow-up" || tr["direction"] != "START_DATE" || tr["trackDateOn"] != "2025-01-03" {
		t.Errorf("track %v", tr)
	}
	stubs := tr["tasks"].([]any)
	if len(stubs) != 3 {
		t.Fatalf("tasks %v", stubs)
	}
	// 2025-01-03 is a Friday: +0 days, then 2 workdays later, then a week later.
	wantDue := []string{"2025-01-03", "2025-01-07", "2025-01-14"}
	wantDesc := []string{"Send introduction email", "Call to qualify", "Send proposal"}
	wantCat := []string{"Email", "Call", "Send"}
	var taskIDs []int64
	for i, s := range stubs {
		st := s.(map[string]any)
		if len(st) != 2 || st["description"] != wantDesc[i] {
			t.Errorf("stub %v", st)
		}
		taskIDs = append(taskIDs, id(t, st))
		task := r.get(fmt.Sprintf("/tasks/%d", id(t, st))).want(t, 200).obj(t, "task")
		if task["dueOn"] != wantDue[i] || task["hasTrack"] != true || task["status"] != "OPEN" ||
			task["category"].(map[string]any)["name"] != wantCat[i] || id(t, task["opportunity"].(map[string]any)) != oid ||
			task["party"] != nil || id(t, task["owner"].(map[string]any)) != 674199 {
			t.Errorf("task %d: %v", i, task)
		}
		next, _ := task["nextTask"].(map[string]any)
		if i < 2 && (next == nil || next["description"] != wantDesc[i+1] || len(next) != 2) {
			t.Errorf("task %d nextTask %v", i, task["nextTask"])
		}
		if i == 2 && task["nextTask"] != nil {
			t.Errorf("last nextTask %v", task["nextTask"])
		}
	}
	first := r.get(fmt.Sprintf("/tasks/%d", taskIDs[1])).obj(t, "task")
	if first["taskDelayRule"] != "LAST_TASK" || first["daysAfter"] != float64(2) || first["taskDayDelayRule"] != "TRACK_WORKDAYS" {
		t.Errorf("track rules %v", first)
	}
	full := r.get(fmt.Sprintf("/tasks/%d?embed=nextTask,opportunity", taskIDs[0])).obj(t, "task")
	if n := full["nextTask"].(map[string]any); n["dueOn"] != "2025-01-07" || n["hasTrack"] != true {
		t.Errorf("embedded nextTask %v", n)
	}
	if o := full["opportunity"].(map[string]any); o["milestone"] == nil || o["name"] != "Engines" {
		t.Errorf("embedded opportunity %v", o)
	}

	// embed=task (and Zestia's tasks) expands the tasks.
	for _, e := range []string{"task", "tasks"} {
		got := r.get(path+"?embed="+e).want(t, 200).obj(t, "track")["tasks"].([]any)
		if len(got) != 3 || got[2].(map[string]any)["dueOn"] != "2025-01-14" {
			t.Errorf("embed=%s: %v", e, got)
		}
	}
	// The definition's tag is added to the opportunity.
	tags := r.get(fmt.Sprintf("/opportunities/%d?embed=tags", oid)).obj(t, "opportunity")["tags"].([]any)
	if len(tags) != 1 || tags[0].(map[string]any)["name"] != "Follow-up" {
		t.Errorf("opportunity tags %v", tags)
	}
	if got := r.get(path).want(t, 200).obj(t, "track"); !reflect.DeepEqual(got, tr) {
		t.Errorf("show %v != created %v", got, tr)
	}
	rs = r.get(fmt.Sprintf("/opportunities/%d/tracks?embed=task", oid)).want(t, 200)
	if list := rs.list(t, "tracks"); len(list) != 1 || id(t, list[0]) != id(t, tr) || list[0]["tasks"].([]any)[0].(map[string]any)["dueOn"] == nil {
		t.Errorf("opportunity tracks %v", list)
	}
	r.get("/opportunities/999999999/tracks").want(t, 404)
	k := r.kase("Build", p)
	if list := r.get(fmt.Sprintf("/kases/%d/tracks", id(t, k))).want(t, 200).list(t, "tracks"); len(list) != 0 {
		t.Errorf("kase tracks %v", list)
	}
	// GET /tracks is not a route: 405.
	if rs := r.get("/tracks").want(t, 405); rs.message(t) != "Method not allowed" {
		t.Errorf("GET /tracks: %s", rs.raw)
	}

	// PUT changes description and trackDateOn only.
	u := r.do("PUT", path, `{"track":{"description":"Chase","trackDateOn":"2025-02-01","direction":"END_DATE","definition":22002}}`).want(t, 200).obj(t, "track")
	if u["description"] != "Chase" || u["trackDateOn"] != "2025-02-01" || u["direction"] != "START_DATE" || len(u["tasks"].([]any)) != 3 {
		t.Errorf("updated %v", u)
	}
	r.do("PUT", path, `{"task":{"description":"wrong envelope"}}`).want(t, 400)
	wantErrors(t, r.do("PUT", path, `{"track":{"trackDateOn":"soon"}}`), "trackDateOn is invalid|track|trackDateOn")
	wantErrors(t, r.do("PUT", path, `{"track":{"trackDateOn":null}}`), "trackDateOn is required|track|trackDateOn")
	r.do("PUT", "/tracks/1", `{"track":{}}`).want(t, 404)

	// Deleting the track deletes its tasks.
	other := r.do("POST", "/tasks", fmt.Sprintf(`{"task":{"description":"mine","dueOn":"2025-01-05","opportunity":{"id":%d}}}`, oid)).want(t, 201).obj(t, "task")
	r.do("DELETE", path, nil).want(t, 204)
	r.get(path).want(t, 404)
	for _, tid := range taskIDs {
		r.get(fmt.Sprintf("/tasks/%d", tid)).want(t, 404)
	}
	r.get(fmt.Sprintf("/tasks/%d", id(t, other))).want(t, 200)
	r.do("DELETE", path, nil).want(t, 404)
}

func TestTrackEndDateAndKase(t *testing.T) {
	r := newRecT(t)
	p := r.org("Acme")
	oid := id(t, r.opp("Renewal", p, r.milestoneID("Lead")))
	tr := r.create("/tracks", "track", map[string]any{"definition": map[string]any{"id": defRenewalCountdown}, "opportunity": map[string]any{"id": oid},
		"trackDateOn": "2025-06-30", "description": "Renew 2025"})
	if tr["direction"] != "END_DATE" || tr["description"] != "Renew 2025" {
		t.Errorf("track %v", tr)
	}
	var due []any
	for _, task := range r.get(fmt.Sprintf("/tracks/%d?embed=task", id(t, tr))).obj(t, "track")["tasks"].([]any) {
		due = append(due, task.(map[string]any)["dueOn"])
	}
	if !reflect.DeepEqual(due, []any{"2025-05-31", "2025-06-23"}) {
		t.Errorf("END_DATE due dates %v", due)
	}
	k := r.kase("Rollout", p)
	kt := r.create("/tracks", "track", map[string]any{"definition": defProjectKickOff, "kase": id(t, k), "trackDateOn": "2025-03-10"})
	tasks := r.get(fmt.Sprintf("/tracks/%d?embed=task", id(t, kt))).obj(t, "track")["tasks"].([]any)
	if len(tasks) != 2 || tasks[0].(map[string]any)["dueOn"] != "2025-03-11" || tasks[1].(map[string]any)["dueOn"] != "2025-03-14" ||
		id(t, tasks[0].(map[string]any)["kase"].(map[string]any)) != id(t, k) {
		t.Errorf("kase track tasks %v", tasks)
	}
	if list := r.get(fmt.Sprintf("/kases/%d/tracks", id(t, k))).list(t, "tracks"); len(list) != 1 {
		t.Errorf("kase tracks %v", list)
	}
	// Deleting the kase deletes its tasks.
	r.do("DELETE", fmt.Sprintf("/kases/%d", id(t, k)), nil).want(t, 204)
	r.get(fmt.Sprintf("/tasks/%d", id(t, tasks[0].(map[string]any)))).want(t, 404)
	r.get(fmt.Sprintf("/kases/%d/tracks", id(t, k))).want(t, 404)
}

func TestTrackValidation(t *testing.T) {
	r := newRecT(t)
	p := r.person("Grace", "Hopper")
	oid := id(t, r.opp("Compilers", p, r.milestoneID("Lead")))
	kid := id(t, r.kase("COBOL", p))
	tests := []struct {
		body string
		want []string
	}{
		{`{}`, []string{"trackDateOn is required|track|trackDateOn", "definition is required|track|definition", "opportunity or kase is required|track|opportunity"}},
		{fmt.Sprintf(`{"definition":%d,"trackDateOn":"2025-01-01"}`, defSalesFollowUp), []string{"opportunity or kase is required|track|opportunity"}},
		{fmt.Sprintf(`{"definition":%d,"opportunity":%d}`, defSalesFollowUp, oid), []string{"trackDateOn is required|track|trackDateOn"}},
		{fmt.Sprintf(`{"definition":1,"opportunity":%d,"trackDateOn":"2025-01-01"}`, oid), []string{"definition is invalid|track|definition"}},
		{fmt.Sprintf(`{"definition":"x","opportunity":%d,"trackDateOn":"2025-01-01"}`, oid), []string{"definition is invalid|track|definition"}},
		{fmt.Sprintf(`{"definition":%d,"opportunity":1,"trackDateOn":"2025-01-01"}`, defSalesFollowUp), []string{"opportunity is invalid|track|opportunity"}},
		{fmt.Sprintf(`{"definition":%d,"opportunity":%d,"kase":%d,"trackDateOn":"2025-01-01"}`, defSalesFollowUp, oid, kid),
			[]string{"track can be applied to only one of opportunity or kase|track|kase"}},
		{fmt.Sprintf(`{"definition":%d,"kase":%d,"trackDateOn":"2025-01-01"}`, defSalesFollowUp, kid), []string{"definition does not apply to kase|track|definition"}},
		{fmt.Sprintf(`{"definition":%d,"opportunity":{"id":%d},"trackDateOn":"2025-01-01"}`, defProjectKickOff, oid), []string{"definition does not apply to opportunity|track|definition"}},
		{fmt.Sprintf(`{"definition":%d,"opportunity":%d,"trackDateOn":"01/01/2025"}`, defSalesFollowUp, oid), []string{"trackDateOn is invalid|track|trackDateOn"}},
	}
	for _, tc := range tests {
		wantErrors(t, r.do("POST", "/tracks", `{"track":`+tc.body+`}`), tc.want...)
	}
	r.do("POST", "/tracks", `{"task":{}}`).want(t, 400)
	r.do("POST", "/tracks", `[]`).want(t, 400)
	if n := len(r.get(fmt.Sprintf("/opportunities/%d/tracks", oid)).list(t, "tracks")); n != 0 {
		t.Errorf("%d tracks stored by failed requests", n)
	}
	if n := len(r.get("/tasks").list(t, "tasks")); n != 0 {
		t.Errorf("%d tasks generated by failed requests", n)
	}
}

func TestTracksOnRecordCreate(t *testing.T) {
	r := newRecT(t)
	p := r.person("Alan", "Turing")
	opp := r.opp("Bombe", p, r.milestoneID("Lead"), map[string]any{
		"tracks": []any{defSalesFollowUp, map[string]any{"definition": map[string]any{"id": defRenewalCountdown}, "trackDateOn": "2025-12-31"}}})
	if _, ok := opp["tracks"]; ok {
		t.Error("tracks echoed on the opportunity")
	}
	list := r.get(fmt.Sprintf("/opportunities/%d/tracks", id(t, opp))).list(t, "tracks")
	if len(list) != 2 || list[0]["description"] != "Sales follow-up" || list[1]["trackDateOn"] != "2025-12-31" || len(list[1]["tasks"].([]any)) != 2 {
		t.Fatalf("tracks %v", list)
	}
	// The default track date is the creation day.
	if list[0]["trackDateOn"] != r.srv.Now().UTC().Format("2006-01-02") {
		t.Errorf("default trackDateOn %v", list[0]["trackDateOn"])
	}
	k := r.kase("Enigma", p, map[string]any{"tracks": []any{map[string]any{"definition": defProjectKickOff}}})
	if list := r.get(fmt.Sprintf("/kases/%d/tracks", id(t, k))).list(t, "tracks"); len(list) != 1 {
		t.Errorf("kase tracks %v", list)
	}
	// A bad tracks array rejects the whole create.
	before := len(r.get("/opportunities").list(t, "opportunities"))
	body := map[string]any{"name": "Bad", "party": map[string]any{"id": p}, "milestone": map[string]any{"id": r.milestoneID("Lead")}}
	for _, tracks := range []any{"x", []any{defProjectKickOff}, []any{map[string]any{"definition": 1}}, []any{map[string]any{"definition": defSalesFollowUp, "trackDateOn": "x"}}} {
		body["tracks"] = tracks
		r.do("POST", "/opportunities", map[string]any{"opportunity": body}).want(t, 422)
	}
	if after := len(r.get("/opportunities").list(t, "opportunities")); after != before {
		t.Errorf("opportunities %d -> %d after failed creates", before, after)
	}
	wantErrors(t, r.do("POST", "/kases", map[string]any{"kase": map[string]any{"name": "K", "party": map[string]any{"id": p}, "tracks": []any{defSalesFollowUp}}}),
		"tracks.definition does not apply to kase|kase|tracks.definition")
}
