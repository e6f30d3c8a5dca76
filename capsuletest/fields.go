package capsuletest

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Custom field definitions per record type (capsule-api-core.md §6) and custom
// field values on records (§1.14, §6.3). Definition ids are per entity type
// (collections partyFields, opportunityFields, kaseFields).

var fieldTypes = []string{"text", "date", "list", "boolean", "number", "link"}

var fieldDefSchema = schema{resource: "definition", fields: map[string]fieldSpec{
	"name":         {kind: kString, required: true},
	"description":  {kind: kString, nullable: true},
	"type":         {kind: kString, required: true, enum: fieldTypes},
	"important":    {kind: kBool},
	"displayOrder": {kind: kInt},
	"options":      {kind: kArray, nullable: true},
	"captureRule":  {kind: kString, nullable: true, enum: []string{"person", "organisation"}},
}}

func registerFieldRoutes(f *fake, e *entity) {
	defs := f.newCollection(e.fields, "definition", "definition", 926001)
	defs.stamped = false
	registerDefinitionRoutes(f, definitionRoutes{
		coll: e.fields, path: e.path + "/fields/definitions", one: "definition", many: "definitions",
		render: func(c *call, r record) any { return c.f.renderFieldDef(e, r) },
		save:   func(c *call, existing record) *reply { return saveFieldDef(c, e, existing) },
		remove: func(c *call, id int64) { c.f.deleteFieldDef(e, id) },
		action: "Deleting Field Definition",
	})
}

// saveFieldDef creates (existing nil) or updates a field definition. The type
// cannot change after creation (it is ignored on PUT).
func saveFieldDef(c *call, e *entity, existing record) *reply {
	in, rep := c.decode("definition")
	if rep != nil {
		return rep
	}
	create := existing == nil
	coll := c.f.coll(e.fields)
	work := record{"description": nil, "important": false, "tag": nil, "captureRule": nil}
	if !create {
		work = maps.Clone(existing)
	}
	if errs := fieldDefSchema.apply(work, in, create); errs != nil {
		return validationFailed(errs...)
	}
	if !create {
		work["type"] = existing["type"]
	}
	if e.coll != "parties" {
		work["captureRule"] = nil
	}
	if strings.TrimSpace(str(work["name"])) == "" {
		return validationFailed(fieldErr("definition", "name", "is required"))
	}
	for _, d := range coll.all() {
		if d["id"] != work["id"] && strings.EqualFold(str(d["name"]), str(work["name"])) {
			return validationFailed(fieldErr("definition", "name", "has already been taken"))
		}
	}
	if work["type"] == "list" {
		opts, _ := work["options"].([]any)
		var clean []any
		for _, o := range opts {
			s, isStr := o.(string)
			if !isStr || strings.TrimSpace(s) == "" {
				return validationFailed(fieldErr("definition", "options", "is invalid"))
			}
			clean = append(clean, s)
		}
		if len(clean) == 0 {
			return validationFailed(fieldErr("definition", "options", "is required"))
		}
		work["options"] = clean
	} else {
		delete(work, "options")
	}
	if raw, given := in["tag"]; given {
		work["tag"] = nil
		if raw != nil {
			var t record
			if name, isStr := raw.(string); isStr {
				t = c.f.tagByName(e, name)
			} else if m, isObj := raw.(map[string]any); isObj && m["id"] == nil {
				t = c.f.tagByName(e, str(m["name"]))
			} else if id, okID := refID(raw); okID {
				t, _ = c.f.coll(e.tags).get(id)
			}
			if t == nil || t["dataTag"] != true {
				return validationFailed(fieldErr("definition", "tag", "is invalid"))
			}
			work["tag"] = ref(t["id"].(int64))
		}
	}
	if _, set := work["displayOrder"]; !set {
		work["displayOrder"] = int64(len(coll.items) + 1)
	}
	if create {
		coll.insert(work, c.now)
		return c.created("definition", e.path+"/fields/definitions/"+itoa(work["id"]), c.f.renderFieldDef(e, work))
	}
	coll.put(work)
	return ok("definition", c.f.renderFieldDef(e, work))
}

// renderFieldDef is a definition with its tag as {id, name, dataTag}.
func (f *fake) renderFieldDef(e *entity, d record) any {
	out := view(d)
	out["tag"] = nil
	if tid := refOf(d, "tag"); tid != 0 {
		if t, found := f.coll(e.tags).get(tid); found {
			out["tag"] = record{"id": tid, "name": t["name"], "dataTag": t["dataTag"]}
		}
	}
	return out
}

func (f *fake) fieldDefsOfTag(e *entity, tagID int64) []record {
	return f.coll(e.fields).filter(func(d record) bool { return refOf(d, "tag") == tagID })
}

// deleteFieldDef removes a definition and its values on every record.
func (f *fake) deleteFieldDef(e *entity, id int64) {
	f.coll(e.fields).drop(id)
	for _, r := range e.c(f).all() {
		vals, _ := r["_fields"].([]fieldVal)
		var kept []fieldVal
		for _, v := range vals {
			if v.def != id {
				kept = append(kept, v)
			}
		}
		if len(kept) != len(vals) {
			r["_fields"] = kept
		}
	}
}

// fieldValues is the fields embed: [{id, definition:{id,name}, value, tagId?}].
func (f *fake) fieldValues(e *entity, rec record) []any {
	out := []any{}
	vals, _ := rec["_fields"].([]fieldVal)
	for _, fv := range vals {
		did := fv.def
		d, found := f.coll(e.fields).get(did)
		if !found {
			continue
		}
		item := record{"id": fv.id, "definition": record{"id": did, "name": d["name"]}, "value": fv.value}
		if tid := refOf(d, "tag"); tid != 0 {
			item["tagId"] = tid
		}
		out = append(out, item)
	}
	return out
}

// fieldVal is one stored custom field value of a record ("_fields" holds a
// []fieldVal): its id, its definition's id and the value.
type fieldVal struct {
	id, def int64
	value   any
}

// fieldValue returns the stored value of definition defID on rec.
func fieldValue(rec record, defID int64) (any, bool) {
	vals, _ := rec["_fields"].([]fieldVal)
	for _, fv := range vals {
		if fv.def == defID {
			return fv.value, true
		}
	}
	return nil, false
}

// missingImportant reports whether an important definition that applies to
// rec has no value.
func (f *fake) missingImportant(e *entity, rec record) bool {
	for _, d := range f.coll(e.fields).all() {
		if d["important"] != true {
			continue
		}
		if cr := str(d["captureRule"]); cr != "" && cr != str(rec["type"]) {
			continue
		}
		if _, has := fieldValue(rec, d["id"].(int64)); !has {
			return true
		}
	}
	return false
}

func invalidFieldType(resource string) fieldError {
	return fieldError{Message: "field.value: invalid type for field", Resource: resource, Field: "fields"}
}

// checkFieldValue validates v against definition d: it returns the value to
// store (numbers as strings), whether v clears the value, or an error.
func checkFieldValue(d record, v any, resource string) (stored any, clear bool, fe *fieldError) {
	bad := invalidFieldType(resource)
	typ := str(d["type"])
	if v == nil {
		if typ == "boolean" {
			return nil, false, &bad
		}
		return nil, true, nil
	}
	switch typ {
	case "boolean":
		if b, isBool := v.(bool); isBool {
			return b, false, nil
		}
		return nil, false, &bad
	case "number":
		var s string
		switch n := v.(type) {
		case json.Number:
			s = n.String()
		case string:
			s = strings.TrimSpace(n)
			if s == "" {
				return nil, true, nil
			}
		default:
			return nil, false, &bad
		}
		if _, err := strconv.ParseFloat(s, 64); err != nil {
			return nil, false, &bad
		}
		return s, false, nil
	}
	s, isStr := v.(string)
	if !isStr {
		return nil, false, &bad
	}
	if s == "" {
		return nil, true, nil
	}
	switch typ {
	case "date":
		if _, err := time.Parse(time.DateOnly, s); err != nil || !dateRE.MatchString(s) {
			return nil, false, &fieldError{Message: "field.value: invalid date, expected YYYY-MM-DD", Resource: resource, Field: "fields"}
		}
	case "list":
		opts, _ := d["options"].([]any)
		found := false
		for _, o := range opts {
			found = found || o == s
		}
		if !found {
			return nil, false, &fieldError{Message: "field.value: value is not one of the list options", Resource: resource, Field: "fields"}
		}
	}
	return s, false, nil
}

// applyFields applies a "fields" array to rec: {"definition":{"id":D},"value":V}
// upserts the value of D, {"id":R,"value":V} updates row R, {"id":R,"_delete":
// true} removes it, "value": null (or "") clears a non-boolean value.
func (f *fake) applyFields(e *entity, rec record, raw any, resource string) []fieldError {
	if raw == nil {
		return nil
	}
	items, isArr := raw.([]any)
	if !isArr {
		return []fieldError{fieldErr(resource, "fields", "is invalid")}
	}
	old, _ := rec["_fields"].([]fieldVal)
	vals := slices.Clone(old)
	find := func(match func(fieldVal) bool) int {
		for i, v := range vals {
			if match(v) {
				return i
			}
		}
		return -1
	}
	var errs []fieldError
	for _, it := range items {
		el, isObj := it.(map[string]any)
		if !isObj {
			errs = append(errs, fieldErr(resource, "fields", "is invalid"))
			continue
		}
		del, _ := el["_delete"].(bool)
		idx := -1
		var def record
		if rawID, hasID := el["id"]; hasID && rawID != nil {
			rid, _ := asInt(rawID)
			idx = find(func(v fieldVal) bool { return v.id == rid })
			if idx < 0 {
				errs = append(errs, fieldError{Message: "fields " + itoa(rawID) + " not found", Resource: resource, Field: "fields"})
				continue
			}
			def, _ = f.coll(e.fields).get(vals[idx].def)
		} else {
			did, okID := refID(el["definition"])
			if okID {
				def, _ = f.coll(e.fields).get(did)
			}
			if def == nil {
				errs = append(errs, fieldError{Message: "field.definition: unknown field definition", Resource: resource, Field: "fields"})
				continue
			}
			idx = find(func(v fieldVal) bool { return v.def == did })
		}
		if del {
			if idx < 0 {
				errs = append(errs, fieldError{Message: "field not found to delete", Resource: resource, Field: "fields"})
				continue
			}
			vals = append(vals[:idx], vals[idx+1:]...)
			continue
		}
		v, given := el["value"]
		if !given {
			if idx < 0 {
				errs = append(errs, fieldErr(resource, "field.value", "is required"))
			}
			continue
		}
		if def == nil {
			vals = append(vals[:idx], vals[idx+1:]...)
			continue
		}
		stored, clear, fe := checkFieldValue(def, v, resource)
		switch {
		case fe != nil:
			errs = append(errs, *fe)
		case clear && idx >= 0:
			vals = append(vals[:idx], vals[idx+1:]...)
		case clear:
		case idx >= 0:
			vals[idx].value = stored
		default:
			f.nestedSeq++
			vals = append(vals, fieldVal{id: f.nestedSeq, def: def["id"].(int64), value: stored})
		}
	}
	if len(errs) > 0 {
		return errs
	}
	rec["_fields"] = vals
	return nil
}
