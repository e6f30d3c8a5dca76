package capsule

import (
	"context"
	"iter"
	"strings"
)

// TagDefinition is a tag that can be attached to parties, opportunities or
// kases. A data tag (DataTag) groups custom field definitions, listed in
// Definitions.
type TagDefinition struct {
	ID          int64             `json:"id"`
	Name        string            `json:"name"`
	Description *string           `json:"description"`
	DataTag     bool              `json:"dataTag"`
	Definitions []FieldDefinition `json:"definitions"`
}

// TagInput creates or updates a tag definition. Unset fields are not sent;
// Create needs Name. Turning DataTag off needs the tag's field definitions
// deleted first.
type TagInput struct {
	Name        Optional[string] `json:"name,omitzero"`
	Description Optional[string] `json:"description,omitzero"`
	DataTag     Optional[bool]   `json:"dataTag,omitzero"`
}

// validate checks in before a request; create demands a name.
func (in *TagInput) validate(create bool) error {
	if in == nil {
		return invalidArg("tag", "must not be nil")
	}
	name, hasName := in.Name.Get()
	switch {
	case in.Name.IsNull():
		return invalidArg("tag.name", "cannot be cleared")
	case hasName && strings.TrimSpace(name) == "":
		return invalidArg("tag.name", "must not be empty")
	case create && !hasName:
		return invalidArg("tag.name", "is required")
	}
	if in.DataTag.IsNull() {
		return invalidArg("tag.dataTag", "cannot be null")
	}
	return nil
}

// tags returns the endpoint of entity's tag definitions.
func (s *TagsService) tags(entity Entity) (endpoint[TagDefinition], error) {
	if err := entity.validate(); err != nil {
		return endpoint[TagDefinition]{}, err
	}
	return newEndpoint[TagDefinition](s.client, string(entity)+"/tags", "tag", "tags"), nil
}

// Read returns one page of the tag definitions of entity (parties,
// opportunities or kases).
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Tag
// GET /{entity}/tags
func (s *TagsService) Read(ctx context.Context, entity Entity, opts *ListOptions) ([]*TagDefinition, *Response, error) {
	e, err := s.tags(entity)
	if err != nil {
		return nil, nil, err
	}
	return e.list(ctx, "", opts)
}

// ReadIter iterates over every tag definition of entity, fetching pages
// lazily.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Tag
// GET /{entity}/tags
func (s *TagsService) ReadIter(ctx context.Context, entity Entity, opts *ListOptions) iter.Seq2[*TagDefinition, error] {
	return iterate(ctx, opts, func(ctx context.Context, o *ListOptions) ([]*TagDefinition, *Response, error) {
		return s.Read(ctx, entity, o)
	})
}

// ReadSingle returns the tag definition of entity with the given id.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Tag
// GET /{entity}/tags/{tagId}
func (s *TagsService) ReadSingle(ctx context.Context, entity Entity, id int64) (*TagDefinition, *Response, error) {
	e, err := s.tags(entity)
	if err != nil {
		return nil, nil, err
	}
	return e.get(ctx, id, nil)
}

// Create adds a tag definition to entity; in needs Name. Records can also
// get new tags by name through their own updates (AddTag).
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Tag
// POST /{entity}/tags
func (s *TagsService) Create(ctx context.Context, entity Entity, in *TagInput) (*TagDefinition, *Response, error) {
	e, err := s.tags(entity)
	if err == nil {
		err = in.validate(true)
	}
	if err != nil {
		return nil, nil, err
	}
	return e.create(ctx, in, nil)
}

// Update changes the set fields of in on the tag definition with the given
// id; unset fields are left as they are.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Tag
// PUT /{entity}/tags/{tagId}
func (s *TagsService) Update(ctx context.Context, entity Entity, id int64, in *TagInput) (*TagDefinition, *Response, error) {
	e, err := s.tags(entity)
	if err == nil {
		err = in.validate(false)
	}
	if err != nil {
		return nil, nil, err
	}
	return e.update(ctx, id, in, nil)
}

// Delete deletes the tag definition with the given id and detaches it from
// every record. Capsule may do it in the background and answer 202: the job
// is then in resp.JobID().
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Tag
// DELETE /{entity}/tags/{tagId}
func (s *TagsService) Delete(ctx context.Context, entity Entity, id int64) (*Response, error) {
	e, err := s.tags(entity)
	if err != nil {
		return nil, err
	}
	return e.delete(ctx, id)
}
