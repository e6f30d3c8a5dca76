package capsule

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var board34 = &Board{
	ID: 34, Name: "Onboarding", Description: "New customers",
	CreatedAt: utc(2020, 3, 4, 5, 6, 7), UpdatedAt: utc(2020, 4, 5, 6, 7, 8),
}

var stage71 = &Stage{
	ID: 71, Name: "Kick-off", Description: "First call", Board: NamedRef{ID: 34, Name: "Onboarding"}, DisplayOrder: 1,
	CreatedAt: utc(2020, 3, 4, 5, 6, 7), UpdatedAt: utc(2020, 4, 5, 6, 7, 8),
}

func TestBoardsService_Read(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /boards", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{"q": {"board"}, "status": {"nonempty"}, "page": {"2"}, "perPage": {"20"}})
		serveFixture(t, w, http.StatusOK, "boards/list.json")
	})
	boards, _, err := c.Boards.Read(t.Context(), &BoardListOptions{
		ListOptions: ListOptions{Page: 2, PerPage: 20}, Q: "board", Status: BoardsNonEmpty,
	})
	require.NoError(t, err)
	assert.Equal(t, []*Board{board34, {
		ID: 35, Name: "Support", Description: "",
		CreatedAt: utc(2020, 3, 4, 5, 6, 7), UpdatedAt: utc(2020, 3, 4, 5, 6, 7),
	}}, boards)
}

func TestBoardsService_ReadStatuses(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	var got []string
	mux.HandleFunc("GET /boards", func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.URL.RawQuery)
		writeJSON(t, w, http.StatusOK, `{"boards":[]}`)
	})
	for _, st := range []BoardStatus{"", BoardsActive, BoardsArchived, BoardsNonEmpty, BoardsAll} {
		_, _, err := c.Boards.Read(t.Context(), &BoardListOptions{Status: st})
		require.NoError(t, err)
	}
	_, _, err := c.Boards.Read(t.Context(), nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"", "status=active", "status=archived", "status=nonempty", "status=all", ""}, got)
}

func TestBoardsService_ReadIter(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /boards", func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("page") {
		case "1":
			testQuery(t, r, url.Values{"status": {"all"}, "page": {"1"}, "perPage": {"100"}})
			w.Header().Set("Link", `<https://api.capsulecrm.com/api/v2/boards?page=2&status=all>; rel="next"`)
			writeJSON(t, w, http.StatusOK, `{"boards":[{"id":34}]}`)
		case "2":
			testQuery(t, r, url.Values{"status": {"all"}, "page": {"2"}, "perPage": {"100"}})
			writeJSON(t, w, http.StatusOK, `{"boards":[{"id":35}]}`)
		default:
			t.Errorf("unexpected %s", r.URL)
		}
	})
	boards, err := Collect(c.Boards.ReadIter(t.Context(), &BoardListOptions{Status: BoardsAll}))
	require.NoError(t, err)
	require.Len(t, boards, 2)
	assert.Equal(t, int64(35), boards[1].ID)
}

func TestBoardsService_ReadSingle(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /boards/34", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{})
		serveFixture(t, w, http.StatusOK, "boards/show.json")
	})
	b, _, err := c.Boards.ReadSingle(t.Context(), 34)
	require.NoError(t, err)
	assert.Equal(t, board34, b)
}

func TestBoardsService_Create(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("POST /boards", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{})
		testJSONBody(t, r, `{"board":{"name":"Onboarding","description":"New customers"}}`)
		w.Header().Set("Location", "https://api.capsulecrm.com/api/v2/boards/34")
		serveFixture(t, w, http.StatusCreated, "boards/show.json")
	})
	b, resp, err := c.Boards.Create(t.Context(), &BoardInput{Name: Set("Onboarding"), Description: Set("New customers")})
	require.NoError(t, err)
	assert.Equal(t, "https://api.capsulecrm.com/api/v2/boards/34", resp.Location)
	assert.Equal(t, board34, b)
}

func TestBoardsService_Update(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("PUT /boards/34", func(w http.ResponseWriter, r *http.Request) {
		testJSONBody(t, r, `{"board":{"description":null}}`)
		serveFixture(t, w, http.StatusOK, "boards/show.json")
	})
	b, _, err := c.Boards.Update(t.Context(), 34, &BoardInput{Description: Null[string]()})
	require.NoError(t, err)
	assert.Equal(t, board34, b)
}

func TestBoardsService_Restore(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("POST /boards/34/restore", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{})
		assert.Zero(t, r.ContentLength, "restore has no body")
		serveFixture(t, w, http.StatusOK, "boards/show.json")
	})
	b, _, err := c.Boards.Restore(t.Context(), 34)
	require.NoError(t, err)
	assert.Equal(t, board34, b)
}

// --- Stages ---

func TestStagesService_Read(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /stages", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{"status": {"archived"}, "includeOnDeletedBoard": {"true"}, "perPage": {"10"}})
		serveFixture(t, w, http.StatusOK, "stages/list.json")
	})
	stages, _, err := c.Stages.Read(t.Context(), &StageListOptions{
		ListOptions: ListOptions{PerPage: 10}, Status: StagesArchived, IncludeOnDeletedBoard: true,
	})
	require.NoError(t, err)
	assert.Equal(t, []*Stage{stage71, {
		ID: 72, Name: "Live", Board: NamedRef{ID: 34, Name: "Onboarding"}, DisplayOrder: 2,
		CreatedAt: utc(2020, 3, 4, 5, 6, 7), UpdatedAt: utc(2020, 3, 4, 5, 6, 7),
	}}, stages)
}

func TestStagesService_ReadDefaults(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /stages", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{})
		serveFixture(t, w, http.StatusOK, "stages/list.json")
	})
	stages, _, err := c.Stages.Read(t.Context(), nil)
	require.NoError(t, err)
	assert.Len(t, stages, 2)
}

func TestStagesService_ReadIter(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /stages", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{"status": {"all"}, "page": {"1"}, "perPage": {"100"}})
		serveFixture(t, w, http.StatusOK, "stages/list.json")
	})
	stages, err := Collect(c.Stages.ReadIter(t.Context(), &StageListOptions{Status: StagesAll}))
	require.NoError(t, err)
	assert.Len(t, stages, 2)
}

func TestStagesService_ForBoard(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /boards/34/stages", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{"status": {"active"}, "page": {"2"}})
		serveFixture(t, w, http.StatusOK, "stages/list.json")
	})
	stages, _, err := c.Stages.ForBoard(t.Context(), 34, &BoardStageListOptions{ListOptions: ListOptions{Page: 2}, Status: StagesActive})
	require.NoError(t, err)
	require.Len(t, stages, 2)
	assert.Equal(t, stage71, stages[0])
}

func TestStagesService_ForBoardIter(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /boards/34/stages", func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("page") {
		case "1":
			testQuery(t, r, url.Values{"page": {"1"}, "perPage": {"100"}})
			w.Header().Set("Link", `<https://api.capsulecrm.com/api/v2/boards/34/stages?page=2>; rel="next"`)
			writeJSON(t, w, http.StatusOK, `{"stages":[{"id":71}]}`)
		case "2":
			testQuery(t, r, url.Values{"page": {"2"}, "perPage": {"100"}})
			writeJSON(t, w, http.StatusOK, `{"stages":[{"id":72}]}`)
		default:
			t.Errorf("unexpected %s", r.URL)
		}
	})
	stages, err := Collect(c.Stages.ForBoardIter(t.Context(), 34, nil))
	require.NoError(t, err)
	require.Len(t, stages, 2)
	assert.Equal(t, int64(72), stages[1].ID)
}

func TestStagesService_ReadSingle(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /stages/71", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{})
		serveFixture(t, w, http.StatusOK, "stages/show.json")
	})
	s, _, err := c.Stages.ReadSingle(t.Context(), 71)
	require.NoError(t, err)
	assert.Equal(t, stage71, s)
}

func TestStagesService_Create(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("POST /stages", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{})
		// The board is written as its id number.
		testJSONBody(t, r, `{"stage":{"name":"Kick-off","description":"First call","board":34,"displayOrder":1}}`)
		w.Header().Set("Location", "https://api.capsulecrm.com/api/v2/stages/71")
		serveFixture(t, w, http.StatusCreated, "stages/show.json")
	})
	s, resp, err := c.Stages.Create(t.Context(), &StageInput{
		Name: Set("Kick-off"), Description: Set("First call"), Board: Set[int64](34), DisplayOrder: Set(1),
	})
	require.NoError(t, err)
	assert.Equal(t, http.StatusCreated, resp.StatusCode)
	assert.Equal(t, stage71, s)
}

func TestStagesService_Update(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("PUT /stages/71", func(w http.ResponseWriter, r *http.Request) {
		testJSONBody(t, r, `{"stage":{"displayOrder":0}}`)
		serveFixture(t, w, http.StatusOK, "stages/show.json")
	})
	s, _, err := c.Stages.Update(t.Context(), 71, &StageInput{DisplayOrder: Set(0)})
	require.NoError(t, err)
	assert.Equal(t, stage71, s)
}

func TestBoards_InvalidArguments(t *testing.T) {
	t.Parallel()
	assertNoRequestOnBadArgs(t, []refCase{
		{"boards bad status", func(ctx context.Context, c *Client) error {
			return ignore2(c.Boards.Read(ctx, &BoardListOptions{Status: "open"}))
		}},
		{"boards upper-case status", func(ctx context.Context, c *Client) error {
			return ignore2(c.Boards.Read(ctx, &BoardListOptions{Status: "ACTIVE"}))
		}},
		{"boards iter bad status", func(ctx context.Context, c *Client) error {
			_, err := Collect(c.Boards.ReadIter(ctx, &BoardListOptions{Status: "nope"}))
			return err
		}},
		{"board single 0", func(ctx context.Context, c *Client) error { return ignore2(c.Boards.ReadSingle(ctx, 0)) }},
		{"board create nil", func(ctx context.Context, c *Client) error { return ignore2(c.Boards.Create(ctx, nil)) }},
		{"board create no name", func(ctx context.Context, c *Client) error {
			return ignore2(c.Boards.Create(ctx, &BoardInput{Description: Set("d")}))
		}},
		{"board create empty name", func(ctx context.Context, c *Client) error {
			return ignore2(c.Boards.Create(ctx, &BoardInput{Name: Set("")}))
		}},
		{"board update 0", func(ctx context.Context, c *Client) error {
			return ignore2(c.Boards.Update(ctx, 0, &BoardInput{Name: Set("x")}))
		}},
		{"board update nil", func(ctx context.Context, c *Client) error { return ignore2(c.Boards.Update(ctx, 34, nil)) }},
		{"board update null name", func(ctx context.Context, c *Client) error {
			return ignore2(c.Boards.Update(ctx, 34, &BoardInput{Name: Null[string]()}))
		}},
		{"board archive 0", func(ctx context.Context, c *Client) error { return ignore1(c.Boards.Archive(ctx, 0)) }},
		{"board restore 0", func(ctx context.Context, c *Client) error { return ignore2(c.Boards.Restore(ctx, 0)) }},
		{"stages nonempty status", func(ctx context.Context, c *Client) error {
			// nonempty is a board status, not a stage status.
			return ignore2(c.Stages.Read(ctx, &StageListOptions{Status: StageStatus(BoardsNonEmpty)}))
		}},
		{"stages iter bad status", func(ctx context.Context, c *Client) error {
			_, err := Collect(c.Stages.ReadIter(ctx, &StageListOptions{Status: "x"}))
			return err
		}},
		{"stages for board 0", func(ctx context.Context, c *Client) error { return ignore2(c.Stages.ForBoard(ctx, 0, nil)) }},
		{"stages for board bad status", func(ctx context.Context, c *Client) error {
			return ignore2(c.Stages.ForBoard(ctx, 34, &BoardStageListOptions{Status: "deleted"}))
		}},
		{"stages for board iter 0", func(ctx context.Context, c *Client) error {
			_, err := Collect(c.Stages.ForBoardIter(ctx, -1, nil))
			return err
		}},
		{"stage single 0", func(ctx context.Context, c *Client) error { return ignore2(c.Stages.ReadSingle(ctx, 0)) }},
		{"stage create nil", func(ctx context.Context, c *Client) error { return ignore2(c.Stages.Create(ctx, nil)) }},
		{"stage create no name", func(ctx context.Context, c *Client) error {
			return ignore2(c.Stages.Create(ctx, &StageInput{Board: Set[int64](34)}))
		}},
		{"stage create no board", func(ctx context.Context, c *Client) error {
			return ignore2(c.Stages.Create(ctx, &StageInput{Name: Set("x")}))
		}},
		{"stage create null board", func(ctx context.Context, c *Client) error {
			return ignore2(c.Stages.Create(ctx, &StageInput{Name: Set("x"), Board: Null[int64]()}))
		}},
		{"stage create board 0", func(ctx context.Context, c *Client) error {
			return ignore2(c.Stages.Create(ctx, &StageInput{Name: Set("x"), Board: Set[int64](0)}))
		}},
		{"stage create negative order", func(ctx context.Context, c *Client) error {
			return ignore2(c.Stages.Create(ctx, &StageInput{Name: Set("x"), Board: Set[int64](34), DisplayOrder: Set(-1)}))
		}},
		{"stage update move board", func(ctx context.Context, c *Client) error {
			return ignore2(c.Stages.Update(ctx, 71, &StageInput{Board: Set[int64](35)}))
		}},
		{"stage update 0", func(ctx context.Context, c *Client) error {
			return ignore2(c.Stages.Update(ctx, 0, &StageInput{Name: Set("x")}))
		}},
		{"stage update nil", func(ctx context.Context, c *Client) error { return ignore2(c.Stages.Update(ctx, 71, nil)) }},
		{"stage update empty name", func(ctx context.Context, c *Client) error {
			return ignore2(c.Stages.Update(ctx, 71, &StageInput{Name: Set("")}))
		}},
		{"stage delete 0", func(ctx context.Context, c *Client) error { return ignore1(c.Stages.Delete(ctx, 0)) }},
	})
}

func TestBoards_ErrorMapping(t *testing.T) {
	t.Parallel()
	assertErrorMapping(t, []refCase{
		{"boards", func(ctx context.Context, c *Client) error { return ignore2(c.Boards.Read(ctx, nil)) }},
		{"boards iter", func(ctx context.Context, c *Client) error {
			_, err := Collect(c.Boards.ReadIter(ctx, nil))
			return err
		}},
		{"board", func(ctx context.Context, c *Client) error { return ignore2(c.Boards.ReadSingle(ctx, 1)) }},
		{"board create", func(ctx context.Context, c *Client) error {
			return ignore2(c.Boards.Create(ctx, &BoardInput{Name: Set("x")}))
		}},
		{"board update", func(ctx context.Context, c *Client) error {
			return ignore2(c.Boards.Update(ctx, 1, &BoardInput{Name: Set("x")}))
		}},
		{"board archive", func(ctx context.Context, c *Client) error { return ignore1(c.Boards.Archive(ctx, 1)) }},
		{"board restore", func(ctx context.Context, c *Client) error { return ignore2(c.Boards.Restore(ctx, 1)) }},
		{"stages", func(ctx context.Context, c *Client) error { return ignore2(c.Stages.Read(ctx, nil)) }},
		{"stages iter", func(ctx context.Context, c *Client) error {
			_, err := Collect(c.Stages.ReadIter(ctx, nil))
			return err
		}},
		{"stages for board", func(ctx context.Context, c *Client) error { return ignore2(c.Stages.ForBoard(ctx, 1, nil)) }},
		{"stages for board iter", func(ctx context.Context, c *Client) error {
			_, err := Collect(c.Stages.ForBoardIter(ctx, 1, nil))
			return err
		}},
		{"stage", func(ctx context.Context, c *Client) error { return ignore2(c.Stages.ReadSingle(ctx, 1)) }},
		{"stage create", func(ctx context.Context, c *Client) error {
			return ignore2(c.Stages.Create(ctx, &StageInput{Name: Set("x"), Board: Set[int64](1)}))
		}},
		{"stage update", func(ctx context.Context, c *Client) error {
			return ignore2(c.Stages.Update(ctx, 1, &StageInput{Name: Set("x")}))
		}},
		{"stage delete", func(ctx context.Context, c *Client) error { return ignore1(c.Stages.Delete(ctx, 1)) }},
	})
}
