package capsuletest

import (
	"strings"
	"time"
)

// Tag definitions per record type (capsule-api-core.md §7) and tags on records
// (§1.14). Tag ids are per entity type: parties, opportunities and kases each
// have their own dictionary (collections partyTags, opportunityTags, kaseTags).

var tagSchema = schema{resource: "tag", fields: map[string]fieldSpec{
	"name":        {kind: kString, required: true},
	"description": {kind: kString, nullable: true},
	"dataTag":     {kind: kBool},
}}

func registerTagRoutes(f *fake, e *entity) {
	tags := f.newCollection(e.tags, "tag", "tag", 168001)
	tags.stamped = false
	registerDefinitionRoutes(f, definitionRoutes{
		coll: e.tags, path: e.path + "/tags", one: "tag", many: "tags",
		render: func(c *call, r record) any { return c.f.renderTagDef(e, r) },
		save:   func(c *call, existing record) *reply { return saveTagDef(c, e, existing) },
		remove: func(c *call, id int64) { c.f.deleteTagDef(e, id) },
		action: "Deleting Tag",
	})
}

// definitionRoutes describes a per-entity definitions collection (tag or
// custom field definitions): list, show, create, update, and a delete that
// may run as a job under WithAsyncDeletes.
type definitionRoutes struct {
	coll, path, one, many string
	render                func(c *call, r record) any
	save                  func(c *call, existing record) *reply // existing is nil on create
	remove                func(c *call, id int64)
	action                string // the job's action on an async delete
}

func registerDefinitionRoutes(f *fake, d definitionRoutes) {
	withRecord := func(h func(c *call, rec record) *reply) handlerFunc {
		return func(c *call) *reply {
			rec, rep := c.lookup(c.f.coll(d.coll), "id")
			if rep != nil {
				return rep
			}
			return h(c, rec)
		}
	}
	f.handle("GET", d.path, func(c *call) *reply {
		return c.list(d.many, c.f.coll(d.coll).all(), func(r record) any { return d.render(c, r) })
	})
	f.handle("GET", d.path+"/{id}", withRecord(func(c *call, rec record) *reply { return ok(d.one, d.render(c, rec)) }))
	f.handle("POST", d.path, func(c *call) *reply { return d.save(c, nil) })
	f.handle("PUT", d.path+"/{id}", withRecord(d.save))
	f.handle("DELETE", d.path+"/{id}", withRecord(func(c *call, rec record) *reply {
		d.remove(c, rec["id"].(int64))
		return c.deleted(true, d.action)
	}))
}

// saveTagDef creates (existing nil) or updates a tag definition.
func saveTagDef(c *call, e *entity, existing record) *reply {
	in, rep := c.decode("tag")
	if rep != nil {
		return rep
	}
	create := existing == nil
	work := record{"description": nil, "dataTag": false}
	if !create {
		work = record{}
		for k, v := range existing {
			work[k] = v
		}
	}
	if errs := tagSchema.apply(work, in, create); errs != nil {
		return validationFailed(errs...)
	}
	name := strings.TrimSpace(str(work["name"]))
	if name == "" {
		return validationFailed(fieldErr("tag", "name", "is required"))
	}
	work["name"] = name
	if other := c.f.tagByName(e, name); other != nil && other["id"] != work["id"] {
		return validationFailed(fieldErr("tag", "name", "has already been taken"))
	}
	if !create && existing["dataTag"] == true && work["dataTag"] != true && len(c.f.fieldDefsOfTag(e, existing["id"].(int64))) > 0 {
		return validationFailed(fieldError{Message: "dataTag cannot be turned off while the tag has field definitions", Resource: "tag", Field: "dataTag"})
	}
	coll := c.f.coll(e.tags)
	if create {
		coll.insert(work, c.now)
		return c.created("tag", e.path+"/tags/"+itoa(work["id"]), c.f.renderTagDef(e, work))
	}
	coll.put(work)
	return ok("tag", c.f.renderTagDef(e, work))
}

// renderTagDef is a tag definition; data tags list their field definitions.
func (f *fake) renderTagDef(e *entity, r record) any {
	out := view(r)
	if r["dataTag"] == true {
		defs := []any{}
		for _, d := range f.fieldDefsOfTag(e, r["id"].(int64)) {
			defs = append(defs, f.renderFieldDef(e, d))
		}
		out["definitions"] = defs
	}
	return out
}

// tagByName finds a tag definition of e by name, case-insensitively.
func (f *fake) tagByName(e *entity, name string) record {
	for _, t := range f.coll(e.tags).all() {
		if strings.EqualFold(str(t["name"]), strings.TrimSpace(name)) {
			return t
		}
	}
	return nil
}

// deleteTagDef removes a tag definition, detaches it from every record, and
// removes the field definitions (and their values) of a data tag.
func (f *fake) deleteTagDef(e *entity, id int64) {
	for _, d := range f.fieldDefsOfTag(e, id) {
		f.deleteFieldDef(e, d["id"].(int64))
	}
	f.coll(e.tags).drop(id)
	for _, r := range e.c(f).all() {
		if containsID(idList(r["_tags"]), id) {
			r["_tags"] = withoutID(idList(r["_tags"]), id)
		}
	}
}

// tagStubs is the tags embed of a record: [{id, name, description, dataTag}].
func (f *fake) tagStubs(e *entity, rec record) []any {
	out := []any{}
	for _, id := range idList(rec["_tags"]) {
		if t, found := f.coll(e.tags).get(id); found {
			out = append(out, record{"id": id, "name": t["name"], "description": t["description"], "dataTag": t["dataTag"]})
		}
	}
	return out
}

// applyTags applies a "tags" array to rec: {"name": X} attaches by name
// (creating the definition), {"id": N} attaches by id, {"id": N, "_delete":
// true} (or {"name": X, "_delete": true}) detaches (422 "tag not found to
// delete" when not attached). New definitions are created by the returned
// commit, so nothing changes on a 422.
func (f *fake) applyTags(e *entity, rec record, raw any, resource string) (func(), []fieldError) {
	if raw == nil {
		return nil, nil
	}
	items, isArr := raw.([]any)
	if !isArr {
		return nil, []fieldError{fieldErr(resource, "tags", "is invalid")}
	}
	tags := append([]int64{}, idList(rec["_tags"])...)
	var newNames []string // to create at commit, attached in order after existing ones
	var errs []fieldError
	for _, it := range items {
		el, isObj := it.(map[string]any)
		if !isObj {
			errs = append(errs, fieldErr(resource, "tags", "is invalid"))
			continue
		}
		del, _ := el["_delete"].(bool)
		var t record
		if rawID, hasID := el["id"]; hasID && rawID != nil {
			id, okID := asInt(rawID)
			if okID {
				t, _ = f.coll(e.tags).get(id)
			}
			if t == nil {
				if del {
					errs = append(errs, fieldError{Message: "tag not found to delete", Resource: resource, Field: "tags"})
				} else {
					errs = append(errs, fieldError{Message: "tag not found", Resource: resource, Field: "tags"})
				}
				continue
			}
		} else {
			name, isStr := el["name"].(string)
			if !isStr || strings.TrimSpace(name) == "" {
				errs = append(errs, fieldErr(resource, "tags", "name is required"))
				continue
			}
			t = f.tagByName(e, name)
			if t == nil {
				if del {
					errs = append(errs, fieldError{Message: "tag not found to delete", Resource: resource, Field: "tags"})
					continue
				}
				dup := false
				for _, n := range newNames {
					dup = dup || strings.EqualFold(n, strings.TrimSpace(name))
				}
				if !dup {
					newNames = append(newNames, strings.TrimSpace(name))
				}
				continue
			}
		}
		id := t["id"].(int64)
		switch {
		case del && !containsID(tags, id):
			errs = append(errs, fieldError{Message: "tag not found to delete", Resource: resource, Field: "tags"})
		case del:
			tags = withoutID(tags, id)
		case !containsID(tags, id):
			tags = append(tags, id)
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	rec["_tags"] = tags
	if len(newNames) == 0 {
		return nil, nil
	}
	return func() {
		for _, n := range newNames {
			t := f.coll(e.tags).insert(record{"name": n, "description": nil, "dataTag": false}, time.Time{})
			rec["_tags"] = append(idList(rec["_tags"]), t["id"].(int64))
		}
	}, nil
}
