package capsuletest

import (
	"maps"
	"strings"
	"time"
)

// Tracks (capsule-api-rest.md §3.1, §3.2): a track definition applied to an
// opportunity or project. Applying one generates a task per task definition
// (hasTrack: true, due dates from the definition's delays); deleting the track
// deletes those tasks. The stored track keeps _definition and its parent as ids.

// trackParents are the records a track may be applied to, with the capture
// rule the definition must have. Party tracks (captureRule PARTY) are
// UNCONFIRMED: Capsule documents opportunities and kases only.
var trackParents = []struct{ key, coll, rule string }{
	{"opportunity", "opportunities", "OPPORTUNITY"}, {"kase", "kases", "CASEFILE"}, {"party", "parties", "PARTY"},
}

var trackSchema = schema{resource: "track", fields: map[string]fieldSpec{
	"description": {kind: kString, nullable: true},
	"trackDateOn": {kind: kDate, required: true},
}}

func init() {
	registerResource(func(f *fake) {
		f.newCollection("tracks", "track", "track", 35001).stamped = false
		f.handle("POST", "/tracks", createTrack) // GET /tracks answers 405
		f.handle("GET", "/tracks/{id}", func(c *call) *reply {
			rec, rep := c.lookup(c.f.coll("tracks"), "id")
			if rep != nil {
				return rep
			}
			return ok("track", renderTrack(c, rec))
		})
		f.handle("PUT", "/tracks/{id}", updateTrack)
		f.handle("DELETE", "/tracks/{id}", deleteTrack)
		for _, p := range trackParents {
			f.handle("GET", "/"+p.coll+"/{id}/tracks", tracksOf(p.key, p.coll))
		}
	})
	registerSeeder(seedDependents, "tracks", seedTracks)
}

// renderTrack shows the track's tasks as {id, description} stubs, or as full
// tasks with embed=task (Zestia's client sends embed=tasks: accepted too).
func renderTrack(c *call, t record) any {
	out := view(t)
	emb := c.embeds()
	full := emb["task"] || emb["tasks"]
	list := []any{}
	for _, task := range c.f.trackTasks(t["id"].(int64)) {
		if full {
			list = append(list, renderTaskEmbeds(c, task, nil))
		} else {
			list = append(list, record{"id": task["id"], "description": task["description"]})
		}
	}
	out["tasks"] = list
	return out
}

func tracksOf(key, coll string) handlerFunc {
	return func(c *call) *reply {
		parent, rep := c.lookup(c.f.coll(coll), "id")
		if rep != nil {
			return rep
		}
		items := c.f.coll("tracks").filter(func(r record) bool { return r["_"+key] == parent["id"] })
		return c.list("tracks", items, func(r record) any { return renderTrack(c, r) })
	}
}

// trackRequest is a validated request to apply a definition.
type trackRequest struct {
	def         record
	parentKey   string
	parentColl  string
	parent      record
	trackDateOn string
	description any
}

// checkTrack validates {definition, trackDateOn, description, opportunity|kase}
// of POST /tracks. parentKey, when not empty, is the parent given by context
// (tracks array of POST /opportunities and /kases; parent is then nil).
func (c *call) checkTrack(in record, parentKey string) (*trackRequest, []fieldError) {
	work := record{}
	if parentKey != "" {
		if _, given := in["trackDateOn"]; !given {
			work["trackDateOn"] = c.now.Format(time.DateOnly)
		}
	}
	errs := trackSchema.apply(work, in, parentKey == "" || work["trackDateOn"] == nil)
	tr := &trackRequest{trackDateOn: asString(work["trackDateOn"]), description: work["description"], parentKey: parentKey}
	raw, present := in["definition"]
	defID, okID := refID(raw)
	def, found := c.f.coll("trackDefinitions").get(defID)
	switch {
	case !present || raw == nil:
		errs = append(errs, fieldErr("track", "definition", "is required"))
	case !okID || !found:
		errs = append(errs, fieldErr("track", "definition", "is invalid"))
	default:
		tr.def = def
	}
	if parentKey == "" {
		var set []string
		for _, p := range trackParents {
			v, present := in[p.key]
			if !present || v == nil {
				continue
			}
			set = append(set, p.key)
			id, found := c.f.parentOf(p.coll, v)
			if !found {
				errs = append(errs, fieldErr("track", p.key, "is invalid"))
				continue
			}
			tr.parentKey, tr.parentColl = p.key, p.coll
			tr.parent, _ = c.f.coll(p.coll).get(id)
		}
		switch {
		case len(set) == 0:
			errs = append(errs, fieldError{Message: "opportunity or kase is required", Resource: "track", Field: "opportunity"})
		case len(set) > 1:
			errs = append(errs, fieldError{Message: "track can be applied to only one of opportunity or kase", Resource: "track", Field: set[1]})
			tr.parentKey = ""
		}
	}
	if tr.def != nil && tr.parentKey != "" {
		for _, p := range trackParents {
			if p.key == tr.parentKey {
				tr.parentColl = p.coll
				if tr.def["captureRule"] != p.rule {
					errs = append(errs, fieldError{Message: "definition does not apply to " + p.key, Resource: "track", Field: "definition"})
				}
			}
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	if tr.description == nil {
		tr.description = tr.def["description"]
	}
	return tr, nil
}

func asString(v any) string { s, _ := v.(string); return s }

// applyTrack stores the track and generates its tasks.
func (c *call) applyTrack(tr *trackRequest) record {
	parentID := tr.parent["id"].(int64)
	rec := record{"description": tr.description, "trackDateOn": tr.trackDateOn, "direction": tr.def["direction"],
		"_definition": tr.def["id"], "_opportunity": nil, "_kase": nil, "_party": nil}
	rec["_"+tr.parentKey] = parentID
	c.f.coll("tracks").insert(rec, c.now)
	c.f.tagFromDefinition(tr)
	start, _ := time.Parse(time.DateOnly, tr.trackDateOn)
	backwards := tr.def["direction"] == "END_DATE"
	prev := start
	for i, d := range sortedTaskDefs(tr.def) {
		n, _ := d["daysAfter"].(int64)
		unit, _ := d["dayDelayRule"].(string)
		rule, _ := d["daysAfterRule"].(string)
		var due time.Time
		switch {
		case rule == "LAST_TASK":
			due = addDelay(prev, n, unit, false)
		case backwards: // END_DATE tracks count back from their end date (UNCONFIRMED for TRACK_START)
			due = addDelay(start, n, unit, true)
		default:
			due = addDelay(start, n, unit, false)
		}
		prev = due
		owner := c.user
		if a, ok := d["trackTaskAssignee"].(map[string]any); ok {
			if uid, ok := a["owner"].(int64); ok {
				owner = uid
			} else if a["assigneeType"] == "ENTITY_OWNER" {
				if uid, ok := recordOwner(tr.parent); ok {
					owner = uid
				}
			}
		}
		task := newTask(owner)
		task["description"] = d["description"]
		task["dueOn"] = due.Format(time.DateOnly)
		task["_category"] = d["_category"]
		task["taskDelayRule"] = rule
		task["daysAfter"] = n
		task["taskDayDelayRule"] = unit
		task["_"+tr.parentKey] = parentID
		task["_track"] = rec["id"]
		task["_trackOrder"] = int64(i)
		c.f.coll("tasks").insert(task, c.now)
		c.f.emit("task/created", task)
	}
	return rec
}

// tagFromDefinition adds the definition's tags (a comma list of names) to the
// record the track is applied to, creating missing tag definitions.
func (f *fake) tagFromDefinition(tr *trackRequest) {
	e := entities[tr.parentColl]
	names, _ := tr.def["tag"].(string)
	if e == nil || strings.TrimSpace(names) == "" {
		return
	}
	var items []any
	for _, n := range strings.Split(names, ",") {
		if n = strings.TrimSpace(n); n != "" {
			items = append(items, map[string]any{"name": n})
		}
	}
	commit, errs := f.applyTags(e, tr.parent, items, tr.parentKey)
	if errs == nil && commit != nil {
		commit()
	}
}

// recordOwner reads the owner of an opportunity or kase (stored as _owner or
// as an owner reference).
func recordOwner(r record) (int64, bool) {
	if id, ok := r["_owner"].(int64); ok {
		return id, true
	}
	return refID(r["owner"])
}

// addDelay moves d by n units (TRACK_DAYS, TRACK_WORKDAYS skipping weekends,
// TRACK_WEEKS), backwards when back is set.
func addDelay(d time.Time, n int64, unit string, back bool) time.Time {
	sign := 1
	if back {
		sign = -1
	}
	switch unit {
	case "TRACK_WEEKS":
		return d.AddDate(0, 0, sign*7*int(n))
	case "TRACK_WORKDAYS":
		for left := n; left > 0; {
			d = d.AddDate(0, 0, sign)
			if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
				left--
			}
		}
		return d
	}
	return d.AddDate(0, 0, sign*int(n))
}

func createTrack(c *call) *reply {
	in, rep := c.decode("track")
	if rep != nil {
		return rep
	}
	tr, errs := c.checkTrack(in, "")
	if errs != nil {
		return validationFailed(errs...)
	}
	rec := c.applyTrack(tr)
	return c.created("track", "/tracks/"+itoa(rec["id"]), renderTrack(c, rec))
}

// updateTrack changes description and trackDateOn only (other keys are
// ignored); the generated tasks keep their due dates (UNCONFIRMED).
func updateTrack(c *call) *reply {
	coll := c.f.coll("tracks")
	rec, rep := c.lookup(coll, "id")
	if rep != nil {
		return rep
	}
	in, rep := c.decode("track")
	if rep != nil {
		return rep
	}
	work := maps.Clone(rec)
	if errs := trackSchema.apply(work, in, false); errs != nil {
		return validationFailed(errs...)
	}
	coll.put(work)
	return ok("track", renderTrack(c, work))
}

func deleteTrack(c *call) *reply {
	coll := c.f.coll("tracks")
	rec, rep := c.lookup(coll, "id")
	if rep != nil {
		return rep
	}
	id := rec["id"].(int64)
	for _, t := range c.f.trackTasks(id) {
		c.f.remove(c.f.coll("tasks"), t["id"].(int64), c.now)
	}
	c.f.remove(coll, id, c.now)
	return noContent()
}

// checkCreateTracks validates the create-only tracks array of POST
// /opportunities and /kases (parentKey "opportunity" or "kase"): elements are
// {"definition":{"id":N}}, {"definition":N} or a bare definition id, with an
// optional trackDateOn (default: today) and description. Call it before
// storing the record; pass the result to applyCreateTracks after.
func (c *call) checkCreateTracks(in record, parentKey string) ([]*trackRequest, []fieldError) {
	raw, present := in["tracks"]
	if !present || raw == nil {
		return nil, nil
	}
	items, ok := raw.([]any)
	if !ok {
		return nil, []fieldError{fieldErr(parentKey, "tracks", "is invalid")}
	}
	var out []*trackRequest
	var errs []fieldError
	for _, it := range items {
		el, isObj := it.(map[string]any)
		if !isObj {
			el = record{"definition": it}
		}
		tr, e := c.checkTrack(el, parentKey)
		for _, fe := range e {
			errs = append(errs, fieldError{Message: "tracks." + fe.Message, Resource: parentKey, Field: "tracks." + fe.Field})
		}
		if tr != nil {
			out = append(out, tr)
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return out, nil
}

// createTracks checks the create-only tracks array of POST /opportunities
// and /kases (entity "opportunity" or "kase"; ignored for other entities).
func (c *call) createTracks(entity string, in record) ([]*trackRequest, *reply) {
	if entity != "opportunity" && entity != "kase" {
		return nil, nil
	}
	trs, errs := c.checkCreateTracks(in, entity)
	if errs != nil {
		return nil, validationFailed(errs...)
	}
	return trs, nil
}

// applyCreateTracks applies the checked tracks to the stored parent record.
func (c *call) applyCreateTracks(trs []*trackRequest, parent record) {
	for _, tr := range trs {
		tr.parent = parent
		c.applyTrack(tr)
	}
}

// seedTracks applies the first matching definition to every fifth opportunity
// and kase (when those resources exist).
func seedTracks(f *fake, sc *seedCtx) {
	for _, p := range trackParents[:2] {
		coll := f.coll(p.coll)
		if coll == nil {
			continue
		}
		var def record
		for _, d := range f.coll("trackDefinitions").all() {
			if d["captureRule"] == p.rule {
				def = d
				break
			}
		}
		if def == nil {
			continue
		}
		for i, r := range coll.all() {
			if i%5 != 0 {
				continue
			}
			at := sc.at()
			c := &call{f: f, user: f.currentUser, now: at}
			c.applyTrack(&trackRequest{def: def, parentKey: p.key, parentColl: p.coll, parent: r,
				trackDateOn: at.Format(time.DateOnly), description: def["description"]})
		}
	}
}
