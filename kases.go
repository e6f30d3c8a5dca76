package capsule

import (
	"encoding/json"
	"time"
)

// Kase is a project (formerly a case) in Capsule; the API keeps the old
// name in its paths and keys.
type Kase struct {
	ID          int64   `json:"id"`
	Name        string  `json:"name"`
	Description *string `json:"description,omitempty"`
	Status      string  `json:"status,omitempty"` // KaseOpen or KaseClosed
	// Party is the main contact: a stub, or the whole party with
	// EmbedParty.
	Party *Party   `json:"party,omitempty"`
	Owner *UserRef `json:"owner,omitempty"`
	Team  *TeamRef `json:"team,omitempty"`
	// Opportunity is the opportunity the kase belongs to: a stub ({id,
	// name, isRestricted}), or the whole opportunity with EmbedOpportunity.
	Opportunity *Opportunity `json:"opportunity,omitempty"`
	// Stage is the board column the kase is in.
	Stage           *NamedRef `json:"stage,omitempty"`
	ExpectedCloseOn *Date     `json:"expectedCloseOn,omitempty"`
	ClosedOn        *Date     `json:"closedOn,omitempty"`

	CreatedAt       time.Time  `json:"createdAt"`
	UpdatedAt       time.Time  `json:"updatedAt"`
	LastContactedAt *time.Time `json:"lastContactedAt,omitempty"`

	// Tags is only returned with EmbedTags.
	Tags []Tag `json:"tags,omitempty"`
	// Fields is only returned with EmbedFields.
	Fields Fields `json:"fields,omitempty"`
	// MissingImportantFields is only returned with
	// EmbedMissingImportantFields.
	MissingImportantFields bool `json:"missingImportantFields,omitempty"`

	// StartOn is an undocumented key Capsule returns (so far always null),
	// kept as raw JSON.
	StartOn json.RawMessage `json:"startOn,omitempty"`

	// IsRestricted is set on a deleted-feed kase the caller may not see
	// (its name is then "Private").
	IsRestricted bool `json:"isRestricted,omitempty"`
}

// Statuses of a kase.
const (
	KaseOpen   = "OPEN"
	KaseClosed = "CLOSED"
)

// KaseInput is the body of Kases.Create and Kases.Update. Unset fields are
// not sent; Null clears a field. Create needs Name and Party, and Capsule
// wants an Owner or a Team.
type KaseInput struct {
	Name        Optional[string] `json:"name,omitzero"`
	Description Optional[string] `json:"description,omitzero"`
	Status      Optional[string] `json:"status,omitzero"` // KaseOpen (the default) or KaseClosed
	Party       Optional[Ref]    `json:"party,omitzero"`
	// Owner: Capsule clears Team when an update sets Owner without Team.
	Owner       Optional[Ref] `json:"owner,omitzero"`
	Team        Optional[Ref] `json:"team,omitzero"`
	Opportunity Optional[Ref] `json:"opportunity,omitzero"`
	// Stage is the id of the board stage, sent as a bare number as in
	// Capsule's documented example: Stage: Set[int64](149).
	Stage           Optional[int64] `json:"stage,omitzero"`
	ExpectedCloseOn Optional[Date]  `json:"expectedCloseOn,omitzero"`

	Tags   []TagChange   `json:"tags,omitempty"`
	Fields []FieldChange `json:"fields,omitempty"`

	// Tracks applies track definitions to the new kase (Create only).
	Tracks []TrackApplication `json:"tracks,omitempty"`
}
