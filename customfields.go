package capsule

import (
	"context"
	"iter"
	"strings"
)

// Entity names one of the record types that carry tags, custom fields and
// filters: parties, opportunities or kases (projects). It is the first path
// segment of /{entity}/fields/definitions, /{entity}/tags and
// /{entity}/filters/results.
type Entity string

// The entities that have custom fields, tags and filters.
const (
	EntityParties       Entity = "parties"
	EntityOpportunities Entity = "opportunities"
	EntityKases         Entity = "kases"
)

// validate reports an ErrInvalidArgument error unless e is one of the
// Entity constants.
func (e Entity) validate() error {
	switch e {
	case EntityParties, EntityOpportunities, EntityKases:
		return nil
	}
	return invalidArg("entity", "%q is not one of %q, %q, %q", string(e), EntityParties, EntityOpportunities, EntityKases)
}

// FieldType is the type of a custom field definition. It decides which Go
// values FieldDefinition.Value accepts.
type FieldType string

// The custom field types Capsule documents.
const (
	FieldTypeText    FieldType = "text"
	FieldTypeNumber  FieldType = "number"
	FieldTypeBoolean FieldType = "boolean"
	FieldTypeDate    FieldType = "date"
	FieldTypeList    FieldType = "list"
	FieldTypeLink    FieldType = "link"
)

// FieldCaptureRule limits a party field definition to people or organisations.
// A nil FieldCaptureRule means the field applies to both.
type FieldCaptureRule string

// The capture rules of party field definitions.
const (
	FieldCapturePerson       FieldCaptureRule = "person"
	FieldCaptureOrganisation FieldCaptureRule = "organisation"
)

// FieldDefinition is a custom field definition of parties, opportunities or
// kases. Definitions that belong to a data tag carry that tag in Tag.
type FieldDefinition struct {
	ID          int64             `json:"id"`
	Name        string            `json:"name"`
	Description *string           `json:"description"`
	Type        FieldType         `json:"type"`
	Tag         *Tag              `json:"tag"`
	CaptureRule *FieldCaptureRule `json:"captureRule"`
	// Options are the allowed values of a list field; empty for other types.
	Options   []string `json:"options" spec:"nullable"`
	Important bool     `json:"important"`
	// DisplayOrder is the position of the field in Capsule's web app.
	DisplayOrder int `json:"displayOrder"`
}

// TagRef names the data tag of a new field definition, by id or by name.
// Build it with TagByID or TagByName.
type TagRef struct {
	ID   int64  `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
}

// TagByID refers to the data tag with the given id.
func TagByID(id int64) Optional[TagRef] { return Set(TagRef{ID: id}) }

// TagByName refers to the data tag with the given name.
func TagByName(name string) Optional[TagRef] { return Set(TagRef{Name: name}) }

// FieldDefinitionInput creates or updates a custom field definition. Unset
// fields are not sent; Create needs Name and Type, and Options for a list.
type FieldDefinitionInput struct {
	Name         Optional[string]           `json:"name,omitzero"`
	Description  Optional[string]           `json:"description,omitzero"`
	Type         Optional[FieldType]        `json:"type,omitzero"`
	Tag          Optional[TagRef]           `json:"tag,omitzero"`
	CaptureRule  Optional[FieldCaptureRule] `json:"captureRule,omitzero"`
	Options      Optional[[]string]         `json:"options,omitzero"`
	Important    Optional[bool]             `json:"important,omitzero"`
	DisplayOrder Optional[int]              `json:"displayOrder,omitzero"`
}

// validate checks in before a request; create demands the required fields.
func (in *FieldDefinitionInput) validate(create bool) error {
	if in == nil {
		return invalidArg("definition", "must not be nil")
	}
	name, hasName := in.Name.Get()
	switch {
	case in.Name.IsNull():
		return invalidArg("definition.name", "cannot be cleared")
	case hasName && strings.TrimSpace(name) == "":
		return invalidArg("definition.name", "must not be empty")
	case create && !hasName:
		return invalidArg("definition.name", "is required")
	}
	typ, hasType := in.Type.Get()
	switch {
	case in.Type.IsNull():
		return invalidArg("definition.type", "cannot be cleared")
	case create && !hasType:
		return invalidArg("definition.type", "is required")
	}
	if hasType {
		switch typ {
		case FieldTypeText, FieldTypeNumber, FieldTypeBoolean, FieldTypeDate, FieldTypeList, FieldTypeLink:
		default:
			return invalidArg("definition.type", "%q is not a field type", string(typ))
		}
	}
	opts, _ := in.Options.Get()
	if create && typ == FieldTypeList && len(opts) == 0 {
		return invalidArg("definition.options", "a list field needs at least one option")
	}
	if hasType && typ != FieldTypeList && len(opts) > 0 {
		return invalidArg("definition.options", "only list fields have options, not %s fields", typ)
	}
	if rule, ok := in.CaptureRule.Get(); ok && rule != FieldCapturePerson && rule != FieldCaptureOrganisation {
		return invalidArg("definition.captureRule", "%q is not %q or %q", string(rule), FieldCapturePerson, FieldCaptureOrganisation)
	}
	return nil
}

// definitions returns the endpoint of entity's field definitions.
func (s *CustomFieldsService) definitions(entity Entity) (endpoint[FieldDefinition], error) {
	if err := entity.validate(); err != nil {
		return endpoint[FieldDefinition]{}, err
	}
	return newEndpoint[FieldDefinition](s.client, string(entity)+"/fields/definitions", "definition", "definitions"), nil
}

// Read returns one page of the custom field definitions of entity
// (parties, opportunities or kases). Convert the result to
// FieldDefinitions to look definitions up by name.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Custom_Field
// GET /{entity}/fields/definitions
func (s *CustomFieldsService) Read(ctx context.Context, entity Entity, opts *ListOptions) ([]*FieldDefinition, *Response, error) {
	e, err := s.definitions(entity)
	if err != nil {
		return nil, nil, err
	}
	return e.list(ctx, "", opts)
}

// ReadIter iterates over every custom field definition of entity, fetching
// pages lazily.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Custom_Field
// GET /{entity}/fields/definitions
func (s *CustomFieldsService) ReadIter(ctx context.Context, entity Entity, opts *ListOptions) iter.Seq2[*FieldDefinition, error] {
	return iterate(ctx, opts, func(ctx context.Context, o *ListOptions) ([]*FieldDefinition, *Response, error) {
		return s.Read(ctx, entity, o)
	})
}

// ReadAll returns every custom field definition of entity, ready for
// FieldDefinitions.Set.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Custom_Field
// GET /{entity}/fields/definitions
func (s *CustomFieldsService) ReadAll(ctx context.Context, entity Entity) (FieldDefinitions, error) {
	return Collect(s.ReadIter(ctx, entity, nil))
}

// ReadSingle returns the custom field definition of entity with the given id.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Custom_Field
// GET /{entity}/fields/definitions/{fieldId}
func (s *CustomFieldsService) ReadSingle(ctx context.Context, entity Entity, id int64) (*FieldDefinition, *Response, error) {
	e, err := s.definitions(entity)
	if err != nil {
		return nil, nil, err
	}
	return e.get(ctx, id, nil)
}

// Create adds a custom field definition to entity. in needs Name and Type
// (and Options for a list field).
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Custom_Field
// POST /{entity}/fields/definitions
func (s *CustomFieldsService) Create(ctx context.Context, entity Entity, in *FieldDefinitionInput) (*FieldDefinition, *Response, error) {
	e, err := s.definitions(entity)
	if err == nil {
		err = in.validate(true)
	}
	if err != nil {
		return nil, nil, err
	}
	return e.create(ctx, in, nil)
}

// Update changes the set fields of in on the custom field definition with
// the given id; unset fields are left as they are.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Custom_Field
// PUT /{entity}/fields/definitions/{fieldId}
func (s *CustomFieldsService) Update(ctx context.Context, entity Entity, id int64, in *FieldDefinitionInput) (*FieldDefinition, *Response, error) {
	e, err := s.definitions(entity)
	if err == nil {
		err = in.validate(false)
	}
	if err != nil {
		return nil, nil, err
	}
	return e.update(ctx, id, in, nil)
}

// Delete deletes the custom field definition with the given id and its
// values on every record. Capsule may do it in the background and answer
// 202: the job is then in resp.JobID().
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Custom_Field
// DELETE /{entity}/fields/definitions/{fieldId}
func (s *CustomFieldsService) Delete(ctx context.Context, entity Entity, id int64) (*Response, error) {
	e, err := s.definitions(entity)
	if err != nil {
		return nil, err
	}
	return e.delete(ctx, id)
}
