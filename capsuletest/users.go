package capsuletest

import (
	"fmt"
	"strings"
)

// Users, teams and the site (capsule-api-rest.md §5).

func init() {
	registerResource(func(f *fake) {
		users := f.newCollection("users", "user", "user", 674197)
		users.stamped = false
		f.newCollection("teams", "team", "team", 4001)

		f.handle("GET", "/users", func(c *call) *reply {
			return c.listAll("users", c.f.coll("users").all(), c.renderUser)
		})
		f.handle("GET", "/users/current", func(c *call) *reply {
			rec, found := c.f.coll("users").get(c.user)
			if !found {
				return notFound()
			}
			return ok("user", c.renderUser(rec))
		})
		f.handle("GET", "/users/{id}", func(c *call) *reply {
			return c.showOneOrMany(c.f.coll("users"), "id", c.renderUser)
		})
		f.handle("PUT", "/users/{id}", updateUser)

		f.handle("GET", "/teams", func(c *call) *reply {
			return c.listAll("teams", c.f.coll("teams").all(), c.renderTeam)
		})
		f.handle("GET", "/teams/{id}", func(c *call) *reply {
			return c.showOneOrMany(c.f.coll("teams"), "id", c.renderTeam)
		})

		f.handle("GET", "/site", func(c *call) *reply { return ok("site", view(c.f.singletons["site"])) })
	})
	registerSeeder(seedUsers, "users", seedUsersTeamsSite)
}

var seedUserNames = [][2]string{
	{"Integration", "User"}, {"Maia", "Hilton"}, {"Oscar", "Brennan"}, {"Priya", "Shah"}, {"Tom", "Fischer"},
}

func seedUsersTeamsSite(f *fake, sc *seedCtx) {
	users := f.coll("users")
	for i, n := range seedUserNames {
		username := strings.ToLower(n[0] + "." + n[1])
		initials := n[0][:1] + n[1][:1]
		pic := fmt.Sprintf("https://facehub.appspot.com/default/person?text=%s&size=100&colour=%d", initials, 806388639+i)
		rec := users.insert(record{
			"username":                  username,
			"name":                      n[0] + " " + n[1],
			"locale":                    "en_GB",
			"currency":                  "GBP",
			"timezone":                  "Europe/London",
			"emailPreference":           "GMAIL",
			"clickToCallPreference":     "TEL",
			"preferredEmailFromAddress": username + "@exampleco.com",
			"party":                     record{"id": int64(254633901 + i), "type": "person", "firstName": n[0], "lastName": n[1], "pictureURL": pic},
			"taskReminder":              true,
			"status":                    "ACTIVE",
			"lastLoginAt":               ts(sc.at()),
			"_pictureURL":               pic,
			"_admin":                    i == seedAdminUser,
		}, sc.at())
		switch i {
		case seedAdminUser:
			f.currentUser = rec["id"].(int64)
		case seedNormalUser:
			f.normalUser = rec["id"].(int64)
		}
	}
	ids := users.all()
	teams := f.coll("teams")
	teams.insert(record{"name": "Sales", "_members": []int64{ids[0]["id"].(int64), ids[1]["id"].(int64)}}, sc.at())
	teams.insert(record{"name": "Support", "_members": []int64{ids[1]["id"].(int64), ids[2]["id"].(int64)}}, sc.at())
	f.singletons["site"] = record{"url": "https://exampleco.capsulecrm.com", "subdomain": "exampleco", "name": "Example Co."}
}

// userStub is the nested user reference {id, username, name, pictureURL, deleted}
// used by owner/user/creator keys; nil when the user does not exist.
func (f *fake) userStub(id int64) any {
	u, found := f.coll("users").get(id)
	if !found {
		return nil
	}
	return record{"id": id, "username": u["username"], "name": u["name"], "pictureURL": u["_pictureURL"], "deleted": false}
}

// teamStub is the nested team reference {id, name}; nil when it does not exist.
func (f *fake) teamStub(id int64) any { return f.stub("teams", id, "name") }

func (c *call) renderUser(u record) any {
	out := view(u)
	if c.embeds()["party"] {
		if parties := c.f.coll("parties"); parties != nil {
			if pid, ok := refID(u["party"]); ok {
				if p, found := parties.get(pid); found {
					out["party"] = renderParty(c, p) // live owner/organisation stubs (parties.go)
				}
			}
		}
	}
	return out
}

func (c *call) renderTeam(t record) any {
	out := view(t)
	if c.embeds()["memberships"] {
		ms := []any{}
		for _, uid := range t["_members"].([]int64) {
			if s := c.f.userStub(uid); s != nil {
				ms = append(ms, record{"user": s})
			}
		}
		out["memberships"] = ms
	}
	return out
}

var userSchema = schema{resource: "user", fields: map[string]fieldSpec{
	"username":                  {kind: kString, required: true},
	"locale":                    {kind: kString, enum: []string{"en_US", "en_GB", "es_ES"}},
	"currency":                  {kind: kString},
	"timezone":                  {kind: kString},
	"emailPreference":           {kind: kString, nullable: true, enum: []string{"GMAIL"}},
	"clickToCallPreference":     {kind: kString, nullable: true, enum: []string{"SIP", "TEL", "CALLTO", "CIRCLELOOP"}},
	"preferredEmailFromAddress": {kind: kString, nullable: true},
	"taskReminder":              {kind: kBool},
}}

func updateUser(c *call) *reply {
	users := c.f.coll("users")
	rec, rep := c.lookup(users, "id")
	if rep != nil {
		return rep
	}
	in, rep := c.decode("user")
	if rep != nil {
		return rep
	}
	var errs []fieldError
	if name, ok := in["username"].(string); ok {
		for _, u := range users.all() {
			if u["id"] != rec["id"] && strings.EqualFold(u["username"].(string), name) {
				errs = append(errs, fieldErr("user", "username", "has already been taken"))
			}
		}
	}
	if cur, ok := in["currency"].(string); ok && !knownCurrency(cur) {
		errs = append(errs, fieldErr("user", "currency", "is invalid"))
	}
	if len(errs) > 0 {
		return validationFailed(errs...)
	}
	if errs := userSchema.apply(rec, in, false); errs != nil {
		return validationFailed(errs...)
	}
	c.f.emit("user/updated", rec)
	return ok("user", c.renderUser(rec))
}
