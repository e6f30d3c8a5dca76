package capsule_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/capsulecrm-go/capsule"
	"github.com/capsulecrm-go/capsule/capsuletest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Change feeds against the fake, on its clock: the fake stamps records and
// deletions with its clock and sends it as the Date header, so every
// timestamp below, and every cursor, is exact.

// runFeed drains one run of a change feed and describes each change as
// "record N", "deleted N at T" or "restricted N".
func runFeed[T any](t *testing.T, feed *capsule.ChangeFeed[T], id func(*T) int64) []string {
	t.Helper()
	var out []string
	for ch, err := range feed.All(t.Context()) {
		require.NoError(t, err)
		switch {
		case ch.Record != nil:
			out = append(out, fmt.Sprintf("record %d", id(ch.Record)))
		case ch.Deleted != nil:
			out = append(out, fmt.Sprintf("deleted %d at %s", ch.Deleted.ID, ch.Deleted.DeletedAt.Format(time.RFC3339)))
		case ch.Restricted != nil:
			out = append(out, fmt.Sprintf("restricted %d", ch.Restricted.ID))
		}
	}
	return out
}

func records(ids ...int64) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = fmt.Sprintf("record %d", id)
	}
	return out
}

func TestIntegration_ChangesParties(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	srv, c := startFake(t, 30, nil)
	t0 := integrationNow
	opts := &capsule.ListOptions{PerPage: 10, Embed: []string{capsule.EmbedTags}}

	all, err := capsule.Collect(c.Parties.ReadIter(ctx, nil))
	require.NoError(t, err)
	var people []int64
	for _, p := range all {
		if p.IsPerson() {
			people = append(people, p.ID)
		}
	}
	require.GreaterOrEqual(t, len(people), 3)
	early, changed, removed := people[0], people[1], people[2]

	// A change 10 s before the first run: inside the overlap of its cursor.
	srv.SetNow(t0.Add(-10 * time.Second))
	_, _, err = c.Parties.Update(ctx, early, &capsule.PartyInput{About: capsule.Set("Just before the first run")})
	require.NoError(t, err)

	// Run 1, from the zero cursor: every party, page by page, and no
	// deleted feed. The cursor is the fake's clock (its Date header), not
	// this machine's, less the overlap.
	srv.SetNow(t0)
	n := len(srv.Requests())
	feed := c.Parties.Changes(capsule.SyncCursor{}, opts)
	assert.Equal(t, records(partyIDs(all)...), runFeed(t, feed, func(p *capsule.Party) int64 { return p.ID }))
	reqs := requestsSince(srv, n)
	assert.Len(t, reqs, ceilDiv(len(all), 10))
	for i, r := range reqs {
		assert.Equal(t, fmt.Sprintf("embed=tags&page=%d&perPage=10", i+1), r.Query)
		assert.Equal(t, capsuletest.APIPrefix+"/parties", r.Path)
	}
	cursor1 := feed.Cursor()
	assert.Equal(t, capsule.SyncCursor{Since: t0.Add(-time.Minute)}, cursor1)

	// An hour later: one party created, one changed, one deleted.
	srv.SetNow(t0.Add(time.Hour))
	created, _, err := c.Parties.Create(ctx, &capsule.PartyInput{Type: capsule.Set(capsule.PartyPerson), FirstName: capsule.Set("Grace")})
	require.NoError(t, err)
	_, _, err = c.Parties.Update(ctx, changed, &capsule.PartyInput{JobTitle: capsule.Set("Admiral")})
	require.NoError(t, err)
	_, err = c.Parties.Delete(ctx, removed)
	require.NoError(t, err)
	deletedAt := t0.Add(time.Hour).Format(time.RFC3339)

	// Run 2 delivers exactly those, in the fake's order (by id), then the
	// deletion; and again the change made 10 s before run 1, which is in
	// run 1's overlap. One page and the deleted feed.
	srv.SetNow(t0.Add(time.Hour + 30*time.Second))
	n = len(srv.Requests())
	feed = c.Parties.Changes(cursor1, opts)
	want := append(records(early, changed, created.ID), fmt.Sprintf("deleted %d at %s", removed, deletedAt))
	assert.Equal(t, want, runFeed(t, feed, func(p *capsule.Party) int64 { return p.ID }))
	assert.Equal(t, []string{"GET /parties 200", "GET /parties/deleted 200"}, statuses(requestsSince(srv, n)))
	assert.Equal(t, "embed=tags&page=1&perPage=10&since=2025-06-02T09%3A59%3A00Z", requestsSince(srv, n)[0].Query)
	assert.Equal(t, "since=2025-06-02T09%3A59%3A00Z", requestsSince(srv, n)[1].Query)
	cursor2 := feed.Cursor()
	assert.Equal(t, capsule.SyncCursor{Since: t0.Add(time.Hour + 30*time.Second - time.Minute)}, cursor2)

	// Run 3, with no change since run 2: only run 2's overlap window, that
	// is what changed in the minute before it started (the update, the
	// new party, the deletion at t0+1h; not the change at t0-10s).
	srv.SetNow(t0.Add(2 * time.Hour))
	n = len(srv.Requests())
	feed = c.Parties.Changes(cursor2, opts)
	want = append(records(changed, created.ID), fmt.Sprintf("deleted %d at %s", removed, deletedAt))
	assert.Equal(t, want, runFeed(t, feed, func(p *capsule.Party) int64 { return p.ID }))
	assert.Len(t, requestsSince(srv, n), 2)
	cursor3 := feed.Cursor()
	assert.Equal(t, capsule.SyncCursor{Since: t0.Add(2*time.Hour - time.Minute)}, cursor3)

	// Run 4: nothing at all, still one list request and the deleted feed.
	srv.SetNow(t0.Add(3 * time.Hour))
	n = len(srv.Requests())
	feed = c.Parties.Changes(cursor3, opts)
	assert.Empty(t, runFeed(t, feed, func(p *capsule.Party) int64 { return p.ID }))
	assert.Len(t, requestsSince(srv, n), 2)
	assert.Equal(t, capsule.SyncCursor{Since: t0.Add(3*time.Hour - time.Minute)}, feed.Cursor())
}

// A change made in the same second as a run's start is read by the next
// run even with no overlap, where a cursor taken from the clock at the
// start would miss it (since is strict and timestamps are whole seconds).
func TestIntegration_ChangesSameSecond(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	srv, c := startFake(t, 5, nil)
	t0 := integrationNow
	srv.SetNow(t0)

	feed := c.Parties.Changes(capsule.SyncCursor{Since: t0.Add(-time.Hour)}, nil)
	feed.Overlap = 0
	assert.Empty(t, runFeed(t, feed, func(p *capsule.Party) int64 { return p.ID }))
	assert.Equal(t, capsule.SyncCursor{Since: t0.Add(-time.Second)}, feed.Cursor())

	all, _, err := c.Parties.Read(ctx, nil)
	require.NoError(t, err)
	_, _, err = c.Parties.Update(ctx, all[0].ID, &capsule.PartyInput{About: capsule.Set("Same second")})
	require.NoError(t, err)

	naive, err := capsule.Collect(c.Parties.ReadIter(ctx, &capsule.ListOptions{Since: t0}))
	require.NoError(t, err)
	assert.Empty(t, naive, "since the run's own start misses the change")

	next := c.Parties.Changes(feed.Cursor(), nil)
	next.Overlap = 0
	assert.Equal(t, records(all[0].ID), runFeed(t, next, func(p *capsule.Party) int64 { return p.ID }))
}

// Opportunities and kases have their own feeds; deleting a party deletes
// its opportunities and kases, and their feeds report it.
func TestIntegration_ChangesOpportunitiesAndKases(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	srv, c := startFake(t, 10, nil)
	t0 := integrationNow
	srv.SetNow(t0)

	oppFeed := c.Opportunities.Changes(capsule.SyncCursor{}, nil)
	opps := runFeed(t, oppFeed, func(o *capsule.Opportunity) int64 { return o.ID })
	allOpps, err := capsule.Collect(c.Opportunities.ReadIter(ctx, nil))
	require.NoError(t, err)
	assert.Equal(t, records(opportunityIDs(allOpps)...), opps)
	kaseFeed := c.Kases.Changes(capsule.SyncCursor{}, nil)
	kases := runFeed(t, kaseFeed, func(k *capsule.Kase) int64 { return k.ID })
	allKases, err := capsule.Collect(c.Kases.ReadIter(ctx, nil))
	require.NoError(t, err)
	assert.Equal(t, records(kaseIDs(allKases)...), kases)

	// A party with an opportunity and a kase of its own, made and then
	// deleted an hour later.
	srv.SetNow(t0.Add(time.Hour))
	party, _, err := c.Parties.Create(ctx, &capsule.PartyInput{Type: capsule.Set(capsule.PartyOrganisation), Name: capsule.Set("Short-lived Ltd")})
	require.NoError(t, err)
	pipelines, _, err := c.Pipelines.Read(ctx, nil)
	require.NoError(t, err)
	milestones, _, err := c.Milestones.ForPipeline(ctx, pipelines[0].ID, nil)
	require.NoError(t, err)
	opp, _, err := c.Opportunities.Create(ctx, &capsule.OpportunityInput{
		Name: capsule.Set("Deal"), Party: capsule.Set(capsule.Ref{ID: party.ID}), Milestone: capsule.Set(capsule.Ref{ID: milestones[0].ID}),
	})
	require.NoError(t, err)
	kase, _, err := c.Kases.Create(ctx, &capsule.KaseInput{Name: capsule.Set("Job"), Party: capsule.Set(capsule.Ref{ID: party.ID})})
	require.NoError(t, err)

	feed := c.Opportunities.Changes(oppFeed.Cursor(), nil)
	assert.Equal(t, records(opp.ID), runFeed(t, feed, func(o *capsule.Opportunity) int64 { return o.ID }))
	oppCursor := feed.Cursor()
	kFeed := c.Kases.Changes(kaseFeed.Cursor(), nil)
	assert.Equal(t, records(kase.ID), runFeed(t, kFeed, func(k *capsule.Kase) int64 { return k.ID }))
	kaseCursor := kFeed.Cursor()

	srv.SetNow(t0.Add(2 * time.Hour))
	_, err = c.Parties.Delete(ctx, party.ID)
	require.NoError(t, err)
	at := t0.Add(2 * time.Hour).Format(time.RFC3339)
	feed = c.Opportunities.Changes(oppCursor, nil)
	got := runFeed(t, feed, func(o *capsule.Opportunity) int64 { return o.ID })
	assert.Equal(t, []string{fmt.Sprintf("deleted %d at %s", opp.ID, at)}, got)
	kFeed = c.Kases.Changes(kaseCursor, nil)
	got = runFeed(t, kFeed, func(k *capsule.Kase) int64 { return k.ID })
	assert.Equal(t, []string{fmt.Sprintf("deleted %d at %s", kase.ID, at)}, got)
	assert.Equal(t, capsule.SyncCursor{Since: t0.Add(2*time.Hour - time.Minute)}, feed.Cursor())
	assert.Equal(t, capsule.SyncCursor{Since: t0.Add(2*time.Hour - time.Minute)}, kFeed.Cursor())
}
