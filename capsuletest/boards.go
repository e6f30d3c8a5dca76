package capsuletest

// Boards and stages of projects (capsule-api-rest.md §7, capsule-api-core.md §4.3).

// maxActiveBoards is Capsule's limit of active (not archived) boards.
const maxActiveBoards = 30

var (
	boards = &resource{
		coll: "boards", path: "/boards",
		schema: schema{resource: "board", fields: map[string]fieldSpec{
			"name":        {kind: kString, required: true},
			"description": {kind: kString, nullable: true},
		}},
		defaults: func(*call) record { return record{"description": nil} },
		prepare: func(c *call, rec, in record, create bool) []fieldError {
			if create && countActive(c.f.coll("boards")) >= maxActiveBoards {
				return []fieldError{{Message: "active boards limit reached", Resource: "board", Field: "name"}}
			}
			return nil
		},
		remove: func(c *call, rec record) *reply { // archive
			rec["_archived"] = true
			c.f.coll("boards").touch(rec, c.now)
			return nil
		},
	}

	stages = &resource{
		coll: "stages", path: "/stages",
		schema: schema{resource: "stage", fields: map[string]fieldSpec{
			"name":         {kind: kString, required: true},
			"description":  {kind: kString, nullable: true},
			"displayOrder": {kind: kInt},
		}},
		defaults: func(*call) record { return record{"description": nil} },
		prepare: func(c *call, rec, in record, create bool) []fieldError {
			if !create {
				return nil
			}
			raw, present := in["board"]
			bid, ok := refID(raw)
			if !present || raw == nil {
				return []fieldError{fieldErr("stage", "board", "is required")}
			}
			if b, found := c.f.coll("boards").get(bid); !ok || !found || archived(b) {
				return []fieldError{fieldErr("stage", "board", "is invalid")}
			}
			rec["_board"] = bid
			if _, set := rec["displayOrder"]; !set {
				rec["displayOrder"] = int64(len(stagesOf(c.f, bid)) + 1)
			}
			return nil
		},
		render: func(c *call, r record) any {
			out := view(r)
			bid, _ := r["_board"].(int64)
			out["board"] = c.f.stub("boards", bid, "name")
			return out
		},
		remove: func(c *call, rec record) *reply { // archive: listed by status=archived; Capsule documents no restore
			rec["_archived"] = true
			c.f.coll("stages").touch(rec, c.now)
			return nil
		},
	}
)

func stagesOf(f *fake, boardID int64) []record {
	return f.coll("stages").filter(func(r record) bool { return r["_board"] == boardID })
}

// boardHasProjects reports whether any project (kase) sits on one of the board's
// stages; it is false until the kases resource exists.
func boardHasProjects(f *fake, boardID int64) bool {
	kases := f.coll("kases")
	if kases == nil {
		return false
	}
	for _, k := range kases.all() {
		sid, ok := refID(k["stage"])
		if !ok {
			continue
		}
		if s, found := f.coll("stages").get(sid); found && s["_board"] == boardID {
			return true
		}
	}
	return false
}

// stageFilter applies status (active|archived|all) to stages.
func stageFilter(status string, r record) bool {
	switch status {
	case "active":
		return !archived(r)
	case "archived":
		return archived(r)
	}
	return true
}

func restoreHandler(res *resource, limit int) handlerFunc {
	return func(c *call) *reply {
		coll := res.c(c)
		rec, rep := c.lookup(coll, "id")
		if rep != nil {
			return rep
		}
		if archived(rec) {
			if limit > 0 && countActive(coll) >= limit {
				return validationFailed(fieldError{Message: "active " + coll.name + " limit reached", Resource: coll.resource, Field: "id"})
			}
			delete(rec, "_archived")
			coll.touch(rec, c.now)
		}
		return ok(coll.singular, res.renderer(c)(rec))
	}
}

func init() {
	registerResource(func(f *fake) {
		f.newCollection("boards", "board", "board", 31001)
		f.newCollection("stages", "stage", "stage", 104601)

		f.handle("GET", "/boards", func(c *call) *reply {
			status, rep := c.statusParam("active", "active", "archived", "nonempty", "all")
			if rep != nil {
				return rep
			}
			items := c.f.coll("boards").filter(func(r record) bool {
				keep := true
				switch status {
				case "active":
					keep = !archived(r)
				case "archived":
					keep = archived(r)
				case "nonempty":
					keep = !archived(r) && boardHasProjects(c.f, r["id"].(int64))
				}
				return keep && c.nameQuery(r)
			})
			return c.list("boards", items, nil)
		})
		f.handle("GET", "/boards/{id}", boards.show)
		f.handle("POST", "/boards", boards.create, adminOnly())
		f.handle("PUT", "/boards/{id}", boards.update, adminOnly())
		f.handle("DELETE", "/boards/{id}", boards.delete, adminOnly())
		f.handle("POST", "/boards/{id}/restore", restoreHandler(boards, maxActiveBoards), adminOnly())
		f.handle("GET", "/boards/{id}/stages", func(c *call) *reply {
			b, rep := c.lookup(c.f.coll("boards"), "id")
			if rep != nil {
				return rep
			}
			status, rep := c.statusParam("active", "active", "archived", "all")
			if rep != nil {
				return rep
			}
			var items []record
			for _, s := range stagesOf(c.f, b["id"].(int64)) {
				if stageFilter(status, s) {
					items = append(items, s)
				}
			}
			return c.list("stages", items, stages.renderer(c))
		})

		f.handle("GET", "/stages", func(c *call) *reply {
			status, rep := c.statusParam("active", "active", "archived", "all")
			if rep != nil {
				return rep
			}
			onDeleted := c.query.Get("includeOnDeletedBoard") == "true"
			items := c.f.coll("stages").filter(func(r record) bool {
				if !stageFilter(status, r) {
					return false
				}
				b, found := c.f.coll("boards").get(r["_board"].(int64))
				return onDeleted || (found && !archived(b))
			})
			return c.list("stages", items, stages.renderer(c))
		})
		f.handle("GET", "/stages/{id}", stages.show)
		f.handle("POST", "/stages", stages.create, adminOnly())
		f.handle("PUT", "/stages/{id}", stages.update, adminOnly())
		f.handle("DELETE", "/stages/{id}", stages.delete, adminOnly())
	})
	registerSeeder(seedBoards, "boards", func(f *fake, sc *seedCtx) {
		for _, b := range []struct {
			name, desc string
			stages     []string
		}{
			{"Client Projects", "Delivery of sold work", []string{"Project Brief", "Planning", "In Progress", "Review", "Done"}},
			{"Onboarding", "New customer setup", []string{"Welcome", "Setup", "Live"}},
		} {
			brec := f.coll("boards").insert(record{"name": b.name, "description": b.desc}, sc.at())
			for i, s := range b.stages {
				f.coll("stages").insert(record{"name": s, "description": nil, "displayOrder": int64(i + 1), "_board": brec["id"]}, sc.at())
			}
		}
	})
}
