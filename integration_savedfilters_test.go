package capsule_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/capsulecrm-go/capsule"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Saved filters end to end: the SDK against the fake's seeded saved
// filters, checked against the ad-hoc filter with the same conditions.

func TestIntegrationSavedFilters_Parties(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	srv, c := startFake(t, 500, nil)

	filters, _, err := c.Parties.SavedFilters(ctx)
	require.NoError(t, err)
	var orgs *capsule.SavedFilter
	for _, f := range filters {
		if f.Name == "Organisations A-Z" {
			orgs = f
		}
	}
	require.NotNil(t, orgs, "seeded saved filters: %v", filters)
	assert.Equal(t, []capsule.Condition{{Field: "type", Operator: capsule.OpIs, Value: "organisation"}}, orgs.Conditions)
	assert.Equal(t, []capsule.OrderBy{{Field: "name", Direction: capsule.Ascending}}, orgs.OrderBy)
	one, _, err := c.Parties.SavedFilter(ctx, orgs.ID)
	require.NoError(t, err)
	assert.Equal(t, orgs, one)

	n := len(srv.Requests())
	saved, err := capsule.Collect(c.Parties.SavedFilterResultsIter(ctx, orgs.ID, &capsule.ListOptions{Embed: []string{capsule.EmbedTags}}))
	require.NoError(t, err)
	require.Greater(t, len(saved), 100, "more than one page")
	assert.Len(t, requestsSince(srv, n), (len(saved)+99)/100, "ceil(N/100) requests")
	names := make([]string, len(saved))
	for i, p := range saved {
		assert.True(t, p.IsOrganisation())
		assert.NotNil(t, p.Tags, "embed=tags")
		names[i] = strings.ToLower(p.Name)
	}
	assert.True(t, slices.IsSorted(names), "in the saved order (name ascending)")

	adhoc, err := capsule.Collect(c.Parties.FilterIter(ctx, capsule.Filter{Conditions: orgs.Conditions}, nil))
	require.NoError(t, err)
	assert.ElementsMatch(t, partyIDs(adhoc), partyIDs(saved))

	page, resp, err := c.Parties.SavedFilterResults(ctx, orgs.ID, &capsule.ListOptions{PerPage: 10, Page: 2})
	require.NoError(t, err)
	assert.Equal(t, partyIDs(saved[10:20]), partyIDs(page))
	assert.Equal(t, 3, resp.NextPage)

	_, _, err = c.Opportunities.SavedFilter(ctx, orgs.ID)
	require.ErrorIs(t, err, capsule.ErrNotFound, "a party filter is not an opportunity filter")
}

func TestIntegrationSavedFilters_OpportunitiesAndKases(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	_, c := startFake(t, 100, nil)

	ofs, _, err := c.Opportunities.SavedFilters(ctx)
	require.NoError(t, err)
	require.NotEmpty(t, ofs)
	for _, f := range ofs {
		saved, err := capsule.Collect(c.Opportunities.SavedFilterResultsIter(ctx, f.ID, nil))
		require.NoError(t, err)
		require.NotEmpty(t, saved, f.Name)
		adhoc, err := capsule.Collect(c.Opportunities.FilterIter(ctx, capsule.Filter{Conditions: f.Conditions}, nil))
		require.NoError(t, err)
		assert.ElementsMatch(t, opportunityIDs(adhoc), opportunityIDs(saved), f.Name)
		if len(f.OrderBy) == 1 && f.OrderBy[0].Field == "probability" {
			assert.True(t, slices.IsSortedFunc(saved, func(a, b *capsule.Opportunity) int { return deref(b.Probability) - deref(a.Probability) }), f.Name)
		}
	}

	kfs, _, err := c.Kases.SavedFilters(ctx)
	require.NoError(t, err)
	require.Len(t, kfs, 1)
	open, _, err := c.Kases.SavedFilterResults(ctx, kfs[0].ID, &capsule.ListOptions{PerPage: 100})
	require.NoError(t, err)
	require.NotEmpty(t, open)
	for _, k := range open {
		assert.Equal(t, capsule.KaseOpen, k.Status)
	}
}

func deref(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}
