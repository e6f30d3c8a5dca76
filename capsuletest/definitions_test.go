package capsuletest_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/capsulecrm-go/capsule/capsuletest"
)

func TestTagDefinitions(t *testing.T) {
	for _, entity := range []string{"parties", "opportunities", "kases"} {
		t.Run(entity, func(t *testing.T) {
			r := newRecT(t)
			base := "/" + entity + "/tags"
			rs := r.do("POST", base, `{"tag":{"name":"Nice Guy","description":null,"dataTag":false}}`).want(t, 201)
			tag := rs.obj(t, "tag")
			tid := id(t, tag)
			if rs.header.Get("Location") != fmt.Sprintf("%s%s/%d", r.srv.BaseURL, base, tid) || keysOf(tag) != "dataTag,description,id,name" {
				t.Errorf("create %s %v", rs.raw, rs.header)
			}
			wantErrors(t, r.do("POST", base, `{"tag":{"name":"nice guy"}}`), "name has already been taken|tag|name")
			wantErrors(t, r.do("POST", base, `{"tag":{}}`), "name is required|tag|name")
			wantErrors(t, r.do("POST", base, `{"tag":{"name":"x","dataTag":"yes"}}`), "dataTag is invalid|tag|dataTag")
			r.create(base, "tag", map[string]any{"name": "Second"})
			rs = r.get(base+"?perPage=1").want(t, 200)
			if len(rs.list(t, "tags")) != 1 || !strings.Contains(rs.header.Get("Link"), `rel="next"`) {
				t.Errorf("paged tags %s %v", rs.raw, rs.header)
			}
			got := r.update(fmt.Sprintf("%s/%d", base, tid), "tag", map[string]any{"description": "d", "dataTag": true})
			if got["description"] != "d" || got["name"] != "Nice Guy" || jsonStr(got["definitions"]) != "[]" {
				t.Errorf("update %v", got)
			}
			if r.get(fmt.Sprintf("%s/%d", base, tid)).want(t, 200).obj(t, "tag")["description"] != "d" {
				t.Error("show after update")
			}
			r.get(base+"/1").want(t, 404)
			r.do("DELETE", fmt.Sprintf("%s/%d", base, tid), nil).want(t, 204)
			r.do("DELETE", fmt.Sprintf("%s/%d", base, tid), nil).want(t, 404)
		})
	}
	// async delete of a tag definition
	r := newRecT(t, capsuletest.WithAsyncDeletes(true))
	tag := r.create("/kases/tags", "tag", map[string]any{"name": "A"})
	rs := r.do("DELETE", fmt.Sprintf("/kases/tags/%d", id(t, tag)), nil).want(t, 202)
	job := r.get(strings.TrimPrefix(rs.header.Get("Location"), r.srv.BaseURL)).want(t, 200).obj(t, "job")
	if job["action"] != "Deleting Tag" {
		t.Errorf("job %v", job)
	}
}

func TestFieldDefinitions(t *testing.T) {
	r := newRecT(t)
	dt := r.create("/kases/tags", "tag", map[string]any{"name": "Hobby interests", "dataTag": true})
	plain := r.create("/kases/tags", "tag", map[string]any{"name": "Plain"})
	rs := r.do("POST", "/kases/fields/definitions", map[string]any{"definition": map[string]any{
		"name": "Interests", "type": "list", "options": []any{"Traveling", "Food", "Art"}, "tag": map[string]any{"name": "hobby interests"}, "captureRule": "person",
	}}).want(t, 201)
	d := rs.obj(t, "definition")
	did := id(t, d)
	if rs.header.Get("Location") != fmt.Sprintf("%s/kases/fields/definitions/%d", r.srv.BaseURL, did) {
		t.Errorf("Location %q", rs.header.Get("Location"))
	}
	want := fmt.Sprintf(`{"captureRule":null,"description":null,"displayOrder":1,"id":%d,"important":false,"name":"Interests","options":["Traveling","Food","Art"],"tag":{"dataTag":true,"id":%d,"name":"Hobby interests"},"type":"list"}`, did, id(t, dt))
	if jsonStr(d) != want {
		t.Errorf("definition %s\nwant %s", jsonStr(d), want)
	}
	// the data tag lists its definitions; dataTag cannot be switched off while it has some
	if defs := r.get(fmt.Sprintf("/kases/tags/%d", id(t, dt))).obj(t, "tag")["definitions"].([]any); len(defs) != 1 {
		t.Errorf("tag definitions %v", defs)
	}
	wantErrors(t, r.do("PUT", fmt.Sprintf("/kases/tags/%d", id(t, dt)), `{"tag":{"dataTag":false}}`),
		"dataTag cannot be turned off while the tag has field definitions|tag|dataTag")
	tests := []struct {
		body string
		want string
	}{
		{`{"type":"text"}`, "name is required|definition|name"},
		{`{"name":"X"}`, "type is required|definition|type"},
		{`{"name":"X","type":"large text"}`, "type is invalid|definition|type"},
		{`{"name":"X","type":"list"}`, "options is required|definition|options"},
		{`{"name":"X","type":"list","options":[1]}`, "options is invalid|definition|options"},
		{`{"name":"interests","type":"text"}`, "name has already been taken|definition|name"},
		{fmt.Sprintf(`{"name":"X","type":"text","tag":{"id":%d}}`, id(t, plain)), "tag is invalid|definition|tag"},
		{`{"name":"X","type":"text","tag":"nope"}`, "tag is invalid|definition|tag"},
	}
	for _, tc := range tests {
		wantErrors(t, r.do("POST", "/kases/fields/definitions", `{"definition":`+tc.body+`}`), tc.want)
	}
	// the same id space is separate per entity; parties keep captureRule
	pd := r.create("/parties/fields/definitions", "definition", map[string]any{"name": "Size", "type": "number", "captureRule": "organisation", "important": true})
	if pd["captureRule"] != "organisation" || pd["important"] != true || pd["tag"] != nil {
		t.Errorf("party definition %v", pd)
	}
	if _, has := pd["options"]; has {
		t.Errorf("options on a number field %v", pd)
	}
	// update: type is fixed, name changes show in values
	u := r.update(fmt.Sprintf("/kases/fields/definitions/%d", did), "definition", map[string]any{"name": "Hobbies", "type": "text", "important": true})
	if u["type"] != "list" || u["name"] != "Hobbies" || u["important"] != true {
		t.Errorf("update %v", u)
	}
	r.create("/kases/fields/definitions", "definition", map[string]any{"name": "Two", "type": "text"})
	rs = r.get("/kases/fields/definitions?perPage=1&page=2").want(t, 200)
	if got := rs.list(t, "definitions"); len(got) != 1 || got[0]["name"] != "Two" || !strings.Contains(rs.header.Get("Link"), `rel="prev"`) {
		t.Errorf("paged definitions %s", rs.raw)
	}
	r.get("/kases/fields/definitions/1").want(t, 404)
	// deleting a definition removes its values
	pid := r.person("A", "B")
	k := r.kase("K", pid, map[string]any{"fields": []any{map[string]any{"definition": map[string]any{"id": did}, "value": "Food"}}})
	kpath := fmt.Sprintf("/kases/%d?embed=fields,missingImportantFields", id(t, k))
	got := r.get(kpath).obj(t, "kase")
	fv := got["fields"].([]any)[0].(map[string]any)
	if jsonStr(fv["definition"]) != fmt.Sprintf(`{"id":%d,"name":"Hobbies"}`, did) || fv["tagId"] != float64(id(t, dt)) || fv["value"] != "Food" {
		t.Errorf("value %v", fv)
	}
	if got["missingImportantFields"] != false {
		t.Errorf("missingImportantFields %v", got["missingImportantFields"])
	}
	// setting a data-tag field does not attach the data tag
	if tags := r.get(fmt.Sprintf("/kases/%d?embed=tags", id(t, k))).obj(t, "kase")["tags"]; jsonStr(tags) != "[]" {
		t.Errorf("data tag attached: %v", tags)
	}
	r.do("DELETE", fmt.Sprintf("/kases/fields/definitions/%d", did), nil).want(t, 204)
	if fs := r.get(kpath).obj(t, "kase")["fields"]; jsonStr(fs) != "[]" {
		t.Errorf("values after definition delete %v", fs)
	}
	// async
	ra := newRecT(t, capsuletest.WithAsyncDeletes(true))
	d2 := ra.create("/opportunities/fields/definitions", "definition", map[string]any{"name": "X", "type": "boolean"})
	ra.do("DELETE", fmt.Sprintf("/opportunities/fields/definitions/%d", id(t, d2)), nil).want(t, 202)
}

func TestCustomFieldValues(t *testing.T) {
	r := newRecT(t)
	defs := map[string]int64{}
	for _, d := range []map[string]any{
		{"name": "T", "type": "text"}, {"name": "N", "type": "number"}, {"name": "B", "type": "boolean"},
		{"name": "D", "type": "date"}, {"name": "L", "type": "list", "options": []any{"Red", "Blue"}}, {"name": "U", "type": "link"},
	} {
		defs[d["name"].(string)] = id(t, r.create("/parties/fields/definitions", "definition", d))
	}
	pid := r.person("F", "V")
	path := fmt.Sprintf("/parties/%d?embed=fields", pid)
	set := func(name string, v any) resp {
		return r.do("PUT", path, map[string]any{"party": map[string]any{"fields": []any{map[string]any{"definition": map[string]any{"id": defs[name]}, "value": v}}}})
	}
	value := func(name string) (any, bool) {
		for _, f := range r.get(path).obj(t, "party")["fields"].([]any) {
			fv := f.(map[string]any)
			if fv["definition"].(map[string]any)["id"] == float64(defs[name]) {
				return fv["value"], true
			}
		}
		return nil, false
	}
	valid := []struct {
		name string
		in   any
		out  any
	}{
		{"T", "hello", "hello"},
		{"N", 3, "3"},
		{"N", 2.5, "2.5"},
		{"N", "42", "42"},
		{"B", false, false},
		{"B", true, true},
		{"D", "2025-02-28", "2025-02-28"},
		{"L", "Blue", "Blue"},
		{"U", "https://example.com/{id}", "https://example.com/{id}"},
	}
	for _, tc := range valid {
		set(tc.name, tc.in).want(t, 200)
		if got, _ := value(tc.name); got != tc.out {
			t.Errorf("%s=%v: stored %v (%T), want %v", tc.name, tc.in, got, got, tc.out)
		}
	}
	invalid := []struct {
		name string
		in   any
		want string
	}{
		{"T", 5, "field.value: invalid type for field"},
		{"N", "many", "field.value: invalid type for field"},
		{"N", true, "field.value: invalid type for field"},
		{"B", nil, "field.value: invalid type for field"},
		{"B", "true", "field.value: invalid type for field"},
		{"D", "28/02/2025", "field.value: invalid date, expected YYYY-MM-DD"},
		{"D", "2025-02-30", "field.value: invalid date, expected YYYY-MM-DD"},
		{"L", "Green", "field.value: value is not one of the list options"},
		{"L", 1, "field.value: invalid type for field"},
	}
	for _, tc := range invalid {
		wantErrors(t, set(tc.name, tc.in), tc.want+"|party|fields")
	}
	// upsert keeps one row per definition, with the same row id
	before := r.get(path).obj(t, "party")["fields"].([]any)
	set("T", "again").want(t, 200)
	after := r.get(path).obj(t, "party")["fields"].([]any)
	if len(after) != len(before) || jsonStr(before[0].(map[string]any)["id"]) != jsonStr(after[0].(map[string]any)["id"]) {
		t.Errorf("upsert changed rows: %v -> %v", before, after)
	}
	// update by row id, remove by row id, clear with null
	row := after[0].(map[string]any)["id"]
	r.update(path, "party", map[string]any{"fields": []any{map[string]any{"id": row, "value": "by row"}}})
	if v, _ := value("T"); v != "by row" {
		t.Errorf("by row: %v", v)
	}
	wantErrors(t, r.do("PUT", path, map[string]any{"party": map[string]any{"fields": []any{map[string]any{"id": row, "value": 7}}}}), "field.value: invalid type for field|party|fields")
	r.update(path, "party", map[string]any{"fields": []any{map[string]any{"id": row, "_delete": true}}})
	if _, has := value("T"); has {
		t.Error("row not deleted")
	}
	for _, name := range []string{"N", "D", "L", "U"} {
		set(name, nil).want(t, 200)
		if _, has := value(name); has {
			t.Errorf("%s not cleared by null", name)
		}
	}
	if v, has := value("B"); !has || v != true {
		t.Errorf("boolean %v", v)
	}
	wantErrors(t, r.do("PUT", path, `{"party":{"fields":[{"definition":{"id":1},"value":"x"}]}}`), "field.definition: unknown field definition|party|fields")
	wantErrors(t, r.do("PUT", path, `{"party":{"fields":[{"id":1,"value":"x"}]}}`), "fields 1 not found|party|fields")
	wantErrors(t, r.do("PUT", path, `{"party":{"fields":{"a":1}}}`), "fields is invalid|party|fields")
	// definitions of another entity are unknown here
	od := r.create("/opportunities/fields/definitions", "definition", map[string]any{"name": "Only opp", "type": "text"})
	if id(t, od) == defs["T"] {
		wantErrors(t, r.do("PUT", path, map[string]any{"party": map[string]any{"fields": []any{map[string]any{"definition": map[string]any{"id": id(t, od) + 100}, "value": "x"}}}}),
			"field.definition: unknown field definition|party|fields")
	}
	// missingImportantFields follows important definitions
	r.update(fmt.Sprintf("/parties/fields/definitions/%d", defs["T"]), "definition", map[string]any{"important": true})
	if m := r.get(fmt.Sprintf("/parties/%d?embed=missingImportantFields", pid)).obj(t, "party")["missingImportantFields"]; m != true {
		t.Errorf("missingImportantFields %v", m)
	}
}
