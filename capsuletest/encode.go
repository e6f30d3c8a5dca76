package capsuletest

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
)

// appendJSON appends the JSON of v to buf, byte for byte what json.Marshal
// writes, without its reflection over maps (a sorted copy of every map's
// keys and a copy of every value): the replies are maps of maps, and
// encoding them was most of what a page allocated.
func appendJSON(buf *bytes.Buffer, v any) error {
	switch x := v.(type) {
	case nil:
		buf.WriteString("null")
	case bool:
		buf.WriteString(strconv.FormatBool(x))
	case string:
		return appendString(buf, x)
	case int64:
		buf.WriteString(strconv.FormatInt(x, 10))
	case int:
		buf.WriteString(strconv.Itoa(x))
	case idRef:
		buf.WriteString(`{"id":`)
		buf.WriteString(strconv.FormatInt(int64(x), 10))
		buf.WriteByte('}')
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		buf.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := appendString(buf, k); err != nil {
				return err
			}
			buf.WriteByte(':')
			if err := appendJSON(buf, x[k]); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
	case contacts:
		return x.appendJSON(buf)
	case []any:
		buf.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := appendJSON(buf, e); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
	default: // numbers of other types, json.Number, structs, typed slices: rare
		b, err := json.Marshal(x)
		if err != nil {
			return err
		}
		buf.Write(b)
	}
	return nil
}

// appendString writes s as json.Marshal does; text that needs no escaping
// (printable ASCII other than " \ < > &) is copied as it is.
func appendString(buf *bytes.Buffer, s string) error {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			b, err := json.Marshal(s)
			buf.Write(b)
			return err
		}
	}
	buf.WriteByte('"')
	buf.WriteString(s)
	buf.WriteByte('"')
	return nil
}
