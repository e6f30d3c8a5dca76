package capsule

import "strings"

// Filter is a structured query for POST /{entity}/filters/results. Its
// conditions are ANDed. The field names are Capsule's filter names, which
// differ from the record keys: addedOn for createdAt, updatedOn for
// updatedAt, lastContactedOn for lastContactedAt.
type Filter struct {
	Conditions []Condition `json:"conditions"`
	OrderBy    []OrderBy   `json:"orderBy,omitempty"`
}

// Condition is one test of a Filter.
type Condition struct {
	Field    string `json:"field"`
	Operator string `json:"operator"`
	Value    any    `json:"value"`
}

// OrderBy sorts filter results; Direction is "ascending" or "descending".
type OrderBy struct {
	Field     string `json:"field"`
	Direction string `json:"direction"`
}

// filterType is the value type of a filter field.
type filterType uint8

const (
	filterString filterType = 1 << iota
	filterNumber
	filterBool
	filterDate
	filterAny = filterString | filterNumber | filterBool | filterDate
)

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

// filterOperators maps each operator to the field types it applies to.
var filterOperators = map[string]filterType{
	"is": filterAny, "is not": filterAny,
	"starts with": filterString, "ends with": filterString, "contains": filterString,
	"is greater than": filterNumber, "is less than": filterNumber,
	"is after": filterDate, "is before": filterDate,
	"is older than": filterDate, "is within last": filterDate, "is within next": filterDate,
}

// validate checks f against the filter fields of entity before it is sent.
func (f Filter) validate(entity string) error {
	fields, ok := filterFields[entity]
	if !ok {
		return invalidArg("filter", "%s cannot be filtered", entity)
	}
	if len(f.Conditions) == 0 {
		return invalidArg("filter", "needs at least one condition")
	}
	for _, c := range f.Conditions {
		typ, ok := fields[c.Field]
		if !ok && isCustomFilterField(entity, c.Field) {
			typ, ok = filterAny, true
		}
		if !ok {
			return invalidArg("filter", "%s has no filter field %q", entity, c.Field)
		}
		ops, ok := filterOperators[c.Operator]
		if !ok {
			return invalidArg("filter", "unknown operator %q on field %q", c.Operator, c.Field)
		}
		if ops&typ == 0 {
			return invalidArg("filter", "operator %q does not apply to field %q", c.Operator, c.Field)
		}
	}
	for _, o := range f.OrderBy {
		if o.Direction != "ascending" && o.Direction != "descending" {
			return invalidArg("filter", "order direction %q is not ascending or descending", o.Direction)
		}
	}
	return nil
}

// isCustomFilterField reports whether field is custom:{id} (or, for parties,
// org.custom:{id}) with a numeric id.
func isCustomFilterField(entity, field string) bool {
	if entity == "parties" {
		field = strings.TrimPrefix(field, "org.")
	}
	id, ok := strings.CutPrefix(field, "custom:")
	if !ok || id == "" {
		return false
	}
	for _, r := range id {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
