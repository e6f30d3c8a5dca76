package capsule

import (
	"context"
	"iter"
	"strconv"
	"time"
)

// Board is a project board: an ordered set of stages that projects (kases)
// move through. Deleting a board archives it.
type Board struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description" spec:"nullable"`
	CreatedAt   time.Time `json:"createdAt,omitzero"`
	UpdatedAt   time.Time `json:"updatedAt,omitzero"`
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
	Description string `json:"description" spec:"nullable"`
	// Board is the board the stage belongs to.
	Board        NamedRef  `json:"board"`
	DisplayOrder int       `json:"displayOrder"`
	CreatedAt    time.Time `json:"createdAt,omitzero"`
	UpdatedAt    time.Time `json:"updatedAt,omitzero"`
}

// StageInput is the body of a stage creation or update. Board is only used
// on creation and is sent as the board's id number.
type StageInput struct {
	Name         Optional[string] `json:"name,omitzero"`
	Description  Optional[string] `json:"description,omitzero"`
	Board        Optional[int64]  `json:"board,omitzero"`
	DisplayOrder Optional[int]    `json:"displayOrder,omitzero"`
}

// BoardStatus filters boards by state.
type BoardStatus string

// Board states for BoardListOptions.Status.
const (
	BoardsActive   BoardStatus = "active" // the default
	BoardsArchived BoardStatus = "archived"
	// BoardsNonEmpty keeps boards that have projects.
	BoardsNonEmpty BoardStatus = "nonempty"
	BoardsAll      BoardStatus = "all"
)

// BoardListOptions selects a page of boards.
type BoardListOptions struct {
	ListOptions
	// Q keeps boards whose name contains it.
	Q string `url:"q,omitempty"`
	// Status is one of the Boards... constants; empty means active boards.
	Status BoardStatus `url:"status,omitempty"`
}

// StageStatus filters stages by state.
type StageStatus string

// Stage states for the stage list options.
const (
	StagesActive   StageStatus = "active" // the default
	StagesArchived StageStatus = "archived"
	StagesAll      StageStatus = "all"
)

// StageListOptions selects a page of the account's stages.
type StageListOptions struct {
	ListOptions
	// Status is one of the Stages... constants; empty means active stages.
	Status StageStatus `url:"status,omitempty"`
	// IncludeOnDeletedBoard adds the stages of archived boards.
	IncludeOnDeletedBoard bool `url:"includeOnDeletedBoard,omitempty"`
}

// BoardStageListOptions selects a page of one board's stages.
type BoardStageListOptions struct {
	ListOptions
	// Status is one of the Stages... constants; empty means active stages.
	Status StageStatus `url:"status,omitempty"`
}

func (st BoardStatus) check() error {
	switch st {
	case "", BoardsActive, BoardsArchived, BoardsNonEmpty, BoardsAll:
		return nil
	}
	return invalidArg("Status", "must be active, archived, nonempty or all, got %q", string(st))
}

func (st StageStatus) check() error {
	switch st {
	case "", StagesActive, StagesArchived, StagesAll:
		return nil
	}
	return invalidArg("Status", "must be active, archived or all, got %q", string(st))
}

func (s *BoardsService) endpoint() endpoint[Board] {
	return newEndpoint[Board](s.client, "boards", "board", "boards")
}

// Read returns one page of boards, by default the active ones.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Board
// GET /boards
func (s *BoardsService) Read(ctx context.Context, opts *BoardListOptions) ([]*Board, *Response, error) {
	if opts != nil {
		if err := opts.Status.check(); err != nil {
			return nil, nil, err
		}
	}
	return s.endpoint().list(ctx, "", opts)
}

// ReadIter iterates over every board, page by page.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Board
// GET /boards
func (s *BoardsService) ReadIter(ctx context.Context, opts *BoardListOptions) iter.Seq2[*Board, error] {
	return pagedIter(ctx, opts, func(o *BoardListOptions) *ListOptions { return &o.ListOptions }, s.Read)
}

// ReadSingle returns the board with the given id.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Board
// GET /boards/{boardId}
func (s *BoardsService) ReadSingle(ctx context.Context, id int64) (*Board, *Response, error) {
	return s.endpoint().get(ctx, id, nil)
}

// Create adds a board; in.Name is required. Only administrators may, and
// an account has at most 30 active boards.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Board
// POST /boards
func (s *BoardsService) Create(ctx context.Context, in *BoardInput) (*Board, *Response, error) {
	if err := checkInput(in); err != nil {
		return nil, nil, err
	}
	if err := checkText("Name", in.Name, true); err != nil {
		return nil, nil, err
	}
	return s.endpoint().create(ctx, in, nil)
}

// Update changes the board with the given id; unset fields keep their
// value. Only administrators may.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Board
// PUT /boards/{boardId}
func (s *BoardsService) Update(ctx context.Context, id int64, in *BoardInput) (*Board, *Response, error) {
	if in != nil {
		if err := checkText("Name", in.Name, false); err != nil {
			return nil, nil, err
		}
	}
	return s.endpoint().update(ctx, id, in, nil)
}

// Archive archives the board with the given id (Capsule's delete
// operation); Restore brings it back. Only administrators may.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Board
// DELETE /boards/{boardId}
func (s *BoardsService) Archive(ctx context.Context, id int64) (*Response, error) {
	return s.endpoint().delete(ctx, id)
}

// Restore brings back the archived board with the given id. Only
// administrators may.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Board
// POST /boards/{boardId}/restore
func (s *BoardsService) Restore(ctx context.Context, id int64) (*Board, *Response, error) {
	return restore[Board](ctx, s.client, "boards", id, "board")
}

func (s *StagesService) endpoint() endpoint[Stage] {
	return newEndpoint[Stage](s.client, "stages", "stage", "stages")
}

// Read returns one page of the stages of every board, by default the
// active stages of active boards.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Stage
// GET /stages
func (s *StagesService) Read(ctx context.Context, opts *StageListOptions) ([]*Stage, *Response, error) {
	if opts != nil {
		if err := opts.Status.check(); err != nil {
			return nil, nil, err
		}
	}
	return s.endpoint().list(ctx, "", opts)
}

// ReadIter iterates over every stage, page by page.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Stage
// GET /stages
func (s *StagesService) ReadIter(ctx context.Context, opts *StageListOptions) iter.Seq2[*Stage, error] {
	return pagedIter(ctx, opts, func(o *StageListOptions) *ListOptions { return &o.ListOptions }, s.Read)
}

// ForBoard returns one page of the stages of the board with the given id.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Stage
// GET /boards/{boardId}/stages
func (s *StagesService) ForBoard(ctx context.Context, boardID int64, opts *BoardStageListOptions) ([]*Stage, *Response, error) {
	if err := checkID("boardID", boardID); err != nil {
		return nil, nil, err
	}
	if opts != nil {
		if err := opts.Status.check(); err != nil {
			return nil, nil, err
		}
	}
	return s.endpoint().list(ctx, "boards/"+strconv.FormatInt(boardID, 10)+"/stages", opts)
}

// ForBoardIter iterates over every stage of the board with the given id.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Stage
// GET /boards/{boardId}/stages
func (s *StagesService) ForBoardIter(ctx context.Context, boardID int64, opts *BoardStageListOptions) iter.Seq2[*Stage, error] {
	return pagedIter(ctx, opts, func(o *BoardStageListOptions) *ListOptions { return &o.ListOptions },
		func(ctx context.Context, o *BoardStageListOptions) ([]*Stage, *Response, error) {
			return s.ForBoard(ctx, boardID, o)
		})
}

// ReadSingle returns the stage with the given id.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Stage
// GET /stages/{stageId}
func (s *StagesService) ReadSingle(ctx context.Context, id int64) (*Stage, *Response, error) {
	return s.endpoint().get(ctx, id, nil)
}

// Create adds a stage; in.Name and in.Board are required. Only
// administrators may.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Stage
// POST /stages
func (s *StagesService) Create(ctx context.Context, in *StageInput) (*Stage, *Response, error) {
	if err := checkStageInput(in, true); err != nil {
		return nil, nil, err
	}
	return s.endpoint().create(ctx, in, nil)
}

// Update changes the stage with the given id (name, description, display
// order); unset fields keep their value. Only administrators may.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Stage
// PUT /stages/{stageId}
func (s *StagesService) Update(ctx context.Context, id int64, in *StageInput) (*Stage, *Response, error) {
	if err := checkID("id", id); err != nil {
		return nil, nil, err
	}
	if err := checkStageInput(in, false); err != nil {
		return nil, nil, err
	}
	return s.endpoint().update(ctx, id, in, nil)
}

// Delete removes the stage with the given id. Capsule refuses while an
// open project is on it.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Stage
// DELETE /stages/{stageId}
func (s *StagesService) Delete(ctx context.Context, id int64) (*Response, error) {
	return s.endpoint().delete(ctx, id)
}

func checkStageInput(in *StageInput, create bool) error {
	if err := checkInput(in); err != nil {
		return err
	}
	if err := checkText("Name", in.Name, create); err != nil {
		return err
	}
	board, ok := in.Board.Get()
	switch {
	case ok && board <= 0:
		return invalidArg("Board", "must be positive, got %d", board)
	case create && !ok:
		return invalidArg("Board", "is required")
	case !create && (ok || in.Board.IsNull()):
		return invalidArg("Board", "cannot be changed: a stage stays on its board")
	}
	if d, ok := in.DisplayOrder.Get(); ok && d < 0 {
		return invalidArg("DisplayOrder", "must not be negative, got %d", d)
	}
	return nil
}
