package capsuletest

import (
	"maps"
	"strconv"
	"strings"
)

// Shared machinery of the three core record types: parties, opportunities and
// kases (capsule-api-core.md §1.10-1.15). Each has its own tag dictionary and
// custom field definitions (tags.go, fields.go), search, filters (filters.go),
// since and deleted feeds.
//
// Stored records keep references as idRef under their public key ("party",
// "owner", "milestone", ...) so refID works on them; render replaces them with
// live stubs. Private keys: "_tags" ([]int64 tag ids), "_fields"
// ([]fieldVal), "_parties" ([]int64 additional parties).

// entity describes one record type.
type entity struct {
	coll     string // "parties"
	singular string // "party"
	path     string // "/parties"
	tags     string // tag definition collection, e.g. "partyTags"
	fields   string // field definition collection, e.g. "partyFields"
	// render is the record's JSON for c (embeds honoured).
	render func(c *call, rec record) any
	// save validates in against a working copy (create: a fresh record with
	// defaults) and returns the commit to run when everything is valid, or a
	// reply (422/404).
	save func(c *call, rec, in record, create bool) (commit func(), rep *reply)
	// defaults are the keys a new record starts with.
	defaults func(c *call) record
	// searchText lists the strings q is matched against.
	searchText func(f *fake, rec record) []string
	// filterFields are the fields of POST /{coll}/filters/results.
	filterFields map[string]filterField
	// deleteAsync answers deletes 202 under WithAsyncDeletes.
	deleteAsync  bool
	deleteAction string
}

var entities = map[string]*entity{}

func (e *entity) c(f *fake) *collection { return f.coll(e.coll) }

func (e *entity) renderer(c *call) func(record) any {
	return func(r record) any { return e.render(c, r) }
}

// registerEntityRoutes registers the routes shared by the three record types.
func (e *entity) registerRoutes(f *fake) {
	p := e.path
	e.c(f).searchKey = func(r record) searchKey { return e.key(f, r) }
	e.c(f).timeIndex = true
	f.handle("GET", p, e.list)
	f.handle("GET", p+"/search", e.search)
	f.handle("GET", p+"/deleted", func(c *call) *reply { return c.deletedFeed(e.c(c.f)) })
	f.handle("GET", p+"/{id}", func(c *call) *reply { return c.showOneOrMany(e.c(c.f), "id", e.renderer(c)) })
	f.handle("POST", p, e.create)
	f.handle("PUT", p+"/{id}", e.update)
	f.handle("DELETE", p+"/{id}", e.delete)
	f.handle("POST", p+"/filters/results", e.filterResults, readOnlyRoute())
	registerSavedFilterRoutes(f, e)
	registerTagRoutes(f, e)
	registerFieldRoutes(f, e)
}

func (e *entity) list(c *call) *reply {
	coll := e.c(c.f)
	var keep func(int64, record) bool // all records: a page is a slice of the id index
	if coll.restricted > 0 {
		keep = func(_ int64, r record) bool { return c.canSee(r) }
	}
	return c.listSince(e.coll, coll, keep, e.renderer(c))
}

// search serves GET /{coll}/search?q=: case-insensitive substring over the
// entity's search texts (names, email addresses, phone numbers, postcodes); an
// empty q matches everything. It reads the keys precomputed on write (key).
func (e *entity) search(c *call) *reply {
	q := strings.ToLower(strings.TrimSpace(c.query.Get("q")))
	qDigits := digits(q)
	// phone numbers match ignoring spaces, dashes and brackets
	byDigits := len(qDigits) >= 3 && len(qDigits) == len(strings.TrimLeft(q, "+"))
	coll := e.c(c.f)
	return c.listScan(e.coll, coll, func(id int64, r record) bool {
		if c.hidden(r) {
			return false
		}
		if q == "" {
			return true
		}
		if strings.IndexByte(q, 0) >= 0 { // the keys' separator: match text by text
			for _, s := range e.searchText(c.f, r) {
				if strings.Contains(strings.ToLower(s), q) {
					return true
				}
			}
			return false
		}
		k := coll.keys[id]
		return strings.Contains(k.text, q) || byDigits && strings.Contains(k.digits, qDigits)
	}, e.renderer(c))
}

// key is the search key of rec: its search texts lower-cased, and their
// digits, each joined with NUL so that a match cannot span two texts.
func (e *entity) key(f *fake, rec record) searchKey {
	texts := e.searchText(f, rec)
	var text, digs strings.Builder
	for i, s := range texts {
		if i > 0 {
			text.WriteByte(0)
			digs.WriteByte(0)
		}
		text.WriteString(strings.ToLower(s))
		digs.WriteString(digits(s))
	}
	return searchKey{text: text.String(), digits: digs.String()}
}

func digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func (e *entity) create(c *call) *reply {
	coll := e.c(c.f)
	in, rep := c.decode(e.singular)
	if rep != nil {
		return rep
	}
	rec := e.defaults(c)
	commit, rep := e.save(c, rec, in, true)
	if rep != nil {
		return rep
	}
	tracks, rep := c.createTracks(e.singular, in) // create-only "tracks" (tracks.go)
	if rep != nil {
		return rep
	}
	if commit != nil {
		commit()
	}
	coll.insert(rec, c.now)
	c.applyCreateTracks(tracks, rec)
	c.f.emit(e.singular+"/created", rec)
	return c.created(e.singular, e.path+"/"+itoa(rec["id"]), e.render(c, rec))
}

func (e *entity) update(c *call) *reply {
	coll := e.c(c.f)
	rec, rep := c.lookup(coll, "id")
	if rep != nil {
		return rep
	}
	in, rep := c.decode(e.singular)
	if rep != nil {
		return rep
	}
	work := maps.Clone(rec)
	commit, rep := e.save(c, work, in, false)
	if rep != nil {
		return rep
	}
	if commit != nil {
		commit()
	}
	coll.putUpdated(work, c.now)
	c.f.emitUpdate(e.singular, rec, work)
	return ok(e.singular, e.render(c, work))
}

func (e *entity) delete(c *call) *reply {
	coll := e.c(c.f)
	rec, rep := c.lookup(coll, "id")
	if rep != nil {
		return rep
	}
	id := rec["id"].(int64)
	if msg := c.f.inUse(e.coll, id); msg != "" {
		return validationFailed(fieldError{Message: msg, Resource: coll.resource, Field: "id"})
	}
	c.f.emit(e.singular+"/deleted", rec)
	c.f.remove(coll, id, c.now)
	return c.deleted(e.deleteAsync, e.deleteAction)
}

// references --------------------------------------------------------------------

// ref is the stored form of a reference: an idRef, or nil for 0.
func ref(id int64) any {
	if id == 0 {
		return nil
	}
	return idRef(id)
}

// idRef is a stored reference to another record: it marshals as {"id": N}
// and costs 8 bytes where a one-key map costs some 300 (it is most of what
// a seeded record holds).
type idRef int64

// MarshalJSON writes {"id": N}.
func (r idRef) MarshalJSON() ([]byte, error) {
	return []byte(`{"id":` + strconv.FormatInt(int64(r), 10) + `}`), nil
}

// refOf reads a stored reference (0 when absent or null).
func refOf(rec record, key string) int64 {
	id, _ := refID(rec[key])
	return id
}

// readRef reads a reference from a request body: present reports whether key
// was given, null whether it was null; a malformed or unknown reference (per
// exists) is a 422 "<key> is invalid".
func readRef(in record, key, resource string, exists func(int64) bool) (id int64, present bool, errs []fieldError) {
	raw, present := in[key]
	if !present || raw == nil {
		return 0, present, nil
	}
	id, okID := refID(raw)
	if !okID || id <= 0 || !exists(id) {
		return 0, true, []fieldError{fieldErr(resource, key, "is invalid")}
	}
	return id, true, nil
}

func (f *fake) exists(coll string) func(int64) bool {
	return func(id int64) bool {
		c := f.coll(coll)
		if c == nil {
			return false
		}
		_, found := c.get(id)
		return found
	}
}

// ownerTeam applies "owner" and "team" from in to rec. Owner defaults to the
// token's user on create; both must exist; requireOne demands one of them
// (422 "owner or team is required"); clearTeam drops the team when a PUT gives
// an owner but no team (kases).
func ownerTeam(c *call, rec, in record, create bool, resource string, requireOne, clearTeam bool) []fieldError {
	var errs []fieldError
	owner, ownerGiven, e1 := readRef(in, "owner", resource, c.f.exists("users"))
	team, teamGiven, e2 := readRef(in, "team", resource, c.f.exists("teams"))
	errs = append(append(errs, e1...), e2...)
	if len(errs) > 0 {
		return errs
	}
	switch {
	case ownerGiven:
		rec["owner"] = ref(owner)
	case create:
		rec["owner"] = ref(c.user)
	}
	switch {
	case teamGiven:
		rec["team"] = ref(team)
	case create:
		rec["team"] = nil
	case clearTeam && ownerGiven:
		rec["team"] = nil
	}
	o, t := refOf(rec, "owner"), refOf(rec, "team")
	if requireOne && o == 0 && t == 0 {
		return []fieldError{{Message: "owner or team is required", Resource: resource, Field: "owner"}}
	}
	if o != 0 && t != 0 {
		tr, _ := c.f.coll("teams").get(t)
		members, _ := tr["_members"].([]int64)
		found := false
		for _, m := range members {
			found = found || m == o
		}
		if !found {
			return []fieldError{{Message: "owner is not a member of the team", Resource: resource, Field: "owner"}}
		}
	}
	return nil
}

// renderCommon fills the keys shared by the three record types: owner and team
// stubs, and the tags, fields and missingImportantFields embeds.
func (e *entity) renderCommon(c *call, rec record, out record) {
	out["owner"] = nil
	if id := refOf(rec, "owner"); id != 0 {
		out["owner"] = c.f.userStub(id)
	}
	out["team"] = nil
	if id := refOf(rec, "team"); id != 0 {
		out["team"] = c.f.teamStub(id)
	}
	emb := c.embeds()
	if emb["tags"] {
		out["tags"] = c.f.tagStubs(e, rec)
	}
	if emb["fields"] {
		out["fields"] = c.f.fieldValues(e, rec)
	}
	if emb["missingImportantFields"] {
		out["missingImportantFields"] = c.f.missingImportant(e, rec)
	}
}

// partyStub is the nested party {id, type, firstName, lastName | name, pictureURL}.
func (f *fake) partyStub(id int64) any {
	p, found := f.coll("parties").get(id)
	if !found {
		return nil
	}
	out := record{"id": id, "type": p["type"], "pictureURL": p["pictureURL"]}
	if p["type"] == "person" {
		out["firstName"], out["lastName"] = p["firstName"], p["lastName"]
	} else {
		out["name"] = p["name"]
	}
	return out
}

// partyOrFull renders the party id as a stub, or in full when embed names key;
// a party restricted for the caller is its restricted stub either way.
func (c *call) partyOrFull(id int64, key string) any {
	if id == 0 {
		return nil
	}
	if s := c.hiddenRef("parties", id); s != nil {
		return s
	}
	if c.embeds()[key] {
		if p, found := c.f.coll("parties").get(id); found {
			return renderPartyPlain(c, p)
		}
	}
	return c.f.partyStub(id)
}

// ids helpers -------------------------------------------------------------------------

func idList(v any) []int64 {
	ids, _ := v.([]int64)
	return ids
}

func containsID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

func withoutID(ids []int64, id int64) []int64 {
	out := make([]int64, 0, len(ids))
	for _, x := range ids {
		if x != id {
			out = append(out, x)
		}
	}
	return out
}

// additional parties ------------------------------------------------------------------

// additionalParties serves GET /{coll}/{id}/parties.
func (e *entity) additionalParties(c *call) *reply {
	rec, rep := c.lookup(e.c(c.f), "id")
	if rep != nil {
		return rep
	}
	var items []record
	for _, pid := range idList(rec["_parties"]) {
		if p, found := c.f.coll("parties").get(pid); found && c.canSee(p) {
			items = append(items, p)
		}
	}
	return c.list("parties", items, entities["parties"].renderer(c))
}

// addParty serves POST /{coll}/{id}/parties/{partyId}: 204, or 422 when the
// party is the main one or already attached.
func (e *entity) addParty(c *call) *reply {
	rec, rep := c.lookup(e.c(c.f), "id")
	if rep != nil {
		return rep
	}
	p, rep := c.lookup(c.f.coll("parties"), "partyId")
	if rep != nil {
		return rep
	}
	pid := p["id"].(int64)
	name := e.singular
	if refOf(rec, "party") == pid {
		return validationFailed(fieldError{Message: "party is already related to this " + name, Resource: e.singular, Field: "parties"})
	}
	if containsID(idList(rec["_parties"]), pid) {
		return validationFailed(fieldError{Message: "party is already a contact for this " + name, Resource: e.singular, Field: "parties"})
	}
	rec["_parties"] = append(append([]int64{}, idList(rec["_parties"])...), pid)
	e.c(c.f).touch(rec, c.now)
	return noContent()
}

// removeParty serves DELETE /{coll}/{id}/parties/{partyId}: 204, 404 when the
// party is not an additional party.
func (e *entity) removeParty(c *call) *reply {
	rec, rep := c.lookup(e.c(c.f), "id")
	if rep != nil {
		return rep
	}
	pid, okID := c.idParam("partyId")
	if !okID || !containsID(idList(rec["_parties"]), pid) {
		return notFound()
	}
	rec["_parties"] = withoutID(idList(rec["_parties"]), pid)
	e.c(c.f).touch(rec, c.now)
	return noContent()
}

// childList serves a paged list of records of e related to the record at {id}
// of parent.
func (e *entity) childList(parent string, keep func(parentID int64, r record) bool) handlerFunc {
	return func(c *call) *reply {
		p, rep := c.lookup(c.f.coll(parent), "id")
		if rep != nil {
			return rep
		}
		pid := p["id"].(int64)
		items := e.c(c.f).filter(func(r record) bool { return keep(pid, r) && c.canSee(r) })
		return c.list(e.coll, items, e.renderer(c))
	}
}

// text helpers ------------------------------------------------------------------------

func str(v any) string {
	s, _ := v.(string)
	return s
}
