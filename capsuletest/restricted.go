package capsuletest

import (
	"fmt"
	"strings"
	"time"
)

// Restricted records (capsule-api-core.md §1.9, §2.1 NestedParty and
// RestrictedParty, §4.1 NestedOpportunity). In Capsule a party, opportunity
// or kase can be made visible to some users or teams only; to everyone else
// it is a restricted record. The fake emulates it per bearer token with the
// test controls Server.Restrict and Server.Unrestrict. For a token the
// record is hidden from:
//
//   - lists (with or without since), search, filters/results, the child
//     lists (/parties/{id}/people|opportunities|kases,
//     /opportunities/{id}/kases, additional parties);
//   - GET /{entity}/{id} and show-multiple, PUT, DELETE and the routes under
//     /{entity}/{id}/...: 404 "Could not find resource", as for an unknown
//     id (Capsule documents no 403 for this, and a 404 tells nothing);
//
// and where a visible record refers to it (a person's organisation, an
// opportunity's or kase's party, a kase's opportunity, a task's or entry's
// parent) the nested reference becomes the restricted shape, also under
// embed: {"id","type","firstName":null,"lastName":"Private","pictureURL",
// "isRestricted":true} for a person, "name":"Private" instead of the two
// names for an organisation, {"id","name":"Private","isRestricted":true}
// for an opportunity or kase. GET /{entity}/deleted?since= lists it under
// restrictedParties, restrictedOpportunities or restrictedKases (the key
// only when non-empty) when it was restricted strictly after since.
//
// The restriction is kept on the record (private key "_restricted"), so it
// goes with the record when it is deleted. Restricting does not change
// updatedAt; neither does Unrestrict (whether Capsule lists a record that
// becomes visible again in since-lists is unknown: update it to make it
// show up).

// restriction is a record's visibility restriction.
type restriction struct {
	at     time.Time       // when it was restricted (fake clock, whole seconds)
	tokens map[string]bool // the tokens it is hidden from; nil: every token
}

// restrictable are the collections Restrict accepts.
var restrictable = []string{"parties", "opportunities", "kases"}

// Restrict makes the record id of entity ("parties", "opportunities" or
// "kases") a restricted record for the given bearer tokens, or for every
// token (Token, AddToken and OAuth tokens alike) when none is given, from
// the server clock's current time on. Restricting a restricted record again
// replaces its tokens and time. A restricted record is left out of lists,
// search, filters and child lists, answers 404 by id, shows as a "Private"
// stub where another record refers to it, and is listed in the restricted
// part of the entity's deleted feed. Restrict panics when entity is not one
// of the three or has no record id.
func (s *Server) Restrict(entity string, id int64, tokens ...string) {
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	rec := s.f.restrictable("Restrict", entity, id)
	r := &restriction{at: s.f.nowLocked().UTC().Truncate(time.Second)}
	if len(tokens) > 0 {
		r.tokens = map[string]bool{}
		for _, t := range tokens {
			r.tokens[t] = true
		}
	}
	s.f.coll(entity).restricted += restrictedDelta(rec, record{"_restricted": r})
	rec["_restricted"] = r
}

// Unrestrict makes a record restricted by Restrict visible to every token
// again; it no longer appears in the deleted feed's restricted part. It
// does not change the record's updatedAt. Unrestrict panics when entity is
// not "parties", "opportunities" or "kases" or has no record id.
func (s *Server) Unrestrict(entity string, id int64) {
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	rec := s.f.restrictable("Unrestrict", entity, id)
	s.f.coll(entity).restricted += restrictedDelta(rec, record{})
	delete(rec, "_restricted")
}

func (f *fake) restrictable(op, entity string, id int64) record {
	if !contains(restrictable, entity) {
		panic(fmt.Sprintf("capsuletest: %s: entity %q is not one of %q", op, entity, restrictable))
	}
	rec, found := f.coll(entity).get(id)
	if !found {
		panic(fmt.Sprintf("capsuletest: %s: no %s record %d", op, entity, id))
	}
	return rec
}

// hidden reports whether rec is restricted for the call's token.
func (c *call) hidden(rec record) bool {
	r, isRestricted := rec["_restricted"].(*restriction)
	return isRestricted && (r.tokens == nil || r.tokens[c.token])
}

// canSee is the negation of hidden, for collection.filter.
func (c *call) canSee(rec record) bool { return !c.hidden(rec) }

// restrictedStub is the restricted shape of rec, a record of coll.
func restrictedStub(coll string, rec record) record {
	out := record{"id": rec["id"], "isRestricted": true}
	if coll != "parties" {
		out["name"] = "Private"
		return out
	}
	out["type"] = rec["type"]
	if rec["type"] == "person" {
		out["firstName"], out["lastName"] = nil, "Private"
	} else {
		out["name"] = "Private"
	}
	// a generic avatar: the real one would give the initials away
	out["pictureURL"] = pictureURL(record{"id": rec["id"], "type": rec["type"], "name": "Private", "lastName": "Private"})
	return out
}

// hiddenRef returns the restricted stub of the record id of coll when it is
// hidden from the call, and nil otherwise.
func (c *call) hiddenRef(coll string, id int64) any {
	cl := c.f.coll(coll)
	if cl == nil || id == 0 {
		return nil
	}
	if r, found := cl.get(id); found && c.hidden(r) {
		return restrictedStub(coll, r)
	}
	return nil
}

// partyRef is the nested party id: its stub, or the restricted shape.
func (c *call) partyRef(id int64) any {
	if s := c.hiddenRef("parties", id); s != nil {
		return s
	}
	return c.f.partyStub(id)
}

// restrictedSince lists the records of coll hidden from the call that were
// restricted strictly after t, in the restricted shape, ascending id.
func (c *call) restrictedSince(coll *collection, t time.Time) []any {
	if !contains(restrictable, coll.name) {
		return nil
	}
	var out []any
	for _, r := range coll.all() {
		if res, isRestricted := r["_restricted"].(*restriction); isRestricted && c.hidden(r) && res.at.After(t) {
			out = append(out, restrictedStub(coll.name, r))
		}
	}
	return out
}

// restrictedKey is the deleted feed's key for coll's restricted records:
// restrictedParties, restrictedOpportunities, restrictedKases.
func restrictedKey(coll string) string {
	return "restricted" + strings.ToUpper(coll[:1]) + coll[1:]
}
