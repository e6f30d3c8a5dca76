package capsuletest

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// Filters: POST /{entity}/filters/results (capsule-api-core.md §5). Conditions
// are ANDed; orderBy is accepted and ignored (capsulemcp: the ad-hoc endpoint
// does not sort); results are paged like lists, in ascending id order.

type ftype int

const (
	fString ftype = iota // string operators, case-insensitive
	fNumber              // number operators
	fBool                // is / is not
	fDate                // date operators; day counts relative to the server clock
	fRef                 // is / is not, by id (number) or name (string)
	fNamed               // fRef, plus the string operators on the name (milestone, lostReason: string fields in the reference)
)

// idName is a value of an fRef or fNamed field.
type idName struct {
	id   int64
	name string
}

// filterField is one filterable field: its type and its values on a record
// (several for multi-valued fields such as email).
type filterField struct {
	typ ftype
	get func(c *call, r record) []any
}

var operatorTypes = map[string][]ftype{
	"is":              {fString, fNumber, fBool, fDate, fRef, fNamed},
	"is not":          {fString, fNumber, fBool, fDate, fRef, fNamed},
	"starts with":     {fString, fNamed},
	"ends with":       {fString, fNamed},
	"contains":        {fString, fNamed},
	"is greater than": {fNumber},
	"is less than":    {fNumber},
	"is after":        {fDate},
	"is before":       {fDate},
	"is older than":   {fDate},
	"is within last":  {fDate},
	"is within next":  {fDate},
}

func filterErr(msg string) *reply {
	return validationFailed(fieldError{Message: msg, Resource: "filter", Field: "conditions"})
}

type condition struct {
	field filterField
	op    string
	null  bool
	str   string
	num   float64
	b     bool
	date  time.Time
	days  int
	refID int64
	isID  bool
}

func (e *entity) filterResults(c *call) *reply {
	in, rep := c.decode("filter")
	if rep != nil {
		return rep
	}
	var raw []any
	if v, given := in["conditions"]; given && v != nil {
		arr, isArr := v.([]any)
		if !isArr {
			return filterErr("conditions is invalid")
		}
		raw = arr
	}
	conds, rep := e.parseConditions(c.f, raw)
	if rep != nil {
		return rep
	}
	return c.listScan(e.coll, e.c(c.f), matcher(c, conds), e.renderer(c))
}

// parseConditions checks filter conditions (decoded JSON) against e's
// filter fields; a bad one answers 422. Saved filters (savedfilters.go)
// run through it too.
func (e *entity) parseConditions(f *fake, raw []any) ([]condition, *reply) {
	conds := make([]condition, 0, len(raw))
	for _, it := range raw {
		m, isObj := it.(map[string]any)
		if !isObj {
			return nil, filterErr("invalid field name")
		}
		name, _ := m["field"].(string)
		ff, found := e.lookupFilterField(f, name)
		if !found {
			return nil, filterErr("invalid field name")
		}
		op, _ := m["operator"].(string)
		op = strings.ToLower(strings.TrimSpace(op))
		types, known := operatorTypes[op]
		if !known || !containsType(types, ff.typ) {
			return nil, filterErr("invalid operator")
		}
		cond, okVal := parseCondValue(ff, op, m["value"])
		if !okVal {
			return nil, filterErr("invalid value")
		}
		conds = append(conds, cond)
	}
	return conds, nil
}

// matching returns the records of e that c may see and that meet every
// condition, in ascending id order.
func (e *entity) matching(c *call, conds []condition) []record {
	keep := matcher(c, conds)
	return e.c(c.f).filter(func(r record) bool { return keep(0, r) })
}

// matcher is the test of matching, for listScan.
func matcher(c *call, conds []condition) func(_ int64, r record) bool {
	today := c.now.Truncate(24 * time.Hour)
	return func(_ int64, r record) bool {
		if c.hidden(r) {
			return false
		}
		for _, cd := range conds {
			if !cd.match(c, r, today) {
				return false
			}
		}
		return true
	}
}

func containsType(ts []ftype, t ftype) bool {
	for _, x := range ts {
		if x == t {
			return true
		}
	}
	return false
}

func numberOf(v any) (float64, bool) {
	switch n := v.(type) {
	case json.Number:
		x, err := n.Float64()
		return x, err == nil
	case string:
		x, err := strconv.ParseFloat(strings.TrimSpace(n), 64)
		return x, err == nil
	case float64:
		return n, true
	case int64:
		return float64(n), true
	}
	return 0, false
}

func parseCondValue(ff filterField, op string, v any) (condition, bool) {
	cd := condition{field: ff, op: op}
	if v == nil {
		cd.null = true
		return cd, op == "is" || op == "is not"
	}
	switch ff.typ {
	case fString:
		s, isStr := v.(string)
		if n, isNum := v.(json.Number); isNum {
			s, isStr = n.String(), true
		}
		cd.str = strings.ToLower(s)
		return cd, isStr
	case fNumber:
		n, isNum := numberOf(v)
		cd.num = n
		return cd, isNum
	case fBool:
		switch b := v.(type) {
		case bool:
			cd.b = b
			return cd, true
		case string:
			pb, err := strconv.ParseBool(b)
			cd.b = pb
			return cd, err == nil
		}
		return cd, false
	case fDate:
		if op == "is older than" || op == "is within last" || op == "is within next" {
			n, isNum := numberOf(v)
			cd.days = int(n)
			return cd, isNum && n >= 0 && n == float64(int(n))
		}
		s, _ := v.(string)
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t, err2 := time.Parse(time.RFC3339, s)
			if err2 != nil {
				return cd, false
			}
			d = t.UTC().Truncate(24 * time.Hour)
		}
		cd.date = d
		return cd, true
	case fRef, fNamed:
		if op != "is" && op != "is not" {
			s, isStr := v.(string)
			cd.str = strings.ToLower(s)
			return cd, isStr
		}
		if n, isNum := v.(json.Number); isNum {
			id, err := n.Int64()
			cd.refID, cd.isID = id, true
			return cd, err == nil
		}
		s, isStr := v.(string)
		if id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64); err == nil {
			cd.refID, cd.isID = id, true
		}
		cd.str = strings.ToLower(strings.TrimSpace(s))
		return cd, isStr
	}
	return cd, false
}

func (cd condition) match(c *call, r record, today time.Time) bool {
	vals := cd.field.get(c, r)
	if cd.null {
		return (len(vals) == 0) == (cd.op == "is")
	}
	if cd.op == "is not" {
		return !cd.matchAny(vals, "is", today)
	}
	return cd.matchAny(vals, cd.op, today)
}

func (cd condition) matchAny(vals []any, op string, today time.Time) bool {
	for _, v := range vals {
		if cd.matchOne(v, op, today) {
			return true
		}
	}
	return false
}

func (cd condition) matchOne(v any, op string, today time.Time) bool {
	switch cd.field.typ {
	case fString:
		return foldMatch(str(v), cd.str, op)
	case fNumber:
		n, isNum := numberOf(v)
		if !isNum {
			return false
		}
		switch op {
		case "is":
			return n == cd.num
		case "is greater than":
			return n > cd.num
		case "is less than":
			return n < cd.num
		}
	case fBool:
		return v == cd.b
	case fDate:
		d, isTime := v.(time.Time)
		if !isTime {
			return false
		}
		d = d.UTC().Truncate(24 * time.Hour)
		day := 24 * time.Hour
		switch op {
		case "is":
			return d.Equal(cd.date)
		case "is after":
			return d.After(cd.date)
		case "is before":
			return d.Before(cd.date)
		case "is older than":
			return d.Before(today.Add(-time.Duration(cd.days) * day))
		case "is within last":
			return !d.Before(today.Add(-time.Duration(cd.days)*day)) && !d.After(today)
		case "is within next":
			return !d.Before(today) && !d.After(today.Add(time.Duration(cd.days)*day))
		}
	case fRef, fNamed:
		in, isRef := v.(idName)
		if !isRef {
			return false
		}
		if op != "is" {
			return (condition{field: filterField{typ: fString}, str: cd.str}).matchOne(in.name, op, today)
		}
		if cd.isID && in.id == cd.refID {
			return true
		}
		return cd.str != "" && strings.ToLower(in.name) == cd.str
	}
	return false
}

// foldMatch reports whether s, lower-cased, meets the string operator op
// against want (lower case). ASCII text, nearly all of it, is compared byte
// by byte without making its lower-case copy: a filter meets every record.
func foldMatch(s, want, op string) bool {
	if !isASCII(s) {
		s = strings.ToLower(s)
		switch op {
		case "is":
			return s == want
		case "starts with":
			return strings.HasPrefix(s, want)
		case "ends with":
			return strings.HasSuffix(s, want)
		case "contains":
			return strings.Contains(s, want)
		}
		return false
	}
	if len(want) > len(s) {
		return false
	}
	switch op {
	case "is":
		return len(s) == len(want) && lowerEq(s, want)
	case "starts with":
		return lowerEq(s[:len(want)], want)
	case "ends with":
		return lowerEq(s[len(s)-len(want):], want)
	case "contains":
		for i := 0; i+len(want) <= len(s); i++ {
			if lowerEq(s[i:i+len(want)], want) {
				return true
			}
		}
	}
	return false
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// lowerEq reports whether the ASCII s, lower-cased, equals want (same length).
func lowerEq(s, want string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != want[i] {
			return false
		}
	}
	return true
}

// field getters ---------------------------------------------------------------------

func strVals(ss ...string) []any {
	out := []any{}
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

func keyStr(key string) filterField {
	return filterField{fString, func(c *call, r record) []any { return strVals(str(r[key])) }}
}

func numOf(get func(c *call, r record) int64) filterField {
	return filterField{fNumber, func(c *call, r record) []any {
		if n := get(c, r); n != 0 {
			return []any{float64(n)}
		}
		return nil
	}}
}

func boolOf(get func(c *call, r record) bool) filterField {
	return filterField{fBool, func(c *call, r record) []any { return []any{get(c, r)} }}
}

// dateKey reads a date (YYYY-MM-DD) or timestamp key.
func dateKey(key string) filterField {
	return filterField{fDate, func(c *call, r record) []any {
		s := str(r[key])
		if t, err := time.Parse(time.DateOnly, s); err == nil {
			return []any{t}
		}
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			return []any{t}
		}
		return nil
	}}
}

func refOfColl(key, coll, nameKey string) filterField {
	return filterField{fRef, func(c *call, r record) []any {
		id := refOf(r, key)
		if id == 0 {
			return nil
		}
		x, _ := c.f.coll(coll).get(id)
		return []any{idName{id, str(x[nameKey])}}
	}}
}

// named lets the string operators test the name of a reference field.
func named(ff filterField) filterField {
	ff.typ = fNamed
	return ff
}

func tagField(e *entity) filterField {
	return filterField{fRef, func(c *call, r record) []any { return tagVals(c.f, e, r) }}
}

func tagVals(f *fake, e *entity, r record) []any {
	var out []any
	for _, id := range idList(r["_tags"]) {
		t, _ := f.coll(e.tags).get(id)
		out = append(out, idName{id, str(t["name"])})
	}
	return out
}

func nestedVals(key, sub string) filterField {
	return filterField{fString, func(c *call, r record) []any {
		var out []any
		for _, v := range contactVals(r[key], sub) {
			out = append(out, strVals(str(v))...)
		}
		return out
	}}
}

func (e *entity) commonFilterFields(m map[string]filterField) map[string]filterField {
	common := map[string]filterField{
		"id":        numOf(func(c *call, r record) int64 { return r["id"].(int64) }),
		"name":      keyStr("name"),
		"tag":       tagField(e),
		"owner":     numOf(func(c *call, r record) int64 { return refOf(r, "owner") }),
		"team":      numOf(func(c *call, r record) int64 { return refOf(r, "team") }),
		"hasTags":   boolOf(func(c *call, r record) bool { return len(idList(r["_tags"])) > 0 }),
		"addedOn":   dateKey("createdAt"),
		"updatedOn": dateKey("updatedAt"),
	}
	for k, v := range common {
		if _, set := m[k]; !set {
			m[k] = v
		}
	}
	return m
}

// customField resolves custom:{id} against the definitions of e; value reads
// the record whose value is tested (the record itself or its organisation).
func customField(f *fake, e *entity, idStr string, value func(c *call, r record) record) (filterField, bool) {
	id, err := strconv.ParseInt(idStr, 10, 64)
	if err != nil {
		return filterField{}, false
	}
	d, found := f.coll(e.fields).get(id)
	if !found {
		return filterField{}, false
	}
	typ := fString
	switch d["type"] {
	case "number":
		typ = fNumber
	case "boolean":
		typ = fBool
	case "date":
		typ = fDate
	}
	return filterField{typ, func(c *call, r record) []any {
		target := value(c, r)
		if target == nil {
			return nil
		}
		v, has := fieldValue(target, id)
		if !has {
			return nil
		}
		if typ == fDate {
			t, err := time.Parse(time.DateOnly, str(v))
			if err != nil {
				return nil
			}
			return []any{t}
		}
		return []any{v}
	}}, true
}

func (e *entity) lookupFilterField(f *fake, name string) (filterField, bool) {
	self := func(c *call, r record) record { return r }
	if rest, isCustom := strings.CutPrefix(name, "custom:"); isCustom {
		return customField(f, e, rest, self)
	}
	if e == partyEntity {
		org := func(c *call, r record) record {
			o, _ := c.f.coll("parties").get(refOf(r, "organisation"))
			if o != nil && c.hidden(o) {
				return nil // a restricted organisation tells nothing
			}
			return o
		}
		if rest, isOrg := strings.CutPrefix(name, "org.custom:"); isOrg {
			return customField(f, e, rest, org)
		}
		switch name {
		case "org.name":
			return filterField{fString, func(c *call, r record) []any {
				if o := org(c, r); o != nil {
					return strVals(str(o["name"]))
				}
				return nil
			}}, true
		case "org.tag":
			return filterField{fRef, func(c *call, r record) []any {
				if o := org(c, r); o != nil {
					return tagVals(c.f, e, o)
				}
				return nil
			}}, true
		}
	}
	ff, found := e.filterFields[name]
	return ff, found
}

var partyFilterFields = partyEntity.commonFilterFields(map[string]filterField{
	"name":            {fString, func(c *call, r record) []any { return strVals(partyName(r)) }},
	"jobTitle":        keyStr("jobTitle"),
	"type":            keyStr("type"),
	"email":           nestedVals("emailAddresses", "address"),
	"phone":           nestedVals("phoneNumbers", "number"),
	"city":            nestedVals("addresses", "city"),
	"zip":             nestedVals("addresses", "zip"),
	"state":           nestedVals("addresses", "state"),
	"country":         nestedVals("addresses", "country"),
	"hasEmailAddress": boolOf(func(c *call, r record) bool { return len(contactVals(r["emailAddresses"], "id")) > 0 }),
	"hasPhoneNumber":  boolOf(func(c *call, r record) bool { return len(contactVals(r["phoneNumbers"], "id")) > 0 }),
	"hasAddress":      boolOf(func(c *call, r record) bool { return len(contactVals(r["addresses"], "id")) > 0 }),
	"hasPeople": boolOf(func(c *call, r record) bool {
		id := r["id"]
		for _, p := range c.f.coll("parties").all() {
			if p["type"] == "person" && refOf(p, "organisation") == id {
				return true
			}
		}
		return false
	}),
	"lastContactedOn": dateKey("lastContactedAt"),
})

func isOwnedByMe(c *call, r record) bool { return refOf(r, "owner") == c.user }

var opportunityFilterFields = opportunityEntity.commonFilterFields(map[string]filterField{
	"status":    {fString, func(c *call, r record) []any { return []any{opportunityStatus(c.f, r)} }},
	"milestone": named(refOfColl("milestone", "milestones", "name")),
	"lostReason": {fNamed, func(c *call, r record) []any {
		return refOfColl("lostReason", "lostReasons", "name").get(c, r)
	}},
	"currency": {fString, func(c *call, r record) []any {
		v, _ := r["value"].(map[string]any)
		return strVals(str(v["currency"]))
	}},
	// expectedValue is a string field in Capsule's filter reference: the
	// amount as text, tested with the string operators.
	"expectedValue": {fString, func(c *call, r record) []any {
		v, _ := r["value"].(map[string]any)
		if n, isNum := numberOf(v["amount"]); isNum {
			return strVals(strconv.FormatFloat(n, 'f', -1, 64))
		}
		return nil
	}},
	"pipeline": {fRef, func(c *call, r record) []any {
		m, _ := c.f.coll("milestones").get(refOf(r, "milestone"))
		pid, _ := m["_pipeline"].(int64)
		p, found := c.f.coll("pipelines").get(pid)
		if !found {
			return nil
		}
		return []any{idName{pid, str(p["name"])}}
	}},
	"probability": {fNumber, func(c *call, r record) []any {
		if n, isNum := asInt(r["probability"]); isNum {
			return []any{float64(n)}
		}
		return nil
	}},
	"isOpen": boolOf(func(c *call, r record) bool { return opportunityStatus(c.f, r) == "open" }),
	"isStale": boolOf(func(c *call, r record) bool {
		m, _ := c.f.coll("milestones").get(refOf(r, "milestone"))
		days, hasDays := asInt(m["daysUntilStale"])
		changed, err := time.Parse(time.RFC3339, str(r["lastStageChangedAt"]))
		if !hasDays || err != nil || opportunityStatus(c.f, r) != "open" {
			return false
		}
		return c.now.Sub(changed) > time.Duration(days)*24*time.Hour
	}),
	"isOwnedByMe":     boolOf(isOwnedByMe),
	"closedOn":        dateKey("closedOn"),
	"expectedCloseOn": dateKey("expectedCloseOn"),
})

var kaseFilterFields = kaseEntity.commonFilterFields(map[string]filterField{
	"status": keyStr("status"),
	"stage":  refOfColl("stage", "stages", "name"),
	"board": {fRef, func(c *call, r record) []any {
		s, _ := c.f.coll("stages").get(refOf(r, "stage"))
		bid, _ := s["_board"].(int64)
		b, found := c.f.coll("boards").get(bid)
		if !found {
			return nil
		}
		return []any{idName{bid, str(b["name"])}}
	}},
	"isOpen":          boolOf(func(c *call, r record) bool { return r["status"] == "OPEN" }),
	"isOwnedByMe":     boolOf(isOwnedByMe),
	"closedOn":        dateKey("closedOn"),
	"expectedCloseOn": dateKey("expectedCloseOn"),
})
