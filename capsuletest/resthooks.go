package capsuletest

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

// fakeOAuthClientNumber is the clientId reported on hooks.
const fakeOAuthClientNumber = 4242

var restHooks = &resource{
	coll: "restHooks", path: "/resthooks",
	schema: schema{resource: "restHook", fields: map[string]fieldSpec{
		"event":       {kind: kString, required: true, enum: restHookEvents},
		"targetUrl":   {kind: kURL, required: true},
		"description": {kind: kString, nullable: true},
		"embed":       {kind: kString, nullable: true},
	}},
	defaults: func(c *call) record {
		return record{"description": nil, "embed": nil, "batched": true, "clientId": int64(fakeOAuthClientNumber), "_user": c.user}
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
}

func init() {
	registerResource(func(f *fake) {
		f.newCollection("restHooks", "restHook", "restHook", 7001)
		f.handle("GET", "/resthooks", restHooks.listAll)
		f.handle("GET", "/resthooks/{id}", restHooks.show)
		f.handle("POST", "/resthooks", restHooks.create)
		f.handle("DELETE", "/resthooks/{id}", restHooks.delete)
	})
}
