package capsule

import (
	"context"
	"iter"
	"net/http"
	"strconv"
	"time"
)

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

	CreatedAt          time.Time  `json:"createdAt,omitzero"`
	UpdatedAt          time.Time  `json:"updatedAt,omitzero"`
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
	Currency string  `json:"currency,omitempty"` // ISO 4217 code from Currencies.Read, e.g. "GBP"; empty takes the account's default
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

// validate checks in before it is sent; create adds the checks for the
// fields Capsule requires on a new opportunity.
func (in *OpportunityInput) validate(create bool) error {
	switch {
	case in.Name.IsNull():
		return invalidArg("name", "cannot be null")
	case in.Party.IsNull():
		return invalidArg("party", "cannot be null: an opportunity always has a party")
	case in.Milestone.IsNull():
		return invalidArg("milestone", "cannot be null: an opportunity always has a milestone")
	case in.DurationBasis.IsNull():
		return invalidArg("durationBasis", "cannot be null")
	case create && !hasText(in.Name):
		return invalidArg("name", "is required to create an opportunity")
	case create && !in.Party.IsSet():
		return invalidArg("party", "is required to create an opportunity")
	case create && !in.Milestone.IsSet():
		return invalidArg("milestone", "is required to create an opportunity")
	case !create && len(in.Tracks) > 0:
		return invalidArg("tracks", "can only be applied when the opportunity is created")
	}
	if basis, ok := in.DurationBasis.Get(); ok {
		switch basis {
		case DurationFixed:
			if in.Duration.IsSet() {
				return invalidArg("duration", "must not be set when durationBasis is %s", DurationFixed)
			}
		case DurationHour, DurationDay, DurationWeek, DurationMonth, DurationQuarter, DurationYear:
		default:
			return invalidArg("durationBasis", "unknown basis %q", basis)
		}
	}
	if d, ok := in.Duration.Get(); ok && d < 0 {
		return invalidArg("duration", "must not be negative, got %d", d)
	}
	if p, ok := in.Probability.Get(); ok && (p < 0 || p > 100) {
		return invalidArg("probability", "must be between 0 and 100, got %d", p)
	}
	for _, r := range []struct {
		arg string
		ref Optional[Ref]
	}{{"party", in.Party}, {"milestone", in.Milestone}, {"lostReason", in.LostReason}, {"owner", in.Owner}, {"team", in.Team}} {
		if err := checkRef(r.arg, r.ref); err != nil {
			return err
		}
	}
	if err := checkTracks(in.Tracks); err != nil {
		return err
	}
	return checkTagsAndFields(in.Tags, in.Fields)
}

// checkTracks checks the track definitions to apply on create.
func checkTracks(tracks []TrackApplication) error {
	for i, tr := range tracks {
		if tr.Definition.ID <= 0 {
			return invalidArg("tracks["+strconv.Itoa(i)+"]", "definition id must be positive, got %d", tr.Definition.ID)
		}
	}
	return nil
}

func opportunitiesEndpoint(c *Client) endpoint[Opportunity] {
	return newEndpoint[Opportunity](c, "opportunities", "opportunity", "opportunities")
}

// additionalParty adds (POST) or removes (DELETE) the party with the given
// id as an additional party of a record of parent; Capsule answers 204.
func additionalParty(ctx context.Context, c *Client, method, parent string, id, partyID int64) (*Response, error) {
	path, err := childPath(parent, id, "parties")
	if err != nil {
		return nil, err
	}
	if partyID <= 0 {
		return nil, invalidArg("partyID", "must be positive, got %d", partyID)
	}
	return c.call(ctx, &request{method: method, path: path + "/" + strconv.FormatInt(partyID, 10)}, nil)
}

// Read returns one page of opportunities. opts.Since keeps only
// opportunities changed after it; opts.Embed takes EmbedTags, EmbedFields,
// EmbedParty, EmbedMilestone and EmbedMissingImportantFields.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Opportunity#listOpportunities
// GET /opportunities
func (s *OpportunitiesService) Read(ctx context.Context, opts *ListOptions) ([]*Opportunity, *Response, error) {
	return opportunitiesEndpoint(s.client).list(ctx, "", opts)
}

// ReadIter iterates over every opportunity, fetching pages lazily.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Opportunity#listOpportunities
// GET /opportunities
func (s *OpportunitiesService) ReadIter(ctx context.Context, opts *ListOptions) iter.Seq2[*Opportunity, error] {
	return opportunitiesEndpoint(s.client).listIter(ctx, "", opts)
}

// ReadSingle returns the opportunity with the given id.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Opportunity#showOpportunity
// GET /opportunities/{opportunityId}
func (s *OpportunitiesService) ReadSingle(ctx context.Context, id int64, opts *ReadOptions) (*Opportunity, *Response, error) {
	return opportunitiesEndpoint(s.client).get(ctx, id, opts)
}

// ReadMultiple returns the opportunities with the given ids, in the order
// of ids, ten per request. Any unknown id fails the call with ErrNotFound.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Opportunity#showMultipleOpportunities
// GET /opportunities/{opportunityIds}
func (s *OpportunitiesService) ReadMultiple(ctx context.Context, ids []int64, opts *ReadOptions) ([]*Opportunity, *Response, error) {
	return opportunitiesEndpoint(s.client).getMultiple(ctx, ids, opts)
}

// ReadDeleted returns the ids of the opportunities deleted since the given
// time (which must be set), and the opportunities that became restricted
// for the caller.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Opportunity#listDeletedOpportunities
// GET /opportunities/deleted
func (s *OpportunitiesService) ReadDeleted(ctx context.Context, since time.Time) (*Deleted, *Response, error) {
	return readDeleted(ctx, opportunitiesEndpoint(s.client), since)
}

// Search returns one page of the opportunities matching q.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Opportunity#searchOpportunities
// GET /opportunities/search
func (s *OpportunitiesService) Search(ctx context.Context, q string, opts *ListOptions) ([]*Opportunity, *Response, error) {
	return opportunitiesEndpoint(s.client).search(ctx, q, opts)
}

// SearchIter iterates over every opportunity matching q.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Opportunity#searchOpportunities
// GET /opportunities/search
func (s *OpportunitiesService) SearchIter(ctx context.Context, q string, opts *ListOptions) iter.Seq2[*Opportunity, error] {
	return opportunitiesEndpoint(s.client).searchIter(ctx, q, opts)
}

// Filter returns one page of the opportunities matching f.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Filter#runOpportunityFilter
// POST /opportunities/filters/results
func (s *OpportunitiesService) Filter(ctx context.Context, f Filter, opts *ListOptions) ([]*Opportunity, *Response, error) {
	return opportunitiesEndpoint(s.client).filter(ctx, f, opts)
}

// FilterIter iterates over every opportunity matching f.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Filter#runOpportunityFilter
// POST /opportunities/filters/results
func (s *OpportunitiesService) FilterIter(ctx context.Context, f Filter, opts *ListOptions) iter.Seq2[*Opportunity, error] {
	return opportunitiesEndpoint(s.client).filterIter(ctx, f, opts)
}

// Create creates an opportunity and returns it as stored. in.Name,
// in.Party and in.Milestone are required; in.Tracks applies track
// definitions to it.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Opportunity#createOpportunity
// POST /opportunities
func (s *OpportunitiesService) Create(ctx context.Context, in *OpportunityInput) (*Opportunity, *Response, error) {
	if in == nil {
		return nil, nil, invalidArg("input", "must not be nil")
	}
	if err := in.validate(true); err != nil {
		return nil, nil, err
	}
	return opportunitiesEndpoint(s.client).create(ctx, in, nil)
}

// Update changes the fields of the opportunity that are set in in, leaves
// the others as they are, and returns the whole opportunity as stored.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Opportunity#updateOpportunity
// PUT /opportunities/{opportunityId}
func (s *OpportunitiesService) Update(ctx context.Context, id int64, in *OpportunityInput) (*Opportunity, *Response, error) {
	if in == nil {
		return nil, nil, invalidArg("input", "must not be nil")
	}
	if err := in.validate(false); err != nil {
		return nil, nil, err
	}
	return opportunitiesEndpoint(s.client).update(ctx, id, in, nil)
}

// Delete deletes the opportunity. A 202 answer is not an error: the
// deletion then runs as the job named by resp.JobID().
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Opportunity#deleteOpportunity
// DELETE /opportunities/{opportunityId}
func (s *OpportunitiesService) Delete(ctx context.Context, id int64) (*Response, error) {
	return opportunitiesEndpoint(s.client).delete(ctx, id)
}

// Parties returns one page of the additional parties of the opportunity
// (its main party is Opportunity.Party); opts.Embed takes the party embeds.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Opportunity#listAdditionalParties
// GET /opportunities/{opportunityId}/parties
func (s *OpportunitiesService) Parties(ctx context.Context, opportunityID int64, opts *ListOptions) ([]*Party, *Response, error) {
	path, err := childPath("opportunities", opportunityID, "parties")
	if err != nil {
		return nil, nil, err
	}
	return partiesEndpoint(s.client).list(ctx, path, opts)
}

// PartiesIter iterates over every additional party of the opportunity.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Opportunity#listAdditionalParties
// GET /opportunities/{opportunityId}/parties
func (s *OpportunitiesService) PartiesIter(ctx context.Context, opportunityID int64, opts *ListOptions) iter.Seq2[*Party, error] {
	path, err := childPath("opportunities", opportunityID, "parties")
	if err != nil {
		return errSeq[Party](err)
	}
	return partiesEndpoint(s.client).listIter(ctx, path, opts)
}

// AddParty adds the party as an additional party of the opportunity.
// Adding one that is already there, or the main party, fails with
// ErrValidation.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Opportunity#addAdditionalParty
// POST /opportunities/{opportunityId}/parties/{partyId}
func (s *OpportunitiesService) AddParty(ctx context.Context, opportunityID, partyID int64) (*Response, error) {
	return additionalParty(ctx, s.client, http.MethodPost, "opportunities", opportunityID, partyID)
}

// RemoveParty removes the party from the additional parties of the
// opportunity.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Opportunity#removeAdditionalParty
// DELETE /opportunities/{opportunityId}/parties/{partyId}
func (s *OpportunitiesService) RemoveParty(ctx context.Context, opportunityID, partyID int64) (*Response, error) {
	return additionalParty(ctx, s.client, http.MethodDelete, "opportunities", opportunityID, partyID)
}

// Kases returns one page of the kases (projects) linked to the
// opportunity.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Project#listProjectsByOpportunity
// GET /opportunities/{opportunityId}/kases
func (s *OpportunitiesService) Kases(ctx context.Context, opportunityID int64, opts *ListOptions) ([]*Kase, *Response, error) {
	path, err := childPath("opportunities", opportunityID, "kases")
	if err != nil {
		return nil, nil, err
	}
	return kasesEndpoint(s.client).list(ctx, path, opts)
}

// KasesIter iterates over every kase linked to the opportunity.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Project#listProjectsByOpportunity
// GET /opportunities/{opportunityId}/kases
func (s *OpportunitiesService) KasesIter(ctx context.Context, opportunityID int64, opts *ListOptions) iter.Seq2[*Kase, error] {
	path, err := childPath("opportunities", opportunityID, "kases")
	if err != nil {
		return errSeq[Kase](err)
	}
	return kasesEndpoint(s.client).listIter(ctx, path, opts)
}
