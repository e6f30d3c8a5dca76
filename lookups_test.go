package capsule

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// --- Activity types ---

var activityType17 = &ActivityType{
	ID: 17, Name: "Demo",
	Icon:                &ActivityTypeIcon{Order: 12, ID: "BARCHART", DisplayName: "Bar chart", IconName: "bar-chart", IsSystem: false},
	UpdateLastContacted: true,
}

func TestActivityTypesService_Read(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /activitytypes", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{"page": {"2"}, "perPage": {"10"}})
		serveFixture(t, w, http.StatusOK, "activitytypes/list.json")
	})
	types, _, err := c.ActivityTypes.Read(t.Context(), &ListOptions{Page: 2, PerPage: 10})
	require.NoError(t, err)
	assert.Equal(t, []*ActivityType{
		{ID: ActivityTypeNote, Name: "Note", Icon: &ActivityTypeIcon{Order: 1, ID: "NOTE", DisplayName: "Note", IconName: "note", IsSystem: true}},
		{ID: ActivityTypeCall, Name: "Call", Icon: &ActivityTypeIcon{Order: 3, ID: "PHONE", DisplayName: "Phone", IconName: "phone", IsSystem: true}, UpdateLastContacted: true},
		{ID: 17, Name: "Demo", Icon: nil, UpdateLastContacted: true},
	}, types)
}

func TestActivityTypesService_ReadIter(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /activitytypes", func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("page") {
		case "1":
			testQuery(t, r, url.Values{"page": {"1"}, "perPage": {"100"}})
			w.Header().Set("Link", `<https://api.capsulecrm.com/api/v2/activitytypes?page=2>; rel="next"`)
			writeJSON(t, w, http.StatusOK, `{"activityTypes":[{"id":-1,"name":"Note"}]}`)
		case "2":
			testQuery(t, r, url.Values{"page": {"2"}, "perPage": {"100"}})
			writeJSON(t, w, http.StatusOK, `{"activityTypes":[{"id":17,"name":"Demo"}]}`)
		default:
			t.Errorf("unexpected page %s", r.URL)
		}
	})
	all, err := Collect(c.ActivityTypes.ReadIter(t.Context(), nil))
	require.NoError(t, err)
	require.Len(t, all, 2)
	assert.Equal(t, int64(-1), all[0].ID)
	assert.Equal(t, int64(17), all[1].ID)
}

func TestActivityTypesService_ReadSingle(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /activitytypes/{id}", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{})
		switch r.PathValue("id") {
		case "17":
			serveFixture(t, w, http.StatusOK, "activitytypes/show.json")
		case "-3":
			writeJSON(t, w, http.StatusOK, `{"activityType":{"id":-3,"name":"Call","icon":null,"updateLastContacted":true}}`)
		default:
			t.Errorf("unexpected %s", r.URL)
		}
	})
	at, _, err := c.ActivityTypes.ReadSingle(t.Context(), 17)
	require.NoError(t, err)
	assert.Equal(t, activityType17, at)

	// Built-in types have negative ids.
	call, _, err := c.ActivityTypes.ReadSingle(t.Context(), ActivityTypeCall)
	require.NoError(t, err)
	assert.Equal(t, &ActivityType{ID: -3, Name: "Call", UpdateLastContacted: true}, call)
}

func TestActivityTypesService_ReadIcons(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /activitytypes/icons", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{})
		serveFixture(t, w, http.StatusOK, "activitytypes/icons.json")
	})
	icons, _, err := c.ActivityTypes.ReadIcons(t.Context())
	require.NoError(t, err)
	assert.Equal(t, []*ActivityTypeIcon{
		{Order: 1, ID: "NOTE", DisplayName: "Note", IconName: "note", IsSystem: true},
		{Order: 12, ID: "BARCHART", DisplayName: "Bar chart", IconName: "bar-chart", IsSystem: false},
	}, icons)
}

func TestActivityTypesService_Create(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("POST /activitytypes", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{})
		testJSONBody(t, r, `{"activityType":{"name":"Demo","icon":{"id":"BARCHART"},"updateLastContacted":true}}`)
		w.Header().Set("Location", "https://api.capsulecrm.com/api/v2/activitytypes/17")
		serveFixture(t, w, http.StatusCreated, "activitytypes/show.json")
	})
	at, resp, err := c.ActivityTypes.Create(t.Context(), &ActivityTypeInput{
		Name: Set("Demo"), Icon: Icon("BARCHART"), UpdateLastContacted: Set(true),
	})
	require.NoError(t, err)
	assert.Equal(t, "https://api.capsulecrm.com/api/v2/activitytypes/17", resp.Location)
	assert.Equal(t, activityType17, at)
}

func TestActivityTypesService_Update(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("PUT /activitytypes/17", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{})
		testJSONBody(t, r, `{"activityType":{"updateLastContacted":false}}`)
		serveFixture(t, w, http.StatusOK, "activitytypes/show.json")
	})
	at, _, err := c.ActivityTypes.Update(t.Context(), 17, &ActivityTypeInput{UpdateLastContacted: Set(false)})
	require.NoError(t, err)
	assert.Equal(t, activityType17, at)
}

// Built-in types have negative ids: they are read, updated and deleted
// (Capsule decides whether a built-in may go) like custom ones.
func TestActivityTypesService_BuiltIns(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("PUT /activitytypes/-3", func(w http.ResponseWriter, r *http.Request) {
		testJSONBody(t, r, `{"activityType":{"updateLastContacted":false}}`)
		writeJSON(t, w, http.StatusOK, `{"activityType":{"id":-3,"name":"Call","icon":null,"updateLastContacted":false}}`)
	})
	mux.HandleFunc("DELETE /activitytypes/-2", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(t, w, http.StatusUnprocessableEntity, `{"message":"Validation Failed","errors":[{"message":"system activity types cannot be deleted","resource":"activityType","field":"id"}]}`)
	})
	call, _, err := c.ActivityTypes.Update(t.Context(), ActivityTypeCall, &ActivityTypeInput{UpdateLastContacted: Set(false)})
	require.NoError(t, err)
	assert.Equal(t, &ActivityType{ID: -3, Name: "Call", UpdateLastContacted: false}, call)
	_, err = c.ActivityTypes.Delete(t.Context(), ActivityTypeMeeting)
	require.ErrorIs(t, err, ErrValidation)
}

// --- Categories ---

func TestCategoriesService_Read(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /categories", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{"perPage": {"5"}})
		serveFixture(t, w, http.StatusOK, "categories/list.json")
	})
	cats, _, err := c.Categories.Read(t.Context(), &ListOptions{PerPage: 5})
	require.NoError(t, err)
	assert.Equal(t, []*Category{{ID: 1, Name: "Billing", Colour: "#444444"}, {ID: 2, Name: "Follow-up", Colour: "#FF00aa"}}, cats)
}

func TestCategoriesService_ReadIter(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /categories", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{"page": {"1"}, "perPage": {"100"}})
		serveFixture(t, w, http.StatusOK, "categories/list.json")
	})
	cats, err := Collect(c.Categories.ReadIter(t.Context(), nil))
	require.NoError(t, err)
	assert.Len(t, cats, 2)
}

func TestCategoriesService_ReadSingle(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /categories/1", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{})
		serveFixture(t, w, http.StatusOK, "categories/show.json")
	})
	cat, _, err := c.Categories.ReadSingle(t.Context(), 1)
	require.NoError(t, err)
	assert.Equal(t, &Category{ID: 1, Name: "Billing", Colour: "#444444"}, cat)
}

func TestCategoriesService_Create(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("POST /categories", func(w http.ResponseWriter, r *http.Request) {
		testJSONBody(t, r, `{"category":{"name":"Billing","colour":"#444444"}}`)
		w.Header().Set("Location", "https://api.capsulecrm.com/api/v2/categories/1")
		serveFixture(t, w, http.StatusCreated, "categories/show.json")
	})
	cat, resp, err := c.Categories.Create(t.Context(), &CategoryInput{Name: Set("Billing"), Colour: Set("#444444")})
	require.NoError(t, err)
	assert.Equal(t, http.StatusCreated, resp.StatusCode)
	assert.Equal(t, &Category{ID: 1, Name: "Billing", Colour: "#444444"}, cat)
}

func TestCategoriesService_Update(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("PUT /categories/1", func(w http.ResponseWriter, r *http.Request) {
		testJSONBody(t, r, `{"category":{"colour":"#444444"}}`)
		serveFixture(t, w, http.StatusOK, "categories/show.json")
	})
	cat, _, err := c.Categories.Update(t.Context(), 1, &CategoryInput{Colour: Set("#444444")})
	require.NoError(t, err)
	assert.Equal(t, int64(1), cat.ID)
}

// --- Lost reasons ---

var lostReason5 = &LostReason{
	ID: 5, Name: "Price", IncludedForConversion: true,
	CreatedAt: utc(2019, 5, 6, 7, 8, 9), UpdatedAt: utc(2019, 6, 7, 8, 9, 10),
}

func TestLostReasonsService_Read(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /lostreasons", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{})
		serveFixture(t, w, http.StatusOK, "lostreasons/list.json")
	})
	reasons, _, err := c.LostReasons.Read(t.Context())
	require.NoError(t, err)
	assert.Equal(t, []*LostReason{lostReason5, {
		ID: 6, Name: "Timing", IncludedForConversion: false,
		CreatedAt: utc(2019, 5, 6, 7, 8, 9), UpdatedAt: utc(2019, 5, 6, 7, 8, 9),
	}}, reasons)
}

func TestLostReasonsService_ReadSingle(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /lostreasons/5", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{})
		serveFixture(t, w, http.StatusOK, "lostreasons/show.json")
	})
	lr, _, err := c.LostReasons.ReadSingle(t.Context(), 5)
	require.NoError(t, err)
	assert.Equal(t, lostReason5, lr)
}

func TestLostReasonsService_Create(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("POST /lostreasons", func(w http.ResponseWriter, r *http.Request) {
		testJSONBody(t, r, `{"lostReason":{"name":"Price","includedForConversion":true}}`)
		serveFixture(t, w, http.StatusCreated, "lostreasons/show.json")
	})
	lr, _, err := c.LostReasons.Create(t.Context(), &LostReasonInput{Name: Set("Price"), IncludedForConversion: Set(true)})
	require.NoError(t, err)
	assert.Equal(t, lostReason5, lr)
}

func TestLostReasonsService_Update(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("PUT /lostreasons/5", func(w http.ResponseWriter, r *http.Request) {
		testJSONBody(t, r, `{"lostReason":{"includedForConversion":false}}`)
		serveFixture(t, w, http.StatusOK, "lostreasons/show.json")
	})
	lr, _, err := c.LostReasons.Update(t.Context(), 5, &LostReasonInput{IncludedForConversion: Set(false)})
	require.NoError(t, err)
	assert.Equal(t, lostReason5, lr)
}

func TestLookups_InvalidArguments(t *testing.T) {
	t.Parallel()
	assertNoRequestOnBadArgs(t, []refCase{
		{"activity type single 0", func(ctx context.Context, c *Client) error { return ignore2(c.ActivityTypes.ReadSingle(ctx, 0)) }},
		{"activity type create nil", func(ctx context.Context, c *Client) error { return ignore2(c.ActivityTypes.Create(ctx, nil)) }},
		{"activity type create no name", func(ctx context.Context, c *Client) error {
			return ignore2(c.ActivityTypes.Create(ctx, &ActivityTypeInput{Icon: Icon("PHONE")}))
		}},
		{"activity type create blank name", func(ctx context.Context, c *Client) error {
			return ignore2(c.ActivityTypes.Create(ctx, &ActivityTypeInput{Name: Set("  ")}))
		}},
		{"activity type create empty icon", func(ctx context.Context, c *Client) error {
			return ignore2(c.ActivityTypes.Create(ctx, &ActivityTypeInput{Name: Set("Demo"), Icon: Icon("")}))
		}},
		{"activity type update null icon", func(ctx context.Context, c *Client) error {
			return ignore2(c.ActivityTypes.Update(ctx, 17, &ActivityTypeInput{Icon: Null[IconRef]()}))
		}},
		{"activity type update 0", func(ctx context.Context, c *Client) error {
			return ignore2(c.ActivityTypes.Update(ctx, 0, &ActivityTypeInput{Name: Set("x")}))
		}},
		{"activity type update nil", func(ctx context.Context, c *Client) error { return ignore2(c.ActivityTypes.Update(ctx, 17, nil)) }},
		{"activity type update empty name", func(ctx context.Context, c *Client) error {
			return ignore2(c.ActivityTypes.Update(ctx, 17, &ActivityTypeInput{Name: Set("")}))
		}},
		{"activity type delete 0", func(ctx context.Context, c *Client) error { return ignore1(c.ActivityTypes.Delete(ctx, 0)) }},
		{"category single 0", func(ctx context.Context, c *Client) error { return ignore2(c.Categories.ReadSingle(ctx, 0)) }},
		{"category create nil", func(ctx context.Context, c *Client) error { return ignore2(c.Categories.Create(ctx, nil)) }},
		{"category create no name", func(ctx context.Context, c *Client) error {
			return ignore2(c.Categories.Create(ctx, &CategoryInput{Colour: Set("#444444")}))
		}},
		{"category create bad colour", func(ctx context.Context, c *Client) error {
			return ignore2(c.Categories.Create(ctx, &CategoryInput{Name: Set("Billing"), Colour: Set("444444")}))
		}},
		{"category update short colour", func(ctx context.Context, c *Client) error {
			return ignore2(c.Categories.Update(ctx, 1, &CategoryInput{Colour: Set("#444")}))
		}},
		{"category update non-hex colour", func(ctx context.Context, c *Client) error {
			return ignore2(c.Categories.Update(ctx, 1, &CategoryInput{Colour: Set("#44444g")}))
		}},
		{"category update null colour", func(ctx context.Context, c *Client) error {
			return ignore2(c.Categories.Update(ctx, 1, &CategoryInput{Colour: Null[string]()}))
		}},
		{"category update null name", func(ctx context.Context, c *Client) error {
			return ignore2(c.Categories.Update(ctx, 1, &CategoryInput{Name: Null[string]()}))
		}},
		{"category update 0", func(ctx context.Context, c *Client) error {
			return ignore2(c.Categories.Update(ctx, 0, &CategoryInput{Name: Set("x")}))
		}},
		{"category delete -1", func(ctx context.Context, c *Client) error { return ignore1(c.Categories.Delete(ctx, -1)) }},
		{"lost reason single 0", func(ctx context.Context, c *Client) error { return ignore2(c.LostReasons.ReadSingle(ctx, 0)) }},
		{"lost reason create nil", func(ctx context.Context, c *Client) error { return ignore2(c.LostReasons.Create(ctx, nil)) }},
		{"lost reason create empty name", func(ctx context.Context, c *Client) error {
			return ignore2(c.LostReasons.Create(ctx, &LostReasonInput{Name: Set(""), IncludedForConversion: Set(true)}))
		}},
		{"lost reason update nil", func(ctx context.Context, c *Client) error { return ignore2(c.LostReasons.Update(ctx, 5, nil)) }},
		{"lost reason update 0", func(ctx context.Context, c *Client) error {
			return ignore2(c.LostReasons.Update(ctx, 0, &LostReasonInput{Name: Set("x")}))
		}},
		{"lost reason update blank name", func(ctx context.Context, c *Client) error {
			return ignore2(c.LostReasons.Update(ctx, 5, &LostReasonInput{Name: Set(" ")}))
		}},
		{"lost reason delete 0", func(ctx context.Context, c *Client) error { return ignore1(c.LostReasons.Delete(ctx, 0)) }},
	})
}

func TestLookups_ErrorMapping(t *testing.T) {
	t.Parallel()
	assertErrorMapping(t, []refCase{
		{"activity types", func(ctx context.Context, c *Client) error { return ignore2(c.ActivityTypes.Read(ctx, nil)) }},
		{"activity types iter", func(ctx context.Context, c *Client) error {
			_, err := Collect(c.ActivityTypes.ReadIter(ctx, nil))
			return err
		}},
		{"activity type", func(ctx context.Context, c *Client) error { return ignore2(c.ActivityTypes.ReadSingle(ctx, 1)) }},
		{"icons", func(ctx context.Context, c *Client) error { return ignore2(c.ActivityTypes.ReadIcons(ctx)) }},
		{"activity type create", func(ctx context.Context, c *Client) error {
			return ignore2(c.ActivityTypes.Create(ctx, &ActivityTypeInput{Name: Set("x")}))
		}},
		{"activity type update", func(ctx context.Context, c *Client) error {
			return ignore2(c.ActivityTypes.Update(ctx, 1, &ActivityTypeInput{Name: Set("x")}))
		}},
		{"activity type delete", func(ctx context.Context, c *Client) error { return ignore1(c.ActivityTypes.Delete(ctx, 1)) }},
		{"categories", func(ctx context.Context, c *Client) error { return ignore2(c.Categories.Read(ctx, nil)) }},
		{"categories iter", func(ctx context.Context, c *Client) error {
			_, err := Collect(c.Categories.ReadIter(ctx, nil))
			return err
		}},
		{"category", func(ctx context.Context, c *Client) error { return ignore2(c.Categories.ReadSingle(ctx, 1)) }},
		{"category create", func(ctx context.Context, c *Client) error {
			return ignore2(c.Categories.Create(ctx, &CategoryInput{Name: Set("x")}))
		}},
		{"category update", func(ctx context.Context, c *Client) error {
			return ignore2(c.Categories.Update(ctx, 1, &CategoryInput{Name: Set("x")}))
		}},
		{"category delete", func(ctx context.Context, c *Client) error { return ignore1(c.Categories.Delete(ctx, 1)) }},
		{"lost reasons", func(ctx context.Context, c *Client) error { return ignore2(c.LostReasons.Read(ctx)) }},
		{"lost reason", func(ctx context.Context, c *Client) error { return ignore2(c.LostReasons.ReadSingle(ctx, 1)) }},
		{"lost reason create", func(ctx context.Context, c *Client) error {
			return ignore2(c.LostReasons.Create(ctx, &LostReasonInput{Name: Set("x")}))
		}},
		{"lost reason update", func(ctx context.Context, c *Client) error {
			return ignore2(c.LostReasons.Update(ctx, 1, &LostReasonInput{Name: Set("x")}))
		}},
		{"lost reason delete", func(ctx context.Context, c *Client) error { return ignore1(c.LostReasons.Delete(ctx, 1)) }},
	})
}
