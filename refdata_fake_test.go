package capsule_test

import (
	"testing"

	"github.com/capsulecrm-go/capsule"
	"github.com/capsulecrm-go/capsule/capsuletest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The reference services against the fake Capsule, which speaks the wire
// format from the reference without the SDK's models.

func newFakeClient(t *testing.T) *capsule.Client {
	t.Helper()
	srv := capsuletest.NewServer(capsuletest.WithSeed(10))
	t.Cleanup(srv.Close)
	c, err := capsule.NewClient(capsule.WithBaseURL(srv.BaseURL), capsule.WithToken(srv.Token))
	require.NoError(t, err)
	return c
}

func TestFake_UsersTeamsSite(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	c := newFakeClient(t)

	me, _, err := c.Users.ReadCurrent(ctx, nil)
	require.NoError(t, err)
	require.NotZero(t, me.ID)
	require.NotNil(t, me.Party)
	assert.True(t, me.Party.CreatedAt.IsZero(), "without embed the party is a stub")
	full, _, err := c.Users.ReadCurrent(ctx, &capsule.ReadOptions{Embed: []string{"party"}})
	require.NoError(t, err)
	require.NotNil(t, full.Party)
	assert.Equal(t, me.Party.ID, full.Party.ID)
	assert.False(t, full.Party.CreatedAt.IsZero(), "embed=party gives the full party")
	users, _, err := c.Users.Read(ctx, &capsule.ReadOptions{Embed: []string{"party"}})
	require.NoError(t, err)
	require.NotEmpty(t, users)
	one, _, err := c.Users.ReadSingle(ctx, me.ID, nil)
	require.NoError(t, err)
	assert.Equal(t, me.Username, one.Username)
	upd, _, err := c.Users.Update(ctx, me.ID, &capsule.UserInput{Timezone: capsule.Set("Europe/Paris")})
	require.NoError(t, err)
	assert.Equal(t, "Europe/Paris", upd.Timezone)

	teams, _, err := c.Teams.Read(ctx, &capsule.ReadOptions{Embed: []string{"memberships"}})
	require.NoError(t, err)
	if len(teams) > 0 {
		team, _, err := c.Teams.ReadSingle(ctx, teams[0].ID, nil)
		require.NoError(t, err)
		assert.Equal(t, teams[0].Name, team.Name)
	}

	site, _, err := c.Site.Read(ctx)
	require.NoError(t, err)
	assert.NotEmpty(t, site.Subdomain)
}

func TestFake_TitlesCountriesCurrencies(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	c := newFakeClient(t)

	title, resp, err := c.Titles.Create(ctx, &capsule.PersonTitleInput{Title: capsule.Set("Dame")})
	require.NoError(t, err)
	assert.NotEmpty(t, resp.Location)
	titles, _, err := c.Titles.Read(ctx)
	require.NoError(t, err)
	assert.Contains(t, titles, title)
	_, err = c.Titles.Delete(ctx, title.ID)
	require.NoError(t, err)

	countries, _, err := c.Countries.Read(ctx)
	require.NoError(t, err)
	require.NotEmpty(t, countries)
	assert.NotEmpty(t, countries[0].Alpha2Code)
	currencies, _, err := c.Currencies.Read(ctx)
	require.NoError(t, err)
	require.NotEmpty(t, currencies)
	assert.NotEmpty(t, currencies[0].Code)
}

func TestFake_Lookups(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	c := newFakeClient(t)

	icons, _, err := c.ActivityTypes.ReadIcons(ctx)
	require.NoError(t, err)
	require.NotEmpty(t, icons)
	at, _, err := c.ActivityTypes.Create(ctx, &capsule.ActivityTypeInput{
		Name: capsule.Set("Demo"), Icon: capsule.Icon(icons[0].ID), UpdateLastContacted: capsule.Set(true),
	})
	require.NoError(t, err)
	assert.True(t, at.UpdateLastContacted)
	at, _, err = c.ActivityTypes.Update(ctx, at.ID, &capsule.ActivityTypeInput{Name: capsule.Set("Demo 2")})
	require.NoError(t, err)
	assert.Equal(t, "Demo 2", at.Name)
	all, err := capsule.Collect(c.ActivityTypes.ReadIter(ctx, nil))
	require.NoError(t, err)
	assert.Contains(t, all, at)
	got, _, err := c.ActivityTypes.ReadSingle(ctx, at.ID)
	require.NoError(t, err)
	assert.Equal(t, at, got)
	_, err = c.ActivityTypes.Delete(ctx, at.ID)
	require.NoError(t, err)

	cat, _, err := c.Categories.Create(ctx, &capsule.CategoryInput{Name: capsule.Set("Billing"), Colour: capsule.Set("#444444")})
	require.NoError(t, err)
	cat, _, err = c.Categories.Update(ctx, cat.ID, &capsule.CategoryInput{Colour: capsule.Set("#AA00FF")})
	require.NoError(t, err)
	assert.Equal(t, "#AA00FF", cat.Colour)
	cats, err := capsule.Collect(c.Categories.ReadIter(ctx, nil))
	require.NoError(t, err)
	assert.Contains(t, cats, cat)
	_, err = c.Categories.Delete(ctx, cat.ID)
	require.NoError(t, err)
	_, _, err = c.Categories.ReadSingle(ctx, cat.ID)
	require.ErrorIs(t, err, capsule.ErrNotFound)

	lr, _, err := c.LostReasons.Create(ctx, &capsule.LostReasonInput{Name: capsule.Set("Price"), IncludedForConversion: capsule.Set(true)})
	require.NoError(t, err)
	lr, _, err = c.LostReasons.Update(ctx, lr.ID, &capsule.LostReasonInput{IncludedForConversion: capsule.Set(false)})
	require.NoError(t, err)
	assert.False(t, lr.IncludedForConversion)
	reasons, _, err := c.LostReasons.Read(ctx)
	require.NoError(t, err)
	assert.Contains(t, reasons, lr)
	_, err = c.LostReasons.Delete(ctx, lr.ID)
	require.NoError(t, err)
}

func TestFake_PipelinesMilestones(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	c := newFakeClient(t)

	p, _, err := c.Pipelines.Create(ctx, &capsule.PipelineInput{Name: capsule.Set("Renewals"), Description: capsule.Set("Yearly")})
	require.NoError(t, err)
	p, _, err = c.Pipelines.Update(ctx, p.ID, &capsule.PipelineInput{Description: capsule.Set("Every year")})
	require.NoError(t, err)
	assert.Equal(t, "Every year", p.Description)

	m, _, err := c.Milestones.Create(ctx, &capsule.MilestoneInput{
		Name: capsule.Set("Quoted"), Probability: capsule.Set(40), Pipeline: capsule.RefTo(p.ID),
	})
	require.NoError(t, err)
	require.NotNil(t, m.Pipeline)
	assert.Equal(t, p.ID, m.Pipeline.ID)
	m, _, err = c.Milestones.Update(ctx, m.ID, &capsule.MilestoneInput{Probability: capsule.Set(60)})
	require.NoError(t, err)
	assert.Equal(t, 60, m.Probability)
	ms, err := capsule.Collect(c.Milestones.ForPipelineIter(ctx, p.ID, nil))
	require.NoError(t, err)
	assert.Contains(t, ms, m)
	got, _, err := c.Milestones.ReadSingle(ctx, m.ID)
	require.NoError(t, err)
	assert.Equal(t, m, got)
	_, _, err = c.Milestones.Read(ctx, nil)
	require.NoError(t, err)
	_, err = c.Milestones.Delete(ctx, m.ID)
	require.NoError(t, err)

	p2, _, err := c.Pipelines.Create(ctx, &capsule.PipelineInput{Name: capsule.Set("Upsell")})
	require.NoError(t, err)
	both, _, err := c.Pipelines.ReadMultiple(ctx, []int64{p2.ID, p.ID})
	require.NoError(t, err)
	assert.Equal(t, []*capsule.Pipeline{p2, p}, both)

	_, err = c.Pipelines.Archive(ctx, p.ID)
	require.NoError(t, err)
	active, err := capsule.Collect(c.Pipelines.ReadIter(ctx, nil))
	require.NoError(t, err)
	assert.NotContains(t, ids(active), p.ID)
	withArchived, err := capsule.Collect(c.Pipelines.ReadIter(ctx, &capsule.PipelineListOptions{IncludeDeleted: true}))
	require.NoError(t, err)
	assert.Contains(t, ids(withArchived), p.ID)
	restored, _, err := c.Pipelines.Restore(ctx, p.ID)
	require.NoError(t, err)
	assert.Equal(t, p.ID, restored.ID)
	single, _, err := c.Pipelines.ReadSingle(ctx, p.ID)
	require.NoError(t, err)
	assert.Equal(t, "Renewals", single.Name)
}

func TestFake_BoardsStages(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	c := newFakeClient(t)

	b, _, err := c.Boards.Create(ctx, &capsule.BoardInput{Name: capsule.Set("Onboarding"), Description: capsule.Set("New")})
	require.NoError(t, err)
	b, _, err = c.Boards.Update(ctx, b.ID, &capsule.BoardInput{Description: capsule.Set("New customers")})
	require.NoError(t, err)
	assert.Equal(t, "New customers", b.Description)

	s, _, err := c.Stages.Create(ctx, &capsule.StageInput{Name: capsule.Set("Kick-off"), Board: capsule.Set(b.ID), DisplayOrder: capsule.Set(1)})
	require.NoError(t, err)
	assert.Equal(t, b.ID, s.Board.ID)
	s, _, err = c.Stages.Update(ctx, s.ID, &capsule.StageInput{Name: capsule.Set("Kick off")})
	require.NoError(t, err)
	assert.Equal(t, "Kick off", s.Name)
	onBoard, err := capsule.Collect(c.Stages.ForBoardIter(ctx, b.ID, nil))
	require.NoError(t, err)
	assert.Contains(t, onBoard, s)
	all, err := capsule.Collect(c.Stages.ReadIter(ctx, &capsule.StageListOptions{Status: capsule.StagesAll}))
	require.NoError(t, err)
	assert.Contains(t, all, s)
	got, _, err := c.Stages.ReadSingle(ctx, s.ID)
	require.NoError(t, err)
	assert.Equal(t, s, got)

	named, _, err := c.Boards.Read(ctx, &capsule.BoardListOptions{Q: "onboard", Status: capsule.BoardsAll})
	require.NoError(t, err)
	assert.Contains(t, named, b)
	_, err = c.Boards.Archive(ctx, b.ID)
	require.NoError(t, err)
	archived, err := capsule.Collect(c.Boards.ReadIter(ctx, &capsule.BoardListOptions{Status: capsule.BoardsArchived}))
	require.NoError(t, err)
	assert.Contains(t, boardIDs(archived), b.ID)
	restored, _, err := c.Boards.Restore(ctx, b.ID)
	require.NoError(t, err)
	assert.Equal(t, b.ID, restored.ID)
	one, _, err := c.Boards.ReadSingle(ctx, b.ID)
	require.NoError(t, err)
	assert.Equal(t, "Onboarding", one.Name)
	_, err = c.Stages.Delete(ctx, s.ID)
	require.NoError(t, err)
}

func TestFake_RestHooks(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	srv := capsuletest.NewServer()
	t.Cleanup(srv.Close)
	c, err := capsule.NewClient(capsule.WithBaseURL(srv.BaseURL), capsule.WithToken(srv.AppToken))
	require.NoError(t, err)

	hook, resp, err := c.RestHooks.Subscribe(ctx, &capsule.RestHookInput{
		Event: capsule.Set(capsule.EventKaseMoved), TargetURL: capsule.Set("https://example.com/h/1"), Embed: capsule.Set("fields"),
	})
	require.NoError(t, err)
	assert.NotEmpty(t, resp.Location)
	assert.Equal(t, capsule.EventKaseMoved, hook.Event)
	assert.Equal(t, "https://example.com/h/1", hook.TargetURL)
	hooks, _, err := c.RestHooks.Read(ctx)
	require.NoError(t, err)
	assert.Contains(t, hooks, hook)
	got, _, err := c.RestHooks.ReadSingle(ctx, hook.ID)
	require.NoError(t, err)
	assert.Equal(t, hook, got)
	_, err = c.RestHooks.Unsubscribe(ctx, hook.ID)
	require.NoError(t, err)
	_, _, err = c.RestHooks.ReadSingle(ctx, hook.ID)
	require.ErrorIs(t, err, capsule.ErrNotFound)
}

func ids(ps []*capsule.Pipeline) []int64 {
	out := make([]int64, 0, len(ps))
	for _, p := range ps {
		out = append(out, p.ID)
	}
	return out
}

func boardIDs(bs []*capsule.Board) []int64 {
	out := make([]int64, 0, len(bs))
	for _, b := range bs {
		out = append(out, b.ID)
	}
	return out
}
