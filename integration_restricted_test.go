package capsule_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/capsulecrm-go/capsule"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Restricted records against the fake: a party restricted for the
// client's token comes back from the deleted feed and the change feed as
// a restriction, and as a "Private" stub where a visible person refers to
// it; another token still sees it.
func TestIntegration_RestrictedParty(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	srv, c := startFake(t, 0, nil)
	t0 := integrationNow
	srv.SetNow(t0)
	srv.AddToken("other", false)
	other := clientFor(t, srv, "other")

	org, _, err := c.Parties.Create(ctx, &capsule.PartyInput{Type: capsule.Set(capsule.PartyOrganisation), Name: capsule.Set("Acme")})
	require.NoError(t, err)
	person, _, err := c.Parties.Create(ctx, &capsule.PartyInput{
		Type: capsule.Set(capsule.PartyPerson), FirstName: capsule.Set("Ann"), Organisation: capsule.OrganisationByID(org.ID),
	})
	require.NoError(t, err)

	// Run 1 reads both (and the users' people); an hour later Acme is
	// restricted for c's token.
	feed := c.Parties.Changes(capsule.SyncCursor{}, nil)
	assert.Subset(t, runFeed(t, feed, func(p *capsule.Party) int64 { return p.ID }), records(org.ID, person.ID))
	srv.SetNow(t0.Add(time.Hour))
	srv.Restrict("parties", org.ID, srv.Token)
	srv.SetNow(t0.Add(2 * time.Hour))

	d, _, err := c.Parties.ReadDeleted(ctx, t0.Add(30*time.Minute))
	require.NoError(t, err)
	assert.Empty(t, d.Records)
	require.Len(t, d.Restricted, 1)
	r := d.Restricted[0]
	assert.Equal(t, capsule.RestrictedRecord{ID: org.ID, Type: capsule.PartyOrganisation, Name: "Private", PictureURL: r.PictureURL, IsRestricted: true}, r)
	assert.NotEmpty(t, r.PictureURL)
	d, _, err = c.Parties.ReadDeleted(ctx, t0.Add(time.Hour)) // since is strict
	require.NoError(t, err)
	assert.Empty(t, d.Restricted)

	// Run 2: Ann again (created in run 1's overlap), not Acme, then the
	// restriction.
	feed = c.Parties.Changes(feed.Cursor(), nil)
	var restricted *capsule.RestrictedRecord
	var got []string
	for ch, err := range feed.All(ctx) {
		require.NoError(t, err)
		switch {
		case ch.Record != nil:
			got = append(got, fmt.Sprintf("record %d", ch.Record.ID))
		case ch.Restricted != nil:
			restricted = ch.Restricted
			got = append(got, fmt.Sprintf("restricted %d", ch.Restricted.ID))
		}
	}
	assert.Equal(t, []string{fmt.Sprintf("record %d", person.ID), fmt.Sprintf("restricted %d", org.ID)}, got)
	require.NotNil(t, restricted)
	assert.True(t, restricted.IsRestricted)
	assert.Equal(t, "Private", restricted.Name)

	// Ann's organisation is the restricted stub, with or without embed;
	// Acme itself is not found.
	for _, opts := range []*capsule.ReadOptions{nil, {Embed: []string{capsule.EmbedOrganisation}}} {
		p, _, err := c.Parties.ReadSingle(ctx, person.ID, opts)
		require.NoError(t, err)
		require.NotNil(t, p.Organisation)
		assert.Equal(t, org.ID, p.Organisation.ID)
		assert.True(t, p.Organisation.IsRestricted)
		assert.Equal(t, "Private", p.Organisation.Name)
		assert.Equal(t, capsule.PartyOrganisation, p.Organisation.Type)
	}
	_, _, err = c.Parties.ReadSingle(ctx, org.ID, nil)
	require.ErrorIs(t, err, capsule.ErrNotFound)

	// The other token sees Acme, and no restriction.
	p, _, err := other.Parties.ReadSingle(ctx, person.ID, nil)
	require.NoError(t, err)
	assert.False(t, p.Organisation.IsRestricted)
	assert.Equal(t, "Acme", p.Organisation.Name)
	d, _, err = other.Parties.ReadDeleted(ctx, t0)
	require.NoError(t, err)
	assert.Empty(t, d.Restricted)

}
