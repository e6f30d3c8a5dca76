package capsuletest

import (
	"cmp"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"maps"
	"math"
	"math/rand/v2"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
)

// record is one stored resource in its JSON shape (the keys Capsule returns).
// Keys that start with "_" are private bookkeeping and never rendered.
type record = map[string]any

// timeFormat is Capsule's timestamp format: UTC, whole seconds, Z.
const timeFormat = "2006-01-02T15:04:05Z"

// ts formats t as a Capsule timestamp.
func ts(t time.Time) string { return t.UTC().Truncate(time.Second).Format(timeFormat) }

// collection holds the records of one resource, keyed by id. All access happens
// with fake.mu held. Besides the map it keeps, on every write, the indexes a
// request needs so that it costs the page asked for, not the store's size:
// the ids in ascending order (lists are slices of it), the (updatedAt, id)
// pairs in time order (since lists) and, for the record types with a search,
// each record's lower-case search key.
type collection struct {
	name      string // plural envelope key and path segment, e.g. "pipelines"
	singular  string // singular envelope key, e.g. "pipeline"
	resource  string // resource name in 422 bodies, e.g. "pipeline"
	next      int64
	stamped   bool // insert sets createdAt/updatedAt
	items     map[int64]record
	deletions []deletion

	order   []int64  // every id, ascending
	changes []change // (updatedAt, id) ascending; entries of an older updatedAt are stale
	stale   int      // stale entries in changes, compacted when they are the majority
	// unsorted is set when an entry was appended out of time order
	unsorted bool
	// timeIndex keeps changes (on the collections with since lists)
	timeIndex bool

	// restricted counts the records with a restriction (restricted.go):
	// while there are none, a list needs no visibility test per record.
	restricted int

	// searchKey, when set, derives a record's search key; keys holds them.
	searchKey func(rec record) searchKey
	keys      map[int64]searchKey

	// pack, when set, compacts a record's values before it is stored.
	pack func(rec record)
}

type deletion struct {
	id int64
	at time.Time
}

// searchKey is a record's search texts, precomputed on write: lower-cased
// (text) and as digits only (digits, for phone numbers), each list joined
// with "\x00".
type searchKey struct{ text, digits string }

// change is one entry of a collection's time index: the record id had
// updatedAt at (Capsule format, which sorts as text) after a write.
type change struct {
	at string
	id int64
}

// newCollection registers a collection. firstID is the id given to the first
// record (Capsule ids differ per resource; distinct ranges make mix-ups visible).
func (f *fake) newCollection(name, singular, resource string, firstID int64) *collection {
	c := &collection{name: name, singular: singular, resource: resource, next: firstID, stamped: true, items: map[int64]record{}}
	f.colls[name] = c
	return c
}

// emptied is a collection of c's kind (its names and options, the id
// counter where c's is) without records or indexes: what Load fills.
// A new option field of collection is copied here.
func (c *collection) emptied() *collection {
	return &collection{name: c.name, singular: c.singular, resource: c.resource, stamped: c.stamped,
		next: c.next, items: map[int64]record{}, timeIndex: c.timeIndex, searchKey: c.searchKey, pack: c.pack}
}

// coll returns a registered collection or nil.
func (f *fake) coll(name string) *collection { return f.colls[name] }

// insert stores rec under a fresh id (or its own "id" when set) and, for a
// stamped collection, sets createdAt/updatedAt to now unless already present.
// It returns rec.
func (c *collection) insert(rec record, now time.Time) record {
	id, ok := asInt(rec["id"])
	if !ok {
		id = c.next
	}
	rec["id"] = id // an int64, whatever number type it was given as
	if id >= c.next {
		c.next = id + 1
	}
	if _, ok := rec["createdAt"]; !ok && c.stamped {
		rec["createdAt"] = ts(now)
	}
	if _, ok := rec["updatedAt"]; !ok && c.stamped {
		rec["updatedAt"] = rec["createdAt"]
	}
	c.put(rec)
	return rec
}

// put stores rec (a new record, or the new version of one: updates work on
// a copy and put it back) and brings the indexes up to date.
func (c *collection) put(rec record) {
	id := rec["id"].(int64)
	if c.pack != nil {
		c.pack(rec)
	}
	old, existed := c.items[id]
	c.items[id] = rec
	c.restricted += restrictedDelta(old, rec)
	if !existed {
		if n := len(c.order); n == 0 || c.order[n-1] < id {
			c.order = append(c.order, id) // ids are given in ascending order
		} else {
			i, _ := slices.BinarySearch(c.order, id)
			c.order = slices.Insert(c.order, i, id)
		}
	}
	c.indexed(id, old, rec)
}

// restrictedDelta is the change in the number of restricted records when
// old (nil: none) becomes rec (nil: deleted).
func restrictedDelta(old, rec record) int {
	_, was := old["_restricted"]
	_, is := rec["_restricted"]
	switch {
	case is && !was:
		return 1
	case was && !is:
		return -1
	}
	return 0
}

// putUpdated stores work, the updated copy of a stored record, with its
// updatedAt (when it carries one) set to now.
func (c *collection) putUpdated(work record, now time.Time) {
	if _, ok := work["updatedAt"]; ok {
		work["updatedAt"] = ts(now)
	}
	c.put(work)
}

// touch bumps updatedAt when rec, a stored record of c, carries one.
func (c *collection) touch(rec record, now time.Time) {
	if _, ok := rec["updatedAt"]; ok {
		at := rec["updatedAt"]
		rec["updatedAt"] = ts(now)
		c.indexed(rec["id"].(int64), record{"updatedAt": at}, rec)
	}
}

// indexed updates the time index and the search key of id, whose stored
// version changed from old (nil: none) to rec.
func (c *collection) indexed(id int64, old, rec record) {
	if c.searchKey != nil {
		if c.keys == nil {
			c.keys = map[int64]searchKey{}
		}
		c.keys[id] = c.searchKey(rec)
	}
	if !c.timeIndex {
		return
	}
	at, _ := rec["updatedAt"].(string)
	if old != nil {
		if was, _ := old["updatedAt"].(string); was == at {
			return
		} else if was != "" {
			c.stale++
		}
	}
	if at == "" {
		return
	}
	if n := len(c.changes); n > 0 && c.changes[n-1].at > at {
		c.unsorted = true // seeding, or a clock set back: sorted when next read
	}
	c.changes = append(c.changes, change{at: at, id: id})
	if c.stale > len(c.changes)/2 {
		c.compact()
	}
}

func compareChange(a, b change) int {
	if n := strings.Compare(a.at, b.at); n != 0 {
		return n
	}
	return cmp.Compare(a.id, b.id)
}

// current reports whether a time index entry is the record's present updatedAt.
func (c *collection) current(ch change) bool {
	r, ok := c.items[ch.id]
	return ok && r["updatedAt"] == ch.at
}

// compact drops the stale entries of the time index.
func (c *collection) compact() {
	c.changes = slices.DeleteFunc(c.changes, func(ch change) bool { return !c.current(ch) }) // keeps the order
	c.stale = 0
}

// changedAfter returns the ids of the records whose updatedAt is after at
// (Capsule format), ascending, when there are at most limit of them; ok is
// false when there may be more (the caller scans instead).
func (c *collection) changedAfter(at string, limit int) (ids []int64, ok bool) {
	if c.unsorted {
		slices.SortFunc(c.changes, compareChange)
		c.unsorted = false
	}
	i := sort.Search(len(c.changes), func(i int) bool { return c.changes[i].at > at })
	if len(c.changes)-i > limit {
		return nil, false
	}
	for _, ch := range c.changes[i:] {
		if c.current(ch) {
			ids = append(ids, ch.id)
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids), true // two entries when touched twice in a second
}

// get returns the record with id.
func (c *collection) get(id int64) (record, bool) {
	if c == nil { // a collection not registered: nothing is found
		return nil, false
	}
	r, ok := c.items[id]
	return r, ok
}

// all returns every record in ascending id order.
func (c *collection) all() []record { return c.filter(nil) }

// filter returns the records for which keep is true (nil keeps all), ascending id.
func (c *collection) filter(keep func(record) bool) []record {
	out := make([]record, 0, len(c.order))
	for _, id := range c.order {
		if r := c.items[id]; keep == nil || keep(r) {
			out = append(out, r)
		}
	}
	return out
}

// drop deletes id from the collection and its indexes (no deleted feed, no
// hooks: see fake.remove).
func (c *collection) drop(id int64) {
	r, ok := c.items[id]
	if !ok {
		return
	}
	delete(c.items, id)
	delete(c.keys, id)
	c.restricted += restrictedDelta(r, nil)
	if i, found := slices.BinarySearch(c.order, id); found {
		c.order = slices.Delete(c.order, i, i+1)
	}
	if c.timeIndex && r["updatedAt"] != nil {
		c.stale++
	}
}

// remove hard-deletes id, records it for the deleted feed and runs the
// registered onDelete hooks. It reports whether the record existed.
func (f *fake) remove(c *collection, id int64, now time.Time) bool {
	if _, ok := c.items[id]; !ok {
		return false
	}
	c.drop(id)
	c.deletions = append(c.deletions, deletion{id: id, at: now})
	for _, h := range deleteHooks[c.name] {
		h(f, id, now)
	}
	return true
}

// view is the public JSON of rec: a shallow copy without "_" keys.
func view(rec record) record { return viewWithNulls(rec) }

// viewWithNulls is view(rec) with each key of nulls that rec does not store
// set to null: compact records (seeded kases and notes, tasks) leave out
// the keys that are null, and render them all the same.
func viewWithNulls(rec record, nulls ...string) record {
	out := make(record, len(rec))
	for k, v := range rec {
		if !strings.HasPrefix(k, "_") {
			out[k] = v
		}
	}
	for _, k := range nulls {
		if _, set := out[k]; !set {
			out[k] = nil
		}
	}
	return out
}

// hooks between resources ---------------------------------------------------------

var (
	deleteHooks = map[string][]func(f *fake, id int64, now time.Time){}
	inUseChecks = map[string][]func(f *fake, id int64) string{}
)

// registerOnDelete runs fn after a record of collection coll is removed (cascades,
// e.g. clearing a task's category). Call from init.
func registerOnDelete(coll string, fn func(f *fake, id int64, now time.Time)) {
	deleteHooks[coll] = append(deleteHooks[coll], fn)
}

// registerInUse adds a check run before a record of coll is deleted; a non-empty
// return is the 422 message refusing the delete. Call from init.
func registerInUse(coll string, fn func(f *fake, id int64) string) {
	inUseChecks[coll] = append(inUseChecks[coll], fn)
}

// inUse returns the first refusal message for deleting id from coll, or "".
func (f *fake) inUse(coll string, id int64) string {
	for _, fn := range inUseChecks[coll] {
		if msg := fn(f, id); msg != "" {
			return msg
		}
	}
	return ""
}

// values --------------------------------------------------------------------------

// asInt converts an integral JSON value (int, int64, float64, json.Number) to int64.
func asInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int:
		return int64(n), true
	case int64:
		return n, true
	case float64:
		if n == math.Trunc(n) && math.Abs(n) < 1<<53 {
			return int64(n), true
		}
	case json.Number:
		if i, err := n.Int64(); err == nil {
			return i, true
		}
	}
	return 0, false
}

// refID reads a reference written as {"id": N} or as a bare N.
func refID(v any) (int64, bool) {
	if r, ok := v.(idRef); ok {
		return int64(r), true
	}
	if m, ok := v.(map[string]any); ok {
		return asInt(m["id"])
	}
	return asInt(v)
}

// stub returns {id, keys...} of a stored record, or nil when it does not exist.
func (f *fake) stub(coll string, id int64, keys ...string) any {
	c := f.coll(coll)
	if c == nil {
		return nil
	}
	r, ok := c.get(id)
	if !ok {
		return nil
	}
	out := record{"id": id}
	for _, k := range keys {
		out[k] = r[k]
	}
	return out
}

// schema-driven input ----------------------------------------------------------------

type kind int

const (
	kString   kind = iota // JSON string
	kBool                 // JSON boolean
	kInt                  // JSON integer
	kNumber               // JSON number
	kDate                 // "YYYY-MM-DD"
	kDateTime             // ISO-8601 timestamp, stored as Capsule format
	kColour               // "#rrggbb"
	kURL                  // absolute http(s) URL
	kObject               // any JSON object (the handler interprets it)
	kArray                // any JSON array (the handler interprets it)
)

// fieldSpec describes one writable field.
type fieldSpec struct {
	kind     kind
	required bool     // must be present and non-empty on create, non-null on update
	nullable bool     // null is accepted (and stored)
	enum     []string // allowed string values
	min, max int      // range for kInt when min < max
}

// schema lists a resource's writable fields; keys not listed (read-only or
// unknown) are ignored, as Capsule does.
type schema struct {
	resource string
	fields   map[string]fieldSpec
}

var (
	colourRE = regexp.MustCompile(`^#[0-9A-Fa-f]{6}$`)
	dateRE   = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
)

// apply validates the fields of in and, when all are valid, copies them into
// dst (normalised: ints as int64, timestamps in Capsule format). On create,
// required fields must be present. It returns the 422 errors, if any.
func (sc schema) apply(dst, in record, create bool) []fieldError {
	var errs []fieldError
	set := record{}
	for _, key := range slices.Sorted(maps.Keys(sc.fields)) {
		spec := sc.fields[key]
		v, present := in[key]
		if !present {
			if create && spec.required {
				errs = append(errs, fieldErr(sc.resource, key, "is required"))
			}
			continue
		}
		if v == nil {
			switch {
			case spec.required:
				errs = append(errs, fieldErr(sc.resource, key, "is required"))
			case spec.nullable:
				set[key] = nil
			default:
				errs = append(errs, fieldErr(sc.resource, key, "is invalid"))
			}
			continue
		}
		nv, problem := spec.check(v)
		if problem == "" && spec.required && nv == "" {
			problem = "is required"
		}
		if problem != "" {
			errs = append(errs, fieldErr(sc.resource, key, problem))
			continue
		}
		set[key] = nv
	}
	if len(errs) > 0 {
		return errs
	}
	maps.Copy(dst, set)
	return nil
}

func (spec fieldSpec) check(v any) (any, string) {
	switch spec.kind {
	case kString, kColour, kURL, kDate, kDateTime:
		s, ok := v.(string)
		if !ok {
			return nil, "is invalid"
		}
		switch spec.kind {
		case kColour:
			if !colourRE.MatchString(s) {
				return nil, "is invalid"
			}
		case kURL:
			u, err := url.Parse(s)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return nil, "is invalid"
			}
		case kDate:
			if _, err := time.Parse(time.DateOnly, s); err != nil || !dateRE.MatchString(s) {
				return nil, "is invalid"
			}
		case kDateTime:
			t, err := time.Parse(time.RFC3339, s)
			if err != nil {
				return nil, "is invalid"
			}
			s = ts(t)
		}
		if len(spec.enum) > 0 && !slices.Contains(spec.enum, s) {
			return nil, "is invalid"
		}
		return s, ""
	case kBool:
		b, ok := v.(bool)
		if !ok {
			return nil, "is invalid"
		}
		return b, ""
	case kInt:
		n, ok := asInt(v)
		if !ok {
			return nil, "is invalid"
		}
		if spec.min < spec.max && (n < int64(spec.min) || n > int64(spec.max)) {
			return nil, fmt.Sprintf("must be between %d and %d", spec.min, spec.max)
		}
		return n, ""
	case kNumber:
		switch n := v.(type) {
		case json.Number:
			if _, err := n.Float64(); err != nil {
				return nil, "is invalid"
			}
			return n, ""
		case float64, int, int64:
			return n, ""
		}
		return nil, "is invalid"
	case kObject:
		if _, ok := v.(map[string]any); !ok {
			return nil, "is invalid"
		}
		return v, ""
	case kArray:
		if _, ok := v.([]any); !ok {
			return nil, "is invalid"
		}
		return v, ""
	}
	return nil, "is invalid"
}

// nested collections -------------------------------------------------------------

// mergeNested applies Capsule's nested-collection rules to existing (e.g. a
// party's emailAddresses) and returns the new slice; existing is not modified.
//
//   - an element without "id" is appended with a fresh id;
//   - an element with "id" and attributes patches that element;
//   - an element with "id" and "_delete": true removes it;
//   - an unknown id is a 422 error "<field> <id> not found"; "_destroy" is ignored;
//   - [] (or null) changes nothing.
//
// validate, when not nil, checks each resulting element (isNew tells an added one
// from a patched one) and returns its 422 errors.
func (f *fake) mergeNested(existing []any, patch any, resource, field string,
	validate func(item record, isNew bool) []fieldError) ([]any, []fieldError) {
	out := make([]any, 0, len(existing))
	for _, e := range existing {
		if m, ok := e.(map[string]any); ok {
			out = append(out, maps.Clone(m))
		} else {
			out = append(out, e)
		}
	}
	if patch == nil {
		return out, nil
	}
	items, ok := patch.([]any)
	if !ok {
		return nil, []fieldError{fieldErr(resource, field, "is invalid")}
	}
	var errs []fieldError
	for _, it := range items {
		el, ok := it.(map[string]any)
		if !ok {
			errs = append(errs, fieldErr(resource, field, "is invalid"))
			continue
		}
		del, _ := el["_delete"].(bool)
		rawID, hasID := el["id"]
		attrs := record{}
		for k, v := range el {
			if k != "id" && k != "_delete" && k != "_destroy" {
				attrs[k] = v
			}
		}
		if !hasID || rawID == nil {
			if del {
				errs = append(errs, fieldErr(resource, field, "id is required to delete"))
				continue
			}
			f.nestedSeq++
			item := record{"id": f.nestedSeq}
			maps.Copy(item, attrs)
			if validate != nil {
				errs = append(errs, validate(item, true)...)
			}
			out = append(out, item)
			continue
		}
		id, ok := asInt(rawID)
		idx := slices.IndexFunc(out, func(e any) bool {
			m, ok := e.(map[string]any)
			if !ok {
				return false
			}
			eid, _ := asInt(m["id"])
			return eid == id
		})
		if !ok || idx < 0 {
			errs = append(errs, fieldError{Message: fmt.Sprintf("%s %v not found", field, rawID), Resource: resource, Field: field})
			continue
		}
		if del {
			out = slices.Delete(out, idx, idx+1)
			continue
		}
		item := out[idx].(map[string]any)
		maps.Copy(item, attrs)
		if validate != nil {
			errs = append(errs, validate(item, false)...)
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return out, nil
}

// seeding ---------------------------------------------------------------------------

// Seeder orders: reference data first, then the records that point at it.
const (
	seedUsers       = 10
	seedReference   = 20
	seedPipelines   = 30
	seedBoards      = 40
	seedParties     = 100 // phase 2
	seedRecords     = 200 // phase 2: opportunities, kases
	seedDependents  = 300 // phase 2: tasks, entries, tracks
	seedBaseTimeStr = "2024-01-02T09:00:00Z"
)

// seedCtx is handed to every seeder.
type seedCtx struct {
	n    int        // WithSeed(n): number of parties (and proportional records)
	rng  *rand.Rand // deterministic per seeder (seeded by n and the seeder name)
	base time.Time  // fixed timestamp for seed records
	tick int
}

// at returns a deterministic, increasing timestamp for the next seed record.
func (sc *seedCtx) at() time.Time {
	sc.tick++
	return sc.base.Add(time.Duration(sc.tick) * time.Minute)
}

type seeder struct {
	order int
	name  string
	fn    func(f *fake, sc *seedCtx)
}

var seeders []seeder

// registerSeeder adds a seed function run (with f.mu held) at server start, in
// ascending order, then by name. Call from init.
func registerSeeder(order int, name string, fn func(f *fake, sc *seedCtx)) {
	seeders = append(seeders, seeder{order: order, name: name, fn: fn})
}

func (f *fake) runSeeders() {
	list := slices.Clone(seeders)
	sort.SliceStable(list, func(i, j int) bool {
		if list[i].order != list[j].order {
			return list[i].order < list[j].order
		}
		return list[i].name < list[j].name
	})
	base, _ := time.Parse(time.RFC3339, seedBaseTimeStr)
	for i, s := range list {
		h := fnv.New64a()
		h.Write([]byte(s.name))
		sc := &seedCtx{
			n:    f.cfg.seed,
			rng:  rand.New(rand.NewPCG(uint64(f.cfg.seed), h.Sum64())),
			base: base.Add(time.Duration(i) * 24 * time.Hour),
		}
		s.fn(f, sc)
	}
}
