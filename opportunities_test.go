package capsule

import (
	"testing"

	"github.com/stretchr/testify/assert"
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
		}, `{"name":"","description":"","value":{"amount":0,"currency":""},"probability":0,"duration":0}`},
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
