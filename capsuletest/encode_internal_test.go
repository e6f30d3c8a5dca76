package capsuletest

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

// TestAppendJSONIsMarshal: the reply encoder writes what json.Marshal
// writes, for every seeded record and for values chosen to be awkward.
func TestAppendJSONIsMarshal(t *testing.T) {
	f := newFake(WithSeed(60))
	var values []any
	for _, c := range f.colls {
		for _, r := range c.all() {
			values = append(values, view(r))
		}
	}
	values = append(values, record{
		"html": "<a href=\"x\">&</a>", "sep": "line\u2028para\u2029", "bad": "\xff\xfe", "ctl": "tab\tnl\n\x01",
		"uni": "Zürich ✓", "empty": "", "float": 1e21, "small": 0.1, "neg": int64(-5), "int": 7,
		"num": json.Number("12.50"), "ref": idRef(42), "nil": nil, "list": []any{nil, true, "x", []any{}},
		"strs": []string{"a", "<b>"}, "ids": []int64{1, 2}, "time": time.Date(2025, 1, 2, 3, 4, 5, 6, time.UTC),
		"raw": json.RawMessage(`{"b": 1, "a": [ 2 ]}`), "nested": map[string]any{"z": 1.5, "a": record{}},
		"recs": []record{{"k": "v"}}, "a<key>": "key needing escapes",
	})
	for _, v := range values {
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := appendJSON(&buf, v); err != nil || !bytes.Equal(buf.Bytes(), want) {
			t.Fatalf("appendJSON: %v\n got %s\nwant %s", err, buf.Bytes(), want)
		}
	}
	var buf bytes.Buffer
	if err := appendJSON(&buf, record{"c": make(chan int)}); err == nil {
		t.Error("an unencodable value is an error")
	}
}
