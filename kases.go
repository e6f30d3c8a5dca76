package capsule

import (
	"context"
	"encoding/json"
	"iter"
	"net/http"
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

	CreatedAt       time.Time  `json:"createdAt,omitzero"`
	UpdatedAt       time.Time  `json:"updatedAt,omitzero"`
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

// validate checks in before it is sent; create adds the checks for the
// fields Capsule requires on a new kase.
func (in *KaseInput) validate(create bool) error {
	switch {
	case in.Name.IsNull():
		return invalidArg("name", "cannot be null")
	case in.Party.IsNull():
		return invalidArg("party", "cannot be null: a kase always has a party")
	case in.Status.IsNull():
		return invalidArg("status", "cannot be null")
	case create && !hasText(in.Name):
		return invalidArg("name", "is required to create a kase")
	case create && !in.Party.IsSet():
		return invalidArg("party", "is required to create a kase")
	case !create && len(in.Tracks) > 0:
		return invalidArg("tracks", "can only be applied when the kase is created")
	}
	if st, ok := in.Status.Get(); ok && st != KaseOpen && st != KaseClosed {
		return invalidArg("status", "must be %q or %q, got %q", KaseOpen, KaseClosed, st)
	}
	if id, ok := in.Stage.Get(); ok && id <= 0 {
		return invalidArg("stage", "id must be positive, got %d", id)
	}
	if err := checkRef("party", in.Party); err != nil {
		return err
	}
	if err := checkRef("opportunity", in.Opportunity); err != nil {
		return err
	}
	if err := checkOwnerTeam(in.Owner, in.Team); err != nil {
		return err
	}
	if err := checkTracks(in.Tracks); err != nil {
		return err
	}
	return checkTagsAndFields(in.Tags, in.Fields)
}

func kasesEndpoint(c *Client) endpoint[Kase] {
	return newEndpoint[Kase](c, "kases", "kase", "kases")
}

// Read returns one page of kases. opts.Since keeps only kases changed
// after it; opts.Embed takes EmbedTags, EmbedFields, EmbedParty,
// EmbedOpportunity and EmbedMissingImportantFields.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Project#listProjects
// GET /kases
func (s *KasesService) Read(ctx context.Context, opts *ListOptions) ([]*Kase, *Response, error) {
	return kasesEndpoint(s.client).list(ctx, "", opts)
}

// ReadIter iterates over every kase, fetching pages lazily.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Project#listProjects
// GET /kases
func (s *KasesService) ReadIter(ctx context.Context, opts *ListOptions) iter.Seq2[*Kase, error] {
	return kasesEndpoint(s.client).listIter(ctx, "", opts)
}

// ReadSingle returns the kase with the given id.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Project#showProject
// GET /kases/{kaseId}
func (s *KasesService) ReadSingle(ctx context.Context, id int64, opts *ReadOptions) (*Kase, *Response, error) {
	return kasesEndpoint(s.client).get(ctx, id, opts)
}

// ReadMultiple returns the kases with the given ids, in the order of ids,
// ten per request. Any unknown id fails the call with ErrNotFound.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Project#showMultipleProjects
// GET /kases/{kaseIds}
func (s *KasesService) ReadMultiple(ctx context.Context, ids []int64, opts *ReadOptions) ([]*Kase, *Response, error) {
	return kasesEndpoint(s.client).getMultiple(ctx, ids, opts)
}

// ReadDeleted returns the ids of the kases deleted since the given time
// (which must be set), and the kases that became restricted for the
// caller.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Project#listDeletedProjects
// GET /kases/deleted
func (s *KasesService) ReadDeleted(ctx context.Context, since time.Time) (*Deleted, *Response, error) {
	return readDeleted(ctx, kasesEndpoint(s.client), since)
}

// Search returns one page of the kases matching q.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Project#searchProjects
// GET /kases/search
func (s *KasesService) Search(ctx context.Context, q string, opts *ListOptions) ([]*Kase, *Response, error) {
	return kasesEndpoint(s.client).search(ctx, q, opts)
}

// SearchIter iterates over every kase matching q.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Project#searchProjects
// GET /kases/search
func (s *KasesService) SearchIter(ctx context.Context, q string, opts *ListOptions) iter.Seq2[*Kase, error] {
	return kasesEndpoint(s.client).searchIter(ctx, q, opts)
}

// Filter returns one page of the kases matching f.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Filter#runProjectFilter
// POST /kases/filters/results
func (s *KasesService) Filter(ctx context.Context, f Filter, opts *ListOptions) ([]*Kase, *Response, error) {
	return kasesEndpoint(s.client).filter(ctx, f, opts)
}

// FilterIter iterates over every kase matching f.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Filter#runProjectFilter
// POST /kases/filters/results
func (s *KasesService) FilterIter(ctx context.Context, f Filter, opts *ListOptions) iter.Seq2[*Kase, error] {
	return kasesEndpoint(s.client).filterIter(ctx, f, opts)
}

// Create creates a kase and returns it as stored. in.Name and in.Party are
// required; in.Tracks applies track definitions to it.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Project#createProject
// POST /kases
func (s *KasesService) Create(ctx context.Context, in *KaseInput) (*Kase, *Response, error) {
	if in == nil {
		return nil, nil, invalidArg("input", "must not be nil")
	}
	if err := in.validate(true); err != nil {
		return nil, nil, err
	}
	return kasesEndpoint(s.client).create(ctx, in, nil)
}

// Update changes the fields of the kase that are set in in, leaves the
// others as they are, and returns the whole kase as stored.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Project#updateProject
// PUT /kases/{kaseId}
func (s *KasesService) Update(ctx context.Context, id int64, in *KaseInput) (*Kase, *Response, error) {
	if in == nil {
		return nil, nil, invalidArg("input", "must not be nil")
	}
	if err := in.validate(false); err != nil {
		return nil, nil, err
	}
	return kasesEndpoint(s.client).update(ctx, id, in, nil)
}

// Delete deletes the kase. A 202 answer is not an error: the deletion
// then runs as the job named by resp.JobID().
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Project#deleteProject
// DELETE /kases/{kaseId}
func (s *KasesService) Delete(ctx context.Context, id int64) (*Response, error) {
	return kasesEndpoint(s.client).delete(ctx, id)
}

// Parties returns one page of the additional parties of the kase (its
// main party is Kase.Party); opts.Embed takes the party embeds.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Project#listAdditionalParties
// GET /kases/{kaseId}/parties
func (s *KasesService) Parties(ctx context.Context, kaseID int64, opts *ListOptions) ([]*Party, *Response, error) {
	path, err := childPath("kases", kaseID, "parties")
	if err != nil {
		return nil, nil, err
	}
	return partiesEndpoint(s.client).list(ctx, path, opts)
}

// PartiesIter iterates over every additional party of the kase.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Project#listAdditionalParties
// GET /kases/{kaseId}/parties
func (s *KasesService) PartiesIter(ctx context.Context, kaseID int64, opts *ListOptions) iter.Seq2[*Party, error] {
	path, err := childPath("kases", kaseID, "parties")
	if err != nil {
		return errSeq[Party](err)
	}
	return partiesEndpoint(s.client).listIter(ctx, path, opts)
}

// AddParty adds the party as an additional party of the kase. Adding one
// that is already there fails with ErrValidation.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Project#addAdditionalParty
// POST /kases/{kaseId}/parties/{partyId}
func (s *KasesService) AddParty(ctx context.Context, kaseID, partyID int64) (*Response, error) {
	return additionalParty(ctx, s.client, http.MethodPost, "kases", kaseID, partyID)
}

// RemoveParty removes the party from the additional parties of the kase.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Project#removeAdditionalParty
// DELETE /kases/{kaseId}/parties/{partyId}
func (s *KasesService) RemoveParty(ctx context.Context, kaseID, partyID int64) (*Response, error) {
	return additionalParty(ctx, s.client, http.MethodDelete, "kases", kaseID, partyID)
}
