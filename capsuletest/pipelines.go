package capsuletest

import (
	"strings"
)

// Pipelines and milestones (capsule-api-rest.md §6, capsule-api-core.md §8).

// maxActivePipelines is Capsule's limit of active (not archived) pipelines.
const maxActivePipelines = 30

func archived(r record) bool { return r["_archived"] == true }

// nameQuery keeps records whose name contains the q query parameter (case-insensitive).
func (c *call) nameQuery(r record) bool {
	q := strings.ToLower(c.query.Get("q"))
	name, _ := r["name"].(string)
	return q == "" || strings.Contains(strings.ToLower(name), q)
}

var (
	pipelines = &resource{
		coll: "pipelines", path: "/pipelines",
		schema: schema{resource: "pipeline", fields: map[string]fieldSpec{
			"name":        {kind: kString, required: true},
			"description": {kind: kString, nullable: true},
		}},
		defaults: func(*call) record { return record{"description": nil} },
		prepare: func(c *call, rec, in record, create bool) []fieldError {
			if create && countActive(c.f.coll("pipelines")) >= maxActivePipelines {
				return []fieldError{{Message: "active pipelines limit reached", Resource: "pipeline", Field: "name"}}
			}
			return nil
		},
		visible: func(c *call, r record) bool {
			return (c.query.Get("includeDeleted") == "true" || !archived(r)) && c.nameQuery(r)
		},
		remove: func(c *call, rec record) *reply { // archive
			rec["_archived"] = true
			c.f.coll("pipelines").touch(rec, c.now)
			return nil
		},
	}

	milestones = &resource{
		coll: "milestones", path: "/milestones",
		schema: schema{resource: "milestone", fields: map[string]fieldSpec{
			"name":           {kind: kString, required: true},
			"description":    {kind: kString, nullable: true},
			"probability":    {kind: kInt, min: 0, max: 100},
			"complete":       {kind: kBool},
			"daysUntilStale": {kind: kInt, nullable: true},
		}},
		defaults: func(*call) record {
			return record{"description": nil, "probability": int64(0), "complete": false, "daysUntilStale": nil}
		},
		prepare: func(c *call, rec, in record, create bool) []fieldError {
			if !create {
				return nil
			}
			pid, ok := refID(in["pipeline"])
			if !ok {
				pid = oldestActivePipeline(c.f)
			}
			if p, found := c.f.coll("pipelines").get(pid); !found || archived(p) {
				return []fieldError{fieldErr("milestone", "pipeline", "is invalid")}
			}
			rec["_pipeline"] = pid
			return nil
		},
		render: func(c *call, r record) any {
			out := view(r)
			pid, _ := r["_pipeline"].(int64)
			out["pipeline"] = c.f.stub("pipelines", pid, "name")
			if r["complete"] == true && r["daysUntilStale"] == nil {
				delete(out, "daysUntilStale")
			}
			return out
		},
	}
)

func countActive(coll *collection) int {
	return len(coll.filter(func(r record) bool { return !archived(r) }))
}

// oldestActivePipeline is the pipeline the legacy /milestones routes use.
func oldestActivePipeline(f *fake) int64 {
	for _, p := range f.coll("pipelines").all() {
		if !archived(p) {
			return p["id"].(int64)
		}
	}
	return 0
}

func milestonesOf(f *fake, pipelineID int64) []record {
	return f.coll("milestones").filter(func(r record) bool { return r["_pipeline"] == pipelineID })
}

func init() {
	registerResource(func(f *fake) {
		f.newCollection("pipelines", "pipeline", "pipeline", 53001)
		f.newCollection("milestones", "milestone", "milestone", 91001)

		f.handle("GET", "/pipelines", pipelines.listPaged)
		f.handle("GET", "/pipelines/{id}", pipelines.show)
		f.handle("POST", "/pipelines", pipelines.create, adminOnly())
		f.handle("PUT", "/pipelines/{id}", pipelines.update, adminOnly())
		f.handle("DELETE", "/pipelines/{id}", pipelines.delete, adminOnly())
		f.handle("POST", "/pipelines/{id}/restore", restoreHandler(pipelines, maxActivePipelines), adminOnly())

		f.handle("GET", "/milestones", func(c *call) *reply {
			return c.list("milestones", milestonesOf(c.f, oldestActivePipeline(c.f)), milestones.renderer(c))
		})
		f.handle("GET", "/milestones/all", milestones.listPaged)
		f.handle("GET", "/pipelines/{pipelineId}/milestones", func(c *call) *reply {
			p, rep := c.lookup(c.f.coll("pipelines"), "pipelineId")
			if rep != nil {
				return rep
			}
			return c.list("milestones", milestonesOf(c.f, p["id"].(int64)), milestones.renderer(c))
		})
		f.handle("GET", "/milestones/{id}", milestones.show)
		f.handle("POST", "/milestones", milestones.create)
		f.handle("PUT", "/milestones/{id}", milestones.update)
		f.handle("DELETE", "/milestones/{id}", milestones.delete)
	})
	registerSeeder(seedPipelines, "pipelines", seedPipelinesAndMilestones)
}

type seedMilestone struct {
	name        string
	probability int64
	complete    bool
}

func seedPipelinesAndMilestones(f *fake, sc *seedCtx) {
	for _, p := range []struct {
		name, desc string
		ms         []seedMilestone
	}{
		{"Sales Pipeline", "New business", []seedMilestone{{"Lead", 10, false}, {"Meeting", 25, false}, {"Proposal", 50, false}, {"Negotiation", 75, false}, {"Won", 100, true}, {"Lost", 0, true}}},
		{"Partnerships", "Channel partners", []seedMilestone{{"Contacted", 20, false}, {"Agreement", 60, false}, {"Won", 100, true}, {"Lost", 0, true}}},
	} {
		prec := f.coll("pipelines").insert(record{"name": p.name, "description": p.desc}, sc.at())
		for _, m := range p.ms {
			rec := record{"name": m.name, "description": nil, "probability": m.probability, "complete": m.complete,
				"daysUntilStale": nil, "_pipeline": prec["id"]}
			if !m.complete {
				rec["daysUntilStale"] = int64(30)
			}
			f.coll("milestones").insert(rec, sc.at())
		}
	}
}
