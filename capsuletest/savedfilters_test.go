package capsuletest_test

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/capsulecrm-go/capsule/capsuletest"
)

// savedFilter returns the id of the saved filter named name of entity.
func savedFilter(t *testing.T, r *recT, entity, name string) (int64, map[string]any) {
	t.Helper()
	for _, f := range r.get("/"+entity+"/filters").want(t, 200).list(t, "filters") {
		if f["name"] == name {
			return id(t, f), f
		}
	}
	t.Fatalf("no saved filter %q of %s", name, entity)
	return 0, nil
}

// allPages reads every page of path (perPage 7, so several) and checks the
// Link headers on the way.
func allPages(t *testing.T, r *recT, path, key string) []map[string]any {
	t.Helper()
	var out []map[string]any
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	for page := 1; ; page++ {
		rs := r.get(fmt.Sprintf("%s%sperPage=7&page=%d", path, sep, page)).want(t, 200)
		items := rs.list(t, key)
		out = append(out, items...)
		links := parseLinks(t, rs.header.Get("Link"))
		if page > 1 && links["prev"] == "" {
			t.Errorf("page %d of %s: no prev link", page, path)
		}
		if links["next"] == "" {
			return out
		}
		if !strings.Contains(links["next"], fmt.Sprintf("page=%d", page+1)) || !strings.Contains(links["next"], "perPage=7") {
			t.Errorf("next link %q", links["next"])
		}
	}
}

func TestSavedFiltersListAndShow(t *testing.T) {
	t.Parallel()
	r := newRecT(t)
	names := map[string][]string{}
	for _, entity := range []string{"parties", "opportunities", "kases"} {
		rs := r.get("/"+entity+"/filters").want(t, 200)
		if rs.header.Get("Link") != "" {
			t.Errorf("%s: saved filters are not paged: %q", entity, rs.header.Get("Link"))
		}
		for _, f := range rs.list(t, "filters") {
			names[entity] = append(names[entity], f["name"].(string))
			for _, k := range []string{"id", "name", "conditions", "orderBy"} {
				if _, has := f[k]; !has {
					t.Errorf("%s filter lacks %s: %v", entity, k, f)
				}
			}
			if _, leaked := f["_entity"]; leaked {
				t.Errorf("private key rendered: %v", f)
			}
			one := r.get(fmt.Sprintf("/%s/filters/%d", entity, id(t, f))).want(t, 200).obj(t, "filter")
			if !reflect.DeepEqual(one, f) {
				t.Errorf("show %v != listed %v", one, f)
			}
		}
	}
	want := map[string][]string{
		"parties":       {"Organisations A-Z", "People with an email address"},
		"opportunities": {"Open by probability", "Likely deals"},
		"kases":         {"Open projects"},
	}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("saved filters %v", names)
	}
	orgs, f := savedFilter(t, r, "parties", "Organisations A-Z")
	if got := jsonStr(f["conditions"]); got != `[{"field":"type","operator":"is","value":"organisation"}]` {
		t.Errorf("conditions %s", got)
	}
	if got := jsonStr(f["orderBy"]); got != `[{"direction":"ascending","field":"name"}]` {
		t.Errorf("orderBy %s", got)
	}
	r.get(fmt.Sprintf("/opportunities/filters/%d", orgs)).want(t, 404)
	r.get(fmt.Sprintf("/opportunities/filters/%d/results", orgs)).want(t, 404)
	r.get("/parties/filters/999999").want(t, 404)
	r.get("/parties/filters/x/results").want(t, 404)
	r.get(fmt.Sprintf("/parties/filters/%d,%d", orgs, orgs+1)).want(t, 404)
	req(t, r.srv, "GET", "/parties/filters", "", nil).want(t, 401)
}

func TestSavedFilterResults(t *testing.T) {
	t.Parallel()
	r := newRecT(t, capsuletest.WithSeed(60))
	adhoc := func(entity, conditions string) []map[string]any {
		return req(t, r.srv, "POST", "/"+entity+"/filters/results?perPage=100", r.srv.Token,
			`{"filter":{"conditions":`+conditions+`}}`).want(t, 200).list(t, entity)
	}

	// unsorted: the ad-hoc filter's results, ascending id
	people, _ := savedFilter(t, r, "parties", "People with an email address")
	got := allPages(t, r, fmt.Sprintf("/parties/filters/%d/results", people), "parties")
	want := adhoc("parties", `[{"field":"type","operator":"is","value":"person"},{"field":"hasEmailAddress","operator":"is","value":true}]`)
	if len(want) < 8 || !reflect.DeepEqual(ids(t, got), ids(t, want)) {
		t.Errorf("people: %d results %v, want %v", len(got), ids(t, got), ids(t, want))
	}
	for _, p := range got {
		if p["type"] != "person" || len(p["emailAddresses"].([]any)) == 0 {
			t.Errorf("not a person with an email address: %v", p)
		}
	}

	// sorted by the saved orderBy
	orgs, _ := savedFilter(t, r, "parties", "Organisations A-Z")
	got = allPages(t, r, fmt.Sprintf("/parties/filters/%d/results", orgs), "parties")
	var names []string
	for _, p := range got {
		names = append(names, strings.ToLower(p["name"].(string)))
	}
	if len(names) < 2 || !slices.IsSorted(names) {
		t.Errorf("organisations not by name: %v", names)
	}
	if n := len(adhoc("parties", `[{"field":"type","operator":"is","value":"organisation"}]`)); n != len(got) {
		t.Errorf("%d organisations, ad-hoc %d", len(got), n)
	}

	open, _ := savedFilter(t, r, "opportunities", "Open by probability")
	got = allPages(t, r, fmt.Sprintf("/opportunities/filters/%d/results", open), "opportunities")
	var probs []float64
	for _, o := range got {
		probs = append(probs, o["probability"].(float64))
	}
	if len(probs) < 2 || !slices.IsSortedFunc(probs, func(a, b float64) int { return int(b - a) }) || probs[0] == probs[len(probs)-1] {
		t.Errorf("open opportunities not by probability descending: %v", probs)
	}

	// embed
	one := r.get(fmt.Sprintf("/parties/filters/%d/results?perPage=1", people)).want(t, 200).list(t, "parties")
	if _, has := one[0]["tags"]; has {
		t.Errorf("tags without embed")
	}
	one = r.get(fmt.Sprintf("/parties/filters/%d/results?perPage=1&embed=tags,fields", people)).want(t, 200).list(t, "parties")
	if _, has := one[0]["tags"]; !has {
		t.Errorf("embed=tags: %v", one[0])
	}
	r.get(fmt.Sprintf("/parties/filters/%d/results?perPage=101", people)).want(t, 400)

	// results follow the store
	kases, _ := savedFilter(t, r, "kases", "Open projects")
	before := len(allPages(t, r, fmt.Sprintf("/kases/filters/%d/results", kases), "kases"))
	r.kase("Zz new project", r.person("Kit", "Marlowe"))
	if after := len(allPages(t, r, fmt.Sprintf("/kases/filters/%d/results", kases), "kases")); after != before+1 {
		t.Errorf("open projects %d -> %d after a create", before, after)
	}
}
