package capsuletest_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/capsulecrm-go/capsule/capsuletest"
)

func TestPartyFilters(t *testing.T) {
	r := newRecT(t)
	day := func(d int) time.Time { return time.Date(2025, 3, d, 12, 0, 0, 0, time.UTC) }
	r.srv.SetNow(day(1))
	size := id(t, r.create("/parties/fields/definitions", "definition", map[string]any{"name": "Size", "type": "number"}))
	renew := id(t, r.create("/parties/fields/definitions", "definition", map[string]any{"name": "Renew", "type": "date"}))
	flag := id(t, r.create("/parties/fields/definitions", "definition", map[string]any{"name": "Flag", "type": "boolean"}))
	acme := id(t, r.create("/parties", "party", map[string]any{"type": "organisation", "name": "Acme Corp",
		"tags":   []any{map[string]any{"name": "VIP"}},
		"fields": []any{map[string]any{"definition": map[string]any{"id": size}, "value": 250}},
	}))
	r.srv.SetNow(day(10))
	ann := r.person("Ann", "Smith", map[string]any{
		"jobTitle": "CTO", "organisation": map[string]any{"id": acme},
		"emailAddresses": []any{map[string]any{"address": "ann@acme.test"}},
		"addresses":      []any{map[string]any{"city": "London", "zip": "SW1A 1AA", "country": "GB"}},
		"fields":         []any{map[string]any{"definition": map[string]any{"id": renew}, "value": "2025-03-20"}, map[string]any{"definition": map[string]any{"id": flag}, "value": true}},
	})
	r.srv.SetNow(day(14))
	bob := r.person("Bob", "Jones", map[string]any{
		"tags":         []any{map[string]any{"name": "Lead"}},
		"phoneNumbers": []any{map[string]any{"number": "+1 555 0100"}},
		"fields":       []any{map[string]any{"definition": map[string]any{"id": flag}, "value": false}},
	})
	vip := r.firstID("/parties/tags", "tags", func(m map[string]any) bool { return m["name"] == "VIP" })
	users := []int64{254633901, 254633902, 254633903, 254633904, 254633905}
	userIDs := func(extra ...int64) []int64 { return append(append([]int64{}, users...), extra...) }
	r.srv.SetNow(day(15))
	filter := func(conds ...any) resp {
		return r.do("POST", "/parties/filters/results", map[string]any{"filter": map[string]any{"conditions": conds}})
	}
	c := func(field, op string, v any) map[string]any {
		return map[string]any{"field": field, "operator": op, "value": v}
	}
	tests := []struct {
		name  string
		conds []any
		want  []int64
	}{
		{"no conditions", nil, userIDs(acme, ann, bob)},
		{"name is", []any{c("name", "is", "ann smith")}, []int64{ann}},
		{"name is not", []any{c("type", "is", "person"), c("name", "is not", "Ann Smith")}, userIDs(bob)},
		{"starts with", []any{c("name", "starts with", "acm")}, []int64{acme}},
		{"ends with", []any{c("email", "ends with", "@ACME.test")}, []int64{ann}},
		{"contains", []any{c("phone", "contains", "555")}, []int64{bob}},
		{"jobTitle", []any{c("jobTitle", "is", "CTO")}, []int64{ann}},
		{"city zip country", []any{c("city", "is", "london"), c("zip", "starts with", "SW1"), c("country", "is", "United Kingdom")}, []int64{ann}},
		{"type organisation", []any{c("type", "is", "organisation")}, []int64{acme}},
		{"id number", []any{c("id", "is", ann)}, []int64{ann}},
		{"id greater", []any{c("id", "is greater than", ann)}, []int64{bob}},
		{"tag by name", []any{c("tag", "is", "vip")}, []int64{acme}},
		{"tag by id", []any{c("tag", "is", vip)}, []int64{acme}},
		{"tag by id string", []any{c("tag", "is", fmt.Sprint(vip))}, []int64{acme}},
		{"tag is not", []any{c("tag", "is not", "VIP"), c("type", "is", "person"), c("hasTags", "is", true)}, []int64{bob}},
		{"org.name", []any{c("org.name", "contains", "acme")}, []int64{ann}},
		{"org.tag", []any{c("org.tag", "is", "VIP")}, []int64{ann}},
		{"org.custom", []any{c(fmt.Sprintf("org.custom:%d", size), "is greater than", 100)}, []int64{ann}},
		{"hasEmailAddress", []any{c("hasEmailAddress", "is", false), c("type", "is", "person"), c("hasPhoneNumber", "is", true)}, []int64{bob}},
		{"hasAddress", []any{c("hasAddress", "is", true)}, []int64{ann}},
		{"hasPeople", []any{c("hasPeople", "is", "true")}, []int64{acme}},
		{"hasTags false", []any{c("hasTags", "is", false), c("owner", "is", r.srv.CurrentUserID())}, []int64{users[0], ann}},
		{"custom number", []any{c(fmt.Sprintf("custom:%d", size), "is", "250")}, []int64{acme}},
		{"custom number less", []any{c(fmt.Sprintf("custom:%d", size), "is less than", 250)}, nil},
		{"custom boolean", []any{c(fmt.Sprintf("custom:%d", flag), "is", false)}, []int64{bob}},
		{"custom date after", []any{c(fmt.Sprintf("custom:%d", renew), "is after", "2025-03-19")}, []int64{ann}},
		{"custom date within next", []any{c(fmt.Sprintf("custom:%d", renew), "is within next", 5)}, []int64{ann}},
		{"custom date within next short", []any{c(fmt.Sprintf("custom:%d", renew), "is within next", 4)}, nil},
		{"custom null", []any{c(fmt.Sprintf("custom:%d", flag), "is", nil), c("type", "is", "person")}, users},
		{"addedOn is", []any{c("addedOn", "is", "2025-03-10")}, []int64{ann}},
		{"addedOn before", []any{c("addedOn", "is before", "2025-03-10"), c("type", "is", "organisation")}, []int64{acme}},
		{"addedOn within last 1", []any{c("addedOn", "is within last", 1)}, []int64{bob}},
		{"addedOn within last 5", []any{c("addedOn", "is within last", 5)}, []int64{ann, bob}},
		{"addedOn older than 7", []any{c("addedOn", "is older than", 7), c("type", "is", "organisation")}, []int64{acme}},
		{"updatedOn", []any{c("updatedOn", "is after", "2025-03-12")}, []int64{bob}},
		{"lastContactedOn null", []any{c("lastContactedOn", "is not", nil)}, nil},
		{"AND of conditions", []any{c("type", "is", "person"), c("addedOn", "is within last", 5), c("tag", "is", "Lead")}, []int64{bob}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := ids(t, filter(tc.conds...).want(t, 200).list(t, "parties"))
			if jsonStr(got) != jsonStr(append([]int64{}, tc.want...)) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
	bad := []struct {
		cond any
		msg  string
	}{
		{c("createdAt", "is", "2025-01-01"), "invalid field name"},
		{c("nope", "is", "x"), "invalid field name"},
		{c("custom:999", "is", "x"), "invalid field name"},
		{c("custom:abc", "is", "x"), "invalid field name"},
		{"name", "invalid field name"},
		{c("name", "is greater than", 3), "invalid operator"},
		{c("name", "resembles", "x"), "invalid operator"},
		{c("addedOn", "contains", "x"), "invalid operator"},
		{c("addedOn", "is within last", "soon"), "invalid value"},
		{c("addedOn", "is after", "yesterday"), "invalid value"},
		{c("id", "is", "abc"), "invalid value"},
		{c("hasTags", "is", "maybe"), "invalid value"},
		{c("name", "contains", nil), "invalid value"},
	}
	for _, tc := range bad {
		wantErrors(t, filter(tc.cond), tc.msg+"|filter|conditions")
	}
	wantErrors(t, r.do("POST", "/parties/filters/results", `{"filter":{"conditions":{}}}`), "conditions is invalid|filter|conditions")
	r.do("POST", "/parties/filters/results", `{"conditions":[]}`).want(t, 400)
	// paged like lists; embed honoured; orderBy accepted
	rs := r.do("POST", "/parties/filters/results?perPage=2&embed=tags", `{"filter":{"conditions":[],"orderBy":[{"field":"name","direction":"ascending"}]}}`).want(t, 200)
	items := rs.list(t, "parties")
	link := rs.header.Get("Link")
	if len(items) != 2 || items[0]["tags"] == nil || !strings.Contains(link, "/parties/filters/results?") || !strings.Contains(link, "page=2") {
		t.Errorf("paged filter %s %q", rs.raw, link)
	}
	// a read: allowed for read-only tokens
	r.srv.AddToken("ro", true)
	if rs := req(t, r.srv, "POST", "/parties/filters/results", "ro", `{"filter":{}}`); rs.status != 200 {
		t.Errorf("read-only token: %d", rs.status)
	}
	if rs := req(t, r.srv, "POST", "/parties", "ro", `{"party":{"type":"person","firstName":"x"}}`); rs.status != 403 {
		t.Errorf("read-only create: %d", rs.status)
	}
}

func TestOpportunityAndKaseFilters(t *testing.T) {
	r := newRecT(t)
	r.srv.SetNow(time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC))
	pid := r.person("F", "F")
	other := r.srv.CurrentUserID() + 1
	src := id(t, r.create("/opportunities/fields/definitions", "definition", map[string]any{"name": "Source", "type": "list", "options": []any{"Web", "Event"}}))
	open := id(t, r.opp("Open deal", pid, r.milestoneID("Proposal"), map[string]any{
		"value": map[string]any{"amount": 1000, "currency": "USD"}, "expectedCloseOn": "2025-04-10",
		"tags":   []any{map[string]any{"name": "Hot"}},
		"fields": []any{map[string]any{"definition": map[string]any{"id": src}, "value": "Web"}},
	}))
	won := id(t, r.opp("Won deal", pid, r.milestoneID("Won"), map[string]any{"value": map[string]any{"amount": 50, "currency": "GBP"}, "owner": map[string]any{"id": other}}))
	lost := id(t, r.opp("Lost deal", pid, r.milestoneID("Lost")))
	pipeline := r.firstID("/pipelines", "pipelines", nil)
	c := func(field, op string, v any) map[string]any {
		return map[string]any{"field": field, "operator": op, "value": v}
	}
	otests := []struct {
		cond map[string]any
		want []int64
	}{
		{c("status", "is", "Won"), []int64{won}},
		{c("status", "is not", "open"), []int64{won, lost}},
		{c("isOpen", "is", true), []int64{open}},
		{c("milestone", "is", "proposal"), []int64{open}},
		{c("pipeline", "is", pipeline), []int64{open, won, lost}},
		{c("pipeline", "is", "Partnerships"), nil},
		{c("probability", "is greater than", 40), []int64{open, won}},
		{c("currency", "is", "usd"), []int64{open}},
		{c("expectedValue", "is greater than", 100), []int64{open}},
		{c("isOwnedByMe", "is", false), []int64{won}},
		{c("owner", "is", other), []int64{won}},
		{c("tag", "is", "HOT"), []int64{open}},
		{c("closedOn", "is", "2025-04-01"), []int64{won, lost}},
		{c("expectedCloseOn", "is within next", 10), []int64{open}},
		{c("isStale", "is", false), []int64{open, won, lost}},
		{c(fmt.Sprintf("custom:%d", src), "is", "Web"), []int64{open}},
		{c("name", "contains", "deal"), []int64{open, won, lost}},
	}
	for _, tc := range otests {
		rs := r.do("POST", "/opportunities/filters/results", map[string]any{"filter": map[string]any{"conditions": []any{tc.cond}}}).want(t, 200)
		if got := ids(t, rs.list(t, "opportunities")); jsonStr(got) != jsonStr(append([]int64{}, tc.want...)) {
			t.Errorf("%v: got %v, want %v", tc.cond, got, tc.want)
		}
	}
	r.srv.Advance(40 * 24 * time.Hour) // Proposal goes stale after 30 days
	rs := r.do("POST", "/opportunities/filters/results", `{"filter":{"conditions":[{"field":"isStale","operator":"is","value":true}]}}`).want(t, 200)
	if got := ids(t, rs.list(t, "opportunities")); jsonStr(got) != jsonStr([]int64{open}) {
		t.Errorf("isStale: %v", got)
	}
	wantErrors(t, r.do("POST", "/opportunities/filters/results", `{"filter":{"conditions":[{"field":"board","operator":"is","value":1}]}}`), "invalid field name|filter|conditions")

	planning := r.firstID("/stages", "stages", func(s map[string]any) bool { return s["name"] == "Planning" })
	board := r.firstID("/boards", "boards", nil)
	k1 := id(t, r.kase("Alpha", pid, map[string]any{"stage": planning, "tags": []any{map[string]any{"name": "Urgent"}}}))
	k2 := id(t, r.kase("Beta", pid, map[string]any{"status": "CLOSED", "team": map[string]any{"id": 4001}}))
	ktests := []struct {
		cond map[string]any
		want []int64
	}{
		{c("status", "is", "closed"), []int64{k2}},
		{c("isOpen", "is", true), []int64{k1}},
		{c("stage", "is", "Planning"), []int64{k1}},
		{c("stage", "is", planning), []int64{k1}},
		{c("board", "is", board), []int64{k1}},
		{c("board", "is", "client projects"), []int64{k1}},
		{c("team", "is", 4001), []int64{k2}},
		{c("tag", "is", "urgent"), []int64{k1}},
		{c("isOwnedByMe", "is", true), []int64{k1, k2}},
		{c("closedOn", "is within last", 0), []int64{k2}},
	}
	for _, tc := range ktests {
		rs := r.do("POST", "/kases/filters/results", map[string]any{"filter": map[string]any{"conditions": []any{tc.cond}}}).want(t, 200)
		if got := ids(t, rs.list(t, "kases")); jsonStr(got) != jsonStr(append([]int64{}, tc.want...)) {
			t.Errorf("%v: got %v, want %v", tc.cond, got, tc.want)
		}
	}
	wantErrors(t, r.do("POST", "/kases/filters/results", `{"filter":{"conditions":[{"field":"milestone","operator":"is","value":"x"}]}}`), "invalid field name|filter|conditions")
}

func TestSeedScaleAndDeterminism(t *testing.T) {
	r := newRecT(t, capsuletest.WithSeed(100))
	rs := r.get("/parties?perPage=100").want(t, 200)
	parties := rs.list(t, "parties")
	if len(parties) != 100 || !strings.Contains(rs.header.Get("Link"), `rel="next"`) {
		t.Fatalf("%d parties, Link %q", len(parties), rs.header.Get("Link"))
	}
	rest := r.get("/parties?perPage=100&page=2").list(t, "parties")
	all := append(parties, rest...)
	if len(all) != 105 {
		t.Errorf("%d parties, want 100 + 5 user parties", len(all))
	}
	people, orgs, linked := 0, 0, 0
	for _, p := range all {
		if p["type"] == "person" {
			people++
			if p["organisation"] != nil {
				linked++
			}
		} else {
			orgs++
		}
	}
	if orgs != 30 || people != 75 || linked < 40 {
		t.Errorf("people %d, organisations %d, linked %d", people, orgs, linked)
	}
	// users' parties exist with the ids of the users' party stubs
	for _, u := range r.get("/users").list(t, "users") {
		pid := id(t, u["party"].(map[string]any))
		p := r.get(fmt.Sprintf("/parties/%d", pid)).want(t, 200).obj(t, "party")
		if p["pictureURL"] != u["party"].(map[string]any)["pictureURL"] || p["firstName"] != u["party"].(map[string]any)["firstName"] {
			t.Errorf("user party %v vs stub %v", p, u["party"])
		}
	}
	opps := r.get("/opportunities?perPage=100").list(t, "opportunities")
	kases := r.get("/kases?perPage=100").list(t, "kases")
	if len(opps) != 50 || len(kases) != 25 {
		t.Errorf("%d opportunities, %d kases", len(opps), len(kases))
	}
	statuses := map[string]int{}
	pipelines := map[any]bool{}
	for _, o := range r.get("/opportunities?perPage=100&embed=milestone").list(t, "opportunities") {
		m := o["milestone"].(map[string]any)
		pipelines[m["pipeline"].(map[string]any)["id"]] = true
		switch {
		case m["complete"] == false:
			statuses["open"]++
		case o["lostReason"] != nil:
			statuses["lost"]++
		case m["probability"] == float64(100):
			statuses["won"]++
		}
	}
	if statuses["open"] == 0 || statuses["won"] == 0 || statuses["lost"] == 0 || len(pipelines) != 2 {
		t.Errorf("statuses %v, pipelines %v", statuses, pipelines)
	}
	// every field type has values on parties; a data tag field carries tagId
	types := map[string]bool{}
	defTypes := map[float64]string{}
	for _, d := range r.get("/parties/fields/definitions").list(t, "definitions") {
		defTypes[d["id"].(float64)] = d["type"].(string)
	}
	tagged := false
	for _, p := range r.get("/parties?perPage=100&embed=fields,tags").list(t, "parties") {
		for _, f := range p["fields"].([]any) {
			fv := f.(map[string]any)
			types[defTypes[fv["definition"].(map[string]any)["id"].(float64)]] = true
			tagged = tagged || fv["tagId"] != nil
		}
	}
	if len(types) != 6 || !tagged {
		t.Errorf("field types with values %v, tagId seen %v", types, tagged)
	}
	for path, key := range map[string]string{"/opportunities/fields/definitions": "definitions", "/kases/fields/definitions": "definitions",
		"/kases/tags": "tags", "/parties/tags": "tags", "/opportunities/tags": "tags"} {
		if len(r.get(path).want(t, 200).list(t, key)) == 0 {
			t.Errorf("%s empty", path)
		}
	}
	// a milestone used by a seeded opportunity cannot be deleted
	used := id(t, opps[0]["milestone"].(map[string]any))
	r.do("DELETE", fmt.Sprintf("/milestones/%d", used), nil).want(t, 422)

	// same n, same bytes
	dump := func(srv *capsuletest.Server) string {
		var b strings.Builder
		for _, path := range []string{"/parties?perPage=100&embed=tags,fields", "/parties?perPage=100&page=2&embed=tags,fields",
			"/opportunities?perPage=100&embed=tags,fields", "/kases?perPage=100&embed=tags,fields",
			"/parties/fields/definitions", "/opportunities/tags", "/kases/fields/definitions"} {
			b.Write(req(t, srv, "GET", path, srv.Token, nil).want(t, 200).raw)
		}
		return b.String()
	}
	a, b := dump(r.srv), dump(newServer(t, capsuletest.WithSeed(100)))
	if a != b {
		t.Error("seed data differs between two servers with the same n")
	}
	if c := dump(newServer(t, capsuletest.WithSeed(99))); c == a {
		t.Error("different n gave the same data")
	}
}

func TestSeedZero(t *testing.T) {
	r := newRecT(t)
	if n := len(r.get("/parties").list(t, "parties")); n != 5 {
		t.Errorf("%d parties without seed, want the 5 user parties", n)
	}
	for _, path := range []string{"/opportunities", "/kases", "/parties/tags", "/parties/fields/definitions"} {
		rs := r.get(path).want(t, 200)
		for _, v := range rs.body {
			if jsonStr(v) != "[]" {
				t.Errorf("%s: %s", path, rs.raw)
			}
		}
	}
}
