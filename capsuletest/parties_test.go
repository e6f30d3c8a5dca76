package capsuletest_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/capsulecrm-go/capsule/capsuletest"
)

func TestPartyCreateShape(t *testing.T) {
	r := newRecT(t)
	rs := r.do("POST", "/parties", map[string]any{"party": map[string]any{
		"type": "person", "firstName": "Sarah", "lastName": "White", "jobTitle": "CEO", "title": "Mrs",
		"id": 5, "createdAt": "2001-01-01T00:00:00Z", "pictureURL": "x", // read-only: ignored
	}}).want(t, 201)
	p := rs.obj(t, "party")
	pid := id(t, p)
	if loc := rs.header.Get("Location"); loc != fmt.Sprintf("%s/parties/%d", r.srv.BaseURL, pid) {
		t.Errorf("Location %q", loc)
	}
	want := "about,addresses,createdAt,emailAddresses,enrichment,firstName,id,jobTitle,lastContactedAt,lastName,organisation,owner,phoneNumbers,pictureURL,team,title,type,updatedAt,websites"
	if got := keysOf(p); got != want {
		t.Errorf("keys %s\nwant %s", got, want)
	}
	if pid == 5 || p["createdAt"] == "2001-01-01T00:00:00Z" || !strings.HasPrefix(p["pictureURL"].(string), "https://facehub.appspot.com/default/person?text=SW") {
		t.Errorf("read-only fields not ignored: %s", rs.raw)
	}
	if p["organisation"] != nil || p["about"] != nil || p["enrichment"] != nil || jsonStr(p["addresses"]) != "[]" {
		t.Errorf("defaults %s", rs.raw)
	}
	owner := p["owner"].(map[string]any)
	if owner["id"] != float64(r.srv.CurrentUserID()) || keysOf(owner) != "deleted,id,name,pictureURL,username" || owner["deleted"] != false {
		t.Errorf("owner %v", owner)
	}
	org := r.create("/parties", "party", map[string]any{"type": "organisation", "name": "Acme INC", "firstName": "ignored"})
	want = "about,addresses,createdAt,emailAddresses,enrichment,id,lastContactedAt,name,owner,phoneNumbers,pictureURL,team,type,updatedAt,websites"
	if got := keysOf(org); got != want {
		t.Errorf("org keys %s\nwant %s", got, want)
	}
	// show, and 404s
	got := r.get(fmt.Sprintf("/parties/%d", pid)).want(t, 200).obj(t, "party")
	if jsonStr(got) != jsonStr(p) {
		t.Errorf("show %v\ncreate %v", got, p)
	}
	for _, path := range []string{"/parties/1", "/parties/abc", "/parties/-3"} {
		if rs := r.get(path).want(t, 404); rs.message(t) != "Could not find resource" {
			t.Errorf("%s: %s", path, rs.raw)
		}
	}
	if rs := r.do("PATCH", fmt.Sprintf("/parties/%d", pid), "{}").want(t, 405); rs.message(t) != "Method not allowed" {
		t.Errorf("405 body %s", rs.raw)
	}
}

func TestPartyValidation(t *testing.T) {
	r := newRecT(t)
	r.org("Acme")
	tests := []struct {
		body string
		want []string
	}{
		{`{}`, []string{"type is required|party|type"}},
		{`{"type":"robot","name":"x"}`, []string{"type is invalid|party|type"}},
		{`{"type":"person"}`, []string{"firstName or lastName is required|party|firstName"}},
		{`{"type":"person","firstName":"  ","lastName":null}`, []string{"firstName or lastName is required|party|firstName"}},
		{`{"type":"organisation"}`, []string{"name is required|party|name"}},
		{`{"type":"organisation","name":"acme"}`, []string{"name has already been taken|party|name"}},
		{`{"type":"person","lastName":"X","title":"Sir"}`, []string{"title is invalid|party|title"}},
		{`{"type":"person","lastName":5}`, []string{"lastName is invalid|party|lastName"}},
		{`{"type":"person","lastName":"X","owner":{"id":1}}`, []string{"owner is invalid|party|owner"}},
		{`{"type":"person","lastName":"X","team":"x"}`, []string{"team is invalid|party|team"}},
		{`{"type":"person","lastName":"X","emailAddresses":[{"type":"Work"}]}`, []string{"emailAddresses.address is required|party|emailAddresses.address"}},
		{`{"type":"person","lastName":"X","emailAddresses":[{"address":"a@b","type":"Boss"}]}`, []string{"emailAddresses.type is invalid|party|emailAddresses.type"}},
		{`{"type":"person","lastName":"X","phoneNumbers":[{"type":"Work"}]}`, []string{"phoneNumbers.number is required|party|phoneNumbers.number"}},
		{`{"type":"person","lastName":"X","websites":[{"address":"x"}]}`, []string{"websites.service is required|party|websites.service"}},
		{`{"type":"person","lastName":"X","websites":[{"service":"URL"}]}`, []string{"websites.address is required|party|websites.address"}},
		{`{"type":"person","lastName":"X","websites":[{"service":"MYSPACE","address":"x"}]}`, []string{"websites.service is invalid|party|websites.service"}},
		{`{"type":"person","lastName":"X","addresses":[{"country":"Atlantis"}]}`, []string{"address.country: unknown country|party|addresses"}},
		{`{"type":"person","lastName":"X","addresses":{"country":"UK"}}`, []string{"addresses is invalid|party|addresses"}},
		{`{"type":"person","lastName":"X","organisation":{"foo":1}}`, []string{"organisation is invalid|party|organisation"}},
		{`{"type":"person","lastName":"X","tags":[{"id":999}]}`, []string{"tag not found|party|tags"}},
		{`{"type":"person","lastName":"X","tags":"VIP"}`, []string{"tags is invalid|party|tags"}},
	}
	for _, tc := range tests {
		t.Run(tc.body, func(t *testing.T) {
			wantErrors(t, r.do("POST", "/parties", `{"party":`+tc.body+`}`), tc.want...)
		})
	}
	// bad envelopes are 400, never 500
	for _, body := range []string{``, `{`, `[]`, `{"party":[]}`, `{"person":{}}`, `{"party":{}} x`, `null`} {
		if rs := r.do("POST", "/parties", body); rs.status != 400 {
			t.Errorf("%q: status %d %s", body, rs.status, rs.raw)
		}
	}
	// nothing was stored by the failures (the org Acme and the 5 user parties only)
	if n := len(r.get("/parties").want(t, 200).list(t, "parties")); n != 6 {
		t.Errorf("%d parties after failed creates", n)
	}
	// organisation given by a person's id: 404
	pid := r.person("A", "B")
	rs := r.do("POST", "/parties", map[string]any{"party": map[string]any{"type": "person", "lastName": "C", "organisation": map[string]any{"id": pid}}}).want(t, 404)
	if rs.message(t) != "organisation not found" {
		t.Errorf("body %s", rs.raw)
	}
}

func TestPartyUpdate(t *testing.T) {
	r := newRecT(t)
	r.srv.SetNow(time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC))
	pid := r.person("Ann", "Lee", map[string]any{"jobTitle": "CTO", "about": "hi"})
	path := fmt.Sprintf("/parties/%d", pid)
	r.srv.Advance(time.Minute)
	// an empty PUT bumps updatedAt only
	p := r.update(path, "party", map[string]any{})
	if p["updatedAt"] != "2025-03-01T10:01:00Z" || p["createdAt"] != "2025-03-01T10:00:00Z" || p["jobTitle"] != "CTO" {
		t.Errorf("empty PUT %v", p)
	}
	p = r.update(path, "party", map[string]any{"about": nil, "lastName": "Park", "type": "organisation", "name": "ignored"})
	if p["about"] != nil || p["lastName"] != "Park" || p["firstName"] != "Ann" || p["type"] != "person" || p["name"] != nil {
		t.Errorf("partial PUT %v", p)
	}
	wantErrors(t, r.do("PUT", path, `{"party":{"firstName":null,"lastName":""}}`), "firstName or lastName is required|party|firstName")
	// a failed PUT stores nothing
	if got := r.get(path).obj(t, "party"); got["lastName"] != "Park" {
		t.Errorf("after 422: %v", got)
	}
	a, b := r.org("Alpha"), r.org("Beta")
	wantErrors(t, r.do("PUT", fmt.Sprintf("/parties/%d", b), `{"party":{"name":"ALPHA"}}`), "name has already been taken|party|name")
	if o := r.update(fmt.Sprintf("/parties/%d", a), "party", map[string]any{"name": "Alpha"}); o["name"] != "Alpha" {
		t.Errorf("renaming to its own name: %v", o)
	}
	// owner null, team set, owner unknown
	p = r.update(path, "party", map[string]any{"owner": nil, "team": map[string]any{"id": 4001}})
	if p["owner"] != nil || jsonStr(p["team"]) != `{"id":4001,"name":"Sales"}` {
		t.Errorf("owner/team %v %v", p["owner"], p["team"])
	}
	r.do("PUT", "/parties/1", `{"party":{}}`).want(t, 404)
	r.do("PUT", path, `{"party":5}`).want(t, 400)
}

func TestPartyNestedCollections(t *testing.T) {
	r := newRecT(t)
	p := r.create("/parties", "party", map[string]any{"type": "person", "firstName": "N",
		"emailAddresses": []any{map[string]any{"address": "a@x.test", "type": "Work"}, map[string]any{"address": "b@x.test"}},
		"phoneNumbers":   []any{map[string]any{"number": "+44 20 7946 0000", "type": "Mobile"}},
		"addresses":      []any{map[string]any{"street": "1 Road", "city": "York", "zip": "YO1 7HH", "country": "uk", "type": "Office", "bogus": 1}},
		"websites": []any{
			map[string]any{"service": "URL", "address": "example.com"},
			map[string]any{"service": "TWITTER", "address": "capsulecrm", "url": "ignored"},
			map[string]any{"service": "LINKED_IN", "address": "https://www.linkedin.com/company/capsulecrm/"},
		},
	})
	path := fmt.Sprintf("/parties/%d", id(t, p))
	emails := p["emailAddresses"].([]any)
	e0, e1 := emails[0].(map[string]any), emails[1].(map[string]any)
	if keysOf(e1) != "address,id,type" || e1["type"] != nil {
		t.Errorf("email defaults %v", e1)
	}
	addr := p["addresses"].([]any)[0].(map[string]any)
	if addr["country"] != "United Kingdom" || keysOf(addr) != "city,country,id,state,street,type,zip" || addr["state"] != nil {
		t.Errorf("address %v", addr)
	}
	var urls []string
	for _, w := range p["websites"].([]any) {
		urls = append(urls, w.(map[string]any)["url"].(string))
	}
	if strings.Join(urls, " ") != "http://example.com https://twitter.com/capsulecrm https://www.linkedin.com/company/capsulecrm/" {
		t.Errorf("website urls %v", urls)
	}
	// patch one, delete one, add one, [] and _destroy are no-ops
	p = r.update(path, "party", map[string]any{
		"emailAddresses": []any{
			map[string]any{"id": e0["id"], "type": "Home"},
			map[string]any{"id": e1["id"], "_delete": true},
			map[string]any{"address": "c@x.test"},
		},
		"phoneNumbers": []any{},
		"addresses":    []any{map[string]any{"id": addr["id"], "_destroy": true}},
	})
	emails = p["emailAddresses"].([]any)
	if len(emails) != 2 || emails[0].(map[string]any)["type"] != "Home" || emails[0].(map[string]any)["address"] != "a@x.test" || emails[1].(map[string]any)["address"] != "c@x.test" {
		t.Errorf("emails after merge %v", emails)
	}
	if len(p["phoneNumbers"].([]any)) != 1 || len(p["addresses"].([]any)) != 1 {
		t.Errorf("no-ops changed %v %v", p["phoneNumbers"], p["addresses"])
	}
	// website patch regenerates url
	w1 := p["websites"].([]any)[1].(map[string]any)
	p = r.update(path, "party", map[string]any{"websites": []any{map[string]any{"id": w1["id"], "service": "GITHUB"}}})
	if u := p["websites"].([]any)[1].(map[string]any)["url"]; u != "https://github.com/capsulecrm" {
		t.Errorf("patched url %v", u)
	}
	// country alias and a failing patch leave the record unchanged
	wantErrors(t, r.do("PUT", path, map[string]any{"party": map[string]any{"addresses": []any{map[string]any{"id": addr["id"], "country": "Narnia"}}}}),
		"address.country: unknown country|party|addresses")
	wantErrors(t, r.do("PUT", path, map[string]any{"party": map[string]any{"emailAddresses": []any{map[string]any{"id": 1, "_delete": true}}}}),
		"emailAddresses 1 not found|party|emailAddresses")
	wantErrors(t, r.do("PUT", path, map[string]any{"party": map[string]any{"emailAddresses": []any{map[string]any{"id": e0["id"], "address": ""}}}}),
		"emailAddresses.address is required|party|emailAddresses.address")
	p = r.update(path, "party", map[string]any{"addresses": []any{map[string]any{"id": addr["id"], "country": "USA"}}})
	if c := p["addresses"].([]any)[0].(map[string]any); c["country"] != "United States" || c["city"] != "York" {
		t.Errorf("alias %v", c)
	}
}

func TestPartyOrganisationLink(t *testing.T) {
	r := newRecT(t)
	p := r.create("/parties", "party", map[string]any{"type": "person", "firstName": "Sarah", "lastName": "White", "organisation": map[string]any{"name": "Google"}})
	org := p["organisation"].(map[string]any)
	if org["name"] != "Google" || org["type"] != "organisation" || keysOf(org) != "id,name,pictureURL,type" {
		t.Fatalf("organisation stub %v", org)
	}
	gid := id(t, org)
	// same name (any case) links the existing organisation
	q := r.create("/parties", "party", map[string]any{"type": "person", "firstName": "Tom", "organisation": map[string]any{"name": "GOOGLE"}})
	if id(t, q["organisation"].(map[string]any)) != gid {
		t.Errorf("not linked to the existing organisation: %v", q["organisation"])
	}
	// by id; embed=organisation expands it; organisations ignore organisation
	full := r.get(fmt.Sprintf("/parties/%d?embed=organisation", id(t, q))).obj(t, "party")["organisation"].(map[string]any)
	if full["websites"] == nil || full["createdAt"] == nil || full["name"] != "Google" {
		t.Errorf("embedded organisation %v", full)
	}
	o := r.create("/parties", "party", map[string]any{"type": "organisation", "name": "X", "organisation": map[string]any{"name": "Y"}})
	if _, has := o["organisation"]; has {
		t.Errorf("organisation key on an organisation %v", o)
	}
	// people of an organisation, paged
	people := r.get(fmt.Sprintf("/parties/%d/people?perPage=1", gid)).want(t, 200)
	if len(people.list(t, "parties")) != 1 || !strings.Contains(people.header.Get("Link"), `rel="next"`) {
		t.Errorf("people page 1: %s %v", people.raw, people.header)
	}
	all := ids(t, r.get(fmt.Sprintf("/parties/%d/people", gid)).list(t, "parties"))
	if len(all) != 2 || all[0] != id(t, p) || all[1] != id(t, q) {
		t.Errorf("people %v", all)
	}
	r.get("/parties/1/people").want(t, 404)
	// unlink with null; deleting the organisation unlinks the others
	if u := r.update(fmt.Sprintf("/parties/%d", id(t, p)), "party", map[string]any{"organisation": nil}); u["organisation"] != nil {
		t.Errorf("null organisation %v", u["organisation"])
	}
	before := r.get(fmt.Sprintf("/parties/%d", id(t, q))).obj(t, "party")["updatedAt"]
	r.srv.Advance(2 * time.Second)
	r.do("DELETE", fmt.Sprintf("/parties/%d", gid), nil).want(t, 204)
	after := r.get(fmt.Sprintf("/parties/%d", id(t, q))).obj(t, "party")
	if after["organisation"] != nil || after["updatedAt"] == before {
		t.Errorf("after organisation delete %v", after)
	}
}

func TestPartyTags(t *testing.T) {
	r := newRecT(t)
	pid := r.person("T", "G", map[string]any{"tags": []any{map[string]any{"name": "VIP"}, map[string]any{"name": "vip"}, map[string]any{"name": "Lead"}}})
	path := fmt.Sprintf("/parties/%d?embed=tags", pid)
	p := r.get(path).obj(t, "party")
	tags := p["tags"].([]any)
	if len(tags) != 2 || tags[0].(map[string]any)["name"] != "VIP" || keysOf(tags[0].(map[string]any)) != "dataTag,description,id,name" {
		t.Fatalf("tags %v", tags)
	}
	vip := id(t, tags[0].(map[string]any))
	// the same ids as /parties/tags; not in other entities' dictionaries
	defs := r.get("/parties/tags").list(t, "tags")
	if len(defs) != 2 || id(t, defs[0]) != vip {
		t.Errorf("/parties/tags %v", defs)
	}
	if n := len(r.get("/opportunities/tags").list(t, "tags")); n != 0 {
		t.Errorf("opportunity tags %d", n)
	}
	// no tags key without embed
	if _, has := r.get(fmt.Sprintf("/parties/%d", pid)).obj(t, "party")["tags"]; has {
		t.Error("tags without embed")
	}
	// re-attach is harmless; a second party reuses the definition (case-insensitive)
	q := r.person("U", "H", map[string]any{"tags": []any{map[string]any{"name": "lead"}}})
	if len(r.get("/parties/tags").list(t, "tags")) != 2 {
		t.Error("tag definition duplicated")
	}
	// detach by id; detaching what is not attached is 422
	p = r.update(path, "party", map[string]any{"tags": []any{map[string]any{"id": vip, "_delete": true}, map[string]any{"name": "VIP"}, map[string]any{"id": vip, "_delete": true}}})
	if got := len(p["tags"].([]any)); got != 1 {
		t.Errorf("after detach %v", p["tags"])
	}
	wantErrors(t, r.do("PUT", path, map[string]any{"party": map[string]any{"tags": []any{map[string]any{"id": vip, "_delete": true}}}}),
		"tag not found to delete|party|tags")
	// a failed PUT does not create the new tag definition
	wantErrors(t, r.do("PUT", path, map[string]any{"party": map[string]any{"tags": []any{map[string]any{"name": "Brand new"}, map[string]any{"id": vip, "_delete": true}}}}),
		"tag not found to delete|party|tags")
	if len(r.get("/parties/tags").list(t, "tags")) != 2 {
		t.Error("tag definition created by a failed PUT")
	}
	// deleting the definition detaches it everywhere
	lead := id(t, r.get("/parties/tags").list(t, "tags")[1])
	r.do("DELETE", fmt.Sprintf("/parties/tags/%d", lead), nil).want(t, 204)
	for _, x := range []int64{pid, q} {
		if tg := r.get(fmt.Sprintf("/parties/%d?embed=tags", x)).obj(t, "party")["tags"]; jsonStr(tg) != "[]" {
			t.Errorf("party %d tags after definition delete %v", x, tg)
		}
	}
}

func TestPartySearch(t *testing.T) {
	r := newRecT(t)
	a := r.person("Zelda", "Fitzgerald", map[string]any{"emailAddresses": []any{map[string]any{"address": "zf@novel.test"}}})
	b := r.org("Great Gatsby Ltd")
	c := r.person("Nick", "Carraway", map[string]any{
		"phoneNumbers": []any{map[string]any{"number": "+1 (555) 010-9999"}},
		"addresses":    []any{map[string]any{"zip": "NY 11021", "country": "United States"}},
	})
	tests := map[string][]int64{
		"zelda":         {a},
		"ZELDA FITZ":    {a},
		"novel.test":    {a},
		"gatsby":        {b},
		"010-9999":      {c},
		"5550109999":    {c},
		"ny 110":        {c},
		"nothing-there": {},
	}
	for q, want := range tests {
		rs := r.get("/parties/search?q="+strings.ReplaceAll(q, " ", "+")).want(t, 200)
		if got := ids(t, rs.list(t, "parties")); jsonStr(got) != jsonStr(want) && !(len(want) == 0 && len(got) == 0) {
			t.Errorf("q=%q: %v, want %v", q, got, want)
		}
	}
	// paged, with embed, Link keeps q
	rs := r.get("/parties/search?q=a&perPage=1&embed=tags").want(t, 200)
	items := rs.list(t, "parties")
	if len(items) != 1 || items[0]["tags"] == nil || !strings.Contains(rs.header.Get("Link"), "q=a") {
		t.Errorf("paged search %s %v", rs.raw, rs.header)
	}
}

func TestPartyShowMultiple(t *testing.T) {
	r := newRecT(t)
	var all []int64
	for i := 0; i < 11; i++ {
		all = append(all, r.person("P", fmt.Sprint(i)))
	}
	rs := r.get(fmt.Sprintf("/parties/%d,%d,%d?embed=fields", all[2], all[0], all[5])).want(t, 200)
	got := rs.list(t, "parties")
	if jsonStr(ids(t, got)) != jsonStr([]int64{all[2], all[0], all[5]}) || got[0]["fields"] == nil {
		t.Errorf("show multiple %s", rs.raw)
	}
	r.get(fmt.Sprintf("/parties/%d,1", all[0])).want(t, 404)
	var ten []string
	for _, x := range all {
		ten = append(ten, fmt.Sprint(x))
	}
	r.get("/parties/"+strings.Join(ten[:10], ",")).want(t, 200)
	if rs := r.get("/parties/"+strings.Join(ten, ",")).want(t, 400); rs.message(t) != "too many ids" {
		t.Errorf("11 ids: %s", rs.raw)
	}
	srv2 := newRecT(t, capsuletest.WithTooManyIDsStatus(422))
	srv2.get("/parties/1,2,3,4,5,6,7,8,9,10,11").want(t, 422)
}

func TestPartyListSinceAndDeleted(t *testing.T) {
	r := newRecT(t)
	t0 := time.Date(2025, 5, 1, 12, 0, 0, 0, time.UTC)
	r.srv.SetNow(t0)
	a := r.person("A", "A")
	r.srv.Advance(time.Minute)
	b := r.person("B", "B")
	r.srv.Advance(time.Minute)
	since := "/parties?since=" + t0.Add(30*time.Second).Format(time.RFC3339)
	if got := ids(t, r.get(since).want(t, 200).list(t, "parties")); jsonStr(got) != jsonStr([]int64{b}) {
		t.Errorf("since: %v", got)
	}
	r.update(fmt.Sprintf("/parties/%d", a), "party", map[string]any{})
	if got := ids(t, r.get(since).list(t, "parties")); jsonStr(got) != jsonStr([]int64{a, b}) {
		t.Errorf("since after update: %v", got)
	}
	// strictly after
	if got := r.get("/parties?since="+t0.Add(2*time.Minute).Format(time.RFC3339)).list(t, "parties"); len(got) != 0 {
		t.Errorf("strictly after: %v", got)
	}
	r.get("/parties?since=yesterday").want(t, 400)
	// deleted feed
	wantErrors(t, r.get("/parties/deleted"), "since is required|party|since")
	r.get("/parties/deleted?since=nope").want(t, 400)
	r.srv.Advance(time.Minute)
	r.do("DELETE", fmt.Sprintf("/parties/%d", a), nil).want(t, 204)
	r.do("DELETE", fmt.Sprintf("/parties/%d", a), nil).want(t, 404)
	r.get(fmt.Sprintf("/parties/%d", a)).want(t, 404)
	rs := r.get("/parties/deleted?since="+t0.Format(time.RFC3339)).want(t, 200)
	if string(rs.raw) != fmt.Sprintf(`{"parties":[{"deletedAt":"2025-05-01T12:03:00Z","id":%d}]}`, a) {
		t.Errorf("deleted feed %s", rs.raw)
	}
	if got := r.get("/parties/deleted?since="+t0.Add(time.Hour).Format(time.RFC3339)).list(t, "parties"); len(got) != 0 {
		t.Errorf("deleted after: %v", got)
	}
}

func TestPartyEmbeds(t *testing.T) {
	r := newRecT(t, capsuletest.WithSeed(10))
	rs := r.get("/parties?perPage=100").want(t, 200)
	for _, p := range rs.list(t, "parties") {
		for _, k := range []string{"tags", "fields", "missingImportantFields"} {
			if _, has := p[k]; has {
				t.Fatalf("%s without embed: %v", k, p)
			}
		}
		if o, isObj := p["organisation"].(map[string]any); isObj && o["createdAt"] != nil {
			t.Fatalf("organisation expanded without embed")
		}
	}
	rs = r.get("/parties?perPage=100&embed=tags,fields,missingImportantFields,organisation,unknown").want(t, 200)
	sawOrg := false
	for _, p := range rs.list(t, "parties") {
		if _, isArr := p["tags"].([]any); !isArr {
			t.Fatalf("tags %v", p["tags"])
		}
		if _, isArr := p["fields"].([]any); !isArr {
			t.Fatalf("fields %v", p["fields"])
		}
		if _, isBool := p["missingImportantFields"].(bool); !isBool {
			t.Fatalf("missingImportantFields %v", p["missingImportantFields"])
		}
		if o, isObj := p["organisation"].(map[string]any); isObj {
			sawOrg = true
			if o["websites"] == nil {
				t.Fatalf("organisation not expanded: %v", o)
			}
		}
	}
	if !sawOrg {
		t.Error("no person with an organisation in the seed")
	}
}

func TestPartyAsyncDelete(t *testing.T) {
	r := newRecT(t, capsuletest.WithAsyncDeletes(true))
	pid := r.person("A", "B")
	rs := r.do("DELETE", fmt.Sprintf("/parties/%d", pid), nil).want(t, 202)
	loc := rs.header.Get("Location")
	if !strings.HasPrefix(loc, r.srv.BaseURL+"/jobs/") || len(rs.raw) != 0 {
		t.Fatalf("202: %q %s", loc, rs.raw)
	}
	job := r.get(strings.TrimPrefix(loc, r.srv.BaseURL)).want(t, 200).obj(t, "job")
	if job["status"] != "completed" || job["action"] != "Deleting Party" {
		t.Errorf("job %v", job)
	}
	r.get(fmt.Sprintf("/parties/%d", pid)).want(t, 404)
	// opportunities are not async
	o := r.opp("O", r.person("C", "D"), r.milestoneID("Lead"))
	r.do("DELETE", fmt.Sprintf("/opportunities/%d", id(t, o)), nil).want(t, 204)
}

func TestPartyTitleInUse(t *testing.T) {
	r := newRecT(t)
	var mrs int64
	for _, tt := range r.get("/titles").list(t, "personTitles") {
		if tt["title"] == "Mrs" {
			mrs = id(t, tt)
		}
	}
	pid := r.person("A", "B", map[string]any{"title": "Mrs"})
	wantErrors(t, r.do("DELETE", fmt.Sprintf("/titles/%d", mrs), nil), "title is in use by a party|personTitle|title")
	r.update(fmt.Sprintf("/parties/%d", pid), "party", map[string]any{"title": nil})
	r.do("DELETE", fmt.Sprintf("/titles/%d", mrs), nil).want(t, 204)
}

func TestPartiesConcurrent(t *testing.T) {
	r := newRecT(t)
	var wg sync.WaitGroup
	errs := make(chan string, 200)
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			rs := req(t, r.srv, "POST", "/parties", r.srv.Token, fmt.Sprintf(`{"party":{"type":"person","firstName":"C%d","tags":[{"name":"Concurrent"}],"emailAddresses":[{"address":"c%d@x.test"}]}}`, i, i))
			if rs.status != 201 {
				errs <- fmt.Sprintf("create %d: %d %s", i, rs.status, rs.raw)
				return
			}
			pid := int64(rs.body["party"].(map[string]any)["id"].(float64))
			path := fmt.Sprintf("/parties/%d", pid)
			if rs := req(t, r.srv, "PUT", path, r.srv.Token, `{"party":{"jobTitle":"Tester"}}`); rs.status != 200 {
				errs <- fmt.Sprintf("update %d: %d", i, rs.status)
			}
			if rs := req(t, r.srv, "GET", "/parties/search?q=c&perPage=100&embed=tags", r.srv.Token, nil); rs.status != 200 {
				errs <- fmt.Sprintf("search %d: %d", i, rs.status)
			}
			if rs := req(t, r.srv, "GET", path+"?embed=tags", r.srv.Token, nil); rs.status != 200 || rs.body["party"].(map[string]any)["jobTitle"] != "Tester" {
				errs <- fmt.Sprintf("show %d: %d %s", i, rs.status, rs.raw)
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if n := len(r.get("/parties?perPage=100").list(t, "parties")); n != 55 {
		t.Errorf("%d parties, want 55", n)
	}
	if n := len(r.get("/parties/tags").list(t, "tags")); n != 1 {
		t.Errorf("%d tag definitions, want 1", n)
	}
}

func TestUserEmbedParty(t *testing.T) {
	r := newRecT(t)
	u := r.get("/users/current?embed=party").want(t, 200).obj(t, "user")
	p := u["party"].(map[string]any)
	if p["id"] != float64(254633901) || p["createdAt"] == nil || keysOf(p["owner"].(map[string]any)) != "deleted,id,name,pictureURL,username" {
		t.Errorf("embedded user party %v", p)
	}
}
