package capsuletest

import (
	"bytes"
	"encoding/json"
	"maps"
	"net/http/httptest"
	"testing"
)

// TestCompactRecordsRenderAsFull: the seed stores kases and notes without
// their nulls, tasks without active and parties' contact collections packed;
// each renders byte for byte as the same record with every key stored as a
// map, the shape the fake stored before.
func TestCompactRecordsRenderAsFull(t *testing.T) {
	f := newFake(WithSeed(200))
	f.mu.Lock()
	defer f.mu.Unlock()
	c := &call{f: f, r: httptest.NewRequest("GET", "/", nil), tok: &token{user: f.currentUser, scope: "read write"}, user: f.currentUser}
	encode := func(v any) string {
		var buf bytes.Buffer
		if err := appendJSON(&buf, v); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	fill := func(r record, defaults record) (record, bool) {
		full, filled := maps.Clone(r), false
		for k, v := range defaults {
			if _, set := full[k]; !set {
				full[k], filled = v, true
			}
		}
		return full, filled
	}
	cases := []struct {
		coll     string
		render   func(*call, record) any
		defaults record
	}{
		{"kases", renderKase, record{"description": nil, "closedOn": nil, "lastContactedAt": nil, "expectedCloseOn": nil, "startOn": nil}},
		{"entries", func(c *call, r record) any { return renderEntry(c, r) },
			record{"subject": nil, "_activityType": int64(-1), "_party": nil, "_opportunity": nil, "_kase": nil}},
		{"tasks", renderTask, record{"active": true}},
	}
	for _, tc := range cases {
		compact := 0
		for _, r := range f.coll(tc.coll).all() {
			full, filled := fill(r, tc.defaults)
			if filled {
				compact++
			}
			if got, want := encode(tc.render(c, r)), encode(tc.render(c, full)); got != want {
				t.Fatalf("%s %v:\n got %s\nwant %s", tc.coll, r["id"], got, want)
			}
		}
		if compact == 0 {
			t.Errorf("%s: no seeded record is stored compact", tc.coll)
		}
	}
	packed := 0
	for _, p := range f.coll("parties").all() {
		full := maps.Clone(p)
		for key := range contactKinds {
			cs, isPacked := p[key].(contacts)
			if !isPacked {
				t.Fatalf("party %v: %s is a %T", p["id"], key, p[key])
			}
			packed += len(cs)
			full[key] = cs.unpack()
			want, err := json.Marshal(cs.unpack())
			if err != nil {
				t.Fatal(err)
			}
			if got := encode(cs); got != string(want) {
				t.Fatalf("party %v %s:\n got %s\nwant %s", p["id"], key, got, want)
			}
		}
		if got, want := encode(renderParty(c, p)), encode(renderParty(c, full)); got != want {
			t.Fatalf("party %v:\n got %s\nwant %s", p["id"], got, want)
		}
	}
	if packed == 0 {
		t.Error("no contact was seeded")
	}
}

// TestPackContactsKeepsWhatItCannotRepresent: a contact list of another key
// set or with a value that is not text stays the []any it was.
func TestPackContactsKeepsWhatItCannotRepresent(t *testing.T) {
	odd := []any{record{"id": int64(1), "address": "a@example.com", "type": nil, "extra": "x"}}
	num := []any{record{"id": int64(2), "number": int64(5), "type": nil}}
	noID := []any{record{"id": "3", "address": "x", "service": "URL", "type": nil, "url": "u"}}
	ok := []any{record{"id": int64(4), "number": "+44 1", "type": nil}}
	rec := record{"emailAddresses": odd, "phoneNumbers": num, "websites": noID, "addresses": "not a list"}
	packContacts(rec)
	for _, k := range []string{"emailAddresses", "phoneNumbers", "websites", "addresses"} {
		if _, isPacked := rec[k].(contacts); isPacked {
			t.Errorf("%s was packed", k)
		}
	}
	rec["phoneNumbers"] = ok
	packContacts(rec)
	cs, isPacked := rec["phoneNumbers"].(contacts)
	if !isPacked || len(cs) != 1 || cs[0].get("number") != "+44 1" || cs[0].get("type") != nil || cs[0].get("id") != int64(4) {
		t.Fatalf("packed %#v", rec["phoneNumbers"])
	}
	if got := contactVals(rec["phoneNumbers"], "number"); len(got) != 1 || got[0] != "+44 1" {
		t.Errorf("contactVals = %v", got)
	}
	if got := contactVals(num, "number"); len(got) != 1 || got[0] != int64(5) {
		t.Errorf("contactVals of a list = %v", got)
	}
}
