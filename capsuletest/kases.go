package capsuletest

import (
	"time"
)

// Kases, the API name of projects (capsule-api-core.md §4).

var kaseEntity = &entity{
	coll: "kases", singular: "kase", path: "/kases",
	tags: "kaseTags", fields: "kaseFields",
}

func init() {
	e := kaseEntity
	e.render = renderKase
	e.save = saveKase
	e.defaults = func(c *call) record {
		return record{"description": nil, "status": "OPEN", "opportunity": nil, "stage": nil,
			"closedOn": nil, "lastContactedAt": nil, "expectedCloseOn": nil, "startOn": nil}
	}
	e.searchText = func(f *fake, r record) []string { return []string{str(r["name"])} }
	e.filterFields = kaseFilterFields
	entities[e.coll] = e
	registerResource(func(f *fake) {
		f.newCollection("kases", "kase", "kase", 5588001)
		e.registerRoutes(f)
		f.handle("GET", "/parties/{id}/kases", e.childList("parties", func(pid int64, r record) bool {
			return refOf(r, "party") == pid
		}))
		f.handle("GET", "/opportunities/{id}/kases", e.childList("opportunities", func(oid int64, r record) bool {
			return refOf(r, "opportunity") == oid
		}))
		f.handle("GET", "/kases/{id}/parties", e.additionalParties)
		f.handle("POST", "/kases/{id}/parties/{partyId}", e.addParty)
		f.handle("DELETE", "/kases/{id}/parties/{partyId}", e.removeParty)
	})
	registerOnDelete("parties", func(f *fake, id int64, now time.Time) {
		coll := f.coll("kases")
		for _, k := range coll.all() {
			if refOf(k, "party") == id {
				f.remove(coll, k["id"].(int64), now)
			} else if containsID(idList(k["_parties"]), id) {
				k["_parties"] = withoutID(idList(k["_parties"]), id)
			}
		}
	})
	registerOnDelete("opportunities", func(f *fake, id int64, now time.Time) {
		for _, k := range f.coll("kases").all() {
			if refOf(k, "opportunity") == id {
				k["opportunity"] = nil
				f.coll("kases").touch(k, now)
			}
		}
	})
	registerInUse("stages", func(f *fake, id int64) string {
		for _, k := range f.coll("kases").all() {
			if refOf(k, "stage") == id && k["status"] == "OPEN" {
				return "stage is in use by open projects"
			}
		}
		return ""
	})
}

var kaseSchema = schema{resource: "kase", fields: map[string]fieldSpec{
	"name":            {kind: kString, required: true},
	"description":     {kind: kString, nullable: true},
	"status":          {kind: kString, enum: []string{"OPEN", "CLOSED"}},
	"expectedCloseOn": {kind: kDate, nullable: true},
	"startOn":         {kind: kDate, nullable: true},
}}

func saveKase(c *call, rec, in record, create bool) (func(), *reply) {
	f := c.f
	wasStatus := rec["status"]
	if errs := kaseSchema.apply(rec, in, create); errs != nil {
		return nil, validationFailed(errs...)
	}
	var errs []fieldError
	if raw, given := in["party"]; (create && !given) || (given && raw == nil) {
		errs = append(errs, fieldErr("kase", "party", "is required"))
	} else if given {
		id, _, perrs := readRef(in, "party", "kase", f.exists("parties"))
		errs = append(errs, perrs...)
		rec["party"] = ref(id)
	}
	if _, given := in["stage"]; given {
		id, _, serrs := readRef(in, "stage", "kase", f.exists("stages"))
		errs = append(errs, serrs...)
		rec["stage"] = ref(id)
	}
	if _, given := in["opportunity"]; given {
		id, _, oerrs := readRef(in, "opportunity", "kase", f.exists("opportunities"))
		errs = append(errs, oerrs...)
		rec["opportunity"] = ref(id)
	}
	errs = append(errs, ownerTeam(c, rec, in, create, "kase", true, true)...)
	if rec["status"] != wasStatus || create {
		if rec["status"] == "CLOSED" {
			rec["closedOn"] = c.now.Format(time.DateOnly)
		} else {
			rec["closedOn"] = nil
		}
	}
	errs = append(errs, f.applyFields(kaseEntity, rec, in["fields"], "kase")...)
	tagCommit, terrs := f.applyTags(kaseEntity, rec, in["tags"], "kase")
	errs = append(errs, terrs...)
	if len(errs) > 0 {
		return nil, validationFailed(errs...)
	}
	return tagCommit, nil
}

// kaseNulls are the keys a kase renders as null when they are not stored
// (seeded kases hold only the keys they have: a map of at most 14 keys is
// half the size of one of 15 to 28); stage, opportunity and team are
// rendered from their references.
var kaseNulls = []string{"description", "closedOn", "lastContactedAt", "expectedCloseOn", "startOn"}

// renderKase is a kase's JSON, with the keys it does not store as null.
func renderKase(c *call, rec record) any {
	out := viewWithNulls(rec, kaseNulls...)
	f := c.f
	out["party"] = c.partyOrFull(refOf(rec, "party"), "party")
	out["stage"] = nil
	if id := refOf(rec, "stage"); id != 0 {
		out["stage"] = f.stub("stages", id, "name")
	}
	out["opportunity"] = nil
	if id := refOf(rec, "opportunity"); id != 0 {
		out["opportunity"] = f.stub("opportunities", id, "name")
		if s := c.hiddenRef("opportunities", id); s != nil {
			out["opportunity"] = s
		} else if c.embeds()["opportunity"] {
			if o, found := f.coll("opportunities").get(id); found {
				out["opportunity"] = renderOpportunity(c, o)
			}
		}
	}
	kaseEntity.renderCommon(c, rec, out)
	return out
}
