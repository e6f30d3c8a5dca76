package capsuletest

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Seed data of the core records (WithSeed(n)): tag and field definitions of
// every type, n parties (about 70% people, 30% organisations), about n/2
// opportunities and n/4 kases, plus the person parties of the users (always).

func init() {
	registerSeeder(seedParties, "fielddefs", seedDefinitions)
	registerSeeder(seedParties, "parties", seedPartyRecords)
	registerSeeder(seedRecords, "projects", seedKaseRecords) // after "opportunities" (by name): links them
	registerSeeder(seedRecords, "opportunities", seedOpportunityRecords)
}

type seedDef struct {
	name, typ, capture string
	options            []string
	important          bool
	tag                string
}

var (
	seedPartyTags = []string{"VIP", "Customer", "Prospect", "Partner", "Supplier"}
	seedOppTags   = []string{"Hot", "Renewal", "Upsell"}
	seedKaseTags  = []string{"Urgent", "Internal"}

	seedPartyDefs = []seedDef{
		{name: "Account code", typ: "text"},
		{name: "Employees", typ: "number", capture: "organisation"},
		{name: "Newsletter", typ: "boolean"},
		{name: "Renewal date", typ: "date"},
		{name: "Industry", typ: "list", options: []string{"Software", "Retail", "Manufacturing", "Healthcare", "Finance"}, important: true},
		{name: "CRM link", typ: "link"},
		{name: "Interests", typ: "list", options: []string{"Traveling", "Food", "Art"}, tag: "Hobby interests"},
	}
	seedOppDefs = []seedDef{
		{name: "Lead source", typ: "list", options: []string{"Website", "Referral", "Event", "Cold call"}, important: true},
		{name: "Discount", typ: "number"},
		{name: "Signed", typ: "boolean"},
		{name: "Contract start", typ: "date"},
	}
	seedKaseDefs = []seedDef{
		{name: "Priority", typ: "list", options: []string{"Low", "Medium", "High"}},
		{name: "Budget hours", typ: "number"},
		{name: "Go-live", typ: "date"},
		{name: "Spec doc", typ: "link"},
		{name: "Delivery manager", typ: "text", tag: "Delivery"},
	}
)

func seedTagDefs(f *fake, e *entity, names []string, dataTags ...string) {
	for _, n := range names {
		f.coll(e.tags).insert(record{"name": n, "description": nil, "dataTag": false}, time.Time{})
	}
	for _, n := range dataTags {
		f.coll(e.tags).insert(record{"name": n, "description": n + " details", "dataTag": true}, time.Time{})
	}
}

func seedFieldDefs(f *fake, e *entity, defs []seedDef) {
	for i, d := range defs {
		rec := record{"name": d.name, "type": d.typ, "description": nil, "important": d.important,
			"displayOrder": int64(i + 1), "tag": nil, "captureRule": nil}
		if d.capture != "" {
			rec["captureRule"] = d.capture
		}
		if d.options != nil {
			opts := make([]any, len(d.options))
			for j, o := range d.options {
				opts[j] = o
			}
			rec["options"] = opts
		}
		if d.tag != "" {
			rec["tag"] = ref(f.tagByName(e, d.tag)["id"].(int64))
		}
		f.coll(e.fields).insert(rec, time.Time{})
	}
}

func seedDefinitions(f *fake, sc *seedCtx) {
	if sc.n == 0 {
		return
	}
	seedTagDefs(f, partyEntity, seedPartyTags, "Hobby interests")
	seedTagDefs(f, opportunityEntity, seedOppTags)
	seedTagDefs(f, kaseEntity, seedKaseTags, "Delivery")
	seedFieldDefs(f, partyEntity, seedPartyDefs)
	seedFieldDefs(f, opportunityEntity, seedOppDefs)
	seedFieldDefs(f, kaseEntity, seedKaseDefs)
}

// seedValue stores a custom field value as applyFields would.
func seedValue(f *fake, e *entity, rec record, defName string, value any) {
	for _, d := range f.coll(e.fields).all() {
		if d["name"] == defName {
			vals, _ := rec["_fields"].([]fieldVal)
			f.nestedSeq++
			rec["_fields"] = append(vals, fieldVal{id: f.nestedSeq, def: d["id"].(int64), value: value})
			return
		}
	}
}

func seedTags(f *fake, e *entity, rec record, sc *seedCtx, names []string) {
	var ids []int64
	for _, n := range names {
		if sc.rng.IntN(4) == 0 {
			ids = append(ids, f.tagByName(e, n)["id"].(int64))
		}
	}
	rec["_tags"] = ids
}

func nested(f *fake, kv ...any) record {
	f.nestedSeq++
	r := record{"id": f.nestedSeq}
	for i := 0; i+1 < len(kv); i += 2 {
		r[kv[i].(string)] = kv[i+1]
	}
	return r
}

var (
	seedOrgPrefixes = []string{"Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay", "Stark", "Wayne", "Wonka", "Soylent",
		"Tyrell", "Cyberdyne", "Oscorp", "Aperture", "Monarch", "Virtucon", "Gringotts", "Pied Piper", "Dunder", "Prestige"}
	seedOrgSuffixes = []string{"Ltd", "Inc", "GmbH", "Group", "Labs", "Partners", "Holdings", "Systems"}
	seedFirstNames  = []string{"Alice", "Ben", "Chloe", "Daniel", "Emma", "Farid", "Grace", "Hugo", "Isla", "Jack", "Keira", "Liam",
		"Mia", "Noah", "Olivia", "Pablo", "Quinn", "Ruby", "Sam", "Tara", "Umar", "Vera", "Will", "Xena", "Yusuf", "Zoe"}
	seedLastNames = []string{"Adams", "Brown", "Clarke", "Davies", "Evans", "Fischer", "Garcia", "Hughes", "Ito", "Jones", "Khan",
		"Lopez", "Murphy", "Nowak", "O'Brien", "Patel", "Quinn", "Rossi", "Smith", "Taylor", "Usman", "Varga", "Walker", "Young"}
	seedPlaces = [][4]string{ // city, zip, state, country
		{"London", "SW1A 1AA", "", "United Kingdom"}, {"Manchester", "M1 1AE", "", "United Kingdom"},
		{"New York", "10001", "NY", "United States"}, {"San Francisco", "94105", "CA", "United States"},
		{"Berlin", "10115", "", "Germany"}, {"Paris", "75001", "", "France"}, {"Sydney", "2000", "NSW", "Australia"},
		{"Toronto", "M5H 2N2", "ON", "Canada"}, {"Dublin", "D02 X285", "", "Ireland"}, {"Amsterdam", "1012 JS", "", "Netherlands"},
	}
	seedJobTitles = []string{"CEO", "CTO", "Sales Director", "Account Manager", "Engineer", "Designer", "Buyer", "Office Manager"}
)

func seedUserIDs(f *fake) []int64 {
	var ids []int64
	for _, u := range f.coll("users").all() {
		ids = append(ids, u["id"].(int64))
	}
	return ids
}

// seedOwner picks an owner and, sometimes, a team the owner belongs to.
func seedOwner(f *fake, sc *seedCtx, rec record) {
	users := seedUserIDs(f)
	owner := users[sc.rng.IntN(len(users))]
	rec["owner"], rec["team"] = ref(owner), nil
	if sc.rng.IntN(3) == 0 {
		for _, t := range f.coll("teams").all() {
			if containsID(idList(t["_members"]), owner) {
				rec["team"] = ref(t["id"].(int64))
				break
			}
		}
	}
}

// stamp sets createdAt/updatedAt spread over the past.
func stamp(sc *seedCtx, rec record) time.Time {
	created := sc.at().Add(time.Duration(sc.rng.IntN(24*60)) * time.Minute)
	updated := created.Add(time.Duration(sc.rng.IntN(24*90)) * time.Hour)
	rec["createdAt"], rec["updatedAt"] = ts(created), ts(updated)
	return created
}

func seedPartyRecords(f *fake, sc *seedCtx) {
	parties := f.coll("parties")
	// the users' own person parties
	for i, u := range f.coll("users").all() {
		stub := u["party"].(record)
		uid := u["id"].(int64)
		p := partyEntity.defaults(nil)
		p["id"] = stub["id"]
		p["type"], p["firstName"], p["lastName"] = "person", stub["firstName"], stub["lastName"]
		p["jobTitle"], p["title"], p["organisation"] = nil, nil, nil
		p["owner"], p["team"] = ref(uid), nil
		p["_colour"] = int64(806388639 + i)
		p["_userParty"] = true
		p["pictureURL"] = pictureURL(p)
		// own id range: a server without seed leaves the nested id sequence untouched
		p["emailAddresses"] = []any{record{"id": int64(400000001 + i), "type": "Work", "address": u["preferredEmailFromAddress"]}}
		stamp(sc, p)
		parties.insert(p, time.Time{})
	}
	if sc.n == 0 {
		return
	}
	nOrg := sc.n * 3 / 10
	if nOrg == 0 && sc.n > 1 {
		nOrg = 1
	}
	var orgs []record
	for i := 0; i < nOrg; i++ {
		name := seedOrgPrefixes[i%len(seedOrgPrefixes)] + " " + seedOrgSuffixes[(i/len(seedOrgPrefixes))%len(seedOrgSuffixes)]
		if i >= len(seedOrgPrefixes)*len(seedOrgSuffixes) {
			name += fmt.Sprintf(" %d", i)
		}
		p := partyEntity.defaults(nil)
		p["type"], p["name"] = "organisation", name
		domain := strings.ToLower(strings.ReplaceAll(strings.Fields(name)[0], " ", "")) + ".example"
		p["about"] = nil
		if sc.rng.IntN(2) == 0 {
			p["about"] = name + " is a customer since " + fmt.Sprint(2015+sc.rng.IntN(9))
		}
		seedContact(f, sc, p, "info@"+domain, domain)
		seedOwner(f, sc, p)
		stamp(sc, p)
		p["_colour"] = int64(sc.rng.IntN(2000000000))
		seedTags(f, partyEntity, p, sc, seedPartyTags)
		seedPartyFields(f, sc, p)
		seedValue(f, partyEntity, p, "Employees", fmt.Sprint(5+sc.rng.IntN(5000)))
		parties.insert(p, time.Time{})
		p["pictureURL"] = pictureURL(p)
		orgs = append(orgs, p)
	}
	for i := 0; i < sc.n-nOrg; i++ {
		first := seedFirstNames[sc.rng.IntN(len(seedFirstNames))]
		last := seedLastNames[sc.rng.IntN(len(seedLastNames))]
		p := partyEntity.defaults(nil)
		p["type"], p["firstName"], p["lastName"] = "person", first, last
		p["jobTitle"] = seedJobTitles[sc.rng.IntN(len(seedJobTitles))]
		p["title"] = nil
		if sc.rng.IntN(3) == 0 {
			p["title"] = []string{"Mr", "Mrs", "Ms", "Dr"}[sc.rng.IntN(4)]
		}
		p["organisation"] = nil
		domain := "mail.example"
		if len(orgs) > 0 && sc.rng.IntN(5) != 0 {
			org := orgs[sc.rng.IntN(len(orgs))]
			p["organisation"] = ref(org["id"].(int64))
			domain = strings.TrimPrefix(str(anyList(org["emailAddresses"])[0]["address"]), "info@")
		}
		email := strings.ToLower(first+"."+strings.ReplaceAll(last, "'", "")) + fmt.Sprintf("%d@", i) + domain
		seedContact(f, sc, p, email, "")
		seedOwner(f, sc, p)
		stamp(sc, p)
		p["_colour"] = int64(sc.rng.IntN(2000000000))
		seedTags(f, partyEntity, p, sc, seedPartyTags)
		seedPartyFields(f, sc, p)
		parties.insert(p, time.Time{})
		p["pictureURL"] = pictureURL(p)
	}
}

func seedContact(f *fake, sc *seedCtx, p record, email, domain string) {
	p["emailAddresses"] = []any{nested(f, "type", []any{"Work", nil}[sc.rng.IntN(2)], "address", email)}
	var phones []any
	for j := 0; j < sc.rng.IntN(3); j++ {
		num := fmt.Sprintf("+44 20 7946 %04d", sc.rng.IntN(10000))
		phones = append(phones, nested(f, "type", []any{"Work", "Mobile", nil}[j%3], "number", num))
	}
	p["phoneNumbers"] = append([]any{}, phones...)
	p["addresses"] = []any{}
	if sc.rng.IntN(4) != 0 {
		pl := seedPlaces[sc.rng.IntN(len(seedPlaces))]
		var state any
		if pl[2] != "" {
			state = pl[2]
		}
		p["addresses"] = []any{nested(f, "type", "Office", "street", fmt.Sprintf("%d High Street", 1+sc.rng.IntN(200)),
			"city", pl[0], "state", state, "country", pl[3], "zip", pl[1])}
	}
	p["websites"] = []any{}
	if domain != "" {
		ws := []any{nested(f, "type", nil, "service", "URL", "address", "www."+domain, "url", websiteURL("URL", "www."+domain))}
		if sc.rng.IntN(2) == 0 {
			handle := strings.TrimSuffix(domain, ".example")
			ws = append(ws, nested(f, "type", nil, "service", "TWITTER", "address", handle, "url", websiteURL("TWITTER", handle)))
		}
		p["websites"] = ws
	}
}

func seedDate(sc *seedCtx, spreadDays int) string {
	base, _ := time.Parse(time.DateOnly, "2024-01-01")
	return base.AddDate(0, 0, sc.rng.IntN(spreadDays)).Format(time.DateOnly)
}

func seedPartyFields(f *fake, sc *seedCtx, p record) {
	e := partyEntity
	if sc.rng.IntN(2) == 0 {
		seedValue(f, e, p, "Account code", fmt.Sprintf("AC-%05d", sc.rng.IntN(100000)))
	}
	seedValue(f, e, p, "Newsletter", sc.rng.IntN(2) == 0)
	if sc.rng.IntN(2) == 0 {
		seedValue(f, e, p, "Renewal date", seedDate(sc, 730))
	}
	if sc.rng.IntN(3) != 0 {
		seedValue(f, e, p, "Industry", seedPartyDefs[4].options[sc.rng.IntN(5)])
	}
	if sc.rng.IntN(3) == 0 {
		seedValue(f, e, p, "CRM link", "https://crm.example.com/party/{id}")
	}
	if sc.rng.IntN(4) == 0 {
		seedValue(f, e, p, "Interests", seedPartyDefs[6].options[sc.rng.IntN(3)])
	}
}

// seedPartyIDs are the ids of the seeded (non-user) parties.
func seedPartyIDs(f *fake) []int64 {
	var ids []int64
	for _, p := range f.coll("parties").all() {
		if p["_userParty"] != true {
			ids = append(ids, p["id"].(int64))
		}
	}
	return ids
}

func seedOpportunityRecords(f *fake, sc *seedCtx) {
	parties := seedPartyIDs(f)
	if sc.n == 0 || len(parties) == 0 {
		return
	}
	coll := f.coll("opportunities")
	pipes := f.coll("pipelines").all()
	reasons := f.coll("lostReasons").all()
	names := []string{"Consulting", "Annual licence", "Support renewal", "Website rebuild", "Training", "Hardware refresh", "Integration project", "Pilot"}
	for i := 0; i < sc.n/2; i++ {
		pipe := pipes[sc.rng.IntN(len(pipes))]["id"].(int64)
		ms := milestonesOf(f, pipe)
		m := ms[sc.rng.IntN(len(ms))]
		if m["complete"] == true && sc.rng.IntN(2) == 0 { // keep most opportunities open
			m = ms[sc.rng.IntN(len(ms)-2)]
		}
		o := opportunityEntity.defaults(nil)
		o["name"] = names[sc.rng.IntN(len(names))] + fmt.Sprintf(" #%d", i+1)
		o["party"] = ref(parties[sc.rng.IntN(len(parties))])
		o["milestone"] = ref(m["id"].(int64))
		o["probability"] = m["probability"]
		o["value"] = record{"amount": json.Number(fmt.Sprint(500 + 100*sc.rng.IntN(500))), "currency": []string{"GBP", "USD", "EUR"}[sc.rng.IntN(3)]}
		o["expectedCloseOn"] = seedDate(sc, 540)
		if sc.rng.IntN(3) == 0 {
			o["durationBasis"], o["duration"] = []string{"MONTH", "YEAR"}[sc.rng.IntN(2)], int64(1+sc.rng.IntN(24))
		}
		if sc.rng.IntN(2) == 0 {
			o["description"] = "Seeded opportunity " + fmt.Sprint(i+1)
		}
		seedOwner(f, sc, o)
		created := stamp(sc, o)
		o["lastStageChangedAt"] = o["updatedAt"]
		if m["complete"] == true {
			o["closedOn"] = created.AddDate(0, 0, 1+sc.rng.IntN(60)).Format(time.DateOnly)
			o["lastOpenMilestone"] = ref(ms[sc.rng.IntN(len(ms)-2)]["id"].(int64))
			if asIntOr(m["probability"]) == 0 {
				o["lostReason"] = ref(reasons[sc.rng.IntN(len(reasons))]["id"].(int64))
			}
		}
		seedTags(f, opportunityEntity, o, sc, seedOppTags)
		if sc.rng.IntN(2) == 0 {
			seedValue(f, opportunityEntity, o, "Lead source", seedOppDefs[0].options[sc.rng.IntN(4)])
		}
		if sc.rng.IntN(3) == 0 {
			seedValue(f, opportunityEntity, o, "Discount", fmt.Sprint(5*sc.rng.IntN(6)))
		}
		seedValue(f, opportunityEntity, o, "Signed", m["complete"] == true && asIntOr(m["probability"]) > 0)
		if sc.rng.IntN(3) == 0 {
			seedValue(f, opportunityEntity, o, "Contract start", seedDate(sc, 365))
		}
		if sc.rng.IntN(5) == 0 {
			if extra := parties[sc.rng.IntN(len(parties))]; extra != refOf(o, "party") {
				o["_parties"] = []int64{extra}
			}
		}
		coll.insert(o, time.Time{})
	}
}

// dropNulls deletes the keys of rec that hold null, for a record whose
// renderer writes them back (seeded kases: renderKase, kaseNulls).
func dropNulls(rec record) {
	for k, v := range rec {
		if v == nil {
			delete(rec, k)
		}
	}
}

func seedKaseRecords(f *fake, sc *seedCtx) {
	parties := seedPartyIDs(f)
	if sc.n == 0 || len(parties) == 0 {
		return
	}
	coll := f.coll("kases")
	stages := f.coll("stages").all()
	names := []string{"Research", "Implementation", "Onboarding", "Data migration", "Audit", "Rollout"}
	for i := 0; i < sc.n/4; i++ {
		k := kaseEntity.defaults(nil)
		k["name"] = names[sc.rng.IntN(len(names))] + fmt.Sprintf(" #%d", i+1)
		k["party"] = ref(parties[sc.rng.IntN(len(parties))])
		k["stage"] = ref(stages[sc.rng.IntN(len(stages))]["id"].(int64))
		if sc.rng.IntN(2) == 0 {
			k["description"] = "Seeded project " + fmt.Sprint(i+1)
		}
		k["expectedCloseOn"] = seedDate(sc, 540)
		if sc.rng.IntN(3) == 0 {
			k["startOn"] = seedDate(sc, 200)
		}
		seedOwner(f, sc, k)
		dropNulls(k) // before the map grows past 14 keys
		created := stamp(sc, k)
		if sc.rng.IntN(5) == 0 {
			k["status"] = "CLOSED"
			k["closedOn"] = created.AddDate(0, 0, 1+sc.rng.IntN(90)).Format(time.DateOnly)
		}
		seedTags(f, kaseEntity, k, sc, seedKaseTags)
		if sc.rng.IntN(2) == 0 {
			seedValue(f, kaseEntity, k, "Priority", seedKaseDefs[0].options[sc.rng.IntN(3)])
		}
		if sc.rng.IntN(2) == 0 {
			seedValue(f, kaseEntity, k, "Budget hours", fmt.Sprint(10*(1+sc.rng.IntN(50))))
		}
		if sc.rng.IntN(3) == 0 {
			seedValue(f, kaseEntity, k, "Go-live", seedDate(sc, 365))
		}
		if sc.rng.IntN(4) == 0 {
			seedValue(f, kaseEntity, k, "Spec doc", "https://docs.example.com/spec/"+fmt.Sprint(i+1))
		}
		if sc.rng.IntN(4) == 0 {
			seedValue(f, kaseEntity, k, "Delivery manager", seedFirstNames[sc.rng.IntN(len(seedFirstNames))])
		}
		coll.insert(k, time.Time{})
	}
	// link some projects to opportunities of the same party
	byParty := map[int64]int64{}
	if opps := f.coll("opportunities"); opps != nil {
		for _, o := range opps.all() {
			byParty[refOf(o, "party")] = o["id"].(int64)
		}
	}
	for _, k := range coll.all() {
		if oid, found := byParty[refOf(k, "party")]; found && sc.rng.IntN(2) == 0 {
			k["opportunity"] = ref(oid)
		}
	}
}
