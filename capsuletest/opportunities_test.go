package capsuletest_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestOpportunityCreateShape(t *testing.T) {
	r := newRecT(t)
	r.srv.SetNow(time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC))
	pid := r.org("Acme")
	meeting := r.milestoneID("Meeting")
	rs := r.do("POST", "/opportunities", map[string]any{"opportunity": map[string]any{
		"name": "Consulting", "party": map[string]any{"id": pid}, "milestone": map[string]any{"id": meeting},
		"value": map[string]any{"amount": 500.5, "currency": "EUR"}, "expectedCloseOn": "2025-10-31",
		"closedOn": "2020-01-01", "lastOpenMilestone": map[string]any{"id": meeting}, // read-only
	}}).want(t, 201)
	o := rs.obj(t, "opportunity")
	oid := id(t, o)
	if rs.header.Get("Location") != fmt.Sprintf("%s/opportunities/%d", r.srv.BaseURL, oid) {
		t.Errorf("Location %q", rs.header.Get("Location"))
	}
	want := "closedOn,createdAt,description,duration,durationBasis,expectedCloseOn,id,lastContactedAt,lastOpenMilestone,lastStageChangedAt,lostReason,milestone,name,owner,party,probability,team,updatedAt,value"
	if got := keysOf(o); got != want {
		t.Errorf("keys %s\nwant %s", got, want)
	}
	checks := map[string]string{
		"milestone":         fmt.Sprintf(`{"id":%d,"name":"Meeting"}`, meeting),
		"probability":       "25",
		"value":             `{"amount":500.5,"currency":"EUR"}`,
		"closedOn":          "null",
		"lastOpenMilestone": "null",
		"durationBasis":     `"FIXED"`,
		"duration":          "null",
		"party":             fmt.Sprintf(`{"id":%d,"name":"Acme","pictureURL":%s,"type":"organisation"}`, pid, jsonStr(o["party"].(map[string]any)["pictureURL"])),
	}
	for k, v := range checks {
		if jsonStr(o[k]) != v {
			t.Errorf("%s = %s, want %s", k, jsonStr(o[k]), v)
		}
	}
	if o["owner"].(map[string]any)["id"] != float64(r.srv.CurrentUserID()) {
		t.Errorf("owner %v", o["owner"])
	}
	// embeds: party and milestone in full
	full := r.get(fmt.Sprintf("/opportunities/%d?embed=party,milestone,tags,fields,missingImportantFields", oid)).obj(t, "opportunity")
	if full["party"].(map[string]any)["websites"] == nil || full["milestone"].(map[string]any)["pipeline"] == nil ||
		full["tags"] == nil || full["fields"] == nil || full["missingImportantFields"] != false {
		t.Errorf("embedded %v", full)
	}
	// value without currency takes the user's currency
	o2 := r.opp("Second", pid, meeting, map[string]any{"value": map[string]any{"amount": 10}})
	if jsonStr(o2["value"]) != `{"amount":10,"currency":"GBP"}` {
		t.Errorf("default currency %v", o2["value"])
	}
}

func TestOpportunityValidation(t *testing.T) {
	r := newRecT(t)
	pid := r.person("A", "B")
	lead := r.milestoneID("Lead")
	base := fmt.Sprintf(`"name":"N","party":{"id":%d},"milestone":{"id":%d}`, pid, lead)
	tests := []struct {
		body string
		want []string
	}{
		{`{}`, []string{"name is required|opportunity|name"}},
		{fmt.Sprintf(`{"name":"N","milestone":{"id":%d}}`, lead), []string{"party is required|opportunity|party"}},
		{fmt.Sprintf(`{"name":"N","party":null,"milestone":{"id":%d}}`, lead), []string{"party is required|opportunity|party"}},
		{fmt.Sprintf(`{"name":"N","party":{"id":%d}}`, pid), []string{"milestone is required|opportunity|milestone"}},
		{fmt.Sprintf(`{"name":"N","party":{"id":1},"milestone":{"id":%d}}`, lead), []string{"party is invalid|opportunity|party"}},
		{fmt.Sprintf(`{"name":"N","party":{"id":%d},"milestone":{"id":1}}`, pid), []string{"milestone is invalid|opportunity|milestone"}},
		{`{` + base + `,"durationBasis":"FIXED","duration":3}`, []string{"duration must be null when durationBasis is FIXED|opportunity|duration"}},
		{`{` + base + `,"durationBasis":"FORTNIGHT"}`, []string{"durationBasis is invalid|opportunity|durationBasis"}},
		{`{` + base + `,"probability":101}`, []string{"probability must be between 0 and 100|opportunity|probability"}},
		{`{` + base + `,"value":{"amount":5,"currency":"XXX"}}`, []string{"value.currency is invalid|opportunity|value.currency"}},
		{`{` + base + `,"value":{"amount":"lots","currency":"GBP"}}`, []string{"value.amount is invalid|opportunity|value.amount"}},
		{`{` + base + `,"expectedCloseOn":"31/10/2025"}`, []string{"expectedCloseOn is invalid|opportunity|expectedCloseOn"}},
		{`{` + base + `,"owner":null}`, []string{"owner or team is required|opportunity|owner"}},
		{`{` + base + `,"lostReason":{"id":99}}`, []string{"lostReason is invalid|opportunity|lostReason"}},
	}
	for _, tc := range tests {
		t.Run(tc.body, func(t *testing.T) {
			wantErrors(t, r.do("POST", "/opportunities", `{"opportunity":`+tc.body+`}`), tc.want...)
		})
	}
	o := r.opp("Ok", pid, lead, map[string]any{"durationBasis": "MONTH", "duration": 12})
	path := fmt.Sprintf("/opportunities/%d", id(t, o))
	wantErrors(t, r.do("PUT", path, `{"opportunity":{"party":null}}`), "party is required|opportunity|party")
	wantErrors(t, r.do("PUT", path, `{"opportunity":{"durationBasis":"FIXED"}}`), "duration must be null when durationBasis is FIXED|opportunity|duration")
	if u := r.update(path, "opportunity", map[string]any{"durationBasis": "FIXED", "duration": nil}); u["duration"] != nil {
		t.Errorf("duration %v", u["duration"])
	}
}

func TestOpportunityMilestoneRules(t *testing.T) {
	r := newRecT(t)
	r.srv.SetNow(time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC))
	pid := r.person("A", "B")
	o := r.opp("Deal", pid, r.milestoneID("Proposal"))
	path := fmt.Sprintf("/opportunities/%d", id(t, o))
	if o["probability"] != float64(50) || o["lastStageChangedAt"] != "2025-06-02T09:00:00Z" {
		t.Fatalf("defaults %v", o)
	}
	// probability editable while open; a milestone change without probability resets it
	if u := r.update(path, "opportunity", map[string]any{"probability": 65}); u["probability"] != float64(65) {
		t.Errorf("probability %v", u["probability"])
	}
	r.srv.Advance(24 * time.Hour)
	u := r.update(path, "opportunity", map[string]any{"milestone": map[string]any{"id": r.milestoneID("Negotiation")}})
	if u["probability"] != float64(75) || u["lastStageChangedAt"] != "2025-06-03T09:00:00Z" {
		t.Errorf("after move %v", u)
	}
	// closing: closedOn, lastOpenMilestone, probability 100
	r.srv.Advance(24 * time.Hour)
	won := r.milestoneID("Won")
	u = r.update(path, "opportunity", map[string]any{"milestone": map[string]any{"id": won}})
	if u["closedOn"] != "2025-06-04" || u["probability"] != float64(100) || u["lastOpenMilestone"].(map[string]any)["name"] != "Negotiation" {
		t.Errorf("closed %v", u)
	}
	rs := r.do("PUT", path, `{"opportunity":{"probability":40}}`)
	wantErrors(t, rs, "probability can be updated only for open opportunity|opportunity|probability")
	// lost with a reason
	reason := r.firstID("/lostreasons", "lostReasons", nil)
	u = r.update(path, "opportunity", map[string]any{"milestone": map[string]any{"id": r.milestoneID("Lost")}, "lostReason": map[string]any{"id": reason}})
	if u["probability"] != float64(0) || u["lostReason"].(map[string]any)["id"] != float64(reason) || u["lastOpenMilestone"].(map[string]any)["name"] != "Negotiation" {
		t.Errorf("lost %v", u)
	}
	// reopen
	u = r.update(path, "opportunity", map[string]any{"milestone": map[string]any{"id": r.milestoneID("Lead")}, "probability": 15})
	if u["closedOn"] != nil || u["probability"] != float64(15) || u["lostReason"] != nil || u["lastOpenMilestone"] != nil {
		t.Errorf("reopened %v", u)
	}
	// a milestone in use cannot be deleted
	wantErrors(t, r.do("DELETE", fmt.Sprintf("/milestones/%d", r.milestoneID("Lead")), nil), "milestone is in use by opportunities|milestone|id")
	r.do("DELETE", fmt.Sprintf("/milestones/%d", r.milestoneID("Meeting")), nil).want(t, 204)
}

func TestOpportunityAdditionalParties(t *testing.T) {
	r := newRecT(t)
	main, other, third := r.person("M", "M"), r.person("O", "O"), r.person("T", "T")
	o := r.opp("Deal", main, r.milestoneID("Lead"))
	base := fmt.Sprintf("/opportunities/%d/parties", id(t, o))
	rs := r.do("POST", fmt.Sprintf("%s/%d", base, other), nil).want(t, 204)
	if len(rs.raw) != 0 {
		t.Errorf("204 body %s", rs.raw)
	}
	r.do("POST", fmt.Sprintf("%s/%d", base, third), nil).want(t, 204)
	wantErrors(t, r.do("POST", fmt.Sprintf("%s/%d", base, other), nil), "party is already a contact for this opportunity|opportunity|parties")
	wantErrors(t, r.do("POST", fmt.Sprintf("%s/%d", base, main), nil), "party is already related to this opportunity|opportunity|parties")
	r.do("POST", fmt.Sprintf("%s/%d", base, 1), nil).want(t, 404)
	r.do("POST", "/opportunities/1/parties/"+fmt.Sprint(other), nil).want(t, 404)
	rs = r.get(base+"?perPage=1").want(t, 200)
	if got := ids(t, rs.list(t, "parties")); len(got) != 1 || got[0] != other || !strings.Contains(rs.header.Get("Link"), `rel="next"`) {
		t.Errorf("additional parties %v %v", got, rs.header)
	}
	r.do("DELETE", fmt.Sprintf("%s/%d", base, other), nil).want(t, 204)
	r.do("DELETE", fmt.Sprintf("%s/%d", base, other), nil).want(t, 404)
	// deleting a party removes its links
	r.do("DELETE", fmt.Sprintf("/parties/%d", third), nil).want(t, 204)
	if got := r.get(base).list(t, "parties"); len(got) != 0 {
		t.Errorf("after party delete %v", got)
	}
}

func TestOpportunityListsAndCascade(t *testing.T) {
	r := newRecT(t)
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	r.srv.SetNow(t0)
	p, q := r.person("P", "P"), r.person("Q", "Q")
	lead := r.milestoneID("Lead")
	o1 := id(t, r.opp("One", p, lead))
	o2 := id(t, r.opp("Two", p, lead))
	o3 := id(t, r.opp("Three", q, lead))
	k1 := id(t, r.kase("K1", p, map[string]any{"opportunity": map[string]any{"id": o3}}))
	k2 := id(t, r.kase("K2", q))
	// by party, paged
	rs := r.get(fmt.Sprintf("/parties/%d/opportunities?perPage=1&page=2", p)).want(t, 200)
	if got := ids(t, rs.list(t, "opportunities")); jsonStr(got) != jsonStr([]int64{o2}) || !strings.Contains(rs.header.Get("Link"), `rel="prev"`) {
		t.Errorf("party opportunities %v %v", got, rs.header)
	}
	r.get("/parties/1/opportunities").want(t, 404)
	if got := ids(t, r.get(fmt.Sprintf("/parties/%d/kases", p)).list(t, "kases")); jsonStr(got) != jsonStr([]int64{k1}) {
		t.Errorf("party kases %v", got)
	}
	if got := ids(t, r.get(fmt.Sprintf("/opportunities/%d/kases", o3)).list(t, "kases")); jsonStr(got) != jsonStr([]int64{k1}) {
		t.Errorf("opportunity kases %v", got)
	}
	r.get("/opportunities/1/kases").want(t, 404)
	// show multiple and search
	if got := ids(t, r.get(fmt.Sprintf("/opportunities/%d,%d", o3, o1)).list(t, "opportunities")); jsonStr(got) != jsonStr([]int64{o3, o1}) {
		t.Errorf("multiple %v", got)
	}
	r.get(fmt.Sprintf("/opportunities/%d,%d", o1, k1)).want(t, 404)
	if got := ids(t, r.get("/opportunities/search?q=tw").list(t, "opportunities")); jsonStr(got) != jsonStr([]int64{o2}) {
		t.Errorf("search %v", got)
	}
	// delete party q: cascades to o3 and k2; k1 loses its opportunity
	r.srv.Advance(time.Hour)
	r.do("DELETE", fmt.Sprintf("/parties/%d", q), nil).want(t, 204)
	r.get(fmt.Sprintf("/opportunities/%d", o3)).want(t, 404)
	r.get(fmt.Sprintf("/kases/%d", k2)).want(t, 404)
	if k := r.get(fmt.Sprintf("/kases/%d", k1)).obj(t, "kase"); k["opportunity"] != nil {
		t.Errorf("kase opportunity after delete %v", k["opportunity"])
	}
	since := "?since=" + t0.Format(time.RFC3339)
	if got := r.get("/opportunities/deleted"+since).want(t, 200); string(got.raw) != fmt.Sprintf(`{"opportunities":[{"deletedAt":"2025-01-01T01:00:00Z","id":%d}]}`, o3) {
		t.Errorf("opportunities deleted %s", got.raw)
	}
	if got := r.get("/kases/deleted"+since).want(t, 200); string(got.raw) != fmt.Sprintf(`{"kases":[{"deletedAt":"2025-01-01T01:00:00Z","id":%d}]}`, k2) {
		t.Errorf("kases deleted %s", got.raw)
	}
	wantErrors(t, r.get("/opportunities/deleted"), "since is required|opportunity|since")
	wantErrors(t, r.get("/kases/deleted"), "since is required|kase|since")
	if got := r.get("/opportunities"+since).list(t, "opportunities"); len(got) != 0 {
		t.Errorf("since is strictly after: %v", got)
	}
	if got := ids(t, r.get("/opportunities?since="+t0.Add(-time.Second).Format(time.RFC3339)).list(t, "opportunities")); jsonStr(got) != jsonStr([]int64{o1, o2}) {
		t.Errorf("since list %v", got)
	}
}

func TestKaseRules(t *testing.T) {
	r := newRecT(t)
	r.srv.SetNow(time.Date(2025, 7, 1, 8, 0, 0, 0, time.UTC))
	pid := r.person("K", "K")
	stage := r.firstID("/stages", "stages", func(s map[string]any) bool { return s["name"] == "Planning" })
	rs := r.do("POST", "/kases", map[string]any{"kase": map[string]any{"name": "Research", "party": map[string]any{"id": pid}, "stage": stage,
		"description": "d", "expectedCloseOn": "2025-12-09", "closedOn": "2000-01-01"}}).want(t, 201)
	k := rs.obj(t, "kase")
	kid := id(t, k)
	if rs.header.Get("Location") != fmt.Sprintf("%s/kases/%d", r.srv.BaseURL, kid) {
		t.Errorf("Location %q", rs.header.Get("Location"))
	}
	want := "closedOn,createdAt,description,expectedCloseOn,id,lastContactedAt,name,opportunity,owner,party,stage,startOn,status,team,updatedAt"
	if keysOf(k) != want || k["status"] != "OPEN" || k["closedOn"] != nil || jsonStr(k["stage"]) != fmt.Sprintf(`{"id":%d,"name":"Planning"}`, stage) {
		t.Errorf("kase %v", k)
	}
	path := fmt.Sprintf("/kases/%d", kid)
	// stage as {id}; team with the owner as member; PUT with owner only clears team
	k = r.update(path, "kase", map[string]any{"stage": map[string]any{"id": stage + 1}, "team": map[string]any{"id": 4001}})
	if k["stage"].(map[string]any)["id"] != float64(stage+1) || k["team"] == nil {
		t.Errorf("stage/team %v", k)
	}
	k = r.update(path, "kase", map[string]any{"owner": map[string]any{"id": r.srv.CurrentUserID()}})
	if k["team"] != nil || k["owner"] == nil {
		t.Errorf("owner without team keeps team: %v", k)
	}
	wantErrors(t, r.do("PUT", path, `{"kase":{"owner":null}}`), "owner or team is required|kase|owner")
	wantErrors(t, r.do("PUT", path, `{"kase":{"team":{"id":4002}}}`), "owner is not a member of the team|kase|owner")
	if k = r.update(path, "kase", map[string]any{"owner": nil, "team": map[string]any{"id": 4002}}); k["owner"] != nil {
		t.Errorf("team only %v", k)
	}
	// closing sets closedOn; a stage used by an open kase cannot be deleted
	stagePath := fmt.Sprintf("/stages/%d", stage+1)
	wantErrors(t, r.do("DELETE", stagePath, nil), "stage is in use by open projects|stage|id")
	k = r.update(path, "kase", map[string]any{"status": "CLOSED"})
	if k["closedOn"] != "2025-07-01" {
		t.Errorf("closed %v", k)
	}
	r.do("DELETE", stagePath, nil).want(t, 204)
	if k = r.update(path, "kase", map[string]any{"status": "OPEN"}); k["closedOn"] != nil {
		t.Errorf("reopened %v", k)
	}
	// validation
	tests := []struct {
		body string
		want []string
	}{
		{`{}`, []string{"name is required|kase|name"}},
		{`{"name":"x"}`, []string{"party is required|kase|party"}},
		{fmt.Sprintf(`{"name":"x","party":{"id":%d},"owner":null}`, pid), []string{"owner or team is required|kase|owner"}},
		{fmt.Sprintf(`{"name":"x","party":{"id":%d},"stage":"Planning"}`, pid), []string{"stage is invalid|kase|stage"}},
		{fmt.Sprintf(`{"name":"x","party":{"id":%d},"status":"DONE"}`, pid), []string{"status is invalid|kase|status"}},
		{fmt.Sprintf(`{"name":"x","party":{"id":%d},"opportunity":{"id":3}}`, pid), []string{"opportunity is invalid|kase|opportunity"}},
	}
	for _, tc := range tests {
		wantErrors(t, r.do("POST", "/kases", `{"kase":`+tc.body+`}`), tc.want...)
	}
	// embed opportunity and party
	o := r.opp("Deal", pid, r.milestoneID("Lead"))
	k = r.update(path+"?embed=opportunity,party", "kase", map[string]any{"opportunity": map[string]any{"id": id(t, o)}})
	if k["opportunity"].(map[string]any)["milestone"] == nil || k["party"].(map[string]any)["createdAt"] == nil {
		t.Errorf("embeds %v", k)
	}
	if k = r.get(path).obj(t, "kase"); jsonStr(k["opportunity"]) != fmt.Sprintf(`{"id":%d,"name":"Deal"}`, id(t, o)) {
		t.Errorf("opportunity stub %v", k["opportunity"])
	}
	// additional parties of kases
	other := r.person("O", "O")
	r.do("POST", fmt.Sprintf("%s/parties/%d", path, other), nil).want(t, 204)
	wantErrors(t, r.do("POST", fmt.Sprintf("%s/parties/%d", path, other), nil), "party is already a contact for this kase|kase|parties")
	wantErrors(t, r.do("POST", fmt.Sprintf("%s/parties/%d", path, pid), nil), "party is already related to this kase|kase|parties")
	if got := ids(t, r.get(path+"/parties").list(t, "parties")); jsonStr(got) != jsonStr([]int64{other}) {
		t.Errorf("kase parties %v", got)
	}
	r.do("DELETE", fmt.Sprintf("%s/parties/%d", path, other), nil).want(t, 204)
	r.do("DELETE", path, nil).want(t, 204)
	r.do("DELETE", path, nil).want(t, 404)
}
