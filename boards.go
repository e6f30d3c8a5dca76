package capsule

import (
	"time"
)

// Board is a project board: an ordered set of stages that projects (kases)
// move through. Deleting a board archives it.
type Board struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	CreatedAt   time.Time `json:"createdAt"`
	UpdatedAt   time.Time `json:"updatedAt"`
}

// BoardInput is the body of a board creation or update.
type BoardInput struct {
	Name        Optional[string] `json:"name,omitzero"`
	Description Optional[string] `json:"description,omitzero"`
}

// Stage is a stage of a project board.
type Stage struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	// Board is the board the stage belongs to.
	Board        NamedRef  `json:"board"`
	DisplayOrder int       `json:"displayOrder"`
	CreatedAt    time.Time `json:"createdAt"`
	UpdatedAt    time.Time `json:"updatedAt"`
}

// StageInput is the body of a stage creation or update. Board is only used
// on creation and is sent as the board's id number.
type StageInput struct {
	Name         Optional[string] `json:"name,omitzero"`
	Description  Optional[string] `json:"description,omitzero"`
	Board        Optional[int64]  `json:"board,omitzero"`
	DisplayOrder Optional[int]    `json:"displayOrder,omitzero"`
}
