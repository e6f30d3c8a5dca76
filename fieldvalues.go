package capsule

import (
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// FieldChange is one item of the fields array of a party, opportunity or
// kase write. It sets a value by definition ({"definition":{"id":N},"value":V}),
// changes a stored value by its row id ({"id":N,"value":V}) or removes a
// stored value ({"id":N,"_delete":true}). Build it with FieldDefinition.Value,
// FieldDefinitions.Set, SetFieldByID, ClearField or RemoveField, which check
// the value before any request.
type FieldChange struct {
	ID         int64 `json:"id,omitempty"`
	Definition *Ref  `json:"definition,omitempty"`
	Value      any   `json:"value"`
	Delete     bool  `json:"_delete,omitempty"`
}

// MarshalJSON leaves value out of a remove item and sends it (null
// included) otherwise.
func (c FieldChange) MarshalJSON() ([]byte, error) {
	if c.Delete {
		return json.Marshal(struct {
			ID     int64 `json:"id,omitempty"`
			Delete bool  `json:"_delete"`
		}{c.ID, true})
	}
	type plain FieldChange // no methods: no recursion
	return json.Marshal(plain(c))
}

// Validate checks the shape of c: a remove item has a row id and nothing
// else, any other item has exactly one of a row id or a definition, ids are
// positive, and the value is a string, number, bool, Date or null. It
// returns an ErrInvalidArgument error; input types call it before sending.
func (c FieldChange) Validate() error {
	switch {
	case c.Delete && (c.ID <= 0 || c.Definition != nil):
		return invalidArg("fields", "a remove item needs the value's row id and no definition")
	case c.Delete:
		return nil
	case c.ID != 0 && c.Definition != nil:
		return invalidArg("fields", "give a row id or a definition, not both")
	case c.ID < 0:
		return invalidArg("fields", "row id %d must be positive", c.ID)
	case c.ID == 0 && c.Definition == nil:
		return invalidArg("fields", "a field change needs a row id or a definition")
	case c.Definition != nil && c.Definition.ID <= 0:
		return invalidArg("fields", "definition id %d must be positive", c.Definition.ID)
	}
	_, err := anyFieldValue(c.Value)
	return err
}

// SetFieldByID sets the value of the custom field with definition id defID,
// for callers that do not have the definition. v must be a string, a number,
// a bool, a Date or time.Time (sent as "YYYY-MM-DD"), or nil to clear; its
// fit to the field's type is left to Capsule. Prefer FieldDefinition.Value,
// which checks the type and list options too.
func SetFieldByID(defID int64, v any) (FieldChange, error) {
	if defID <= 0 {
		return FieldChange{}, invalidArg("defID", "definition id %d must be positive", defID)
	}
	val, err := anyFieldValue(v)
	if err != nil {
		return FieldChange{}, err
	}
	return FieldChange{Definition: &Ref{ID: defID}, Value: val}, nil
}

// ClearField clears the value of the custom field with definition id defID
// by sending a null value. Capsule refuses null for boolean fields: remove
// a boolean value with RemoveField.
func ClearField(defID int64) FieldChange {
	return FieldChange{Definition: &Ref{ID: defID}}
}

// RemoveField removes the stored custom field value with the given row id
// (FieldValue.ID, not the definition id).
func RemoveField(rowID int64) FieldChange {
	return FieldChange{ID: rowID, Delete: true}
}

// Value returns the change that sets this field to v, after checking v
// against the definition:
//
//   - text, link: a string;
//   - number: any Go integer or float (sent as a JSON number);
//   - boolean: a bool (nil is refused, as Capsule refuses null);
//   - date: a Date, a time.Time (its date in its location) or a
//     "YYYY-MM-DD" string, sent as "YYYY-MM-DD";
//   - list: a string equal to one of Options.
//
// nil clears any field but a boolean one. A value that does not fit gives an
// ErrInvalidArgument error naming the field.
func (d *FieldDefinition) Value(v any) (FieldChange, error) {
	if d == nil {
		return FieldChange{}, invalidArg("definition", "must not be nil")
	}
	if d.ID <= 0 {
		return FieldChange{}, invalidArg(d.argName(), "definition id %d must be positive", d.ID)
	}
	val, err := d.check(v)
	if err != nil {
		return FieldChange{}, err
	}
	return FieldChange{Definition: &Ref{ID: d.ID}, Value: val}, nil
}

func (d *FieldDefinition) argName() string { return "field " + strconv.Quote(d.Name) }

// check converts v to what is sent for a field of d's type.
func (d *FieldDefinition) check(v any) (any, error) {
	if v == nil {
		if d.Type == FieldTypeBoolean {
			return nil, invalidArg(d.argName(), "a boolean field cannot be set to null; use RemoveField")
		}
		return nil, nil
	}
	switch d.Type {
	case FieldTypeText, FieldTypeLink:
		if s, ok := v.(string); ok {
			return s, nil
		}
	case FieldTypeNumber:
		if n, ok := numberValue(v); ok {
			if f, isFloat := n.(float64); isFloat && (math.IsNaN(f) || math.IsInf(f, 0)) {
				return nil, invalidArg(d.argName(), "%v is not a finite number", f)
			}
			return n, nil
		}
	case FieldTypeBoolean:
		if b, ok := v.(bool); ok {
			return b, nil
		}
	case FieldTypeDate:
		date, ok, err := dateValue(v)
		if err != nil {
			return nil, invalidArg(d.argName(), "%v", err)
		}
		if ok {
			return date, nil
		}
	case FieldTypeList:
		s, ok := v.(string)
		if !ok {
			break
		}
		if !slices.Contains(d.Options, s) {
			return nil, invalidArg(d.argName(), "%q is not one of the options %q", s, d.Options)
		}
		return s, nil
	default:
		return nil, invalidArg(d.argName(), "unknown field type %q; use SetFieldByID", string(d.Type))
	}
	return nil, invalidArg(d.argName(), "a %s field does not take a %T value", d.Type, v)
}

// anyFieldValue accepts any value some field type takes.
func anyFieldValue(v any) (any, error) {
	switch v := v.(type) {
	case nil, string, bool, json.Number:
		return v, nil
	}
	if n, ok := numberValue(v); ok {
		if f, isFloat := n.(float64); isFloat && (math.IsNaN(f) || math.IsInf(f, 0)) {
			return nil, invalidArg("value", "%v is not a finite number", f)
		}
		return n, nil
	}
	date, ok, err := dateValue(v)
	if err != nil {
		return nil, invalidArg("value", "%v", err)
	}
	if ok {
		return date, nil
	}
	return nil, invalidArg("value", "a custom field does not take a %T value", v)
}

// numberValue returns v as int64, uint64 or float64 when it is a Go number,
// or as a json.Number when it is a numeric string.
func numberValue(v any) (any, bool) {
	switch n := v.(type) {
	case int:
		return int64(n), true
	case int8:
		return int64(n), true
	case int16:
		return int64(n), true
	case int32:
		return int64(n), true
	case int64:
		return n, true
	case uint:
		return uint64(n), true
	case uint8:
		return uint64(n), true
	case uint16:
		return uint64(n), true
	case uint32:
		return uint64(n), true
	case uint64:
		return n, true
	case float32:
		return float64(n), true
	case float64:
		return n, true
	case string:
		// Capsule takes a number field's value as a number or a numeric
		// string; it is sent as a JSON number either way.
		// It must be a JSON number literal: strconv also reads "NaN",
		// "Inf" and hex floats, which no JSON encoder can send.
		if num := json.Number(strings.TrimSpace(n)); num != "" && (num[0] == '-' || num[0] >= '0' && num[0] <= '9') && json.Valid([]byte(num)) {
			if _, err := num.Float64(); err == nil {
				return num, true
			}
		}
	}
	return nil, false
}

// dateValue returns v as a Date when it is a Date, a time.Time or a
// "YYYY-MM-DD" string; ok is false for other types.
func dateValue(v any) (date Date, ok bool, err error) {
	switch v := v.(type) {
	case Date:
		if v.IsZero() {
			return Date{}, true, errors.New("the zero Date is not a date")
		}
		if _, err := ParseDate(v.String()); err != nil {
			return Date{}, true, err
		}
		return v, true, nil
	case time.Time:
		if v.IsZero() {
			return Date{}, true, errors.New("the zero time.Time is not a date")
		}
		return DateOf(v), true, nil
	case string:
		d, err := ParseDate(v)
		return d, true, err
	}
	return Date{}, false, nil
}

// FieldDefinitions is a list of field definitions, as returned by
// CustomFieldsService.Read, with lookups and value changes by name.
type FieldDefinitions []*FieldDefinition

// ByID returns the definition with the given id, or nil.
func (ds FieldDefinitions) ByID(id int64) *FieldDefinition {
	for _, d := range ds {
		if d != nil && d.ID == id {
			return d
		}
	}
	return nil
}

// Find returns the definition called name: an exact match, or else the
// only case-insensitive one. A name that matches none or several
// definitions gives an ErrInvalidArgument error.
func (ds FieldDefinitions) Find(name string) (*FieldDefinition, error) {
	found := matchByName(ds, name, func(d *FieldDefinition) string { return d.Name })
	switch len(found) {
	case 0:
		return nil, invalidArg("field "+strconv.Quote(name), "no such custom field definition")
	case 1:
		return found[0], nil
	}
	ids := make([]string, len(found))
	for i, d := range found {
		ids[i] = strconv.FormatInt(d.ID, 10)
	}
	return nil, invalidArg("field "+strconv.Quote(name), "%d definitions have this name (ids %s); use ByID", len(found), strings.Join(ids, ", "))
}

// Set returns the change that sets the field called name to v, checked as
// FieldDefinition.Value checks it.
func (ds FieldDefinitions) Set(name string, v any) (FieldChange, error) {
	d, err := ds.Find(name)
	if err != nil {
		return FieldChange{}, err
	}
	return d.Value(v)
}

// SetAll returns the changes that set each named field to its value, in the
// definitions' order, or the first error.
func (ds FieldDefinitions) SetAll(values map[string]any) ([]FieldChange, error) {
	type item struct {
		def *FieldDefinition
		v   any
	}
	items := make([]item, 0, len(values))
	for name, v := range values {
		d, err := ds.Find(name)
		if err != nil {
			return nil, err
		}
		items = append(items, item{d, v})
	}
	slices.SortFunc(items, func(a, b item) int {
		return slices.Index(ds, a.def) - slices.Index(ds, b.def)
	})
	changes := make([]FieldChange, len(items))
	for i, it := range items {
		c, err := it.def.Value(it.v)
		if err != nil {
			return nil, err
		}
		changes[i] = c
	}
	return changes, nil
}

// matchByName returns the items whose name is name, or else those whose
// name equals it case-insensitively.
func matchByName[T any](items []T, name string, nameOf func(T) string) []T {
	var exact, fold []T
	for _, it := range items {
		switch n := nameOf(it); {
		case n == name:
			exact = append(exact, it)
		case strings.EqualFold(n, name):
			fold = append(fold, it)
		}
	}
	if len(exact) > 0 {
		return exact
	}
	return fold
}

// ErrFieldAmbiguous is returned by the Fields accessors when a name or id
// matches more than one stored value.
var ErrFieldAmbiguous = errors.New("capsule: ambiguous custom field")

// ErrFieldType is returned by the typed accessors of Fields and FieldValue
// when the stored value does not have the requested type.
var ErrFieldType = errors.New("capsule: custom field value has another type")

// Get returns the value of the field whose definition is called name (an
// exact match, or else a case-insensitive one). ok is false when the record
// has no such value; several matching values give an ErrFieldAmbiguous
// error.
func (f Fields) Get(name string) (v FieldValue, ok bool, err error) {
	found := matchByName(f, name, func(v FieldValue) string { return v.Definition.Name })
	return oneField(found, "field "+strconv.Quote(name))
}

// ByID returns the value of the field with definition id defID. ok is false
// when the record has no such value.
func (f Fields) ByID(defID int64) (v FieldValue, ok bool, err error) {
	var found []FieldValue
	for _, v := range f {
		if v.Definition.ID == defID {
			found = append(found, v)
		}
	}
	return oneField(found, "field definition "+strconv.FormatInt(defID, 10))
}

func oneField(found []FieldValue, what string) (FieldValue, bool, error) {
	switch len(found) {
	case 0:
		return FieldValue{}, false, nil
	case 1:
		return found[0], true, nil
	}
	ids := make([]string, len(found))
	for i, v := range found {
		ids[i] = fmt.Sprintf("%d (definition %d)", v.ID, v.Definition.ID)
	}
	return FieldValue{}, false, fmt.Errorf("%w: %s has %d values: %s", ErrFieldAmbiguous, what, len(found), strings.Join(ids, ", "))
}

// Text returns the value of the text field called name. ok is false when
// the record has no value for it (or a null one).
func (f Fields) Text(name string) (s string, ok bool, err error) {
	return typedField(f, name, FieldValue.Text)
}

// Number returns the value of the number field called name. Capsule sends
// numbers as strings ("3"); Number parses them.
func (f Fields) Number(name string) (n float64, ok bool, err error) {
	return typedField(f, name, FieldValue.Number)
}

// Bool returns the value of the boolean field called name.
func (f Fields) Bool(name string) (b bool, ok bool, err error) {
	return typedField(f, name, FieldValue.Bool)
}

// Date returns the value of the date field called name.
func (f Fields) Date(name string) (d Date, ok bool, err error) {
	return typedField(f, name, FieldValue.Date)
}

// List returns the chosen option of the list field called name.
func (f Fields) List(name string) (s string, ok bool, err error) {
	return typedField(f, name, FieldValue.List)
}

// Link returns the value of the link field called name.
func (f Fields) Link(name string) (s string, ok bool, err error) {
	return typedField(f, name, FieldValue.Link)
}

func typedField[T any](f Fields, name string, get func(FieldValue) (T, bool, error)) (T, bool, error) {
	v, ok, err := f.Get(name)
	if !ok || err != nil {
		var zero T
		return zero, false, err
	}
	return get(v)
}

// All iterates over the values by definition name.
func (f Fields) All() iter.Seq2[string, FieldValue] {
	return func(yield func(string, FieldValue) bool) {
		for _, v := range f {
			if !yield(v.Definition.Name, v) {
				return
			}
		}
	}
}

func (v FieldValue) typeErr(want string) error {
	return fmt.Errorf("%w: field %q (definition %d) holds %s, not %s", ErrFieldType, v.Definition.Name, v.Definition.ID, describeJSON(v.Value), want)
}

func describeJSON(v any) string {
	switch v := v.(type) {
	case string:
		return fmt.Sprintf("the string %q", v)
	case bool:
		return fmt.Sprintf("the boolean %t", v)
	case float64, json.Number:
		return fmt.Sprintf("the number %v", v)
	}
	return fmt.Sprintf("a %T", v)
}

// Text returns the value as a string (text, list, link, date and number
// values all arrive as strings). ok is false for a null value.
func (v FieldValue) Text() (s string, ok bool, err error) {
	switch x := v.Value.(type) {
	case nil:
		return "", false, nil
	case string:
		return x, true, nil
	}
	return "", false, v.typeErr("a string")
}

// List returns the chosen option of a list value.
func (v FieldValue) List() (s string, ok bool, err error) { return v.Text() }

// Link returns a link value.
func (v FieldValue) Link() (s string, ok bool, err error) { return v.Text() }

// Number returns a number value. Capsule sends numbers as strings; a JSON
// number is accepted too.
func (v FieldValue) Number() (n float64, ok bool, err error) {
	switch x := v.Value.(type) {
	case nil:
		return 0, false, nil
	case float64:
		return x, true, nil
	case json.Number:
		n, err := x.Float64()
		if err != nil {
			return 0, false, v.typeErr("a number")
		}
		return n, true, nil
	case string:
		n, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
			return 0, false, v.typeErr("a number")
		}
		return n, true, nil
	}
	return 0, false, v.typeErr("a number")
}

// Bool returns a boolean value. The strings "true" and "false" are
// accepted too.
func (v FieldValue) Bool() (b bool, ok bool, err error) {
	switch x := v.Value.(type) {
	case nil:
		return false, false, nil
	case bool:
		return x, true, nil
	case string:
		switch x {
		case "true":
			return true, true, nil
		case "false":
			return false, true, nil
		}
	}
	return false, false, v.typeErr("a boolean")
}

// Date returns a date value ("YYYY-MM-DD").
func (v FieldValue) Date() (d Date, ok bool, err error) {
	switch x := v.Value.(type) {
	case nil:
		return Date{}, false, nil
	case string:
		d, err := ParseDate(x)
		if err != nil {
			return Date{}, false, v.typeErr("a YYYY-MM-DD date")
		}
		return d, true, nil
	}
	return Date{}, false, v.typeErr("a YYYY-MM-DD date")
}
