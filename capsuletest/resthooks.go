package capsuletest

import "hash/fnv"

// REST hooks (capsule-api-rest.md §9). Deliveries: deliveries.go.

// maxRestHooks is Capsule's limit of hooks per account.
const maxRestHooks = 20

// restHookEvents are the 19 events a hook may subscribe to.
var restHookEvents = []string{
	"party/created", "party/updated", "party/deleted",
	"kase/created", "kase/updated", "kase/deleted", "kase/closed", "kase/moved",
	"opportunity/created", "opportunity/updated", "opportunity/deleted", "opportunity/closed", "opportunity/moved",
	"task/created", "task/updated", "task/completed",
	"user/created", "user/updated", "user/deleted",
}

var restHooks = &resource{
	coll: "restHooks", path: "/resthooks",
	schema: schema{resource: "restHook", fields: map[string]fieldSpec{
		"event":       {kind: kString, required: true, enum: restHookEvents},
		"targetUrl":   {kind: kURL, required: true},
		"description": {kind: kString, nullable: true},
		"embed":       {kind: kString, nullable: true},
	}},
	defaults: func(c *call) record {
		return record{"description": nil, "embed": nil, "batched": true,
			"clientId": clientNumber(c.tok.clientID), "_client": c.tok.clientID, "_user": c.user}
	},
	prepare: func(c *call, rec, in record, create bool) []fieldError {
		if create && len(c.f.coll("restHooks").items) >= maxRestHooks {
			return []fieldError{{Message: "rest hooks limit reached", Resource: "restHook", Field: "event"}}
		}
		return nil
	},
	render: func(c *call, r record) any {
		out := view(r)
		uid, _ := r["_user"].(int64)
		out["user"] = c.f.userStub(uid)
		return out
	},
	visible: ownHook,
}

// ownHook reports whether the caller may see hook r: an OAuth application
// sees only the hooks it created, a personal token (or the fake itself)
// sees them all (access.go).
func ownHook(c *call, r record) bool {
	return c.tok == nil || c.tok.clientID == "" || r["_client"] == c.tok.clientID
}

// clientNumber is the numeric clientId Capsule reports for an OAuth
// client: stable per client id.
func clientNumber(clientID string) int64 {
	h := fnv.New32a()
	_, _ = h.Write([]byte(clientID))
	return int64(h.Sum32()%900000) + 100000
}

// lookupHook is c.lookup for hooks the caller may see.
func lookupHook(c *call) (record, *reply) {
	rec, rep := c.lookup(c.f.coll("restHooks"), "id")
	if rep == nil && !ownHook(c, rec) {
		return nil, notFound()
	}
	return rec, rep
}

func init() {
	registerResource(func(f *fake) {
		f.newCollection("restHooks", "restHook", "restHook", 7001)
		f.handle("GET", "/resthooks", restHooks.listAll)
		f.handle("GET", "/resthooks/{id}", func(c *call) *reply {
			rec, rep := lookupHook(c)
			if rep != nil {
				return rep
			}
			return ok("restHook", restHooks.render(c, rec))
		})
		f.handle("POST", "/resthooks", restHooks.create, adminOnly(), oauthAppOnly())
		f.handle("DELETE", "/resthooks/{id}", func(c *call) *reply {
			if _, rep := lookupHook(c); rep != nil {
				return rep
			}
			return restHooks.delete(c)
		}, adminOnly(), oauthAppOnly())
	})
}
