package capsule

import (
	"encoding/json"
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

// ts parses an RFC 3339 timestamp for test expectations.
func ts(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	require.NoError(t, err)
	return v
}

// tsp is ts returning a pointer.
func tsp(t *testing.T, s string) *time.Time {
	t.Helper()
	v := ts(t, s)
	return &v
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
				{ID: 9785122, Delete: true},
			},
		}, `{
			"addresses":[{"city":"Leeds"},{"id":2,"zip":"LS1"},{"id":3,"_delete":true}],
			"phoneNumbers":[{"type":"Work","number":"123"},{"id":4,"number":"456"},{"id":5,"_delete":true}],
			"emailAddresses":[{"type":"Home","address":"a@b.c"},{"id":6,"address":"d@e.f"},{"id":7,"_delete":true}],
			"websites":[{"service":"URL","address":"x.com"},{"id":8,"address":"y.com"},{"id":9,"_delete":true}],
			"tags":[{"name":"VIP"},{"id":1199,"_delete":true}],
			"fields":[{"definition":{"id":45},"value":"x"},{"id":9785121,"value":null},{"id":9785122,"value":null,"_delete":true}]
		}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			testJSONMarshal(t, tt.in, tt.want)
		})
	}
}
