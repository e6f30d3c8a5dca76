package capsule

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"time"
)

// Optional is a write-side value with three states: unset (the zero value,
// not sent at all), set to a value, or explicitly null (sent as JSON null,
// which clears the field in Capsule). Input types tag Optional fields with
// `omitzero` so that an unset field is left out of the request body and a
// partial update leaves it unchanged.
type Optional[T any] struct {
	value T
	state optionalState
}

type optionalState uint8

const (
	optionalUnset optionalState = iota
	optionalSet
	optionalNull
)

// Set returns an Optional holding v. Set("") and Set(0) are sent as "" and 0,
// not dropped.
func Set[T any](v T) Optional[T] { return Optional[T]{value: v, state: optionalSet} }

// Null returns an Optional that is sent as JSON null, clearing the field.
func Null[T any]() Optional[T] { return Optional[T]{state: optionalNull} }

// IsZero reports whether o is unset. encoding/json's omitzero uses it to
// leave unset fields out of request bodies.
func (o Optional[T]) IsZero() bool { return o.state == optionalUnset }

// IsSet reports whether o holds a value (not unset, not null).
func (o Optional[T]) IsSet() bool { return o.state == optionalSet }

// IsNull reports whether o was made with Null.
func (o Optional[T]) IsNull() bool { return o.state == optionalNull }

// Get returns the value and whether o holds one.
func (o Optional[T]) Get() (T, bool) { return o.value, o.state == optionalSet }

// String formats o for debugging: the value, "null" or "unset".
func (o Optional[T]) String() string {
	switch o.state {
	case optionalSet:
		return fmt.Sprint(o.value)
	case optionalNull:
		return "null"
	default:
		return "unset"
	}
}

// MarshalJSON encodes the value, or null when o is null or unset.
func (o Optional[T]) MarshalJSON() ([]byte, error) {
	if o.state != optionalSet {
		return []byte("null"), nil
	}
	return json.Marshal(o.value)
}

// UnmarshalJSON decodes null as Null and anything else as Set.
func (o *Optional[T]) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		*o = Null[T]()
		return nil
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*o = Set(v)
	return nil
}

// EncodeValues adds a set value to a query string; unset and null add nothing.
// It implements go-querystring's Encoder.
func (o Optional[T]) EncodeValues(key string, v *url.Values) error {
	if o.state == optionalSet {
		v.Set(key, fmt.Sprint(o.value))
	}
	return nil
}

// Ptr returns a pointer to v, for pointer fields in options and models.
func Ptr[T any](v T) *T { return &v }

// dateLayout is Capsule's format for date-only fields such as expectedCloseOn.
const dateLayout = "2006-01-02"

// Date is a calendar date without a time of day or zone, as Capsule uses in
// fields ending in "On" (expectedCloseOn, dueOn, trackDateOn). It encodes as
// "YYYY-MM-DD" in JSON and in query strings.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// NewDate returns the date year-month-day.
func NewDate(year int, month time.Month, day int) Date {
	return Date{Year: year, Month: month, Day: day}
}

// DateOf returns the calendar date of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{Year: y, Month: m, Day: d}
}

// ParseDate parses a "YYYY-MM-DD" string.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(dateLayout, s)
	if err != nil {
		return Date{}, fmt.Errorf("capsule: invalid date %q: want YYYY-MM-DD", s)
	}
	return DateOf(t), nil
}

// String formats d as "YYYY-MM-DD".
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// Time returns midnight of d in loc (UTC when loc is nil).
func (d Date) Time(loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// MarshalJSON encodes d as "YYYY-MM-DD".
func (d Date) MarshalJSON() ([]byte, error) {
	return []byte(`"` + d.String() + `"`), nil
}

// UnmarshalJSON decodes "YYYY-MM-DD". JSON null leaves d unchanged, as
// encoding/json does for other types; use *Date to tell null from a date.
func (d *Date) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("capsule: date must be a string: %w", err)
	}
	parsed, err := ParseDate(s)
	if err != nil {
		return err
	}
	*d = parsed
	return nil
}

// EncodeValues adds d to a query string as "YYYY-MM-DD" unless it is zero.
func (d Date) EncodeValues(key string, v *url.Values) error {
	if !d.IsZero() {
		v.Set(key, d.String())
	}
	return nil
}
