package capsule

import (
	"context"
	"iter"
	"strconv"
	"time"
)

// Pipeline is a sales pipeline: an ordered set of milestones that
// opportunities move through. Deleting a pipeline archives it.
type Pipeline struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	// OpenMilestoneCount is the number of open milestones, when Capsule
	// sends it.
	OpenMilestoneCount int64 `json:"openMilestoneCount,omitempty"`
	// CreatedAt and UpdatedAt are zero when Capsule does not send them.
	CreatedAt time.Time `json:"createdAt,omitzero"`
	UpdatedAt time.Time `json:"updatedAt,omitzero"`
}

// PipelineInput is the body of a pipeline creation or update.
type PipelineInput struct {
	Name        Optional[string] `json:"name,omitzero"`
	Description Optional[string] `json:"description,omitzero"`
}

// Milestone is a stage of a sales pipeline. A complete milestone is a
// terminal one (won or lost).
type Milestone struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description" spec:"nullable"`
	// Complete reports whether an opportunity on this milestone is closed.
	Complete bool `json:"complete"`
	// Probability is the chance of winning, 0 to 100.
	Probability int `json:"probability"`
	// DaysUntilStale is nil when Capsule does not send it (complete
	// milestones).
	DaysUntilStale *int `json:"daysUntilStale"`
	// Pipeline is the pipeline the milestone belongs to, when sent.
	Pipeline     *NamedRef `json:"pipeline"`
	DisplayOrder *int      `json:"displayOrder,omitempty"`
	CreatedAt    time.Time `json:"createdAt,omitzero"`
	UpdatedAt    time.Time `json:"updatedAt,omitzero"`
}

// MilestoneInput is the body of a milestone creation or update.
type MilestoneInput struct {
	Name           Optional[string] `json:"name,omitzero"`
	Description    Optional[string] `json:"description,omitzero"`
	Probability    Optional[int]    `json:"probability,omitzero"`
	DaysUntilStale Optional[int]    `json:"daysUntilStale,omitzero"`
	Complete       Optional[bool]   `json:"complete,omitzero"`
	// Pipeline is the pipeline a new milestone goes into, sent as {"id": N}.
	// Without it Capsule picks the pipeline (the oldest active one).
	Pipeline Optional[Ref] `json:"pipeline,omitzero"`
}

// PipelineListOptions selects a page of pipelines.
type PipelineListOptions struct {
	ListOptions
	// IncludeDeleted adds archived pipelines.
	IncludeDeleted bool `url:"includeDeleted,omitempty"`
}

func (s *PipelinesService) endpoint() endpoint[Pipeline] {
	return newEndpoint[Pipeline](s.client, "pipelines", "pipeline", "pipelines")
}

// Read returns one page of pipelines; set opts.IncludeDeleted for archived
// ones too.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Pipeline
// GET /pipelines
func (s *PipelinesService) Read(ctx context.Context, opts *PipelineListOptions) ([]*Pipeline, *Response, error) {
	return s.endpoint().list(ctx, "", opts)
}

// ReadIter iterates over every pipeline, page by page.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Pipeline
// GET /pipelines
func (s *PipelinesService) ReadIter(ctx context.Context, opts *PipelineListOptions) iter.Seq2[*Pipeline, error] {
	return pagedIter(ctx, opts, func(o *PipelineListOptions) *ListOptions { return &o.ListOptions }, s.Read)
}

// ReadSingle returns the pipeline with the given id.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Pipeline
// GET /pipelines/{pipelineId}
func (s *PipelinesService) ReadSingle(ctx context.Context, id int64) (*Pipeline, *Response, error) {
	return s.endpoint().get(ctx, id, nil)
}

// ReadMultiple returns the pipelines with the given ids, in that order,
// asking for at most ten per request. Capsule answers 404 when any id is
// unknown.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Pipeline
// GET /pipelines/{pipelineIds}
func (s *PipelinesService) ReadMultiple(ctx context.Context, ids []int64) ([]*Pipeline, *Response, error) {
	return s.endpoint().getMultiple(ctx, ids, nil)
}

// Create adds a pipeline; in.Name is required. Only administrators may,
// and an account has at most 30 active pipelines.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Pipeline
// POST /pipelines
func (s *PipelinesService) Create(ctx context.Context, in *PipelineInput) (*Pipeline, *Response, error) {
	if err := checkInput(in); err != nil {
		return nil, nil, err
	}
	if err := checkText("Name", in.Name, true); err != nil {
		return nil, nil, err
	}
	return s.endpoint().create(ctx, in, nil)
}

// Update changes the pipeline with the given id; unset fields keep their
// value. Only administrators may.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Pipeline
// PUT /pipelines/{pipelineId}
func (s *PipelinesService) Update(ctx context.Context, id int64, in *PipelineInput) (*Pipeline, *Response, error) {
	if in != nil {
		if err := checkText("Name", in.Name, false); err != nil {
			return nil, nil, err
		}
	}
	return s.endpoint().update(ctx, id, in, nil)
}

// Archive archives the pipeline with the given id (Capsule's delete
// operation); Restore brings it back. Only administrators may.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Pipeline
// DELETE /pipelines/{pipelineId}
func (s *PipelinesService) Archive(ctx context.Context, id int64) (*Response, error) {
	return s.endpoint().delete(ctx, id)
}

// Restore brings back the archived pipeline with the given id. Only
// administrators may.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Pipeline
// POST /pipelines/{pipelineId}/restore
func (s *PipelinesService) Restore(ctx context.Context, id int64) (*Pipeline, *Response, error) {
	return restore[Pipeline](ctx, s.client, "pipelines", id, "pipeline")
}

func (s *MilestonesService) endpoint() endpoint[Milestone] {
	return newEndpoint[Milestone](s.client, "milestones", "milestone", "milestones")
}

// Read returns one page of the milestones of the account's oldest active
// pipeline; Capsule keeps this list for compatibility. Use ForPipeline for
// any pipeline.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Milestone
// GET /milestones
func (s *MilestonesService) Read(ctx context.Context, opts *ListOptions) ([]*Milestone, *Response, error) {
	return s.endpoint().list(ctx, "", opts)
}

// ReadIter iterates over every milestone of the oldest active pipeline.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Milestone
// GET /milestones
func (s *MilestonesService) ReadIter(ctx context.Context, opts *ListOptions) iter.Seq2[*Milestone, error] {
	return s.endpoint().listIter(ctx, "", opts)
}

// ForPipeline returns one page of the milestones of the pipeline with the
// given id.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Milestone
// GET /pipelines/{pipelineId}/milestones
func (s *MilestonesService) ForPipeline(ctx context.Context, pipelineID int64, opts *ListOptions) ([]*Milestone, *Response, error) {
	if err := checkID("pipelineID", pipelineID); err != nil {
		return nil, nil, err
	}
	return s.endpoint().list(ctx, pipelineMilestonesPath(pipelineID), opts)
}

// ForPipelineIter iterates over every milestone of the pipeline with the
// given id.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Milestone
// GET /pipelines/{pipelineId}/milestones
func (s *MilestonesService) ForPipelineIter(ctx context.Context, pipelineID int64, opts *ListOptions) iter.Seq2[*Milestone, error] {
	return iterate(ctx, opts, func(ctx context.Context, o *ListOptions) ([]*Milestone, *Response, error) {
		return s.ForPipeline(ctx, pipelineID, o)
	})
}

func pipelineMilestonesPath(pipelineID int64) string {
	return "pipelines/" + strconv.FormatInt(pipelineID, 10) + "/milestones"
}

// ReadSingle returns the milestone with the given id.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Milestone
// GET /milestones/{milestoneId}
func (s *MilestonesService) ReadSingle(ctx context.Context, id int64) (*Milestone, *Response, error) {
	return s.endpoint().get(ctx, id, nil)
}

// Create adds a milestone; in.Name is required. Set in.Pipeline to choose
// the pipeline; without it Capsule picks one (the oldest active pipeline).
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Milestone
// POST /milestones
func (s *MilestonesService) Create(ctx context.Context, in *MilestoneInput) (*Milestone, *Response, error) {
	if err := checkMilestoneInput(in, true); err != nil {
		return nil, nil, err
	}
	return s.endpoint().create(ctx, in, nil)
}

// Update changes the milestone with the given id; unset fields keep their
// value.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Milestone
// PUT /milestones/{milestoneId}
func (s *MilestonesService) Update(ctx context.Context, id int64, in *MilestoneInput) (*Milestone, *Response, error) {
	if err := checkID("id", id); err != nil {
		return nil, nil, err
	}
	if err := checkMilestoneInput(in, false); err != nil {
		return nil, nil, err
	}
	return s.endpoint().update(ctx, id, in, nil)
}

// Delete removes the milestone with the given id. Capsule refuses while an
// opportunity is on it.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Milestone
// DELETE /milestones/{milestoneId}
func (s *MilestonesService) Delete(ctx context.Context, id int64) (*Response, error) {
	return s.endpoint().delete(ctx, id)
}

func checkMilestoneInput(in *MilestoneInput, create bool) error {
	if err := checkInput(in); err != nil {
		return err
	}
	if err := checkText("Name", in.Name, create); err != nil {
		return err
	}
	if p, ok := in.Probability.Get(); ok && (p < 0 || p > 100) {
		return invalidArg("Probability", "must be 0 to 100, got %d", p)
	}
	if d, ok := in.DaysUntilStale.Get(); ok && d < 0 {
		return invalidArg("DaysUntilStale", "must not be negative, got %d", d)
	}
	if ref, ok := in.Pipeline.Get(); ok && ref.ID <= 0 {
		return invalidArg("Pipeline", "must be positive, got %d", ref.ID)
	}
	return nil
}
