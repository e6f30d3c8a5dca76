package capsule

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Filter is a structured query for POST /{entity}/filters/results. Its
// conditions are ANDed. The field names are Capsule's filter names, which
// differ from the record keys: addedOn for createdAt, updatedOn for
// updatedAt, lastContactedOn for lastContactedAt.
//
// Build one with Where and And:
//
//	f := capsule.Where("email", capsule.OpContains, "@acme.com").
//		And("addedOn", capsule.OpIsWithinLast, 7).
//		And(capsule.CustomField(926886), capsule.OpIs, "Art").
//		Sort("name", capsule.Ascending)
//
// A condition on a custom field is best built from its definition, which
// checks the operator and value against the field's type (and a list
// field's options), and added with WhereCondition or AndCondition:
//
//	defs, err := c.CustomFields.ReadAll(ctx, capsule.EntityParties)
//	seats, err := defs.Condition("Seats", capsule.OpIsGreaterThan, 10)
//	f := capsule.Where("tag", capsule.OpIs, "VIP").AndCondition(seats)
//
// The services' Filter methods check it against the entity's filter fields
// before sending (see Validate).
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Filter
type Filter struct {
	Conditions []Condition `json:"conditions"`
	OrderBy    []OrderBy   `json:"orderBy,omitempty"`
}

// Condition is one test of a Filter: a field, one of the Op operators and
// a value. The value is a string, a number, a bool, a Date (a time.Time is
// sent as its date, "YYYY-MM-DD"), a number of days for OpIsOlderThan,
// OpIsWithinLast and OpIsWithinNext, or nil for a null test. Where and And
// build conditions; FieldDefinitions.Condition builds one on a custom field,
// checked against its definition.
type Condition struct {
	Field    string `json:"field"`
	Operator string `json:"operator"`
	Value    any    `json:"value"`
}

// MarshalJSON sends a time.Time value as its date, "YYYY-MM-DD".
func (c Condition) MarshalJSON() ([]byte, error) {
	type plain Condition // no methods: no recursion
	p := plain(c)
	if t, ok := p.Value.(time.Time); ok {
		p.Value = DateOf(t)
	}
	return json.Marshal(p)
}

// OrderBy sorts filter results; Direction is Ascending or Descending.
// Capsule documents orderBy, but whether ad-hoc filters honour it is
// unconfirmed.
type OrderBy struct {
	Field     string `json:"field"`
	Direction string `json:"direction"`
}

// The operators of filter conditions. Which fields they fit and which
// value they take:
//
//   - OpIs, OpIsNot: any field; a value of the field's type, or nil;
//   - OpStartsWith, OpEndsWith, OpContains: string fields; a string;
//   - OpIsGreaterThan, OpIsLessThan: number fields; a number;
//   - OpIsAfter, OpIsBefore: date fields; a Date, time.Time or "YYYY-MM-DD";
//   - OpIsOlderThan, OpIsWithinLast, OpIsWithinNext: date fields; a whole
//     number of days (an int, not a time.Duration).
//
// A custom field named with CustomField in Where or And takes any operator
// and value, as the SDK does not know its type; FieldDefinitions.Condition
// checks them against the field's definition.
const (
	OpIs            = "is"
	OpIsNot         = "is not"
	OpStartsWith    = "starts with"
	OpEndsWith      = "ends with"
	OpContains      = "contains"
	OpIsGreaterThan = "is greater than"
	OpIsLessThan    = "is less than"
	OpIsAfter       = "is after"
	OpIsBefore      = "is before"
	OpIsOlderThan   = "is older than"
	OpIsWithinLast  = "is within last"
	OpIsWithinNext  = "is within next"
)

// The directions of an OrderBy.
const (
	Ascending  = "ascending"
	Descending = "descending"
)

// Where starts a filter with one condition: field operator value. The
// operator is one of the Op constants; field is a name of FilterFields or
// CustomField.
func Where(field, operator string, value any) Filter {
	return Filter{Conditions: []Condition{{Field: field, Operator: operator, Value: value}}}
}

// And returns a copy of f with one more condition; conditions are ANDed.
func (f Filter) And(field, operator string, value any) Filter {
	return f.AndCondition(Condition{Field: field, Operator: operator, Value: value})
}

// WhereCondition starts a filter with the condition c, typically one built
// by FieldDefinitions.Condition.
func WhereCondition(c Condition) Filter {
	return Filter{Conditions: []Condition{c}}
}

// AndCondition returns a copy of f with the condition c added, typically
// one built by FieldDefinitions.Condition; conditions are ANDed.
func (f Filter) AndCondition(c Condition) Filter {
	f.Conditions = append(slices.Clip(f.Conditions), c)
	return f
}

// Sort returns a copy of f that also orders the results by field in
// direction (Ascending or Descending).
func (f Filter) Sort(field, direction string) Filter {
	f.OrderBy = append(slices.Clip(f.OrderBy), OrderBy{Field: field, Direction: direction})
	return f
}

// CustomField returns the filter field name of the custom field with
// definition id defID: "custom:{defID}".
func CustomField(defID int64) string { return "custom:" + strconv.FormatInt(defID, 10) }

// OrgCustomField returns the filter field name, for people, of their
// organisation's custom field with definition id defID: "org.custom:{defID}".
// Only party filters have it.
func OrgCustomField(defID int64) string { return "org." + CustomField(defID) }

// FilterFields returns the names of entity's built-in filter fields,
// sorted; custom fields (CustomField) come on top of them.
func FilterFields(entity Entity) []string {
	return slices.Sorted(maps.Keys(filterFields[string(entity)]))
}

// Validate checks f against entity's filter fields and operators, as the
// services' Filter methods do before sending. It returns an
// ErrInvalidArgument error naming the condition's field.
func (f Filter) Validate(entity Entity) error { return f.validate(string(entity)) }

// filterType is the value type of a filter field, or a set of them.
type filterType uint8

const (
	filterString filterType = 1 << iota
	filterNumber
	filterBool
	filterDate
	filterAny = filterString | filterNumber | filterBool | filterDate
)

// String names the types in t, for error messages.
func (t filterType) String() string {
	var names []string
	for _, n := range []struct {
		t    filterType
		name string
	}{{filterString, "string"}, {filterNumber, "number"}, {filterBool, "boolean"}, {filterDate, "date"}} {
		if t&n.t != 0 {
			names = append(names, n.name)
		}
	}
	return strings.Join(names, " or ")
}

// filterFields lists each entity's filter fields and their types, from
// Capsule's filter reference. custom:{id} fields are checked separately.
var filterFields = map[string]map[string]filterType{
	"parties": {
		"id": filterNumber, "name": filterString, "jobTitle": filterString, "email": filterString,
		"phone": filterString, "city": filterString, "zip": filterString, "state": filterString,
		"country": filterString, "type": filterString, "tag": filterNumber | filterString,
		"owner": filterNumber, "team": filterNumber, "hasEmailAddress": filterBool,
		"hasPhoneNumber": filterBool, "hasAddress": filterBool, "hasPeople": filterBool,
		"hasTags": filterBool, "addedOn": filterDate, "updatedOn": filterDate,
		"lastContactedOn": filterDate, "org.name": filterString, "org.tag": filterNumber | filterString,
	},
	"opportunities": {
		"id": filterNumber, "name": filterString, "status": filterString, "milestone": filterString,
		"lostReason": filterString, "currency": filterString, "expectedValue": filterString,
		"pipeline": filterNumber | filterString, "probability": filterNumber,
		"tag": filterNumber | filterString, "owner": filterNumber, "team": filterNumber,
		"isOpen": filterBool, "isStale": filterBool, "isOwnedByMe": filterBool, "hasTags": filterBool,
		"addedOn": filterDate, "updatedOn": filterDate, "closedOn": filterDate, "expectedCloseOn": filterDate,
	},
	"kases": {
		"id": filterNumber, "name": filterString, "status": filterString,
		"board": filterNumber | filterString, "stage": filterNumber | filterString,
		"tag": filterNumber | filterString, "owner": filterNumber, "team": filterNumber,
		"isOpen": filterBool, "isOwnedByMe": filterBool, "hasTags": filterBool,
		"addedOn": filterDate, "updatedOn": filterDate, "closedOn": filterDate, "expectedCloseOn": filterDate,
	},
}

// filterRenames are record keys that callers try as filter fields.
var filterRenames = map[string]string{
	"createdAt":       "addedOn",
	"updatedAt":       "updatedOn",
	"lastContactedAt": "lastContactedOn",
	"tags":            "tag",
}

// filterValue says what value an operator takes.
type filterValue uint8

const (
	valueOfField filterValue = iota // a value of the field's type, or nil
	valueString
	valueNumber
	valueDate
	valueDays
)

// filterOperator is what an operator fits and takes.
type filterOperator struct {
	fields filterType
	value  filterValue
}

// filterOperators maps each operator to the field types it applies to and
// the value it takes.
var filterOperators = map[string]filterOperator{
	OpIs: {filterAny, valueOfField}, OpIsNot: {filterAny, valueOfField},
	OpStartsWith: {filterString, valueString}, OpEndsWith: {filterString, valueString},
	OpContains:      {filterString, valueString},
	OpIsGreaterThan: {filterNumber, valueNumber}, OpIsLessThan: {filterNumber, valueNumber},
	OpIsAfter: {filterDate, valueDate}, OpIsBefore: {filterDate, valueDate},
	OpIsOlderThan: {filterDate, valueDays}, OpIsWithinLast: {filterDate, valueDays},
	OpIsWithinNext: {filterDate, valueDays},
}

// validate checks f against the filter fields of entity before it is sent.
func (f Filter) validate(entity string) error {
	fields, ok := filterFields[entity]
	if !ok {
		return invalidArg("filter", "%q cannot be filtered; use %q, %q or %q", entity, EntityParties, EntityOpportunities, EntityKases)
	}
	if len(f.Conditions) == 0 {
		return invalidArg("filter", "needs at least one condition")
	}
	for i, c := range f.Conditions {
		if err := c.validate(entity, fields); err != nil {
			return invalidArg(fmt.Sprintf("filter.conditions[%d]", i), "field %q: %v", c.Field, err)
		}
	}
	for i, o := range f.OrderBy {
		arg := fmt.Sprintf("filter.orderBy[%d]", i)
		if strings.TrimSpace(o.Field) == "" {
			return invalidArg(arg, "needs a field")
		}
		if o.Direction != Ascending && o.Direction != Descending {
			return invalidArg(arg, "field %q: direction %q is not %q or %q", o.Field, o.Direction, Ascending, Descending)
		}
	}
	return nil
}

// validate checks one condition; the caller names the field in the error.
func (c Condition) validate(entity string, fields map[string]filterType) error {
	typ, ok := fields[c.Field]
	if !ok && isCustomFilterField(entity, c.Field) {
		typ, ok = filterAny, true
	}
	if !ok {
		if to, renamed := filterRenames[c.Field]; renamed {
			return fmt.Errorf("%s has no such filter field; use %q", entity, to)
		}
		return fmt.Errorf("%s has no such filter field", entity)
	}
	return checkOperator(typ, c.Operator, c.Value)
}

// checkOperator checks that operator applies to a field of type typ and
// that value is what it takes there.
func checkOperator(typ filterType, operator string, value any) error {
	op, ok := filterOperators[operator]
	if !ok {
		return fmt.Errorf("unknown operator %q", operator)
	}
	if op.fields&typ == 0 {
		return fmt.Errorf("operator %q does not apply to a %s field", operator, typ)
	}
	switch op.value {
	case valueOfField:
		if value == nil {
			return nil
		}
		if filterValueType(value)&typ == 0 {
			return fmt.Errorf("operator %q needs a %s value, not %s", operator, typ, describeValue(value))
		}
	case valueString:
		if _, ok := value.(string); !ok {
			return fmt.Errorf("operator %q needs a string value, not %s", operator, describeValue(value))
		}
	case valueNumber:
		if filterValueType(value)&filterNumber == 0 {
			return fmt.Errorf("operator %q needs a number value, not %s", operator, describeValue(value))
		}
	case valueDate:
		if filterValueType(value)&filterDate == 0 {
			return fmt.Errorf("operator %q needs a date value (Date, time.Time or \"YYYY-MM-DD\"), not %s", operator, describeValue(value))
		}
	case valueDays:
		if !isDays(value) {
			return fmt.Errorf("operator %q needs a whole number of days (0 or more), not %s", operator, describeValue(value))
		}
	}
	return nil
}

// filterValueType returns the field types a Go value can be a value of.
func filterValueType(v any) filterType {
	switch v := v.(type) {
	case string:
		if _, err := ParseDate(v); err == nil {
			return filterString | filterDate
		}
		return filterString
	case bool:
		return filterBool
	case Date:
		if _, err := ParseDate(v.String()); err != nil || v.IsZero() {
			return 0
		}
		return filterDate
	case time.Time:
		if v.IsZero() {
			return 0
		}
		return filterDate
	case float32:
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return 0
		}
		return filterNumber
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return 0
		}
		return filterNumber
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, json.Number:
		return filterNumber
	}
	return 0
}

// isDays reports whether v is a whole, non-negative number of days.
func isDays(v any) bool {
	switch v := v.(type) {
	case int:
		return v >= 0
	case int8:
		return v >= 0
	case int16:
		return v >= 0
	case int32:
		return v >= 0
	case int64:
		return v >= 0
	case uint, uint8, uint16, uint32, uint64:
		return true
	case float64:
		return v >= 0 && v == math.Trunc(v) && !math.IsInf(v, 0)
	}
	return false
}

// describeValue names v and its type for error messages.
func describeValue(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return fmt.Sprintf("the string %q", v)
	case time.Duration:
		return fmt.Sprintf("the time.Duration %s (give days as an int)", v)
	}
	return fmt.Sprintf("%v (%T)", v, v)
}

// isCustomFilterField reports whether field is custom:{id} (or, for parties,
// org.custom:{id}) with a positive numeric id.
func isCustomFilterField(entity, field string) bool {
	if entity == "parties" {
		field = strings.TrimPrefix(field, "org.")
	}
	id, ok := strings.CutPrefix(field, "custom:")
	if !ok || id == "" || id[0] == '+' || id[0] == '-' {
		return false
	}
	n, err := strconv.ParseInt(id, 10, 64)
	return err == nil && n > 0
}

// Custom field conditions -------------------------------------------------

// customFilterTypes is the filter type of custom:{id} for each custom field
// type. A list field is a string field that takes only OpIs and OpIsNot.
var customFilterTypes = map[FieldType]filterType{
	FieldTypeText:    filterString,
	FieldTypeLink:    filterString,
	FieldTypeList:    filterString,
	FieldTypeNumber:  filterNumber,
	FieldTypeDate:    filterDate,
	FieldTypeBoolean: filterBool,
}

// Condition returns the filter condition "custom:{ID} operator v" on this
// field, after checking the operator and value against the field's type
// with the rules of Filter.Validate:
//
//   - text, link: OpIs, OpIsNot, OpStartsWith, OpEndsWith, OpContains with
//     a string;
//   - number: OpIs, OpIsNot, OpIsGreaterThan, OpIsLessThan with a number;
//   - date: OpIs, OpIsNot, OpIsAfter, OpIsBefore with a Date, time.Time or
//     "YYYY-MM-DD"; OpIsOlderThan, OpIsWithinLast, OpIsWithinNext with a
//     whole number of days;
//   - boolean: OpIs, OpIsNot with a bool;
//   - list: OpIs, OpIsNot with one of Options.
//
// OpIs and OpIsNot also take nil, a test for no value. An operator or value
// that does not fit gives an ErrInvalidArgument error naming the field. Add
// the condition to a filter with WhereCondition or Filter.AndCondition.
func (d *FieldDefinition) Condition(operator string, v any) (Condition, error) {
	if d == nil {
		return Condition{}, invalidArg("definition", "must not be nil")
	}
	if d.ID <= 0 {
		return Condition{}, invalidArg(d.argName(), "definition id %d must be positive", d.ID)
	}
	typ, known := customFilterTypes[d.Type]
	if !known {
		return Condition{}, invalidArg(d.argName(), "unknown field type %q; use Where(CustomField(%d), ...)", string(d.Type), d.ID)
	}
	if d.Type == FieldTypeList && operator != OpIs && operator != OpIsNot {
		if _, isOp := filterOperators[operator]; isOp {
			return Condition{}, invalidArg(d.argName(), "operator %q does not apply to a list field; use %q or %q", operator, OpIs, OpIsNot)
		}
	}
	if err := checkOperator(typ, operator, v); err != nil {
		return Condition{}, invalidArg(d.argName(), "%v", err)
	}
	if s, isStr := v.(string); isStr && d.Type == FieldTypeList && !slices.Contains(d.Options, s) {
		return Condition{}, invalidArg(d.argName(), "%q is not one of the options %q", s, d.Options)
	}
	return Condition{Field: CustomField(d.ID), Operator: operator, Value: v}, nil
}

// Condition returns the filter condition "custom:{id} operator v" on the
// custom field called name (found as Find finds it), checked against its
// definition as FieldDefinition.Condition checks it.
func (ds FieldDefinitions) Condition(name, operator string, v any) (Condition, error) {
	d, err := ds.Find(name)
	if err != nil {
		return Condition{}, err
	}
	return d.Condition(operator, v)
}

// ConditionByID is Condition for the custom field with definition id defID.
// An id none of the definitions has gives an ErrInvalidArgument error.
func (ds FieldDefinitions) ConditionByID(defID int64, operator string, v any) (Condition, error) {
	d := ds.ByID(defID)
	if d == nil {
		return Condition{}, invalidArg("field definition "+strconv.FormatInt(defID, 10), "no such custom field definition")
	}
	return d.Condition(operator, v)
}
