package capsuletest_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/capsulecrm-go/capsule/capsuletest"
)

// TestSaveLoadRoundTrip changes a seeded store in every kind of state Save
// keeps, loads it into a fresh server and compares the API's answers.
func TestSaveLoadRoundTrip(t *testing.T) {
	a := newServer(t, capsuletest.WithSeed(40))
	a.SetNow(time.Date(2030, 5, 6, 7, 8, 9, 0, time.UTC))
	def := req(t, a, "POST", "/parties/fields/definitions", a.Token,
		`{"definition":{"name":"Shoe size","type":"number"}}`).want(t, 201).obj(t, "definition")
	p := req(t, a, "POST", "/parties", a.Token, fmt.Sprintf(`{"party":{"type":"person","firstName":"Saved","lastName":"Person",
		"tags":[{"name":"Brand new tag"}],"fields":[{"definition":{"id":%d},"value":"42"}],
		"emailAddresses":[{"address":"saved@example.com"}]}}`, id(t, def))).want(t, 201).obj(t, "party")
	parties := get(t, a, "/parties?perPage=5").want(t, 200).list(t, "parties")
	req(t, a, "DELETE", fmt.Sprintf("/parties/%d", id(t, parties[3])), a.Token, nil)
	a.Restrict("parties", id(t, parties[1]))
	req(t, a, "POST", "/resthooks", a.AppToken, hookBody("https://hooks.example/saved")).want(t, 201)
	// a delivery that fails (not a loopback target), for the saved delivery log
	req(t, a, "POST", "/parties", a.Token, `{"party":{"type":"organisation","name":"Hooked Ltd"}}`).want(t, 201)
	if !a.WaitDeliveries(5 * time.Second) {
		t.Fatal("the delivery queue did not drain")
	}
	a.AddToken("extra-read-only", true)
	a.Advance(time.Hour)

	var buf bytes.Buffer
	if err := a.Save(&buf); err != nil {
		t.Fatal(err)
	}
	b := newServer(t)
	if err := b.Load(bytes.NewReader(buf.Bytes())); err != nil {
		t.Fatal(err)
	}
	if !b.Now().Equal(a.Now()) {
		t.Errorf("clock %v, want %v", b.Now(), a.Now())
	}
	wantDl, gotDl := a.Deliveries(), b.Deliveries()
	if len(wantDl) != 1 || len(gotDl) != 1 {
		t.Fatalf("%d deliveries after load, %d saved; want one", len(gotDl), len(wantDl))
	}
	if g, w := gotDl[0], wantDl[0]; g.HookID != w.HookID || g.Event != w.Event || g.TargetURL != w.TargetURL ||
		!bytes.Equal(g.Body, w.Body) || g.Status != w.Status || g.Err != w.Err || g.Err == "" || !g.At.Equal(w.At) {
		t.Errorf("delivery after load: hook %d %s %s %d %q at %v, body %s\nwant hook %d %s %s %d %q at %v, body %s",
			g.HookID, g.Event, g.TargetURL, g.Status, g.Err, g.At, g.Body, w.HookID, w.Event, w.TargetURL, w.Status, w.Err, w.At, w.Body)
	}
	paths := []struct{ token, path string }{
		{a.Token, "/parties?perPage=100&embed=tags,fields"},
		{a.Token, fmt.Sprintf("/parties/%d?embed=tags,fields,organisation", id(t, p))},
		{a.Token, fmt.Sprintf("/parties/%d", id(t, parties[1]))},
		{a.Token, "/parties/search?q=saved"},
		{a.Token, "/parties?since=2030-01-01T00:00:00Z"},
		{a.Token, "/parties/deleted?since=2020-01-01T00:00:00Z"},
		{a.Token, "/opportunities?perPage=100&embed=tags,fields"},
		{a.Token, "/kases?perPage=100"},
		{a.Token, "/tasks?perPage=100"},
		{a.Token, fmt.Sprintf("/parties/%d/entries", id(t, parties[0]))},
		{a.Token, "/parties/fields/definitions"},
		{a.Token, "/parties/tags"},
		{a.Token, "/users"},
		{a.Token, "/site"},
		{a.AppToken, "/resthooks"},
		{"extra-read-only", "/pipelines"},
	}
	for _, tc := range paths {
		want := req(t, a, "GET", tc.path, tc.token, nil)
		got := req(t, b, "GET", tc.path, tc.token, nil)
		if got.status != want.status || strings.ReplaceAll(string(want.raw), a.URL, b.URL) != string(got.raw) {
			t.Errorf("GET %s: %d %.300s\nwant %d %.300s", tc.path, got.status, got.raw, want.status, want.raw)
		}
	}
	// the id counters: the next party has the same id on both
	body := `{"party":{"type":"organisation","name":"After Load Ltd"}}`
	na := req(t, a, "POST", "/parties", a.Token, body).want(t, 201).obj(t, "party")
	nb := req(t, b, "POST", "/parties", a.Token, body).want(t, 201).obj(t, "party")
	if id(t, na) != id(t, nb) {
		t.Errorf("next id %d after load, want %d", id(t, nb), id(t, na))
	}
	// the loading server's own tokens still work; the read-only one is still read-only
	get(t, b, "/site").want(t, 200)
	req(t, b, "POST", "/parties", "extra-read-only", body).want(t, 403)
}

func TestLoadRefusesBadState(t *testing.T) {
	srv := newServer(t, capsuletest.WithSeed(3))
	before := get(t, srv, "/parties").raw
	for _, tc := range []struct{ state, want string }{
		{`not json`, "capsuletest: load"},
		{`{"version":2}`, "state version 2"},
		{`{"version":1,"collections":{"nope":{"records":[]}}}`, `unknown collection "nope"`},
		{`{"version":1,"collections":{"parties":{"records":[{"map":{"name":"no id"}}]}}}`, "without an id"},
		{`{"version":1,"collections":{"parties":{"records":[{"map":{"id":{"int":"1"},"x":{"what":1}}}]}}}`, `unknown value tag "what"`},
	} {
		err := srv.Load(strings.NewReader(tc.state))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Load(%s): %v, want %q", tc.state, err, tc.want)
		}
	}
	if after := get(t, srv, "/parties").raw; !bytes.Equal(after, before) {
		t.Error("a refused load changed the store")
	}
}
