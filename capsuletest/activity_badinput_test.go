package capsuletest_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// oddValues are JSON values of every shape, used to probe each field.
var oddValues = []string{`null`, `""`, `"x"`, `0`, `-1`, `1.5`, `1e400`, `true`, `[]`, `[1]`, `{}`, `{"id":"x"}`,
	`{"id":1e30}`, `{"id":-5}`, `{"name":7}`, `{"id":null}`, `[{"id":"x"}]`, `[{"_delete":"yes","id":1}]`, `[null]`}

// probe sends every odd value in every field of base (a JSON object inside
// the envelope key) and requires a 2xx, 400 or 422 answer with a JSON body.
// A path with %d is completed with the id of a record created by POSTing base
// to the path's first segment.
func probe(t *testing.T, method, path, key, base string, fields []string) {
	t.Helper()
	srv := newServer(t)
	if strings.Contains(path, "%d") {
		coll := "/" + strings.Split(path, "/")[1]
		rec := req(t, srv, "POST", coll, srv.Token, `{"`+key+`":`+base+`}`).want(t, 201).obj(t, key)
		path = fmt.Sprintf(path, id(t, rec))
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal([]byte(base), &obj); err != nil {
		t.Fatal(err)
	}
	for _, f := range fields {
		for _, v := range oddValues {
			body := map[string]json.RawMessage{}
			for k, x := range obj {
				body[k] = x
			}
			body[f] = json.RawMessage(v)
			b, _ := json.Marshal(map[string]any{key: body})
			r := req(t, srv, method, path, srv.Token, string(b))
			switch {
			case r.status == 200 || r.status == 201:
			case r.status == 400 && r.message(t) != "":
			case r.status == 422 && r.message(t) == "Validation Failed" && len(r.list(t, "errors")) > 0:
			default:
				t.Errorf("%s %s %s=%s: %d %s", method, path, f, v, r.status, r.raw)
			}
		}
	}
}

func TestActivityBadInputNever500(t *testing.T) {
	t.Parallel()
	taskFields := []string{"description", "detail", "dueOn", "dueTime", "status", "completedAt", "repeat", "repeatDetails",
		"category", "owner", "party", "opportunity", "kase", "hasTrack", "nextTask", "id"}
	base := `{"description":"x","dueOn":"2025-05-20"}`
	probe(t, "POST", "/tasks", "task", base, taskFields)
	probe(t, "PUT", "/tasks/%d", "task", base, taskFields)

	defFields := []string{"description", "tag", "captureRule", "direction", "taskDefinitions"}
	probe(t, "POST", "/trackdefinitions", "trackDefinition", `{"description":"x","captureRule":"OPPORTUNITY","direction":"START_DATE"}`, defFields)
	probe(t, "PUT", "/trackdefinitions/%d", "trackDefinition", `{"description":"x","captureRule":"OPPORTUNITY","direction":"START_DATE"}`, defFields)
	// Every odd value in every field of a task definition.
	tdFields := []string{"description", "daysAfterRule", "daysAfter", "dayDelayRule", "displayOrder", "category", "trackTaskAssignee", "id", "_delete"}
	td := map[string]json.RawMessage{"description": json.RawMessage(`"a"`), "daysAfterRule": json.RawMessage(`"TRACK_START"`),
		"daysAfter": json.RawMessage(`1`), "dayDelayRule": json.RawMessage(`"TRACK_DAYS"`), "trackTaskAssignee": json.RawMessage(`{"assigneeType":"ENTITY_OWNER"}`)}
	srv := newServer(t)
	for _, f := range tdFields {
		for _, v := range append(oddValues, `{"assigneeType":7}`, `{"assigneeType":"USER","owner":"x"}`, `22501`) {
			item := map[string]json.RawMessage{}
			for k, x := range td {
				item[k] = x
			}
			item[f] = json.RawMessage(v)
			b, _ := json.Marshal(map[string]any{"trackDefinition": map[string]any{"taskDefinitions": []any{item}}})
			r := req(t, srv, "PUT", "/trackdefinitions/22001", srv.Token, string(b))
			if r.status != 200 && r.status != 422 {
				t.Errorf("taskDefinitions[].%s=%s: %d %s", f, v, r.status, r.raw)
			}
		}
	}
}
