package capsule

// FieldChange writes one custom field value. Temporary copy until
// customfields.go lands on main.
type FieldChange struct {
	ID         int64 `json:"id,omitempty"`
	Definition *Ref  `json:"definition,omitempty"`
	Value      any   `json:"value"`
	Delete     bool  `json:"_delete,omitempty"`
}
