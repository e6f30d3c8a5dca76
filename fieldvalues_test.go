package capsule

import (
	"encoding/json"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFieldChangeJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change FieldChange
		want   string
	}{
		{"remove", RemoveField(9785121), `{"id":9785121,"_delete":true}`},
		{"remove with stray value", FieldChange{ID: 5, Value: "x", Delete: true}, `{"id":5,"_delete":true}`},
		{"clear", ClearField(45), `{"definition":{"id":45},"value":null}`},
		{"set by definition", FieldChange{Definition: &Ref{ID: 45}, Value: "Art"}, `{"definition":{"id":45},"value":"Art"}`},
		{"update by row", FieldChange{ID: 9785121, Value: "Skiing"}, `{"id":9785121,"value":"Skiing"}`},
		{"number", FieldChange{Definition: &Ref{ID: 1}, Value: int64(3)}, `{"definition":{"id":1},"value":3}`},
		{"false", FieldChange{Definition: &Ref{ID: 1}, Value: false}, `{"definition":{"id":1},"value":false}`},
		{"date", FieldChange{Definition: &Ref{ID: 1}, Value: NewDate(2026, 1, 2)}, `{"definition":{"id":1},"value":"2026-01-02"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			testJSONMarshal(t, tt.change, tt.want)
			testJSONMarshal(t, &tt.change, tt.want)
		})
	}
	// Inside a slice, as record inputs carry it.
	testJSONMarshal(t, struct {
		Fields []FieldChange `json:"fields"`
	}{[]FieldChange{RemoveField(1), ClearField(2)}},
		`{"fields":[{"id":1,"_delete":true},{"definition":{"id":2},"value":null}]}`)
}

func TestFieldChangeValidate(t *testing.T) {
	t.Parallel()
	valid := []FieldChange{
		RemoveField(1),
		ClearField(2),
		{ID: 3, Value: "x"},
		{ID: 3, Value: nil},
		{Definition: &Ref{ID: 4}, Value: int64(5)},
		{Definition: &Ref{ID: 4}, Value: 5.5},
		{Definition: &Ref{ID: 4}, Value: true},
		{Definition: &Ref{ID: 4}, Value: NewDate(2026, 2, 3)},
		{Definition: &Ref{ID: 4}, Value: time.Now()},
	}
	for _, c := range valid {
		assert.NoError(t, c.Validate(), "%+v", c)
	}
	invalid := []FieldChange{
		{},
		{Value: "x"},
		RemoveField(0),
		{ID: -1, Delete: true},
		{Definition: &Ref{ID: 4}, Delete: true},
		{ID: 1, Definition: &Ref{ID: 4}, Value: "x"},
		{ID: -3, Value: "x"},
		ClearField(0),
		{Definition: &Ref{ID: 4}, Value: []string{"x"}},
		{Definition: &Ref{ID: 4}, Value: math.NaN()},
		{Definition: &Ref{ID: 4}, Value: Date{}},
	}
	for _, c := range invalid {
		assert.ErrorIs(t, c.Validate(), ErrInvalidArgument, "%+v", c)
	}
}

func TestFieldDefinitionValue(t *testing.T) {
	t.Parallel()
	defs := testDefs(t)
	def := func(name string) *FieldDefinition {
		d, err := defs.Find(name)
		require.NoError(t, err)
		return d
	}
	paris := time.FixedZone("Paris", 3600)
	tests := []struct {
		field string
		v     any
		want  string // JSON of the change; "" = ErrInvalidArgument
	}{
		// text (101)
		{"Source", "Trade fair", `{"definition":{"id":101},"value":"Trade fair"}`},
		{"Source", "", `{"definition":{"id":101},"value":""}`},
		{"Source", nil, `{"definition":{"id":101},"value":null}`},
		{"Source", 3, ""},
		{"Source", true, ""},
		{"Source", NewDate(2026, 1, 1), ""},
		{"Source", []byte("x"), ""},
		// number (102)
		{"Seats", 3, `{"definition":{"id":102},"value":3}`},
		{"Seats", int64(-9007199254740993), `{"definition":{"id":102},"value":-9007199254740993}`},
		{"Seats", int8(4), `{"definition":{"id":102},"value":4}`},
		{"Seats", uint32(5), `{"definition":{"id":102},"value":5}`},
		{"Seats", 12.5, `{"definition":{"id":102},"value":12.5}`},
		{"Seats", float32(0.5), `{"definition":{"id":102},"value":0.5}`},
		{"Seats", nil, `{"definition":{"id":102},"value":null}`},
		{"Seats", "3", `{"definition":{"id":102},"value":3}`},
		{"Seats", " 2.75 ", `{"definition":{"id":102},"value":2.75}`},
		{"Seats", "three", ""},
		{"Seats", "", ""},
		{"Seats", true, ""},
		{"Seats", math.NaN(), ""},
		{"Seats", math.Inf(1), ""},
		// boolean (103)
		{"Newsletter", true, `{"definition":{"id":103},"value":true}`},
		{"Newsletter", false, `{"definition":{"id":103},"value":false}`},
		{"Newsletter", nil, ""},
		{"Newsletter", "true", ""},
		{"Newsletter", 1, ""},
		// date (104)
		{"Renewal", NewDate(2026, time.March, 31), `{"definition":{"id":104},"value":"2026-03-31"}`},
		{"Renewal", time.Date(2026, 3, 31, 23, 30, 0, 0, paris), `{"definition":{"id":104},"value":"2026-03-31"}`},
		{"Renewal", "2026-03-31", `{"definition":{"id":104},"value":"2026-03-31"}`},
		{"Renewal", nil, `{"definition":{"id":104},"value":null}`},
		{"Renewal", "31/03/2026", ""},
		{"Renewal", "2026-03-31T00:00:00Z", ""},
		{"Renewal", Date{}, ""},
		{"Renewal", NewDate(2026, 13, 1), ""},
		{"Renewal", time.Time{}, ""},
		{"Renewal", 20260331, ""},
		// list (105)
		{"Interests", "Art", `{"definition":{"id":105},"value":"Art"}`},
		{"Interests", nil, `{"definition":{"id":105},"value":null}`},
		{"Interests", "art", ""},
		{"Interests", "Skiing", ""},
		{"Interests", "", ""},
		{"Interests", 1, ""},
		// link (106)
		{"Billing", "https://billing.example.com/{id}", `{"definition":{"id":106},"value":"https://billing.example.com/{id}"}`},
		{"Billing", nil, `{"definition":{"id":106},"value":null}`},
		{"Billing", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.field, func(t *testing.T) {
			t.Parallel()
			c, err := def(tt.field).Value(tt.v)
			if tt.want == "" {
				require.ErrorIs(t, err, ErrInvalidArgument, "%#v", tt.v)
				assert.ErrorContains(t, err, `"`+tt.field+`"`, "the error names the field")
				assert.Equal(t, FieldChange{}, c)
				return
			}
			require.NoError(t, err, "%#v", tt.v)
			require.NoError(t, c.Validate())
			testJSONMarshal(t, c, tt.want)
		})
	}
}

func TestFieldDefinitionValueBadDefinition(t *testing.T) {
	t.Parallel()
	var nilDef *FieldDefinition
	_, err := nilDef.Value("x")
	assert.ErrorIs(t, err, ErrInvalidArgument)

	_, err = (&FieldDefinition{Name: "New", Type: FieldTypeText}).Value("x")
	assert.ErrorIs(t, err, ErrInvalidArgument, "a definition without id")

	_, err = (&FieldDefinition{ID: 1, Name: "Big", Type: "large_text"}).Value("x")
	require.ErrorIs(t, err, ErrInvalidArgument, "an unknown type cannot be checked")
	assert.ErrorContains(t, err, "SetFieldByID")
}

func TestSetFieldByID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		id   int64
		v    any
		want string
	}{
		{45, "Art", `{"definition":{"id":45},"value":"Art"}`},
		{45, 7, `{"definition":{"id":45},"value":7}`},
		{45, 7.25, `{"definition":{"id":45},"value":7.25}`},
		{45, true, `{"definition":{"id":45},"value":true}`},
		{45, nil, `{"definition":{"id":45},"value":null}`},
		{45, NewDate(2026, 5, 6), `{"definition":{"id":45},"value":"2026-05-06"}`},
		{45, time.Date(2026, 5, 6, 1, 0, 0, 0, time.UTC), `{"definition":{"id":45},"value":"2026-05-06"}`},
		{0, "x", ""},
		{-1, "x", ""},
		{45, []string{"a"}, ""},
		{45, map[string]any{}, ""},
		{45, math.Inf(-1), ""},
		{45, Date{}, ""},
		{45, struct{}{}, ""},
	}
	for _, tt := range tests {
		c, err := SetFieldByID(tt.id, tt.v)
		if tt.want == "" {
			assert.ErrorIs(t, err, ErrInvalidArgument, "%d %#v", tt.id, tt.v)
			assert.Equal(t, FieldChange{}, c)
			continue
		}
		require.NoError(t, err, "%#v", tt.v)
		testJSONMarshal(t, c, tt.want)
	}
}

func TestClearAndRemoveField(t *testing.T) {
	t.Parallel()
	assert.Equal(t, FieldChange{Definition: &Ref{ID: 45}}, ClearField(45))
	assert.Equal(t, FieldChange{ID: 9785121, Delete: true}, RemoveField(9785121))
}

func TestFieldDefinitionsFind(t *testing.T) {
	t.Parallel()
	defs := append(testDefs(t),
		&FieldDefinition{ID: 201, Name: "Notes", Type: FieldTypeText},
		&FieldDefinition{ID: 202, Name: "Notes", Type: FieldTypeText},
		&FieldDefinition{ID: 203, Name: "notes", Type: FieldTypeText},
		&FieldDefinition{ID: 204, Name: "Region", Type: FieldTypeText},
		&FieldDefinition{ID: 205, Name: "REGION", Type: FieldTypeText},
	)
	d, err := defs.Find("Interests")
	require.NoError(t, err)
	assert.Equal(t, int64(105), d.ID)

	d, err = defs.Find("interests")
	require.NoError(t, err, "a unique case-insensitive match")
	assert.Equal(t, int64(105), d.ID)

	d, err = defs.Find("notes")
	require.NoError(t, err, "an exact match wins over case-insensitive ones")
	assert.Equal(t, int64(203), d.ID)

	_, err = defs.Find("Notes")
	require.ErrorIs(t, err, ErrInvalidArgument)
	assert.ErrorContains(t, err, "201, 202")

	_, err = defs.Find("region")
	require.ErrorIs(t, err, ErrInvalidArgument, "two case-insensitive matches")

	_, err = defs.Find("Nope")
	require.ErrorIs(t, err, ErrInvalidArgument)
	assert.ErrorContains(t, err, `"Nope"`)

	assert.Equal(t, int64(104), defs.ByID(104).ID)
	assert.Nil(t, defs.ByID(999))
	assert.Nil(t, FieldDefinitions{nil}.ByID(0))
}

func TestFieldDefinitionsSet(t *testing.T) {
	t.Parallel()
	defs := testDefs(t)
	c, err := defs.Set("Interests", "Art")
	require.NoError(t, err)
	assert.Equal(t, FieldChange{Definition: &Ref{ID: 105}, Value: "Art"}, c)

	_, err = defs.Set("Interests", "Golf")
	assert.ErrorIs(t, err, ErrInvalidArgument)
	_, err = defs.Set("Hobbies", "Art")
	assert.ErrorIs(t, err, ErrInvalidArgument)

	changes, err := defs.SetAll(map[string]any{
		"Billing":    "https://x.example/{id}",
		"Newsletter": true,
		"Seats":      10,
		"Source":     nil,
	})
	require.NoError(t, err)
	assert.Equal(t, []FieldChange{
		{Definition: &Ref{ID: 101}, Value: nil},
		{Definition: &Ref{ID: 102}, Value: int64(10)},
		{Definition: &Ref{ID: 103}, Value: true},
		{Definition: &Ref{ID: 106}, Value: "https://x.example/{id}"},
	}, changes, "in definition order")

	changes, err = defs.SetAll(map[string]any{"Seats": 1, "Newsletter": nil})
	assert.ErrorIs(t, err, ErrInvalidArgument)
	assert.Nil(t, changes)
	changes, err = defs.SetAll(map[string]any{"Seats": 1, "Unknown": 1})
	assert.ErrorIs(t, err, ErrInvalidArgument)
	assert.Nil(t, changes)

	changes, err = defs.SetAll(nil)
	require.NoError(t, err)
	assert.Empty(t, changes)
}

// testFields are the values of testdata/customfields/values.json.
func testFields(t *testing.T) Fields {
	t.Helper()
	var body struct {
		Fields Fields `json:"fields"`
	}
	require.NoError(t, json.Unmarshal(fixture(t, "customfields/values.json"), &body))
	return body.Fields
}

func TestFieldsDecode(t *testing.T) {
	t.Parallel()
	f := testFields(t)
	require.Len(t, f, 10)
	assert.Equal(t, FieldValue{ID: 1, Definition: NamedRef{ID: 101, Name: "Source"}, Value: "Trade fair"}, f[0])
	assert.Equal(t, FieldValue{ID: 3, Definition: NamedRef{ID: 103, Name: "Newsletter"}, Value: true}, f[2])
	assert.Equal(t, FieldValue{ID: 4, Definition: NamedRef{ID: 104, Name: "Renewal"}, Value: "2026-03-31", TagID: Ptr[int64](7)}, f[3])
	assert.Equal(t, FieldValue{ID: 7, Definition: NamedRef{ID: 107, Name: "Empty"}, Value: nil}, f[6])
}

func TestFieldsAccessors(t *testing.T) {
	t.Parallel()
	f := testFields(t)

	type result struct {
		v   any
		ok  bool
		err error
	}
	wrap := func(v any, ok bool, err error) result { return result{v, ok, err} }
	tests := []struct {
		name    string
		got     result
		want    any
		wantOK  bool
		wantErr error
	}{
		{"Text", wrap(f.Text("Source")), "Trade fair", true, nil},
		{"Text case-insensitive", wrap(f.Text("source")), "Trade fair", true, nil},
		{"Text of number string", wrap(f.Text("Seats")), "12.5", true, nil},
		{"Text of bool", wrap(f.Text("Newsletter")), "", false, ErrFieldType},
		{"Text null", wrap(f.Text("Empty")), "", false, nil},
		{"Text absent", wrap(f.Text("Nope")), "", false, nil},
		{"Text ambiguous", wrap(f.Text("Notes")), "", false, ErrFieldAmbiguous},
		{"Number", wrap(f.Number("Seats")), 12.5, true, nil},
		{"Number zero", wrap(f.Number("Zero")), 0.0, true, nil},
		{"Number of text", wrap(f.Number("Source")), 0.0, false, ErrFieldType},
		{"Number of bool", wrap(f.Number("Newsletter")), 0.0, false, ErrFieldType},
		{"Number null", wrap(f.Number("Empty")), 0.0, false, nil},
		{"Number absent", wrap(f.Number("Nope")), 0.0, false, nil},
		{"Bool", wrap(f.Bool("Newsletter")), true, true, nil},
		{"Bool of text", wrap(f.Bool("Source")), false, false, ErrFieldType},
		{"Bool null", wrap(f.Bool("Empty")), false, false, nil},
		{"Date", wrap(f.Date("Renewal")), NewDate(2026, time.March, 31), true, nil},
		{"Date of text", wrap(f.Date("Source")), Date{}, false, ErrFieldType},
		{"Date of bool", wrap(f.Date("Newsletter")), Date{}, false, ErrFieldType},
		{"Date null", wrap(f.Date("Empty")), Date{}, false, nil},
		{"List", wrap(f.List("Interests")), "Art", true, nil},
		{"List of bool", wrap(f.List("Newsletter")), "", false, ErrFieldType},
		{"Link", wrap(f.Link("Billing")), "https://billing.example.com/{id}", true, nil},
		{"Link absent", wrap(f.Link("Nope")), "", false, nil},
		{"Link ambiguous", wrap(f.Link("notes")), "", false, ErrFieldAmbiguous},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.wantErr != nil {
				require.ErrorIs(t, tt.got.err, tt.wantErr)
			} else {
				require.NoError(t, tt.got.err)
			}
			assert.Equal(t, tt.want, tt.got.v)
			assert.Equal(t, tt.wantOK, tt.got.ok)
		})
	}
}

func TestFieldsErrorMessages(t *testing.T) {
	t.Parallel()
	f := testFields(t)
	_, _, err := f.Number("Source")
	assert.EqualError(t, err, `capsule: custom field value has another type: field "Source" (definition 101) holds the string "Trade fair", not a number`)
	_, _, err = f.Text("Notes")
	assert.EqualError(t, err, `capsule: ambiguous custom field: field "Notes" has 2 values: 8 (definition 108), 9 (definition 109)`)
}

func TestFieldsGetAndByID(t *testing.T) {
	t.Parallel()
	f := testFields(t)
	v, ok, err := f.Get("Interests")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, FieldValue{ID: 5, Definition: NamedRef{ID: 105, Name: "Interests"}, Value: "Art", TagID: Ptr[int64](168298)}, v)

	v, ok, err = f.ByID(109)
	require.NoError(t, err)
	require.True(t, ok)
	s, ok, err := v.Text()
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, "second", s)

	n, ok, err := f[1].Number()
	require.NoError(t, err)
	assert.True(t, ok)
	assert.InDelta(t, 12.5, n, 0)

	_, ok, err = f.ByID(999)
	require.NoError(t, err)
	assert.False(t, ok)

	dup := Fields{f[0], f[0]}
	_, ok, err = dup.ByID(101)
	require.ErrorIs(t, err, ErrFieldAmbiguous)
	assert.False(t, ok)

	var none Fields
	_, ok, err = none.Get("Source")
	require.NoError(t, err)
	assert.False(t, ok)

	names := []string{}
	for name := range f.All() {
		names = append(names, name)
		if name == "Seats" {
			break
		}
	}
	assert.Equal(t, []string{"Source", "Seats"}, names)
}

func TestFieldValueTolerantShapes(t *testing.T) {
	t.Parallel()
	v := func(x any) FieldValue { return FieldValue{Definition: NamedRef{ID: 1, Name: "X"}, Value: x} }
	n, ok, err := v(3.0).Number()
	require.NoError(t, err)
	assert.True(t, ok)
	assert.InDelta(t, 3.0, n, 0)
	n, _, err = v(json.Number("4")).Number()
	require.NoError(t, err)
	assert.InDelta(t, 4.0, n, 0)
	_, _, err = v(json.Number("x")).Number()
	assert.ErrorIs(t, err, ErrFieldType)
	n, _, err = v(" 5 ").Number()
	require.NoError(t, err)
	assert.InDelta(t, 5.0, n, 0)
	_, _, err = v("NaN").Number()
	assert.ErrorIs(t, err, ErrFieldType)
	_, _, err = v("").Number()
	assert.ErrorIs(t, err, ErrFieldType)

	b, ok, err := v("false").Bool()
	require.NoError(t, err)
	assert.True(t, ok)
	assert.False(t, b)
	b, _, err = v("true").Bool()
	require.NoError(t, err)
	assert.True(t, b)
	_, _, err = v("yes").Bool()
	assert.ErrorIs(t, err, ErrFieldType)
	_, _, err = v(1.0).Text()
	assert.ErrorIs(t, err, ErrFieldType)
	_, _, err = v(map[string]any{}).Date()
	assert.ErrorIs(t, err, ErrFieldType)
	assert.False(t, errors.Is(err, ErrInvalidArgument))
}

func TestFieldsLivePayload(t *testing.T) {
	t.Parallel()
	var body struct {
		Kases []struct {
			Fields Fields `json:"fields"`
		} `json:"kases"`
	}
	require.NoError(t, json.Unmarshal(fixture(t, "customfields/live_kases_with_fields.json"), &body))
	require.Len(t, body.Kases, 1)
	f := body.Kases[0].Fields
	assert.Equal(t, Fields{{ID: 9785121, Definition: NamedRef{ID: 926886, Name: "Interests"}, Value: "Skiing", TagID: Ptr[int64](168298)}}, f)
	s, ok, err := f.List("Interests")
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, "Skiing", s, "reading does not check the options")
}
