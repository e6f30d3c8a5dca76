// Package mirror keeps a copy of a Capsule account in SQL tables (SQLite or
// PostgreSQL) and turns records into the rows of those tables, as DESIGN.md
// §7 fixes them: a table per record type named as the API collection,
// columns named after the snake_case JSON keys, a nested reference as
// <key>_id, money as <key>_amount and <key>_currency, a typed column per
// custom field definition (custom_<name>), and child tables for a party's
// contact details and the tags of parties, opportunities and kases.
//
// Sync runs the mirror; Schema and Table build the rows, so the export
// writes exactly the mirror's columns and an import reads them back.
package mirror

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/capsulecrm-go/capsule"
	"github.com/capsulecrm-go/capsule/cmd/capsule/columns"
)

// Kind is the type of a column's values, mapped to each database's own SQL
// type (see the dialects).
type Kind int

// The kinds of columns.
const (
	KindText   Kind = iota // a string
	KindInt                // an int64
	KindNumber             // a float64 (money, custom numbers)
	KindBool               // a bool
	KindTime               // a time.Time in UTC
	KindDate               // a "YYYY-MM-DD" string
)

// Column is a column of a mirror table.
type Column struct {
	Name string
	Kind Kind
	// get returns the value of the column for a record (a struct value),
	// or nil for NULL.
	get func(rv reflect.Value) any
}

// Type names one mirrored record type, as the API collection.
type Type string

// The record types the mirror knows.
const (
	Parties       Type = "parties"
	Opportunities Type = "opportunities"
	Kases         Type = "kases"
	Tasks         Type = "tasks"
	Users         Type = "users"
	Teams         Type = "teams"
	Pipelines     Type = "pipelines"
	Milestones    Type = "milestones"
	Boards        Type = "boards"
	Stages        Type = "stages"
	Entries       Type = "entries"
)

// DefaultTypes are the types a sync mirrors when none are named: every type
// but entries, which are many and mirrored only when asked.
var DefaultTypes = []Type{Parties, Opportunities, Kases, Tasks, Users, Teams, Pipelines, Milestones, Boards, Stages}

// AllTypes are every type the mirror can hold, in the order a sync reads them.
var AllTypes = append(slices.Clone(DefaultTypes), Entries)

// ParseTypes reads a comma-separated list of type names ("" means
// DefaultTypes), refusing unknown and repeated names.
func ParseTypes(s string) ([]Type, error) {
	if strings.TrimSpace(s) == "" {
		return slices.Clone(DefaultTypes), nil
	}
	var out []Type
	for _, part := range strings.Split(s, ",") {
		t := Type(strings.TrimSpace(part))
		if !slices.Contains(AllTypes, t) {
			return nil, fmt.Errorf("unknown type %q: want some of %s", t, joinTypes(AllTypes))
		}
		if slices.Contains(out, t) {
			return nil, fmt.Errorf("type %q is named twice", t)
		}
		out = append(out, t)
	}
	return out, nil
}

func joinTypes(ts []Type) string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = string(t)
	}
	return strings.Join(s, ",")
}

// typeSpec is what the mirror knows of a type: its Go model and, for the
// types with custom fields and tags, their entity.
type typeSpec struct {
	model    reflect.Type
	singular string
	entity   capsule.Entity // "" when the type has no custom fields
}

var specs = map[Type]typeSpec{
	Parties:       {reflect.TypeFor[capsule.Party](), "party", capsule.EntityParties},
	Opportunities: {reflect.TypeFor[capsule.Opportunity](), "opportunity", capsule.EntityOpportunities},
	Kases:         {reflect.TypeFor[capsule.Kase](), "kase", capsule.EntityKases},
	Tasks:         {reflect.TypeFor[capsule.Task](), "task", ""},
	Users:         {reflect.TypeFor[capsule.User](), "user", ""},
	Teams:         {reflect.TypeFor[capsule.Team](), "team", ""},
	Pipelines:     {reflect.TypeFor[capsule.Pipeline](), "pipeline", ""},
	Milestones:    {reflect.TypeFor[capsule.Milestone](), "milestone", ""},
	Boards:        {reflect.TypeFor[capsule.Board](), "board", ""},
	Stages:        {reflect.TypeFor[capsule.Stage](), "stage", ""},
	Entries:       {reflect.TypeFor[capsule.Entry](), "entry", ""},
}

// Entity returns the entity whose custom fields and tags t carries, or "".
func (t Type) Entity() capsule.Entity { return specs[t].entity }

// skippedKeys are JSON keys that get no column: flags of stubs and embeds
// the mirror does not ask for.
var skippedKeys = map[string]bool{"isRestricted": true, "missingImportantFields": true}

var (
	timeType      = reflect.TypeFor[time.Time]()
	dateType      = reflect.TypeFor[capsule.Date]()
	moneyType     = reflect.TypeFor[capsule.Money]()
	rawType       = reflect.TypeFor[json.RawMessage]()
	fieldsType    = reflect.TypeFor[capsule.Fields]()
	timeOfDayType = reflect.TypeFor[capsule.TimeOfDay]()
)

// modelColumns derives the columns of a struct type from its JSON keys.
func modelColumns(t reflect.Type) []Column {
	var cols []Column
	for i := range t.NumField() {
		sf := t.Field(i)
		name, opts, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if !sf.IsExported() || name == "" || name == "-" || skippedKeys[name] {
			continue
		}
		omit := strings.Contains(opts, "omitempty") || strings.Contains(opts, "omitzero")
		ft := sf.Type
		if ft == rawType || ft == fieldsType || ft.Kind() == reflect.Slice {
			continue // undocumented raw keys; custom fields and collections have their own columns and tables
		}
		ptr := ft.Kind() == reflect.Pointer
		base := ft
		if ptr {
			base = ft.Elem()
		}
		key := columns.SnakeCase(name)
		idx := i
		// field returns the field's value, or false for NULL: a nil
		// pointer, or a zero value the API leaves out.
		field := func(rv reflect.Value) (reflect.Value, bool) {
			fv := rv.Field(idx)
			if ptr {
				if fv.IsNil() {
					return fv, false
				}
				return fv.Elem(), true
			}
			if omit && fv.IsZero() {
				return fv, false
			}
			return fv, true
		}
		switch {
		case base == timeType:
			cols = append(cols, Column{key, KindTime, func(rv reflect.Value) any {
				fv, ok := field(rv)
				if !ok {
					return nil
				}
				t := valueOf[time.Time](fv)
				if t.IsZero() {
					return nil
				}
				return t.UTC()
			}})
		case base == dateType:
			cols = append(cols, Column{key, KindDate, func(rv reflect.Value) any {
				fv, ok := field(rv)
				if !ok {
					return nil
				}
				d := valueOf[capsule.Date](fv)
				if d.IsZero() {
					return nil
				}
				return d.String()
			}})
		case base == timeOfDayType:
			cols = append(cols, Column{key, KindText, func(rv reflect.Value) any {
				fv, ok := field(rv)
				if !ok {
					return nil
				}
				return fv.Interface().(capsule.TimeOfDay).String()
			}})
		case base == moneyType:
			cols = append(cols,
				Column{key + "_amount", KindNumber, func(rv reflect.Value) any {
					fv, ok := field(rv)
					if !ok {
						return nil
					}
					return valueOf[capsule.Money](fv).Amount
				}},
				Column{key + "_currency", KindText, func(rv reflect.Value) any {
					fv, ok := field(rv)
					if !ok || valueOf[capsule.Money](fv).Currency == "" {
						return nil
					}
					return valueOf[capsule.Money](fv).Currency
				}})
		case base.Kind() == reflect.Struct:
			if id, ok := base.FieldByName("ID"); ok && id.Type.Kind() == reflect.Int64 {
				// A nested reference keeps only its id.
				cols = append(cols, Column{key + "_id", KindInt, func(rv reflect.Value) any {
					fv, ok := field(rv)
					if !ok || fv.FieldByIndex(id.Index).Int() == 0 {
						return nil
					}
					return fv.FieldByIndex(id.Index).Int()
				}})
				continue
			}
			// Any other nested object (a task's repeat rule) is kept as JSON.
			cols = append(cols, Column{key, KindText, func(rv reflect.Value) any {
				fv, ok := field(rv)
				if !ok {
					return nil
				}
				b, err := json.Marshal(fv.Interface())
				if err != nil {
					return nil
				}
				return string(b)
			}})
		default:
			kind, ok := scalarKind(base.Kind())
			if !ok {
				continue
			}
			cols = append(cols, Column{key, kind, func(rv reflect.Value) any {
				fv, ok := field(rv)
				if !ok {
					return nil
				}
				switch kind {
				case KindInt:
					return fv.Int()
				case KindNumber:
					return fv.Float()
				case KindBool:
					return fv.Bool()
				}
				return fv.String()
			}})
		}
	}
	return cols
}

// valueOf is the T that fv holds, read in place rather than copied to the
// heap by Interface. fv must be addressable: a field of the record Rows
// reads through its pointer, or of an element of one of its slices.
func valueOf[T any](fv reflect.Value) T {
	return *fv.Addr().Interface().(*T)
}

func scalarKind(k reflect.Kind) (Kind, bool) {
	switch k {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return KindInt, true
	case reflect.Float32, reflect.Float64:
		return KindNumber, true
	case reflect.Bool:
		return KindBool, true
	case reflect.String:
		return KindText, true
	}
	return 0, false
}

// Table is a mirror table: its name, its columns (id first) and the key
// that identifies a row.
type Table struct {
	Name    string
	Columns []Column
	// Key are the primary key's columns: id, or the parent's id and the
	// child's id for a child table.
	Key []string
	// Parent is the parent's id column of a child table ("party_id"), or "".
	Parent string
}

// ColumnNames returns the names of t's columns, in order.
func (t *Table) ColumnNames() []string {
	names := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		names[i] = c.Name
	}
	return names
}

// child is a child table of a type: the collection's JSON key and how to
// read its items from a record.
type child struct {
	table *Table
	// rows returns the child rows of rec (a struct value): each row's
	// values in the table's column order, the parent's id (boxed once
	// for all of them) first.
	rows func(parentID any, rv reflect.Value) [][]any
}

// childRows are n rows of width columns, cut from one allocation.
func childRows(n, width int) [][]any {
	if n == 0 {
		return nil
	}
	cells := make([]any, n*width)
	out := make([][]any, n)
	for i := range out {
		out[i] = cells[i*width : (i+1)*width : (i+1)*width]
	}
	return out
}

// Schema is the layout of the mirror for one set of custom field
// definitions: every type's table with its custom columns, and the child
// tables. Build it with NewSchema.
type Schema struct {
	tables   map[Type]*Table
	children map[Type][]child
	custom   map[Type]map[int64]customColumn
}

// customColumn is a custom field definition's column and how to convert a
// value to it.
type customColumn struct {
	index int // in the table's columns
	kind  Kind
}

// CustomKind is the column kind of a custom field definition's type: text
// and list fields are text, dates are dates, numbers and booleans theirs.
func CustomKind(t capsule.FieldType) Kind {
	switch t {
	case capsule.FieldTypeNumber:
		return KindNumber
	case capsule.FieldTypeBoolean:
		return KindBool
	case capsule.FieldTypeDate:
		return KindDate
	}
	return KindText
}

// NewSchema returns the schema for the custom field definitions of each
// entity; columns.Custom names their columns. A definition's column is
// renamed by rename when it returns a name (the sync uses this when a
// column of that name exists with another type); rename may be nil.
func NewSchema(defs map[capsule.Entity][]*capsule.FieldDefinition, rename func(table, column string, kind Kind, defID int64) string) *Schema {
	s := &Schema{tables: map[Type]*Table{}, children: map[Type][]child{}, custom: map[Type]map[int64]customColumn{}}
	for _, typ := range AllTypes {
		spec := specs[typ]
		t := &Table{Name: string(typ), Columns: modelColumns(spec.model), Key: []string{"id"}}
		if spec.entity != "" {
			ds := defs[spec.entity]
			names := columns.Custom(ds)
			sorted := slices.Clone(ds)
			slices.SortFunc(sorted, func(a, b *capsule.FieldDefinition) int { return int(a.ID - b.ID) })
			cc := map[int64]customColumn{}
			for _, d := range sorted {
				name, kind := names[d.ID], CustomKind(d.Type)
				if rename != nil {
					name = rename(t.Name, name, kind, d.ID)
				}
				cc[d.ID] = customColumn{index: len(t.Columns), kind: kind}
				t.Columns = append(t.Columns, Column{Name: name, Kind: kind})
			}
			s.custom[typ] = cc
			s.children[typ] = append(s.children[typ], tagChild(spec.singular))
		}
		if typ == Parties {
			s.children[typ] = append(s.children[typ],
				contactChild[capsule.EmailAddress]("party", "emailAddresses", "EmailAddresses"),
				contactChild[capsule.PhoneNumber]("party", "phoneNumbers", "PhoneNumbers"),
				contactChild[capsule.Address]("party", "addresses", "Addresses"),
				contactChild[capsule.Website]("party", "websites", "Websites"))
		}
		s.tables[typ] = t
	}
	return s
}

// Table returns the table of a type.
func (s *Schema) Table(t Type) *Table { return s.tables[t] }

// Children returns the child tables of a type (tags, contact details).
func (s *Schema) Children(t Type) []*Table {
	out := make([]*Table, len(s.children[t]))
	for i, c := range s.children[t] {
		out[i] = c.table
	}
	return out
}

// contactChild is the child table of a party's collection under key: the
// parent's id, then the item's columns (id first).
func contactChild[T any](singular, key, goField string) child {
	parent := singular + "_id"
	cols := append([]Column{{Name: parent, Kind: KindInt}}, modelColumns(reflect.TypeFor[T]())...)
	t := &Table{Name: singular + "_" + columns.SnakeCase(key), Columns: cols, Key: []string{parent, "id"}, Parent: parent}
	return child{table: t, rows: func(parentID any, rv reflect.Value) [][]any {
		items := rv.FieldByName(goField)
		out := childRows(items.Len(), len(cols))
		for i, row := range out {
			row[0] = parentID
			for j, c := range cols[1:] {
				row[j+1] = c.get(items.Index(i))
			}
		}
		return out
	}}
}

// tagChild is the tag table of a type: (<singular>_id, tag_id, name).
func tagChild(singular string) child {
	parent := singular + "_id"
	t := &Table{Name: singular + "_tags", Key: []string{parent, "tag_id"}, Parent: parent,
		Columns: []Column{{Name: parent, Kind: KindInt}, {Name: "tag_id", Kind: KindInt}, {Name: "name", Kind: KindText}}}
	return child{table: t, rows: func(parentID any, rv reflect.Value) [][]any {
		tags := rv.FieldByName("Tags").Interface().([]capsule.Tag)
		out := childRows(len(tags), 3)
		for i, tg := range tags {
			out[i][0], out[i][1], out[i][2] = parentID, tg.ID, tg.Name
		}
		return out
	}}
}

// Rows are the rows one record gives: its own, and its child rows by child
// table name.
type Rows struct {
	ID       int64
	Values   []any              // in the order of the type's Table columns
	Children map[string][][]any // by child table name, in its column order
}

// Rows returns the rows of rec, which must be a pointer to the type's model
// (*capsule.Party for Parties, ...). Custom field values are converted to
// their column's kind; one that does not convert (a definition whose type
// changed) is NULL.
func (s *Schema) Rows(t Type, rec any) (Rows, error) {
	rv := reflect.ValueOf(rec)
	spec := specs[t]
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Type().Elem() != spec.model {
		return Rows{}, fmt.Errorf("mirror: a %s record must be a non-nil *%s, got %T", t, spec.model, rec)
	}
	rv = rv.Elem()
	table := s.tables[t]
	r := Rows{ID: rv.FieldByName("ID").Int(), Values: make([]any, len(table.Columns))}
	for i, c := range table.Columns {
		if c.get != nil {
			r.Values[i] = c.get(rv)
		}
	}
	if cc := s.custom[t]; len(cc) > 0 {
		for _, fv := range rv.FieldByName("Fields").Interface().(capsule.Fields) {
			if col, ok := cc[fv.Definition.ID]; ok {
				r.Values[col.index] = customValue(col.kind, fv.Value)
			}
		}
	}
	if ch := s.children[t]; len(ch) > 0 {
		r.Children = make(map[string][][]any, len(ch))
		id := any(r.ID)
		for _, c := range ch {
			r.Children[c.table.Name] = c.rows(id, rv)
		}
	}
	return r, nil
}

// customValue converts a custom field's JSON value to kind, or nil.
func customValue(kind Kind, v any) any {
	if v == nil {
		return nil
	}
	switch kind {
	case KindNumber:
		switch x := v.(type) {
		case float64:
			return x
		case json.Number:
			f, err := x.Float64()
			if err == nil {
				return f
			}
		case string:
			f, err := strconv.ParseFloat(x, 64)
			if err == nil {
				return f
			}
		}
		return nil
	case KindBool:
		b, ok := v.(bool)
		if !ok {
			return nil
		}
		return b
	case KindDate:
		s, ok := v.(string)
		if !ok {
			return nil
		}
		if _, err := capsule.ParseDate(s); err != nil {
			return nil
		}
		return s
	}
	if s, ok := v.(string); ok {
		return s
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return string(b)
}
