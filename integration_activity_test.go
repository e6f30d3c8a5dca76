package capsule_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/capsulecrm-go/capsule"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Tasks, tracks, entries and attachments: the SDK against capsuletest.

func taskIDs(ts []*capsule.Task) []int64 {
	out := make([]int64, len(ts))
	for i, t := range ts {
		out[i] = t.ID
	}
	return out
}

func entryIDs(es []*capsule.Entry) []int64 {
	out := make([]int64, len(es))
	for i, e := range es {
		out[i] = e.ID
	}
	return out
}

func TestIntegrationActivity_TaskLife(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	srv, c := startFake(t, 10, nil)
	srv.SetNow(integrationNow)
	me, _, err := c.Users.ReadCurrent(ctx, nil)
	require.NoError(t, err)
	cats, _, err := c.Categories.Read(ctx, nil)
	require.NoError(t, err)
	require.NotEmpty(t, cats)
	org := newOrganisation(t, c, "Tasked Ltd")

	task, resp, err := c.Tasks.Create(ctx, &capsule.TaskInput{
		Description: capsule.Set("Call about the renewal"),
		Detail:      capsule.Set("Ask for the budget"),
		DueOn:       capsule.Set(capsule.NewDate(2025, 6, 10)),
		DueTime:     capsule.Set(capsule.NewTimeOfDay(9, 30, 0)),
		Category:    capsule.RefTo(cats[0].ID),
		Party:       capsule.RefTo(org.ID),
	})
	require.NoError(t, err)
	assert.Equal(t, http.StatusCreated, resp.StatusCode)
	assert.True(t, strings.HasSuffix(resp.Location, "/tasks/"+strconv.FormatInt(task.ID, 10)), resp.Location)
	assert.Equal(t, capsule.TaskStatusOpen, task.Status)
	assert.Equal(t, capsule.NewDate(2025, 6, 10), *task.DueOn)
	assert.Equal(t, capsule.NewTimeOfDay(9, 30, 0), *task.DueTime)
	require.NotNil(t, task.Party)
	assert.Equal(t, org.ID, task.Party.ID)
	assert.Equal(t, "Tasked Ltd", task.Party.DisplayName())
	assert.Nil(t, task.Opportunity)
	assert.Nil(t, task.Kase)
	require.NotNil(t, task.Category)
	assert.Equal(t, capsule.CategoryRef{ID: cats[0].ID, Name: cats[0].Name, Colour: cats[0].Colour}, *task.Category)
	assert.Equal(t, me.ID, task.Owner.ID, "owner defaults to the token's user")
	assert.Nil(t, task.CompletedAt)
	assert.False(t, task.HasTrack)

	got, _, err := c.Tasks.ReadSingle(ctx, task.ID, &capsule.ReadOptions{Embed: []string{"party", "owner"}})
	require.NoError(t, err)
	assert.False(t, got.Party.CreatedAt.IsZero(), "embed=party gives the full party")

	// The status filter of the list: open by default.
	listIDs := func(status ...capsule.TaskStatus) []int64 {
		t.Helper()
		ts, err := capsule.Collect(c.Tasks.ReadIter(ctx, &capsule.TaskListOptions{Status: status}))
		require.NoError(t, err)
		for _, x := range ts {
			if len(status) > 0 {
				assert.Contains(t, status, x.Status, "task %d", x.ID)
			} else {
				assert.Equal(t, capsule.TaskStatusOpen, x.Status, "task %d", x.ID)
			}
		}
		return taskIDs(ts)
	}
	assert.Contains(t, listIDs(), task.ID)
	assert.NotContains(t, listIDs(capsule.TaskStatusCompleted), task.ID)

	// Complete: Capsule stamps who and when, and the party's history shows it.
	srv.Advance(time.Hour)
	done, _, err := c.Tasks.Complete(ctx, task.ID)
	require.NoError(t, err)
	assert.Equal(t, capsule.TaskStatusCompleted, done.Status)
	require.NotNil(t, done.CompletedAt)
	assert.Equal(t, srv.Now(), *done.CompletedAt)
	require.NotNil(t, done.CompletedBy)
	assert.Equal(t, me.Username, *done.CompletedBy)
	assert.NotContains(t, listIDs(), task.ID)
	assert.Contains(t, listIDs(capsule.TaskStatusCompleted), task.ID)
	assert.Contains(t, listIDs(capsule.TaskStatusOpen, capsule.TaskStatusCompleted), task.ID)
	last := srv.Requests()[len(srv.Requests())-1]
	assert.Contains(t, last.Query, "status=open%2Ccompleted")
	history, err := capsule.Collect(c.Entries.ForPartyIter(ctx, org.ID, nil))
	require.NoError(t, err)
	require.Len(t, history, 1)
	assert.Equal(t, capsule.EntryTask, history[0].Type)
	assert.Equal(t, &capsule.NamedRef{ID: -4, Name: "Task completed"}, history[0].ActivityType)

	// Reopen clears the completion.
	reopened, _, err := c.Tasks.Reopen(ctx, task.ID)
	require.NoError(t, err)
	assert.Equal(t, capsule.TaskStatusOpen, reopened.Status)
	assert.Nil(t, reopened.CompletedAt)
	assert.Nil(t, reopened.CompletedBy)
	assert.Contains(t, listIDs(), task.ID)

	// Update: clear the detail and the time, move it from the party to an
	// opportunity (two parents at once are refused before sending).
	open, _ := salesMilestones(t, c)
	opp, _, err := c.Opportunities.Create(ctx, &capsule.OpportunityInput{Name: capsule.Set("Task deal"), Party: capsule.RefTo(org.ID), Milestone: capsule.RefTo(open.ID)})
	require.NoError(t, err)
	before := len(srv.Requests())
	_, _, err = c.Tasks.Update(ctx, task.ID, &capsule.TaskInput{Party: capsule.RefTo(org.ID), Opportunity: capsule.RefTo(opp.ID)})
	require.ErrorIs(t, err, capsule.ErrInvalidArgument)
	assert.Len(t, srv.Requests(), before)
	moved, _, err := c.Tasks.Update(ctx, task.ID, &capsule.TaskInput{
		Party: capsule.Null[capsule.Ref](), Opportunity: capsule.RefTo(opp.ID),
		Detail: capsule.Null[string](), DueTime: capsule.Null[capsule.TimeOfDay](), Category: capsule.Null[capsule.Ref](),
	})
	require.NoError(t, err)
	assert.Nil(t, moved.Party)
	require.NotNil(t, moved.Opportunity)
	assert.Equal(t, "Task deal", moved.Opportunity.Name)
	assert.Nil(t, moved.Detail)
	assert.Nil(t, moved.DueTime)
	assert.Nil(t, moved.Category)
	assert.Equal(t, "Call about the renewal", moved.Description, "unsent fields are kept")

	// ReadMultiple keeps the order; seeded tasks are there too.
	seeded, _, err := c.Tasks.Read(ctx, &capsule.TaskListOptions{ListOptions: capsule.ListOptions{PerPage: 3}})
	require.NoError(t, err)
	require.Len(t, seeded, 3)
	want := []int64{task.ID, seeded[2].ID, seeded[0].ID}
	multi, _, err := c.Tasks.ReadMultiple(ctx, want, nil)
	require.NoError(t, err)
	assert.Equal(t, want, taskIDs(multi))

	// A missing due date is refused before sending; what only Capsule can
	// know (an unknown category) comes back as its 422.
	_, _, err = c.Tasks.Create(ctx, &capsule.TaskInput{Description: capsule.Set("No date")})
	require.ErrorIs(t, err, capsule.ErrInvalidArgument)
	_, _, err = c.Tasks.Create(ctx, &capsule.TaskInput{Description: capsule.Set("Bad category"),
		DueOn: capsule.Set(capsule.NewDate(2026, 3, 1)), Category: capsule.RefTo(999999)})
	require.ErrorIs(t, err, capsule.ErrValidation)
	require.NotEmpty(t, apiError(t, err).Errors)
	assert.Equal(t, "category", apiError(t, err).Errors[0].Field)

	// Delete.
	resp, err = c.Tasks.Delete(ctx, task.ID)
	require.NoError(t, err)
	assert.Equal(t, http.StatusNoContent, resp.StatusCode)
	_, _, err = c.Tasks.ReadSingle(ctx, task.ID, nil)
	require.ErrorIs(t, err, capsule.ErrNotFound)
	assert.NotContains(t, listIDs(capsule.TaskStatusOpen, capsule.TaskStatusCompleted, capsule.TaskStatusPending), task.ID)

	// Deleting a party deletes its tasks.
	t2, _, err := c.Tasks.Create(ctx, &capsule.TaskInput{Description: capsule.Set("Goes with the party"), DueOn: capsule.Set(capsule.NewDate(2025, 7, 1)), Party: capsule.RefTo(org.ID)})
	require.NoError(t, err)
	_, err = c.Parties.Delete(ctx, org.ID)
	require.NoError(t, err)
	_, _, err = c.Tasks.ReadSingle(ctx, t2.ID, nil)
	require.ErrorIs(t, err, capsule.ErrNotFound)
}

func TestIntegrationActivity_TrackOnOpportunity(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	srv, c := startFake(t, 10, nil)
	srv.SetNow(integrationNow)

	defs, err := capsule.Collect(c.TrackDefinitions.ReadIter(ctx, nil))
	require.NoError(t, err)
	var def *capsule.TrackDefinition
	for _, d := range defs {
		if d.CaptureRule == capsule.CaptureOpportunity && d.Direction == capsule.TrackStartDate && len(d.TaskDefinitions) >= 2 {
			def = d
			break
		}
	}
	require.NotNil(t, def, "the seed has an opportunity track definition")

	open, _ := salesMilestones(t, c)
	org := newOrganisation(t, c, "Tracked Ltd")
	opp, _, err := c.Opportunities.Create(ctx, &capsule.OpportunityInput{Name: capsule.Set("Tracked deal"), Party: capsule.RefTo(org.ID), Milestone: capsule.RefTo(open.ID)})
	require.NoError(t, err)

	start := capsule.NewDate(2025, 6, 2) // a Monday
	track, resp, err := c.Tracks.Apply(ctx, capsule.TrackApply{Definition: def.ID, Opportunity: opp.ID, TrackDateOn: start})
	require.NoError(t, err)
	assert.Equal(t, http.StatusCreated, resp.StatusCode)
	assert.Equal(t, def.Description, track.Description, "the description defaults to the definition's")
	assert.Equal(t, start, track.TrackDateOn)
	assert.Equal(t, capsule.TrackStartDate, track.Direction)
	require.Len(t, track.Tasks, len(def.TaskDefinitions))
	for i, td := range def.TaskDefinitions {
		assert.Equal(t, td.Description, track.Tasks[i].Description)
	}

	// The track's tasks are tasks of the opportunity, in order, chained by
	// nextTask, due from the track date.
	full, _, err := c.Tracks.ReadSingle(ctx, track.ID, &capsule.ReadOptions{Embed: []string{"task"}})
	require.NoError(t, err)
	require.Len(t, full.Tasks, len(def.TaskDefinitions))
	first := full.Tasks[0]
	assert.True(t, first.HasTrack)
	require.NotNil(t, first.Opportunity)
	assert.Equal(t, opp.ID, first.Opportunity.ID)
	require.NotNil(t, first.DueOn)
	assert.False(t, first.DueOn.Time(nil).Before(start.Time(nil)), "due on or after the start")
	require.NotNil(t, first.NextTask)
	assert.Equal(t, full.Tasks[1].ID, first.NextTask.ID)
	listed, err := capsule.Collect(c.Tracks.ForOpportunityIter(ctx, opp.ID, nil))
	require.NoError(t, err)
	require.Len(t, listed, 1)
	assert.Equal(t, track.ID, listed[0].ID)

	// Update the description and the date. (Whether Capsule moves the due
	// dates of the track's tasks is not documented: not checked.)
	later := capsule.NewDate(2025, 6, 16)
	upd, _, err := c.Tracks.Update(ctx, track.ID, capsule.TrackUpdate{Description: capsule.Set("Follow-up, pushed back"), TrackDateOn: capsule.Set(later)})
	require.NoError(t, err)
	assert.Equal(t, "Follow-up, pushed back", upd.Description)
	assert.Equal(t, later, upd.TrackDateOn)
	again, _, err := c.Tracks.ReadSingle(ctx, track.ID, nil)
	require.NoError(t, err)
	assert.Equal(t, upd, again)
	_, _, err = c.Tracks.Update(ctx, track.ID, capsule.TrackUpdate{TrackDateOn: capsule.Null[capsule.Date]()})
	require.ErrorIs(t, err, capsule.ErrInvalidArgument)

	// Refused: a kase definition on an opportunity, two records, no record.
	var kaseDef *capsule.TrackDefinition
	for _, d := range defs {
		if d.CaptureRule == capsule.CaptureKase {
			kaseDef = d
		}
	}
	require.NotNil(t, kaseDef)
	_, _, err = c.Tracks.Apply(ctx, capsule.TrackApply{Definition: kaseDef.ID, Opportunity: opp.ID, TrackDateOn: start})
	require.ErrorIs(t, err, capsule.ErrValidation)
	assert.Equal(t, "definition", apiError(t, err).Errors[0].Field)
	_, _, err = c.Tracks.Apply(ctx, capsule.TrackApply{Definition: def.ID, TrackDateOn: start})
	require.ErrorIs(t, err, capsule.ErrInvalidArgument)

	// Delete: the track goes with the tasks it made.
	resp, err = c.Tracks.Delete(ctx, track.ID)
	require.NoError(t, err)
	assert.Equal(t, http.StatusNoContent, resp.StatusCode)
	_, _, err = c.Tracks.ReadSingle(ctx, track.ID, nil)
	require.ErrorIs(t, err, capsule.ErrNotFound)
	for _, tk := range full.Tasks {
		_, _, err = c.Tasks.ReadSingle(ctx, tk.ID, nil)
		require.ErrorIs(t, err, capsule.ErrNotFound, "task %d", tk.ID)
	}
	listed, _, err = c.Tracks.ForOpportunity(ctx, opp.ID, nil)
	require.NoError(t, err)
	assert.Empty(t, listed)

	// Tracks can also be applied when the opportunity is created.
	opp2, _, err := c.Opportunities.Create(ctx, &capsule.OpportunityInput{
		Name: capsule.Set("Tracked from the start"), Party: capsule.RefTo(org.ID), Milestone: capsule.RefTo(open.ID),
		Tracks: []capsule.TrackApplication{capsule.ApplyTrack(def.ID)},
	})
	require.NoError(t, err)
	listed, _, err = c.Tracks.ForOpportunity(ctx, opp2.ID, nil)
	require.NoError(t, err)
	require.Len(t, listed, 1)
	assert.Equal(t, capsule.DateOf(srv.Now()), listed[0].TrackDateOn, "the date defaults to today")
}

func TestIntegrationActivity_NoteWithAttachment(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	srv, c := startFake(t, 10, nil)
	srv.SetNow(integrationNow)
	org := newOrganisation(t, c, "Noted Ltd")

	data := make([]byte, 200<<10)
	_, _ = rand.Read(data)
	token, resp, err := c.Attachments.Upload(ctx, "quarterly report (final).pdf", "application/pdf", bytes.NewReader(data))
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	require.NotEmpty(t, token)
	upload := srv.Requests()[len(srv.Requests())-1]
	assert.Len(t, upload.Body, 64<<10, "the log keeps the first 64 KiB")
	assert.True(t, bytes.HasPrefix(data, upload.Body), "the body is the file's raw bytes")
	assert.Equal(t, "application/pdf", upload.Header.Get("Content-Type"))

	note, resp, err := c.Entries.Create(ctx, &capsule.EntryInput{
		Content:     capsule.Set("Report attached"),
		Party:       capsule.RefTo(org.ID),
		Attachments: []capsule.AttachmentChange{capsule.AttachUpload(token)},
	})
	require.NoError(t, err)
	assert.Equal(t, http.StatusCreated, resp.StatusCode)
	assert.Equal(t, capsule.EntryNote, note.Type)
	assert.Equal(t, "Report attached", *note.Content)
	assert.Equal(t, integrationNow, note.EntryAt)
	assert.Equal(t, &capsule.NamedRef{ID: capsule.ActivityTypeNote, Name: "Note"}, note.ActivityType)
	require.Len(t, note.Attachments, 1)
	att := note.Attachments[0]
	assert.Equal(t, "quarterly report (final).pdf", att.Filename)
	assert.Equal(t, "application/pdf", att.ContentType)
	assert.Equal(t, int64(len(data)), att.Size)

	var buf bytes.Buffer
	resp, err = c.Attachments.Download(ctx, att.ID, &buf)
	require.NoError(t, err)
	assert.Equal(t, data, buf.Bytes(), "the download is the upload")
	assert.Equal(t, "application/pdf", resp.Header.Get("Content-Type"))
	assert.Contains(t, resp.Header.Get("Content-Disposition"), "quarterly")

	// A token is claimed once.
	_, _, err = c.Entries.Create(ctx, &capsule.EntryInput{Content: capsule.Set("Again"), Party: capsule.RefTo(org.ID), Attachments: []capsule.AttachmentChange{capsule.AttachUpload(token)}})
	require.ErrorIs(t, err, capsule.ErrValidation)

	// Entries of the party, newest first; a backdated note sorts by entryAt.
	srv.Advance(time.Hour)
	call, _, err := c.Entries.Create(ctx, &capsule.EntryInput{
		Content: capsule.Set("Spoke to them"), Party: capsule.RefTo(org.ID), ActivityType: capsule.RefTo(capsule.ActivityTypeCall),
	})
	require.NoError(t, err)
	assert.Equal(t, capsule.ActivityTypeCall, call.ActivityType.ID)
	old, _, err := c.Entries.Create(ctx, &capsule.EntryInput{
		Content: capsule.Set("Met at a fair"), Party: capsule.RefTo(org.ID), EntryAt: capsule.Set(integrationNow.Add(-30 * 24 * time.Hour)),
	})
	require.NoError(t, err)
	entries, err := capsule.Collect(c.Entries.ForPartyIter(ctx, org.ID, &capsule.ListOptions{Embed: []string{"creator"}}))
	require.NoError(t, err)
	assert.Equal(t, []int64{call.ID, note.ID, old.ID}, entryIDs(entries))
	for _, e := range entries {
		assert.Equal(t, org.ID, e.Party.ID)
		require.NotNil(t, e.Creator)
	}
	page, _, err := c.Entries.ForParty(ctx, org.ID, &capsule.ListOptions{PerPage: 2})
	require.NoError(t, err)
	assert.Equal(t, []int64{call.ID, note.ID}, entryIDs(page))
	_, _, err = c.Entries.ForParty(ctx, org.ID, &capsule.ListOptions{PerPage: 100})
	require.ErrorIs(t, err, capsule.ErrValidation, "a record's entries come 50 a page at most")
	all, err := capsule.Collect(c.Entries.ReadIter(ctx, nil))
	require.NoError(t, err)
	assert.Subset(t, entryIDs(all), []int64{call.ID, note.ID, old.ID})

	// Update the note: new text, the attachment removed.
	upd, _, err := c.Entries.Update(ctx, note.ID, &capsule.EntryInput{Content: capsule.Set("Report withdrawn"), Attachments: []capsule.AttachmentChange{capsule.RemoveAttachment(att.ID)}})
	require.NoError(t, err)
	assert.Equal(t, "Report withdrawn", *upd.Content)
	assert.Empty(t, upd.Attachments)
	_, err = c.Attachments.Download(ctx, att.ID, &buf)
	require.ErrorIs(t, err, capsule.ErrNotFound)

	// Refused before sending: an email, no parent, two parents.
	before := len(srv.Requests())
	_, _, err = c.Entries.Create(ctx, &capsule.EntryInput{Type: capsule.Set(capsule.EntryEmail), Content: capsule.Set("x"), Party: capsule.RefTo(org.ID)})
	require.ErrorIs(t, err, capsule.ErrInvalidArgument)
	_, _, err = c.Entries.Create(ctx, &capsule.EntryInput{Content: capsule.Set("x")})
	require.ErrorIs(t, err, capsule.ErrInvalidArgument)
	_, _, err = c.Entries.Create(ctx, &capsule.EntryInput{Content: capsule.Set("x"), Party: capsule.RefTo(org.ID), Kase: capsule.RefTo(1)})
	require.ErrorIs(t, err, capsule.ErrInvalidArgument)
	assert.Len(t, srv.Requests(), before)

	// Delete an entry; deleting the party deletes the rest.
	_, err = c.Entries.Delete(ctx, old.ID)
	require.NoError(t, err)
	_, _, err = c.Entries.ReadSingle(ctx, old.ID, nil)
	require.ErrorIs(t, err, capsule.ErrNotFound)
	_, err = c.Parties.Delete(ctx, org.ID)
	require.NoError(t, err)
	_, _, err = c.Entries.ReadSingle(ctx, call.ID, nil)
	require.ErrorIs(t, err, capsule.ErrNotFound)
	all, err = capsule.Collect(c.Entries.ReadIter(ctx, nil))
	require.NoError(t, err)
	assert.False(t, slices.Contains(entryIDs(all), note.ID))
}

// REST hook deliveries from the fake, received by the SDK's WebhookHandler.
func TestIntegrationActivity_Webhooks(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	srv, c := startHookFake(t, 5, nil)

	var mu sync.Mutex
	got := map[capsule.HookEvent][]*capsule.WebhookEvent{}
	record := func(_ context.Context, e *capsule.WebhookEvent) error {
		mu.Lock()
		defer mu.Unlock()
		got[e.Event] = append(got[e.Event], e)
		return nil
	}
	h := capsule.NewWebhookHandler().
		On(record, capsule.EventPartyCreated, capsule.EventOpportunityClosed, capsule.EventKaseUpdated, capsule.EventTaskCompleted).
		OnOther(func(context.Context, *capsule.WebhookEvent) error { return capsule.ErrHookGone })
	receiver := httptest.NewServer(h)
	t.Cleanup(receiver.Close)

	hookIDs := map[capsule.HookEvent]int64{}
	for _, ev := range []capsule.HookEvent{capsule.EventPartyCreated, capsule.EventOpportunityClosed, capsule.EventKaseUpdated, capsule.EventTaskCompleted, capsule.EventPartyUpdated} {
		hook, _, err := c.RestHooks.Subscribe(ctx, &capsule.RestHookInput{
			Event: capsule.Set(ev), TargetURL: capsule.Set(receiver.URL + "/hooks"), Embed: capsule.Set("tags,fields"),
		})
		require.NoError(t, err)
		hookIDs[ev] = hook.ID
	}

	org, _, err := c.Parties.Create(ctx, &capsule.PartyInput{
		Type: capsule.Set(capsule.PartyOrganisation), Name: capsule.Set("Hooked Ltd"), Tags: []capsule.TagChange{capsule.AddTag("Hooked")},
	})
	require.NoError(t, err)
	open, won := salesMilestones(t, c)
	opp, _, err := c.Opportunities.Create(ctx, &capsule.OpportunityInput{Name: capsule.Set("Hooked deal"), Party: capsule.RefTo(org.ID), Milestone: capsule.RefTo(open.ID)})
	require.NoError(t, err)
	_, _, err = c.Opportunities.Update(ctx, opp.ID, &capsule.OpportunityInput{Milestone: capsule.RefTo(won.ID)})
	require.NoError(t, err)
	k, _, err := c.Kases.Create(ctx, &capsule.KaseInput{Name: capsule.Set("Hooked project"), Party: capsule.RefTo(org.ID)})
	require.NoError(t, err)
	_, _, err = c.Kases.Update(ctx, k.ID, &capsule.KaseInput{Description: capsule.Set("changed")})
	require.NoError(t, err)
	task, _, err := c.Tasks.Create(ctx, &capsule.TaskInput{Description: capsule.Set("Hooked task"), DueOn: capsule.Set(capsule.NewDate(2025, 7, 1)), Party: capsule.RefTo(org.ID)})
	require.NoError(t, err)
	_, _, err = c.Tasks.Complete(ctx, task.ID)
	require.NoError(t, err)
	_, _, err = c.Parties.Update(ctx, org.ID, &capsule.PartyInput{About: capsule.Set("unwanted event")})
	require.NoError(t, err)
	require.True(t, srv.WaitDeliveries(5*time.Second))

	for _, d := range srv.Deliveries() {
		if d.Event == string(capsule.EventPartyUpdated) {
			assert.Equal(t, http.StatusGone, d.Status)
			assert.True(t, d.Removed, "410 Gone removes the hook")
		} else {
			assert.True(t, d.OK(), "%s: status %d %s", d.Event, d.Status, d.Err)
		}
	}
	_, _, err = c.RestHooks.ReadSingle(ctx, hookIDs[capsule.EventPartyUpdated])
	require.ErrorIs(t, err, capsule.ErrNotFound)

	mu.Lock()
	defer mu.Unlock()
	require.Len(t, got[capsule.EventPartyCreated], 1)
	parties := got[capsule.EventPartyCreated][0].Parties
	require.Len(t, parties, 1)
	assert.Equal(t, org.ID, parties[0].ID)
	assert.Equal(t, "Hooked Ltd", parties[0].Name)
	assert.Equal(t, []string{"Hooked"}, tagNames(parties[0].Tags), "the hook's embed applies")
	assert.NotNil(t, parties[0].Fields)

	require.Len(t, got[capsule.EventOpportunityClosed], 1)
	closed := got[capsule.EventOpportunityClosed][0].Opportunities
	require.Len(t, closed, 1)
	assert.Equal(t, opp.ID, closed[0].ID)
	assert.Equal(t, won.ID, closed[0].Milestone.ID)
	assert.NotNil(t, closed[0].ClosedOn)

	require.NotEmpty(t, got[capsule.EventKaseUpdated])
	kases := got[capsule.EventKaseUpdated][len(got[capsule.EventKaseUpdated])-1].Kases
	require.Len(t, kases, 1)
	assert.Equal(t, "changed", *kases[0].Description)

	require.Len(t, got[capsule.EventTaskCompleted], 1)
	tasks := got[capsule.EventTaskCompleted][0].Tasks
	require.Len(t, tasks, 1)
	assert.Equal(t, task.ID, tasks[0].ID)
	assert.Equal(t, capsule.TaskStatusCompleted, tasks[0].Status)
	assert.Equal(t, org.ID, tasks[0].Party.ID)
}
