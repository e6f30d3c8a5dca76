package importer

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/capsulecrm-go/capsule"
	"github.com/capsulecrm-go/capsule/cmd/capsule/columns"
	"github.com/capsulecrm-go/capsule/cmd/capsule/mirror"
)

// kind is how a column's cells are read.
type kind uint8

const (
	kText     kind = iota
	kID            // a positive record id
	kInt           // a whole number
	kNumber        // a finite number
	kDate          // YYYY-MM-DD
	kTime          // HH:MM or HH:MM:SS
	kEnum          // one of enum
	kTags          // names separated by ";"
	kEmail         // an address with an @
	kReadOnly      // a mirror column Capsule sets: accepted and ignored
	kCustom        // a custom field, checked against its definition
)

// column is one column a file may have.
type column struct {
	name string
	kind kind
	enum []string
}

// mirrorSchema names the columns the mirror makes of each type (without
// custom fields, which newTable adds from the account's definitions): an
// exported file has them, and the import reads the same names.
var mirrorSchema = mirror.NewSchema(nil, nil)

// tableColumns are the writable columns of each type, named as the mirror
// names them (DESIGN.md §7: snake_case keys, references as <key>_id,
// money as value_amount and value_currency).
var tableColumns = map[string][]column{
	"parties": {
		{name: "id", kind: kID},
		{name: "type", kind: kEnum, enum: []string{capsule.PartyPerson, capsule.PartyOrganisation}},
		{name: "first_name"}, {name: "last_name"}, {name: "title"}, {name: "job_title"},
		{name: "name"}, {name: "about"},
		{name: "owner_id", kind: kID}, {name: "team_id", kind: kID},
		{name: "organisation_id", kind: kID}, {name: "organisation"},
		{name: "email", kind: kEmail}, {name: "phone"}, {name: "website"},
		{name: "tags", kind: kTags},
	},
	"opportunities": {
		{name: "id", kind: kID}, {name: "name"}, {name: "description"},
		{name: "party_id", kind: kID}, {name: "milestone_id", kind: kID}, {name: "lost_reason_id", kind: kID},
		{name: "owner_id", kind: kID}, {name: "team_id", kind: kID},
		{name: "value_amount", kind: kNumber}, {name: "value_currency"},
		{name: "probability", kind: kInt}, {name: "expected_close_on", kind: kDate},
		{name: "duration_basis", kind: kEnum, enum: []string{capsule.DurationFixed, capsule.DurationHour, capsule.DurationDay,
			capsule.DurationWeek, capsule.DurationMonth, capsule.DurationQuarter, capsule.DurationYear}},
		{name: "duration", kind: kInt},
		{name: "tags", kind: kTags},
	},
	"kases": {
		{name: "id", kind: kID}, {name: "name"}, {name: "description"},
		{name: "status", kind: kEnum, enum: []string{capsule.KaseOpen, capsule.KaseClosed}},
		{name: "party_id", kind: kID}, {name: "owner_id", kind: kID}, {name: "team_id", kind: kID},
		{name: "opportunity_id", kind: kID}, {name: "stage_id", kind: kID},
		{name: "expected_close_on", kind: kDate},
		{name: "tags", kind: kTags},
	},
	"tasks": {
		{name: "id", kind: kID}, {name: "description"}, {name: "detail"},
		{name: "category_id", kind: kID}, {name: "due_on", kind: kDate}, {name: "due_time", kind: kTime},
		{name: "status", kind: kEnum, enum: []string{string(capsule.TaskStatusOpen), string(capsule.TaskStatusCompleted)}},
		{name: "party_id", kind: kID}, {name: "opportunity_id", kind: kID}, {name: "kase_id", kind: kID},
		{name: "owner_id", kind: kID},
	},
}

// entities are the types with custom fields, tags and filters.
var entities = map[string]capsule.Entity{
	"parties": capsule.EntityParties, "opportunities": capsule.EntityOpportunities, "kases": capsule.EntityKases,
}

// table is the columns of one type in one account: the fixed ones and a
// column per custom field definition.
type table struct {
	typ    string
	cols   map[string]column
	custom map[string]*capsule.FieldDefinition
}

func newTable(typ string, defs capsule.FieldDefinitions) *table {
	t := &table{typ: typ, cols: map[string]column{}, custom: map[string]*capsule.FieldDefinition{}}
	for _, c := range tableColumns[typ] {
		t.cols[c.name] = c
	}
	// the mirror's other columns are what Capsule computes: an exported
	// file keeps them, and the import skips them
	for _, name := range mirrorSchema.Table(mirror.Type(typ)).ColumnNames() {
		if _, writable := t.cols[name]; !writable {
			t.cols[name] = column{name: name, kind: kReadOnly}
		}
	}
	names := columns.Custom(defs)
	for _, d := range defs {
		t.custom[names[d.ID]] = d
		t.cols[names[d.ID]] = column{name: names[d.ID], kind: kCustom}
	}
	return t
}

// known checks a column name of the file's header or of a JSON line.
func (t *table) known(name string) error {
	if _, ok := t.cols[name]; ok {
		return nil
	}
	if strings.HasPrefix(name, columns.CustomPrefix) {
		return fmt.Errorf("unknown column %q: %s have no custom field of that name (see 'capsule fields %s')", name, t.typ, t.typ)
	}
	return fmt.Errorf("unknown column %q for %s", name, t.typ)
}

// row is a data row whose cells were checked and converted: a string,
// int64, int, float64, capsule.Date, capsule.TimeOfDay, []string (tags) or,
// for a custom field, the capsule.FieldChange that sets it.
type row struct {
	num  int
	line int
	vals map[string]any
}

func (r *row) str(col string) string {
	s, _ := r.vals[col].(string)
	return s
}

func (r *row) id(col string) int64 {
	n, _ := r.vals[col].(int64)
	return n
}

// parse checks and converts every cell of raw; the error names the column.
func (t *table) parse(raw *rawRow) (*row, error) {
	r := &row{num: raw.num, line: raw.line, vals: make(map[string]any, len(raw.cells))}
	for _, c := range raw.cells {
		col := t.cols[c.col]
		if col.kind == kReadOnly {
			continue
		}
		v, err := t.convert(col, c.val)
		if err != nil {
			return nil, fmt.Errorf("column %s: %v", c.col, err)
		}
		r.vals[c.col] = v
	}
	return r, nil
}

// convert reads one cell of col.
func (t *table) convert(col column, s string) (any, error) {
	switch col.kind {
	case kID:
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%q is not a record id (a positive whole number)", s)
		}
		return n, nil
	case kInt:
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			return nil, fmt.Errorf("%q is not a whole number", s)
		}
		return n, nil
	case kNumber:
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, fmt.Errorf("%q is not a number", s)
		}
		return f, nil
	case kDate:
		d, err := capsule.ParseDate(strings.TrimSpace(s))
		if err != nil {
			return nil, fmt.Errorf("%q is not a date (YYYY-MM-DD)", s)
		}
		return d, nil
	case kTime:
		tod, err := capsule.ParseTimeOfDay(strings.TrimSpace(s))
		if err != nil {
			return nil, fmt.Errorf("%q is not a time of day (HH:MM)", s)
		}
		return tod, nil
	case kEnum:
		for _, e := range col.enum {
			if strings.EqualFold(e, s) {
				return e, nil
			}
		}
		return nil, fmt.Errorf("%q is not one of %s", s, strings.Join(col.enum, ", "))
	case kTags:
		var tags []string
		for _, name := range strings.Split(s, ";") {
			if name = strings.TrimSpace(name); name != "" && !slices.Contains(tags, name) {
				tags = append(tags, name)
			}
		}
		return tags, nil
	case kEmail:
		s = strings.TrimSpace(s)
		if at := strings.IndexByte(s, '@'); at <= 0 || at == len(s)-1 || strings.ContainsAny(s, " ,;") {
			return nil, fmt.Errorf("%q is not an e-mail address", s)
		}
		return s, nil
	case kCustom:
		return customValue(t.custom[col.name], s)
	}
	return s, nil
}

// customValue converts a cell to the value of d's type and checks it with
// the SDK's definition check (type, list options).
func customValue(d *capsule.FieldDefinition, s string) (capsule.FieldChange, error) {
	var v any = s
	switch d.Type {
	case capsule.FieldTypeNumber:
		if _, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err != nil {
			return capsule.FieldChange{}, fmt.Errorf("%q is not a number (field %q is a number field)", s, d.Name)
		}
	case capsule.FieldTypeBoolean:
		b, err := parseBool(s)
		if err != nil {
			return capsule.FieldChange{}, fmt.Errorf("%q is not true or false (field %q is a boolean field)", s, d.Name)
		}
		v = b
	case capsule.FieldTypeDate:
		v = strings.TrimSpace(s)
	}
	fc, err := d.Value(v)
	if err != nil {
		var ae *capsule.ArgError
		if errors.As(err, &ae) {
			return capsule.FieldChange{}, errors.New(ae.Reason)
		}
		return capsule.FieldChange{}, err
	}
	return fc, nil
}

// parseBool reads the spellings of a boolean that spreadsheets write.
func parseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "yes", "y", "1":
		return true, nil
	case "false", "no", "n", "0":
		return false, nil
	}
	return false, errors.New("not a boolean")
}

// checkCreate reports what a create of r lacks, or "".
func (t *table) checkCreate(r *row) string {
	switch t.typ {
	case "parties":
		switch typ := partyType(r); {
		case typ == "":
			return "a new party needs type, or first_name/last_name (a person) or name (an organisation)"
		case typ == capsule.PartyPerson && r.str("first_name") == "" && r.str("last_name") == "":
			return "a new person needs first_name or last_name"
		case typ == capsule.PartyOrganisation && r.str("name") == "":
			return "a new organisation needs name"
		}
	case "opportunities":
		for _, c := range []string{"name", "party_id", "milestone_id"} {
			if r.vals[c] == nil {
				return "a new opportunity needs " + c
			}
		}
	case "kases":
		for _, c := range []string{"name", "party_id"} {
			if r.vals[c] == nil {
				return "a new kase needs " + c
			}
		}
	case "tasks":
		for _, c := range []string{"description", "due_on"} {
			if r.vals[c] == nil {
				return "a new task needs " + c
			}
		}
	}
	if _, ok := r.vals["value_currency"]; ok && r.vals["value_amount"] == nil {
		return "value_currency needs value_amount"
	}
	return ""
}

// checkCapture reports a custom field that the row's party type does not
// take (a definition for organisations only, set on a person), or "".
func (t *table) checkCapture(r *row) string {
	typ := partyType(r)
	if t.typ != "parties" || typ == "" {
		return ""
	}
	for col, d := range t.custom {
		if _, set := r.vals[col]; set && d.CaptureRule != nil && string(*d.CaptureRule) != typ {
			return fmt.Sprintf("column %s: field %q is for %ss only, and this row is a %s", col, d.Name, *d.CaptureRule, typ)
		}
	}
	return ""
}

// partyType is the row's type, or the one its names imply.
func partyType(r *row) string {
	switch {
	case r.str("type") != "":
		return r.str("type")
	case r.str("first_name") != "" || r.str("last_name") != "":
		return capsule.PartyPerson
	case r.str("name") != "":
		return capsule.PartyOrganisation
	}
	return ""
}
