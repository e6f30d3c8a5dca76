package capsuletest

import (
	"bytes"
	"slices"
	"strconv"
)

// contacts is how a party stores one of its contact collections
// (emailAddresses, phoneNumbers, addresses, websites): a party has about
// three such elements, and as maps of their few keys each cost some 330
// bytes of heap and the collector a walk through map buckets; as a slice of
// structs they cost a third. It renders byte for byte as the maps did.
type contacts []contact

// contact is one element: its id and its values in the order of kind.keys
// (the slot of "id" unused), null where nullBits has the slot's bit set.
type contact struct {
	id       int64
	kind     *contactKind
	vals     []string
	nullBits uint8
}

// contactKind is the key set of one contact collection, sorted as the
// encoder writes a map's keys.
type contactKind struct{ keys []string }

// contactKinds are the party keys stored as contacts, with the keys their
// elements always have (the validators fill absent ones with null).
var contactKinds = map[string]*contactKind{
	"emailAddresses": {keys: []string{"address", "id", "type"}},
	"phoneNumbers":   {keys: []string{"id", "number", "type"}},
	"addresses":      {keys: []string{"city", "country", "id", "state", "street", "type", "zip"}},
	"websites":       {keys: []string{"address", "id", "service", "type", "url"}},
}

// packContacts replaces the contact collections of rec stored as []any of
// maps with contacts. A collection it cannot represent exactly (another key
// set, a value that is not a string or null) stays as it is.
func packContacts(rec record) {
	for key, kind := range contactKinds {
		list, isList := rec[key].([]any)
		if !isList {
			continue
		}
		if packed, ok := kind.pack(list); ok {
			rec[key] = packed
		}
	}
}

func (k *contactKind) pack(list []any) (contacts, bool) {
	out := make(contacts, len(list))
	for i, it := range list {
		m, isMap := it.(map[string]any)
		if !isMap || len(m) != len(k.keys) {
			return nil, false
		}
		c := contact{kind: k, vals: make([]string, len(k.keys))}
		for j, key := range k.keys {
			v, has := m[key]
			if !has {
				return nil, false
			}
			if key == "id" {
				id, isInt := v.(int64)
				if !isInt {
					return nil, false
				}
				c.id = id
				continue
			}
			switch s := v.(type) {
			case nil:
				c.nullBits |= 1 << j
			case string:
				c.vals[j] = s
			default:
				return nil, false
			}
		}
		out[i] = c
	}
	return out, true
}

// get is the value of key, as the map held it.
func (c *contact) get(key string) any {
	if key == "id" {
		return c.id
	}
	j := slices.Index(c.kind.keys, key)
	if j < 0 || c.nullBits&(1<<j) != 0 {
		return nil
	}
	return c.vals[j]
}

// record is the element as a map (a fresh one: changing it changes nothing stored).
func (c *contact) record() record {
	m := make(record, len(c.kind.keys))
	for _, key := range c.kind.keys {
		m[key] = c.get(key)
	}
	return m
}

// unpack is cs as the []any of maps it was packed from.
func (cs contacts) unpack() []any {
	out := make([]any, len(cs))
	for i := range cs {
		out[i] = cs[i].record()
	}
	return out
}

// appendJSON writes cs as appendJSON writes the maps it was packed from.
func (cs contacts) appendJSON(buf *bytes.Buffer) error {
	buf.WriteByte('[')
	for i := range cs {
		if i > 0 {
			buf.WriteByte(',')
		}
		c := &cs[i]
		buf.WriteByte('{')
		for j, key := range c.kind.keys {
			if j > 0 {
				buf.WriteByte(',')
			}
			buf.WriteByte('"')
			buf.WriteString(key) // plain ASCII
			buf.WriteString(`":`)
			switch {
			case key == "id":
				buf.WriteString(strconv.FormatInt(c.id, 10))
			case c.nullBits&(1<<j) != 0:
				buf.WriteString("null")
			default:
				if err := appendString(buf, c.vals[j]); err != nil {
					return err
				}
			}
		}
		buf.WriteByte('}')
	}
	buf.WriteByte(']')
	return nil
}

// MarshalJSON is for encoding/json (hook payloads): the same bytes as appendJSON.
func (cs contacts) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	err := cs.appendJSON(&buf)
	return buf.Bytes(), err
}

// contactList reads a stored contact collection as the []any of maps it
// holds (a copy when packed).
func contactList(v any) []any {
	if cs, isPacked := v.(contacts); isPacked {
		return cs.unpack()
	}
	list, _ := v.([]any)
	return list
}

// contactVals is the value of sub in each element of a stored contact
// collection, without unpacking it.
func contactVals(v any, sub string) []any {
	if cs, isPacked := v.(contacts); isPacked {
		out := make([]any, len(cs))
		for i := range cs {
			out[i] = cs[i].get(sub)
		}
		return out
	}
	var out []any
	for _, it := range anyList(v) {
		out = append(out, it[sub])
	}
	return out
}
