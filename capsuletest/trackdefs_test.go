package capsuletest_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestTrackDefinitionsList(t *testing.T) {
	srv := newServer(t)
	all := get(t, srv, "/trackdefinitions").want(t, 200).list(t, "trackDefinitions")
	if len(all) != 3 {
		t.Fatalf("%d seeded definitions", len(all))
	}
	for _, k := range []string{"id", "description", "tag", "captureRule", "direction", "taskDefinitions", "createdAt", "updatedAt"} {
		if _, ok := all[0][k]; !ok {
			t.Errorf("definition lacks %s", k)
		}
	}
	defs := all[0]["taskDefinitions"].([]any)
	if len(defs) != 3 {
		t.Fatalf("task definitions %v", defs)
	}
	first := defs[0].(map[string]any)
	for _, k := range []string{"id", "description", "daysAfterRule", "daysAfter", "dayDelayRule", "displayOrder", "category", "trackTaskAssignee", "createdAt", "updatedAt"} {
		if _, ok := first[k]; !ok {
			t.Errorf("task definition lacks %s", k)
		}
	}
	if c, _ := first["category"].(map[string]any); c["name"] != "Email" || first["displayOrder"] != float64(1) ||
		!reflect.DeepEqual(first["trackTaskAssignee"], map[string]any{"assigneeType": "ENTITY_OWNER"}) {
		t.Errorf("first task definition %v", first)
	}
	for typ, want := range map[string]string{"kases": "CASEFILE", "opportunities": "OPPORTUNITY"} {
		list := get(t, srv, "/trackdefinitions?type="+typ).want(t, 200).list(t, "trackDefinitions")
		if len(list) == 0 || len(list) == len(all) {
			t.Errorf("type=%s: %d", typ, len(list))
		}
		for _, d := range list {
			if d["captureRule"] != want {
				t.Errorf("type=%s: %v", typ, d["captureRule"])
			}
		}
	}
	if n := len(get(t, srv, "/trackdefinitions?type=all").list(t, "trackDefinitions")); n != 3 {
		t.Errorf("type=all: %d", n)
	}
	get(t, srv, "/trackdefinitions?type=parties").want(t, 400)
	r := get(t, srv, "/trackdefinitions?perPage=2").want(t, 200)
	if len(r.list(t, "trackDefinitions")) != 2 || parseLinks(t, r.header.Get("Link"))["next"] == "" {
		t.Errorf("paging: %s", r.header.Get("Link"))
	}
	got := get(t, srv, fmt.Sprintf("/trackdefinitions/%d", id(t, all[1]))).want(t, 200).obj(t, "trackDefinition")
	if !reflect.DeepEqual(got, all[1]) {
		t.Errorf("show %v != listed %v", got, all[1])
	}
	get(t, srv, "/trackdefinitions/1").want(t, 404)
}

func TestTrackDefinitionCRUD(t *testing.T) {
	srv := newServer(t)
	r := req(t, srv, "POST", "/trackdefinitions", srv.Token, `{"trackDefinition":{"description":"Onboarding","captureRule":"CASEFILE","direction":"START_DATE","tag":"New",
		"taskDefinitions":[
			{"description":"Welcome call","daysAfterRule":"TRACK_START","daysAfter":0,"dayDelayRule":"TRACK_DAYS","category":{"name":"call"},"trackTaskAssignee":{"assigneeType":"ENTITY_OWNER"}},
			{"description":"Check-in","daysAfterRule":"LAST_TASK","daysAfter":2,"dayDelayRule":"TRACK_WEEKS","category":102,"trackTaskAssignee":{"assigneeType":"USER","owner":{"id":674198}},"bogus":1}
		]}}`).want(t, 201)
	def := r.obj(t, "trackDefinition")
	path := fmt.Sprintf("/trackdefinitions/%d", id(t, def))
	if loc := r.header.Get("Location"); loc != srv.BaseURL+path {
		t.Errorf("Location %q", loc)
	}
	tds := def["taskDefinitions"].([]any)
	if len(tds) != 2 || def["tag"] != "New" || def["captureRule"] != "CASEFILE" {
		t.Fatalf("created %v", def)
	}
	td0, td1 := tds[0].(map[string]any), tds[1].(map[string]any)
	if td0["category"].(map[string]any)["name"] != "Call" || td1["category"].(map[string]any)["name"] != "Email" ||
		td0["displayOrder"] != float64(1) || td1["displayOrder"] != float64(2) || td1["daysAfter"] != float64(2) {
		t.Errorf("task definitions %v", tds)
	}
	if a := td1["trackTaskAssignee"].(map[string]any); a["assigneeType"] != "USER" || a["owner"].(map[string]any)["username"] != "maia.hilton" {
		t.Errorf("assignee %v", a)
	}
	if _, ok := td1["bogus"]; ok {
		t.Error("unknown key stored")
	}
	if got := get(t, srv, path).want(t, 200).obj(t, "trackDefinition"); !reflect.DeepEqual(got, def) {
		t.Errorf("show %v", got)
	}

	// Nested changes: patch one, delete one, add one.
	u := req(t, srv, "PUT", path, srv.Token, fmt.Sprintf(`{"trackDefinition":{"description":"Onboarding v2","taskDefinitions":[
		{"id":%d,"daysAfter":5},
		{"id":%d,"_delete":true},
		{"description":"Survey","daysAfterRule":"LAST_TASK","daysAfter":7,"dayDelayRule":"TRACK_WORKDAYS","trackTaskAssignee":{"assigneeType":"ENTITY_OWNER"}}]}}`,
		id(t, td0), id(t, td1))).want(t, 200).obj(t, "trackDefinition")
	tds = u["taskDefinitions"].([]any)
	if u["description"] != "Onboarding v2" || u["tag"] != "New" || len(tds) != 2 {
		t.Fatalf("updated %v", u)
	}
	p0, added := tds[0].(map[string]any), tds[1].(map[string]any)
	if id(t, p0) != id(t, td0) || p0["daysAfter"] != float64(5) || p0["description"] != "Welcome call" || p0["category"].(map[string]any)["name"] != "Call" {
		t.Errorf("patched %v", p0)
	}
	if added["description"] != "Survey" || added["displayOrder"] != float64(2) || added["category"] != nil {
		t.Errorf("added %v", added)
	}

	// Bad nested changes: 422, nothing stored.
	for _, body := range []string{
		`{"trackDefinition":{"description":"X","taskDefinitions":[{"id":1,"daysAfter":1}]}}`,
		fmt.Sprintf(`{"trackDefinition":{"description":"X","taskDefinitions":[{"id":%d,"dayDelayRule":"TRACK_MONTHS"}]}}`, id(t, p0)),
		fmt.Sprintf(`{"trackDefinition":{"description":"X","taskDefinitions":[{"id":%d,"daysAfter":-1}]}}`, id(t, p0)),
		`{"trackDefinition":{"description":"X","taskDefinitions":[{"description":"No rules"}]}}`,
		`{"trackDefinition":{"description":"X","taskDefinitions":[{"_delete":true}]}}`,
		`{"trackDefinition":{"description":"X","taskDefinitions":["Call"]}}`,
		`{"trackDefinition":{"description":"X","taskDefinitions":{"description":"x"}}}`,
		`{"trackDefinition":{"description":"X","direction":"SIDEWAYS"}}`,
		`{"trackDefinition":{"description":null}}`,
	} {
		req(t, srv, "PUT", path, srv.Token, body).want(t, 422)
	}
	if got := get(t, srv, path).obj(t, "trackDefinition"); !reflect.DeepEqual(got, u) {
		t.Errorf("after failed updates %v", got)
	}
	// [] and null change nothing.
	for _, body := range []string{`{"trackDefinition":{"taskDefinitions":[]}}`, `{"trackDefinition":{"taskDefinitions":null}}`} {
		if n := len(req(t, srv, "PUT", path, srv.Token, body).want(t, 200).obj(t, "trackDefinition")["taskDefinitions"].([]any)); n != 2 {
			t.Errorf("%s: %d task definitions", body, n)
		}
	}
	req(t, srv, "PUT", "/trackdefinitions/1", srv.Token, `{"trackDefinition":{}}`).want(t, 404)
	req(t, srv, "DELETE", path, srv.Token, nil).want(t, 204)
	get(t, srv, path).want(t, 404)
	req(t, srv, "DELETE", path, srv.Token, nil).want(t, 404)
}

func TestTrackDefinitionValidation(t *testing.T) {
	srv := newServer(t)
	tests := []struct {
		body   string
		fields []string
	}{
		{`{"trackDefinition":{}}`, []string{"captureRule", "description", "direction"}},
		{`{"trackDefinition":{"description":"x","captureRule":"LEAD","direction":"START_DATE"}}`, []string{"captureRule"}},
		{`{"trackDefinition":{"description":"x","captureRule":"OPPORTUNITY","direction":"START_DATE","taskDefinitions":[{}]}}`,
			[]string{"taskDefinitions.dayDelayRule", "taskDefinitions.daysAfter", "taskDefinitions.daysAfterRule", "taskDefinitions.description", "taskDefinitions.trackTaskAssignee"}},
		{`{"trackDefinition":{"description":"x","captureRule":"OPPORTUNITY","direction":"START_DATE","taskDefinitions":[
			{"description":"a","daysAfterRule":"TRACK_START","daysAfter":"1","dayDelayRule":"TRACK_DAYS","category":"Nope","trackTaskAssignee":{"assigneeType":"USER","owner":{"id":5}}}]}}`,
			[]string{"taskDefinitions.daysAfter", "taskDefinitions.category", "taskDefinitions.trackTaskAssignee"}},
	}
	for _, tc := range tests {
		r := req(t, srv, "POST", "/trackdefinitions", srv.Token, tc.body).want(t, 422)
		var fields []string
		for _, e := range r.list(t, "errors") {
			if e["resource"] != "trackDefinition" || !strings.HasPrefix(e["message"].(string), e["field"].(string)+" ") {
				t.Errorf("error %v", e)
			}
			fields = append(fields, e["field"].(string))
		}
		if !reflect.DeepEqual(fields, tc.fields) {
			t.Errorf("%s: fields %v, want %v", tc.body, fields, tc.fields)
		}
	}
	req(t, srv, "POST", "/trackdefinitions", srv.Token, `{"trackDefinitions":{}}`).want(t, 400)
	req(t, srv, "POST", "/trackdefinitions", srv.Token, `not json`).want(t, 400)
	if n := len(get(t, srv, "/trackdefinitions").list(t, "trackDefinitions")); n != 3 {
		t.Errorf("%d definitions after failed creates", n)
	}
}
