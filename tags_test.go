package capsule

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTagDefinitionDecode(t *testing.T) {
	t.Parallel()
	var list struct {
		Tags []*TagDefinition `json:"tags"`
	}
	require.NoError(t, json.Unmarshal(fixture(t, "tags/list.json"), &list))
	assert.Equal(t, []*TagDefinition{
		{ID: 1199, Name: "VIP", Description: nil, DataTag: false, Definitions: nil},
		{ID: 168298, Name: "Hobby interests", Description: Ptr("What they do for fun"), DataTag: true,
			Definitions: []FieldDefinition{{
				ID: 926886, Name: "Interests", Description: nil, Type: FieldTypeList, Tag: nil, CaptureRule: nil,
				Options: []string{"Traveling", "Food", "Art"}, Important: false, DisplayOrder: 1,
			}}},
	}, list.Tags)

	var show struct {
		Tag TagDefinition `json:"tag"`
	}
	require.NoError(t, json.Unmarshal(fixture(t, "tags/show.json"), &show))
	assert.Equal(t, TagDefinition{ID: 1840253, Name: "Nice Guy", Description: nil, DataTag: false, Definitions: []FieldDefinition{}}, show.Tag)
}

func TestTagInputJSON(t *testing.T) {
	t.Parallel()
	testJSONMarshal(t, &TagInput{}, `{}`)
	testJSONMarshal(t, &TagInput{Name: Set("Nice Guy"), Description: Null[string](), DataTag: Set(false)},
		`{"name":"Nice Guy","description":null,"dataTag":false}`)
	testJSONMarshal(t, &TagInput{Description: Set("Our best customers")}, `{"description":"Our best customers"}`)
}

func TestTagInputValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		in     *TagInput
		create bool
		arg    string // "" = valid
	}{
		{"create", &TagInput{Name: Set("VIP")}, true, ""},
		{"create data tag", &TagInput{Name: Set("Hobby"), DataTag: Set(true), Description: Null[string]()}, true, ""},
		{"update empty", &TagInput{}, false, ""},
		{"update description", &TagInput{Description: Set("x")}, false, ""},
		{"nil", nil, true, "tag"},
		{"create without name", &TagInput{DataTag: Set(true)}, true, "tag.name"},
		{"blank name", &TagInput{Name: Set(" ")}, false, "tag.name"},
		{"null name", &TagInput{Name: Null[string]()}, false, "tag.name"},
		{"null dataTag", &TagInput{DataTag: Null[bool]()}, false, "tag.dataTag"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.in.validate(tt.create)
			if tt.arg == "" {
				assert.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrInvalidArgument)
			assert.ErrorContains(t, err, tt.arg)
		})
	}
}

func TestTagsRead(t *testing.T) {
	t.Parallel()
	for _, entity := range []Entity{EntityParties, EntityOpportunities, EntityKases} {
		t.Run(string(entity), func(t *testing.T) {
			t.Parallel()
			c, mux := setup(t)
			mux.HandleFunc("GET /"+string(entity)+"/tags", func(w http.ResponseWriter, r *http.Request) {
				testQuery(t, r, url.Values{"page": {"3"}, "perPage": {"25"}})
				writeJSON(t, w, http.StatusOK, string(fixture(t, "tags/list.json")))
			})
			tags, resp, err := c.Tags.Read(t.Context(), entity, &ListOptions{Page: 3, PerPage: 25})
			require.NoError(t, err)
			assert.Equal(t, http.StatusOK, resp.StatusCode)
			require.Len(t, tags, 2)
			assert.Equal(t, &TagDefinition{ID: 1199, Name: "VIP"}, tags[0])
			assert.Equal(t, "Hobby interests", tags[1].Name)
			assert.True(t, tags[1].DataTag)
			require.Len(t, tags[1].Definitions, 1)
			assert.Equal(t, int64(926886), tags[1].Definitions[0].ID)
		})
	}
}

func TestTagsReadIter(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	h, n := counter(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("page") {
		case "1":
			testQuery(t, r, url.Values{"page": {"1"}, "perPage": {"100"}})
			w.Header().Set("Link", `<https://api.capsulecrm.com/api/v2/kases/tags?page=2&perPage=100>; rel="next"`)
			writeJSON(t, w, http.StatusOK, `{"tags":[{"id":1,"name":"A","dataTag":false}]}`)
		case "2":
			writeJSON(t, w, http.StatusInternalServerError, `{"message":"boom"}`)
		default:
			t.Errorf("unexpected page %s", r.URL)
		}
	})
	mux.HandleFunc("GET /kases/tags", h)

	var names []string
	var lastErr error
	for tag, err := range c.Tags.ReadIter(t.Context(), EntityKases, nil) {
		if err != nil {
			lastErr = err
			continue
		}
		names = append(names, tag.Name)
	}
	assert.Equal(t, []string{"A"}, names)
	var apiErr *APIError
	require.ErrorAs(t, lastErr, &apiErr, "an error mid-way ends the iteration")
	assert.Equal(t, http.StatusInternalServerError, apiErr.StatusCode)
	assert.GreaterOrEqual(t, n.Load(), int32(2))

	before := n.Load()
	for range c.Tags.ReadIter(t.Context(), EntityKases, nil) {
		break
	}
	assert.Equal(t, before+1, n.Load(), "an early break sends no further request")
}

func TestTagsReadSingle(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /parties/tags/1840253", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, nil)
		writeJSON(t, w, http.StatusOK, string(fixture(t, "tags/show.json")))
	})
	tag, _, err := c.Tags.ReadSingle(t.Context(), EntityParties, 1840253)
	require.NoError(t, err)
	assert.Equal(t, &TagDefinition{ID: 1840253, Name: "Nice Guy", Definitions: []FieldDefinition{}}, tag)
}

func TestTagsCreate(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("POST /parties/tags", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodPost)
		testQuery(t, r, nil)
		testJSONBody(t, r, `{"tag":{"name":"Nice Guy","description":null,"dataTag":false}}`)
		w.Header().Set("Location", "https://api.capsulecrm.com/api/v2/parties/tags/1840253")
		writeJSON(t, w, http.StatusCreated, string(fixture(t, "tags/show.json")))
	})
	tag, resp, err := c.Tags.Create(t.Context(), EntityParties, &TagInput{
		Name: Set("Nice Guy"), Description: Null[string](), DataTag: Set(false),
	})
	require.NoError(t, err)
	assert.Equal(t, http.StatusCreated, resp.StatusCode)
	assert.Equal(t, "https://api.capsulecrm.com/api/v2/parties/tags/1840253", resp.Location)
	assert.Equal(t, int64(1840253), tag.ID)
}

func TestTagsUpdate(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("PUT /opportunities/tags/1199", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, nil)
		testJSONBody(t, r, `{"tag":{"description":"Our best customers","dataTag":true}}`)
		writeJSON(t, w, http.StatusOK, `{"tag":{"id":1199,"name":"VIP","description":"Our best customers","dataTag":true,"definitions":[]}}`)
	})
	tag, _, err := c.Tags.Update(t.Context(), EntityOpportunities, 1199, &TagInput{
		Description: Set("Our best customers"), DataTag: Set(true),
	})
	require.NoError(t, err)
	assert.Equal(t, &TagDefinition{ID: 1199, Name: "VIP", Description: Ptr("Our best customers"), DataTag: true, Definitions: []FieldDefinition{}}, tag)
}

func TestTagsErrors(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("DELETE /parties/tags/404", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(t, w, http.StatusNotFound, `{"message":"Could not find resource"}`)
	})
	mux.HandleFunc("PUT /parties/tags/5", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(t, w, http.StatusUnprocessableEntity,
			`{"message":"Validation Failed","errors":[{"message":"data tag still has field definitions","resource":"tag","field":"dataTag"}]}`)
	})
	_, err := c.Tags.Delete(t.Context(), EntityParties, 404)
	require.ErrorIs(t, err, ErrNotFound)

	_, _, err = c.Tags.Update(t.Context(), EntityParties, 5, &TagInput{DataTag: Set(false)})
	require.ErrorIs(t, err, ErrValidation)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, []FieldError{{Message: "data tag still has field definitions", Resource: "tag", Field: "dataTag"}}, apiErr.Errors)
}

func TestTagsInvalidArguments(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	requests := refuseRequests(t, mux).Load
	ctx := t.Context()
	valid := &TagInput{Name: Set("VIP")}
	calls := map[string]func() error{
		"Read bad entity": func() error { _, _, err := c.Tags.Read(ctx, "users", nil); return err },
		"ReadIter bad entity": func() error {
			for _, err := range c.Tags.ReadIter(ctx, "", nil) {
				return err
			}
			return nil
		},
		"ReadSingle bad entity": func() error { _, _, err := c.Tags.ReadSingle(ctx, "party", 1); return err },
		"ReadSingle zero id":    func() error { _, _, err := c.Tags.ReadSingle(ctx, EntityParties, 0); return err },
		"Create bad entity":     func() error { _, _, err := c.Tags.Create(ctx, "x", valid); return err },
		"Create nil":            func() error { _, _, err := c.Tags.Create(ctx, EntityParties, nil); return err },
		"Create without name":   func() error { _, _, err := c.Tags.Create(ctx, EntityParties, &TagInput{}); return err },
		"Update bad entity":     func() error { _, _, err := c.Tags.Update(ctx, "x", 1, valid); return err },
		"Update negative id":    func() error { _, _, err := c.Tags.Update(ctx, EntityKases, -1, valid); return err },
		"Update null name": func() error {
			_, _, err := c.Tags.Update(ctx, EntityKases, 1, &TagInput{Name: Null[string]()})
			return err
		},
		"Delete bad entity": func() error { _, err := c.Tags.Delete(ctx, "x", 1); return err },
		"Delete zero id":    func() error { _, err := c.Tags.Delete(ctx, EntityKases, 0); return err },
	}
	for name, call := range calls {
		assert.ErrorIs(t, call(), ErrInvalidArgument, name)
	}
	assert.Zero(t, requests())
}
