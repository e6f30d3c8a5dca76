package capsuletest

import (
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Tasks (capsule-api-rest.md §2, capsule-api-core.md §8). The stored record keeps
// references as ids in private keys (_owner, _category, _party, _opportunity,
// _kase, _track) and renders their stubs live. Output looks like
// live-payloads/write_task_new.json.

// taskParents are the keys of a task's (at most one) parent record, with their
// collections.
var taskParents = []struct{ key, coll string }{
	{"party", "parties"}, {"opportunity", "opportunities"}, {"kase", "kases"},
}

var taskSchema = schema{resource: "task", fields: map[string]fieldSpec{
	"description": {kind: kString, required: true},
	"detail":      {kind: kString, nullable: true},
	"dueOn":       {kind: kDate, required: true},
	"dueTime":     {kind: kString, nullable: true},
	"status":      {kind: kString},
	"completedAt": {kind: kDateTime, nullable: true},
	"repeat":      {kind: kObject, nullable: true},
}}

// repeatFrequencies are the accepted values of repeat.frequency (T; UNCONFIRMED).
var repeatFrequencies = []string{"WEEKLY", "MONTHLY", "YEARLY"}

var timeOfDayRE = regexp.MustCompile(`^([01]\d|2[0-3]):([0-5]\d)(:([0-5]\d))?$`)

func init() {
	registerResource(func(f *fake) {
		f.newCollection("tasks", "task", "task", 147248001)
		f.handle("GET", "/tasks", listTasks)
		f.handle("GET", "/tasks/{id}", func(c *call) *reply {
			return c.showOneOrMany(c.f.coll("tasks"), "id", func(r record) any { return renderTask(c, r) })
		})
		f.handle("POST", "/tasks", createTask)
		f.handle("PUT", "/tasks/{id}", updateTask)
		f.handle("DELETE", "/tasks/{id}", deleteTask)
	})
	// Deleting a category leaves its tasks without one (capsule-api-rest.md §8.2).
	registerOnDelete("categories", func(f *fake, id int64, now time.Time) {
		for _, t := range f.coll("tasks").all() {
			if t["_category"] == id {
				t["_category"] = nil
			}
		}
	})
	for _, p := range taskParents {
		// Deleting a record deletes its tasks (capsule-api-core.md §1.15).
		registerOnDelete(p.coll, func(f *fake, id int64, now time.Time) {
			for _, t := range f.coll("tasks").filter(func(r record) bool { return r["_"+p.key] == id }) {
				f.remove(f.coll("tasks"), t["id"].(int64), now)
			}
		})
	}
	registerHookRender("task", renderTask)
	registerHookRender("party", renderParty)
	registerHookRender("opportunity", renderOpportunity)
	registerHookRender("kase", renderKase)
	embedRenderers["parties"] = func(c *call, r record) any { return renderParty(c, r) }
	embedRenderers["opportunities"] = renderOpportunity
	embedRenderers["kases"] = renderKase
	registerHookRender("user", func(c *call, rec record) any { return c.renderUser(rec) })
	registerSeeder(seedDependents, "tasks", seedTasks)
}

// newTask is a new task (live-payloads/write_task_new.json): the keys with
// a value; the others are rendered as null (taskNulls).
func newTask(owner int64) record {
	return record{"description": nil, "status": "OPEN", "taskDayDelayRule": "TRACK_DAYS", "_owner": owner}
}

// taskNulls are the keys a task renders as null when they are not stored: a
// task holds only the keys it has (a map of at most 14 keys is half the size
// of one of 15 to 28).
var taskNulls = []string{"detail", "dueOn", "dueTime", "completedBy", "completedAt", "repeat",
	"daysAfter", "taskDelayRule", "overrideToCurrentUser"}

// renderTask is the JSON of a task; embed expands party, opportunity, kase,
// owner and nextTask.
func renderTask(c *call, t record) any {
	return renderTaskEmbeds(c, t, c.embeds())
}

func renderTaskEmbeds(c *call, t record, emb map[string]bool) any {
	out := viewWithNulls(t, taskNulls...)
	out["active"] = true // always: not stored, a track's task would need a map twice the size
	cid, _ := t["_category"].(int64)
	out["category"] = c.f.categoryRef(cid)
	uid, _ := t["_owner"].(int64)
	out["owner"] = c.f.userStub(uid)
	if emb["owner"] {
		if u, found := c.f.coll("users").get(uid); found {
			out["owner"] = c.renderUser(u)
		}
	}
	for _, p := range taskParents {
		id, _ := t["_"+p.key].(int64)
		out[p.key] = c.recordRef(p.coll, id, emb[p.key])
	}
	out["hasTrack"] = t["_track"] != nil
	out["nextTask"] = nil
	if next := c.f.nextTrackTask(t); next != nil {
		if emb["nextTask"] {
			out["nextTask"] = renderTaskEmbeds(c, next, nil)
		} else {
			out["nextTask"] = record{"id": next["id"], "description": next["description"]}
		}
	}
	return out
}

// nextTrackTask is the task after t in its track, or nil.
func (f *fake) nextTrackTask(t record) record {
	tid, ok := t["_track"].(int64)
	if !ok {
		return nil
	}
	list := f.trackTasks(tid)
	for i, x := range list {
		if x["id"] == t["id"] && i+1 < len(list) {
			return list[i+1]
		}
	}
	return nil
}

// trackTasks are the tasks a track generated, in track order.
func (f *fake) trackTasks(trackID int64) []record {
	list := f.coll("tasks").filter(func(r record) bool { return r["_track"] == trackID })
	slices.SortStableFunc(list, func(a, b record) int {
		oa, _ := a["_trackOrder"].(int64)
		ob, _ := b["_trackOrder"].(int64)
		return int(oa - ob)
	})
	return list
}

// categoryRef is the nested category {id, name, colour}; nil when absent.
func (f *fake) categoryRef(id int64) any { return f.stub("categories", id, "name", "colour") }

// findCategory resolves a category written as {"id":N}, {"name":"Call"}, N or
// "Call" (names are matched case-insensitively).
func (f *fake) findCategory(v any) (int64, bool) {
	name := ""
	switch x := v.(type) {
	case map[string]any:
		if id, ok := asInt(x["id"]); ok {
			_, found := f.coll("categories").get(id)
			return id, found
		}
		name, _ = x["name"].(string)
	case string:
		name = x
	default:
		if id, ok := asInt(v); ok {
			_, found := f.coll("categories").get(id)
			return id, found
		}
	}
	if strings.TrimSpace(name) == "" {
		return 0, false
	}
	for _, r := range f.coll("categories").all() {
		if strings.EqualFold(r["name"].(string), strings.TrimSpace(name)) {
			return r["id"].(int64), true
		}
	}
	return 0, false
}

// embedRenderers render a full record of a collection for embed=party etc.;
// collections without one use view.
var embedRenderers = map[string]func(c *call, rec record) any{}

// recordRef is the nested reference to a party, opportunity or kase: a stub
// ({id,type,name|firstName+lastName,pictureURL} for parties, {id,name}
// otherwise), or the full record when full is set; nil when it does not exist;
// the restricted shape when it is restricted for the caller (restricted.go).
func (c *call) recordRef(coll string, id int64, full bool) any {
	cl := c.f.coll(coll)
	if cl == nil || id == 0 {
		return nil
	}
	r, found := cl.get(id)
	if !found {
		return nil
	}
	if c.hidden(r) {
		return restrictedStub(coll, r)
	}
	if full {
		if render := embedRenderers[coll]; render != nil {
			return render(c, r)
		}
		return view(r)
	}
	if coll == "parties" {
		return c.f.partyStub(id)
	}
	return record{"id": id, "name": r["name"]}
}

// parentOf returns a reference written as {"id":N} or N when it names an
// existing record of coll.
func (f *fake) parentOf(coll string, v any) (int64, bool) {
	id, ok := refID(v)
	if !ok || f.coll(coll) == nil {
		return 0, false
	}
	_, found := f.coll(coll).get(id)
	return id, found
}

// setParents stores the parent references of a task or entry found in in
// (party, opportunity, kase) as private ids on rec; null unlinks. An unknown
// parent is a 422 error for resource.
func (f *fake) setParents(rec, in record, resource string) []fieldError {
	var errs []fieldError
	for _, p := range taskParents {
		v, present := in[p.key]
		if !present {
			continue
		}
		if v == nil {
			rec["_"+p.key] = nil
			continue
		}
		if id, found := f.parentOf(p.coll, v); found {
			rec["_"+p.key] = id
		} else {
			errs = append(errs, fieldErr(resource, p.key, "is invalid"))
		}
	}
	return errs
}

// applyTask validates in and merges it into rec (a new record or a working
// copy). It returns the 422 errors, if any.
func applyTask(c *call, rec, in record, create bool) []fieldError {
	prevStatus, _ := rec["status"].(string)
	if rd, ok := in["repeatDetails"]; ok { // Zestia's spelling (UNCONFIRMED)
		if _, both := in["repeat"]; !both {
			if m, ok := rd.(map[string]any); ok {
				m = maps.Clone(m)
				if on, ok := m["repeatOn"]; ok {
					m["on"] = on
				}
				rd = m
			}
			in["repeat"] = rd
		}
	}
	if errs := taskSchema.apply(rec, in, create); errs != nil {
		return errs
	}
	var errs []fieldError
	if s, ok := rec["dueTime"].(string); ok {
		if _, present := in["dueTime"]; present {
			m := timeOfDayRE.FindStringSubmatch(s)
			if m == nil {
				errs = append(errs, fieldErr("task", "dueTime", "is invalid"))
			} else if m[4] == "" {
				rec["dueTime"] = s + ":00"
			}
		}
	}
	if _, present := in["repeat"]; present && rec["repeat"] != nil {
		r, problem := normaliseRepeat(rec["repeat"].(map[string]any))
		if problem != "" {
			errs = append(errs, fieldErr("task", "repeat", problem))
		}
		rec["repeat"] = r
	}
	if v, present := in["category"]; present {
		if v == nil {
			rec["_category"] = nil
		} else if id, found := c.f.findCategory(v); found {
			rec["_category"] = id
		} else {
			errs = append(errs, fieldErr("task", "category", "is invalid"))
		}
	}
	if v, present := in["owner"]; present {
		id, ok := refID(v)
		if v == nil {
			errs = append(errs, fieldErr("task", "owner", "is required"))
		} else if _, found := c.f.coll("users").get(id); !ok || !found {
			errs = append(errs, fieldErr("task", "owner", "is invalid"))
		} else {
			rec["_owner"] = id
		}
	}
	errs = append(errs, c.f.setParents(rec, in, "task")...)
	if len(errs) == 0 {
		var set []string
		for _, p := range taskParents {
			if rec["_"+p.key] != nil {
				set = append(set, p.key)
			}
		}
		if len(set) > 1 {
			errs = append(errs, fieldError{Message: "task can be linked to only one of party, opportunity or kase",
				Resource: "task", Field: set[1]})
		}
	}
	if s, present := in["status"]; present && s != nil {
		st := strings.ToUpper(rec["status"].(string))
		switch st {
		case "OPEN", "COMPLETED":
			rec["status"] = st
		default: // PENDING is set by Capsule only
			errs = append(errs, fieldErr("task", "status", "is invalid"))
		}
	}
	if len(errs) > 0 {
		return errs
	}
	switch st := rec["status"]; {
	case st == "COMPLETED" && prevStatus != "COMPLETED":
		if _, given := in["completedAt"]; !given || rec["completedAt"] == nil {
			rec["completedAt"] = ts(c.now)
		}
		rec["completedBy"] = nil
		if u, found := c.f.coll("users").get(c.user); found {
			rec["completedBy"] = u["username"]
		}
	case st != "COMPLETED" && prevStatus == "COMPLETED":
		rec["completedAt"], rec["completedBy"] = nil, nil
	}
	return nil
}

// normaliseRepeat checks {frequency, interval, on} and returns it in the shape
// Capsule shows: {"frequency":"MONTHLY","interval":3,"on":"1"}.
func normaliseRepeat(in map[string]any) (record, string) {
	freq, _ := in["frequency"].(string)
	freq = strings.ToUpper(freq)
	if !slices.Contains(repeatFrequencies, freq) {
		return nil, "frequency is invalid"
	}
	out := record{"frequency": freq, "interval": int64(1), "on": nil}
	if v, ok := in["interval"]; ok && v != nil {
		n, ok := asInt(v)
		if !ok || n < 1 {
			return nil, "interval is invalid"
		}
		out["interval"] = n
	}
	switch on := in["on"].(type) {
	case nil:
	case string:
		out["on"] = on
	default:
		n, ok := asInt(on)
		if !ok {
			return nil, "on is invalid"
		}
		out["on"] = strconv.FormatInt(n, 10)
	}
	return out, ""
}

// taskStatusFilter reads status=open,completed,pending (any case; default open).
func taskStatusFilter(c *call) (map[string]bool, *reply) {
	out := map[string]bool{}
	for _, v := range c.query["status"] {
		for _, s := range strings.Split(v, ",") {
			s = strings.ToUpper(strings.TrimSpace(s))
			switch s {
			case "":
			case "OPEN", "COMPLETED", "PENDING":
				out[s] = true
			default:
				return nil, errReply(http.StatusBadRequest, "status must be a comma list of open, completed, pending")
			}
		}
	}
	if len(out) == 0 {
		out["OPEN"] = true
	}
	return out, nil
}

// queryID reads an optional id query parameter (400 when malformed).
func (c *call) queryID(name string) (int64, bool, *reply) {
	v := c.query.Get(name)
	if v == "" {
		return 0, false, nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, false, errReply(http.StatusBadRequest, name+" must be an id")
	}
	return id, true, nil
}

// queryDate reads an optional YYYY-MM-DD query parameter (400 when malformed).
func (c *call) queryDate(name string) (string, *reply) {
	v := c.query.Get(name)
	if v == "" {
		return "", nil
	}
	if _, err := time.Parse(time.DateOnly, v); err != nil || !dateRE.MatchString(v) {
		return "", errReply(http.StatusBadRequest, name+" must be a date YYYY-MM-DD")
	}
	return v, nil
}

// listTasks serves GET /tasks: status (default open), and Zestia's extra
// filters since, owner, category, dueFrom, dueTo (UNCONFIRMED in the docs).
func listTasks(c *call) *reply {
	statuses, rep := taskStatusFilter(c)
	if rep != nil {
		return rep
	}
	owner, byOwner, rep := c.queryID("owner")
	if rep != nil {
		return rep
	}
	category, byCategory, rep := c.queryID("category")
	if rep != nil {
		return rep
	}
	from, rep := c.queryDate("dueFrom")
	if rep != nil {
		return rep
	}
	to, rep := c.queryDate("dueTo")
	if rep != nil {
		return rep
	}
	items := c.f.coll("tasks").filter(func(t record) bool {
		due, _ := t["dueOn"].(string)
		return statuses[t["status"].(string)] &&
			(!byOwner || t["_owner"] == owner) &&
			(!byCategory || t["_category"] == category) &&
			(from == "" || due >= from) && (to == "" || due <= to)
	})
	items, rep = c.filterSince(items)
	if rep != nil {
		return rep
	}
	return c.list("tasks", items, func(r record) any { return renderTask(c, r) })
}

func createTask(c *call) *reply {
	in, rep := c.decode("task")
	if rep != nil {
		return rep
	}
	rec := newTask(c.user)
	if errs := applyTask(c, rec, in, true); errs != nil {
		return validationFailed(errs...)
	}
	c.f.coll("tasks").insert(rec, c.now)
	c.f.emit("task/created", rec)
	if rec["status"] == "COMPLETED" {
		c.f.emit("task/completed", rec)
	}
	return c.created("task", "/tasks/"+itoa(rec["id"]), renderTask(c, rec))
}

func updateTask(c *call) *reply {
	coll := c.f.coll("tasks")
	rec, rep := c.lookup(coll, "id")
	if rep != nil {
		return rep
	}
	in, rep := c.decode("task")
	if rep != nil {
		return rep
	}
	work := maps.Clone(rec)
	if errs := applyTask(c, work, in, false); errs != nil {
		return validationFailed(errs...)
	}
	// T: {"status":"OPEN"} on an open task is a no-op that keeps updatedAt (and
	// fires no hook); so is {"status":"COMPLETED"} on a completed one.
	_, onlyStatus := in["status"]
	if onlyStatus && len(in) == 1 && work["status"] == rec["status"] {
		return ok("task", renderTask(c, rec))
	}
	coll.putUpdated(work, c.now)
	c.f.emit("task/updated", work)
	if work["status"] == "COMPLETED" && rec["status"] != "COMPLETED" {
		c.f.emit("task/completed", work)
		c.f.addTaskEntry(work, c.user, c.now)
	}
	return ok("task", renderTask(c, work))
}

func deleteTask(c *call) *reply {
	coll := c.f.coll("tasks")
	rec, rep := c.lookup(coll, "id")
	if rep != nil {
		return rep
	}
	c.f.remove(coll, rec["id"].(int64), c.now)
	return noContent()
}

// seedTasks adds sc.n tasks: mostly open, every fourth completed, every tenth
// pending; categories, due times and repeats vary.
func seedTasks(f *fake, sc *seedCtx) {
	users := f.coll("users").all()
	cats := f.coll("categories").all()
	parents := seedParents(f)
	verbs := []string{"Call", "Email", "Send proposal to", "Follow up with", "Meet", "Review contract with"}
	for i := range sc.n {
		at := sc.at()
		owner := users[i%len(users)]["id"].(int64)
		t := newTask(owner)
		t["description"] = fmt.Sprintf("%s contact %d", verbs[i%len(verbs)], i+1)
		t["dueOn"] = at.AddDate(0, 0, sc.rng.IntN(60)-20).Format(time.DateOnly)
		if i%3 == 0 {
			t["detail"] = "Notes for task " + strconv.Itoa(i+1)
		}
		if i%2 == 0 && len(cats) > 0 {
			t["_category"] = cats[sc.rng.IntN(len(cats))]["id"]
		}
		if i%5 == 1 {
			t["dueTime"] = fmt.Sprintf("%02d:%02d:00", 8+sc.rng.IntN(10), 15*sc.rng.IntN(4))
		}
		if i%7 == 3 {
			t["repeat"] = record{"frequency": "MONTHLY", "interval": int64(1), "on": "1"}
		}
		switch {
		case i%10 == 9:
			t["status"] = "PENDING"
		case i%4 == 3:
			t["status"] = "COMPLETED"
			t["completedAt"] = ts(at.Add(time.Hour))
			u, _ := f.coll("users").get(owner)
			t["completedBy"] = u["username"]
		}
		linkSeedTask(t, i, parents)
		f.coll("tasks").insert(t, at)
	}
}

// seedParents lists, once for all seed tasks, the ids a task may take as
// parent, per taskParents entry: the seeded parties (not the users' own), the
// opportunities and the kases.
func seedParents(f *fake) [][]int64 {
	out := make([][]int64, len(taskParents))
	for i, p := range taskParents {
		if p.coll == "parties" {
			out[i] = seedPartyIDs(f)
			continue
		}
		out[i] = slices.Clone(f.coll(p.coll).order)
	}
	return out
}

// linkSeedTask gives seed task i a parent: a party, opportunity or kase in
// turn, one in four stays standalone.
func linkSeedTask(t record, i int, parents [][]int64) {
	if i%4 == 2 {
		return
	}
	k := i % len(taskParents)
	if ids := parents[k]; len(ids) > 0 {
		t["_"+taskParents[k].key] = ids[(i*7)%len(ids)]
	}
}
