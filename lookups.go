package capsule

import (
	"context"
	"iter"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Built-in activity type ids. Custom activity types have positive ids.
const (
	ActivityTypeNote          int64 = -1
	ActivityTypeMeeting       int64 = -2
	ActivityTypeCall          int64 = -3
	ActivityTypeTaskCompleted int64 = -4
)

// ActivityType is a kind of history entry (note, call, meeting, or one the
// account defines).
type ActivityType struct {
	// ID is negative for the built-in types (ActivityTypeNote ...).
	ID   int64  `json:"id"`
	Name string `json:"name"`
	// Icon is nil when Capsule sends none.
	Icon *ActivityTypeIcon `json:"icon"`
	// UpdateLastContacted reports whether entries of this type move the
	// record's lastContactedAt.
	UpdateLastContacted bool `json:"updateLastContacted"`
}

// ActivityTypeIcon is an icon an activity type can use. The full list is
// ActivityTypesService.ReadIcons.
type ActivityTypeIcon struct {
	// ID names the icon on write, e.g. "PHONE".
	ID          string `json:"id"`
	Order       int    `json:"order"`
	DisplayName string `json:"displayName"`
	// IconName is the kebab-case name of the icon glyph.
	IconName string `json:"iconName"`
	IsSystem bool   `json:"isSystem"`
}

// IconRef refers to an activity type icon by id on write.
type IconRef struct {
	ID string `json:"id"`
}

// Icon returns an Optional reference to the icon with the given id, e.g.
// Icon("PHONE"), for ActivityTypeInput.Icon.
func Icon(id string) Optional[IconRef] { return Set(IconRef{ID: id}) }

// ActivityTypeInput is the body of an activity type creation or update.
type ActivityTypeInput struct {
	Name                Optional[string]  `json:"name,omitzero"`
	Icon                Optional[IconRef] `json:"icon,omitzero"`
	UpdateLastContacted Optional[bool]    `json:"updateLastContacted,omitzero"`
}

func (s *ActivityTypesService) endpoint() endpoint[ActivityType] {
	return newEndpoint[ActivityType](s.client, "activitytypes", "activityType", "activityTypes")
}

// Read returns one page of activity types.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Activity_Type
// GET /activitytypes
func (s *ActivityTypesService) Read(ctx context.Context, opts *ListOptions) ([]*ActivityType, *Response, error) {
	return s.endpoint().list(ctx, "", opts)
}

// ReadIter iterates over every activity type, page by page.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Activity_Type
// GET /activitytypes
func (s *ActivityTypesService) ReadIter(ctx context.Context, opts *ListOptions) iter.Seq2[*ActivityType, error] {
	return s.endpoint().listIter(ctx, "", opts)
}

// ReadSingle returns the activity type with the given id. Built-in types
// have negative ids (ActivityTypeNote ...), so any non-zero id is accepted.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Activity_Type
// GET /activitytypes/{activityTypeId}
func (s *ActivityTypesService) ReadSingle(ctx context.Context, id int64) (*ActivityType, *Response, error) {
	if id == 0 {
		return nil, nil, invalidArg("id", "must not be 0")
	}
	return s.endpoint().getAt(ctx, activityTypePath(id), nil)
}

// ReadIcons returns every icon an activity type can use.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Activity_Type
// GET /activitytypes/icons
func (s *ActivityTypesService) ReadIcons(ctx context.Context) ([]*ActivityTypeIcon, *Response, error) {
	e := newEndpoint[ActivityTypeIcon](s.client, "activitytypes/icons", "activityTypeIcon", "activityTypeIcons")
	return readAllUnpaged(ctx, e, "", nil)
}

// Create adds an activity type; in.Name is required. Capsule offers custom
// activity types on the Teams edition and above.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Activity_Type
// POST /activitytypes
func (s *ActivityTypesService) Create(ctx context.Context, in *ActivityTypeInput) (*ActivityType, *Response, error) {
	if err := checkActivityTypeInput(in, true); err != nil {
		return nil, nil, err
	}
	return s.endpoint().create(ctx, in, nil)
}

// Update changes the activity type with the given id; unset fields keep
// their value. Built-in types (negative ids) can be updated too.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Activity_Type
// PUT /activitytypes/{activityTypeId}
func (s *ActivityTypesService) Update(ctx context.Context, id int64, in *ActivityTypeInput) (*ActivityType, *Response, error) {
	if id == 0 {
		return nil, nil, invalidArg("id", "must not be 0")
	}
	if err := checkActivityTypeInput(in, false); err != nil {
		return nil, nil, err
	}
	e := s.endpoint()
	return e.send(ctx, &request{method: http.MethodPut, path: activityTypePath(id), in: in, inKey: e.one, outKey: e.one})
}

// Delete removes the activity type with the given id. Whether Capsule lets
// a built-in type (negative id) go is its call: the request is sent.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Activity_Type
// DELETE /activitytypes/{activityTypeId}
func (s *ActivityTypesService) Delete(ctx context.Context, id int64) (*Response, error) {
	if id == 0 {
		return nil, invalidArg("id", "must not be 0")
	}
	return s.client.call(ctx, &request{method: http.MethodDelete, path: activityTypePath(id)}, nil)
}

// activityTypePath is the path of one activity type; built-in types have
// negative ids.
func activityTypePath(id int64) string { return "activitytypes/" + strconv.FormatInt(id, 10) }

func checkActivityTypeInput(in *ActivityTypeInput, create bool) error {
	if err := checkInput(in); err != nil {
		return err
	}
	if err := checkText("Name", in.Name, create); err != nil {
		return err
	}
	if in.Icon.IsNull() {
		return invalidArg("Icon", "must not be null")
	}
	if icon, ok := in.Icon.Get(); ok && strings.TrimSpace(icon.ID) == "" {
		return invalidArg("Icon", "must name an icon id, such as PHONE")
	}
	return nil
}

// Category is a task category.
type Category struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	// Colour is "#" followed by six hex digits, e.g. "#444444".
	Colour string `json:"colour"`
}

// CategoryInput is the body of a task category creation or update.
type CategoryInput struct {
	Name Optional[string] `json:"name,omitzero"`
	// Colour is "#" followed by six hex digits.
	Colour Optional[string] `json:"colour,omitzero"`
}

func (s *CategoriesService) endpoint() endpoint[Category] {
	return newEndpoint[Category](s.client, "categories", "category", "categories")
}

// Read returns one page of task categories.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Category
// GET /categories
func (s *CategoriesService) Read(ctx context.Context, opts *ListOptions) ([]*Category, *Response, error) {
	return s.endpoint().list(ctx, "", opts)
}

// ReadIter iterates over every task category, page by page.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Category
// GET /categories
func (s *CategoriesService) ReadIter(ctx context.Context, opts *ListOptions) iter.Seq2[*Category, error] {
	return s.endpoint().listIter(ctx, "", opts)
}

// ReadSingle returns the task category with the given id.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Category
// GET /categories/{categoryId}
func (s *CategoriesService) ReadSingle(ctx context.Context, id int64) (*Category, *Response, error) {
	return s.endpoint().get(ctx, id, nil)
}

// Create adds a task category; in.Name is required and in.Colour, when
// set, is "#" and six hex digits.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Category
// POST /categories
func (s *CategoriesService) Create(ctx context.Context, in *CategoryInput) (*Category, *Response, error) {
	if err := checkCategoryInput(in, true); err != nil {
		return nil, nil, err
	}
	return s.endpoint().create(ctx, in, nil)
}

// Update changes the task category with the given id; unset fields keep
// their value.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Category
// PUT /categories/{categoryId}
func (s *CategoriesService) Update(ctx context.Context, id int64, in *CategoryInput) (*Category, *Response, error) {
	if err := checkID("id", id); err != nil {
		return nil, nil, err
	}
	if err := checkCategoryInput(in, false); err != nil {
		return nil, nil, err
	}
	return s.endpoint().update(ctx, id, in, nil)
}

// Delete removes the task category with the given id; its tasks stay,
// without a category.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Category
// DELETE /categories/{categoryId}
func (s *CategoriesService) Delete(ctx context.Context, id int64) (*Response, error) {
	return s.endpoint().delete(ctx, id)
}

func checkCategoryInput(in *CategoryInput, create bool) error {
	if err := checkInput(in); err != nil {
		return err
	}
	if err := checkText("Name", in.Name, create); err != nil {
		return err
	}
	if in.Colour.IsNull() {
		return invalidArg("Colour", "must not be null")
	}
	if c, ok := in.Colour.Get(); ok && !colourPattern.MatchString(c) {
		return invalidArg("Colour", "must be # and six hex digits, got %q", c)
	}
	return nil
}

// LostReason is a reason an opportunity was lost.
type LostReason struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	// IncludedForConversion reports whether opportunities lost for this
	// reason count in conversion statistics.
	IncludedForConversion bool      `json:"includedForConversion"`
	CreatedAt             time.Time `json:"createdAt,omitzero"`
	UpdatedAt             time.Time `json:"updatedAt,omitzero"`
}

// LostReasonInput is the body of a lost reason creation or update.
type LostReasonInput struct {
	Name                  Optional[string] `json:"name,omitzero"`
	IncludedForConversion Optional[bool]   `json:"includedForConversion,omitzero"`
}

func (s *LostReasonsService) endpoint() endpoint[LostReason] {
	return newEndpoint[LostReason](s.client, "lostreasons", "lostReason", "lostReasons")
}

// Read returns every lost reason that can be chosen.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Lost_Reason
// GET /lostreasons
func (s *LostReasonsService) Read(ctx context.Context) ([]*LostReason, *Response, error) {
	return readAllUnpaged(ctx, s.endpoint(), "", nil)
}

// ReadSingle returns the lost reason with the given id.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Lost_Reason
// GET /lostreasons/{lostReasonId}
func (s *LostReasonsService) ReadSingle(ctx context.Context, id int64) (*LostReason, *Response, error) {
	return s.endpoint().get(ctx, id, nil)
}

// Create adds a lost reason; in.Name is required. Only administrators may.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Lost_Reason
// POST /lostreasons
func (s *LostReasonsService) Create(ctx context.Context, in *LostReasonInput) (*LostReason, *Response, error) {
	if err := checkInput(in); err != nil {
		return nil, nil, err
	}
	if err := checkText("Name", in.Name, true); err != nil {
		return nil, nil, err
	}
	return s.endpoint().create(ctx, in, nil)
}

// Update changes the lost reason with the given id; unset fields keep
// their value. Only administrators may.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Lost_Reason
// PUT /lostreasons/{lostReasonId}
func (s *LostReasonsService) Update(ctx context.Context, id int64, in *LostReasonInput) (*LostReason, *Response, error) {
	if in != nil {
		if err := checkText("Name", in.Name, false); err != nil {
			return nil, nil, err
		}
	}
	return s.endpoint().update(ctx, id, in, nil)
}

// Delete retires the lost reason with the given id: opportunities keep it,
// but it can no longer be chosen. Only administrators may.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Lost_Reason
// DELETE /lostreasons/{lostReasonId}
func (s *LostReasonsService) Delete(ctx context.Context, id int64) (*Response, error) {
	return s.endpoint().delete(ctx, id)
}
