package capsuletest

import "maps"

// resource bundles what the generic handlers need to serve one collection.
// Register its routes with f.handle, pointing at the methods below, e.g.
//
//	f.handle("GET", "/categories", categories.listPaged)
//	f.handle("GET", "/categories/{id}", categories.show)
//	f.handle("POST", "/categories", categories.create)
//	f.handle("PUT", "/categories/{id}", categories.update)
//	f.handle("DELETE", "/categories/{id}", categories.delete)
type resource struct {
	coll   string // collection name = plural envelope key, e.g. "categories"
	path   string // collection path for Location, e.g. "/categories"
	schema schema // writable fields (type checks, required on create)

	// defaults returns the keys every new record starts with (e.g. explicit
	// nulls, as Capsule returns them); nil means none.
	defaults func(c *call) record
	// prepare runs after the schema on a working copy (rec) with the raw input
	// (in): resolve references, check uniqueness, fill derived keys. Its errors
	// answer 422 and leave the stored record unchanged.
	prepare func(c *call, rec, in record, create bool) []fieldError
	// render turns a record into its JSON (embeds, live stubs); nil means view.
	render func(c *call, rec record) any
	// visible hides records from lists (e.g. archived); nil shows all.
	visible func(c *call, rec record) bool
	// remove replaces the hard delete (e.g. archive or soft delete); it returns
	// nil on success or a refusal reply.
	remove func(c *call, rec record) *reply
	// asyncDelete answers 202 + job with WithAsyncDeletes; deleteAction names the job.
	asyncDelete  bool
	deleteAction string
}

func (res *resource) c(c *call) *collection { return c.f.coll(res.coll) }

func (res *resource) renderer(c *call) func(record) any {
	if res.render == nil {
		return func(r record) any { return view(r) }
	}
	return func(r record) any { return res.render(c, r) }
}

func (res *resource) items(c *call) []record {
	if res.visible == nil {
		return res.c(c).all()
	}
	return res.c(c).filter(func(r record) bool { return res.visible(c, r) })
}

// listPaged serves GET /{coll} with page/perPage and Link headers.
func (res *resource) listPaged(c *call) *reply {
	return c.list(res.coll, res.items(c), res.renderer(c))
}

// listAll serves GET /{coll} without paging.
func (res *resource) listAll(c *call) *reply {
	return c.listAll(res.coll, res.items(c), res.renderer(c))
}

// show serves GET /{coll}/{id} (and /{coll}/{id,id,...}).
func (res *resource) show(c *call) *reply {
	return c.showOneOrMany(res.c(c), "id", res.renderer(c))
}

// create serves POST /{coll}: 201, the record, Location.
func (res *resource) create(c *call) *reply {
	coll := res.c(c)
	in, rep := c.decode(coll.singular)
	if rep != nil {
		return rep
	}
	rec := record{}
	if res.defaults != nil {
		rec = res.defaults(c)
	}
	if errs := res.schema.apply(rec, in, true); errs != nil {
		return validationFailed(errs...)
	}
	if res.prepare != nil {
		if errs := res.prepare(c, rec, in, true); errs != nil {
			return validationFailed(errs...)
		}
	}
	coll.insert(rec, c.now)
	return c.created(coll.singular, res.path+"/"+itoa(rec["id"]), res.renderer(c)(rec))
}

// update serves PUT /{coll}/{id}: partial merge, updatedAt bumped, 200.
func (res *resource) update(c *call) *reply {
	coll := res.c(c)
	rec, rep := c.lookup(coll, "id")
	if rep != nil {
		return rep
	}
	in, rep := c.decode(coll.singular)
	if rep != nil {
		return rep
	}
	work := maps.Clone(rec)
	if errs := res.schema.apply(work, in, false); errs != nil {
		return validationFailed(errs...)
	}
	if res.prepare != nil {
		if errs := res.prepare(c, work, in, false); errs != nil {
			return validationFailed(errs...)
		}
	}
	coll.putUpdated(work, c.now)
	return ok(coll.singular, res.renderer(c)(work))
}

// delete serves DELETE /{coll}/{id}: in-use checks, then remove (or the
// resource's own remove), then 204 (or 202 + job).
func (res *resource) delete(c *call) *reply {
	coll := res.c(c)
	rec, rep := c.lookup(coll, "id")
	if rep != nil {
		return rep
	}
	id := rec["id"].(int64)
	if msg := c.f.inUse(res.coll, id); msg != "" {
		return validationFailed(fieldError{Message: msg, Resource: coll.resource, Field: "id"})
	}
	if res.remove != nil {
		if rep := res.remove(c, rec); rep != nil {
			return rep
		}
	} else {
		c.f.remove(coll, id, c.now)
	}
	return c.deleted(res.asyncDelete, res.deleteAction)
}
