package capsule

import (
	"context"
	"net/http"
	"net/url"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var pipeline1 = &Pipeline{
	ID: 1, Name: "Sales", Description: "Main sales pipeline", OpenMilestoneCount: 4,
	CreatedAt: utc(2018, 1, 1, 0, 0, 0), UpdatedAt: utc(2018, 2, 1, 0, 0, 0),
}

func TestPipelinesService_Read(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /pipelines", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{"includeDeleted": {"true"}, "page": {"2"}, "perPage": {"25"}})
		serveFixture(t, w, http.StatusOK, "pipelines/list.json")
	})
	pipelines, _, err := c.Pipelines.Read(t.Context(), &PipelineListOptions{
		ListOptions: ListOptions{Page: 2, PerPage: 25}, IncludeDeleted: true,
	})
	require.NoError(t, err)
	// The second pipeline has no openMilestoneCount or timestamps.
	assert.Equal(t, []*Pipeline{pipeline1, {ID: 2, Name: "Renewals"}}, pipelines)
}

func TestPipelinesService_ReadNoOptions(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /pipelines", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{})
		serveFixture(t, w, http.StatusOK, "pipelines/list.json")
	})
	pipelines, _, err := c.Pipelines.Read(t.Context(), nil)
	require.NoError(t, err)
	assert.Len(t, pipelines, 2)
}

func TestPipelinesService_ReadIter(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /pipelines", func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("page") {
		case "1":
			testQuery(t, r, url.Values{"includeDeleted": {"true"}, "page": {"1"}, "perPage": {"100"}})
			w.Header().Set("Link", `<https://api.capsulecrm.com/api/v2/pipelines?page=2&includeDeleted=true>; rel="next"`)
			writeJSON(t, w, http.StatusOK, `{"pipelines":[{"id":1,"name":"Sales"}]}`)
		case "2":
			testQuery(t, r, url.Values{"includeDeleted": {"true"}, "page": {"2"}, "perPage": {"100"}})
			writeJSON(t, w, http.StatusOK, `{"pipelines":[{"id":2,"name":"Renewals"}]}`)
		default:
			t.Errorf("unexpected %s", r.URL)
		}
	})
	opts := &PipelineListOptions{IncludeDeleted: true}
	all, err := Collect(c.Pipelines.ReadIter(t.Context(), opts))
	require.NoError(t, err)
	require.Len(t, all, 2)
	assert.Equal(t, "Sales", all[0].Name)
	assert.Equal(t, "Renewals", all[1].Name)
	assert.Equal(t, &PipelineListOptions{IncludeDeleted: true}, opts, "caller's options unchanged")
}

func TestPipelinesService_ReadIterBreakStops(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	var calls atomic.Int32
	mux.HandleFunc("GET /pipelines", func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Link", `<https://api.capsulecrm.com/api/v2/pipelines?page=2>; rel="next"`)
		writeJSON(t, w, http.StatusOK, `{"pipelines":[{"id":1},{"id":2}]}`)
	})
	for p, err := range c.Pipelines.ReadIter(t.Context(), nil) {
		require.NoError(t, err)
		assert.Equal(t, int64(1), p.ID)
		break
	}
	assert.Equal(t, int32(1), calls.Load())
}

func TestPipelinesService_ReadSingle(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /pipelines/1", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{})
		serveFixture(t, w, http.StatusOK, "pipelines/show.json")
	})
	p, _, err := c.Pipelines.ReadSingle(t.Context(), 1)
	require.NoError(t, err)
	assert.Equal(t, pipeline1, p)
}

func TestPipelinesService_ReadMultiple(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /pipelines/{ids}", func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "2,1", r.PathValue("ids"))
		testQuery(t, r, url.Values{})
		serveFixture(t, w, http.StatusOK, "pipelines/list.json")
	})
	ps, _, err := c.Pipelines.ReadMultiple(t.Context(), []int64{2, 1})
	require.NoError(t, err)
	require.Len(t, ps, 2)
	assert.Equal(t, int64(2), ps[0].ID, "order of ids kept")
	assert.Equal(t, pipeline1, ps[1])
}

func TestPipelinesService_Create(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("POST /pipelines", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{})
		testJSONBody(t, r, `{"pipeline":{"name":"Sales","description":"Main sales pipeline"}}`)
		w.Header().Set("Location", "https://api.capsulecrm.com/api/v2/pipelines/1")
		serveFixture(t, w, http.StatusCreated, "pipelines/show.json")
	})
	p, resp, err := c.Pipelines.Create(t.Context(), &PipelineInput{Name: Set("Sales"), Description: Set("Main sales pipeline")})
	require.NoError(t, err)
	assert.Equal(t, "https://api.capsulecrm.com/api/v2/pipelines/1", resp.Location)
	assert.Equal(t, pipeline1, p)
}

func TestPipelinesService_Update(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("PUT /pipelines/1", func(w http.ResponseWriter, r *http.Request) {
		testJSONBody(t, r, `{"pipeline":{"description":""}}`)
		serveFixture(t, w, http.StatusOK, "pipelines/show.json")
	})
	p, _, err := c.Pipelines.Update(t.Context(), 1, &PipelineInput{Description: Set("")})
	require.NoError(t, err)
	assert.Equal(t, pipeline1, p)
}

func TestPipelinesService_Restore(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("POST /pipelines/1/restore", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{})
		assert.Zero(t, r.ContentLength, "restore has no body")
		serveFixture(t, w, http.StatusOK, "pipelines/show.json")
	})
	p, resp, err := c.Pipelines.Restore(t.Context(), 1)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, pipeline1, p)
}

// --- Milestones ---

var milestone11 = &Milestone{
	ID: 11, Name: "New", Description: "Fresh lead", Complete: false, Probability: 10,
	DaysUntilStale: Ptr(7), Pipeline: &NamedRef{ID: 1, Name: "Sales"},
	CreatedAt: utc(2018, 1, 1, 0, 0, 0), UpdatedAt: utc(2018, 1, 2, 0, 0, 0),
}

var milestone12 = &Milestone{
	ID: 12, Name: "Won", Complete: true, Probability: 100, Pipeline: &NamedRef{ID: 1, Name: "Sales"},
	CreatedAt: utc(2018, 1, 1, 0, 0, 0), UpdatedAt: utc(2018, 1, 1, 0, 0, 0),
}

func TestMilestonesService_Read(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /milestones", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{"perPage": {"50"}})
		serveFixture(t, w, http.StatusOK, "milestones/list.json")
	})
	ms, _, err := c.Milestones.Read(t.Context(), &ListOptions{PerPage: 50})
	require.NoError(t, err)
	assert.Equal(t, []*Milestone{milestone11, milestone12}, ms)
}

func TestMilestonesService_ReadIter(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /milestones", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{"page": {"1"}, "perPage": {"100"}})
		serveFixture(t, w, http.StatusOK, "milestones/list.json")
	})
	ms, err := Collect(c.Milestones.ReadIter(t.Context(), nil))
	require.NoError(t, err)
	assert.Equal(t, []*Milestone{milestone11, milestone12}, ms)
}

func TestMilestonesService_ForPipeline(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /pipelines/1/milestones", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{"page": {"3"}})
		serveFixture(t, w, http.StatusOK, "milestones/list.json")
	})
	ms, _, err := c.Milestones.ForPipeline(t.Context(), 1, &ListOptions{Page: 3})
	require.NoError(t, err)
	assert.Equal(t, []*Milestone{milestone11, milestone12}, ms)
}

func TestMilestonesService_ForPipelineIter(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /pipelines/1/milestones", func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("page") {
		case "1":
			testQuery(t, r, url.Values{"page": {"1"}, "perPage": {"100"}})
			w.Header().Set("Link", `<https://api.capsulecrm.com/api/v2/pipelines/1/milestones?page=2>; rel="next"`)
			writeJSON(t, w, http.StatusOK, `{"milestones":[{"id":11}]}`)
		case "2":
			writeJSON(t, w, http.StatusOK, `{"milestones":[{"id":12}]}`)
		default:
			t.Errorf("unexpected %s", r.URL)
		}
	})
	ms, err := Collect(c.Milestones.ForPipelineIter(t.Context(), 1, nil))
	require.NoError(t, err)
	require.Len(t, ms, 2)
	assert.Equal(t, int64(12), ms[1].ID)
}

func TestMilestonesService_ReadSingle(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /milestones/11", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{})
		serveFixture(t, w, http.StatusOK, "milestones/show.json")
	})
	m, _, err := c.Milestones.ReadSingle(t.Context(), 11)
	require.NoError(t, err)
	want := *milestone11
	want.DisplayOrder = Ptr(1)
	assert.Equal(t, &want, m)
}

func TestMilestonesService_Create(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("POST /milestones", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{})
		testJSONBody(t, r, `{"milestone":{"name":"New","description":"Fresh lead","probability":10,"daysUntilStale":7,"pipeline":{"id":1}}}`)
		w.Header().Set("Location", "https://api.capsulecrm.com/api/v2/milestones/11")
		serveFixture(t, w, http.StatusCreated, "milestones/show.json")
	})
	m, resp, err := c.Milestones.Create(t.Context(), &MilestoneInput{
		Name: Set("New"), Description: Set("Fresh lead"), Probability: Set(10), DaysUntilStale: Set(7), Pipeline: RefTo(1),
	})
	require.NoError(t, err)
	assert.Equal(t, http.StatusCreated, resp.StatusCode)
	assert.Equal(t, int64(11), m.ID)
}

func TestMilestonesService_Update(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("PUT /milestones/11", func(w http.ResponseWriter, r *http.Request) {
		testJSONBody(t, r, `{"milestone":{"probability":0}}`)
		serveFixture(t, w, http.StatusOK, "milestones/show.json")
	})
	m, _, err := c.Milestones.Update(t.Context(), 11, &MilestoneInput{Probability: Set(0)})
	require.NoError(t, err)
	assert.Equal(t, int64(11), m.ID)
}

func TestPipelines_InvalidArguments(t *testing.T) {
	t.Parallel()
	assertNoRequestOnBadArgs(t, []refCase{
		{"pipeline single 0", func(ctx context.Context, c *Client) error { return ignore2(c.Pipelines.ReadSingle(ctx, 0)) }},
		{"pipeline multiple empty", func(ctx context.Context, c *Client) error { return ignore2(c.Pipelines.ReadMultiple(ctx, nil)) }},
		{"pipeline multiple bad id", func(ctx context.Context, c *Client) error {
			return ignore2(c.Pipelines.ReadMultiple(ctx, []int64{1, 0}))
		}},
		{"pipeline create nil", func(ctx context.Context, c *Client) error { return ignore2(c.Pipelines.Create(ctx, nil)) }},
		{"pipeline create no name", func(ctx context.Context, c *Client) error {
			return ignore2(c.Pipelines.Create(ctx, &PipelineInput{Description: Set("d")}))
		}},
		{"pipeline create empty name", func(ctx context.Context, c *Client) error {
			return ignore2(c.Pipelines.Create(ctx, &PipelineInput{Name: Set("")}))
		}},
		{"pipeline update 0", func(ctx context.Context, c *Client) error {
			return ignore2(c.Pipelines.Update(ctx, 0, &PipelineInput{Name: Set("x")}))
		}},
		{"pipeline update nil", func(ctx context.Context, c *Client) error { return ignore2(c.Pipelines.Update(ctx, 1, nil)) }},
		{"pipeline update null name", func(ctx context.Context, c *Client) error {
			return ignore2(c.Pipelines.Update(ctx, 1, &PipelineInput{Name: Null[string]()}))
		}},
		{"pipeline archive 0", func(ctx context.Context, c *Client) error { return ignore1(c.Pipelines.Archive(ctx, 0)) }},
		{"pipeline restore -2", func(ctx context.Context, c *Client) error { return ignore2(c.Pipelines.Restore(ctx, -2)) }},
		{"milestones for pipeline 0", func(ctx context.Context, c *Client) error {
			return ignore2(c.Milestones.ForPipeline(ctx, 0, nil))
		}},
		{"milestones for pipeline iter 0", func(ctx context.Context, c *Client) error {
			_, err := Collect(c.Milestones.ForPipelineIter(ctx, 0, nil))
			return err
		}},
		{"milestone single 0", func(ctx context.Context, c *Client) error { return ignore2(c.Milestones.ReadSingle(ctx, 0)) }},
		{"milestone create nil", func(ctx context.Context, c *Client) error { return ignore2(c.Milestones.Create(ctx, nil)) }},
		{"milestone create no name", func(ctx context.Context, c *Client) error {
			return ignore2(c.Milestones.Create(ctx, &MilestoneInput{Probability: Set(10)}))
		}},
		{"milestone create probability 101", func(ctx context.Context, c *Client) error {
			return ignore2(c.Milestones.Create(ctx, &MilestoneInput{Name: Set("x"), Probability: Set(101)}))
		}},
		{"milestone create probability -1", func(ctx context.Context, c *Client) error {
			return ignore2(c.Milestones.Create(ctx, &MilestoneInput{Name: Set("x"), Probability: Set(-1)}))
		}},
		{"milestone create negative stale days", func(ctx context.Context, c *Client) error {
			return ignore2(c.Milestones.Create(ctx, &MilestoneInput{Name: Set("x"), DaysUntilStale: Set(-3)}))
		}},
		{"milestone create bad pipeline", func(ctx context.Context, c *Client) error {
			return ignore2(c.Milestones.Create(ctx, &MilestoneInput{Name: Set("x"), Pipeline: RefTo(0)}))
		}},
		{"milestone update 0", func(ctx context.Context, c *Client) error {
			return ignore2(c.Milestones.Update(ctx, 0, &MilestoneInput{Name: Set("x")}))
		}},
		{"milestone update nil", func(ctx context.Context, c *Client) error { return ignore2(c.Milestones.Update(ctx, 1, nil)) }},
		{"milestone update empty name", func(ctx context.Context, c *Client) error {
			return ignore2(c.Milestones.Update(ctx, 1, &MilestoneInput{Name: Set(" ")}))
		}},
		{"milestone delete 0", func(ctx context.Context, c *Client) error { return ignore1(c.Milestones.Delete(ctx, 0)) }},
	})
}

func TestPipelines_ErrorMapping(t *testing.T) {
	t.Parallel()
	assertErrorMapping(t, []refCase{
		{"pipelines", func(ctx context.Context, c *Client) error { return ignore2(c.Pipelines.Read(ctx, nil)) }},
		{"pipelines iter", func(ctx context.Context, c *Client) error {
			_, err := Collect(c.Pipelines.ReadIter(ctx, nil))
			return err
		}},
		{"pipeline", func(ctx context.Context, c *Client) error { return ignore2(c.Pipelines.ReadSingle(ctx, 1)) }},
		{"pipelines multiple", func(ctx context.Context, c *Client) error {
			return ignore2(c.Pipelines.ReadMultiple(ctx, []int64{1, 2}))
		}},
		{"pipeline create", func(ctx context.Context, c *Client) error {
			return ignore2(c.Pipelines.Create(ctx, &PipelineInput{Name: Set("x")}))
		}},
		{"pipeline update", func(ctx context.Context, c *Client) error {
			return ignore2(c.Pipelines.Update(ctx, 1, &PipelineInput{Name: Set("x")}))
		}},
		{"pipeline archive", func(ctx context.Context, c *Client) error { return ignore1(c.Pipelines.Archive(ctx, 1)) }},
		{"pipeline restore", func(ctx context.Context, c *Client) error { return ignore2(c.Pipelines.Restore(ctx, 1)) }},
		{"milestones", func(ctx context.Context, c *Client) error { return ignore2(c.Milestones.Read(ctx, nil)) }},
		{"milestones iter", func(ctx context.Context, c *Client) error {
			_, err := Collect(c.Milestones.ReadIter(ctx, nil))
			return err
		}},
		{"milestones for pipeline", func(ctx context.Context, c *Client) error {
			return ignore2(c.Milestones.ForPipeline(ctx, 1, nil))
		}},
		{"milestones for pipeline iter", func(ctx context.Context, c *Client) error {
			_, err := Collect(c.Milestones.ForPipelineIter(ctx, 1, nil))
			return err
		}},
		{"milestone", func(ctx context.Context, c *Client) error { return ignore2(c.Milestones.ReadSingle(ctx, 1)) }},
		{"milestone create", func(ctx context.Context, c *Client) error {
			return ignore2(c.Milestones.Create(ctx, &MilestoneInput{Name: Set("x")}))
		}},
		{"milestone update", func(ctx context.Context, c *Client) error {
			return ignore2(c.Milestones.Update(ctx, 1, &MilestoneInput{Name: Set("x")}))
		}},
		{"milestone delete", func(ctx context.Context, c *Client) error { return ignore1(c.Milestones.Delete(ctx, 1)) }},
	})
}
