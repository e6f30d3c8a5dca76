package capsuletest

import (
	"cmp"
	"encoding/json"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Saved filters (capsule-api-core.md §5, end): filters saved in Capsule's web
// UI, which the API lists and runs but does not create. Seen on the live API
// (soil-dev/capsulemcp), not in the docs; their JSON shape beyond
// {"filters":[...]} is UNCONFIRMED. The fake stores them as
// {"id","name","conditions":[...],"orderBy":[...]} (the Filter model plus an
// id and a name), seeds a few per entity, and runs them through the
// ad-hoc filter engine (filters.go); unlike the ad-hoc endpoint, a saved
// filter's orderBy sorts its results (capsulemcp: "saved filters DO support
// sort").
//
//	GET /{entity}/filters               {"filters":[...]}, unpaged
//	GET /{entity}/filters/{id}          {"filter":{...}}
//	GET /{entity}/filters/{id}/results  the entity's list format, paged, embed

func registerSavedFilterRoutes(f *fake, e *entity) {
	p := e.path + "/filters"
	f.handle("GET", p, func(c *call) *reply {
		return c.listAll("filters", savedFiltersOf(c.f, e), nil)
	})
	f.handle("GET", p+"/{id}", func(c *call) *reply {
		rec, rep := lookupSavedFilter(c, e)
		if rep != nil {
			return rep
		}
		return ok("filter", view(rec))
	})
	f.handle("GET", p+"/{id}/results", func(c *call) *reply {
		rec, rep := lookupSavedFilter(c, e)
		if rep != nil {
			return rep
		}
		conds, rep := e.parseConditions(c.f, anyOf(rec["conditions"]))
		if rep != nil {
			return rep
		}
		items := e.matching(c, conds)
		sortSavedResults(c, e, items, anyOf(rec["orderBy"]))
		return c.list(e.coll, items, e.renderer(c))
	})
}

func anyOf(v any) []any {
	a, _ := v.([]any)
	return a
}

func savedFiltersOf(f *fake, e *entity) []record {
	return f.coll("savedFilters").filter(func(r record) bool { return r["_entity"] == e.coll })
}

// lookupSavedFilter finds the saved filter {id} of e (one of another entity
// is not found).
func lookupSavedFilter(c *call, e *entity) (record, *reply) {
	rec, rep := c.lookup(c.f.coll("savedFilters"), "id")
	if rep == nil && rec["_entity"] != e.coll {
		return nil, notFound()
	}
	return rec, rep
}

// sortSavedResults orders items by the saved filter's orderBy
// ([{"field","direction"}], field names as in conditions); ties keep
// ascending id. A record without a value sorts first ascending.
func sortSavedResults(c *call, e *entity, items []record, orderBy []any) {
	type key struct {
		ff   filterField
		desc bool
	}
	var keys []key
	for _, it := range orderBy {
		m, _ := it.(map[string]any)
		name, _ := m["field"].(string)
		if ff, found := e.lookupFilterField(c.f, name); found {
			keys = append(keys, key{ff, strings.EqualFold(str(m["direction"]), "descending")})
		}
	}
	if len(keys) == 0 {
		return
	}
	// read every record's sort values once, not once per comparison
	type row struct {
		rec  record
		vals [][]any
	}
	rows := make([]row, len(items))
	for i, r := range items {
		rows[i] = row{r, make([][]any, len(keys))}
		for j, k := range keys {
			rows[i].vals[j] = k.ff.get(c, r)
		}
	}
	slices.SortStableFunc(rows, func(a, b row) int {
		for j, k := range keys {
			n := compareFilterValues(a.vals[j], b.vals[j])
			if k.desc {
				n = -n
			}
			if n != 0 {
				return n
			}
		}
		return 0
	})
	for i, r := range rows {
		items[i] = r.rec
	}
}

// compareFilterValues compares the first values of two records' filter
// field (strings case-insensitively, references by name).
func compareFilterValues(a, b []any) int {
	if len(a) == 0 || len(b) == 0 {
		return cmp.Compare(len(a), len(b))
	}
	switch x := a[0].(type) {
	case float64:
		y, _ := b[0].(float64)
		return cmp.Compare(x, y)
	case time.Time:
		y, _ := b[0].(time.Time)
		return x.Compare(y)
	case bool:
		y, _ := b[0].(bool)
		return cmp.Compare(boolInt(x), boolInt(y))
	case idName:
		y, _ := b[0].(idName)
		return compareFold(x.name, y.name)
	}
	return compareFold(str(a[0]), str(b[0]))
}

// compareFold compares two strings case-insensitively, without allocating.
func compareFold(a, b string) int {
	for a != "" && b != "" {
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if n := cmp.Compare(unicode.ToLower(ra), unicode.ToLower(rb)); n != 0 {
			return n
		}
		a, b = a[na:], b[nb:]
	}
	return cmp.Compare(len(a), len(b))
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func init() {
	registerResource(func(f *fake) {
		f.newCollection("savedFilters", "filter", "filter", 3001).stamped = false
	})
	registerSeeder(seedReference, "savedfilters", seedSavedFilters)
}

// cond is a seeded filter condition; numbers are json.Number, as decoded
// request bodies carry them.
func cond(field, op string, value any) any {
	return map[string]any{"field": field, "operator": op, "value": value}
}

func order(field, direction string) any {
	return map[string]any{"field": field, "direction": direction}
}

func seedSavedFilters(f *fake, _ *seedCtx) {
	for _, sf := range []struct {
		entity, name string
		conditions   []any
		orderBy      []any
	}{
		{"parties", "Organisations A-Z", []any{cond("type", "is", "organisation")}, []any{order("name", "ascending")}},
		{"parties", "People with an email address", []any{cond("type", "is", "person"), cond("hasEmailAddress", "is", true)}, nil},
		{"opportunities", "Open by probability", []any{cond("isOpen", "is", true)}, []any{order("probability", "descending")}},
		{"opportunities", "Likely deals", []any{cond("probability", "is greater than", json.Number("40"))}, nil},
		{"kases", "Open projects", []any{cond("status", "is", "OPEN")}, []any{order("name", "ascending")}},
	} {
		rec := record{"name": sf.name, "conditions": sf.conditions, "orderBy": sf.orderBy, "_entity": sf.entity}
		if sf.orderBy == nil {
			rec["orderBy"] = []any{}
		}
		f.coll("savedFilters").insert(rec, time.Time{})
	}
}
