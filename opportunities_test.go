package capsule

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// wantShowOpportunity is the decoded testdata/opportunities/show.json.
func wantShowOpportunity(t *testing.T) *Opportunity {
	return &Opportunity{
		ID:          83948362,
		CreatedAt:   ts(t, "2015-10-01T09:30:00Z"),
		UpdatedAt:   ts(t, "2015-10-02T16:12:45Z"),
		Name:        "Consulting",
		Description: Ptr("Scoping project"),
		Party:       &Party{ID: 581, Type: PartyOrganisation, Name: "Acme INC", PictureURL: "https://example.com/acme.png"},
		LostReason:  &NamedRef{ID: 2, Name: "Too expensive"},
		Owner:       &UserRef{ID: 6, Username: "john", Name: "John Spencer"},
		Team:        &TeamRef{ID: 3, Name: "Sales"},
		Milestone: &MilestoneRef{
			ID: 14, Name: "Lost", Description: Ptr("The deal fell through"), Probability: Ptr(0), Complete: Ptr(true),
			DaysUntilStale: Ptr(30), Pipeline: &NamedRef{ID: 2, Name: "Services"},
			CreatedAt: tsp(t, "2014-01-01T00:00:00Z"), UpdatedAt: tsp(t, "2014-01-02T00:00:00Z"),
		},
		Value:                  &Money{Amount: 500.25, Currency: "GBP"},
		ExpectedCloseOn:        Ptr(NewDate(2015, 10, 31)),
		Probability:            Ptr(0),
		DurationBasis:          DurationMonth,
		Duration:               Ptr(6),
		ClosedOn:               Ptr(NewDate(2015, 10, 2)),
		LastContactedAt:        tsp(t, "2015-10-01T12:00:00Z"),
		LastStageChangedAt:     tsp(t, "2015-10-02T16:12:45Z"),
		LastOpenMilestone:      &NamedRef{ID: 12, Name: "Proposal"},
		Tags:                   []Tag{{ID: 7, Name: "Big deal"}},
		Fields:                 Fields{{ID: 501, Definition: NamedRef{ID: 21, Name: "Source"}, Value: "Referral"}},
		MissingImportantFields: false,
	}
}

func TestOpportunityDecodeShow(t *testing.T) {
	t.Parallel()
	assert.Equal(t, wantShowOpportunity(t), decodeFixture[*Opportunity](t, "opportunities/show.json", "opportunity"))
}

// wantOpportunityList is the decoded testdata/opportunities/list.json.
func wantOpportunityList(t *testing.T) []*Opportunity {
	return []*Opportunity{
		{
			ID:        1,
			CreatedAt: ts(t, "2024-05-01T10:00:00Z"),
			UpdatedAt: ts(t, "2024-05-01T10:00:00Z"),
			Name:      "Website redesign",
			Party: &Party{ID: 254633972, Type: PartyPerson, FirstName: Ptr("Integration"), LastName: Ptr("User"),
				PictureURL: "https://example.com/iu.png"},
			Milestone:     &MilestoneRef{ID: 1, Name: "New"},
			Probability:   Ptr(10),
			DurationBasis: DurationFixed,
		},
		{
			ID:        2,
			CreatedAt: ts(t, "2024-05-02T10:00:00Z"),
			UpdatedAt: ts(t, "2024-05-03T10:00:00Z"),
			Name:      "Private",
			Party: &Party{ID: 9, Type: PartyPerson, LastName: Ptr("Private"), PictureURL: "https://example.com/p.png",
				IsRestricted: true},
			Milestone:     &MilestoneRef{ID: 2, Name: "Won"},
			Value:         &Money{Amount: 0, Currency: "USD"},
			Probability:   Ptr(100),
			DurationBasis: DurationYear,
			Duration:      Ptr(2),
			ClosedOn:      Ptr(NewDate(2024, 5, 3)),
		},
	}
}

func TestOpportunityDecodeList(t *testing.T) {
	t.Parallel()
	assert.Equal(t, wantOpportunityList(t), decodeFixture[[]*Opportunity](t, "opportunities/list.json", "opportunities"))
}

func TestOpportunityInputMarshal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   OpportunityInput
		want string
	}{
		{"unset", OpportunityInput{}, `{}`},
		{"null", OpportunityInput{
			Description: Null[string](), LostReason: Null[Ref](), Owner: Null[Ref](), Team: Null[Ref](),
			Value: Null[Money](), ExpectedCloseOn: Null[Date](), Duration: Null[int](),
		}, `{"description":null,"lostReason":null,"owner":null,"team":null,"value":null,"expectedCloseOn":null,"duration":null}`},
		{"zero", OpportunityInput{
			Name: Set(""), Description: Set(""), Value: Set(Money{}), Probability: Set(0), Duration: Set(0),
		}, `{"name":"","description":"","value":{"amount":0},"probability":0,"duration":0}`},
		{"docs create example", OpportunityInput{
			Party: RefTo(581), Milestone: RefTo(14), Value: Set(Money{Amount: 500, Currency: "GBP"}),
			ExpectedCloseOn: Set(NewDate(2015, 10, 31)), Probability: Set(50), DurationBasis: Set(DurationFixed),
			Name: Set("Consulting"), Description: Set("Scoping"),
		}, `{"party":{"id":581},"milestone":{"id":14},"value":{"amount":500,"currency":"GBP"},"expectedCloseOn":"2015-10-31","probability":50,"durationBasis":"FIXED","name":"Consulting","description":"Scoping"}`},
		{"refs, period, tags, fields, tracks", OpportunityInput{
			LostReason: RefTo(2), Owner: RefTo(6), Team: RefTo(3), DurationBasis: Set(DurationMonth), Duration: Set(6),
			Tags:   []TagChange{AddTag("Hot"), RemoveTag(4)},
			Fields: []FieldChange{{Definition: &Ref{ID: 21}, Value: 3}},
			Tracks: []TrackApplication{ApplyTrack(3), ApplyTrack(4)},
		}, `{"lostReason":{"id":2},"owner":{"id":6},"team":{"id":3},"durationBasis":"MONTH","duration":6,
			"tags":[{"name":"Hot"},{"id":4,"_delete":true}],"fields":[{"definition":{"id":21},"value":3}],
			"tracks":[{"definition":{"id":3}},{"definition":{"id":4}}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			testJSONMarshal(t, tt.in, tt.want)
		})
	}
}

// Wire tests.

func TestOpportunitiesRead(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /opportunities", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{"page": {"1"}, "perPage": {"2"}, "since": {testSinceWire}, "embed": {"party,milestone"}})
		w.Header().Set("Link", `<https://api.capsulecrm.com/api/v2/opportunities?page=2&perPage=2>; rel="next"`)
		writeJSON(t, w, http.StatusOK, string(fixture(t, "opportunities/list.json")))
	})
	got, resp, err := c.Opportunities.Read(t.Context(), &ListOptions{
		Page: 1, PerPage: 2, Since: testSince, Embed: []string{EmbedParty, EmbedMilestone},
	})
	require.NoError(t, err)
	assert.Equal(t, wantOpportunityList(t), got)
	assert.Equal(t, 2, resp.NextPage)
}

func TestOpportunitiesReadIter(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	n := serveThreePages(t, mux, "GET /opportunities", "opportunities",
		url.Values{"perPage": {"100"}, "since": {testSinceWire}}, "")
	ids := iterIDs(t, c.Opportunities.ReadIter(t.Context(), &ListOptions{Since: testSince}),
		func(o *Opportunity) int64 { return o.ID })
	assert.Equal(t, []int64{1, 2, 3}, ids)
	assert.EqualValues(t, 3, n.Load())
}

func TestOpportunitiesReadSingle(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /opportunities/83948362", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{"embed": {"tags,fields,party,milestone,missingImportantFields"}})
		writeJSON(t, w, http.StatusOK, string(fixture(t, "opportunities/show.json")))
	})
	got, _, err := c.Opportunities.ReadSingle(t.Context(), 83948362, &ReadOptions{
		Embed: []string{EmbedTags, EmbedFields, EmbedParty, EmbedMilestone, EmbedMissingImportantFields},
	})
	require.NoError(t, err)
	assert.Equal(t, wantShowOpportunity(t), got)
}

func TestOpportunitiesReadMultiple(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	asked := serveMultiple(t, mux, "opportunities", "opportunities", url.Values{})
	ids := seqIDs(23)
	got, _, err := c.Opportunities.ReadMultiple(t.Context(), ids, nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"1,2,3,4,5,6,7,8,9,10", "11,12,13,14,15,16,17,18,19,20", "21,22,23"}, asked())
	gotIDs := make([]int64, len(got))
	for i, o := range got {
		gotIDs[i] = o.ID
	}
	assert.Equal(t, ids, gotIDs)
}

func TestOpportunitiesReadMultipleNotFound(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /opportunities/{ids}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(t, w, http.StatusNotFound, `{"message":"Could not find resource"}`)
	})
	got, _, err := c.Opportunities.ReadMultiple(t.Context(), []int64{1, 2}, nil)
	require.ErrorIs(t, err, ErrNotFound)
	assert.Nil(t, got)
}

func TestOpportunitiesReadDeleted(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /opportunities/deleted", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{"since": {testSinceWire}})
		writeJSON(t, w, http.StatusOK, string(fixture(t, "opportunities/deleted.json")))
	})
	got, _, err := c.Opportunities.ReadDeleted(t.Context(), testSince)
	require.NoError(t, err)
	assert.Equal(t, wantDeleted(t, "opportunities"), got)
}

func TestOpportunitiesReadDeletedValidation(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /opportunities/deleted", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(t, w, http.StatusUnprocessableEntity, `{"message":"since is required"}`)
	})
	_, _, err := c.Opportunities.ReadDeleted(t.Context(), testSince)
	require.ErrorIs(t, err, ErrValidation)
}

func TestOpportunitiesSearch(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /opportunities/search", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{"q": {"redesign"}, "embed": {"tags"}})
		writeJSON(t, w, http.StatusOK, string(fixture(t, "opportunities/list.json")))
	})
	got, _, err := c.Opportunities.Search(t.Context(), "redesign", &ListOptions{Embed: []string{EmbedTags}})
	require.NoError(t, err)
	assert.Equal(t, wantOpportunityList(t), got)
}

func TestOpportunitiesSearchIter(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	n := serveThreePages(t, mux, "GET /opportunities/search", "opportunities", url.Values{"q": {"x"}, "perPage": {"100"}}, "")
	ids := iterIDs(t, c.Opportunities.SearchIter(t.Context(), "x", nil), func(o *Opportunity) int64 { return o.ID })
	assert.Equal(t, []int64{1, 2, 3}, ids)
	assert.EqualValues(t, 3, n.Load())
}

var testOpportunityFilter = Filter{
	Conditions: []Condition{{Field: "isOpen", Operator: "is", Value: true}, {Field: "probability", Operator: "is greater than", Value: 50}},
	OrderBy:    []OrderBy{{Field: "name", Direction: "ascending"}},
}

const testOpportunityFilterBody = `{"filter":{"conditions":[{"field":"isOpen","operator":"is","value":true},
	{"field":"probability","operator":"is greater than","value":50}],"orderBy":[{"field":"name","direction":"ascending"}]}}`

func TestOpportunitiesFilter(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("POST /opportunities/filters/results", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{"page": {"1"}, "embed": {"milestone"}})
		testJSONBody(t, r, testOpportunityFilterBody)
		writeJSON(t, w, http.StatusOK, string(fixture(t, "opportunities/list.json")))
	})
	got, _, err := c.Opportunities.Filter(t.Context(), testOpportunityFilter, &ListOptions{Page: 1, Embed: []string{EmbedMilestone}})
	require.NoError(t, err)
	assert.Equal(t, wantOpportunityList(t), got)
}

func TestOpportunitiesFilterIter(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	n := serveThreePages(t, mux, "POST /opportunities/filters/results", "opportunities", url.Values{"perPage": {"100"}}, testOpportunityFilterBody)
	ids := iterIDs(t, c.Opportunities.FilterIter(t.Context(), testOpportunityFilter, nil), func(o *Opportunity) int64 { return o.ID })
	assert.Equal(t, []int64{1, 2, 3}, ids)
	assert.EqualValues(t, 3, n.Load())
}

func TestOpportunitiesCreate(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("POST /opportunities", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{})
		testJSONBody(t, r, `{"opportunity":{"party":{"id":581},"milestone":{"id":14},"value":{"amount":500,"currency":"GBP"},
			"expectedCloseOn":"2015-10-31","probability":50,"durationBasis":"FIXED","name":"Consulting","description":"Scoping project",
			"tracks":[{"definition":{"id":3}}]}}`)
		w.Header().Set("Location", "https://api.capsulecrm.com/api/v2/opportunities/83948362")
		writeJSON(t, w, http.StatusCreated, string(fixture(t, "opportunities/show.json")))
	})
	got, resp, err := c.Opportunities.Create(t.Context(), &OpportunityInput{
		Party: RefTo(581), Milestone: RefTo(14), Value: Set(Money{Amount: 500, Currency: "GBP"}),
		ExpectedCloseOn: Set(NewDate(2015, time.October, 31)), Probability: Set(50), DurationBasis: Set(DurationFixed),
		Name: Set("Consulting"), Description: Set("Scoping project"), Tracks: []TrackApplication{ApplyTrack(3)},
	})
	require.NoError(t, err)
	assert.Equal(t, wantShowOpportunity(t), got)
	assert.Equal(t, "https://api.capsulecrm.com/api/v2/opportunities/83948362", resp.Location)
}

func TestOpportunitiesCreateValidationError(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	h, n := counter(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(t, w, http.StatusUnprocessableEntity,
			`{"message":"Validation Failed","errors":[{"message":"owner is not a member of the team","resource":"opportunity","field":"owner"}]}`)
	})
	mux.HandleFunc("POST /opportunities", h)
	_, _, err := c.Opportunities.Create(t.Context(), &OpportunityInput{
		Name: Set("X"), Party: RefTo(1), Milestone: RefTo(2), Owner: RefTo(3), Team: RefTo(4),
	})
	require.ErrorIs(t, err, ErrValidation)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, []FieldError{{Message: "owner is not a member of the team", Resource: "opportunity", Field: "owner"}}, apiErr.Errors)
	assert.EqualValues(t, 1, n.Load(), "a refused POST is not retried")
}

func TestOpportunitiesUpdate(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("PUT /opportunities/83948362", func(w http.ResponseWriter, r *http.Request) {
		testJSONBody(t, r, `{"opportunity":{"milestone":{"id":14},"lostReason":{"id":2},"value":null,"durationBasis":"MONTH","duration":6,
			"tags":[{"id":7,"_delete":true}]}}`)
		writeJSON(t, w, http.StatusOK, string(fixture(t, "opportunities/show.json")))
	})
	got, _, err := c.Opportunities.Update(t.Context(), 83948362, &OpportunityInput{
		Milestone: RefTo(14), LostReason: RefTo(2), Value: Null[Money](), DurationBasis: Set(DurationMonth), Duration: Set(6),
		Tags: []TagChange{RemoveTag(7)},
	})
	require.NoError(t, err)
	assert.Equal(t, wantShowOpportunity(t), got)
}

func TestOpportunitiesUpdateEmpty(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("PUT /opportunities/1", func(w http.ResponseWriter, r *http.Request) {
		testJSONBody(t, r, `{"opportunity":{}}`)
		writeJSON(t, w, http.StatusOK, `{"opportunity":{"id":1,"name":"A"}}`)
	})
	got, _, err := c.Opportunities.Update(t.Context(), 1, &OpportunityInput{})
	require.NoError(t, err)
	assert.Equal(t, "A", got.Name)
}

func TestOpportunitiesParties(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /opportunities/83948362/parties", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{"perPage": {"2"}, "embed": {"organisation"}})
		writeJSON(t, w, http.StatusOK, string(fixture(t, "parties/live_first_page.json")))
	})
	got, _, err := c.Opportunities.Parties(t.Context(), 83948362, &ListOptions{PerPage: 2, Embed: []string{EmbedOrganisation}})
	require.NoError(t, err)
	assert.Equal(t, wantLivePartiesFirstPage(t), got)
}

func TestOpportunitiesPartiesIter(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	n := serveThreePages(t, mux, "GET /opportunities/3/parties", "parties", url.Values{"perPage": {"100"}}, "")
	ids := iterIDs(t, c.Opportunities.PartiesIter(t.Context(), 3, nil), func(p *Party) int64 { return p.ID })
	assert.Equal(t, []int64{1, 2, 3}, ids)
	assert.EqualValues(t, 3, n.Load())
}

func TestOpportunitiesKases(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /opportunities/83948362/kases", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{"embed": {"fields"}})
		writeJSON(t, w, http.StatusOK, string(fixture(t, "kases/live_first_page.json")))
	})
	got, _, err := c.Opportunities.Kases(t.Context(), 83948362, &ListOptions{Embed: []string{EmbedFields}})
	require.NoError(t, err)
	assert.Equal(t, wantLiveKasesFirstPage(t), got)
}

func TestOpportunitiesKasesIter(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	n := serveThreePages(t, mux, "GET /opportunities/3/kases", "kases", url.Values{"perPage": {"100"}}, "")
	ids := iterIDs(t, c.Opportunities.KasesIter(t.Context(), 3, nil), func(k *Kase) int64 { return k.ID })
	assert.Equal(t, []int64{1, 2, 3}, ids)
	assert.EqualValues(t, 3, n.Load())
}

// TestAddRemoveParty covers the additional parties of opportunities and
// kases: 204 with no body either way, Capsule's 422 for a party already
// linked, and 404 for one that is not.
func TestAddRemoveParty(t *testing.T) {
	t.Parallel()
	type linkFunc func(ctx context.Context, c *Client, id, partyID int64) (*Response, error)
	for _, tc := range []struct {
		parent        string
		add, remove   linkFunc
		alreadyLinked string
	}{
		{"opportunities",
			func(ctx context.Context, c *Client, id, p int64) (*Response, error) {
				return c.Opportunities.AddParty(ctx, id, p)
			},
			func(ctx context.Context, c *Client, id, p int64) (*Response, error) {
				return c.Opportunities.RemoveParty(ctx, id, p)
			},
			"party is already a contact for this opportunity"},
		{"kases",
			func(ctx context.Context, c *Client, id, p int64) (*Response, error) {
				return c.Kases.AddParty(ctx, id, p)
			},
			func(ctx context.Context, c *Client, id, p int64) (*Response, error) {
				return c.Kases.RemoveParty(ctx, id, p)
			},
			"party is already a contact for this kase"},
	} {
		t.Run(tc.parent, func(t *testing.T) {
			t.Parallel()
			c, mux := setup(t)
			base := "/" + tc.parent + "/10/parties/"
			noBody := func(w http.ResponseWriter, r *http.Request) {
				testQuery(t, r, url.Values{})
				assert.Zero(t, r.ContentLength, "no request body")
				w.WriteHeader(http.StatusNoContent)
			}
			add, adds := counter(noBody)
			mux.HandleFunc("POST "+base+"20", add)
			mux.HandleFunc("DELETE "+base+"20", noBody)
			mux.HandleFunc("POST "+base+"21", func(w http.ResponseWriter, r *http.Request) {
				writeJSON(t, w, http.StatusUnprocessableEntity,
					`{"message":"Validation Failed","errors":[{"message":"`+tc.alreadyLinked+`","resource":"opportunity","field":"party"}]}`)
			})
			mux.HandleFunc("DELETE "+base+"22", func(w http.ResponseWriter, r *http.Request) {
				writeJSON(t, w, http.StatusNotFound, `{"message":"Could not find resource"}`)
			})

			resp, err := tc.add(t.Context(), c, 10, 20)
			require.NoError(t, err)
			assert.Equal(t, http.StatusNoContent, resp.StatusCode)
			assert.EqualValues(t, 1, adds.Load(), "an add is sent once")
			resp, err = tc.remove(t.Context(), c, 10, 20)
			require.NoError(t, err)
			assert.Equal(t, http.StatusNoContent, resp.StatusCode)

			_, err = tc.add(t.Context(), c, 10, 21)
			require.ErrorIs(t, err, ErrValidation)
			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, tc.alreadyLinked, apiErr.Errors[0].Message)
			_, err = tc.remove(t.Context(), c, 10, 22)
			require.ErrorIs(t, err, ErrNotFound)
		})
	}
}

func TestOpportunitiesInvalidArguments(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	refuseRequests(t, mux)
	ctx := t.Context()
	valid := func(in OpportunityInput) *OpportunityInput {
		in.Name = Set("Deal")
		in.Party = RefTo(1)
		in.Milestone = RefTo(2)
		return &in
	}
	create := func(in *OpportunityInput) error { _, _, err := c.Opportunities.Create(ctx, in); return err }
	update := func(in *OpportunityInput) error { _, _, err := c.Opportunities.Update(ctx, 1, in); return err }
	tests := []struct {
		name string
		arg  string
		err  error
	}{
		{"ReadSingle id 0", "id", func() error { _, _, err := c.Opportunities.ReadSingle(ctx, 0, nil); return err }()},
		{"ReadMultiple empty", "ids", func() error { _, _, err := c.Opportunities.ReadMultiple(ctx, []int64{}, nil); return err }()},
		{"ReadDeleted zero since", "since", func() error { _, _, err := c.Opportunities.ReadDeleted(ctx, time.Time{}); return err }()},
		{"Search empty", "q", func() error { _, _, err := c.Opportunities.Search(ctx, "", nil); return err }()},
		{"Filter party field", "filter.conditions[0]", func() error {
			_, _, err := c.Opportunities.Filter(ctx, Filter{Conditions: []Condition{{Field: "email", Operator: "is", Value: "a"}}}, nil)
			return err
		}()},
		{"Create nil", "input", create(nil)},
		{"Create without name", "name", create(&OpportunityInput{Party: RefTo(1), Milestone: RefTo(2)})},
		{"Create without party", "party", create(&OpportunityInput{Name: Set("Deal"), Milestone: RefTo(2)})},
		{"Create without milestone", "milestone", create(&OpportunityInput{Name: Set("Deal"), Party: RefTo(1)})},
		{"Create FIXED with duration", "duration", create(valid(OpportunityInput{DurationBasis: Set(DurationFixed), Duration: Set(3)}))},
		{"Create unknown basis", "durationBasis", create(valid(OpportunityInput{DurationBasis: Set("DECADE")}))},
		{"Create negative duration", "duration", create(valid(OpportunityInput{DurationBasis: Set(DurationMonth), Duration: Set(-1)}))},
		{"Create probability over 100", "probability", create(valid(OpportunityInput{Probability: Set(101)}))},
		{"Create bad party ref", "party", create(&OpportunityInput{Name: Set("Deal"), Party: RefTo(0), Milestone: RefTo(2)})},
		{"Create bad lost reason", "lostReason", create(valid(OpportunityInput{LostReason: RefTo(-1)}))},
		{"Create bad track", "tracks[1]", create(valid(OpportunityInput{Tracks: []TrackApplication{ApplyTrack(1), ApplyTrack(0)}}))},
		{"Create bad tag", "tags[0]", create(valid(OpportunityInput{Tags: []TagChange{{}}}))},
		{"Update id 0", "id", func() error { _, _, err := c.Opportunities.Update(ctx, 0, &OpportunityInput{}); return err }()},
		{"Update nil", "input", update(nil)},
		{"Update null party", "party", update(&OpportunityInput{Party: Null[Ref]()})},
		{"Update null milestone", "milestone", update(&OpportunityInput{Milestone: Null[Ref]()})},
		{"Update null name", "name", update(&OpportunityInput{Name: Null[string]()})},
		{"Update FIXED with duration", "duration", update(&OpportunityInput{DurationBasis: Set(DurationFixed), Duration: Set(0)})},
		{"Update with tracks", "tracks", update(&OpportunityInput{Tracks: []TrackApplication{ApplyTrack(1)}})},
		{"Delete id 0", "id", func() error { _, err := c.Opportunities.Delete(ctx, 0); return err }()},
		{"Parties id 0", "id", func() error { _, _, err := c.Opportunities.Parties(ctx, 0, nil); return err }()},
		{"PartiesIter id 0", "id", func() error { _, err := Collect(c.Opportunities.PartiesIter(ctx, 0, nil)); return err }()},
		{"Kases id 0", "id", func() error { _, _, err := c.Opportunities.Kases(ctx, 0, nil); return err }()},
		{"KasesIter id 0", "id", func() error { _, err := Collect(c.Opportunities.KasesIter(ctx, 0, nil)); return err }()},
		{"AddParty id 0", "id", func() error { _, err := c.Opportunities.AddParty(ctx, 0, 1); return err }()},
		{"AddParty party 0", "partyID", func() error { _, err := c.Opportunities.AddParty(ctx, 1, 0); return err }()},
		{"RemoveParty party -1", "partyID", func() error { _, err := c.Opportunities.RemoveParty(ctx, 1, -1); return err }()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertInvalidArg(t, tt.err, tt.arg)
		})
	}
}

func TestOpportunityInputValidateAccepts(t *testing.T) {
	t.Parallel()
	ok := []struct {
		in     OpportunityInput
		create bool
	}{
		{OpportunityInput{Name: Set("A"), Party: RefTo(1), Milestone: RefTo(2)}, true},
		{OpportunityInput{Name: Set("A"), Party: RefTo(1), Milestone: RefTo(2), DurationBasis: Set(DurationFixed), Duration: Null[int]()}, true},
		{OpportunityInput{Name: Set("A"), Party: RefTo(1), Milestone: RefTo(2), DurationBasis: Set(DurationWeek), Duration: Set(4), Probability: Set(0)}, true},
		{OpportunityInput{}, false},
		{OpportunityInput{Duration: Set(3), Owner: Null[Ref](), Team: Null[Ref](), LostReason: Null[Ref]()}, false},
	}
	for _, tt := range ok {
		assert.NoError(t, tt.in.validate(tt.create), "%+v", tt.in)
	}
}
