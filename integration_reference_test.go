package capsule_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/capsulecrm-go/capsule"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The reference resources read through the SDK against the seeded fake.
// refdata_fake_test.go already walks each service's create, update and
// delete; these tests check what the seeded data says, the links between
// resources, and the refusals.

func TestIntegrationRef_UsersTeamsSite(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	srv, c := startFake(t, 5, nil)

	me, _, err := c.Users.ReadCurrent(ctx, nil)
	require.NoError(t, err)
	assert.Equal(t, srv.CurrentUserID(), me.ID)
	assert.NotEmpty(t, me.Username)
	assert.NotEmpty(t, me.Name)
	assert.Equal(t, "ACTIVE", me.Status)
	assert.NotNil(t, me.LastLoginAt)
	require.NotNil(t, me.Party)
	assert.True(t, me.Party.CreatedAt.IsZero(), "the user's party is a stub without embed")

	users, _, err := c.Users.Read(ctx, &capsule.ReadOptions{Embed: []string{"party"}})
	require.NoError(t, err)
	require.Greater(t, len(users), 1)
	assert.Equal(t, me.ID, users[0].ID)
	for _, u := range users {
		require.NotNil(t, u.Party, "user %d", u.ID)
		assert.False(t, u.Party.CreatedAt.IsZero(), "embed=party gives the full party")
		assert.True(t, u.Party.IsPerson())
		assert.Equal(t, u.Name, u.Party.DisplayName())
		// The user's party is a real party record.
		p, _, err := c.Parties.ReadSingle(ctx, u.Party.ID, nil)
		require.NoError(t, err)
		assert.Equal(t, u.Party.ID, p.ID)
	}
	_, _, err = c.Users.ReadSingle(ctx, 1, nil)
	require.ErrorIs(t, err, capsule.ErrNotFound)
	other, _, err := c.Users.ReadSingle(ctx, users[1].ID, &capsule.ReadOptions{Embed: []string{"party"}})
	require.NoError(t, err)
	assert.Equal(t, users[1], other)

	upd, _, err := c.Users.Update(ctx, me.ID, &capsule.UserInput{
		Locale: capsule.Set(capsule.LocaleEnglishUS), TaskReminder: capsule.Set(false),
	})
	require.NoError(t, err)
	assert.Equal(t, capsule.LocaleEnglishUS, upd.Locale)
	assert.False(t, upd.TaskReminder)
	assert.Equal(t, me.Timezone, upd.Timezone, "unsent fields are kept")
	_, _, err = c.Users.Update(ctx, me.ID, &capsule.UserInput{Locale: capsule.Set("xx_XX")})
	require.ErrorIs(t, err, capsule.ErrValidation)

	teams, _, err := c.Teams.Read(ctx, &capsule.ReadOptions{Embed: []string{"memberships"}})
	require.NoError(t, err)
	require.NotEmpty(t, teams)
	var mine *capsule.Team
	for _, tm := range teams {
		assert.NotEmpty(t, tm.Name)
		assert.NotEmpty(t, tm.Memberships, "team %s", tm.Name)
		for _, m := range tm.Memberships {
			if m.User.ID == me.ID && mine == nil {
				mine = tm
			}
		}
	}
	require.NotNil(t, mine, "the current user is in a team")
	one, _, err := c.Teams.ReadSingle(ctx, mine.ID, nil)
	require.NoError(t, err)
	assert.Equal(t, mine.Name, one.Name)
	assert.Empty(t, one.Memberships, "memberships only with embed")
	_, _, err = c.Teams.ReadSingle(ctx, 1, nil)
	require.ErrorIs(t, err, capsule.ErrNotFound)

	site, _, err := c.Site.Read(ctx)
	require.NoError(t, err)
	assert.NotEmpty(t, site.Name)
	assert.True(t, strings.HasPrefix(site.URL, "https://"+site.Subdomain+"."), "url %s, subdomain %s", site.URL, site.Subdomain)
}

func TestIntegrationRef_IntlAndTitles(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	_, c := startFake(t, 5, nil)

	countries, _, err := c.Countries.Read(ctx)
	require.NoError(t, err)
	require.Greater(t, len(countries), 10)
	byCode := map[string]*capsule.Country{}
	for _, ct := range countries {
		assert.Len(t, ct.Alpha2Code, 2, ct.Name)
		assert.Len(t, ct.Alpha3Code, 3, ct.Name)
		byCode[ct.Alpha2Code] = ct
	}
	require.NotNil(t, byCode["GB"])
	assert.Equal(t, "GBR", byCode["GB"].Alpha3Code)
	assert.Equal(t, 826, byCode["GB"].NumericCode)

	currencies, _, err := c.Currencies.Read(ctx)
	require.NoError(t, err)
	codes := make([]string, len(currencies))
	for i, cur := range currencies {
		codes[i] = cur.Code
		assert.Len(t, cur.Code, 3)
	}
	assert.Subset(t, codes, []string{"GBP", "USD", "EUR"})

	// A country name from Countries.Read is accepted on an address.
	p, _, err := c.Parties.Create(ctx, &capsule.PartyInput{
		Type: capsule.Set(capsule.PartyOrganisation), Name: capsule.Set("Address Ltd"),
		Addresses: []capsule.AddressChange{capsule.AddAddress(capsule.AddressParts{City: "Berlin", Country: byCode["DE"].Name})},
	})
	require.NoError(t, err)
	assert.Equal(t, byCode["DE"].Name, *p.Addresses[0].Country)

	// Titles: the seeded ones, a new one in use by a person cannot go.
	titles, _, err := c.Titles.Read(ctx)
	require.NoError(t, err)
	var names []string
	for _, tt := range titles {
		names = append(names, tt.Title)
	}
	assert.Subset(t, names, []string{"Mr", "Mrs", "Ms", "Dr"})
	prof, _, err := c.Titles.Create(ctx, &capsule.PersonTitleInput{Title: capsule.Set("Prof")})
	require.NoError(t, err)
	_, _, err = c.Titles.Create(ctx, &capsule.PersonTitleInput{Title: capsule.Set("prof")})
	require.ErrorIs(t, err, capsule.ErrValidation)
	person, _, err := c.Parties.Create(ctx, &capsule.PartyInput{Type: capsule.Set(capsule.PartyPerson), LastName: capsule.Set("Curie"), Title: capsule.Set("Prof")})
	require.NoError(t, err)
	_, err = c.Titles.Delete(ctx, prof.ID)
	require.ErrorIs(t, err, capsule.ErrValidation, "a title in use cannot be deleted")
	_, _, err = c.Parties.Update(ctx, person.ID, &capsule.PartyInput{Title: capsule.Null[string]()})
	require.NoError(t, err)
	_, err = c.Titles.Delete(ctx, prof.ID)
	require.NoError(t, err)
	_, err = c.Titles.Delete(ctx, prof.ID)
	require.ErrorIs(t, err, capsule.ErrNotFound)
}

func TestIntegrationRef_ActivityTypesCategoriesLostReasons(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	_, c := startFake(t, 5, nil)

	icons, _, err := c.ActivityTypes.ReadIcons(ctx)
	require.NoError(t, err)
	iconIDs := map[string]bool{}
	for _, ic := range icons {
		iconIDs[ic.ID] = true
		assert.NotEmpty(t, ic.DisplayName)
	}
	types, err := capsule.Collect(c.ActivityTypes.ReadIter(ctx, &capsule.ListOptions{PerPage: 2}))
	require.NoError(t, err)
	page, _, err := c.ActivityTypes.Read(ctx, nil)
	require.NoError(t, err)
	assert.Equal(t, types, page, "one page holds them all")
	var note *capsule.ActivityType
	for _, at := range types {
		if at.Icon != nil {
			assert.True(t, iconIDs[at.Icon.ID], "icon %s of %s is listed", at.Icon.ID, at.Name)
		}
		if at.ID == capsule.ActivityTypeNote {
			note = at
		}
	}
	require.NotNil(t, note, "the built-in Note has a negative id")
	got, _, err := c.ActivityTypes.ReadSingle(ctx, capsule.ActivityTypeNote)
	require.NoError(t, err)
	assert.Equal(t, note, got)
	// Built-in types can be changed, not deleted.
	call, _, err := c.ActivityTypes.Update(ctx, capsule.ActivityTypeCall, &capsule.ActivityTypeInput{UpdateLastContacted: capsule.Set(false)})
	require.NoError(t, err)
	assert.Equal(t, capsule.ActivityTypeCall, call.ID)
	assert.False(t, call.UpdateLastContacted)
	_, err = c.ActivityTypes.Delete(ctx, capsule.ActivityTypeMeeting)
	require.ErrorIs(t, err, capsule.ErrValidation)
	_, _, err = c.ActivityTypes.ReadSingle(ctx, 9999)
	require.ErrorIs(t, err, capsule.ErrNotFound)
	_, _, err = c.ActivityTypes.Create(ctx, &capsule.ActivityTypeInput{Name: capsule.Set("Bad icon"), Icon: capsule.Icon("NO_SUCH_ICON")})
	require.ErrorIs(t, err, capsule.ErrValidation)

	cats, _, err := c.Categories.Read(ctx, nil)
	require.NoError(t, err)
	require.NotEmpty(t, cats)
	for _, cat := range cats {
		assert.Regexp(t, `^#[0-9A-Fa-f]{6}$`, cat.Colour)
	}
	one, _, err := c.Categories.ReadSingle(ctx, cats[0].ID)
	require.NoError(t, err)
	assert.Equal(t, cats[0], one)
	_, _, err = c.Categories.Create(ctx, &capsule.CategoryInput{Name: capsule.Set("Odd"), Colour: capsule.Set("#12345G")})
	require.ErrorIs(t, err, capsule.ErrInvalidArgument)

	// A lost reason on an opportunity that is lost.
	reasons, _, err := c.LostReasons.Read(ctx)
	require.NoError(t, err)
	require.NotEmpty(t, reasons)
	reason, _, err := c.LostReasons.ReadSingle(ctx, reasons[0].ID)
	require.NoError(t, err)
	assert.Equal(t, reasons[0], reason)
	ms, _, err := c.Milestones.Read(ctx, nil)
	require.NoError(t, err)
	var open, lost *capsule.Milestone
	for _, m := range ms {
		switch {
		case !m.Complete && open == nil:
			open = m
		case m.Complete && m.Probability == 0:
			lost = m
		}
	}
	require.NotNil(t, lost)
	org := newOrganisation(t, c, "Lost Ltd")
	o, _, err := c.Opportunities.Create(ctx, &capsule.OpportunityInput{Name: capsule.Set("Lost deal"), Party: capsule.RefTo(org.ID), Milestone: capsule.RefTo(open.ID)})
	require.NoError(t, err)
	o, _, err = c.Opportunities.Update(ctx, o.ID, &capsule.OpportunityInput{Milestone: capsule.RefTo(lost.ID), LostReason: capsule.RefTo(reason.ID)})
	require.NoError(t, err)
	require.NotNil(t, o.LostReason)
	assert.Equal(t, capsule.NamedRef{ID: reason.ID, Name: reason.Name}, *o.LostReason)
	assert.Equal(t, 0, *o.Probability)
	lostOnes, err := capsule.Collect(c.Opportunities.FilterIter(ctx, capsule.Where("lostReason", capsule.OpIs, reason.Name).And("status", capsule.OpIs, "lost"), nil))
	require.NoError(t, err)
	assert.Contains(t, opportunityIDs(lostOnes), o.ID)
}

func TestIntegrationRef_PipelinesMilestones(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	_, c := startFake(t, 5, nil)

	pipes, err := capsule.Collect(c.Pipelines.ReadIter(ctx, nil))
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(pipes), 2)
	multi, _, err := c.Pipelines.ReadMultiple(ctx, []int64{pipes[1].ID, pipes[0].ID})
	require.NoError(t, err)
	assert.Equal(t, []*capsule.Pipeline{pipes[1], pipes[0]}, multi)

	// GET /milestones lists the milestones of the oldest active pipeline.
	legacy, err := capsule.Collect(c.Milestones.ReadIter(ctx, nil))
	require.NoError(t, err)
	first, err := capsule.Collect(c.Milestones.ForPipelineIter(ctx, pipes[0].ID, nil))
	require.NoError(t, err)
	assert.Equal(t, first, legacy)
	for _, p := range pipes {
		ms, _, err := c.Milestones.ForPipeline(ctx, p.ID, nil)
		require.NoError(t, err)
		require.NotEmpty(t, ms, p.Name)
		won := 0
		for _, m := range ms {
			require.NotNil(t, m.Pipeline)
			assert.Equal(t, p.ID, m.Pipeline.ID)
			assert.Equal(t, p.Name, m.Pipeline.Name)
			assert.GreaterOrEqual(t, m.Probability, 0)
			assert.LessOrEqual(t, m.Probability, 100)
			if m.Complete {
				assert.Nil(t, m.DaysUntilStale, "complete milestones do not go stale")
			}
			if m.Complete && m.Probability == 100 {
				won++
			}
		}
		assert.Equal(t, 1, won, "%s has one won milestone", p.Name)
		one, _, err := c.Milestones.ReadSingle(ctx, ms[0].ID)
		require.NoError(t, err)
		assert.Equal(t, ms[0], one)
	}

	// A milestone in use by an opportunity cannot be deleted.
	org := newOrganisation(t, c, "Pipeline Ltd")
	m, _, err := c.Milestones.Create(ctx, &capsule.MilestoneInput{Name: capsule.Set("Trial"), Probability: capsule.Set(30), Pipeline: capsule.RefTo(pipes[1].ID)})
	require.NoError(t, err)
	o, _, err := c.Opportunities.Create(ctx, &capsule.OpportunityInput{Name: capsule.Set("On trial"), Party: capsule.RefTo(org.ID), Milestone: capsule.RefTo(m.ID)})
	require.NoError(t, err)
	assert.Equal(t, 30, *o.Probability)
	_, err = c.Milestones.Delete(ctx, m.ID)
	require.ErrorIs(t, err, capsule.ErrValidation)
	_, err = c.Opportunities.Delete(ctx, o.ID)
	require.NoError(t, err)
	_, err = c.Milestones.Delete(ctx, m.ID)
	require.NoError(t, err)
	_, _, err = c.Milestones.ReadSingle(ctx, m.ID)
	require.ErrorIs(t, err, capsule.ErrNotFound)
	_, _, err = c.Pipelines.ReadSingle(ctx, 1)
	require.ErrorIs(t, err, capsule.ErrNotFound)
}

func TestIntegrationRef_BoardsStages(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	_, c := startFake(t, 5, nil)

	boards, err := capsule.Collect(c.Boards.ReadIter(ctx, nil))
	require.NoError(t, err)
	require.NotEmpty(t, boards)
	all, err := capsule.Collect(c.Stages.ReadIter(ctx, nil))
	require.NoError(t, err)
	var fromBoards []*capsule.Stage
	for _, b := range boards {
		one, _, err := c.Boards.ReadSingle(ctx, b.ID)
		require.NoError(t, err)
		assert.Equal(t, b, one)
		stages, err := capsule.Collect(c.Stages.ForBoardIter(ctx, b.ID, nil))
		require.NoError(t, err)
		require.NotEmpty(t, stages, b.Name)
		for _, s := range stages {
			assert.Equal(t, capsule.NamedRef{ID: b.ID, Name: b.Name}, s.Board)
		}
		fromBoards = append(fromBoards, stages...)
	}
	assert.ElementsMatch(t, all, fromBoards, "GET /stages lists the stages of every active board")
	got, _, err := c.Stages.ReadSingle(ctx, all[0].ID)
	require.NoError(t, err)
	assert.Equal(t, all[0], got)

	// A stage with an open kase cannot be deleted; archived boards hide
	// their stages unless asked for.
	b, _, err := c.Boards.Create(ctx, &capsule.BoardInput{Name: capsule.Set("Delivery")})
	require.NoError(t, err)
	s, _, err := c.Stages.Create(ctx, &capsule.StageInput{Name: capsule.Set("Build"), Board: capsule.Set(b.ID)})
	require.NoError(t, err)
	org := newOrganisation(t, c, "Board Ltd")
	k, _, err := c.Kases.Create(ctx, &capsule.KaseInput{Name: capsule.Set("Staged"), Party: capsule.RefTo(org.ID), Stage: capsule.Set(s.ID)})
	require.NoError(t, err)
	assert.Equal(t, s.ID, k.Stage.ID)
	_, err = c.Stages.Delete(ctx, s.ID)
	require.ErrorIs(t, err, capsule.ErrValidation)
	onStage, err := capsule.Collect(c.Kases.FilterIter(ctx, capsule.Where("board", capsule.OpIs, "Delivery"), nil))
	require.NoError(t, err)
	assert.Equal(t, []int64{k.ID}, kaseIDs(onStage))
	_, err = c.Boards.Archive(ctx, b.ID)
	require.NoError(t, err)
	active, err := capsule.Collect(c.Stages.ReadIter(ctx, nil))
	require.NoError(t, err)
	assert.False(t, slices.ContainsFunc(active, func(x *capsule.Stage) bool { return x.ID == s.ID }))
	withArchived, err := capsule.Collect(c.Stages.ReadIter(ctx, &capsule.StageListOptions{IncludeOnDeletedBoard: true}))
	require.NoError(t, err)
	assert.True(t, slices.ContainsFunc(withArchived, func(x *capsule.Stage) bool { return x.ID == s.ID }))
	_, _, err = c.Boards.ReadSingle(ctx, 1)
	require.ErrorIs(t, err, capsule.ErrNotFound)
	_, _, err = c.Stages.Read(ctx, &capsule.StageListOptions{Status: "bogus"})
	require.ErrorIs(t, err, capsule.ErrInvalidArgument)
}

func TestIntegrationRef_RestHooks(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	srv, c := startHookFake(t, 5, nil)

	events := []capsule.HookEvent{capsule.EventPartyCreated, capsule.EventOpportunityClosed, capsule.EventKaseMoved}
	var hooks []*capsule.RestHook
	for i, ev := range events {
		h, resp, err := c.RestHooks.Subscribe(ctx, &capsule.RestHookInput{
			Event: capsule.Set(ev), TargetURL: capsule.Set("https://hooks.example.com/" + string(rune('a'+i))),
			Description: capsule.Set("integration"),
		})
		require.NoError(t, err)
		assert.Equal(t, http.StatusCreated, resp.StatusCode)
		assert.Equal(t, ev, h.Event)
		require.NotNil(t, h.User)
		assert.Equal(t, srv.CurrentUserID(), h.User.ID)
		hooks = append(hooks, h)
	}
	listed, _, err := c.RestHooks.Read(ctx)
	require.NoError(t, err)
	assert.Subset(t, listed, hooks)
	_, _, err = c.RestHooks.Subscribe(ctx, &capsule.RestHookInput{Event: capsule.Set(capsule.HookEvent("party/renamed")), TargetURL: capsule.Set("https://hooks.example.com/x")})
	require.ErrorIs(t, err, capsule.ErrInvalidArgument, "an unknown event is refused before sending")
	for _, h := range hooks {
		resp, err := c.RestHooks.Unsubscribe(ctx, h.ID)
		require.NoError(t, err)
		assert.Equal(t, http.StatusNoContent, resp.StatusCode)
	}
	listed, _, err = c.RestHooks.Read(ctx)
	require.NoError(t, err)
	assert.Empty(t, listed)
	_, err = c.RestHooks.Unsubscribe(ctx, hooks[0].ID)
	require.ErrorIs(t, err, capsule.ErrNotFound)

	// A read-only token can list but not subscribe.
	srv.AddToken("ro-hooks", true)
	ro := clientFor(t, srv, "ro-hooks")
	_, _, err = ro.RestHooks.Read(ctx)
	require.NoError(t, err)
	_, _, err = ro.RestHooks.Subscribe(ctx, &capsule.RestHookInput{Event: capsule.Set(capsule.EventPartyCreated), TargetURL: capsule.Set("https://hooks.example.com/ro")})
	require.ErrorIs(t, err, capsule.ErrForbidden)
}
