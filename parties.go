package capsule

import (
	"context"
	"encoding/json"
	"errors"
	"iter"
	"strconv"
	"strings"
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
	CreatedAt       time.Time  `json:"createdAt,omitzero"`
	UpdatedAt       time.Time  `json:"updatedAt,omitzero"`
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

// validate checks in before it is sent; create adds the checks for the
// fields Capsule requires on a new party.
func (in *PartyInput) validate(create bool) error {
	if typ, ok := in.Type.Get(); ok && typ != PartyPerson && typ != PartyOrganisation {
		return invalidArg("type", "must be %q or %q, got %q", PartyPerson, PartyOrganisation, typ)
	}
	if in.Type.IsNull() {
		return invalidArg("type", "cannot be null")
	}
	if create {
		typ, ok := in.Type.Get()
		switch {
		case !ok:
			return invalidArg("type", "is required to create a party")
		case typ == PartyPerson && !hasText(in.FirstName) && !hasText(in.LastName):
			return invalidArg("firstName", "a person needs a firstName or a lastName")
		case typ == PartyOrganisation && !hasText(in.Name):
			return invalidArg("name", "an organisation needs a name")
		}
	}
	if org, ok := in.Organisation.Get(); ok {
		if org.ID < 0 || (org.ID == 0 && org.Name == "") {
			return invalidArg("organisation", "needs a positive id or a name")
		}
	}
	if err := checkOwnerTeam(in.Owner, in.Team); err != nil {
		return err
	}
	for i, c := range in.Addresses {
		if err := checkItem("addresses", i, c); err != nil {
			return err
		}
	}
	for i, c := range in.PhoneNumbers {
		if err := checkItem("phoneNumbers", i, c); err != nil {
			return err
		}
	}
	for i, c := range in.EmailAddresses {
		if err := checkItem("emailAddresses", i, c); err != nil {
			return err
		}
	}
	for i, c := range in.Websites {
		if err := checkItem("websites", i, c); err != nil {
			return err
		}
	}
	return checkTagsAndFields(in.Tags, in.Fields)
}

// checkOwnerTeam checks the owner and team references of an input.
func checkOwnerTeam(owner, team Optional[Ref]) error {
	if err := checkRef("owner", owner); err != nil {
		return err
	}
	return checkRef("team", team)
}

// checkItem checks item i of a nested collection.
func checkItem(arg string, i int, c interface{ check() (string, bool) }) error {
	if msg, ok := c.check(); !ok {
		return invalidArg(arg+"["+strconv.Itoa(i)+"]", "%s", msg)
	}
	return nil
}

// checkTagsAndFields checks the tag and custom field changes of an input.
func checkTagsAndFields(tags []TagChange, fields []FieldChange) error {
	for i, tc := range tags {
		named := strings.TrimSpace(tc.Name) != ""
		if msg, ok := checkChange(tc.ID, tc.Delete, named, named || tc.ID > 0); !ok {
			return invalidArg("tags["+strconv.Itoa(i)+"]", "%s", msg)
		}
	}
	for i, fc := range fields {
		if err := fc.Validate(); err != nil {
			arg := "fields[" + strconv.Itoa(i) + "]"
			var ae *ArgError
			if errors.As(err, &ae) {
				return invalidArg(arg, "%s", ae.Reason)
			}
			return invalidArg(arg, "%v", err)
		}
	}
	return nil
}

func partiesEndpoint(c *Client) endpoint[Party] {
	return newEndpoint[Party](c, "parties", "party", "parties")
}

// childPath returns "{parent}/{id}/{child}" after checking id.
func childPath(parent string, id int64, child string) (string, error) {
	if id <= 0 {
		return "", invalidArg("id", "must be positive, got %d", id)
	}
	return parent + "/" + strconv.FormatInt(id, 10) + "/" + child, nil
}

// errSeq returns an iterator that yields only err.
func errSeq[T any](err error) iter.Seq2[*T, error] {
	return func(yield func(*T, error) bool) { yield(nil, err) }
}

// Read returns one page of parties. opts.Since keeps only parties changed
// after it; opts.Embed takes EmbedTags, EmbedFields, EmbedOrganisation and
// EmbedMissingImportantFields.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Party#listParties
// GET /parties
func (s *PartiesService) Read(ctx context.Context, opts *ListOptions) ([]*Party, *Response, error) {
	return partiesEndpoint(s.client).list(ctx, "", opts)
}

// ReadIter iterates over every party, fetching pages lazily (100 a page
// unless opts.PerPage says otherwise).
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Party#listParties
// GET /parties
func (s *PartiesService) ReadIter(ctx context.Context, opts *ListOptions) iter.Seq2[*Party, error] {
	return partiesEndpoint(s.client).listIter(ctx, "", opts)
}

// ReadSingle returns the party with the given id.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Party#showParty
// GET /parties/{partyId}
func (s *PartiesService) ReadSingle(ctx context.Context, id int64, opts *ReadOptions) (*Party, *Response, error) {
	return partiesEndpoint(s.client).get(ctx, id, opts)
}

// ReadMultiple returns the parties with the given ids, in the order of ids.
// Capsule serves at most ten per request, so more ids make several
// requests; the Response is the last one's. Any unknown id fails the call
// with ErrNotFound.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Party#showMultipleParties
// GET /parties/{partyIds}
func (s *PartiesService) ReadMultiple(ctx context.Context, ids []int64, opts *ReadOptions) ([]*Party, *Response, error) {
	return partiesEndpoint(s.client).getMultiple(ctx, ids, opts)
}

// ReadDeleted returns the ids of the parties deleted since the given time
// (which must be set), and the parties that became restricted for the
// caller.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Party#listDeletedParties
// GET /parties/deleted
func (s *PartiesService) ReadDeleted(ctx context.Context, since time.Time) (*Deleted, *Response, error) {
	return readDeleted(ctx, partiesEndpoint(s.client), since)
}

// Search returns one page of the parties matching q, which Capsule matches
// against names, email addresses, phone numbers, postcodes and more.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Party#searchParties
// GET /parties/search
func (s *PartiesService) Search(ctx context.Context, q string, opts *ListOptions) ([]*Party, *Response, error) {
	return partiesEndpoint(s.client).search(ctx, q, opts)
}

// SearchIter iterates over every party matching q.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Party#searchParties
// GET /parties/search
func (s *PartiesService) SearchIter(ctx context.Context, q string, opts *ListOptions) iter.Seq2[*Party, error] {
	return partiesEndpoint(s.client).searchIter(ctx, q, opts)
}

// Filter returns one page of the parties matching f. The filter is checked
// against the party filter fields before it is sent.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Filter#runPartyFilter
// POST /parties/filters/results
func (s *PartiesService) Filter(ctx context.Context, f Filter, opts *ListOptions) ([]*Party, *Response, error) {
	return partiesEndpoint(s.client).filter(ctx, f, opts)
}

// FilterIter iterates over every party matching f.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Filter#runPartyFilter
// POST /parties/filters/results
func (s *PartiesService) FilterIter(ctx context.Context, f Filter, opts *ListOptions) iter.Seq2[*Party, error] {
	return partiesEndpoint(s.client).filterIter(ctx, f, opts)
}

// Create creates a person or an organisation and returns it as stored.
// in.Type is required, with FirstName or LastName for a person and Name
// for an organisation.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Party#createParty
// POST /parties
func (s *PartiesService) Create(ctx context.Context, in *PartyInput) (*Party, *Response, error) {
	if in == nil {
		return nil, nil, invalidArg("input", "must not be nil")
	}
	if err := in.validate(true); err != nil {
		return nil, nil, err
	}
	return partiesEndpoint(s.client).create(ctx, in, nil)
}

// Update changes the fields of the party that are set in in, leaves the
// others as they are, and returns the whole party as stored.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Party#updateParty
// PUT /parties/{partyId}
func (s *PartiesService) Update(ctx context.Context, id int64, in *PartyInput) (*Party, *Response, error) {
	if in == nil {
		return nil, nil, invalidArg("input", "must not be nil")
	}
	if err := in.validate(false); err != nil {
		return nil, nil, err
	}
	return partiesEndpoint(s.client).update(ctx, id, in, nil)
}

// Delete deletes the party, with its opportunities, kases, tasks and
// history. Capsule may do this in the background: it then answers 202 and
// resp.JobID() names the job (see Jobs).
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Party#deleteParty
// DELETE /parties/{partyId}
func (s *PartiesService) Delete(ctx context.Context, id int64) (*Response, error) {
	return partiesEndpoint(s.client).delete(ctx, id)
}

// People returns one page of the people who work at the organisation with
// the given id.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Party#listEmployees
// GET /parties/{partyId}/people
func (s *PartiesService) People(ctx context.Context, organisationID int64, opts *ListOptions) ([]*Party, *Response, error) {
	path, err := childPath("parties", organisationID, "people")
	if err != nil {
		return nil, nil, err
	}
	return partiesEndpoint(s.client).list(ctx, path, opts)
}

// PeopleIter iterates over every person who works at the organisation.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Party#listEmployees
// GET /parties/{partyId}/people
func (s *PartiesService) PeopleIter(ctx context.Context, organisationID int64, opts *ListOptions) iter.Seq2[*Party, error] {
	path, err := childPath("parties", organisationID, "people")
	if err != nil {
		return errSeq[Party](err)
	}
	return partiesEndpoint(s.client).listIter(ctx, path, opts)
}

// Opportunities returns one page of the opportunities whose main party is
// the party with the given id; opts.Embed takes the opportunity embeds.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Opportunity#listOpportunitiesByParty
// GET /parties/{partyId}/opportunities
func (s *PartiesService) Opportunities(ctx context.Context, partyID int64, opts *ListOptions) ([]*Opportunity, *Response, error) {
	path, err := childPath("parties", partyID, "opportunities")
	if err != nil {
		return nil, nil, err
	}
	return opportunitiesEndpoint(s.client).list(ctx, path, opts)
}

// OpportunitiesIter iterates over every opportunity of the party.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Opportunity#listOpportunitiesByParty
// GET /parties/{partyId}/opportunities
func (s *PartiesService) OpportunitiesIter(ctx context.Context, partyID int64, opts *ListOptions) iter.Seq2[*Opportunity, error] {
	path, err := childPath("parties", partyID, "opportunities")
	if err != nil {
		return errSeq[Opportunity](err)
	}
	return opportunitiesEndpoint(s.client).listIter(ctx, path, opts)
}

// Kases returns one page of the kases (projects) whose main party is the
// party with the given id; opts.Embed takes the kase embeds.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Project#listProjectsByParty
// GET /parties/{partyId}/kases
func (s *PartiesService) Kases(ctx context.Context, partyID int64, opts *ListOptions) ([]*Kase, *Response, error) {
	path, err := childPath("parties", partyID, "kases")
	if err != nil {
		return nil, nil, err
	}
	return kasesEndpoint(s.client).list(ctx, path, opts)
}

// KasesIter iterates over every kase of the party.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Project#listProjectsByParty
// GET /parties/{partyId}/kases
func (s *PartiesService) KasesIter(ctx context.Context, partyID int64, opts *ListOptions) iter.Seq2[*Kase, error] {
	path, err := childPath("parties", partyID, "kases")
	if err != nil {
		return errSeq[Kase](err)
	}
	return kasesEndpoint(s.client).listIter(ctx, path, opts)
}
