package capsule

import (
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
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
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
	Description string `json:"description"`
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
	CreatedAt    time.Time `json:"createdAt"`
	UpdatedAt    time.Time `json:"updatedAt"`
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
