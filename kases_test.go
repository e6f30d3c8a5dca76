package capsule

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// wantShowKase is the decoded testdata/kases/show.json.
func wantShowKase(t *testing.T) *Kase {
	return &Kase{
		ID:                     12,
		Party:                  &Party{ID: 892, Type: PartyOrganisation, Name: "Sabre Inc", PictureURL: "https://example.com/sabre.png"},
		Name:                   "Consulting",
		Description:            Ptr("Scope and deliver the consulting work"),
		Owner:                  &UserRef{ID: 6, Username: "john", Name: "John Spencer"},
		Team:                   &TeamRef{ID: 3, Name: "Delivery"},
		Status:                 KaseClosed,
		Opportunity:            &Opportunity{ID: 83948362, Name: "Private", IsRestricted: true},
		Stage:                  &NamedRef{ID: 149, Name: "Project Brief"},
		CreatedAt:              ts(t, "2015-12-01T10:00:00Z"),
		UpdatedAt:              ts(t, "2015-12-09T17:30:00Z"),
		ExpectedCloseOn:        Ptr(NewDate(2015, 12, 9)),
		ClosedOn:               Ptr(NewDate(2015, 12, 10)),
		LastContactedAt:        tsp(t, "2015-12-08T08:15:00Z"),
		Tags:                   []Tag{{ID: 31, Name: "Urgent", Description: Ptr("Needs attention")}},
		Fields:                 Fields{{ID: 9785121, Definition: NamedRef{ID: 926886, Name: "Interests"}, Value: "Skiing", TagID: Ptr(int64(168298))}},
		MissingImportantFields: true,
		StartOn:                json.RawMessage(`"2015-12-02"`),
	}
}

func TestKaseDecodeShow(t *testing.T) {
	t.Parallel()
	assert.Equal(t, wantShowKase(t), decodeFixture[*Kase](t, "kases/show.json", "kase"))
}

// wantLiveKasesFirstPage is the decoded testdata/kases/live_first_page.json.
func wantLiveKasesFirstPage(t *testing.T) []*Kase {
	return []*Kase{{
		ID: 5588202,
		Owner: &UserRef{ID: 694320, Username: "MaiaHilton", Name: "Maia Hilton",
			PictureURL: "https://facehub.appspot.com/default/person?text=BD&size=100&colour=1703099704"},
		Party: &Party{ID: 277242033, Type: PartyPerson, FirstName: Ptr("Maia"), LastName: Ptr("Hilton"),
			PictureURL: "https://facehub.appspot.com/default/person?text=BD&size=100&colour=1703099704"},
		Status:          KaseOpen,
		Stage:           &NamedRef{ID: 271006, Name: "Planning"},
		CreatedAt:       ts(t, "2025-10-14T00:11:23Z"),
		UpdatedAt:       ts(t, "2025-10-14T00:26:22Z"),
		Description:     Ptr("Designing shopping cart website"),
		Name:            "Research",
		ExpectedCloseOn: Ptr(NewDate(2015, 12, 9)),
		StartOn:         json.RawMessage("null"),
		Fields:          Fields{{ID: 9785121, Definition: NamedRef{ID: 926886, Name: "Interests"}, Value: "Skiing", TagID: Ptr(int64(168298))}},
	}}
}

// wantLiveKaseCreate is the decoded testdata/kases/live_create.json.
func wantLiveKaseCreate(t *testing.T) *Kase {
	return &Kase{
		ID: 5271516,
		Owner: &UserRef{ID: 674197, Username: "integration.test", Name: "integration.tes1907",
			PictureURL: "https://facehub.appspot.com/default/person?text=I&size=100&colour=2099955006"},
		Party: &Party{ID: 254633973, Type: PartyOrganisation, Name: "Capsule",
			PictureURL: "https://capsule-pictures-prod.s3.amazonaws.com/6a991dea-8623-4cef-9f3f-b5ff25509d81?size=100&v=0"},
		Status:          KaseOpen,
		Stage:           &NamedRef{ID: 104607, Name: "Project Brief"},
		CreatedAt:       ts(t, "2025-03-07T23:32:00Z"),
		UpdatedAt:       ts(t, "2025-03-07T23:32:00Z"),
		Description:     Ptr("Project focused on business research"),
		Name:            "Research",
		ExpectedCloseOn: Ptr(NewDate(2015, 12, 9)),
	}
}

func TestKaseDecodeLive(t *testing.T) {
	t.Parallel()
	assert.Equal(t, wantLiveKasesFirstPage(t), decodeFixture[[]*Kase](t, "kases/live_first_page.json", "kases"))
	assert.Equal(t, wantLiveKaseCreate(t), decodeFixture[*Kase](t, "kases/live_create.json", "kase"))
}

func TestKaseInputMarshal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   KaseInput
		want string
	}{
		{"unset", KaseInput{}, `{}`},
		{"null", KaseInput{
			Description: Null[string](), Owner: Null[Ref](), Team: Null[Ref](), Opportunity: Null[Ref](),
			Stage: Null[int64](), ExpectedCloseOn: Null[Date](),
		}, `{"description":null,"owner":null,"team":null,"opportunity":null,"stage":null,"expectedCloseOn":null}`},
		{"zero", KaseInput{Name: Set(""), Description: Set(""), Status: Set("")}, `{"name":"","description":"","status":""}`},
		{"docs create example", KaseInput{
			Party: RefTo(892), Status: Set(KaseOpen), Description: Set("Scope"), Name: Set("Consulting"),
			Stage: Set[int64](149), ExpectedCloseOn: Set(NewDate(2015, 12, 9)),
		}, `{"party":{"id":892},"status":"OPEN","description":"Scope","name":"Consulting","stage":149,"expectedCloseOn":"2015-12-09"}`},
		{"refs, tags, fields, tracks", KaseInput{
			Owner: RefTo(6), Team: RefTo(3), Opportunity: RefTo(83948362),
			Tags:   []TagChange{AddTag("Urgent")},
			Fields: []FieldChange{RemoveField(9785121)},
			Tracks: []TrackApplication{ApplyTrack(7)},
		}, `{"owner":{"id":6},"team":{"id":3},"opportunity":{"id":83948362},"tags":[{"name":"Urgent"}],
			"fields":[{"id":9785121,"_delete":true}],"tracks":[{"definition":{"id":7}}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			testJSONMarshal(t, tt.in, tt.want)
		})
	}
}

// Wire tests.

func TestKasesRead(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /kases", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{"perPage": {"1"}, "since": {testSinceWire}, "embed": {"fields"}})
		writeJSON(t, w, http.StatusOK, string(fixture(t, "kases/live_first_page.json")))
	})
	got, resp, err := c.Kases.Read(t.Context(), &ListOptions{PerPage: 1, Since: testSince, Embed: []string{EmbedFields}})
	require.NoError(t, err)
	assert.Equal(t, wantLiveKasesFirstPage(t), got)
	assert.Zero(t, resp.NextPage)
}

func TestKasesReadIter(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	n := serveThreePages(t, mux, "GET /kases", "kases", url.Values{"perPage": {"100"}, "embed": {"party,opportunity"}}, "")
	ids := iterIDs(t, c.Kases.ReadIter(t.Context(), &ListOptions{Embed: []string{EmbedParty, EmbedOpportunity}}),
		func(k *Kase) int64 { return k.ID })
	assert.Equal(t, []int64{1, 2, 3}, ids)
	assert.EqualValues(t, 3, n.Load())
}

func TestKasesReadSingle(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /kases/12", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{"embed": {"tags,fields,missingImportantFields"}})
		writeJSON(t, w, http.StatusOK, string(fixture(t, "kases/show.json")))
	})
	got, _, err := c.Kases.ReadSingle(t.Context(), 12, &ReadOptions{Embed: []string{EmbedTags, EmbedFields, EmbedMissingImportantFields}})
	require.NoError(t, err)
	assert.Equal(t, wantShowKase(t), got)
}

func TestKasesReadMultiple(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	asked := serveMultiple(t, mux, "kases", "kases", url.Values{"embed": {"party"}})
	ids := seqIDs(23)
	got, _, err := c.Kases.ReadMultiple(t.Context(), ids, &ReadOptions{Embed: []string{EmbedParty}})
	require.NoError(t, err)
	assert.Equal(t, []string{"1,2,3,4,5,6,7,8,9,10", "11,12,13,14,15,16,17,18,19,20", "21,22,23"}, asked())
	gotIDs := make([]int64, len(got))
	for i, k := range got {
		gotIDs[i] = k.ID
	}
	assert.Equal(t, ids, gotIDs)
}

func TestKasesReadDeleted(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /kases/deleted", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{"since": {testSinceWire}})
		writeJSON(t, w, http.StatusOK, string(fixture(t, "kases/deleted.json")))
	})
	got, _, err := c.Kases.ReadDeleted(t.Context(), testSince)
	require.NoError(t, err)
	assert.Equal(t, wantDeleted(t, "kases"), got)
}

func TestKasesSearch(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /kases/search", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{"q": {"Research"}, "page": {"3"}})
		writeJSON(t, w, http.StatusOK, string(fixture(t, "kases/live_first_page.json")))
	})
	got, _, err := c.Kases.Search(t.Context(), "Research", &ListOptions{Page: 3})
	require.NoError(t, err)
	assert.Equal(t, wantLiveKasesFirstPage(t), got)
}

func TestKasesSearchIter(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	n := serveThreePages(t, mux, "GET /kases/search", "kases", url.Values{"q": {"r"}, "perPage": {"100"}}, "")
	ids := iterIDs(t, c.Kases.SearchIter(t.Context(), "r", nil), func(k *Kase) int64 { return k.ID })
	assert.Equal(t, []int64{1, 2, 3}, ids)
	assert.EqualValues(t, 3, n.Load())
}

var testKaseFilter = Filter{Conditions: []Condition{{Field: "status", Operator: "is", Value: "OPEN"}, {Field: "stage", Operator: "is", Value: 149}}}

const testKaseFilterBody = `{"filter":{"conditions":[{"field":"status","operator":"is","value":"OPEN"},{"field":"stage","operator":"is","value":149}]}}`

func TestKasesFilter(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("POST /kases/filters/results", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{})
		testJSONBody(t, r, testKaseFilterBody)
		writeJSON(t, w, http.StatusOK, string(fixture(t, "kases/live_first_page.json")))
	})
	got, _, err := c.Kases.Filter(t.Context(), testKaseFilter, nil)
	require.NoError(t, err)
	assert.Equal(t, wantLiveKasesFirstPage(t), got)
}

func TestKasesFilterIter(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	n := serveThreePages(t, mux, "POST /kases/filters/results", "kases", url.Values{"perPage": {"100"}}, testKaseFilterBody)
	ids := iterIDs(t, c.Kases.FilterIter(t.Context(), testKaseFilter, nil), func(k *Kase) int64 { return k.ID })
	assert.Equal(t, []int64{1, 2, 3}, ids)
	assert.EqualValues(t, 3, n.Load())
}

func TestKasesCreate(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("POST /kases", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{})
		testJSONBody(t, r, `{"kase":{"party":{"id":254633973},"status":"OPEN","description":"Project focused on business research",
			"name":"Research","stage":104607,"expectedCloseOn":"2015-12-09","tracks":[{"definition":{"id":5}}]}}`)
		w.Header().Set("Location", "https://api.capsulecrm.com/api/v2/kases/5271516")
		writeJSON(t, w, http.StatusCreated, string(fixture(t, "kases/live_create.json")))
	})
	got, resp, err := c.Kases.Create(t.Context(), &KaseInput{
		Party: RefTo(254633973), Status: Set(KaseOpen), Description: Set("Project focused on business research"),
		Name: Set("Research"), Stage: Set[int64](104607), ExpectedCloseOn: Set(NewDate(2015, time.December, 9)),
		Tracks: []TrackApplication{ApplyTrack(5)},
	})
	require.NoError(t, err)
	assert.Equal(t, wantLiveKaseCreate(t), got)
	assert.Equal(t, http.StatusCreated, resp.StatusCode)
	assert.Equal(t, "https://api.capsulecrm.com/api/v2/kases/5271516", resp.Location)
}

func TestKasesCreateValidationError(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("POST /kases", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(t, w, http.StatusUnprocessableEntity,
			`{"message":"Validation Failed","errors":[{"message":"owner or team is required","resource":"kase","field":"owner"}]}`)
	})
	_, _, err := c.Kases.Create(t.Context(), &KaseInput{Name: Set("R"), Party: RefTo(1), Owner: Null[Ref]()})
	require.ErrorIs(t, err, ErrValidation)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, []FieldError{{Message: "owner or team is required", Resource: "kase", Field: "owner"}}, apiErr.Errors)
}

func TestKasesUpdate(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("PUT /kases/12", func(w http.ResponseWriter, r *http.Request) {
		testJSONBody(t, r, `{"kase":{"status":"CLOSED","stage":149,"opportunity":null,"owner":{"id":6},"team":{"id":3},
			"fields":[{"id":9785121,"value":"Skiing"}]}}`)
		writeJSON(t, w, http.StatusOK, string(fixture(t, "kases/show.json")))
	})
	got, _, err := c.Kases.Update(t.Context(), 12, &KaseInput{
		Status: Set(KaseClosed), Stage: Set[int64](149), Opportunity: Null[Ref](), Owner: RefTo(6), Team: RefTo(3),
		Fields: []FieldChange{{ID: 9785121, Value: "Skiing"}},
	})
	require.NoError(t, err)
	assert.Equal(t, wantShowKase(t), got)
}

func TestKasesUpdateEmpty(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("PUT /kases/3", func(w http.ResponseWriter, r *http.Request) {
		testJSONBody(t, r, `{"kase":{}}`)
		writeJSON(t, w, http.StatusOK, `{"kase":{"id":3,"name":"K","status":"OPEN"}}`)
	})
	got, _, err := c.Kases.Update(t.Context(), 3, &KaseInput{})
	require.NoError(t, err)
	assert.Equal(t, KaseOpen, got.Status)
}

func TestKasesParties(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /kases/12/parties", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{"embed": {"tags"}})
		writeJSON(t, w, http.StatusOK, string(fixture(t, "parties/live_first_page.json")))
	})
	got, _, err := c.Kases.Parties(t.Context(), 12, &ListOptions{Embed: []string{EmbedTags}})
	require.NoError(t, err)
	assert.Equal(t, wantLivePartiesFirstPage(t), got)
}

func TestKasesPartiesIter(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	n := serveThreePages(t, mux, "GET /kases/12/parties", "parties", url.Values{"perPage": {"100"}}, "")
	ids := iterIDs(t, c.Kases.PartiesIter(t.Context(), 12, nil), func(p *Party) int64 { return p.ID })
	assert.Equal(t, []int64{1, 2, 3}, ids)
	assert.EqualValues(t, 3, n.Load())
}

func TestKasesInvalidArguments(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	refuseRequests(t, mux)
	ctx := t.Context()
	create := func(in *KaseInput) error { _, _, err := c.Kases.Create(ctx, in); return err }
	update := func(in *KaseInput) error { _, _, err := c.Kases.Update(ctx, 1, in); return err }
	tests := []struct {
		name string
		arg  string
		err  error
	}{
		{"ReadSingle id 0", "id", func() error { _, _, err := c.Kases.ReadSingle(ctx, 0, nil); return err }()},
		{"ReadMultiple id 0", "ids", func() error { _, _, err := c.Kases.ReadMultiple(ctx, []int64{3, 0}, nil); return err }()},
		{"ReadDeleted zero since", "since", func() error { _, _, err := c.Kases.ReadDeleted(ctx, time.Time{}); return err }()},
		{"Search empty", "q", func() error { _, _, err := c.Kases.Search(ctx, "", nil); return err }()},
		{"SearchIter empty", "q", func() error { _, err := Collect(c.Kases.SearchIter(ctx, "", nil)); return err }()},
		{"Filter no conditions", "filter", func() error { _, _, err := c.Kases.Filter(ctx, Filter{}, nil); return err }()},
		{"FilterIter bad operator", "filter.conditions[0]", func() error {
			_, err := Collect(c.Kases.FilterIter(ctx, Filter{Conditions: []Condition{{Field: "name", Operator: "is after", Value: "x"}}}, nil))
			return err
		}()},
		{"Create nil", "input", create(nil)},
		{"Create without name", "name", create(&KaseInput{Party: RefTo(1)})},
		{"Create with empty name", "name", create(&KaseInput{Name: Set(""), Party: RefTo(1)})},
		{"Create without party", "party", create(&KaseInput{Name: Set("K")})},
		{"Create bad status", "status", create(&KaseInput{Name: Set("K"), Party: RefTo(1), Status: Set("open")})},
		{"Create bad stage", "stage", create(&KaseInput{Name: Set("K"), Party: RefTo(1), Stage: Set[int64](0)})},
		{"Create bad opportunity", "opportunity", create(&KaseInput{Name: Set("K"), Party: RefTo(1), Opportunity: RefTo(0)})},
		{"Create bad owner", "owner", create(&KaseInput{Name: Set("K"), Party: RefTo(1), Owner: RefTo(0)})},
		{"Create bad track", "tracks[0]", create(&KaseInput{Name: Set("K"), Party: RefTo(1), Tracks: []TrackApplication{{}}})},
		{"Create bad field", "fields[0]", create(&KaseInput{Name: Set("K"), Party: RefTo(1), Fields: []FieldChange{{ID: -4}}})},
		{"Update id 0", "id", func() error { _, _, err := c.Kases.Update(ctx, 0, &KaseInput{}); return err }()},
		{"Update nil", "input", update(nil)},
		{"Update null party", "party", update(&KaseInput{Party: Null[Ref]()})},
		{"Update null name", "name", update(&KaseInput{Name: Null[string]()})},
		{"Update null status", "status", update(&KaseInput{Status: Null[string]()})},
		{"Update with tracks", "tracks", update(&KaseInput{Tracks: []TrackApplication{ApplyTrack(1)}})},
		{"Delete id 0", "id", func() error { _, err := c.Kases.Delete(ctx, 0); return err }()},
		{"Parties id 0", "id", func() error { _, _, err := c.Kases.Parties(ctx, 0, nil); return err }()},
		{"PartiesIter id 0", "id", func() error { _, err := Collect(c.Kases.PartiesIter(ctx, 0, nil)); return err }()},
		{"AddParty id 0", "id", func() error { _, err := c.Kases.AddParty(ctx, 0, 1); return err }()},
		{"RemoveParty party 0", "partyID", func() error { _, err := c.Kases.RemoveParty(ctx, 1, 0); return err }()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertInvalidArg(t, tt.err, tt.arg)
		})
	}
}

func TestKaseInputValidateAccepts(t *testing.T) {
	t.Parallel()
	assert.NoError(t, (&KaseInput{Name: Set("K"), Party: RefTo(1)}).validate(true))
	assert.NoError(t, (&KaseInput{Name: Set("K"), Party: RefTo(1), Status: Set(KaseClosed), Stage: Null[int64](), Team: RefTo(2)}).validate(true))
	assert.NoError(t, (&KaseInput{}).validate(false))
	assert.NoError(t, (&KaseInput{Owner: Null[Ref](), Opportunity: Null[Ref](), ExpectedCloseOn: Null[Date]()}).validate(false))
}
