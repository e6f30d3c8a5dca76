package capsule

// Ref is how a write refers to another record: {"id": N}. Input types use
// Optional[Ref] for references that can be cleared with Null.
type Ref struct {
	ID int64 `json:"id"`
}

// RefTo returns an Optional reference to the record with the given id.
func RefTo(id int64) Optional[Ref] { return Set(Ref{ID: id}) }

// NamedRef is the {id, name} stub Capsule returns for a referenced record
// such as a milestone, stage, lost reason, pipeline or board.
type NamedRef struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// UserRef is the stub of a user in a record's owner field.
type UserRef struct {
	ID         int64  `json:"id"`
	Username   string `json:"username"`
	Name       string `json:"name"`
	PictureURL string `json:"pictureURL,omitempty"`
	Deleted    bool   `json:"deleted,omitempty"`
}

// TeamRef is the stub of a team in a record's team field.
type TeamRef struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// Tag is a tag attached to a party, opportunity or kase, as returned with
// embed=tags.
type Tag struct {
	ID          int64   `json:"id"`
	Name        string  `json:"name"`
	Description *string `json:"description,omitempty"`
	DataTag     bool    `json:"dataTag,omitempty"`
}

// TagChange attaches a tag by name (creating the tag if the account does not
// have it) or detaches one by id. Build it with AddTag or RemoveTag.
type TagChange struct {
	ID     int64  `json:"id,omitempty"`
	Name   string `json:"name,omitempty"`
	Delete bool   `json:"_delete,omitempty"`
}

// AddTag attaches the tag called name; Capsule matches names
// case-insensitively and creates the tag when it is new.
func AddTag(name string) TagChange { return TagChange{Name: name} }

// RemoveTag detaches the tag with the given id from the record. The tag
// itself is kept.
func RemoveTag(id int64) TagChange { return TagChange{ID: id, Delete: true} }

// FieldValue is one custom field value of a record, as returned with
// embed=fields. Value holds what Capsule sent: a string (text, date, list,
// link and number fields; numbers arrive as strings) or a bool.
type FieldValue struct {
	ID         int64    `json:"id"`
	Definition NamedRef `json:"definition"`
	Value      any      `json:"value"`
	TagID      *int64   `json:"tagId,omitempty"`
}

// Fields is the list of custom field values on a record. Its methods give
// typed access by definition name or id.
type Fields []FieldValue
