package capsuletest_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// restrictedWorld is a small account for the restricted-record tests: an
// organisation with a person, an opportunity (with the person as an
// additional party) and a kase on that opportunity, and a second token of
// the same user, "other".
type restrictedWorld struct {
	*recT
	t0                time.Time
	acme, ann         int64
	opp, kase, annOpp int64
}

func newRestrictedWorld(t *testing.T) *restrictedWorld {
	t.Helper()
	r := newRecT(t)
	t0 := time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)
	r.srv.SetNow(t0)
	r.srv.AddToken("other", false)
	w := &restrictedWorld{recT: r, t0: t0}
	w.acme = r.org("Acme")
	w.ann = r.person("Ann", "Smith", map[string]any{"organisation": map[string]any{"id": w.acme}})
	lead := r.milestoneID("Lead")
	w.opp = id(t, r.opp("Deal", w.acme, lead))
	w.annOpp = id(t, r.opp("Ann's deal", w.ann, lead))
	r.do("POST", fmt.Sprintf("/opportunities/%d/parties/%d", w.annOpp, w.acme), nil).want(t, 204)
	w.kase = id(t, r.kase("Job", w.acme, map[string]any{"opportunity": map[string]any{"id": w.opp}}))
	r.srv.SetNow(t0.Add(time.Hour))
	return w
}

// as sends GET path with token.
func (w *restrictedWorld) as(token, path string) resp {
	w.t.Helper()
	return req(w.t, w.srv, "GET", path, token, nil)
}

// listIDs is the ids of GET path's key array with token.
func (w *restrictedWorld) listIDs(token, path, key string) []int64 {
	w.t.Helper()
	return ids(w.t, w.as(token, path).want(w.t, 200).list(w.t, key))
}

func (w *restrictedWorld) filterIDs(token, coll, field, value string) []int64 {
	w.t.Helper()
	body := map[string]any{"filter": map[string]any{"conditions": []any{
		map[string]any{"field": field, "operator": "is", "value": value}}}}
	rs := req(w.t, w.srv, "POST", "/"+coll+"/filters/results", token, body).want(w.t, 200)
	return ids(w.t, rs.list(w.t, coll))
}

func hasID(list []int64, id int64) bool {
	for _, x := range list {
		if x == id {
			return true
		}
	}
	return false
}

// private is the restricted shape of an organisation.
func (w *restrictedWorld) privateOrg(t *testing.T, got any) {
	t.Helper()
	m, isObj := got.(map[string]any)
	if !isObj || keysOf(m) != "id,isRestricted,name,pictureURL,type" || id(t, m) != w.acme ||
		m["name"] != "Private" || m["type"] != "organisation" || m["isRestricted"] != true ||
		!strings.HasPrefix(m["pictureURL"].(string), "https://facehub.appspot.com/default/organisation?text=P&") {
		t.Errorf("restricted organisation stub %s", jsonStr(got))
	}
}

// A party restricted for one token: hidden from that token everywhere, a
// "Private" stub where visible records refer to it, and in its deleted
// feed; the other token sees it as before.
func TestRestrictPartyForOneToken(t *testing.T) {
	w := newRestrictedWorld(t)
	tok := w.srv.Token
	w.srv.Restrict("parties", w.acme, tok)

	for _, tc := range []struct{ path, key string }{
		{"/parties", "parties"},
		{"/parties?since=2025-06-01T00:00:00Z", "parties"},
		{"/parties/search?q=acme", "parties"},
		{fmt.Sprintf("/opportunities/%d/parties", w.annOpp), "parties"},
	} {
		if hasID(w.listIDs(tok, tc.path, tc.key), w.acme) {
			t.Errorf("%s lists the restricted party", tc.path)
		}
		if !hasID(w.listIDs("other", tc.path, tc.key), w.acme) {
			t.Errorf("%s: the other token does not see the party", tc.path)
		}
	}
	if got := w.filterIDs(tok, "parties", "name", "Acme"); len(got) != 0 {
		t.Errorf("filter lists %v", got)
	}
	if got := w.filterIDs("other", "parties", "name", "Acme"); len(got) != 1 || got[0] != w.acme {
		t.Errorf("filter for the other token %v", got)
	}
	// org.name of a person whose organisation is hidden matches nothing
	if got := w.filterIDs(tok, "parties", "org.name", "Acme"); len(got) != 0 {
		t.Errorf("org.name filter lists %v", got)
	}

	// by id: 404, as for an unknown id; the same for writes and sub-routes
	for _, path := range []string{
		fmt.Sprintf("/parties/%d", w.acme),
		fmt.Sprintf("/parties/%d,%d", w.ann, w.acme),
		fmt.Sprintf("/parties/%d/people", w.acme),
		fmt.Sprintf("/parties/%d/opportunities", w.acme),
		fmt.Sprintf("/parties/%d/kases", w.acme),
	} {
		if rs := w.as(tok, path).want(t, 404); rs.message(t) != "Could not find resource" {
			t.Errorf("%s: %s", path, rs.raw)
		}
		w.as("other", path).want(t, 200)
	}
	w.do("PUT", fmt.Sprintf("/parties/%d", w.acme), map[string]any{"party": map[string]any{"about": "x"}}).want(t, 404)
	w.do("DELETE", fmt.Sprintf("/parties/%d", w.acme), nil).want(t, 404)
	w.do("POST", fmt.Sprintf("/opportunities/%d/parties/%d", w.opp, w.acme), nil).want(t, 404)

	// nested references: the restricted shape, with or without embed
	for _, q := range []string{"", "?embed=organisation"} {
		p := w.get(fmt.Sprintf("/parties/%d%s", w.ann, q)).want(t, 200).obj(t, "party")
		w.privateOrg(t, p["organisation"])
	}
	for _, q := range []string{"", "?embed=party"} {
		w.privateOrg(t, w.get(fmt.Sprintf("/opportunities/%d%s", w.opp, q)).want(t, 200).obj(t, "opportunity")["party"])
		w.privateOrg(t, w.get(fmt.Sprintf("/kases/%d%s", w.kase, q)).want(t, 200).obj(t, "kase")["party"])
	}
	// and in lists of the visible records
	for _, o := range w.get("/opportunities").want(t, 200).list(t, "opportunities") {
		if id(t, o) == w.opp {
			w.privateOrg(t, o["party"])
		}
	}
	// the other token sees the real stub
	org := w.as("other", fmt.Sprintf("/parties/%d", w.ann)).want(t, 200).obj(t, "party")["organisation"].(map[string]any)
	if org["name"] != "Acme" || org["isRestricted"] != nil {
		t.Errorf("other token's stub %v", org)
	}

	// the deleted feed: restricted strictly after since, for this token only
	feed := w.get("/parties/deleted?since=2025-06-02T09:30:00Z").want(t, 200)
	rp := feed.list(t, "restrictedParties")
	if len(rp) != 1 {
		t.Fatalf("restrictedParties %s", feed.raw)
	}
	w.privateOrg(t, rp[0])
	if got := feed.list(t, "parties"); len(got) != 0 {
		t.Errorf("parties %v", got)
	}
	for _, rs := range []resp{
		w.get("/parties/deleted?since=2025-06-02T10:00:00Z").want(t, 200), // restricted at 10:00, not after
		w.as("other", "/parties/deleted?since=2025-06-02T09:30:00Z").want(t, 200),
	} {
		if _, has := rs.body["restrictedParties"]; has || keysOf(rs.body) != "parties" {
			t.Errorf("deleted feed %s", rs.raw)
		}
	}

	// Unrestrict: visible again, and no longer in the feed
	w.srv.Unrestrict("parties", w.acme)
	w.get(fmt.Sprintf("/parties/%d", w.acme)).want(t, 200)
	if !hasID(w.listIDs(tok, "/parties", "parties"), w.acme) {
		t.Error("unrestricted party not listed")
	}
	if rs := w.get("/parties/deleted?since=2025-06-02T09:30:00Z").want(t, 200); keysOf(rs.body) != "parties" {
		t.Errorf("deleted feed after Unrestrict %s", rs.raw)
	}
}

// Restrict with no token hides the record from every token; a restricted
// person has firstName null and lastName "Private".
func TestRestrictPersonForEveryToken(t *testing.T) {
	w := newRestrictedWorld(t)
	w.srv.Restrict("parties", w.ann)
	for _, tok := range []string{w.srv.Token, "other"} {
		w.as(tok, fmt.Sprintf("/parties/%d", w.ann)).want(t, 404)
		if hasID(w.listIDs(tok, fmt.Sprintf("/parties/%d/people", w.acme), "parties"), w.ann) {
			t.Errorf("%s: people lists the restricted person", tok)
		}
		rs := w.as(tok, "/parties/deleted?since=2025-06-02T09:00:00Z").want(t, 200)
		rp := rs.list(t, "restrictedParties")
		want := fmt.Sprintf(`{"firstName":null,"id":%d,"isRestricted":true,"lastName":"Private","pictureURL":%s,"type":"person"}`,
			w.ann, jsonStr(rp[0]["pictureURL"]))
		if len(rp) != 1 || jsonStr(rp[0]) != want || !strings.Contains(rp[0]["pictureURL"].(string), "/person?text=P&") {
			t.Errorf("%s: restrictedParties %s", tok, rs.raw)
		}
	}
	// the person's opportunity shows the restricted stub
	o := w.get(fmt.Sprintf("/opportunities/%d", w.annOpp)).want(t, 200).obj(t, "opportunity")
	if p := o["party"].(map[string]any); p["lastName"] != "Private" || p["firstName"] != nil || p["isRestricted"] != true {
		t.Errorf("opportunity party %v", p)
	}
	// a task on the person, too
	task := w.create("/tasks", "task", map[string]any{"description": "call", "dueOn": "2025-06-03", "party": map[string]any{"id": w.acme}})
	w.srv.Restrict("parties", w.acme)
	task = w.get(fmt.Sprintf("/tasks/%d?embed=party", id(t, task))).want(t, 200).obj(t, "task")
	w.privateOrg(t, task["party"])
}

// A restricted opportunity: out of lists, child lists, search and
// filters; a kase's opportunity becomes {id, name: "Private", isRestricted}.
func TestRestrictOpportunity(t *testing.T) {
	w := newRestrictedWorld(t)
	w.srv.Restrict("opportunities", w.opp)
	for _, tc := range []struct{ path, key string }{
		{"/opportunities", "opportunities"},
		{"/opportunities/search?q=deal", "opportunities"},
		{fmt.Sprintf("/parties/%d/opportunities", w.acme), "opportunities"},
	} {
		if hasID(w.listIDs("other", tc.path, tc.key), w.opp) {
			t.Errorf("%s lists the restricted opportunity", tc.path)
		}
	}
	if got := w.filterIDs("other", "opportunities", "name", "Deal"); len(got) != 0 {
		t.Errorf("filter lists %v", got)
	}
	for _, path := range []string{
		fmt.Sprintf("/opportunities/%d", w.opp),
		fmt.Sprintf("/opportunities/%d,%d", w.annOpp, w.opp),
		fmt.Sprintf("/opportunities/%d/kases", w.opp),
		fmt.Sprintf("/opportunities/%d/parties", w.opp),
	} {
		w.get(path).want(t, 404)
	}
	want := fmt.Sprintf(`{"id":%d,"isRestricted":true,"name":"Private"}`, w.opp)
	for _, q := range []string{"", "?embed=opportunity"} {
		k := w.get(fmt.Sprintf("/kases/%d%s", w.kase, q)).want(t, 200).obj(t, "kase")
		if jsonStr(k["opportunity"]) != want {
			t.Errorf("kase opportunity %s", jsonStr(k["opportunity"]))
		}
	}
	rs := w.get("/opportunities/deleted?since=2025-06-02T09:00:00Z").want(t, 200)
	if got := jsonStr(rs.body["restrictedOpportunities"]); got != "["+want+"]" {
		t.Errorf("restrictedOpportunities %s", rs.raw)
	}
}

// A restricted kase: out of its lists and 404 by id; restrictedKases in
// the feed. Deleting a restricted record moves it to the deleted list.
func TestRestrictKase(t *testing.T) {
	w := newRestrictedWorld(t)
	w.srv.Restrict("kases", w.kase)
	for _, path := range []string{"/kases", "/kases/search?q=job", fmt.Sprintf("/parties/%d/kases", w.acme), fmt.Sprintf("/opportunities/%d/kases", w.opp)} {
		if hasID(w.listIDs(w.srv.Token, path, "kases"), w.kase) {
			t.Errorf("%s lists the restricted kase", path)
		}
	}
	if got := w.filterIDs(w.srv.Token, "kases", "name", "Job"); len(got) != 0 {
		t.Errorf("filter lists %v", got)
	}
	w.get(fmt.Sprintf("/kases/%d", w.kase)).want(t, 404)
	rs := w.get("/kases/deleted?since=2025-06-02T09:00:00Z").want(t, 200)
	if got := jsonStr(rs.body); got != fmt.Sprintf(`{"kases":[],"restrictedKases":[{"id":%d,"isRestricted":true,"name":"Private"}]}`, w.kase) {
		t.Errorf("deleted feed %s", got)
	}

	// deleting the party deletes the restricted kase: a deletion, no longer a restriction
	w.srv.Advance(time.Hour)
	w.do("DELETE", fmt.Sprintf("/parties/%d", w.acme), nil).want(t, 204)
	rs = w.get("/kases/deleted?since=2025-06-02T09:00:00Z").want(t, 200)
	if got := jsonStr(rs.body); got != fmt.Sprintf(`{"kases":[{"deletedAt":"2025-06-02T11:00:00Z","id":%d}]}`, w.kase) {
		t.Errorf("deleted feed after delete %s", got)
	}
}

func TestRestrictPanicsOnUnknownRecords(t *testing.T) {
	srv := newServer(t)
	for _, tc := range []struct {
		name string
		fn   func()
	}{
		{"entity", func() { srv.Restrict("tasks", 1) }},
		{"id", func() { srv.Restrict("parties", 1) }},
		{"unrestrict", func() { srv.Unrestrict("kases", 1) }},
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.HasPrefix(fmt.Sprint(r), "capsuletest: ") {
					t.Errorf("%s: panic %v", tc.name, r)
				}
			}()
			tc.fn()
		}()
	}
}
