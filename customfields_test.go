package capsule

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// decodeDefinitions decodes a {"definitions":[...]} fixture.
func decodeDefinitions(t *testing.T, name string) FieldDefinitions {
	t.Helper()
	var body struct {
		Definitions FieldDefinitions `json:"definitions"`
	}
	require.NoError(t, json.Unmarshal(fixture(t, name), &body))
	return body.Definitions
}

// testDefs are the definitions of testdata/customfields/list.json.
func testDefs(t *testing.T) FieldDefinitions {
	t.Helper()
	return decodeDefinitions(t, "customfields/list.json")
}

func TestFieldDefinitionDecodeList(t *testing.T) {
	t.Parallel()
	defs := testDefs(t)
	want := FieldDefinitions{
		{ID: 101, Name: "Source", Description: Ptr("Where we met them"), Type: FieldTypeText, Tag: nil,
			CaptureRule: Ptr(FieldCapturePerson), Options: []string{}, Important: true, DisplayOrder: 1},
		{ID: 102, Name: "Seats", Type: FieldTypeNumber, CaptureRule: Ptr(FieldCaptureOrganisation), DisplayOrder: 2},
		{ID: 103, Name: "Newsletter", Type: FieldTypeBoolean, DisplayOrder: 3},
		{ID: 104, Name: "Renewal", Type: FieldTypeDate, Tag: &Tag{ID: 7, Name: "Customer", DataTag: true}, DisplayOrder: 4},
		{ID: 105, Name: "Interests", Type: FieldTypeList, Tag: &Tag{ID: 168298, Name: "Hobby interests", DataTag: true},
			Options: []string{"Traveling", "Food", "Art"}, DisplayOrder: 5},
		{ID: 106, Name: "Billing", Description: Ptr("Profile in the billing system"), Type: FieldTypeLink, DisplayOrder: 6},
	}
	assert.Equal(t, want, defs)
}

func TestFieldDefinitionDecodeShow(t *testing.T) {
	t.Parallel()
	var body struct {
		Definition FieldDefinition `json:"definition"`
	}
	require.NoError(t, json.Unmarshal(fixture(t, "customfields/show.json"), &body))
	assert.Equal(t, FieldDefinition{
		ID: 105, Name: "Interests", Description: Ptr("What they like"), Type: FieldTypeList,
		Tag:         &Tag{ID: 168298, Name: "Hobby interests", DataTag: true},
		CaptureRule: nil, Options: []string{"Traveling", "Food", "Art"}, Important: true, DisplayOrder: 5,
	}, body.Definition)
}

func TestFieldDefinitionDecodeLive(t *testing.T) {
	t.Parallel()
	kases := decodeDefinitions(t, "customfields/live_kases_list.json")
	assert.Equal(t, FieldDefinitions{{
		ID: 926886, Name: "Interests", Description: nil, Type: FieldTypeList,
		Tag:         &Tag{ID: 168298, Name: "Hobby interests", DataTag: true},
		CaptureRule: nil, Options: []string{"Traveling", "Food", "Art"}, Important: false, DisplayOrder: 1,
	}}, kases)

	parties := decodeDefinitions(t, "customfields/live_parties_list.json")
	assert.NotNil(t, parties)
	assert.Empty(t, parties)
}

func TestEntityValidate(t *testing.T) {
	t.Parallel()
	for _, e := range []Entity{EntityParties, EntityOpportunities, EntityKases} {
		assert.NoError(t, e.validate(), e)
	}
	for _, e := range []Entity{"", "party", "Parties", "tasks", "parties/1"} {
		err := e.validate()
		require.ErrorIs(t, err, ErrInvalidArgument, e)
		assert.ErrorContains(t, err, "entity")
	}
}

func TestFieldDefinitionInputJSON(t *testing.T) {
	t.Parallel()
	testJSONMarshal(t, &FieldDefinitionInput{}, `{}`)
	testJSONMarshal(t, &FieldDefinitionInput{
		Name:         Set("Interests"),
		Description:  Null[string](),
		Type:         Set(FieldTypeList),
		Tag:          TagByName("Hobby interests"),
		CaptureRule:  Set(FieldCapturePerson),
		Options:      Set([]string{"Art", "Food"}),
		Important:    Set(false),
		DisplayOrder: Set(0),
	}, `{"name":"Interests","description":null,"type":"list","tag":{"name":"Hobby interests"},
		"captureRule":"person","options":["Art","Food"],"important":false,"displayOrder":0}`)
	testJSONMarshal(t, &FieldDefinitionInput{Tag: TagByID(7), CaptureRule: Null[FieldCaptureRule]()},
		`{"tag":{"id":7},"captureRule":null}`)
	testJSONMarshal(t, &FieldDefinitionInput{Tag: Null[TagRef]()}, `{"tag":null}`)
}

func TestFieldDefinitionInputValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		in     *FieldDefinitionInput
		create bool
		arg    string // "" = valid
	}{
		{"create text", &FieldDefinitionInput{Name: Set("A"), Type: Set(FieldTypeText)}, true, ""},
		{"create list", &FieldDefinitionInput{Name: Set("A"), Type: Set(FieldTypeList), Options: Set([]string{"x"})}, true, ""},
		{"update empty", &FieldDefinitionInput{}, false, ""},
		{"update name only", &FieldDefinitionInput{Name: Set("B")}, false, ""},
		{"update options only", &FieldDefinitionInput{Options: Set([]string{"x", "y"})}, false, ""},
		{"nil create", nil, true, "definition"},
		{"nil update", nil, false, "definition"},
		{"create without name", &FieldDefinitionInput{Type: Set(FieldTypeText)}, true, "definition.name"},
		{"create blank name", &FieldDefinitionInput{Name: Set("  "), Type: Set(FieldTypeText)}, true, "definition.name"},
		{"update null name", &FieldDefinitionInput{Name: Null[string]()}, false, "definition.name"},
		{"create without type", &FieldDefinitionInput{Name: Set("A")}, true, "definition.type"},
		{"update null type", &FieldDefinitionInput{Type: Null[FieldType]()}, false, "definition.type"},
		{"unknown type", &FieldDefinitionInput{Name: Set("A"), Type: Set(FieldType("money"))}, true, "definition.type"},
		{"list without options", &FieldDefinitionInput{Name: Set("A"), Type: Set(FieldTypeList)}, true, "definition.options"},
		{"options on text", &FieldDefinitionInput{Name: Set("A"), Type: Set(FieldTypeText), Options: Set([]string{"x"})}, true, "definition.options"},
		{"bad capture rule", &FieldDefinitionInput{CaptureRule: Set(FieldCaptureRule("people"))}, false, "definition.captureRule"},
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

func TestCustomFieldsRead(t *testing.T) {
	t.Parallel()
	for _, entity := range []Entity{EntityParties, EntityOpportunities, EntityKases} {
		t.Run(string(entity), func(t *testing.T) {
			t.Parallel()
			c, mux := setup(t)
			mux.HandleFunc("GET /"+string(entity)+"/fields/definitions", func(w http.ResponseWriter, r *http.Request) {
				testQuery(t, r, url.Values{"page": {"2"}, "perPage": {"10"}})
				testHeader(t, r, "Authorization", "Bearer "+testToken)
				writeJSON(t, w, http.StatusOK, string(fixture(t, "customfields/list.json")))
			})
			defs, resp, err := c.CustomFields.Read(t.Context(), entity, &ListOptions{Page: 2, PerPage: 10})
			require.NoError(t, err)
			require.NotNil(t, resp)
			assert.Equal(t, http.StatusOK, resp.StatusCode)
			assert.Equal(t, 0, resp.NextPage)
			assert.Equal(t, []*FieldDefinition(testDefs(t)), defs)
		})
	}
}

func TestCustomFieldsReadNoOptions(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /kases/fields/definitions", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, nil)
		writeJSON(t, w, http.StatusOK, string(fixture(t, "customfields/live_kases_list.json")))
	})
	defs, _, err := c.CustomFields.Read(t.Context(), EntityKases, nil)
	require.NoError(t, err)
	require.Len(t, defs, 1)
	assert.Equal(t, "Interests", defs[0].Name)
}

func TestCustomFieldsReadIter(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	h, n := counter(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("page") {
		case "1":
			testQuery(t, r, url.Values{"page": {"1"}, "perPage": {"100"}})
			w.Header().Set("Link", `<https://api.capsulecrm.com/api/v2/parties/fields/definitions?page=2&perPage=100>; rel="next"`)
			writeJSON(t, w, http.StatusOK, `{"definitions":[{"id":1,"name":"A","type":"text","displayOrder":1}]}`)
		case "2":
			testQuery(t, r, url.Values{"page": {"2"}, "perPage": {"100"}})
			writeJSON(t, w, http.StatusOK, `{"definitions":[{"id":2,"name":"B","type":"boolean","displayOrder":2}]}`)
		default:
			t.Errorf("unexpected page %s", r.URL)
		}
	})
	mux.HandleFunc("GET /parties/fields/definitions", h)

	var ids []int64
	for d, err := range c.CustomFields.ReadIter(t.Context(), EntityParties, nil) {
		require.NoError(t, err)
		ids = append(ids, d.ID)
	}
	assert.Equal(t, []int64{1, 2}, ids)
	assert.Equal(t, int32(2), n.Load())

	all, err := c.CustomFields.ReadAll(t.Context(), EntityParties)
	require.NoError(t, err)
	assert.Equal(t, FieldDefinitions{
		{ID: 1, Name: "A", Type: FieldTypeText, DisplayOrder: 1},
		{ID: 2, Name: "B", Type: FieldTypeBoolean, DisplayOrder: 2},
	}, all)

	// An early break sends no further request.
	for range c.CustomFields.ReadIter(t.Context(), EntityParties, nil) {
		break
	}
	assert.Equal(t, int32(5), n.Load())
}

func TestCustomFieldsReadSingle(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /opportunities/fields/definitions/105", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, nil)
		writeJSON(t, w, http.StatusOK, string(fixture(t, "customfields/show.json")))
	})
	d, resp, err := c.CustomFields.ReadSingle(t.Context(), EntityOpportunities, 105)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, &FieldDefinition{
		ID: 105, Name: "Interests", Description: Ptr("What they like"), Type: FieldTypeList,
		Tag:     &Tag{ID: 168298, Name: "Hobby interests", DataTag: true},
		Options: []string{"Traveling", "Food", "Art"}, Important: true, DisplayOrder: 5,
	}, d)
}

func TestCustomFieldsCreate(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("POST /parties/fields/definitions", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodPost)
		testQuery(t, r, nil)
		testHeader(t, r, "Content-Type", "application/json")
		testJSONBody(t, r, `{"definition":{"name":"Interests","type":"list","tag":{"name":"Hobby interests"},
			"options":["Traveling","Food","Art"],"captureRule":"person","important":true}}`)
		w.Header().Set("Location", "https://api.capsulecrm.com/api/v2/parties/fields/definitions/105")
		writeJSON(t, w, http.StatusCreated, string(fixture(t, "customfields/show.json")))
	})
	d, resp, err := c.CustomFields.Create(t.Context(), EntityParties, &FieldDefinitionInput{
		Name:        Set("Interests"),
		Type:        Set(FieldTypeList),
		Tag:         TagByName("Hobby interests"),
		Options:     Set([]string{"Traveling", "Food", "Art"}),
		CaptureRule: Set(FieldCapturePerson),
		Important:   Set(true),
	})
	require.NoError(t, err)
	assert.Equal(t, http.StatusCreated, resp.StatusCode)
	assert.Equal(t, "https://api.capsulecrm.com/api/v2/parties/fields/definitions/105", resp.Location)
	assert.Equal(t, int64(105), d.ID)
	assert.Equal(t, []string{"Traveling", "Food", "Art"}, d.Options)
}

func TestCustomFieldsUpdate(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("PUT /kases/fields/definitions/105", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodPut)
		testQuery(t, r, nil)
		testJSONBody(t, r, `{"definition":{"description":"What they like","important":true,"displayOrder":5}}`)
		writeJSON(t, w, http.StatusOK, string(fixture(t, "customfields/show.json")))
	})
	d, resp, err := c.CustomFields.Update(t.Context(), EntityKases, 105, &FieldDefinitionInput{
		Description:  Set("What they like"),
		Important:    Set(true),
		DisplayOrder: Set(5),
	})
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, Ptr("What they like"), d.Description)
	assert.True(t, d.Important)
}

func TestCustomFieldsErrors(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /parties/fields/definitions/999", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(t, w, http.StatusNotFound, `{"message":"Could not find resource"}`)
	})
	mux.HandleFunc("POST /parties/fields/definitions", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(t, w, http.StatusUnprocessableEntity,
			`{"message":"Validation Failed","errors":[{"message":"name is already taken","resource":"definition","field":"name"}]}`)
	})
	_, _, err := c.CustomFields.ReadSingle(t.Context(), EntityParties, 999)
	require.ErrorIs(t, err, ErrNotFound)

	_, resp, err := c.CustomFields.Create(t.Context(), EntityParties, &FieldDefinitionInput{Name: Set("Source"), Type: Set(FieldTypeText)})
	require.ErrorIs(t, err, ErrValidation)
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, []FieldError{{Message: "name is already taken", Resource: "definition", Field: "name"}}, apiErr.Errors)
}

func TestCustomFieldsInvalidArguments(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	requests := refuseRequests(t, mux).Load
	ctx := t.Context()
	valid := &FieldDefinitionInput{Name: Set("A"), Type: Set(FieldTypeText)}
	calls := map[string]func() error{
		"Read bad entity": func() error { _, _, err := c.CustomFields.Read(ctx, "people", nil); return err },
		"ReadIter bad entity": func() error {
			for _, err := range c.CustomFields.ReadIter(ctx, "", nil) {
				return err
			}
			return nil
		},
		"ReadAll bad entity":    func() error { _, err := c.CustomFields.ReadAll(ctx, "tasks"); return err },
		"ReadSingle bad entity": func() error { _, _, err := c.CustomFields.ReadSingle(ctx, "Parties", 1); return err },
		"ReadSingle zero id":    func() error { _, _, err := c.CustomFields.ReadSingle(ctx, EntityParties, 0); return err },
		"Create bad entity":     func() error { _, _, err := c.CustomFields.Create(ctx, "x", valid); return err },
		"Create nil":            func() error { _, _, err := c.CustomFields.Create(ctx, EntityParties, nil); return err },
		"Create without type": func() error {
			_, _, err := c.CustomFields.Create(ctx, EntityParties, &FieldDefinitionInput{Name: Set("A")})
			return err
		},
		"Create list without options": func() error {
			_, _, err := c.CustomFields.Create(ctx, EntityKases, &FieldDefinitionInput{Name: Set("A"), Type: Set(FieldTypeList)})
			return err
		},
		"Update bad entity": func() error { _, _, err := c.CustomFields.Update(ctx, "x", 1, valid); return err },
		"Update zero id":    func() error { _, _, err := c.CustomFields.Update(ctx, EntityParties, 0, valid); return err },
		"Update nil":        func() error { _, _, err := c.CustomFields.Update(ctx, EntityParties, 1, nil); return err },
		"Update blank name": func() error {
			_, _, err := c.CustomFields.Update(ctx, EntityParties, 1, &FieldDefinitionInput{Name: Set("")})
			return err
		},
		"Delete bad entity": func() error { _, err := c.CustomFields.Delete(ctx, "x", 1); return err },
		"Delete zero id":    func() error { _, err := c.CustomFields.Delete(ctx, EntityParties, 0); return err },
	}
	for name, call := range calls {
		assert.ErrorIs(t, call(), ErrInvalidArgument, name)
	}
	assert.Zero(t, requests())
}
