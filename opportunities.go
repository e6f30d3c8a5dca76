package capsule

import "time"

// Opportunity is a potential sale, moving through the milestones of a
// pipeline.
//
// The same type also stands for an opportunity nested in a kase: that stub
// holds only ID, Name and IsRestricted unless the read embedded it
// (EmbedOpportunity).
type Opportunity struct {
	ID          int64   `json:"id"`
	Name        string  `json:"name"`
	Description *string `json:"description,omitempty"`
	// Party is the main contact: a stub, or the whole party with
	// EmbedParty.
	Party *Party   `json:"party,omitempty"`
	Owner *UserRef `json:"owner,omitempty"`
	Team  *TeamRef `json:"team,omitempty"`
	// Milestone is the stage the opportunity is at, which implies its
	// pipeline: a stub, or the whole milestone with EmbedMilestone.
	Milestone *MilestoneRef `json:"milestone,omitempty"`
	// LastOpenMilestone is the milestone it was at before it closed.
	LastOpenMilestone *NamedRef `json:"lastOpenMilestone,omitempty"`
	LostReason        *NamedRef `json:"lostReason,omitempty"`
	Value             *Money    `json:"value,omitempty"`
	ExpectedCloseOn   *Date     `json:"expectedCloseOn,omitempty"`
	ClosedOn          *Date     `json:"closedOn,omitempty"`
	Probability       *int      `json:"probability,omitempty"` // 0-100
	// DurationBasis says what Value is per: DurationFixed for a one-off
	// value, or a period such as DurationMonth with Duration periods.
	DurationBasis string `json:"durationBasis,omitempty"`
	Duration      *int   `json:"duration,omitempty"`
	// Status is not in the documented model; it is kept in case Capsule
	// sends it (Open, Won, Lost).
	Status string `json:"status,omitempty"`

	CreatedAt          time.Time  `json:"createdAt"`
	UpdatedAt          time.Time  `json:"updatedAt"`
	LastContactedAt    *time.Time `json:"lastContactedAt,omitempty"`
	LastStageChangedAt *time.Time `json:"lastStageChangedAt,omitempty"`

	// Tags is only returned with EmbedTags.
	Tags []Tag `json:"tags,omitempty"`
	// Fields is only returned with EmbedFields.
	Fields Fields `json:"fields,omitempty"`
	// MissingImportantFields is only returned with
	// EmbedMissingImportantFields.
	MissingImportantFields bool `json:"missingImportantFields,omitempty"`

	// IsRestricted is set on a nested or deleted-feed opportunity the
	// caller may not see (its name is then "Private").
	IsRestricted bool `json:"isRestricted,omitempty"`
}

// Money is an amount in a currency, such as an opportunity's value.
type Money struct {
	Amount   float64 `json:"amount"`
	Currency string  `json:"currency"` // ISO 4217 code from Currencies.Read, e.g. "GBP"
}

// MilestoneRef is an opportunity's milestone: {id, name}, plus the other
// milestone fields when the read used EmbedMilestone.
type MilestoneRef struct {
	ID             int64      `json:"id"`
	Name           string     `json:"name"`
	Description    *string    `json:"description,omitempty"`
	Probability    *int       `json:"probability,omitempty"`
	Complete       *bool      `json:"complete,omitempty"`
	DaysUntilStale *int       `json:"daysUntilStale,omitempty"`
	Pipeline       *NamedRef  `json:"pipeline,omitempty"`
	CreatedAt      *time.Time `json:"createdAt,omitempty"`
	UpdatedAt      *time.Time `json:"updatedAt,omitempty"`
}

// Duration bases of an opportunity's value.
const (
	DurationFixed   = "FIXED"
	DurationHour    = "HOUR"
	DurationDay     = "DAY"
	DurationWeek    = "WEEK"
	DurationMonth   = "MONTH"
	DurationQuarter = "QUARTER"
	DurationYear    = "YEAR"
)

// OpportunityInput is the body of Opportunities.Create and
// Opportunities.Update. Unset fields are not sent; Null clears a field.
// Create needs Name, Party and Milestone.
type OpportunityInput struct {
	Name        Optional[string] `json:"name,omitzero"`
	Description Optional[string] `json:"description,omitzero"`
	Party       Optional[Ref]    `json:"party,omitzero"`
	Milestone   Optional[Ref]    `json:"milestone,omitzero"`
	LostReason  Optional[Ref]    `json:"lostReason,omitzero"`
	Owner       Optional[Ref]    `json:"owner,omitzero"`
	Team        Optional[Ref]    `json:"team,omitzero"`
	Value       Optional[Money]  `json:"value,omitzero"`
	// Probability (0-100) can only be changed while the opportunity is
	// open.
	Probability     Optional[int]    `json:"probability,omitzero"`
	ExpectedCloseOn Optional[Date]   `json:"expectedCloseOn,omitzero"`
	DurationBasis   Optional[string] `json:"durationBasis,omitzero"`
	// Duration must not be set when DurationBasis is DurationFixed.
	Duration Optional[int] `json:"duration,omitzero"`

	Tags   []TagChange   `json:"tags,omitempty"`
	Fields []FieldChange `json:"fields,omitempty"`

	// Tracks applies track definitions to the new opportunity (Create
	// only).
	Tracks []TrackApplication `json:"tracks,omitempty"`
}

// TrackApplication is one item of the create-only Tracks list of
// OpportunityInput and KaseInput: a track definition to apply to the new
// record. Build it with ApplyTrack.
type TrackApplication struct {
	Definition Ref `json:"definition"`
}

// ApplyTrack returns an item that applies the track definition with the
// given id to a record being created.
func ApplyTrack(definitionID int64) TrackApplication {
	return TrackApplication{Definition: Ref{ID: definitionID}}
}
