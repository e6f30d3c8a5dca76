package capsuletest_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/capsulecrm-go/capsule/capsuletest"
)

// oddValues are JSON values of every shape, used to probe each field.
var oddValues = []string{`null`, `""`, `"x"`, `-1`, `1.5`, `1e400`, `true`, `[]`, `{}`, `{"id":"x"}`,
	`{"id":-5}`, `[{"_delete":"yes","id":1}]`, `[null]`}

// probe sends every odd value in every field of base (a JSON object inside
// the envelope key) and requires a 2xx, 400 or 422 answer with a JSON body.
// A path with %d is completed with the id of a record created by POSTing base
// to the path's first segment.
func probe(t *testing.T, method, path, key, base string, fields []string) {
	t.Helper()
	probeOn(t, newServer(t), method, path, key, base, fields)
}

// probeOn is probe on an existing server.
func probeOn(t *testing.T, srv *capsuletest.Server, method, path, key, base string, fields []string) {
	t.Helper()
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
		"category", "owner", "party", "opportunity", "kase", "id"}
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

func TestActivityRecordsBadInputNever500(t *testing.T) {
	t.Parallel()
	r := newRecT(t)
	p := r.person("Ada", "Lovelace")
	oid := id(t, r.opp("Engines", p, r.milestoneID("Lead")))
	trackBase := fmt.Sprintf(`{"definition":22001,"opportunity":%d,"trackDateOn":"2025-01-01"}`, oid)
	trackFields := []string{"definition", "opportunity", "kase", "party", "trackDateOn", "description"}
	probeOn(t, r.srv, "POST", "/tracks", "track", trackBase, trackFields)
	probeOn(t, r.srv, "PUT", "/tracks/%d", "track", trackBase, trackFields)
	entryBase := fmt.Sprintf(`{"type":"note","content":"x","party":%d}`, p)
	entryFields := []string{"type", "content", "subject", "entryAt", "activityType", "party", "opportunity", "kase", "attachments"}
	probeOn(t, r.srv, "POST", "/entries", "entry", entryBase, entryFields)
	probeOn(t, r.srv, "PUT", "/entries/%d", "entry", entryBase, entryFields)
	probeOn(t, r.srv, "POST", "/opportunities", "opportunity",
		fmt.Sprintf(`{"name":"x","party":%d,"milestone":%d}`, p, r.milestoneID("Lead")), []string{"tracks"})
	probeOn(t, r.srv, "POST", "/kases", "kase", fmt.Sprintf(`{"name":"x","party":%d}`, p), []string{"tracks"})
	for _, path := range []string{"/tracks/x", "/tracks/1,2", "/entries/x", "/attachments/-1", "/parties/x/entries", "/kases/0/tracks",
		"/entries?page=x", "/tasks?status=", "/trackdefinitions?type=", "/tasks?embed=,,,", "/entries?embed=party,party"} {
		if rs := r.get(path); rs.status >= 500 {
			t.Errorf("GET %s: %d", path, rs.status)
		}
	}
}
