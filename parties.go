package capsule

import (
	"encoding/json"
	"time"
)

// Party is a person or an organisation in Capsule.
//
// The same type also stands for a party nested in another record (a
// person's organisation, the main party of an opportunity or a kase): such
// a stub holds only ID, Type, the name fields and PictureURL, unless the
// read embedded the full record (EmbedOrganisation, EmbedParty). A party
// the caller may not see has IsRestricted set and "Private" as its name.
type Party struct {
	ID   int64  `json:"id"`
	Type string `json:"type"` // PartyPerson or PartyOrganisation

	// Person fields.
	FirstName    *string `json:"firstName,omitempty"`
	LastName     *string `json:"lastName,omitempty"`
	Title        *string `json:"title,omitempty"` // one of the account's titles, e.g. "Mr"
	JobTitle     *string `json:"jobTitle,omitempty"`
	Organisation *Party  `json:"organisation,omitempty"`

	// Name is the organisation's name (organisations only).
	Name string `json:"name,omitempty"`

	About           *string    `json:"about,omitempty"`
	CreatedAt       time.Time  `json:"createdAt"`
	UpdatedAt       time.Time  `json:"updatedAt"`
	LastContactedAt *time.Time `json:"lastContactedAt,omitempty"`
	PictureURL      string     `json:"pictureURL,omitempty"`
	Owner           *UserRef   `json:"owner,omitempty"`
	Team            *TeamRef   `json:"team,omitempty"`

	Addresses      []Address      `json:"addresses,omitempty"`
	PhoneNumbers   []PhoneNumber  `json:"phoneNumbers,omitempty"`
	EmailAddresses []EmailAddress `json:"emailAddresses,omitempty"`
	Websites       []Website      `json:"websites,omitempty"`

	// Tags is only returned with EmbedTags.
	Tags []Tag `json:"tags,omitempty"`
	// Fields is only returned with EmbedFields.
	Fields Fields `json:"fields,omitempty"`
	// MissingImportantFields is only returned with
	// EmbedMissingImportantFields.
	MissingImportantFields bool `json:"missingImportantFields,omitempty"`

	// Enrichment is an undocumented key Capsule returns (so far always
	// null), kept as raw JSON.
	Enrichment json.RawMessage `json:"enrichment,omitempty"`

	// IsRestricted is set on a nested or deleted-feed party the caller may
	// not see.
	IsRestricted bool `json:"isRestricted,omitempty"`
}

// Types of a party.
const (
	PartyPerson       = "person"
	PartyOrganisation = "organisation"
)

// Values for the Embed list of ListOptions and ReadOptions. Parties accept
// EmbedTags, EmbedFields, EmbedOrganisation and EmbedMissingImportantFields;
// opportunities EmbedTags, EmbedFields, EmbedParty, EmbedMilestone and
// EmbedMissingImportantFields; kases EmbedTags, EmbedFields, EmbedParty,
// EmbedOpportunity and EmbedMissingImportantFields.
const (
	EmbedTags                   = "tags"
	EmbedFields                 = "fields"
	EmbedOrganisation           = "organisation"
	EmbedMissingImportantFields = "missingImportantFields"
	EmbedParty                  = "party"
	EmbedMilestone              = "milestone"
	EmbedOpportunity            = "opportunity"
)

// IsPerson reports whether p is a person.
func (p *Party) IsPerson() bool { return p != nil && p.Type == PartyPerson }

// IsOrganisation reports whether p is an organisation.
func (p *Party) IsOrganisation() bool { return p != nil && p.Type == PartyOrganisation }

// DisplayName returns the organisation's name or the person's full name.
func (p *Party) DisplayName() string {
	if p == nil {
		return ""
	}
	if p.Name != "" {
		return p.Name
	}
	var first, last string
	if p.FirstName != nil {
		first = *p.FirstName
	}
	if p.LastName != nil {
		last = *p.LastName
	}
	switch {
	case first == "":
		return last
	case last == "":
		return first
	}
	return first + " " + last
}

// PartyInput is the body of Parties.Create and Parties.Update. Unset fields
// are not sent, so an update changes only what is set; Null clears a
// field. Create needs Type, and FirstName or LastName for a person or Name
// for an organisation.
type PartyInput struct {
	Type Optional[string] `json:"type,omitzero"` // PartyPerson or PartyOrganisation

	// Person fields.
	FirstName Optional[string] `json:"firstName,omitzero"`
	LastName  Optional[string] `json:"lastName,omitzero"`
	Title     Optional[string] `json:"title,omitzero"`
	JobTitle  Optional[string] `json:"jobTitle,omitzero"`
	// Organisation links a person to an organisation by id
	// (OrganisationByID) or by name (OrganisationByName, which creates the
	// organisation when none has that name); Null unlinks.
	Organisation Optional[OrganisationRef] `json:"organisation,omitzero"`

	// Name is the organisation's name (organisations only).
	Name Optional[string] `json:"name,omitzero"`

	About Optional[string] `json:"about,omitzero"`
	Owner Optional[Ref]    `json:"owner,omitzero"`
	Team  Optional[Ref]    `json:"team,omitzero"`

	Addresses      []AddressChange      `json:"addresses,omitempty"`
	PhoneNumbers   []PhoneNumberChange  `json:"phoneNumbers,omitempty"`
	EmailAddresses []EmailAddressChange `json:"emailAddresses,omitempty"`
	Websites       []WebsiteChange      `json:"websites,omitempty"`
	Tags           []TagChange          `json:"tags,omitempty"`
	Fields         []FieldChange        `json:"fields,omitempty"`
}

// OrganisationRef is how a PartyInput names a person's organisation: by id
// or by name. Build it with OrganisationByID or OrganisationByName.
type OrganisationRef struct {
	ID   int64  `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
}

// OrganisationByID links a person to the organisation with the given id.
func OrganisationByID(id int64) Optional[OrganisationRef] {
	return Set(OrganisationRef{ID: id})
}

// OrganisationByName links a person to the organisation called name;
// Capsule creates the organisation when the account has none of that name.
func OrganisationByName(name string) Optional[OrganisationRef] {
	return Set(OrganisationRef{Name: name})
}
