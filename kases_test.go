package capsule

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
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
			Fields: []FieldChange{{ID: 9785121, Delete: true}},
			Tracks: []TrackApplication{ApplyTrack(7)},
		}, `{"owner":{"id":6},"team":{"id":3},"opportunity":{"id":83948362},"tags":[{"name":"Urgent"}],
			"fields":[{"id":9785121,"value":null,"_delete":true}],"tracks":[{"definition":{"id":7}}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			testJSONMarshal(t, tt.in, tt.want)
		})
	}
}
