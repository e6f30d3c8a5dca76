package capsuletest

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Entries: notes, emails and completed-task entries on the timeline of a
// party, opportunity or project (capsule-api-rest.md §4). Only notes can be
// created; notes and emails can be updated. An entry has exactly one parent.
// Attachments uploaded with POST /attachments/upload are claimed by token.

// entryParents are the keys of an entry's parent, with their collections.
var entryParents = taskParents

// maxEntityEntriesPerPage is the perPage limit of /{entity}/{id}/entries
// (current doc; the older one said 100).
const maxEntityEntriesPerPage = 50

// taskCompletedActivity is the activity type of completed-task entries.
var taskCompletedActivity = record{"id": int64(-4), "name": "Task completed"}

var entrySchema = schema{resource: "entry", fields: map[string]fieldSpec{
	"type":    {kind: kString, required: true},
	"content": {kind: kString, nullable: true},
	"subject": {kind: kString, nullable: true},
	"entryAt": {kind: kDateTime},
}}

func init() {
	registerResource(func(f *fake) {
		f.newCollection("entries", "entry", "entry", 50001001)
		f.handle("GET", "/entries", func(c *call) *reply {
			return c.list("entries", newestFirst(c.f.coll("entries").all()), func(r record) any { return renderEntry(c, r) })
		})
		f.handle("GET", "/entries/{id}", func(c *call) *reply {
			rec, rep := c.lookup(c.f.coll("entries"), "id") // no show-multiple for entries
			if rep != nil {
				return rep
			}
			return ok("entry", renderEntry(c, rec))
		})
		f.handle("POST", "/entries", createEntry)
		f.handle("PUT", "/entries/{id}", updateEntry)
		f.handle("DELETE", "/entries/{id}", func(c *call) *reply {
			rec, rep := c.lookup(c.f.coll("entries"), "id")
			if rep != nil {
				return rep
			}
			c.f.removeEntry(rec["id"].(int64), c.now)
			return noContent()
		})
		for _, p := range entryParents {
			f.handle("GET", "/"+p.coll+"/{id}/entries", entriesOf(p.key, p.coll))
		}
	})
	for _, p := range entryParents {
		// Deleting a record deletes its entries (capsule-api-core.md §1.15).
		registerOnDelete(p.coll, func(f *fake, id int64, now time.Time) {
			for _, e := range f.coll("entries").filter(func(r record) bool { return r["_"+p.key] == id }) {
				f.removeEntry(e["id"].(int64), now)
			}
		})
	}
	registerSeeder(seedDependents, "entries", seedEntries)
}

// newestFirst sorts entries by entryAt, newest first, then by id descending.
func newestFirst(list []record) []record {
	slices.SortStableFunc(list, func(a, b record) int {
		if c := cmp.Compare(asString(b["entryAt"]), asString(a["entryAt"])); c != 0 {
			return c
		}
		return cmp.Compare(b["id"].(int64), a["id"].(int64))
	})
	return list
}

func entriesOf(key, coll string) handlerFunc {
	return func(c *call) *reply {
		parent, rep := c.lookup(c.f.coll(coll), "id")
		if rep != nil {
			return rep
		}
		if _, perPage, rep := c.paging(); rep != nil {
			return rep
		} else if perPage > maxEntityEntriesPerPage {
			return errReply(c.f.cfg.perPageStatus, fmt.Sprintf("perPage must be between 1 and %d", maxEntityEntriesPerPage))
		}
		items := c.f.coll("entries").filter(func(r record) bool { return r["_"+key] == parent["id"] })
		return c.list("entries", newestFirst(items), func(r record) any { return renderEntry(c, r) })
	}
}

// entryAttachments are the attachments an entry claimed, by id.
func (f *fake) entryAttachments(entryID int64) []record {
	return f.coll("attachments").filter(func(a record) bool { return a["_entry"] == entryID })
}

// renderEntry is the JSON of an entry; embed expands party, opportunity, kase,
// creator and activityType.
func renderEntry(c *call, e record) any {
	out := viewWithNulls(e, "subject")
	emb := c.embeds()
	uid, _ := e["_creator"].(int64)
	out["creator"] = c.f.userStub(uid)
	if emb["creator"] {
		if u, found := c.f.coll("users").get(uid); found {
			out["creator"] = c.renderUser(u)
		}
	}
	atID, set := e["_activityType"].(int64)
	if !set { // seeded notes store neither the default nor their nulls (seedEntries)
		atID = -1
	}
	if atID == -4 {
		out["activityType"] = maps.Clone(taskCompletedActivity)
	} else {
		out["activityType"] = c.f.stub("activityTypes", atID, "name")
		if at, found := c.f.coll("activityTypes").get(atID); found && emb["activityType"] {
			out["activityType"] = view(at)
		}
	}
	for _, p := range entryParents {
		id, _ := e["_"+p.key].(int64)
		out[p.key] = c.recordRef(p.coll, id, emb[p.key])
	}
	atts := []any{}
	for _, a := range c.f.entryAttachments(e["id"].(int64)) {
		atts = append(atts, attachmentJSON(a))
	}
	out["attachments"] = atts
	return out
}

// removeEntry deletes an entry and its attachments.
func (f *fake) removeEntry(id int64, now time.Time) {
	for _, a := range f.entryAttachments(id) {
		f.remove(f.coll("attachments"), a["id"].(int64), now)
	}
	f.remove(f.coll("entries"), id, now)
}

// attachmentChanges validates an entry's attachments array against the
// attachments it has (ids): {"token":T} claims an upload, {"id":N,"_delete":true}
// removes one, {"id":N} keeps it. It returns the resulting ids.
func (c *call) attachmentChanges(v any, have []int64) ([]int64, []fieldError) {
	if v == nil {
		return have, nil
	}
	items, ok := v.([]any)
	if !ok {
		return nil, []fieldError{fieldErr("entry", "attachments", "is invalid")}
	}
	out := slices.Clone(have)
	var errs []fieldError
	for _, it := range items {
		el, ok := it.(map[string]any)
		if !ok {
			errs = append(errs, fieldErr("entry", "attachments", "is invalid"))
			continue
		}
		if tok, ok := el["token"].(string); ok {
			a, found := c.f.attachmentByToken(tok)
			if !found || a["_entry"] != nil || slices.Contains(out, a["id"].(int64)) {
				errs = append(errs, fieldErr("entry", "attachments", "token is invalid"))
				continue
			}
			out = append(out, a["id"].(int64))
			continue
		}
		id, ok := asInt(el["id"])
		if !ok || !slices.Contains(out, id) {
			errs = append(errs, fieldError{Message: fmt.Sprintf("attachments %v not found", el["id"]), Resource: "entry", Field: "attachments"})
			continue
		}
		if del, _ := el["_delete"].(bool); del {
			out = slices.DeleteFunc(out, func(x int64) bool { return x == id })
		}
	}
	return out, errs
}

// applyEntry validates in and merges it into rec (new or a working copy). It
// returns the resulting attachment ids and the 422 errors, if any.
func applyEntry(c *call, rec, in record, create bool) ([]int64, []fieldError) {
	prevType := rec["type"]
	errs := entrySchema.apply(rec, in, create)
	if errs != nil {
		return nil, errs
	}
	if _, given := in["type"]; given {
		typ := strings.ToLower(rec["type"].(string))
		rec["type"] = typ
		switch {
		case create && typ != "note":
			errs = append(errs, fieldError{Message: "type is invalid: only notes can be created", Resource: "entry", Field: "type"})
		case !create && typ != prevType:
			errs = append(errs, fieldError{Message: "type cannot be changed", Resource: "entry", Field: "type"})
		}
	}
	if v, present := in["activityType"]; present {
		id, ok := refID(v)
		if _, found := c.f.coll("activityTypes").get(id); v == nil || !ok || !found {
			errs = append(errs, fieldErr("entry", "activityType", "is invalid"))
		} else {
			rec["_activityType"] = id
		}
	}
	errs = append(errs, c.f.setParents(rec, in, "entry")...)
	var have []int64
	if !create {
		for _, a := range c.f.entryAttachments(rec["id"].(int64)) {
			have = append(have, a["id"].(int64))
		}
	}
	atts, aerrs := c.attachmentChanges(in["attachments"], have)
	errs = append(errs, aerrs...)
	if len(errs) > 0 {
		return nil, errs
	}
	var set []string
	for _, p := range entryParents {
		if rec["_"+p.key] != nil {
			set = append(set, p.key)
		}
	}
	switch {
	case len(set) == 0:
		errs = append(errs, fieldError{Message: "party, opportunity or kase is required", Resource: "entry", Field: "party"})
	case len(set) > 1:
		errs = append(errs, fieldError{Message: "entry can belong to only one of party, opportunity or kase", Resource: "entry", Field: set[1]})
	}
	if strings.TrimSpace(asString(rec["content"])) == "" && len(atts) == 0 {
		errs = append(errs, fieldErr("entry", "content", "is required"))
	}
	return atts, errs
}

// claimAttachments makes ids the entry's attachments: new ones are claimed,
// dropped ones deleted.
func (f *fake) claimAttachments(entryID int64, ids []int64, now time.Time) {
	for _, a := range f.entryAttachments(entryID) {
		if !slices.Contains(ids, a["id"].(int64)) {
			f.remove(f.coll("attachments"), a["id"].(int64), now)
		}
	}
	for _, id := range ids {
		if a, found := f.coll("attachments").get(id); found {
			a["_entry"] = entryID
		}
	}
}

func createEntry(c *call) *reply {
	in, rep := c.decode("entry")
	if rep != nil {
		return rep
	}
	rec := record{"type": nil, "content": nil, "subject": nil, "entryAt": ts(c.now),
		"_creator": c.user, "_activityType": int64(-1), "_party": nil, "_opportunity": nil, "_kase": nil}
	atts, errs := applyEntry(c, rec, in, true)
	if errs != nil {
		return validationFailed(errs...)
	}
	c.f.coll("entries").insert(rec, c.now)
	c.f.claimAttachments(rec["id"].(int64), atts, c.now)
	return c.created("entry", "/entries/"+itoa(rec["id"]), renderEntry(c, rec))
}

func updateEntry(c *call) *reply {
	coll := c.f.coll("entries")
	rec, rep := c.lookup(coll, "id")
	if rep != nil {
		return rep
	}
	in, rep := c.decode("entry")
	if rep != nil {
		return rep
	}
	if t := rec["type"]; t != "note" && t != "email" {
		return validationFailed(fieldError{Message: "only note and email entries can be updated", Resource: "entry", Field: "type"})
	}
	work := maps.Clone(rec)
	atts, errs := applyEntry(c, work, in, false)
	if errs != nil {
		return validationFailed(errs...)
	}
	coll.putUpdated(work, c.now)
	c.f.claimAttachments(rec["id"].(int64), atts, c.now)
	return ok("entry", renderEntry(c, work))
}

// addTaskEntry records a completed task on its parent's timeline (a "task"
// entry with activity type -4 "Task completed"; UNCONFIRMED for opportunity
// and kase tasks).
func (f *fake) addTaskEntry(task record, user int64, now time.Time) {
	e := record{"type": "task", "content": task["description"], "subject": nil, "entryAt": ts(now),
		"_creator": user, "_activityType": int64(-4), "_party": nil, "_opportunity": nil, "_kase": nil}
	has := false
	for _, p := range entryParents {
		if id, ok := task["_"+p.key].(int64); ok {
			e["_"+p.key], has = id, true
		}
	}
	if has {
		f.coll("entries").insert(e, now)
	}
}

// seedEntries adds notes to parties, opportunities and kases (when those
// resources exist): about one per record, some backdated, a few emails and a
// note with an attachment.
func seedEntries(f *fake, sc *seedCtx) {
	users := f.coll("users").all()
	notes := []string{"Spoke on the phone, interested in a demo.", "Sent pricing by email.", "Met at the trade show.",
		"Asked us to call back next quarter.", "Happy with the last delivery."}
	n := 0
	for _, p := range entryParents {
		coll := f.coll(p.coll)
		if coll == nil {
			continue
		}
		for i, r := range coll.all() {
			if (p.key != "party" && i%2 == 1) || r["_userParty"] == true {
				continue
			}
			at := sc.at()
			n++
			// no null subject or parents, no default activity type (-1):
			// renderEntry writes them back, and a note fits a map of 8 keys
			e := record{"type": "note", "content": notes[n%len(notes)],
				"entryAt":  ts(at.Add(-time.Duration(sc.rng.IntN(240)) * time.Hour)),
				"_creator": users[n%len(users)]["id"]}
			if act := []int64{-1, -1, -3, -2}[n%4]; act != -1 {
				e["_activityType"] = act
			}
			e["_"+p.key] = r["id"]
			if p.key == "party" && i%6 == 5 {
				e["type"], e["subject"], e["_activityType"] = "email", fmt.Sprintf("Re: order %d", 1000+i), int64(1)
				e["participants"] = []any{
					record{"id": int64(700000 + 2*i), "address": "sales@exampleco.com", "name": "Example Co.", "role": "FROM"},
					record{"id": int64(700001 + 2*i), "address": fmt.Sprintf("contact%d@example.net", i), "name": "Contact", "role": "TO"},
				}
			}
			f.coll("entries").insert(e, at)
			if n == 1 {
				data := []byte("Minutes of the first meeting.\n")
				f.coll("attachments").insert(record{"filename": "minutes.txt", "contentType": "text/plain",
					"size": int64(len(data)), "_token": "u1/e0/seed/minutes.txt", "_data": data, "_entry": e["id"]}, at)
			}
		}
	}
}
