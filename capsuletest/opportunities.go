package capsuletest

import (
	"encoding/json"
	"strings"
	"time"
)

// Opportunities (capsule-api-core.md §3).

var opportunityEntity = &entity{
	coll: "opportunities", singular: "opportunity", path: "/opportunities",
	tags: "opportunityTags", fields: "opportunityFields",
}

func init() {
	e := opportunityEntity
	e.render = renderOpportunity
	e.save = saveOpportunity
	e.defaults = func(c *call) record {
		return record{"description": nil, "lostReason": nil, "value": nil, "expectedCloseOn": nil,
			"durationBasis": "FIXED", "duration": nil, "closedOn": nil, "lastContactedAt": nil,
			"lastStageChangedAt": nil, "lastOpenMilestone": nil}
	}
	e.searchText = func(f *fake, r record) []string { return []string{str(r["name"])} }
	e.filterFields = opportunityFilterFields
	entities[e.coll] = e
	registerResource(func(f *fake) {
		f.newCollection("opportunities", "opportunity", "opportunity", 11000001)
		e.registerRoutes(f)
		f.handle("GET", "/parties/{id}/opportunities", e.childList("parties", func(pid int64, r record) bool {
			return refOf(r, "party") == pid
		}))
		f.handle("GET", "/opportunities/{id}/parties", e.additionalParties)
		f.handle("POST", "/opportunities/{id}/parties/{partyId}", e.addParty)
		f.handle("DELETE", "/opportunities/{id}/parties/{partyId}", e.removeParty)
	})
	// deleting a party deletes its opportunities and its additional-party links
	registerOnDelete("parties", func(f *fake, id int64, now time.Time) {
		coll := f.coll("opportunities")
		for _, o := range coll.all() {
			if refOf(o, "party") == id {
				f.remove(coll, o["id"].(int64), now)
			} else if containsID(idList(o["_parties"]), id) {
				o["_parties"] = withoutID(idList(o["_parties"]), id)
			}
		}
	})
	registerInUse("milestones", func(f *fake, id int64) string {
		for _, o := range f.coll("opportunities").all() {
			if refOf(o, "milestone") == id {
				return "milestone is in use by opportunities"
			}
		}
		return ""
	})
}

var opportunitySchema = schema{resource: "opportunity", fields: map[string]fieldSpec{
	"name":            {kind: kString, required: true},
	"description":     {kind: kString, nullable: true},
	"expectedCloseOn": {kind: kDate, nullable: true},
	"probability":     {kind: kInt, min: 0, max: 100},
	"durationBasis":   {kind: kString, enum: []string{"FIXED", "HOUR", "DAY", "WEEK", "MONTH", "QUARTER", "YEAR"}},
	"duration":        {kind: kInt, nullable: true},
	"value":           {kind: kObject, nullable: true},
}}

func milestoneClosed(f *fake, id int64) bool {
	m, found := f.coll("milestones").get(id)
	return found && m["complete"] == true
}

func saveOpportunity(c *call, rec, in record, create bool) (func(), *reply) {
	f := c.f
	wasMilestone := refOf(rec, "milestone")
	wasClosed := !create && milestoneClosed(f, wasMilestone)
	if errs := opportunitySchema.apply(rec, in, create); errs != nil {
		return nil, validationFailed(errs...)
	}
	var errs []fieldError
	// party: required, never null
	if raw, given := in["party"]; (create && !given) || (given && raw == nil) {
		errs = append(errs, fieldErr("opportunity", "party", "is required"))
	} else if given {
		id, _, perrs := readRef(in, "party", "opportunity", f.exists("parties"))
		errs = append(errs, perrs...)
		rec["party"] = ref(id)
	}
	// milestone: required, never null
	if raw, given := in["milestone"]; (create && !given) || (given && raw == nil) {
		errs = append(errs, fieldErr("opportunity", "milestone", "is required"))
	} else if given {
		id, _, merrs := readRef(in, "milestone", "opportunity", f.exists("milestones"))
		errs = append(errs, merrs...)
		rec["milestone"] = ref(id)
	}
	if _, given := in["lostReason"]; given {
		id, _, lerrs := readRef(in, "lostReason", "opportunity", f.exists("lostReasons"))
		errs = append(errs, lerrs...)
		rec["lostReason"] = ref(id)
	}
	if v, isObj := rec["value"].(map[string]any); isObj && in["value"] != nil {
		amount, isNum := v["amount"].(json.Number)
		if _, err := amount.Float64(); !isNum || err != nil {
			errs = append(errs, fieldErr("opportunity", "value.amount", "is invalid"))
		}
		cur, hasCur := v["currency"]
		code, isStr := cur.(string)
		switch {
		case !hasCur || cur == nil:
			code = "GBP"
			if u, found := f.coll("users").get(c.user); found && str(u["currency"]) != "" {
				code = str(u["currency"])
			}
		case !isStr || !knownCurrency(strings.ToUpper(code)):
			errs = append(errs, fieldErr("opportunity", "value.currency", "is invalid"))
		}
		rec["value"] = record{"amount": amount, "currency": strings.ToUpper(code)}
	}
	if rec["durationBasis"] == "FIXED" && rec["duration"] != nil {
		errs = append(errs, fieldError{Message: "duration must be null when durationBasis is FIXED", Resource: "opportunity", Field: "duration"})
	}
	errs = append(errs, ownerTeam(c, rec, in, create, "opportunity", true, false)...)
	if len(errs) > 0 {
		return nil, validationFailed(errs...)
	}
	// milestone rules
	ms := refOf(rec, "milestone")
	m, _ := f.coll("milestones").get(ms)
	closed := m["complete"] == true
	_, probGiven := in["probability"]
	if probGiven && wasClosed && closed {
		errs = append(errs, fieldError{Message: "probability can be updated only for open opportunity", Resource: "opportunity", Field: "probability"})
	}
	if ms != wasMilestone {
		rec["lastStageChangedAt"] = ts(c.now)
		if closed || !probGiven {
			rec["probability"] = m["probability"]
		}
		switch {
		case closed && !create && !wasClosed:
			rec["lastOpenMilestone"] = ref(wasMilestone)
		case !closed:
			rec["lastOpenMilestone"] = nil
		}
		if closed {
			rec["closedOn"] = c.now.Format(time.DateOnly)
		} else {
			rec["closedOn"] = nil
		}
	} else if closed && probGiven {
		errs = append(errs, fieldError{Message: "probability can be updated only for open opportunity", Resource: "opportunity", Field: "probability"})
	}
	if !closed {
		rec["lostReason"] = nil
	}
	errs = append(errs, f.applyFields(opportunityEntity, rec, in["fields"], "opportunity")...)
	tagCommit, terrs := f.applyTags(opportunityEntity, rec, in["tags"], "opportunity")
	errs = append(errs, terrs...)
	if len(errs) > 0 {
		return nil, validationFailed(dedupe(errs)...)
	}
	return tagCommit, nil
}

func dedupe(errs []fieldError) []fieldError {
	var out []fieldError
	for _, e := range errs {
		found := false
		for _, o := range out {
			found = found || o == e
		}
		if !found {
			out = append(out, e)
		}
	}
	return out
}

func renderOpportunity(c *call, rec record) any {
	out := view(rec)
	f := c.f
	out["party"] = c.partyOrFull(refOf(rec, "party"), "party")
	out["milestone"] = f.stub("milestones", refOf(rec, "milestone"), "name")
	if c.embeds()["milestone"] {
		if m, found := f.coll("milestones").get(refOf(rec, "milestone")); found {
			out["milestone"] = milestones.render(c, m)
		}
	}
	out["lastOpenMilestone"] = nil
	if id := refOf(rec, "lastOpenMilestone"); id != 0 {
		out["lastOpenMilestone"] = f.stub("milestones", id, "name")
	}
	out["lostReason"] = nil
	if id := refOf(rec, "lostReason"); id != 0 {
		out["lostReason"] = f.stub("lostReasons", id, "name")
	}
	opportunityEntity.renderCommon(c, rec, out)
	return out
}

// opportunityStatus is open, won or lost.
func opportunityStatus(f *fake, o record) string {
	m, _ := f.coll("milestones").get(refOf(o, "milestone"))
	switch {
	case m["complete"] != true:
		return "open"
	case asIntOr(m["probability"]) > 0:
		return "won"
	}
	return "lost"
}

func asIntOr(v any) int64 {
	n, _ := asInt(v)
	return n
}
