package capsule

import (
	"encoding/json"
	"net/url"
	"testing"
	"time"

	"github.com/google/go-querystring/query"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOptionalMarshal(t *testing.T) {
	t.Parallel()
	type in struct {
		S Optional[string]  `json:"s,omitzero"`
		N Optional[int]     `json:"n,omitzero"`
		B Optional[bool]    `json:"b,omitzero"`
		D Optional[Date]    `json:"d,omitzero"`
		R Optional[Ref]     `json:"r,omitzero"`
		F Optional[float64] `json:"f,omitzero"`
	}
	testJSONMarshal(t, in{}, `{}`)
	testJSONMarshal(t, in{S: Null[string](), N: Null[int](), B: Null[bool](), D: Null[Date](), R: Null[Ref]()}, `{"s":null,"n":null,"b":null,"d":null,"r":null}`)
	testJSONMarshal(t, in{S: Set(""), N: Set(0), B: Set(false), F: Set(0.0)}, `{"s":"","n":0,"b":false,"f":0}`)
	testJSONMarshal(t, in{S: Set("x"), N: Set(3), B: Set(true), D: Set(NewDate(2026, 2, 3)), R: RefTo(9)}, `{"s":"x","n":3,"b":true,"d":"2026-02-03","r":{"id":9}}`)
}

func TestOptionalUnmarshalAndAccessors(t *testing.T) {
	t.Parallel()
	var v struct {
		A Optional[string] `json:"a"`
		B Optional[string] `json:"b"`
		C Optional[string] `json:"c"`
	}
	require.NoError(t, json.Unmarshal([]byte(`{"a":"x","b":null}`), &v))
	got, ok := v.A.Get()
	assert.True(t, ok)
	assert.Equal(t, "x", got)
	assert.True(t, v.A.IsSet())
	assert.True(t, v.B.IsNull())
	assert.False(t, v.B.IsSet())
	assert.True(t, v.C.IsZero())
	assert.Equal(t, "x", v.A.String())
	assert.Equal(t, "null", v.B.String())
	assert.Equal(t, "unset", v.C.String())
	assert.Error(t, json.Unmarshal([]byte(`{"a":5}`), &v))
}

func TestDate(t *testing.T) {
	t.Parallel()
	d, err := ParseDate("2015-10-31")
	require.NoError(t, err)
	assert.Equal(t, NewDate(2015, time.October, 31), d)
	assert.Equal(t, "2015-10-31", d.String())
	assert.Equal(t, time.Date(2015, 10, 31, 0, 0, 0, 0, time.UTC), d.Time(nil))
	assert.Equal(t, d, DateOf(time.Date(2015, 10, 31, 23, 59, 0, 0, time.FixedZone("x", -3600))))
	_, err = ParseDate("31/10/2015")
	assert.ErrorContains(t, err, "YYYY-MM-DD")

	var v struct {
		D  Date  `json:"d"`
		P  *Date `json:"p"`
		Q  *Date `json:"q"`
		OK bool  `json:"ok"`
	}
	require.NoError(t, json.Unmarshal([]byte(`{"d":"2024-02-29","p":null,"q":"2024-01-01"}`), &v))
	assert.Equal(t, NewDate(2024, 2, 29), v.D)
	assert.Nil(t, v.P)
	assert.Equal(t, NewDate(2024, 1, 1), *v.Q)
	assert.Error(t, json.Unmarshal([]byte(`{"d":"2024-13-01"}`), &v))
	assert.Error(t, json.Unmarshal([]byte(`{"d":20240101}`), &v))
	testJSONMarshal(t, NewDate(2026, 1, 2), `"2026-01-02"`)
	assert.True(t, Date{}.IsZero())
}

func TestQueryEncoding(t *testing.T) {
	t.Parallel()
	opts := struct {
		Due   Date             `url:"due"`
		Empty Date             `url:"empty"`
		Name  Optional[string] `url:"name"`
		Unset Optional[string] `url:"unset"`
		Null  Optional[string] `url:"null"`
	}{Due: NewDate(2026, 3, 4), Name: Set("x"), Null: Null[string]()}
	v, err := query.Values(opts)
	require.NoError(t, err)
	assert.Equal(t, url.Values{"due": {"2026-03-04"}, "name": {"x"}}, v)
}

func TestPtr(t *testing.T) {
	t.Parallel()
	p := Ptr(5)
	assert.Equal(t, 5, *p)
}

func TestTagChanges(t *testing.T) {
	t.Parallel()
	testJSONMarshal(t, AddTag("VIP"), `{"name":"VIP"}`)
	testJSONMarshal(t, RemoveTag(12), `{"id":12,"_delete":true}`)
}

// JSON null in a non-pointer Date or TimeOfDay is a no-op, as encoding/json
// treats null for its own types: a track or task with a null date must
// still decode instead of failing the whole response.
func TestDateAndTimeOfDayNull(t *testing.T) {
	t.Parallel()
	var tr Track
	require.NoError(t, json.Unmarshal([]byte(`{"id":1,"description":"x","trackDateOn":null}`), &tr))
	assert.EqualValues(t, 1, tr.ID)
	assert.True(t, tr.TrackDateOn.IsZero())

	v := struct {
		D Date      `json:"d"`
		T TimeOfDay `json:"t"`
	}{D: NewDate(2020, 1, 2), T: TimeOfDay{Hour: 9}}
	require.NoError(t, json.Unmarshal([]byte(`{"d":null,"t":null}`), &v))
	assert.Equal(t, NewDate(2020, 1, 2), v.D, "null leaves the value as it was")
	assert.Equal(t, TimeOfDay{Hour: 9}, v.T)
	assert.Error(t, json.Unmarshal([]byte(`{"d":""}`), &v), "an empty string is still not a date")
}
