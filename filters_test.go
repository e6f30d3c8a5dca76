package capsule

import (
	"encoding/json"
	"math"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFilterJSON(t *testing.T) {
	t.Parallel()
	type body struct {
		Filter Filter `json:"filter"`
	}
	testJSONMarshal(t, body{Where("tag", OpIs, "VIP")},
		`{"filter":{"conditions":[{"field":"tag","operator":"is","value":"VIP"}]}}`)

	f := Where("tag", OpIs, "VIP").
		And("addedOn", OpIsWithinLast, 7).
		And("updatedOn", OpIsAfter, time.Date(2026, 1, 2, 23, 0, 0, 0, time.FixedZone("X", -5*3600))).
		And("closedOn", OpIsBefore, NewDate(2026, 2, 3)).
		And(CustomField(926886), OpIs, nil).
		And("hasTags", OpIs, false).
		Sort("name", Ascending)
	testJSONMarshal(t, body{f}, `{"filter":{
		"conditions":[
			{"field":"tag","operator":"is","value":"VIP"},
			{"field":"addedOn","operator":"is within last","value":7},
			{"field":"updatedOn","operator":"is after","value":"2026-01-02"},
			{"field":"closedOn","operator":"is before","value":"2026-02-03"},
			{"field":"custom:926886","operator":"is","value":null},
			{"field":"hasTags","operator":"is","value":false}],
		"orderBy":[{"field":"name","direction":"ascending"}]}}`)
}

func TestFilterBuilder(t *testing.T) {
	t.Parallel()
	base := Where("email", OpContains, "@acme.com")
	a := base.And("addedOn", OpIsWithinLast, 7)
	b := base.And("tag", OpIs, "VIP")
	c := a.Sort("name", Descending)
	d := c.Sort("addedOn", Ascending)
	e := c.Sort("id", Ascending)

	assert.Equal(t, []Condition{{Field: "email", Operator: OpContains, Value: "@acme.com"}}, base.Conditions, "And does not change its receiver")
	assert.Equal(t, []Condition{
		{Field: "email", Operator: "contains", Value: "@acme.com"},
		{Field: "addedOn", Operator: "is within last", Value: 7},
	}, a.Conditions)
	assert.Equal(t, []Condition{
		{Field: "email", Operator: "contains", Value: "@acme.com"},
		{Field: "tag", Operator: "is", Value: "VIP"},
	}, b.Conditions, "siblings do not share storage")
	assert.Nil(t, a.OrderBy)
	assert.Equal(t, []OrderBy{{Field: "name", Direction: "descending"}}, c.OrderBy)
	assert.Equal(t, []OrderBy{{Field: "name", Direction: "descending"}, {Field: "addedOn", Direction: "ascending"}}, d.OrderBy)
	assert.Equal(t, []OrderBy{{Field: "name", Direction: "descending"}, {Field: "id", Direction: "ascending"}}, e.OrderBy)

	assert.Equal(t, "custom:45", CustomField(45))
	assert.Equal(t, "org.custom:45", OrgCustomField(45))
}

func TestFilterFields(t *testing.T) {
	t.Parallel()
	assert.Equal(t, []string{
		"addedOn", "city", "country", "email", "hasAddress", "hasEmailAddress", "hasPeople", "hasPhoneNumber",
		"hasTags", "id", "jobTitle", "lastContactedOn", "name", "org.name", "org.tag", "owner", "phone",
		"state", "tag", "team", "type", "updatedOn", "zip",
	}, FilterFields(EntityParties))
	assert.Equal(t, []string{
		"addedOn", "closedOn", "currency", "expectedCloseOn", "expectedValue", "hasTags", "id", "isOpen",
		"isOwnedByMe", "isStale", "lostReason", "milestone", "name", "owner", "pipeline", "probability",
		"status", "tag", "team", "updatedOn",
	}, FilterFields(EntityOpportunities))
	assert.Equal(t, []string{
		"addedOn", "board", "closedOn", "expectedCloseOn", "hasTags", "id", "isOpen", "isOwnedByMe",
		"name", "owner", "stage", "status", "tag", "team", "updatedOn",
	}, FilterFields(EntityKases))
	assert.Empty(t, FilterFields("tasks"))
}

func TestFilterValidate(t *testing.T) {
	t.Parallel()
	const (
		P = EntityParties
		O = EntityOpportunities
		K = EntityKases
	)
	tests := []struct {
		entity Entity
		field  string
		op     string
		value  any
		err    string // "" = valid; else a part of the error
	}{
		// parties: one valid condition per field type, and each field
		{P, "id", OpIs, 12, ""},
		{P, "id", OpIsGreaterThan, int64(100), ""},
		{P, "name", OpStartsWith, "Ac", ""},
		{P, "jobTitle", OpContains, "CEO", ""},
		{P, "email", OpEndsWith, "@acme.com", ""},
		{P, "phone", OpIs, "+44 1234", ""},
		{P, "city", OpIsNot, "London", ""},
		{P, "zip", OpStartsWith, "SW1", ""},
		{P, "state", OpIs, "CA", ""},
		{P, "country", OpIs, "United Kingdom", ""},
		{P, "type", OpIs, "organisation", ""},
		{P, "tag", OpIs, "VIP", ""},
		{P, "tag", OpIs, 1199, ""},
		{P, "owner", OpIs, 694320, ""},
		{P, "team", OpIsNot, 3, ""},
		{P, "hasEmailAddress", OpIs, true, ""},
		{P, "hasPhoneNumber", OpIs, false, ""},
		{P, "hasAddress", OpIsNot, true, ""},
		{P, "hasPeople", OpIs, true, ""},
		{P, "hasTags", OpIs, false, ""},
		{P, "addedOn", OpIsWithinLast, 7, ""},
		{P, "updatedOn", OpIsOlderThan, 30, ""},
		{P, "lastContactedOn", OpIsBefore, NewDate(2026, 1, 1), ""},
		{P, "lastContactedOn", OpIs, nil, ""},
		{P, "org.name", OpContains, "Acme", ""},
		{P, "org.tag", OpIs, "Customer", ""},
		{P, CustomField(45), OpIs, "Art", ""},
		{P, OrgCustomField(45), OpIsGreaterThan, 3.5, ""},
		// opportunities
		{O, "id", OpIsLessThan, 10, ""},
		{O, "name", OpContains, "deal", ""},
		{O, "status", OpIs, "OPEN", ""},
		{O, "milestone", OpIs, "Proposal", ""},
		{O, "lostReason", OpIsNot, "Price", ""},
		{O, "currency", OpIs, "GBP", ""},
		{O, "expectedValue", OpStartsWith, "10", ""},
		{O, "pipeline", OpIs, 7, ""},
		{O, "pipeline", OpIs, "Sales", ""},
		{O, "probability", OpIsGreaterThan, 50, ""},
		{O, "tag", OpIsNot, "Lost", ""},
		{O, "owner", OpIs, uint(5), ""},
		{O, "team", OpIs, 3, ""},
		{O, "isOpen", OpIs, true, ""},
		{O, "isStale", OpIs, true, ""},
		{O, "isOwnedByMe", OpIs, true, ""},
		{O, "hasTags", OpIs, true, ""},
		{O, "addedOn", OpIsAfter, "2026-01-31", ""},
		{O, "updatedOn", OpIsWithinLast, 0, ""},
		{O, "closedOn", OpIs, NewDate(2026, 3, 1), ""},
		{O, "expectedCloseOn", OpIsWithinNext, 14, ""},
		{O, CustomField(51), OpIsWithinNext, 3, ""},
		// kases
		{K, "id", OpIs, 5588202, ""},
		{K, "name", OpEndsWith, "site", ""},
		{K, "status", OpIs, "CLOSED", ""},
		{K, "board", OpIs, "Projects", ""},
		{K, "stage", OpIs, 271006, ""},
		{K, "tag", OpIs, "VIP", ""},
		{K, "owner", OpIs, 1, ""},
		{K, "team", OpIs, 1, ""},
		{K, "isOpen", OpIs, false, ""},
		{K, "isOwnedByMe", OpIsNot, true, ""},
		{K, "hasTags", OpIs, true, ""},
		{K, "addedOn", OpIsBefore, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), ""},
		{K, "updatedOn", OpIsOlderThan, float64(3), ""},
		{K, "closedOn", OpIsAfter, NewDate(2025, 12, 31), ""},
		{K, "expectedCloseOn", OpIsWithinNext, int32(5), ""},
		{K, CustomField(926886), OpContains, "Ski", ""},
		{K, CustomField(926886), OpIs, true, ""},

		// unknown fields, record keys instead of filter names
		{P, "createdAt", OpIsWithinLast, 7, `field "createdAt": parties has no such filter field; use "addedOn"`},
		{O, "updatedAt", OpIsWithinLast, 7, `use "updatedOn"`},
		{P, "lastContactedAt", OpIsWithinLast, 7, `use "lastContactedOn"`},
		{K, "tags", OpIs, "VIP", `use "tag"`},
		{P, "firstName", OpIs, "Ann", `field "firstName": parties has no such filter field`},
		{P, "Name", OpIs, "Ann", `field "Name"`},
		{P, "", OpIs, "Ann", `field ""`},
		{O, "jobTitle", OpIs, "CEO", `field "jobTitle": opportunities has no such filter field`},
		{K, "probability", OpIs, 5, `field "probability": kases has no such filter field`},
		{K, "pipeline", OpIs, 5, `field "pipeline"`},
		{O, "board", OpIs, 5, `field "board"`},
		{O, "hasPeople", OpIs, true, `field "hasPeople"`},
		{O, "isStale", OpIs, true, ""},
		{K, "isStale", OpIs, true, `field "isStale"`},
		{O, "org.name", OpIs, "Acme", `field "org.name"`},
		{K, "lastContactedOn", OpIsWithinLast, 7, `field "lastContactedOn"`},

		// custom field names
		{O, OrgCustomField(45), OpIs, "x", `field "org.custom:45": opportunities has no such filter field`},
		{K, OrgCustomField(45), OpIs, "x", `field "org.custom:45"`},
		{P, "custom:", OpIs, "x", `field "custom:"`},
		{P, "custom:abc", OpIs, "x", `field "custom:abc"`},
		{P, "custom:0", OpIs, "x", `field "custom:0"`},
		{P, "custom:-4", OpIs, "x", `field "custom:-4"`},
		{P, "custom:+4", OpIs, "x", `field "custom:+4"`},
		{P, "custom: 4", OpIs, "x", `field "custom: 4"`},
		{P, "custom:4.5", OpIs, "x", `field "custom:4.5"`},
		{P, "org.org.custom:4", OpIs, "x", `field "org.org.custom:4"`},
		{P, "custom:99999999999999999999", OpIs, "x", `field "custom:99999999999999999999"`},

		// unknown operators
		{P, "name", "equals", "Ann", `field "name": unknown operator "equals"`},
		{P, "name", "IS", "Ann", `unknown operator "IS"`},
		{P, "name", "is less that", "Ann", `unknown operator "is less that"`},
		{P, "name", "", "Ann", `unknown operator ""`},

		// operators that do not fit the field's type
		{P, "name", OpIsGreaterThan, 3, `field "name": operator "is greater than" does not apply to a string field`},
		{P, "name", OpIsAfter, NewDate(2026, 1, 1), `does not apply to a string field`},
		{P, "name", OpIsWithinLast, 7, `does not apply to a string field`},
		{P, "id", OpContains, "1", `field "id": operator "contains" does not apply to a number field`},
		{P, "owner", OpStartsWith, "1", `does not apply to a number field`},
		{P, "hasTags", OpContains, "t", `field "hasTags": operator "contains" does not apply to a boolean field`},
		{P, "hasTags", OpIsGreaterThan, 1, `does not apply to a boolean field`},
		{P, "hasTags", OpIsWithinLast, 1, `does not apply to a boolean field`},
		{P, "addedOn", OpContains, "2026", `field "addedOn": operator "contains" does not apply to a date field`},
		{P, "addedOn", OpIsGreaterThan, 5, `does not apply to a date field`},
		{O, "probability", OpIsAfter, NewDate(2026, 1, 1), `does not apply to a number field`},
		{O, "probability", OpEndsWith, "0", `does not apply to a number field`},
		{O, "expectedValue", OpIsGreaterThan, 1000, `field "expectedValue": operator "is greater than" does not apply to a string field`},
		{K, "tag", OpIsAfter, "2026-01-01", `field "tag": operator "is after" does not apply to a string or number field`},
		{K, "stage", OpIsWithinNext, 3, `does not apply to a string or number field`},
		{K, "tag", OpStartsWith, "VI", ""},
		{K, "stage", OpIsGreaterThan, 3, ""},

		// values that do not fit the operator or the field
		{P, "name", OpIs, 5, `field "name": operator "is" needs a string value, not 5 (int)`},
		{P, "name", OpContains, 5, `field "name": operator "contains" needs a string value, not 5 (int)`},
		{P, "name", OpContains, nil, `needs a string value, not null`},
		{P, "id", OpIs, "12", `field "id": operator "is" needs a number value, not the string "12"`},
		{P, "id", OpIsGreaterThan, "12", `needs a number value`},
		{P, "id", OpIsGreaterThan, nil, `needs a number value, not null`},
		{P, "id", OpIs, math.NaN(), `needs a number value`},
		{P, "id", OpIs, math.Inf(1), `needs a number value`},
		{P, "id", OpIs, float32(1.5), ""},
		{P, "id", OpIs, json.Number("12"), ""},
		{P, "hasTags", OpIs, "true", `field "hasTags": operator "is" needs a boolean value, not the string "true"`},
		{P, "hasTags", OpIs, 1, `needs a boolean value`},
		{P, "tag", OpIs, true, `needs a string or number value`},
		{P, "tag", OpIs, []string{"VIP"}, `needs a string or number value, not [VIP] ([]string)`},
		{P, "addedOn", OpIs, "last week", `field "addedOn": operator "is" needs a date value, not the string "last week"`},
		{P, "addedOn", OpIs, "2026-01-02", ""},
		{P, "addedOn", OpIsAfter, "2026-01-02T10:00:00Z", `field "addedOn": operator "is after" needs a date value`},
		{P, "addedOn", OpIsAfter, 20260102, `needs a date value`},
		{P, "addedOn", OpIsAfter, Date{}, `needs a date value`},
		{P, "addedOn", OpIsAfter, NewDate(2026, 2, 30), `needs a date value`},
		{P, "addedOn", OpIsAfter, time.Time{}, `needs a date value`},
		{P, "addedOn", OpIsAfter, nil, `needs a date value`},
		{P, "addedOn", OpIsWithinLast, "7", `field "addedOn": operator "is within last" needs a whole number of days (0 or more), not the string "7"`},
		{P, "addedOn", OpIsWithinLast, -1, `needs a whole number of days`},
		{P, "addedOn", OpIsWithinLast, int64(-1), `needs a whole number of days`},
		{P, "addedOn", OpIsWithinLast, 1.5, `needs a whole number of days`},
		{P, "addedOn", OpIsWithinLast, math.Inf(1), `needs a whole number of days`},
		{P, "addedOn", OpIsWithinLast, 7 * 24 * time.Hour, `not the time.Duration 168h0m0s (give days as an int)`},
		{P, "addedOn", OpIsOlderThan, NewDate(2026, 1, 1), `needs a whole number of days`},
		{P, "addedOn", OpIsWithinNext, nil, `needs a whole number of days`},
		{P, "addedOn", OpIsWithinNext, uint8(3), ""},
		{P, CustomField(4), OpIsGreaterThan, "3", `field "custom:4": operator "is greater than" needs a number value`},
		{P, CustomField(4), OpIsAfter, "soon", `field "custom:4": operator "is after" needs a date value`},
		{P, CustomField(4), OpIsWithinLast, 2.5, `needs a whole number of days`},
		{P, CustomField(4), OpStartsWith, 4, `needs a string value`},
		{P, CustomField(4), OpIs, struct{}{}, `needs a string or number or boolean or date value`},
		{P, CustomField(4), OpIs, NewDate(2026, 1, 1), ""},
	}
	for _, tt := range tests {
		name := string(tt.entity) + "/" + tt.field + "/" + tt.op
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := Filter{Conditions: []Condition{{Field: "id", Operator: OpIsGreaterThan, Value: 0}, {Field: tt.field, Operator: tt.op, Value: tt.value}}}
			err := f.Validate(tt.entity)
			if tt.err == "" {
				assert.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrInvalidArgument)
			assert.ErrorContains(t, err, "filter.conditions[1]", "the error names the condition")
			assert.ErrorContains(t, err, tt.err)
			var argErr *ArgError
			require.ErrorAs(t, err, &argErr)
			assert.Equal(t, "filter.conditions[1]", argErr.Arg)
		})
	}
}

func TestFilterValidateShape(t *testing.T) {
	t.Parallel()
	ok := Where("name", OpIs, "Ann")
	tests := []struct {
		name   string
		entity string
		f      Filter
		err    string
	}{
		{"valid", "parties", ok, ""},
		{"unknown entity", "tasks", ok, `invalid argument filter: "tasks" cannot be filtered`},
		{"entity is case-sensitive", "Parties", ok, `"Parties" cannot be filtered`},
		{"no conditions", "parties", Filter{}, "invalid argument filter: needs at least one condition"},
		{"sorted", "parties", ok.Sort("name", Ascending).Sort(CustomField(1), Descending), ""},
		{"bad direction", "parties", ok.Sort("name", "asc"), `invalid argument filter.orderBy[0]: field "name": direction "asc" is not "ascending" or "descending"`},
		{"empty direction", "kases", ok.Sort("name", Ascending).Sort("id", ""), `filter.orderBy[1]: field "id": direction ""`},
		{"no sort field", "kases", ok.Sort(" ", Ascending), "filter.orderBy[0]: needs a field"},
		{"first bad condition wins", "opportunities", ok.And("createdAt", OpIs, "x").And("foo", OpIs, 1), `filter.conditions[1]: field "createdAt"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.f.validate(tt.entity)
			if tt.err == "" {
				assert.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrInvalidArgument)
			assert.ErrorContains(t, err, tt.err)
		})
	}
	assert.NoError(t, ok.Validate(EntityKases))
	assert.ErrorIs(t, ok.Validate("users"), ErrInvalidArgument)
}

// filterTestRecord stands in for a party in the filter wire test.
type filterTestRecord struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

func TestFilterWire(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	h, n := counter(func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodPost)
		testQuery(t, r, url.Values{"page": {"2"}, "perPage": {"10"}, "embed": {"tags,fields"}})
		testJSONBody(t, r, `{"filter":{"conditions":[
			{"field":"email","operator":"contains","value":"@acme.com"},
			{"field":"addedOn","operator":"is within last","value":7},
			{"field":"custom:926886","operator":"is","value":"Art"}],
			"orderBy":[{"field":"name","direction":"descending"}]}}`)
		writeJSON(t, w, http.StatusOK, `{"parties":[{"id":1,"name":"Acme"}]}`)
	})
	mux.HandleFunc("POST /parties/filters/results", h)
	e := newEndpoint[filterTestRecord](c, "parties", "party", "parties")

	f := Where("email", OpContains, "@acme.com").
		And("addedOn", OpIsWithinLast, 7).
		And(CustomField(926886), OpIs, "Art").
		Sort("name", Descending)
	items, resp, err := e.filter(t.Context(), f, &ListOptions{Page: 2, PerPage: 10, Embed: []string{"tags", "fields"}})
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, []*filterTestRecord{{ID: 1, Name: "Acme"}}, items)
	assert.Equal(t, int32(1), n.Load())

	// An invalid filter is refused before any request.
	_, _, err = e.filter(t.Context(), f.And("createdAt", OpIsWithinLast, 7), nil)
	require.ErrorIs(t, err, ErrInvalidArgument)
	assert.ErrorContains(t, err, `"createdAt"`)
	for _, err := range e.filterIter(t.Context(), Where("name", OpIsGreaterThan, 3), nil) {
		require.ErrorIs(t, err, ErrInvalidArgument)
	}
	assert.Equal(t, int32(1), n.Load(), "invalid filters send nothing")
}
