package capsule

import (
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// decodeFixture decodes the value under key in a testdata fixture.
func decodeFixture[T any](t *testing.T, name, key string) T {
	t.Helper()
	var env map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(fixture(t, name), &env))
	raw, ok := env[key]
	require.True(t, ok, "fixture %s has no key %q", name, key)
	var v T
	require.NoError(t, json.Unmarshal(raw, &v))
	return v
}

// wantShowParty is the decoded testdata/parties/show.json.
func wantShowParty(t *testing.T) *Party {
	return &Party{
		ID:        11587,
		Type:      PartyPerson,
		About:     Ptr("Met at the 2015 trade show."),
		Title:     Ptr("Mr"),
		FirstName: Ptr("Scott"),
		LastName:  Ptr("Spacey"),
		JobTitle:  Ptr("Creative Director"),
		CreatedAt: ts(t, "2015-09-15T10:43:23Z"),
		UpdatedAt: ts(t, "2015-09-15T10:43:23Z"),
		Organisation: &Party{
			ID:         11586,
			Type:       PartyOrganisation,
			Name:       "Sabre Inc",
			PictureURL: "https://capsulecrm.com/theme/default/images/org_avatar_70.png",
		},
		LastContactedAt: tsp(t, "2015-09-16T08:00:01Z"),
		Owner:           &UserRef{ID: 61, Username: "sarah", Name: "Sarah Cox", PictureURL: "https://example.com/sarah.png"},
		Team:            &TeamRef{ID: 3, Name: "Sales"},
		Addresses: []Address{
			{ID: 12135, Type: Ptr("Office"), City: Ptr("Chicago"), Country: Ptr("United States"),
				Street: Ptr("847 West Jackson Boulevard\nSuite 1"), State: Ptr("IL"), Zip: Ptr("60607")},
			{ID: 12136},
		},
		PhoneNumbers: []PhoneNumber{
			{ID: 12133, Type: Ptr("Mobile"), Number: "773-338-7786"},
			{ID: 12134, Number: "+44 20 7946 0000"},
		},
		Websites: []Website{
			{ID: 12136, Type: Ptr("Work"), Service: ServiceGitHub, Address: "scottspacey", URL: "https://github.com/scottspacey"},
		},
		EmailAddresses: []EmailAddress{{ID: 12134, Type: Ptr("Work"), Address: "scott@sabreinc.com"}},
		PictureURL:     "https://capsulecrm.com/theme/default/images/person_avatar_70.png",
		Tags: []Tag{
			{ID: 94, Name: "Customer", Description: Ptr("A paying customer")},
			{ID: 95, Name: "Hobbies", DataTag: true},
		},
		Fields: Fields{
			{ID: 4701, Definition: NamedRef{ID: 16, Name: "Size"}, Value: "30"},
			{ID: 4702, Definition: NamedRef{ID: 17, Name: "Newsletter"}, Value: true, TagID: Ptr(int64(95))},
		},
		MissingImportantFields: true,
		Enrichment:             json.RawMessage(`{"source": "undocumented"}`),
	}
}

func TestPartyDecodeShow(t *testing.T) {
	t.Parallel()
	got := decodeFixture[*Party](t, "parties/show.json", "party")
	assert.Equal(t, wantShowParty(t), got)
	assert.Equal(t, "Scott Spacey", got.DisplayName())
	assert.True(t, got.IsPerson())
	assert.True(t, got.Organisation.IsOrganisation())
	assert.Equal(t, "Sabre Inc", got.Organisation.DisplayName())
}

// wantLivePartiesFirstPage is the decoded testdata/parties/live_first_page.json.
func wantLivePartiesFirstPage(t *testing.T) []*Party {
	null := json.RawMessage("null")
	return []*Party{
		{
			ID:           254633973,
			Type:         PartyOrganisation,
			Name:         "Capsule",
			CreatedAt:    ts(t, "2024-03-19T18:25:25Z"),
			UpdatedAt:    ts(t, "2024-04-06T13:54:33Z"),
			PictureURL:   "https://capsule-pictures-prod.s3.amazonaws.com/6a991dea-8623-4cef-9f3f-b5ff25509d81?size=100&v=0",
			Enrichment:   null,
			PhoneNumbers: []PhoneNumber{},
			Addresses:    []Address{},
			EmailAddresses: []EmailAddress{
				{ID: 568718013, Address: "support@capsulecrm.com"},
			},
			Websites: []Website{
				{ID: 568718014, Address: "capsulecrm", Service: ServiceTwitter, URL: "https://twitter.com/capsulecrm"},
				{ID: 568718015, Address: "capsulecrm.com", Service: ServiceURL, URL: "http://capsulecrm.com"},
				{ID: 568718016, Address: "https://www.facebook.com/capsulecrm/", Service: ServiceFacebook, URL: "https://www.facebook.com/capsulecrm/"},
				{ID: 568718017, Address: "https://www.youtube.com/user/CapsuleCRM", Service: ServiceYouTube, URL: "https://www.youtube.com/user/CapsuleCRM"},
				{ID: 568718018, Address: "https://www.linkedin.com/company/capsulecrm/", Service: ServiceLinkedIn, URL: "https://www.linkedin.com/company/capsulecrm/"},
			},
		},
		{
			ID: 254633972,
			Owner: &UserRef{ID: 645048, Username: "integration.user", Name: "Integration User",
				PictureURL: "https://facehub.appspot.com/default/person?text=IU&size=100&colour=806388639"},
			Type:           PartyPerson,
			FirstName:      Ptr("Integration"),
			LastName:       Ptr("User"),
			CreatedAt:      ts(t, "2024-03-19T18:25:24Z"),
			UpdatedAt:      ts(t, "2024-03-26T09:28:06Z"),
			PictureURL:     "https://facehub.appspot.com/default/person?text=IU&size=100&colour=806388639",
			Enrichment:     null,
			PhoneNumbers:   []PhoneNumber{},
			Addresses:      []Address{},
			EmailAddresses: []EmailAddress{{ID: 568718012, Address: "integration.user@withampersand.com"}},
			Websites:       []Website{},
		},
	}
}

func TestPartyDecodeLivePages(t *testing.T) {
	t.Parallel()
	first := decodeFixture[[]*Party](t, "parties/live_first_page.json", "parties")
	assert.Equal(t, wantLivePartiesFirstPage(t), first)
	assert.Equal(t, "Capsule", first[0].DisplayName())
	assert.Equal(t, "Integration User", first[1].DisplayName())

	last := decodeFixture[[]*Party](t, "parties/live_last_page.json", "parties")
	assert.Equal(t, []*Party{{
		ID: 267944762,
		Owner: &UserRef{ID: 674197, Username: "integration.test", Name: "integration.tes1907",
			PictureURL: "https://facehub.appspot.com/default/person?text=I&size=100&colour=2099955006"},
		Type:           PartyPerson,
		FirstName:      Ptr("integration.tes1907"),
		CreatedAt:      ts(t, "2025-02-25T14:16:26Z"),
		UpdatedAt:      ts(t, "2025-02-25T14:16:26Z"),
		PictureURL:     "https://facehub.appspot.com/default/person?text=I&size=100&colour=2099955006",
		PhoneNumbers:   []PhoneNumber{},
		Addresses:      []Address{},
		EmailAddresses: []EmailAddress{{ID: 597195415, Type: Ptr("Home"), Address: "test@test.com"}},
		Websites:       []Website{},
		Enrichment:     json.RawMessage("null"),
	}}, last)
	assert.Equal(t, "integration.tes1907", last[0].DisplayName())
}

func TestPartyDisplayName(t *testing.T) {
	t.Parallel()
	var nilParty *Party
	assert.Empty(t, nilParty.DisplayName())
	assert.False(t, nilParty.IsPerson())
	assert.Equal(t, "Private", (&Party{Type: PartyPerson, LastName: Ptr("Private"), IsRestricted: true}).DisplayName())
	assert.Equal(t, "Ann", (&Party{Type: PartyPerson, FirstName: Ptr("Ann")}).DisplayName())
	assert.Equal(t, "Ann Lee", (&Party{Type: PartyPerson, FirstName: Ptr("Ann"), LastName: Ptr("Lee")}).DisplayName())
}

func TestPartyInputMarshal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   PartyInput
		want string
	}{
		{"unset", PartyInput{}, `{}`},
		{"null", PartyInput{
			FirstName: Null[string](), LastName: Null[string](), Title: Null[string](), JobTitle: Null[string](),
			Organisation: Null[OrganisationRef](), Name: Null[string](), About: Null[string](),
			Owner: Null[Ref](), Team: Null[Ref](),
		}, `{"firstName":null,"lastName":null,"title":null,"jobTitle":null,"organisation":null,"name":null,"about":null,"owner":null,"team":null}`},
		{"zero", PartyInput{
			Type: Set(""), FirstName: Set(""), LastName: Set(""), Title: Set(""), JobTitle: Set(""), Name: Set(""), About: Set(""),
		}, `{"type":"","firstName":"","lastName":"","title":"","jobTitle":"","name":"","about":""}`},
		{"person", PartyInput{
			Type: Set(PartyPerson), FirstName: Set("Sarah"), LastName: Set("White"), Title: Set("Ms"), JobTitle: Set("CTO"),
			Organisation: OrganisationByName("Google"), About: Set("Met at a conference"), Owner: RefTo(6), Team: RefTo(3),
		}, `{"type":"person","firstName":"Sarah","lastName":"White","title":"Ms","jobTitle":"CTO","organisation":{"name":"Google"},"about":"Met at a conference","owner":{"id":6},"team":{"id":3}}`},
		{"organisation by id", PartyInput{Organisation: OrganisationByID(11586)}, `{"organisation":{"id":11586}}`},
		{"organisation", PartyInput{Type: Set(PartyOrganisation), Name: Set("Acme INC")}, `{"type":"organisation","name":"Acme INC"}`},
		{"nested add, change, remove", PartyInput{
			Addresses:      []AddressChange{AddAddress(AddressParts{City: "Leeds"}), ChangeAddress(2, AddressParts{Zip: "LS1"}), RemoveAddress(3)},
			PhoneNumbers:   []PhoneNumberChange{AddPhoneNumber("123", PhoneWork), ChangePhoneNumber(4, "456", ""), RemovePhoneNumber(5)},
			EmailAddresses: []EmailAddressChange{AddEmail("a@b.c", EmailHome), ChangeEmail(6, "d@e.f", ""), RemoveEmail(7)},
			Websites:       []WebsiteChange{AddWebsite(ServiceURL, "x.com", ""), ChangeWebsite(8, "", "y.com", ""), RemoveWebsite(9)},
			Tags:           []TagChange{AddTag("VIP"), RemoveTag(1199)},
			Fields: []FieldChange{
				{Definition: &Ref{ID: 45}, Value: "x"},
				{ID: 9785121, Value: nil},
				RemoveField(9785122),
			},
		}, `{
			"addresses":[{"city":"Leeds"},{"id":2,"zip":"LS1"},{"id":3,"_delete":true}],
			"phoneNumbers":[{"type":"Work","number":"123"},{"id":4,"number":"456"},{"id":5,"_delete":true}],
			"emailAddresses":[{"type":"Home","address":"a@b.c"},{"id":6,"address":"d@e.f"},{"id":7,"_delete":true}],
			"websites":[{"service":"URL","address":"x.com"},{"id":8,"address":"y.com"},{"id":9,"_delete":true}],
			"tags":[{"name":"VIP"},{"id":1199,"_delete":true}],
			"fields":[{"definition":{"id":45},"value":"x"},{"id":9785121,"value":null},{"id":9785122,"_delete":true}]
		}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			testJSONMarshal(t, tt.in, tt.want)
		})
	}
}

// Wire tests.

func TestPartiesRead(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /parties", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{"page": {"2"}, "perPage": {"25"}, "since": {testSinceWire}, "embed": {"tags,fields,organisation"}})
		w.Header().Set("Link", `<https://api.capsulecrm.com/api/v2/parties?page=3&perPage=25>; rel="next"`)
		writeJSON(t, w, http.StatusOK, string(fixture(t, "parties/live_first_page.json")))
	})
	got, resp, err := c.Parties.Read(t.Context(), &ListOptions{
		Page: 2, PerPage: 25, Since: testSince, Embed: []string{EmbedTags, EmbedFields, EmbedOrganisation},
	})
	require.NoError(t, err)
	assert.Equal(t, wantLivePartiesFirstPage(t), got)
	assert.Equal(t, 3, resp.NextPage)
}

func TestPartiesReadNilOptions(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /parties", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{})
		writeJSON(t, w, http.StatusOK, string(fixture(t, "parties/live_last_page.json")))
	})
	got, resp, err := c.Parties.Read(t.Context(), nil)
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, int64(267944762), got[0].ID)
	assert.Zero(t, resp.NextPage)
}

func TestPartiesReadIter(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	n := serveThreePages(t, mux, "GET /parties", "parties",
		url.Values{"perPage": {"100"}, "since": {testSinceWire}, "embed": {"tags"}}, "")
	ids := iterIDs(t, c.Parties.ReadIter(t.Context(), &ListOptions{Since: testSince, Embed: []string{EmbedTags}}),
		func(p *Party) int64 { return p.ID })
	assert.Equal(t, []int64{1, 2, 3}, ids)
	assert.EqualValues(t, 3, n.Load())
}

func TestPartiesReadIterStopsEarly(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	n := serveThreePages(t, mux, "GET /parties", "parties", url.Values{"perPage": {"100"}}, "")
	for p, err := range c.Parties.ReadIter(t.Context(), nil) {
		require.NoError(t, err)
		assert.Equal(t, int64(1), p.ID)
		break
	}
	assert.EqualValues(t, 1, n.Load())
}

func TestPartiesReadSingle(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /parties/11587", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodGet)
		testQuery(t, r, url.Values{"embed": {"tags,fields,organisation,missingImportantFields"}})
		writeJSON(t, w, http.StatusOK, string(fixture(t, "parties/show.json")))
	})
	got, _, err := c.Parties.ReadSingle(t.Context(), 11587, &ReadOptions{
		Embed: []string{EmbedTags, EmbedFields, EmbedOrganisation, EmbedMissingImportantFields},
	})
	require.NoError(t, err)
	assert.Equal(t, wantShowParty(t), got)
}

func TestPartiesReadSingleNotFound(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /parties/9", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(t, w, http.StatusNotFound, `{"message":"Could not find resource"}`)
	})
	got, resp, err := c.Parties.ReadSingle(t.Context(), 9, nil)
	require.ErrorIs(t, err, ErrNotFound)
	assert.Nil(t, got)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusNotFound, apiErr.StatusCode)
	assert.Equal(t, "Could not find resource", apiErr.Message)
	require.NotNil(t, resp)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}

func TestPartiesReadMultiple(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	asked := serveMultiple(t, mux, "parties", "parties", url.Values{"embed": {"tags"}})
	ids := seqIDs(23)
	got, _, err := c.Parties.ReadMultiple(t.Context(), ids, &ReadOptions{Embed: []string{EmbedTags}})
	require.NoError(t, err)
	assert.Equal(t, []string{"1,2,3,4,5,6,7,8,9,10", "11,12,13,14,15,16,17,18,19,20", "21,22,23"}, asked())
	gotIDs := make([]int64, len(got))
	for i, p := range got {
		gotIDs[i] = p.ID
	}
	assert.Equal(t, ids, gotIDs)
}

func TestPartiesReadMultipleKeepsAskedOrder(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	asked := serveMultiple(t, mux, "parties", "parties", url.Values{})
	got, _, err := c.Parties.ReadMultiple(t.Context(), []int64{30, 4, 17}, nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"30,4,17"}, asked())
	require.Len(t, got, 3)
	assert.Equal(t, []int64{30, 4, 17}, []int64{got[0].ID, got[1].ID, got[2].ID})
}

func TestPartiesReadDeleted(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /parties/deleted", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{"since": {testSinceWire}})
		writeJSON(t, w, http.StatusOK, string(fixture(t, "parties/deleted.json")))
	})
	got, _, err := c.Parties.ReadDeleted(t.Context(), testSince)
	require.NoError(t, err)
	assert.Equal(t, wantDeleted(t, "parties"), got)
}

func TestPartiesSearch(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /parties/search", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{"q": {"capsule crm"}, "page": {"1"}, "perPage": {"2"}, "embed": {"tags,fields"}})
		writeJSON(t, w, http.StatusOK, string(fixture(t, "parties/live_first_page.json")))
	})
	got, _, err := c.Parties.Search(t.Context(), "capsule crm", &ListOptions{Page: 1, PerPage: 2, Embed: []string{EmbedTags, EmbedFields}})
	require.NoError(t, err)
	assert.Equal(t, wantLivePartiesFirstPage(t), got)
}

func TestPartiesSearchIter(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	n := serveThreePages(t, mux, "GET /parties/search", "parties", url.Values{"q": {"acme"}, "perPage": {"100"}}, "")
	ids := iterIDs(t, c.Parties.SearchIter(t.Context(), "acme", nil), func(p *Party) int64 { return p.ID })
	assert.Equal(t, []int64{1, 2, 3}, ids)
	assert.EqualValues(t, 3, n.Load())
}

var testPartyFilter = Filter{Conditions: []Condition{{Field: "tag", Operator: "is", Value: "VIP"}, {Field: "addedOn", Operator: "is within last", Value: 7}}}

const testPartyFilterBody = `{"filter":{"conditions":[{"field":"tag","operator":"is","value":"VIP"},{"field":"addedOn","operator":"is within last","value":7}]}}`

func TestPartiesFilter(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("POST /parties/filters/results", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{"perPage": {"10"}, "embed": {"tags"}})
		testJSONBody(t, r, testPartyFilterBody)
		writeJSON(t, w, http.StatusOK, string(fixture(t, "parties/live_last_page.json")))
	})
	got, _, err := c.Parties.Filter(t.Context(), testPartyFilter, &ListOptions{PerPage: 10, Embed: []string{EmbedTags}})
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, int64(267944762), got[0].ID)
}

func TestPartiesFilterIter(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	n := serveThreePages(t, mux, "POST /parties/filters/results", "parties", url.Values{"perPage": {"100"}}, testPartyFilterBody)
	ids := iterIDs(t, c.Parties.FilterIter(t.Context(), testPartyFilter, nil), func(p *Party) int64 { return p.ID })
	assert.Equal(t, []int64{1, 2, 3}, ids)
	assert.EqualValues(t, 3, n.Load())
}

func TestPartiesCreate(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("POST /parties", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{})
		testHeader(t, r, "Content-Type", "application/json")
		testJSONBody(t, r, `{"party":{"type":"person","firstName":"Scott","lastName":"Spacey","organisation":{"name":"Sabre Inc"},
			"emailAddresses":[{"type":"Work","address":"scott@sabreinc.com"}],"tags":[{"name":"Customer"}]}}`)
		w.Header().Set("Location", "https://api.capsulecrm.com/api/v2/parties/11587")
		writeJSON(t, w, http.StatusCreated, string(fixture(t, "parties/show.json")))
	})
	got, resp, err := c.Parties.Create(t.Context(), &PartyInput{
		Type: Set(PartyPerson), FirstName: Set("Scott"), LastName: Set("Spacey"),
		Organisation:   OrganisationByName("Sabre Inc"),
		EmailAddresses: []EmailAddressChange{AddEmail("scott@sabreinc.com", EmailWork)},
		Tags:           []TagChange{AddTag("Customer")},
	})
	require.NoError(t, err)
	assert.Equal(t, wantShowParty(t), got)
	assert.Equal(t, http.StatusCreated, resp.StatusCode)
	assert.Equal(t, "https://api.capsulecrm.com/api/v2/parties/11587", resp.Location)
}

func TestPartiesCreateOrganisation(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("POST /parties", func(w http.ResponseWriter, r *http.Request) {
		testJSONBody(t, r, `{"party":{"type":"organisation","name":"Acme INC"}}`)
		writeJSON(t, w, http.StatusCreated, `{"party":{"id":100,"type":"organisation","name":"Acme INC","addresses":[],"phoneNumbers":[],"emailAddresses":[],"websites":[]}}`)
	})
	got, _, err := c.Parties.Create(t.Context(), &PartyInput{Type: Set(PartyOrganisation), Name: Set("Acme INC")})
	require.NoError(t, err)
	assert.Equal(t, int64(100), got.ID)
	assert.True(t, got.IsOrganisation())
	assert.Equal(t, []Address{}, got.Addresses)
}

func TestPartiesCreateValidationError(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("POST /parties", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(t, w, http.StatusUnprocessableEntity,
			`{"message":"Validation Failed","errors":[{"message":"address.country: unknown country","resource":"party","field":"addresses"}]}`)
	})
	_, _, err := c.Parties.Create(t.Context(), &PartyInput{
		Type: Set(PartyPerson), LastName: Set("Lee"),
		Addresses: []AddressChange{AddAddress(AddressParts{Country: "Atlantis"})},
	})
	require.ErrorIs(t, err, ErrValidation)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "Validation Failed", apiErr.Message)
	assert.Equal(t, []FieldError{{Message: "address.country: unknown country", Resource: "party", Field: "addresses"}}, apiErr.Errors)
}

func TestPartiesUpdate(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("PUT /parties/11587", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{})
		testJSONBody(t, r, `{"party":{"jobTitle":null,"owner":{"id":61},"team":null,
			"phoneNumbers":[{"id":12133,"_delete":true},{"type":"Mobile","number":"773-338-7786"}],
			"websites":[{"id":12136,"address":"scottspacey"}],
			"addresses":[{"id":12135,"zip":"60607"}],
			"fields":[{"definition":{"id":16},"value":"30"}]}}`)
		writeJSON(t, w, http.StatusOK, string(fixture(t, "parties/show.json")))
	})
	got, _, err := c.Parties.Update(t.Context(), 11587, &PartyInput{
		JobTitle: Null[string](), Owner: RefTo(61), Team: Null[Ref](),
		PhoneNumbers: []PhoneNumberChange{RemovePhoneNumber(12133), AddPhoneNumber("773-338-7786", PhoneMobile)},
		Websites:     []WebsiteChange{ChangeWebsite(12136, "", "scottspacey", "")},
		Addresses:    []AddressChange{ChangeAddress(12135, AddressParts{Zip: "60607"})},
		Fields:       []FieldChange{{Definition: &Ref{ID: 16}, Value: "30"}},
	})
	require.NoError(t, err)
	assert.Equal(t, wantShowParty(t), got)
}

func TestPartiesUpdateEmpty(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("PUT /parties/5", func(w http.ResponseWriter, r *http.Request) {
		testJSONBody(t, r, `{"party":{}}`)
		writeJSON(t, w, http.StatusOK, `{"party":{"id":5,"type":"organisation","name":"X"}}`)
	})
	got, _, err := c.Parties.Update(t.Context(), 5, &PartyInput{})
	require.NoError(t, err)
	assert.Equal(t, "X", got.DisplayName())
}

func TestPartiesDeleteAccepted(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("DELETE /parties/8", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", "https://api.capsulecrm.com/api/v2/jobs/02ae8e16-8c4f-4d4b-9a3e-5a1d0f0e7c11")
		w.WriteHeader(http.StatusAccepted)
	})
	resp, err := c.Parties.Delete(t.Context(), 8)
	require.NoError(t, err)
	assert.Equal(t, http.StatusAccepted, resp.StatusCode)
	assert.Equal(t, "02ae8e16-8c4f-4d4b-9a3e-5a1d0f0e7c11", resp.JobID())
}

func TestPartiesDeleteNotFound(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("DELETE /parties/8", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(t, w, http.StatusNotFound, `{"message":"Could not find resource"}`)
	})
	_, err := c.Parties.Delete(t.Context(), 8)
	require.ErrorIs(t, err, ErrNotFound)
}

func TestPartiesPeople(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /parties/254633973/people", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{"page": {"1"}, "embed": {"fields"}})
		writeJSON(t, w, http.StatusOK, string(fixture(t, "parties/live_last_page.json")))
	})
	got, _, err := c.Parties.People(t.Context(), 254633973, &ListOptions{Page: 1, Embed: []string{EmbedFields}})
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, "integration.tes1907", got[0].DisplayName())
}

func TestPartiesPeopleIter(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	n := serveThreePages(t, mux, "GET /parties/4/people", "parties", url.Values{"perPage": {"50"}}, "")
	ids := iterIDs(t, c.Parties.PeopleIter(t.Context(), 4, &ListOptions{PerPage: 50}), func(p *Party) int64 { return p.ID })
	assert.Equal(t, []int64{1, 2, 3}, ids)
	assert.EqualValues(t, 3, n.Load())
}

func TestPartiesOpportunities(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /parties/581/opportunities", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{"embed": {"milestone"}})
		writeJSON(t, w, http.StatusOK, string(fixture(t, "opportunities/list.json")))
	})
	got, _, err := c.Parties.Opportunities(t.Context(), 581, &ListOptions{Embed: []string{EmbedMilestone}})
	require.NoError(t, err)
	assert.Equal(t, wantOpportunityList(t), got)
}

func TestPartiesOpportunitiesIter(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	n := serveThreePages(t, mux, "GET /parties/581/opportunities", "opportunities", url.Values{"perPage": {"100"}}, "")
	ids := iterIDs(t, c.Parties.OpportunitiesIter(t.Context(), 581, nil), func(o *Opportunity) int64 { return o.ID })
	assert.Equal(t, []int64{1, 2, 3}, ids)
	assert.EqualValues(t, 3, n.Load())
}

func TestPartiesKases(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /parties/277242033/kases", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{"embed": {"fields"}})
		writeJSON(t, w, http.StatusOK, string(fixture(t, "kases/live_first_page.json")))
	})
	got, _, err := c.Parties.Kases(t.Context(), 277242033, &ListOptions{Embed: []string{EmbedFields}})
	require.NoError(t, err)
	assert.Equal(t, wantLiveKasesFirstPage(t), got)
}

func TestPartiesKasesIter(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	n := serveThreePages(t, mux, "GET /parties/9/kases", "kases", url.Values{"perPage": {"100"}}, "")
	ids := iterIDs(t, c.Parties.KasesIter(t.Context(), 9, nil), func(k *Kase) int64 { return k.ID })
	assert.Equal(t, []int64{1, 2, 3}, ids)
	assert.EqualValues(t, 3, n.Load())
}

func TestPartiesIterError(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	h, n := counter(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("page") == "1" {
			w.Header().Set("Link", `<https://api.capsulecrm.com/api/v2/parties?page=2>; rel="next"`)
			writeJSON(t, w, http.StatusOK, `{"parties":[{"id":1}]}`)
			return
		}
		writeJSON(t, w, http.StatusForbidden, `{"message":"forbidden"}`)
	})
	mux.HandleFunc("GET /parties", h)
	var ids []int64
	var errs []error
	for p, err := range c.Parties.ReadIter(t.Context(), nil) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ids = append(ids, p.ID)
	}
	assert.Equal(t, []int64{1}, ids)
	require.Len(t, errs, 1)
	assert.ErrorIs(t, errs[0], ErrForbidden)
	assert.EqualValues(t, 2, n.Load())
}

func TestPartiesInvalidArguments(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	refuseRequests(t, mux)
	ctx := t.Context()
	person := func(in PartyInput) *PartyInput {
		in.Type = Set(PartyPerson)
		in.LastName = Set("Lee")
		return &in
	}
	tests := []struct {
		name string
		arg  string
		call func() error
	}{
		{"ReadSingle id 0", "id", func() error { _, _, err := c.Parties.ReadSingle(ctx, 0, nil); return err }},
		{"ReadMultiple empty", "ids", func() error { _, _, err := c.Parties.ReadMultiple(ctx, nil, nil); return err }},
		{"ReadMultiple negative", "ids", func() error { _, _, err := c.Parties.ReadMultiple(ctx, []int64{1, -2}, nil); return err }},
		{"ReadDeleted zero since", "since", func() error { _, _, err := c.Parties.ReadDeleted(ctx, time.Time{}); return err }},
		{"Search empty", "q", func() error { _, _, err := c.Parties.Search(ctx, " ", nil); return err }},
		{"Filter unknown field", "filter.conditions[0]", func() error {
			_, _, err := c.Parties.Filter(ctx, Filter{Conditions: []Condition{{Field: "milestone", Operator: "is", Value: "x"}}}, nil)
			return err
		}},
		{"Create nil", "input", func() error { _, _, err := c.Parties.Create(ctx, nil); return err }},
		{"Create without type", "type", func() error { _, _, err := c.Parties.Create(ctx, &PartyInput{Name: Set("Acme")}); return err }},
		{"Create bad type", "type", func() error {
			_, _, err := c.Parties.Create(ctx, &PartyInput{Type: Set("company"), Name: Set("Acme")})
			return err
		}},
		{"Create person without names", "firstName", func() error {
			_, _, err := c.Parties.Create(ctx, &PartyInput{Type: Set(PartyPerson), FirstName: Set(""), JobTitle: Set("CTO")})
			return err
		}},
		{"Create organisation without name", "name", func() error {
			_, _, err := c.Parties.Create(ctx, &PartyInput{Type: Set(PartyOrganisation), FirstName: Set("Ann")})
			return err
		}},
		{"Create bad owner", "owner", func() error { _, _, err := c.Parties.Create(ctx, person(PartyInput{Owner: RefTo(0)})); return err }},
		{"Create bad team", "team", func() error { _, _, err := c.Parties.Create(ctx, person(PartyInput{Team: RefTo(-3)})); return err }},
		{"Create empty organisation ref", "organisation", func() error {
			_, _, err := c.Parties.Create(ctx, person(PartyInput{Organisation: OrganisationByName("")}))
			return err
		}},
		{"Create email without address", "emailAddresses[1]", func() error {
			_, _, err := c.Parties.Create(ctx, person(PartyInput{EmailAddresses: []EmailAddressChange{AddEmail("a@b.c", ""), AddEmail("", EmailWork)}}))
			return err
		}},
		{"Create phone removal without id", "phoneNumbers[0]", func() error {
			_, _, err := c.Parties.Create(ctx, person(PartyInput{PhoneNumbers: []PhoneNumberChange{RemovePhoneNumber(0)}}))
			return err
		}},
		{"Create website without service", "websites[0]", func() error {
			_, _, err := c.Parties.Create(ctx, person(PartyInput{Websites: []WebsiteChange{AddWebsite("", "x", "")}}))
			return err
		}},
		{"Create address change of nothing", "addresses[0]", func() error {
			_, _, err := c.Parties.Create(ctx, person(PartyInput{Addresses: []AddressChange{ChangeAddress(3, AddressParts{})}}))
			return err
		}},
		{"Create tag removal without id", "tags[0]", func() error {
			_, _, err := c.Parties.Create(ctx, person(PartyInput{Tags: []TagChange{RemoveTag(0)}}))
			return err
		}},
		{"Create field without definition", "fields[0]", func() error {
			_, _, err := c.Parties.Create(ctx, person(PartyInput{Fields: []FieldChange{{Value: "x"}}}))
			return err
		}},
		{"Create field removal without id", "fields[0]", func() error {
			_, _, err := c.Parties.Create(ctx, person(PartyInput{Fields: []FieldChange{{Definition: &Ref{ID: 2}, Delete: true}}}))
			return err
		}},
		{"Update id 0", "id", func() error { _, _, err := c.Parties.Update(ctx, 0, &PartyInput{}); return err }},
		{"Update nil", "input", func() error { _, _, err := c.Parties.Update(ctx, 1, nil); return err }},
		{"Update null type", "type", func() error { _, _, err := c.Parties.Update(ctx, 1, &PartyInput{Type: Null[string]()}); return err }},
		{"Delete id 0", "id", func() error { _, err := c.Parties.Delete(ctx, 0); return err }},
		{"People id 0", "id", func() error { _, _, err := c.Parties.People(ctx, 0, nil); return err }},
		{"PeopleIter id 0", "id", func() error { _, err := Collect(c.Parties.PeopleIter(ctx, -1, nil)); return err }},
		{"Opportunities id 0", "id", func() error { _, _, err := c.Parties.Opportunities(ctx, 0, nil); return err }},
		{"OpportunitiesIter id 0", "id", func() error { _, err := Collect(c.Parties.OpportunitiesIter(ctx, 0, nil)); return err }},
		{"Kases id 0", "id", func() error { _, _, err := c.Parties.Kases(ctx, 0, nil); return err }},
		{"KasesIter id 0", "id", func() error { _, err := Collect(c.Parties.KasesIter(ctx, 0, nil)); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertInvalidArg(t, tt.call(), tt.arg)
		})
	}
}

func TestPartiesValidCreateInputs(t *testing.T) {
	t.Parallel()
	valid := []*PartyInput{
		{Type: Set(PartyPerson), FirstName: Set("Ann")},
		{Type: Set(PartyPerson), LastName: Set("Lee"), Organisation: OrganisationByID(3)},
		{Type: Set(PartyOrganisation), Name: Set("Acme"), Owner: RefTo(1), Team: Null[Ref]()},
	}
	for _, in := range valid {
		assert.NoError(t, in.validate(true), "%+v", in)
	}
	assert.NoError(t, (&PartyInput{}).validate(false))
}

// Test helpers shared by the parties, opportunities and kases tests.

// testSince is a non-UTC instant; the wire carries it as testSinceWire.
var testSince = time.Date(2024, 9, 19, 14, 30, 45, 0, time.FixedZone("CEST", 2*60*60))

const testSinceWire = "2024-09-19T12:30:45Z"

// serveThreePages registers pattern to serve three pages of one record
// each under key: page n holds the record with id n and links to page n+1.
// Every request must have the query want plus its page number, and, when
// body is not empty, that JSON body.
func serveThreePages(t *testing.T, mux *http.ServeMux, pattern, key string, want url.Values, body string) *atomic.Int32 {
	t.Helper()
	h, n := counter(func(w http.ResponseWriter, r *http.Request) {
		page, err := strconv.Atoi(r.URL.Query().Get("page"))
		if !assert.NoError(t, err) || !assert.True(t, page >= 1 && page <= 3, "page %d", page) {
			writeJSON(t, w, http.StatusBadRequest, `{"message":"bad page"}`)
			return
		}
		q := url.Values{}
		for k, v := range want {
			q[k] = v
		}
		q.Set("page", strconv.Itoa(page))
		testQuery(t, r, q)
		if body != "" {
			testJSONBody(t, r, body)
		}
		if page < 3 {
			q.Set("page", strconv.Itoa(page+1))
			w.Header().Set("Link", fmt.Sprintf(`<https://api.capsulecrm.com/api/v2%s?%s>; rel="next"`, r.URL.Path, q.Encode()))
		}
		writeJSON(t, w, http.StatusOK, fmt.Sprintf(`{%q:[{"id":%d}]}`, key, page))
	})
	mux.HandleFunc(pattern, h)
	return n
}

// iterIDs drains seq and returns the ids of its records.
func iterIDs[T any](t *testing.T, seq iter.Seq2[*T, error], id func(*T) int64) []int64 {
	t.Helper()
	items, err := Collect(seq)
	require.NoError(t, err)
	ids := make([]int64, len(items))
	for i, item := range items {
		ids[i] = id(item)
	}
	return ids
}

// assertInvalidArg asserts that err is an ErrInvalidArgument naming arg.
func assertInvalidArg(t *testing.T, err error, arg string) {
	t.Helper()
	require.ErrorIs(t, err, ErrInvalidArgument)
	var ae *ArgError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, arg, ae.Arg, "argument of %v", err)
}

// serveMultiple registers GET /{path}/{ids} to answer each chunk with
// records in reverse order, recording the id lists asked for.
func serveMultiple(t *testing.T, mux *http.ServeMux, path, key string, wantQuery url.Values) func() []string {
	t.Helper()
	var (
		mu    sync.Mutex
		asked []string
	)
	mux.HandleFunc("GET /"+path+"/{ids}", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, wantQuery)
		ids := r.PathValue("ids")
		mu.Lock()
		asked = append(asked, ids)
		mu.Unlock()
		var items []string
		for _, s := range splitComma(ids) {
			items = append([]string{`{"id":` + s + `}`}, items...)
		}
		body := `{"` + key + `":[`
		for i, it := range items {
			if i > 0 {
				body += ","
			}
			body += it
		}
		writeJSON(t, w, http.StatusOK, body+`]}`)
	})
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), asked...)
	}
}

func splitComma(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ',' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return out
}

// seqIDs returns 1..n.
func seqIDs(n int) []int64 {
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = int64(i + 1)
	}
	return ids
}

// A nested party stub re-encodes without invented timestamps.
func TestPartyStubReencodes(t *testing.T) {
	t.Parallel()
	var o Opportunity
	require.NoError(t, json.Unmarshal([]byte(`{"id":1,"party":{"id":2,"type":"organisation","name":"Acme"},"createdAt":"2024-01-02T03:04:05Z"}`), &o))
	b, err := json.Marshal(o.Party)
	require.NoError(t, err)
	assert.NotContains(t, string(b), "createdAt")
	b, err = json.Marshal(o)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"createdAt":"2024-01-02T03:04:05Z"`)
}
