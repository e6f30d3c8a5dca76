package capsule

import (
	"fmt"
	"net/http"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func wantTrackShow() *Track {
	return &Track{
		ID:          55,
		Description: "Sales follow-up",
		TrackDateOn: NewDate(2026, time.February, 1),
		Direction:   TrackStartDate,
		Tasks: []*Task{
			{ID: 100, Description: "Call back about renewal"},
			{ID: 101, Description: "Send the quote"},
		},
	}
}

func TestTracksReadSingle(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /tracks/{id}", func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "55", r.PathValue("id"))
		testQuery(t, r, url.Values{"embed": {"task"}})
		writeJSON(t, w, http.StatusOK, string(fixture(t, "tracks/show.json")))
	})
	got, _, err := c.Tracks.ReadSingle(t.Context(), 55, &ReadOptions{Embed: []string{"task"}})
	require.NoError(t, err)
	assert.Equal(t, wantTrackShow(), got)
}

func wantTrackList(t *testing.T) []*Track {
	return []*Track{{
		ID:          56,
		Description: "Project close-out",
		TrackDateOn: NewDate(2026, time.June, 30),
		Direction:   TrackEndDate,
		Tasks: []*Task{{
			ID: 301, Description: "Final invoice", DueOn: datePtr(2026, time.June, 23), Status: TaskStatusOpen,
			Kase:  &Kase{ID: 41, Name: "Onboarding"},
			Owner: &UserRef{ID: 6, Username: "jdoe", Name: "Jane Doe"}, HasTrack: true,
			TaskDelayRule: Ptr(DaysAfterEndDate), DaysAfter: Ptr(7), TaskDayDelayRule: Ptr(DayDelayDays),
			CreatedAt: ts(t, "2026-01-10T09:00:00Z"), UpdatedAt: ts(t, "2026-01-10T09:00:00Z"),
		}},
	}}
}

func TestTracksForOpportunityAndKase(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	for _, entity := range []string{"opportunities", "kases"} {
		mux.HandleFunc("GET /"+entity+"/{id}/tracks", func(w http.ResponseWriter, r *http.Request) {
			assert.Equal(t, "31", r.PathValue("id"))
			testQuery(t, r, url.Values{"embed": {"task"}, "page": {"2"}, "perPage": {"10"}})
			writeJSON(t, w, http.StatusOK, string(fixture(t, "tracks/list_embedded.json")))
		})
	}
	opts := &ListOptions{Page: 2, PerPage: 10, Embed: []string{"task"}}
	got, _, err := c.Tracks.ForOpportunity(t.Context(), 31, opts)
	require.NoError(t, err)
	assert.Equal(t, wantTrackList(t), got)
	got, _, err = c.Tracks.ForKase(t.Context(), 31, opts)
	require.NoError(t, err)
	assert.Equal(t, wantTrackList(t), got)
}

func TestTracksForRecordIter(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	var calls atomic.Int32
	handler := func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		page := r.URL.Query().Get("page")
		testQuery(t, r, url.Values{"page": {page}, "perPage": {"100"}, "embed": {"task"}})
		if page == "1" {
			w.Header().Set("Link", fmt.Sprintf(`<https://api.capsulecrm.com/api/v2%s?page=2>; rel="next"`, r.URL.Path))
			writeJSON(t, w, http.StatusOK, `{"tracks":[{"id":1,"trackDateOn":"2026-01-01"}]}`)
			return
		}
		writeJSON(t, w, http.StatusOK, `{"tracks":[{"id":2,"trackDateOn":"2026-01-02"}]}`)
	}
	mux.HandleFunc("GET /opportunities/7/tracks", handler)
	mux.HandleFunc("GET /kases/8/tracks", handler)
	opts := &ListOptions{Embed: []string{"task"}}

	got, err := Collect(c.Tracks.ForOpportunityIter(t.Context(), 7, opts))
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, NewDate(2026, time.January, 2), got[1].TrackDateOn)
	got, err = Collect(c.Tracks.ForKaseIter(t.Context(), 8, opts))
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, int32(4), calls.Load())
}

func TestTracksApply(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	var bodies atomic.Int32
	mux.HandleFunc("POST /tracks", func(w http.ResponseWriter, r *http.Request) {
		switch bodies.Add(1) {
		case 1:
			testJSONBody(t, r, `{"track":{"definition":3,"opportunity":31,"trackDateOn":"2026-02-01","description":"Sales follow-up"}}`)
		case 2:
			testJSONBody(t, r, `{"track":{"definition":4,"kase":41,"trackDateOn":"2026-06-30"}}`)
		}
		w.Header().Set("Location", "https://api.capsulecrm.com/api/v2/tracks/55")
		writeJSON(t, w, http.StatusCreated, string(fixture(t, "tracks/show.json")))
	})
	got, resp, err := c.Tracks.Apply(t.Context(), TrackApply{
		Definition: 3, Opportunity: 31, TrackDateOn: NewDate(2026, time.February, 1), Description: "Sales follow-up",
	})
	require.NoError(t, err)
	assert.Equal(t, http.StatusCreated, resp.StatusCode)
	assert.Equal(t, wantTrackShow(), got)

	_, _, err = c.Tracks.Apply(t.Context(), TrackApply{Definition: 4, Kase: 41, TrackDateOn: NewDate(2026, time.June, 30)})
	require.NoError(t, err)
	assert.Equal(t, int32(2), bodies.Load())
}

func TestTracksUpdate(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	var calls atomic.Int32
	mux.HandleFunc("PUT /tracks/{id}", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodPut)
		assert.Equal(t, "55", r.PathValue("id"))
		switch calls.Add(1) {
		case 1:
			// The envelope is "track" (never "task").
			testJSONBody(t, r, `{"track":{"description":"Renamed","trackDateOn":"2026-03-01"}}`)
		case 2:
			testJSONBody(t, r, `{"track":{"description":null}}`)
		}
		writeJSON(t, w, http.StatusOK, string(fixture(t, "tracks/show.json")))
	})
	got, _, err := c.Tracks.Update(t.Context(), 55, TrackUpdate{
		Description: Set("Renamed"), TrackDateOn: Set(NewDate(2026, time.March, 1)),
	})
	require.NoError(t, err)
	assert.Equal(t, wantTrackShow(), got)
	_, _, err = c.Tracks.Update(t.Context(), 55, TrackUpdate{Description: Null[string]()})
	require.NoError(t, err)
	assert.Equal(t, int32(2), calls.Load())
}

func TestTracksErrors(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("POST /tracks", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(t, w, http.StatusUnprocessableEntity,
			`{"message":"Validation Failed","errors":[{"message":"definition is not valid for this entity","resource":"track","field":"definition"}]}`)
	})
	mux.HandleFunc("GET /tracks/9", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(t, w, http.StatusNotFound, `{"message":"Could not find resource"}`)
	})
	_, _, err := c.Tracks.Apply(t.Context(), TrackApply{Definition: 3, Kase: 1, TrackDateOn: NewDate(2026, 1, 1)})
	require.ErrorIs(t, err, ErrValidation)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, []FieldError{{Message: "definition is not valid for this entity", Resource: "track", Field: "definition"}}, apiErr.Errors)
	_, _, err = c.Tracks.ReadSingle(t.Context(), 9, nil)
	assert.ErrorIs(t, err, ErrNotFound)
}

func TestTracksInvalidArguments(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	n := refuseRequests(t, mux)
	ctx := t.Context()
	day := NewDate(2026, time.January, 1)
	apply := func(a TrackApply) func() error {
		return func() error { _, _, err := c.Tracks.Apply(ctx, a); return err }
	}
	cases := map[string]func() error{
		"apply no definition":  apply(TrackApply{Opportunity: 1, TrackDateOn: day}),
		"apply no record":      apply(TrackApply{Definition: 1, TrackDateOn: day}),
		"apply both records":   apply(TrackApply{Definition: 1, Opportunity: 1, Kase: 2, TrackDateOn: day}),
		"apply negative kase":  apply(TrackApply{Definition: 1, Opportunity: 1, Kase: -2, TrackDateOn: day}),
		"apply no date":        apply(TrackApply{Definition: 1, Kase: 2}),
		"update null date":     func() error { _, _, err := c.Tracks.Update(ctx, 1, TrackUpdate{TrackDateOn: Null[Date]()}); return err },
		"update id zero":       func() error { _, _, err := c.Tracks.Update(ctx, 0, TrackUpdate{Description: Set("x")}); return err },
		"read id zero":         func() error { _, _, err := c.Tracks.ReadSingle(ctx, 0, nil); return err },
		"delete id zero":       func() error { _, err := c.Tracks.Delete(ctx, 0); return err },
		"for opportunity zero": func() error { _, _, err := c.Tracks.ForOpportunity(ctx, 0, nil); return err },
		"for kase negative":    func() error { _, _, err := c.Tracks.ForKase(ctx, -4, nil); return err },
		"for opportunity iter": func() error { _, err := Collect(c.Tracks.ForOpportunityIter(ctx, 0, nil)); return err },
		"for kase iter":        func() error { _, err := Collect(c.Tracks.ForKaseIter(ctx, 0, nil)); return err },
	}
	for name, call := range cases {
		assert.ErrorIs(t, call(), ErrInvalidArgument, name)
	}
	assert.Zero(t, n.Load())
}

func TestTrackInputsMarshal(t *testing.T) {
	t.Parallel()
	// Apply sends the definition and the record as bare ids.
	testJSONMarshal(t, TrackApply{Definition: 3, Kase: 4, TrackDateOn: NewDate(2016, time.January, 1), Description: "d"},
		`{"definition":3,"kase":4,"trackDateOn":"2016-01-01","description":"d"}`)
	testJSONMarshal(t, TrackUpdate{}, `{}`)
	testJSONMarshal(t, TrackUpdate{Description: Set("")}, `{"description":""}`)
	testJSONMarshal(t, TrackUpdate{TrackDateOn: Set(NewDate(2026, time.May, 4))}, `{"trackDateOn":"2026-05-04"}`)
}

func wantTrackDefinition(t *testing.T) *TrackDefinition {
	return &TrackDefinition{
		ID:          3,
		Description: "Sales follow-up",
		Tag:         Ptr("follow-up,sales"),
		CaptureRule: CaptureOpportunity,
		Direction:   TrackStartDate,
		CreatedAt:   ts(t, "2025-11-01T10:00:00Z"),
		UpdatedAt:   ts(t, "2025-11-02T11:00:00Z"),
		TaskDefinitions: []TrackTaskDefinition{
			{
				ID: 31, Description: "Call back", DaysAfterRule: DaysAfterTrackStart, DaysAfter: 1, DisplayOrder: 0,
				DayDelayRule: DayDelayWorkdays, Category: &CategoryRef{ID: 7, Name: "Call", Colour: "#f39c12"},
				Assignee:  &TrackTaskAssignee{AssigneeType: AssigneeEntityOwner},
				CreatedAt: tsp(t, "2025-11-01T10:00:00Z"), UpdatedAt: tsp(t, "2025-11-01T10:00:00Z"),
			},
			{
				ID: 32, Description: "Send the quote", DaysAfterRule: DaysAfterLastTask, DaysAfter: 2, DisplayOrder: 1,
				DayDelayRule: DayDelayWeeks,
				Assignee:     &TrackTaskAssignee{AssigneeType: "USER", Owner: &UserRef{ID: 6, Username: "jdoe", Name: "Jane Doe"}},
			},
		},
	}
}

func TestTrackDefinitionsReadSingle(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /trackdefinitions/{id}", func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "3", r.PathValue("id"))
		testQuery(t, r, nil)
		writeJSON(t, w, http.StatusOK, string(fixture(t, "trackdefinitions/show.json")))
	})
	got, _, err := c.TrackDefinitions.ReadSingle(t.Context(), 3)
	require.NoError(t, err)
	assert.Equal(t, wantTrackDefinition(t), got)
}

func TestTrackDefinitionsRead(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /trackdefinitions", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{"type": {"kases"}, "page": {"1"}, "perPage": {"2"}})
		writeJSON(t, w, http.StatusOK, string(fixture(t, "trackdefinitions/list.json")))
	})
	got, _, err := c.TrackDefinitions.Read(t.Context(), &TrackDefinitionListOptions{
		ListOptions: ListOptions{Page: 1, PerPage: 2}, Type: "kases",
	})
	require.NoError(t, err)
	want := []*TrackDefinition{
		{ID: 3, Description: "Sales follow-up", CaptureRule: CaptureOpportunity, Direction: TrackStartDate,
			CreatedAt: ts(t, "2025-11-01T10:00:00Z"), UpdatedAt: ts(t, "2025-11-02T11:00:00Z"),
			TaskDefinitions: []TrackTaskDefinition{}},
		{ID: 4, Description: "Project close-out", Tag: Ptr("projects"), CaptureRule: CaptureKase, Direction: TrackEndDate,
			CreatedAt: ts(t, "2025-11-03T10:00:00Z"), UpdatedAt: ts(t, "2025-11-03T10:00:00Z"),
			TaskDefinitions: []TrackTaskDefinition{}},
	}
	assert.Equal(t, want, got)
}

func TestTrackDefinitionsReadIter(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	var calls atomic.Int32
	mux.HandleFunc("GET /trackdefinitions", func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		testQuery(t, r, url.Values{"type": {"opportunities"}, "page": {fmt.Sprint(n)}, "perPage": {"100"}})
		if n == 1 {
			w.Header().Set("Link", `<https://api.capsulecrm.com/api/v2/trackdefinitions?page=2>; rel="next"`)
		}
		writeJSON(t, w, http.StatusOK, fmt.Sprintf(`{"trackDefinitions":[{"id":%d}]}`, n))
	})
	got, err := Collect(c.TrackDefinitions.ReadIter(t.Context(), &TrackDefinitionListOptions{Type: "opportunities"}))
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, int64(2), got[1].ID)

	// No options: no type, iterator page size.
	c2, mux2 := setup(t)
	mux2.HandleFunc("GET /trackdefinitions", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{"page": {"1"}, "perPage": {"100"}})
		writeJSON(t, w, http.StatusOK, `{"trackDefinitions":[]}`)
	})
	got, err = Collect(c2.TrackDefinitions.ReadIter(t.Context(), nil))
	require.NoError(t, err)
	assert.Empty(t, got)
}

func TestTrackDefinitionsCreate(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("POST /trackdefinitions", func(w http.ResponseWriter, r *http.Request) {
		testJSONBody(t, r, `{"trackDefinition":{
			"description":"Sales follow-up","captureRule":"OPPORTUNITY","direction":"START_DATE","tag":"follow-up,sales",
			"taskDefinitions":[
				{"description":"Call back","daysAfterRule":"TRACK_START","daysAfter":1,"dayDelayRule":"TRACK_WORKDAYS",
				 "displayOrder":0,"category":{"id":7},"trackTaskAssignee":{"assigneeType":"ENTITY_OWNER"}},
				{"description":"Send the quote","daysAfterRule":"LAST_TASK","daysAfter":2,"dayDelayRule":"TRACK_WEEKS",
				 "trackTaskAssignee":{"assigneeType":"USER","owner":{"id":6}}}
			]}}`)
		writeJSON(t, w, http.StatusCreated, string(fixture(t, "trackdefinitions/show.json")))
	})
	got, _, err := c.TrackDefinitions.Create(t.Context(), &TrackDefinitionInput{
		Description: Set("Sales follow-up"),
		CaptureRule: Set(CaptureOpportunity),
		Direction:   Set(TrackStartDate),
		Tag:         Set("follow-up,sales"),
		TaskDefinitions: []TaskDefinitionChange{
			AddTaskDefinition(TrackTaskDefinitionInput{
				Description: Set("Call back"), DaysAfterRule: Set(DaysAfterTrackStart), DaysAfter: Set(1),
				DayDelayRule: Set(DayDelayWorkdays), DisplayOrder: Set(0), Category: RefTo(7),
				Assignee: Set(TrackTaskAssigneeInput{AssigneeType: AssigneeEntityOwner}),
			}),
			AddTaskDefinition(TrackTaskDefinitionInput{
				Description: Set("Send the quote"), DaysAfterRule: Set(DaysAfterLastTask), DaysAfter: Set(2),
				DayDelayRule: Set(DayDelayWeeks),
				Assignee:     Set(TrackTaskAssigneeInput{AssigneeType: "USER", Owner: &Ref{ID: 6}}),
			}),
		},
	})
	require.NoError(t, err)
	assert.Equal(t, wantTrackDefinition(t), got)
}

func TestTrackDefinitionsUpdate(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("PUT /trackdefinitions/{id}", func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "3", r.PathValue("id"))
		testJSONBody(t, r, `{"trackDefinition":{"tag":null,"taskDefinitions":[
			{"description":"New step","daysAfterRule":"LAST_TASK","daysAfter":5,"dayDelayRule":"TRACK_DAYS"},
			{"id":31,"daysAfter":3,"category":null},
			{"id":32,"_delete":true}
		]}}`)
		writeJSON(t, w, http.StatusOK, string(fixture(t, "trackdefinitions/show.json")))
	})
	got, _, err := c.TrackDefinitions.Update(t.Context(), 3, &TrackDefinitionInput{
		Tag: Null[string](),
		TaskDefinitions: []TaskDefinitionChange{
			AddTaskDefinition(TrackTaskDefinitionInput{
				Description: Set("New step"), DaysAfterRule: Set(DaysAfterLastTask), DaysAfter: Set(5), DayDelayRule: Set(DayDelayDays),
			}),
			ChangeTaskDefinition(31, TrackTaskDefinitionInput{DaysAfter: Set(3), Category: Null[Ref]()}),
			RemoveTaskDefinition(32),
		},
	})
	require.NoError(t, err)
	assert.Equal(t, int64(3), got.ID)
}

func TestTrackDefinitionsErrors(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /trackdefinitions/{id}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(t, w, http.StatusNotFound, `{"message":"Could not find resource"}`)
	})
	mux.HandleFunc("POST /trackdefinitions", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(t, w, http.StatusUnprocessableEntity,
			`{"message":"Validation Failed","errors":[{"message":"description is required","resource":"trackDefinition","field":"description"}]}`)
	})
	_, _, err := c.TrackDefinitions.ReadSingle(t.Context(), 77)
	assert.ErrorIs(t, err, ErrNotFound)
	_, _, err = c.TrackDefinitions.Create(t.Context(), &TrackDefinitionInput{})
	require.ErrorIs(t, err, ErrValidation)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "description", apiErr.Errors[0].Field)
}

func TestTrackDefinitionsInvalidArguments(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	n := refuseRequests(t, mux)
	ctx := t.Context()
	withChange := func(ch TaskDefinitionChange) *TrackDefinitionInput {
		return &TrackDefinitionInput{TaskDefinitions: []TaskDefinitionChange{ch}}
	}
	cases := map[string]func() error{
		"create nil":     func() error { _, _, err := c.TrackDefinitions.Create(ctx, nil); return err },
		"update nil":     func() error { _, _, err := c.TrackDefinitions.Update(ctx, 1, nil); return err },
		"update id zero": func() error { _, _, err := c.TrackDefinitions.Update(ctx, 0, &TrackDefinitionInput{}); return err },
		"remove without id": func() error {
			_, _, err := c.TrackDefinitions.Update(ctx, 1, withChange(RemoveTaskDefinition(0)))
			return err
		},
		"change negative id": func() error {
			_, _, err := c.TrackDefinitions.Update(ctx, 1, withChange(ChangeTaskDefinition(-1, TrackTaskDefinitionInput{})))
			return err
		},
		"category id zero": func() error {
			_, _, err := c.TrackDefinitions.Create(ctx, withChange(AddTaskDefinition(TrackTaskDefinitionInput{Category: RefTo(0)})))
			return err
		},
		"read single id zero": func() error { _, _, err := c.TrackDefinitions.ReadSingle(ctx, 0); return err },
		"delete id negative":  func() error { _, err := c.TrackDefinitions.Delete(ctx, -1); return err },
	}
	for name, call := range cases {
		assert.ErrorIs(t, call(), ErrInvalidArgument, name)
	}
	assert.Zero(t, n.Load())
}

func TestTrackDefinitionInputMarshal(t *testing.T) {
	t.Parallel()
	testJSONMarshal(t, TrackDefinitionInput{}, `{}`)
	testJSONMarshal(t, TrackDefinitionInput{Description: Set(""), Tag: Null[string](), TaskDefinitions: []TaskDefinitionChange{}},
		`{"description":"","tag":null}`)
	testJSONMarshal(t, AddTaskDefinition(TrackTaskDefinitionInput{DaysAfter: Set(0), DisplayOrder: Null[int]()}),
		`{"daysAfter":0,"displayOrder":null}`)
	testJSONMarshal(t, ChangeTaskDefinition(9, TrackTaskDefinitionInput{Description: Set("x")}), `{"id":9,"description":"x"}`)
	testJSONMarshal(t, RemoveTaskDefinition(9), `{"id":9,"_delete":true}`)
	testJSONMarshal(t, TrackTaskDefinitionInput{Assignee: Null[TrackTaskAssigneeInput]()}, `{"trackTaskAssignee":null}`)
}
