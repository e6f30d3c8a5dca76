package capsule

import "strings"

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
