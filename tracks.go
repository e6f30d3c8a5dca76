package capsule

import (
	"context"
	"fmt"
	"iter"
	"time"
)

// Track is a track definition applied to an opportunity or kase: the
// tasks it generated and the date their due dates count from.
type Track struct {
	ID          int64  `json:"id"`
	Description string `json:"description"`
	// TrackDateOn is the start date (Direction START_DATE) or the end date
	// (END_DATE) the due dates of the track's tasks are computed from.
	TrackDateOn Date           `json:"trackDateOn"`
	Direction   TrackDirection `json:"direction"`
	// Tasks are {id, description} stubs unless the request embedded them
	// (embed=task), when they are full tasks.
	Tasks []*Task `json:"tasks"`
}

// TrackDirection says whether a track's date is its start or its end.
type TrackDirection string

// Values of TrackDirection.
const (
	TrackStartDate TrackDirection = "START_DATE"
	TrackEndDate   TrackDirection = "END_DATE"
)

// TrackApply applies a track definition to an opportunity or a kase
// (exactly one of them).
type TrackApply struct {
	// Definition is the id of the track definition; required.
	Definition int64 `json:"definition"`
	// Opportunity or Kase is the id of the record the track is applied to.
	Opportunity int64 `json:"opportunity,omitempty"`
	Kase        int64 `json:"kase,omitempty"`
	// TrackDateOn is the start or end date of the track; required.
	TrackDateOn Date `json:"trackDateOn"`
	// Description defaults to the definition's description when empty.
	Description string `json:"description,omitempty"`
}

func (a *TrackApply) validate() error {
	if a.Definition <= 0 {
		return invalidArg("in.Definition", "definition id must be positive, got %d", a.Definition)
	}
	if a.Opportunity < 0 || a.Kase < 0 {
		return invalidArg("in", "record ids must be positive")
	}
	if (a.Opportunity > 0) == (a.Kase > 0) {
		return invalidArg("in", "a track is applied to exactly one of Opportunity and Kase")
	}
	if a.TrackDateOn.IsZero() {
		return invalidArg("in.TrackDateOn", "track date is required")
	}
	return nil
}

// TrackUpdate changes a track: only its description and its date can be
// changed. Unset fields are left unchanged.
type TrackUpdate struct {
	Description Optional[string] `json:"description,omitzero"`
	TrackDateOn Optional[Date]   `json:"trackDateOn,omitzero"`
}

func (u *TrackUpdate) validate() error {
	if u.TrackDateOn.IsNull() {
		return invalidArg("in.TrackDateOn", "a track's date cannot be cleared")
	}
	return nil
}

func (s *TracksService) ep() endpoint[Track] {
	return newEndpoint[Track](s.client, "tracks", "track", "tracks")
}

// ReadSingle returns the track with the given id. Embeddable: task.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Track
// GET /tracks/{trackId}
func (s *TracksService) ReadSingle(ctx context.Context, id int64, opts *ReadOptions) (*Track, *Response, error) {
	return s.ep().get(ctx, id, opts)
}

// ForOpportunity returns one page of the tracks applied to an opportunity.
// Embeddable: task.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Track
// GET /opportunities/{opportunityId}/tracks
func (s *TracksService) ForOpportunity(ctx context.Context, opportunityID int64, opts *ListOptions) ([]*Track, *Response, error) {
	if opportunityID <= 0 {
		return nil, nil, invalidArg("opportunityID", "id must be positive, got %d", opportunityID)
	}
	return s.ep().list(ctx, fmt.Sprintf("opportunities/%d/tracks", opportunityID), opts)
}

// ForOpportunityIter returns every track applied to an opportunity, page
// after page, lazily.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Track
// GET /opportunities/{opportunityId}/tracks
func (s *TracksService) ForOpportunityIter(ctx context.Context, opportunityID int64, opts *ListOptions) iter.Seq2[*Track, error] {
	return iterate(ctx, opts, func(ctx context.Context, page *ListOptions) ([]*Track, *Response, error) {
		return s.ForOpportunity(ctx, opportunityID, page)
	})
}

// ForKase returns one page of the tracks applied to a kase (project).
// Embeddable: task.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Track
// GET /kases/{kaseId}/tracks
func (s *TracksService) ForKase(ctx context.Context, kaseID int64, opts *ListOptions) ([]*Track, *Response, error) {
	if kaseID <= 0 {
		return nil, nil, invalidArg("kaseID", "id must be positive, got %d", kaseID)
	}
	return s.ep().list(ctx, fmt.Sprintf("kases/%d/tracks", kaseID), opts)
}

// ForKaseIter returns every track applied to a kase, page after page,
// lazily.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Track
// GET /kases/{kaseId}/tracks
func (s *TracksService) ForKaseIter(ctx context.Context, kaseID int64, opts *ListOptions) iter.Seq2[*Track, error] {
	return iterate(ctx, opts, func(ctx context.Context, page *ListOptions) ([]*Track, *Response, error) {
		return s.ForKase(ctx, kaseID, page)
	})
}

// Apply applies a track definition to an opportunity or a kase, creating
// the track and its tasks. The definition's capture rule must match the
// record (OPPORTUNITY or CASEFILE).
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Track
// POST /tracks
func (s *TracksService) Apply(ctx context.Context, in TrackApply) (*Track, *Response, error) {
	if err := in.validate(); err != nil {
		return nil, nil, err
	}
	return s.ep().create(ctx, in, nil)
}

// Update changes the description or the date of a track.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Track
// PUT /tracks/{trackId}
func (s *TracksService) Update(ctx context.Context, id int64, in TrackUpdate) (*Track, *Response, error) {
	if err := in.validate(); err != nil {
		return nil, nil, err
	}
	return s.ep().update(ctx, id, in, nil)
}

// Delete deletes a track together with the tasks it generated.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Track
// DELETE /tracks/{trackId}
func (s *TracksService) Delete(ctx context.Context, id int64) (*Response, error) {
	return s.ep().delete(ctx, id)
}

// TrackDefinition is a track template: an ordered list of task
// definitions that Capsule turns into tasks when it is applied.
type TrackDefinition struct {
	ID          int64  `json:"id"`
	Description string `json:"description"`
	// Tag is a comma list of tag names added to the record when the track
	// is applied.
	Tag             *string               `json:"tag"`
	CaptureRule     CaptureRule           `json:"captureRule"`
	Direction       TrackDirection        `json:"direction"`
	TaskDefinitions []TrackTaskDefinition `json:"taskDefinitions"`
	CreatedAt       time.Time             `json:"createdAt,omitzero"`
	UpdatedAt       time.Time             `json:"updatedAt,omitzero"`
}

// CaptureRule says which kind of record a track definition applies to.
type CaptureRule string

// Values of CaptureRule.
const (
	CaptureOpportunity CaptureRule = "OPPORTUNITY"
	CaptureKase        CaptureRule = "CASEFILE"
	CaptureParty       CaptureRule = "PARTY"
)

// TrackTaskDefinition is one task of a track definition.
type TrackTaskDefinition struct {
	ID          int64  `json:"id"`
	Description string `json:"description"`
	// DaysAfter units (DayDelayRule) after the track start or the previous
	// task (DaysAfterRule), the task is due.
	DaysAfterRule DaysAfterRule      `json:"daysAfterRule"`
	DaysAfter     int                `json:"daysAfter"`
	DayDelayRule  DayDelayRule       `json:"dayDelayRule"`
	DisplayOrder  int                `json:"displayOrder"`
	Category      *CategoryRef       `json:"category"`
	Assignee      *TrackTaskAssignee `json:"trackTaskAssignee"`
	CreatedAt     *time.Time         `json:"createdAt,omitzero"`
	UpdatedAt     *time.Time         `json:"updatedAt,omitzero"`
}

// TrackTaskAssignee says who gets the tasks of a track task definition.
type TrackTaskAssignee struct {
	// AssigneeType is AssigneeEntityOwner in every documented example.
	AssigneeType string   `json:"assigneeType"`
	Owner        *UserRef `json:"owner,omitempty"`
}

// AssigneeEntityOwner assigns a track task to the owner of the record the
// track is applied to.
const AssigneeEntityOwner = "ENTITY_OWNER"

// TrackDefinitionInput is the body of a track definition creation or
// update. Unset fields are not sent. TaskDefinitions lists changes built
// with AddTaskDefinition, ChangeTaskDefinition and RemoveTaskDefinition.
type TrackDefinitionInput struct {
	Description     Optional[string]         `json:"description,omitzero"`
	Tag             Optional[string]         `json:"tag,omitzero"`
	CaptureRule     Optional[CaptureRule]    `json:"captureRule,omitzero"`
	Direction       Optional[TrackDirection] `json:"direction,omitzero"`
	TaskDefinitions []TaskDefinitionChange   `json:"taskDefinitions,omitempty"`
}

// TrackTaskDefinitionInput holds the fields of a task definition to add or
// change.
type TrackTaskDefinitionInput struct {
	Description   Optional[string]        `json:"description,omitzero"`
	DaysAfterRule Optional[DaysAfterRule] `json:"daysAfterRule,omitzero"`
	DaysAfter     Optional[int]           `json:"daysAfter,omitzero"`
	DayDelayRule  Optional[DayDelayRule]  `json:"dayDelayRule,omitzero"`
	DisplayOrder  Optional[int]           `json:"displayOrder,omitzero"`
	// Category refers to a task category by id.
	Category Optional[Ref]                    `json:"category,omitzero"`
	Assignee Optional[TrackTaskAssigneeInput] `json:"trackTaskAssignee,omitzero"`
}

// TrackTaskAssigneeInput sets who gets the tasks of a task definition.
type TrackTaskAssigneeInput struct {
	AssigneeType string `json:"assigneeType"`
	Owner        *Ref   `json:"owner,omitempty"`
}

// TaskDefinitionChange is one change to a track definition's task
// definitions: an addition (no ID), a change (ID and fields) or a removal
// (ID and Delete).
type TaskDefinitionChange struct {
	ID     int64 `json:"id,omitempty"`
	Delete bool  `json:"_delete,omitempty"`
	TrackTaskDefinitionInput
}

// AddTaskDefinition adds a task definition.
func AddTaskDefinition(in TrackTaskDefinitionInput) TaskDefinitionChange {
	return TaskDefinitionChange{TrackTaskDefinitionInput: in}
}

// ChangeTaskDefinition changes the fields set in in of the task definition
// with the given id.
func ChangeTaskDefinition(id int64, in TrackTaskDefinitionInput) TaskDefinitionChange {
	return TaskDefinitionChange{ID: id, TrackTaskDefinitionInput: in}
}

// RemoveTaskDefinition removes the task definition with the given id.
func RemoveTaskDefinition(id int64) TaskDefinitionChange {
	return TaskDefinitionChange{ID: id, Delete: true}
}

func (in *TrackDefinitionInput) validate() error {
	if in == nil {
		return invalidArg("in", "track definition input is nil")
	}
	for i, c := range in.TaskDefinitions {
		arg := fmt.Sprintf("in.TaskDefinitions[%d]", i)
		if c.ID < 0 || (c.Delete && c.ID == 0) {
			return invalidArg(arg, "a change or removal needs the task definition's id")
		}
		if err := checkRef(arg+".Category", c.Category); err != nil {
			return err
		}
	}
	return nil
}

// TrackDefinitionListOptions are the options of TrackDefinitionsService.Read.
type TrackDefinitionListOptions struct {
	ListOptions
	// Type selects definitions by the records they apply to: "all" (the
	// default), "kases" or "opportunities".
	Type string `url:"type,omitempty"`
}

func (s *TrackDefinitionsService) ep() endpoint[TrackDefinition] {
	return newEndpoint[TrackDefinition](s.client, "trackdefinitions", "trackDefinition", "trackDefinitions")
}

// Read returns one page of track definitions.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Track_Definition
// GET /trackdefinitions
func (s *TrackDefinitionsService) Read(ctx context.Context, opts *TrackDefinitionListOptions) ([]*TrackDefinition, *Response, error) {
	return s.ep().list(ctx, "", opts)
}

// ReadIter returns every track definition, page after page, lazily.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Track_Definition
// GET /trackdefinitions
func (s *TrackDefinitionsService) ReadIter(ctx context.Context, opts *TrackDefinitionListOptions) iter.Seq2[*TrackDefinition, error] {
	return pagedIter(ctx, opts, func(o *TrackDefinitionListOptions) *ListOptions { return &o.ListOptions }, s.Read)
}

// ReadSingle returns the track definition with the given id.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Track_Definition
// GET /trackdefinitions/{trackDefinitionId}
func (s *TrackDefinitionsService) ReadSingle(ctx context.Context, id int64) (*TrackDefinition, *Response, error) {
	return s.ep().get(ctx, id, nil)
}

// Create creates a track definition with its task definitions
// (AddTaskDefinition items). Description, CaptureRule and Direction are
// required.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Track_Definition
// POST /trackdefinitions
func (s *TrackDefinitionsService) Create(ctx context.Context, in *TrackDefinitionInput) (*TrackDefinition, *Response, error) {
	if err := in.validate(); err != nil {
		return nil, nil, err
	}
	return s.ep().create(ctx, in, nil)
}

// Update changes a track definition; task definitions not listed in
// in.TaskDefinitions are left as they are.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Track_Definition
// PUT /trackdefinitions/{trackDefinitionId}
func (s *TrackDefinitionsService) Update(ctx context.Context, id int64, in *TrackDefinitionInput) (*TrackDefinition, *Response, error) {
	if err := in.validate(); err != nil {
		return nil, nil, err
	}
	return s.ep().update(ctx, id, in, nil)
}

// Delete deletes a track definition.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Track_Definition
// DELETE /trackdefinitions/{trackDefinitionId}
func (s *TrackDefinitionsService) Delete(ctx context.Context, id int64) (*Response, error) {
	return s.ep().delete(ctx, id)
}
