package capsule

import (
	"math"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFieldDefinitionsCondition(t *testing.T) {
	t.Parallel()
	defs := testDefs(t)
	tests := []struct {
		field string
		op    string
		v     any
		err   string // "" = valid; else a part of the error
	}{
		// text (101)
		{"Source", OpIs, "Trade fair", ""},
		{"Source", OpIsNot, "Web", ""},
		{"Source", OpStartsWith, "Trade", ""},
		{"Source", OpEndsWith, "fair", ""},
		{"Source", OpContains, "ade", ""},
		{"Source", OpIs, nil, ""},
		{"Source", OpIs, "2026-01-01", ""}, // a date-like string is still a string
		{"Source", OpIsGreaterThan, 3, `operator "is greater than" does not apply to a string field`},
		{"Source", OpIsWithinLast, 7, `does not apply to a string field`},
		{"Source", OpContains, 3, `operator "contains" needs a string value, not 3 (int)`},
		{"Source", OpIs, true, `needs a string value`},
		{"Source", OpStartsWith, nil, `needs a string value, not null`},
		{"Source", "like", "x", `unknown operator "like"`},
		// link (106): as text
		{"Billing", OpContains, "billing.example.com", ""},
		{"Billing", OpIsNot, nil, ""},
		{"Billing", OpIsAfter, NewDate(2026, 1, 1), `does not apply to a string field`},
		// number (102)
		{"Seats", OpIs, 3, ""},
		{"Seats", OpIsNot, int64(4), ""},
		{"Seats", OpIsGreaterThan, 12.5, ""},
		{"Seats", OpIsLessThan, uint8(9), ""},
		{"Seats", OpIs, nil, ""},
		{"Seats", OpIsGreaterThan, "3", `operator "is greater than" needs a number value, not the string "3"`},
		{"Seats", OpIsLessThan, math.NaN(), `needs a number value`},
		{"Seats", OpIsLessThan, nil, `needs a number value, not null`},
		{"Seats", OpIs, true, `needs a number value`},
		{"Seats", OpContains, "3", `operator "contains" does not apply to a number field`},
		{"Seats", OpIsAfter, NewDate(2026, 1, 1), `does not apply to a number field`},
		// date (104)
		{"Renewal", OpIs, NewDate(2026, 3, 31), ""},
		{"Renewal", OpIsNot, "2026-03-31", ""},
		{"Renewal", OpIsAfter, time.Date(2026, 3, 31, 12, 0, 0, 0, time.UTC), ""},
		{"Renewal", OpIsBefore, NewDate(2026, 1, 1), ""},
		{"Renewal", OpIsOlderThan, 30, ""},
		{"Renewal", OpIsWithinLast, 0, ""},
		{"Renewal", OpIsWithinNext, int64(14), ""},
		{"Renewal", OpIs, nil, ""},
		{"Renewal", OpIsAfter, "31/03/2026", `needs a date value`},
		{"Renewal", OpIsBefore, Date{}, `needs a date value`},
		{"Renewal", OpIsWithinLast, 7 * 24 * time.Hour, `needs a whole number of days (0 or more), not the time.Duration`},
		{"Renewal", OpIsWithinNext, -1, `needs a whole number of days`},
		{"Renewal", OpIsOlderThan, 1.5, `needs a whole number of days`},
		{"Renewal", OpIs, 20260331, `needs a date value`},
		{"Renewal", OpContains, "2026", `does not apply to a date field`},
		{"Renewal", OpIsGreaterThan, 3, `does not apply to a date field`},
		// boolean (103)
		{"Newsletter", OpIs, true, ""},
		{"Newsletter", OpIsNot, false, ""},
		{"Newsletter", OpIs, nil, ""},
		{"Newsletter", OpIs, "true", `needs a boolean value, not the string "true"`},
		{"Newsletter", OpIs, 1, `needs a boolean value`},
		{"Newsletter", OpContains, "t", `does not apply to a boolean field`},
		{"Newsletter", OpIsGreaterThan, 0, `does not apply to a boolean field`},
		// list (105): is / is not with one of the options
		{"Interests", OpIs, "Art", ""},
		{"Interests", OpIsNot, "Food", ""},
		{"Interests", OpIs, nil, ""},
		{"Interests", OpIs, "art", `"art" is not one of the options ["Traveling" "Food" "Art"]`},
		{"Interests", OpIsNot, "Skiing", `"Skiing" is not one of the options`},
		{"Interests", OpIs, 1, `needs a string value`},
		{"Interests", OpContains, "Art", `operator "contains" does not apply to a list field; use "is" or "is not"`},
		{"Interests", OpStartsWith, "A", `does not apply to a list field`},
		{"Interests", OpIsGreaterThan, 1, `does not apply to a list field`},
		{"Interests", "matches", "Art", `unknown operator "matches"`},
	}
	for _, tt := range tests {
		t.Run(tt.field+" "+tt.op, func(t *testing.T) {
			t.Parallel()
			c, err := defs.Condition(tt.field, tt.op, tt.v)
			if tt.err != "" {
				require.ErrorIs(t, err, ErrInvalidArgument, "%#v", tt.v)
				assert.ErrorContains(t, err, `field "`+tt.field+`"`, "the error names the field")
				assert.ErrorContains(t, err, tt.err)
				assert.Equal(t, Condition{}, c)
				return
			}
			require.NoError(t, err, "%#v", tt.v)
			d, _ := defs.Find(tt.field)
			assert.Equal(t, Condition{Field: CustomField(d.ID), Operator: tt.op, Value: tt.v}, c)
			// the condition passes the filter check of every entity
			for _, e := range []Entity{EntityParties, EntityOpportunities, EntityKases} {
				assert.NoError(t, WhereCondition(c).Validate(e))
			}
			// and the by-id variant gives the same
			byID, err := defs.ConditionByID(d.ID, tt.op, tt.v)
			require.NoError(t, err)
			assert.Equal(t, c, byID)
		})
	}
}

func TestFieldDefinitionsConditionLookup(t *testing.T) {
	t.Parallel()
	defs := append(testDefs(t),
		&FieldDefinition{ID: 201, Name: "Notes", Type: FieldTypeText},
		&FieldDefinition{ID: 202, Name: "Notes", Type: FieldTypeText},
		&FieldDefinition{ID: 203, Name: "Big", Type: "large_text"},
	)
	// names match as Find matches them
	c, err := defs.Condition("interests", OpIs, "Art")
	require.NoError(t, err, "a unique case-insensitive match")
	assert.Equal(t, "custom:105", c.Field)
	_, err = defs.Condition("Notes", OpIs, "x")
	require.ErrorIs(t, err, ErrInvalidArgument)
	assert.ErrorContains(t, err, "201, 202")
	_, err = defs.Condition("Nope", OpIs, "x")
	require.ErrorIs(t, err, ErrInvalidArgument)
	assert.ErrorContains(t, err, `"Nope"`)

	_, err = defs.ConditionByID(999, OpIs, "x")
	require.ErrorIs(t, err, ErrInvalidArgument)
	assert.ErrorContains(t, err, "field definition 999: no such custom field definition")

	_, err = defs.Condition("Big", OpIs, "x")
	require.ErrorIs(t, err, ErrInvalidArgument, "an unknown type cannot be checked")
	assert.ErrorContains(t, err, "Where(CustomField(203), ...)")

	var nilDef *FieldDefinition
	_, err = nilDef.Condition(OpIs, "x")
	assert.ErrorIs(t, err, ErrInvalidArgument)
	_, err = (&FieldDefinition{Name: "New", Type: FieldTypeText}).Condition(OpIs, "x")
	assert.ErrorIs(t, err, ErrInvalidArgument, "a definition without id")
}

func TestFilterConditionBuilder(t *testing.T) {
	t.Parallel()
	defs := testDefs(t)
	seats, err := defs.Condition("Seats", OpIsGreaterThan, 10)
	require.NoError(t, err)
	art, err := defs.Condition("Interests", OpIs, "Art")
	require.NoError(t, err)

	base := WhereCondition(seats)
	a := base.AndCondition(art)
	b := base.And("tag", OpIs, "VIP")
	c := Where("name", OpIs, "Acme").AndCondition(seats)
	assert.Equal(t, []Condition{seats}, base.Conditions, "AndCondition does not change its receiver")
	assert.Equal(t, []Condition{seats, art}, a.Conditions)
	assert.Equal(t, []Condition{seats, {Field: "tag", Operator: OpIs, Value: "VIP"}}, b.Conditions, "siblings do not share storage")
	assert.Equal(t, []Condition{{Field: "name", Operator: OpIs, Value: "Acme"}, seats}, c.Conditions)
	assert.Equal(t, []Condition{art}, Filter{}.AndCondition(art).Conditions)
}

func TestFilterConditionWire(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	defs := testDefs(t)
	seats, err := defs.Condition("Seats", OpIsGreaterThan, 10)
	require.NoError(t, err)
	renewal, err := defs.Condition("Renewal", OpIsBefore, time.Date(2026, 3, 31, 23, 30, 0, 0, time.UTC))
	require.NoError(t, err)
	soon, err := defs.ConditionByID(104, OpIsWithinNext, 30)
	require.NoError(t, err)
	art, err := defs.Condition("Interests", OpIsNot, "Art")
	require.NoError(t, err)
	news, err := defs.Condition("Newsletter", OpIs, true)
	require.NoError(t, err)
	h, n := counter(func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodPost)
		testJSONBody(t, r, `{"filter":{"conditions":[
			{"field":"custom:102","operator":"is greater than","value":10},
			{"field":"custom:104","operator":"is before","value":"2026-03-31"},
			{"field":"custom:104","operator":"is within next","value":30},
			{"field":"custom:105","operator":"is not","value":"Art"},
			{"field":"custom:103","operator":"is","value":true}]}}`)
		writeJSON(t, w, http.StatusOK, `{"parties":[{"id":1,"name":"Acme"}]}`)
	})
	mux.HandleFunc("POST /parties/filters/results", h)
	e := newEndpoint[filterTestRecord](c, "parties", "party", "parties")

	f := WhereCondition(seats).AndCondition(renewal).AndCondition(soon).AndCondition(art).AndCondition(news)
	items, _, err := e.filter(t.Context(), f, nil)
	require.NoError(t, err)
	assert.Equal(t, []*filterTestRecord{{ID: 1, Name: "Acme"}}, items)
	assert.Equal(t, int32(1), n.Load())
}
