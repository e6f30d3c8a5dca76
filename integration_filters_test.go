package capsule_test

import (
	"testing"

	"github.com/capsulecrm-go/capsule"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Custom field conditions built from the definitions the fake serves,
// filtering parties on the fake; a condition that does not fit its field
// is refused before anything is sent.
func TestIntegration_FilterByCustomFieldCondition(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	srv, c := startFake(t, 0, nil)
	srv.SetNow(integrationNow)

	for _, in := range []*capsule.FieldDefinitionInput{
		{Name: capsule.Set("Seats"), Type: capsule.Set(capsule.FieldTypeNumber)},
		{Name: capsule.Set("Plan"), Type: capsule.Set(capsule.FieldTypeList), Options: capsule.Set([]string{"Free", "Pro"})},
	} {
		_, _, err := c.CustomFields.Create(ctx, capsule.EntityParties, in)
		require.NoError(t, err)
	}
	defs, err := c.CustomFields.ReadAll(ctx, capsule.EntityParties)
	require.NoError(t, err)

	org := func(name string, seats int, plan string) int64 {
		t.Helper()
		s, err := defs.Set("Seats", seats)
		require.NoError(t, err)
		p, err := defs.Set("plan", plan)
		require.NoError(t, err)
		o, _, err := c.Parties.Create(ctx, &capsule.PartyInput{
			Type: capsule.Set(capsule.PartyOrganisation), Name: capsule.Set(name), Fields: []capsule.FieldChange{s, p},
		})
		require.NoError(t, err)
		return o.ID
	}
	small := org("Small Ltd", 5, "Free")
	big := org("Big Ltd", 250, "Pro")
	mid := org("Mid Ltd", 40, "Pro")

	cond := func(name, op string, v any) capsule.Condition {
		t.Helper()
		cd, err := defs.Condition(name, op, v)
		require.NoError(t, err)
		return cd
	}
	filterIDs := func(f capsule.Filter) []int64 {
		t.Helper()
		ps, err := capsule.Collect(c.Parties.FilterIter(ctx, f, nil))
		require.NoError(t, err)
		return partyIDs(ps)
	}
	assert.Equal(t, []int64{big, mid}, filterIDs(capsule.WhereCondition(cond("Seats", capsule.OpIsGreaterThan, 10))))
	assert.Equal(t, []int64{mid}, filterIDs(capsule.WhereCondition(cond("Plan", capsule.OpIs, "Pro")).
		AndCondition(cond("Seats", capsule.OpIsLessThan, 100))))
	assert.Equal(t, []int64{small}, filterIDs(capsule.Where("name", capsule.OpEndsWith, "Ltd").
		AndCondition(cond("plan", capsule.OpIsNot, "Pro"))))

	// Refused before sending: an operator or value that does not fit.
	before := len(srv.Requests())
	_, err = defs.Condition("Plan", capsule.OpContains, "Pr")
	require.ErrorIs(t, err, capsule.ErrInvalidArgument)
	_, err = defs.Condition("Plan", capsule.OpIs, "Enterprise")
	require.ErrorIs(t, err, capsule.ErrInvalidArgument)
	_, err = defs.Condition("Seats", capsule.OpIsGreaterThan, "ten")
	require.ErrorIs(t, err, capsule.ErrInvalidArgument)
	assert.Len(t, srv.Requests(), before)
}
