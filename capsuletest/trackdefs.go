package capsuletest

import (
	"cmp"
	"maps"
	"net/http"
	"slices"
)

// Track definitions (capsule-api-rest.md §3.3, §3.4): templates of ordered task
// definitions, applied to an opportunity or project by POST /tracks.

var (
	captureRules   = []string{"PARTY", "OPPORTUNITY", "CASEFILE"}
	trackDirection = []string{"START_DATE", "END_DATE"}
	// daysAfterRules: the model lists TRACK_START and LAST_TASK; END_DATE (days
	// before the end of an END_DATE track) is accepted too (UNCONFIRMED).
	daysAfterRules = []string{"TRACK_START", "LAST_TASK", "END_DATE"}
	dayDelayRules  = []string{"TRACK_DAYS", "TRACK_WORKDAYS", "TRACK_WEEKS"}
)

// taskDefSchema checks one element of taskDefinitions (after merging).
var taskDefSchema = schema{resource: "trackDefinition", fields: map[string]fieldSpec{
	"description":   {kind: kString, required: true},
	"daysAfterRule": {kind: kString, required: true, enum: daysAfterRules},
	"daysAfter":     {kind: kInt, required: true},
	"dayDelayRule":  {kind: kString, required: true, enum: dayDelayRules},
	"displayOrder":  {kind: kInt},
}}

var trackDefinitions = &resource{
	coll: "trackDefinitions", path: "/trackdefinitions",
	schema: schema{resource: "trackDefinition", fields: map[string]fieldSpec{
		"description":     {kind: kString, required: true},
		"tag":             {kind: kString, nullable: true},
		"captureRule":     {kind: kString, required: true, enum: captureRules},
		"direction":       {kind: kString, required: true, enum: trackDirection},
		"taskDefinitions": {kind: kArray, nullable: true},
	}},
	defaults: func(*call) record { return record{"tag": nil, "taskDefinitions": []any{}} },
	prepare: func(c *call, rec, in record, create bool) []fieldError {
		var existing []any
		if !create {
			if stored, found := c.f.coll("trackDefinitions").get(rec["id"].(int64)); found {
				existing, _ = stored["taskDefinitions"].([]any)
			}
		}
		merged, errs := c.f.mergeNested(existing, in["taskDefinitions"], "trackDefinition", "taskDefinitions",
			func(item record, isNew bool) []fieldError { return c.checkTaskDefinition(item, isNew) })
		if errs != nil {
			return errs
		}
		if merged == nil {
			merged = []any{}
		}
		numberTaskDefs(merged)
		rec["taskDefinitions"] = merged
		return nil
	},
	render: renderTrackDefinition,
}

// taskDefKeys are the keys a stored task definition keeps.
var taskDefKeys = []string{"id", "description", "daysAfterRule", "daysAfter", "dayDelayRule", "displayOrder",
	"trackTaskAssignee", "createdAt", "updatedAt", "_category"}

// taskDefErr is a 422 error about a field of a task definition.
func taskDefErr(field, problem string) fieldError {
	return fieldErr("trackDefinition", "taskDefinitions."+field, problem)
}

// checkTaskDefinition validates and normalises one merged task definition in
// place: schema, category (id, {id}, {name} or name), trackTaskAssignee
// ({"assigneeType":"ENTITY_OWNER"}, or another type with an optional owner
// {"id":N}, stored as the id), timestamps; other keys are dropped.
func (c *call) checkTaskDefinition(item record, isNew bool) []fieldError {
	work := record{}
	var errs []fieldError
	for _, e := range taskDefSchema.apply(work, item, true) {
		errs = append(errs, taskDefErr(e.Field, e.Message[len(e.Field)+1:]))
	}
	if n, _ := work["daysAfter"].(int64); n < 0 {
		errs = append(errs, taskDefErr("daysAfter", "is invalid"))
	}
	if v, present := item["category"]; present {
		delete(item, "category")
		if v == nil {
			item["_category"] = nil
		} else if id, found := c.f.findCategory(v); found {
			item["_category"] = id
		} else {
			errs = append(errs, taskDefErr("category", "is invalid"))
		}
	}
	switch a := item["trackTaskAssignee"].(type) {
	case nil:
		errs = append(errs, taskDefErr("trackTaskAssignee", "is required"))
	case map[string]any:
		typ, _ := a["assigneeType"].(string)
		if typ == "" {
			errs = append(errs, taskDefErr("trackTaskAssignee", "is invalid"))
			break
		}
		norm := record{"assigneeType": typ}
		if o := a["owner"]; o != nil {
			id, ok := refID(o)
			if _, found := c.f.coll("users").get(id); !ok || !found {
				errs = append(errs, taskDefErr("trackTaskAssignee", "is invalid"))
				break
			}
			norm["owner"] = id
		}
		item["trackTaskAssignee"] = norm
	default:
		errs = append(errs, taskDefErr("trackTaskAssignee", "is invalid"))
	}
	if len(errs) > 0 {
		return errs
	}
	maps.Copy(item, work)
	if isNew {
		item["createdAt"] = ts(c.now)
	}
	item["updatedAt"] = ts(c.now)
	for k := range item {
		if !slices.Contains(taskDefKeys, k) {
			delete(item, k)
		}
	}
	return nil
}

// numberTaskDefs gives task definitions without a displayOrder the next
// positions after the highest one.
func numberTaskDefs(defs []any) {
	next := int64(0)
	for _, e := range defs {
		if n, ok := e.(map[string]any)["displayOrder"].(int64); ok && n > next {
			next = n
		}
	}
	for _, e := range defs {
		if m := e.(map[string]any); m["displayOrder"] == nil {
			next++
			m["displayOrder"] = next
		}
	}
}

// renderTrackDefinition shows task definitions in display order with live
// category and assignee owner stubs.
func renderTrackDefinition(c *call, r record) any {
	out := view(r)
	defs := sortedTaskDefs(r)
	list := make([]any, 0, len(defs))
	for _, d := range defs {
		m := view(d)
		cid, _ := d["_category"].(int64)
		m["category"] = c.f.categoryRef(cid)
		if a, ok := d["trackTaskAssignee"].(map[string]any); ok {
			a = maps.Clone(a)
			if uid, ok := a["owner"].(int64); ok {
				a["owner"] = c.f.userStub(uid)
			}
			m["trackTaskAssignee"] = a
		}
		list = append(list, m)
	}
	out["taskDefinitions"] = list
	return out
}

// sortedTaskDefs returns the task definitions by displayOrder, then id.
func sortedTaskDefs(r record) []record {
	raw, _ := r["taskDefinitions"].([]any)
	defs := make([]record, 0, len(raw))
	for _, e := range raw {
		if m, ok := e.(map[string]any); ok {
			defs = append(defs, m)
		}
	}
	slices.SortStableFunc(defs, func(a, b record) int {
		oa, _ := a["displayOrder"].(int64)
		ob, _ := b["displayOrder"].(int64)
		if c := cmp.Compare(oa, ob); c != 0 {
			return c
		}
		ia, _ := a["id"].(int64)
		ib, _ := b["id"].(int64)
		return cmp.Compare(ia, ib)
	})
	return defs
}

// trackDefType maps the list filter type to a captureRule ("" = all).
var trackDefType = map[string]string{"all": "", "kases": "CASEFILE", "opportunities": "OPPORTUNITY"}

func init() {
	registerResource(func(f *fake) {
		f.newCollection("trackDefinitions", "trackDefinition", "trackDefinition", 22001)
		f.handle("GET", "/trackdefinitions", func(c *call) *reply {
			typ := c.query.Get("type")
			if typ == "" {
				typ = "all"
			}
			rule, known := trackDefType[typ]
			if !known {
				return errReply(http.StatusBadRequest, "type must be one of all, kases, opportunities")
			}
			items := c.f.coll("trackDefinitions").filter(func(r record) bool { return rule == "" || r["captureRule"] == rule })
			return c.list("trackDefinitions", items, trackDefinitions.renderer(c))
		})
		f.handle("GET", "/trackdefinitions/{id}", trackDefinitions.show)
		f.handle("POST", "/trackdefinitions", trackDefinitions.create)
		f.handle("PUT", "/trackdefinitions/{id}", trackDefinitions.update)
		f.handle("DELETE", "/trackdefinitions/{id}", trackDefinitions.delete)
	})
	registerSeeder(seedReference, "trackdefinitions", seedTrackDefinitions)
}

type seedTaskDef struct {
	desc, after, unit, category string
	days                        int64
}

// seedTrackDefinitions adds track definitions for opportunities and projects.
// Their task definitions have ids of their own range (added ones get ids from
// mergeNested's sequence).
func seedTrackDefinitions(f *fake, sc *seedCtx) {
	taskDefID := int64(22500)
	for _, d := range []struct {
		desc, rule, dir, tag string
		tasks                []seedTaskDef
	}{
		{"Sales follow-up", "OPPORTUNITY", "START_DATE", "Follow-up", []seedTaskDef{
			{"Send introduction email", "TRACK_START", "TRACK_DAYS", "Email", 0},
			{"Call to qualify", "LAST_TASK", "TRACK_WORKDAYS", "Call", 2},
			{"Send proposal", "LAST_TASK", "TRACK_WEEKS", "Send", 1},
		}},
		{"Project kick-off", "CASEFILE", "START_DATE", "", []seedTaskDef{
			{"Kick-off meeting", "TRACK_START", "TRACK_DAYS", "Meeting", 1},
			{"Share project plan", "LAST_TASK", "TRACK_DAYS", "Email", 3},
		}},
		{"Renewal countdown", "OPPORTUNITY", "END_DATE", "", []seedTaskDef{
			{"Renewal reminder", "END_DATE", "TRACK_DAYS", "Follow-up", 30},
			{"Renewal call", "END_DATE", "TRACK_DAYS", "Call", 7},
		}},
	} {
		at := sc.at()
		defs := make([]any, 0, len(d.tasks))
		for i, t := range d.tasks {
			taskDefID++
			cid, _ := f.findCategory(t.category)
			defs = append(defs, record{"id": taskDefID, "description": t.desc, "daysAfterRule": t.after,
				"daysAfter": t.days, "dayDelayRule": t.unit, "displayOrder": int64(i + 1),
				"trackTaskAssignee": record{"assigneeType": "ENTITY_OWNER"}, "_category": cid,
				"createdAt": ts(at), "updatedAt": ts(at)})
		}
		var tag any
		if d.tag != "" {
			tag = d.tag
		}
		f.coll("trackDefinitions").insert(record{"description": d.desc, "tag": tag, "captureRule": d.rule,
			"direction": d.dir, "taskDefinitions": defs}, at)
	}
}
