package capsule

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func datePtr(y int, m time.Month, d int) *Date {
	v := NewDate(y, m, d)
	return &v
}

func TestTasksReadSingle(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /tasks/{id}", func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "100", r.PathValue("id"))
		testQuery(t, r, url.Values{"embed": {"party,nextTask"}})
		writeJSON(t, w, http.StatusOK, string(fixture(t, "tasks/show.json")))
	})

	got, resp, err := c.Tasks.ReadSingle(t.Context(), 100, &ReadOptions{Embed: []string{"party", "nextTask"}})
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	want := &Task{
		ID:          100,
		Description: "Call back about renewal",
		Detail:      Ptr("Ask about the 2026 budget"),
		Category:    &CategoryRef{ID: 7, Name: "Call", Colour: "#f39c12"},
		DueOn:       datePtr(2026, time.March, 15),
		DueTime:     &TimeOfDay{Hour: 9, Minute: 30},
		Status:      TaskStatusCompleted,
		Party: &Party{ID: 11, Type: "person", FirstName: Ptr("Ada"), LastName: Ptr("Lovelace"),
			PictureURL: "https://capsulecrm.com/theme/default/images/person_avatar_70.png"},
		Owner:                 &UserRef{ID: 6, Username: "jdoe", Name: "Jane Doe"},
		CompletedBy:           Ptr("jdoe"),
		CompletedAt:           tsp(t, "2026-03-15T10:02:03Z"),
		HasTrack:              true,
		NextTask:              &TaskRef{ID: 101, Description: "Send the quote"},
		TaskDelayRule:         Ptr(DaysAfterLastTask),
		DaysAfter:             Ptr(3),
		TaskDayDelayRule:      Ptr(DayDelayWorkdays),
		Repeat:                &TaskRepeat{Frequency: RepeatMonthly, Interval: 3, On: "1"},
		Active:                Ptr(false),
		OverrideToCurrentUser: Ptr(true),
		CreatedAt:             ts(t, "2026-01-02T08:00:00Z"),
		UpdatedAt:             ts(t, "2026-03-15T10:02:03Z"),
	}
	assert.Equal(t, want, got)
}

// The task is unwrapped from "task", even when the body also has a "kase"
// key (the integration description wrongly unwrapped "kase").
func TestTasksReadSingleUnwrapsTaskNotKase(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /tasks/5", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(t, w, http.StatusOK, `{"kase":{"id":41,"description":"wrong"},"task":{"id":5,"description":"right","status":"OPEN","kase":{"id":41,"name":"Onboarding"}}}`)
	})
	got, _, err := c.Tasks.ReadSingle(t.Context(), 5, nil)
	require.NoError(t, err)
	assert.Equal(t, int64(5), got.ID)
	assert.Equal(t, "right", got.Description)
	assert.Equal(t, &Kase{ID: 41, Name: "Onboarding"}, got.Kase)

	// A body without "task" is an error naming the key.
	mux.HandleFunc("GET /tasks/6", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(t, w, http.StatusOK, `{"kase":{"id":6}}`)
	})
	_, _, err = c.Tasks.ReadSingle(t.Context(), 6, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"task"`)
}

func wantTaskList(t *testing.T) []*Task {
	return []*Task{
		{
			ID: 201, Description: "Weekly check-in", DueOn: datePtr(2026, time.April, 6), Status: TaskStatusOpen,
			Opportunity: &Opportunity{ID: 31, Name: "Big deal"},
			Owner:       &UserRef{ID: 6, Username: "jdoe", Name: "Jane Doe"},
			Repeat:      &TaskRepeat{Frequency: RepeatWeekly, Interval: 1, On: "2"},
			CreatedAt:   ts(t, "2026-01-05T12:00:00Z"), UpdatedAt: ts(t, "2026-01-05T12:00:00Z"),
		},
		{
			ID: 202, Description: "Project kickoff", DueOn: datePtr(2026, time.April, 7), Status: TaskStatusPending,
			Kase:      &Kase{ID: 41, Name: "Onboarding"},
			Owner:     &UserRef{ID: 7, Username: "asmith", Name: "Al Smith"},
			HasTrack:  true,
			CreatedAt: ts(t, "2026-01-06T12:00:00Z"), UpdatedAt: ts(t, "2026-01-07T12:00:00Z"),
		},
	}
}

func TestTasksRead(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /tasks", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{
			"page": {"2"}, "perPage": {"25"}, "embed": {"owner,party"},
			"status": {"open,completed,pending"}, "since": {"2026-01-01T09:00:00Z"},
		})
		writeJSON(t, w, http.StatusOK, string(fixture(t, "tasks/list.json")))
	})
	since := time.Date(2026, time.January, 1, 10, 0, 0, 0, time.FixedZone("CET", 3600))
	got, _, err := c.Tasks.Read(t.Context(), &TaskListOptions{
		ListOptions: ListOptions{Page: 2, PerPage: 25, Since: since, Embed: []string{"owner", "party"}},
		Status:      []TaskStatus{TaskStatusOpen, TaskStatusCompleted, TaskStatusPending},
	})
	require.NoError(t, err)
	assert.Equal(t, wantTaskList(t), got)
}

func TestTasksReadNoOptions(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /tasks", func(w http.ResponseWriter, r *http.Request) {
		assert.Empty(t, r.URL.RawQuery)
		writeJSON(t, w, http.StatusOK, `{"tasks":[]}`)
	})
	got, _, err := c.Tasks.Read(t.Context(), nil)
	require.NoError(t, err)
	assert.Empty(t, got)
}

func TestTasksReadIter(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	var calls atomic.Int32
	mux.HandleFunc("GET /tasks", func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		testQuery(t, r, url.Values{"page": {fmt.Sprint(n)}, "perPage": {"100"}, "status": {"completed"}})
		if n == 1 {
			w.Header().Set("Link", `<https://api.capsulecrm.com/api/v2/tasks?page=2>; rel="next"`)
			writeJSON(t, w, http.StatusOK, `{"tasks":[{"id":1,"description":"a","status":"COMPLETED"}]}`)
			return
		}
		writeJSON(t, w, http.StatusOK, `{"tasks":[{"id":2,"description":"b","status":"COMPLETED"}]}`)
	})
	opts := &TaskListOptions{Status: []TaskStatus{TaskStatusCompleted}}
	got, err := Collect(c.Tasks.ReadIter(t.Context(), opts))
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, []int64{1, 2}, []int64{got[0].ID, got[1].ID})
	assert.Equal(t, int32(2), calls.Load())
}

func TestTasksReadMultiple(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	var paths []string
	mux.HandleFunc("GET /tasks/{ids}", func(w http.ResponseWriter, r *http.Request) {
		paths = append(paths, r.PathValue("ids"))
		testQuery(t, r, url.Values{"embed": {"owner"}})
		ids := strings.Split(r.PathValue("ids"), ",")
		// Answer in reverse order: the SDK restores the caller's order.
		var items []string
		for i := len(ids) - 1; i >= 0; i-- {
			items = append(items, fmt.Sprintf(`{"id":%s,"description":"t%s","status":"OPEN"}`, ids[i], ids[i]))
		}
		writeJSON(t, w, http.StatusOK, `{"tasks":[`+strings.Join(items, ",")+`]}`)
	})
	ids := []int64{12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1}
	got, _, err := c.Tasks.ReadMultiple(t.Context(), ids, &ReadOptions{Embed: []string{"owner"}})
	require.NoError(t, err)
	assert.Equal(t, []string{"12,11,10,9,8,7,6,5,4,3", "2,1"}, paths)
	require.Len(t, got, 12)
	for i, id := range ids {
		assert.Equal(t, id, got[i].ID)
	}
}

func TestTasksReadMultipleNotFound(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /tasks/1,2", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(t, w, http.StatusNotFound, `{"message":"Could not find resource"}`)
	})
	_, _, err := c.Tasks.ReadMultiple(t.Context(), []int64{1, 2}, nil)
	assert.ErrorIs(t, err, ErrNotFound)
}

func TestTasksCreate(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("POST /tasks", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodPost)
		testQuery(t, r, nil)
		testHeader(t, r, "Content-Type", "application/json")
		testJSONBody(t, r, `{"task":{"description":"Brand new task from postman","dueOn":"2025-05-20","dueTime":"14:05:00","owner":{"id":674197},"party":{"id":11}}}`)
		w.Header().Set("Location", "https://api.capsulecrm.com/api/v2/tasks/147248893")
		writeJSON(t, w, http.StatusCreated, string(fixture(t, "tasks/create_live.json")))
	})
	got, resp, err := c.Tasks.Create(t.Context(), &TaskInput{
		Description: Set("Brand new task from postman"),
		DueOn:       Set(NewDate(2025, time.May, 20)),
		DueTime:     Set(NewTimeOfDay(14, 5, 0)),
		Owner:       RefTo(674197),
		Party:       RefTo(11),
	})
	require.NoError(t, err)
	assert.Equal(t, http.StatusCreated, resp.StatusCode)
	assert.Equal(t, "https://api.capsulecrm.com/api/v2/tasks/147248893", resp.Location)
	// Every field of the recorded live payload, explicit nulls included.
	want := &Task{
		ID:          147248893,
		Description: "Brand new task from postman",
		DueOn:       datePtr(2025, time.May, 20),
		Status:      TaskStatusOpen,
		Owner: &UserRef{ID: 674197, Username: "integration.test", Name: "integration.tes1907",
			PictureURL: "https://facehub.appspot.com/default/person?text=I&size=100&colour=2099955006"},
		TaskDayDelayRule: Ptr(DayDelayDays),
		Active:           Ptr(true),
		HasTrack:         false,
		CreatedAt:        ts(t, "2025-04-24T21:00:49Z"),
		UpdatedAt:        ts(t, "2025-04-24T21:00:49Z"),
	}
	assert.Equal(t, want, got)
}

func TestTasksCreateValidationError(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("POST /tasks", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(t, w, http.StatusUnprocessableEntity, string(fixture(t, "tasks/unprocessable_live.json")))
	})
	// Capsule's own 422 still maps to ErrValidation with its field errors.
	_, _, err := c.Tasks.Create(t.Context(), &TaskInput{Description: Set("due"), DueOn: Set(NewDate(2026, 1, 2))})
	require.ErrorIs(t, err, ErrValidation)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusUnprocessableEntity, apiErr.StatusCode)
	assert.Equal(t, "Validation Failed", apiErr.Message)
	assert.Equal(t, []FieldError{{Message: "dueOn is required", Resource: "task", Field: "dueOn"}}, apiErr.Errors)
}

func TestTasksUpdate(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("PUT /tasks/{id}", func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "100", r.PathValue("id"))
		testJSONBody(t, r, `{"task":{"detail":null,"category":{"id":7},"kase":{"id":41},"party":null,"repeat":{"frequency":"YEARLY","interval":1}}}`)
		writeJSON(t, w, http.StatusOK, string(fixture(t, "tasks/show.json")))
	})
	got, _, err := c.Tasks.Update(t.Context(), 100, &TaskInput{
		Detail:   Null[string](),
		Category: RefTo(7),
		Kase:     RefTo(41),
		Party:    Null[Ref](),
		Repeat:   Set(TaskRepeat{Frequency: RepeatYearly, Interval: 1}),
	})
	require.NoError(t, err)
	assert.Equal(t, int64(100), got.ID)
}

func TestTasksCompleteAndReopen(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	var bodies []string
	mux.HandleFunc("PUT /tasks/100", func(w http.ResponseWriter, r *http.Request) {
		var b json.RawMessage
		require.NoError(t, json.NewDecoder(r.Body).Decode(&b))
		bodies = append(bodies, string(b))
		writeJSON(t, w, http.StatusOK, string(fixture(t, "tasks/show.json")))
	})
	_, _, err := c.Tasks.Complete(t.Context(), 100)
	require.NoError(t, err)
	_, _, err = c.Tasks.Reopen(t.Context(), 100)
	require.NoError(t, err)
	require.Len(t, bodies, 2)
	assert.JSONEq(t, `{"task":{"status":"COMPLETED"}}`, bodies[0])
	assert.JSONEq(t, `{"task":{"status":"OPEN"}}`, bodies[1])
}

func TestTasksInvalidArguments(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	n := refuseRequests(t, mux)
	ctx := t.Context()
	twoParents := &TaskInput{Description: Set("x"), Party: RefTo(1), Kase: RefTo(2)}
	cases := map[string]func() error{
		"create nil":         func() error { _, _, err := c.Tasks.Create(ctx, nil); return err },
		"create two parents": func() error { _, _, err := c.Tasks.Create(ctx, twoParents); return err },
		"update two parents": func() error { _, _, err := c.Tasks.Update(ctx, 1, twoParents); return err },
		"three parents": func() error {
			_, _, err := c.Tasks.Create(ctx, &TaskInput{Party: RefTo(1), Opportunity: RefTo(2), Kase: RefTo(3)})
			return err
		},
		"parent id zero": func() error { _, _, err := c.Tasks.Create(ctx, &TaskInput{Opportunity: RefTo(0)}); return err },
		"owner id zero":  func() error { _, _, err := c.Tasks.Update(ctx, 1, &TaskInput{Owner: RefTo(0)}); return err },
		"status pending": func() error {
			_, _, err := c.Tasks.Update(ctx, 1, &TaskInput{Status: Set(TaskStatusPending)})
			return err
		},
		"bad due time": func() error {
			_, _, err := c.Tasks.Update(ctx, 1, &TaskInput{DueTime: Set(NewTimeOfDay(24, 0, 0))})
			return err
		},
		"update id zero":      func() error { _, _, err := c.Tasks.Update(ctx, 0, &TaskInput{}); return err },
		"update nil":          func() error { _, _, err := c.Tasks.Update(ctx, 1, nil); return err },
		"read id zero":        func() error { _, _, err := c.Tasks.ReadSingle(ctx, 0, nil); return err },
		"read multiple empty": func() error { _, _, err := c.Tasks.ReadMultiple(ctx, nil, nil); return err },
		"read multiple zero":  func() error { _, _, err := c.Tasks.ReadMultiple(ctx, []int64{1, 0}, nil); return err },
		"complete id zero":    func() error { _, _, err := c.Tasks.Complete(ctx, 0); return err },
		"reopen id negative":  func() error { _, _, err := c.Tasks.Reopen(ctx, -1); return err },
		"delete id zero":      func() error { _, err := c.Tasks.Delete(ctx, 0); return err },
	}
	for name, call := range cases {
		assert.ErrorIs(t, call(), ErrInvalidArgument, name)
	}
	assert.Zero(t, n.Load())
}

func TestTaskInputMarshal(t *testing.T) {
	t.Parallel()
	testJSONMarshal(t, TaskInput{}, `{}`)
	testJSONMarshal(t, TaskInput{
		Description: Set(""), Detail: Null[string](), Category: Null[Ref](), DueOn: Null[Date](),
		DueTime: Null[TimeOfDay](), Owner: Null[Ref](), CompletedAt: Null[time.Time](), Repeat: Null[TaskRepeat](),
	}, `{"description":"","detail":null,"category":null,"dueOn":null,"dueTime":null,"owner":null,"completedAt":null,"repeat":null}`)
	testJSONMarshal(t, TaskInput{
		Description: Set("Call"),
		DueOn:       Set(NewDate(2026, time.January, 2)),
		DueTime:     Set(NewTimeOfDay(0, 0, 0)),
		Status:      Set(TaskStatusCompleted),
		Opportunity: RefTo(31),
		CompletedAt: Set(time.Date(2026, time.January, 2, 10, 30, 15, 999, time.FixedZone("EET", 2*3600))),
		Repeat:      Set(TaskRepeat{Frequency: RepeatMonthly, Interval: 3, On: "-1"}),
	}, `{"description":"Call","dueOn":"2026-01-02","dueTime":"00:00:00","status":"COMPLETED","opportunity":{"id":31},
		"completedAt":"2026-01-02T08:30:15Z","repeat":{"frequency":"MONTHLY","interval":3,"on":"-1"}}`)
	// An invalid time of day does not marshal.
	_, err := json.Marshal(TaskInput{DueTime: Set(NewTimeOfDay(9, 60, 0))})
	assert.Error(t, err)
}

func TestTaskRepeatDecode(t *testing.T) {
	t.Parallel()
	cases := map[string]TaskRepeat{
		`{"frequency":"MONTHLY","interval":3,"on":"1"}`:           {Frequency: RepeatMonthly, Interval: 3, On: "1"},
		`{"frequency":"MONTHLY","interval":1,"on":-1}`:            {Frequency: RepeatMonthly, Interval: 1, On: "-1"},
		`{"frequency":"WEEKLY","interval":2,"repeatOn":"MONDAY"}`: {Frequency: RepeatWeekly, Interval: 2, On: "MONDAY"},
		`{"frequency":"YEARLY","interval":1,"on":null}`:           {Frequency: RepeatYearly, Interval: 1},
	}
	for in, want := range cases {
		var got TaskRepeat
		require.NoError(t, json.Unmarshal([]byte(in), &got), in)
		assert.Equal(t, want, got, in)
	}
	var bad TaskRepeat
	assert.Error(t, json.Unmarshal([]byte(`{"on":true}`), &bad))

	// "repeat" wins over "repeatDetails" when a task has both.
	var task Task
	require.NoError(t, json.Unmarshal([]byte(`{"id":1,"repeat":{"frequency":"WEEKLY","interval":1},"repeatDetails":{"frequency":"YEARLY","interval":9}}`), &task))
	assert.Equal(t, &TaskRepeat{Frequency: RepeatWeekly, Interval: 1}, task.Repeat)
	require.NoError(t, json.Unmarshal([]byte(`{"id":2,"repeat":null}`), &task))
	assert.Nil(t, task.Repeat)
}

func TestTimeOfDay(t *testing.T) {
	t.Parallel()
	tod, err := ParseTimeOfDay("09:05:07")
	require.NoError(t, err)
	assert.Equal(t, TimeOfDay{Hour: 9, Minute: 5, Second: 7}, tod)
	assert.Equal(t, "09:05:07", tod.String())

	tod, err = ParseTimeOfDay("23:59")
	require.NoError(t, err)
	assert.Equal(t, NewTimeOfDay(23, 59, 0), tod)

	for _, bad := range []string{"", "24:00:00", "9am", "12:60:00", "2026-01-01"} {
		_, err := ParseTimeOfDay(bad)
		assert.Error(t, err, bad)
	}

	var got TimeOfDay
	require.NoError(t, json.Unmarshal([]byte(`"17:30:00"`), &got))
	assert.Equal(t, NewTimeOfDay(17, 30, 0), got)
	assert.Error(t, json.Unmarshal([]byte(`1730`), &got))
	assert.Error(t, json.Unmarshal([]byte(`"late"`), &got))

	var ptr struct {
		T *TimeOfDay `json:"t"`
	}
	require.NoError(t, json.Unmarshal([]byte(`{"t":null}`), &ptr))
	assert.Nil(t, ptr.T)

	testJSONMarshal(t, NewTimeOfDay(7, 0, 0), `"07:00:00"`)
	assert.True(t, NewTimeOfDay(23, 59, 59).Valid())
	assert.False(t, NewTimeOfDay(-1, 0, 0).Valid())

	loc := time.FixedZone("X", -5*3600)
	at := NewTimeOfDay(8, 15, 0).On(NewDate(2026, time.March, 1), loc)
	assert.Equal(t, time.Date(2026, time.March, 1, 8, 15, 0, 0, loc), at)
	assert.Equal(t, NewTimeOfDay(8, 15, 0), TimeOfDayOf(at))
	assert.Equal(t, time.UTC, NewTimeOfDay(1, 2, 3).On(NewDate(2026, 1, 1), nil).Location())
}

func TestTasksServerErrorsAreMapped(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /tasks/401", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(t, w, http.StatusUnauthorized, `{"message":"Unauthorized"}`)
	})
	mux.HandleFunc("PUT /tasks/403", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(t, w, http.StatusForbidden, `{"message":"Forbidden"}`)
	})
	_, _, err := c.Tasks.ReadSingle(t.Context(), 401, nil)
	assert.ErrorIs(t, err, ErrUnauthorized)
	_, _, err = c.Tasks.Complete(t.Context(), 403)
	assert.ErrorIs(t, err, ErrForbidden)
	assert.False(t, errors.Is(err, ErrNotFound))
}

func TestTasksReadIterEarlyBreakAndMidwayError(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	h, n := counter(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("page") == "2" {
			writeJSON(t, w, http.StatusNotFound, `{"message":"Could not find resource"}`)
			return
		}
		w.Header().Set("Link", `<https://api.capsulecrm.com/api/v2/tasks?page=2>; rel="next"`)
		writeJSON(t, w, http.StatusOK, `{"tasks":[{"id":1,"status":"OPEN"},{"id":2,"status":"OPEN"}]}`)
	})
	mux.HandleFunc("GET /tasks", h)

	for task, err := range c.Tasks.ReadIter(t.Context(), nil) {
		require.NoError(t, err)
		assert.Equal(t, int64(1), task.ID)
		break
	}
	assert.Equal(t, int32(1), n.Load(), "breaking early sends no further request")

	got, err := Collect(c.Tasks.ReadIter(t.Context(), nil))
	require.ErrorIs(t, err, ErrNotFound)
	assert.Len(t, got, 2, "the records before the failing page are kept")
	assert.Equal(t, int32(3), n.Load())
}

func TestTasksRequiredFieldsCheckedBeforeSending(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	n := refuseRequests(t, mux)
	due := Set(NewDate(2026, 1, 2))
	for name, tc := range map[string]struct {
		create bool
		in     TaskInput
		arg    string
	}{
		"create without dueOn":       {true, TaskInput{Description: Set("x")}, "in.DueOn"},
		"create without description": {true, TaskInput{DueOn: due}, "in.Description"},
		"create blank description":   {true, TaskInput{Description: Set("  "), DueOn: due}, "in.Description"},
		"update null dueOn":          {false, TaskInput{DueOn: Null[Date]()}, "in.DueOn"},
		"update null description":    {false, TaskInput{Description: Null[string]()}, "in.Description"},
	} {
		var err error
		if tc.create {
			_, _, err = c.Tasks.Create(t.Context(), &tc.in)
		} else {
			_, _, err = c.Tasks.Update(t.Context(), 5, &tc.in)
		}
		var argErr *ArgError
		if assert.ErrorAs(t, err, &argErr, name) {
			assert.Equal(t, tc.arg, argErr.Arg, name)
		}
	}
	assert.Zero(t, n.Load())
}
