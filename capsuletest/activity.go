package capsuletest

import (
	"net/http"
	"strings"
)

// Activity types, task categories and lost reasons (capsule-api-rest.md §8.1-8.3).

type icon struct {
	id, display, name string
	system            bool
}

var activityIcons = []icon{
	{"NOTE", "Note", "note", true}, {"MEETING", "Meeting", "meeting", true}, {"PHONE", "Phone", "phone", true},
	{"TASK", "Task", "task", true}, {"BARCHART", "Bar chart", "bar-chart", false}, {"PIECHART", "Pie chart", "pie-chart", false},
	{"MONEY", "Money", "money", false}, {"TAG", "Tag", "tag", false}, {"CAMERA", "Camera", "camera", false},
	{"PICTURE", "Picture", "picture", false}, {"BELL", "Bell", "bell", false}, {"CAR", "Car", "car", false},
	{"PLANE", "Plane", "plane", false}, {"DOCUMENT", "Document", "document", false}, {"DOCUMENT2", "Document 2", "document-2", false},
	{"SPREADSHEET", "Spreadsheet", "spreadsheet", false}, {"PERSONWALKING", "Person walking", "person-walking", false},
	{"SHOPPINGCART", "Shopping cart", "shopping-cart", false}, {"EMAIL", "Email", "email", false},
}

func iconJSON(id string) any {
	for i, ic := range activityIcons {
		if ic.id == id {
			return record{"order": i + 1, "id": ic.id, "displayName": ic.display, "iconName": ic.name, "isSystem": ic.system}
		}
	}
	return nil
}

var (
	activityTypes = &resource{
		coll: "activityTypes", path: "/activitytypes",
		schema: schema{resource: "activityType", fields: map[string]fieldSpec{
			"name":                {kind: kString, required: true},
			"icon":                {kind: kObject},
			"updateLastContacted": {kind: kBool},
		}},
		defaults: func(*call) record { return record{"icon": iconJSON("NOTE"), "updateLastContacted": false} },
		prepare: func(c *call, rec, in record, create bool) []fieldError {
			if m, ok := in["icon"].(map[string]any); ok {
				id, _ := m["id"].(string)
				ic := iconJSON(id)
				if ic == nil {
					return []fieldError{fieldErr("activityType", "icon", "is invalid")}
				}
				rec["icon"] = ic
			}
			return nil
		},
		remove: func(c *call, rec record) *reply {
			if id := rec["id"].(int64); id < 0 {
				return validationFailed(fieldError{Message: "system activity types cannot be deleted", Resource: "activityType", Field: "id"})
			}
			c.f.remove(c.f.coll("activityTypes"), rec["id"].(int64), c.now)
			return nil
		},
	}

	categories = &resource{
		coll: "categories", path: "/categories",
		schema: schema{resource: "category", fields: map[string]fieldSpec{
			"name":   {kind: kString, required: true},
			"colour": {kind: kColour},
		}},
		defaults: func(*call) record { return record{"colour": "#999999"} },
		prepare: func(c *call, rec, in record, create bool) []fieldError {
			for _, r := range c.f.coll("categories").all() {
				if r["id"] != rec["id"] && strings.EqualFold(r["name"].(string), rec["name"].(string)) {
					return []fieldError{fieldErr("category", "name", "has already been taken")}
				}
			}
			return nil
		},
	}

	lostReasons = &resource{
		coll: "lostReasons", path: "/lostreasons",
		schema: schema{resource: "lostReason", fields: map[string]fieldSpec{
			"name":                  {kind: kString, required: true},
			"includedForConversion": {kind: kBool},
		}},
		defaults: func(*call) record { return record{"includedForConversion": true} },
		visible: func(c *call, r record) bool {
			return c.query.Get("includeDeleted") == "true" || r["_deleted"] != true
		},
		remove: func(c *call, rec record) *reply { // soft delete: kept for history
			if rec["_deleted"] == true {
				return notFound()
			}
			rec["_deleted"] = true
			c.f.coll("lostReasons").touch(rec, c.now)
			return nil
		},
	}
)

func init() {
	registerResource(func(f *fake) {
		f.newCollection("activityTypes", "activityType", "activityType", 1).stamped = false
		f.newCollection("categories", "category", "category", 101).stamped = false
		f.newCollection("lostReasons", "lostReason", "lostReason", 201)

		f.handle("GET", "/activitytypes", activityTypes.listPaged)
		f.handle("GET", "/activitytypes/icons", func(c *call) *reply {
			out := make([]any, 0, len(activityIcons))
			for _, ic := range activityIcons {
				out = append(out, iconJSON(ic.id))
			}
			return ok("activityTypeIcons", out)
		})
		f.handle("GET", "/activitytypes/{id}", activityTypes.show)
		f.handle("POST", "/activitytypes", activityTypes.create)
		f.handle("PUT", "/activitytypes/{id}", activityTypes.update)
		f.handle("DELETE", "/activitytypes/{id}", activityTypes.delete)

		f.handle("GET", "/categories", categories.listPaged)
		f.handle("GET", "/categories/{id}", categories.show)
		f.handle("POST", "/categories", categories.create)
		f.handle("PUT", "/categories/{id}", categories.update)
		f.handle("DELETE", "/categories/{id}", categories.delete)

		f.handle("GET", "/lostreasons", lostReasons.listAll)
		f.handle("GET", "/lostreasons/{id}", lostReasons.show)
		f.handle("POST", "/lostreasons", lostReasons.create, adminOnly())
		f.handle("PUT", "/lostreasons/{id}", lostReasons.update, adminOnly())
		f.handle("DELETE", "/lostreasons/{id}", lostReasons.delete, adminOnly())
	})
	registerSeeder(seedReference, "activitytypes", func(f *fake, sc *seedCtx) {
		at := f.coll("activityTypes")
		for _, t := range []struct {
			id         int64
			name, icon string
			bump       bool
		}{{-3, "Call", "PHONE", true}, {-2, "Meeting", "MEETING", true}, {-1, "Note", "NOTE", false}, {1, "Email", "EMAIL", true}, {2, "Demo", "PIECHART", true}} {
			at.insert(record{"id": t.id, "name": t.name, "icon": iconJSON(t.icon), "updateLastContacted": t.bump}, sc.at())
		}
	})
	registerSeeder(seedReference, "categories", func(f *fake, sc *seedCtx) {
		for _, k := range [][2]string{{"Call", "#F7941D"}, {"Email", "#1F77B4"}, {"Follow-up", "#2CA02C"}, {"Meeting", "#9467BD"}, {"Milestone", "#D62728"}, {"Send", "#8C564B"}} {
			f.coll("categories").insert(record{"name": k[0], "colour": k[1]}, sc.at())
		}
	})
	registerSeeder(seedReference, "lostreasons", func(f *fake, sc *seedCtx) {
		for _, k := range []string{"Price", "Competitor", "Timing", "No budget", "No response"} {
			f.coll("lostReasons").insert(record{"name": k, "includedForConversion": k != "No response"}, sc.at())
		}
	})
}

// statusParam reads a status query value from allowed (default def); an unknown
// value answers 400.
func (c *call) statusParam(def string, allowed ...string) (string, *reply) {
	v := strings.ToLower(c.query.Get("status"))
	if v == "" {
		return def, nil
	}
	for _, a := range allowed {
		if v == a {
			return v, nil
		}
	}
	return "", errReply(http.StatusBadRequest, "status must be one of "+strings.Join(allowed, ", "))
}
