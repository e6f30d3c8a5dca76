package capsuletest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"time"
)

// Save and Load: the whole store as JSON, so a fake survives a restart
// (capsule-fake -state) and a CLI keeps its changes between commands.
//
// Stored values keep Go types JSON has no word for (int64 ids, idRef,
// []int64, []fieldVal, []byte, restrictions), so every value that is not a
// string, a boolean or null is written as a one-key object naming its
// type: {"int": "42"}, {"ref": "7"}, {"map": {...}}, {"list": [...]}, ...

// stateVersion is written in the file; Load refuses others.
const stateVersion = 1

type savedState struct {
	Version       int                        `json:"version"`
	Collections   map[string]savedCollection `json:"collections"`
	Singletons    map[string]any             `json:"singletons"`
	Tokens        map[string]savedToken      `json:"tokens"`
	RefreshTokens map[string]savedGrant      `json:"refreshTokens"`
	Refreshes     int                        `json:"refreshes"`
	CurrentUser   int64                      `json:"currentUser"`
	NormalUser    int64                      `json:"normalUser"`
	NestedSeq     int64                      `json:"nestedSeq"`
	Jobs          map[string]any             `json:"jobs"`
	Clock         savedClock                 `json:"clock"`
	Deliveries    []Delivery                 `json:"deliveries"`
}

type savedCollection struct {
	Next      int64           `json:"next"`
	Records   []any           `json:"records"`
	Deletions []savedDeletion `json:"deletions,omitempty"`
}

type savedDeletion struct {
	ID int64     `json:"id"`
	At time.Time `json:"at"`
}

type savedToken struct {
	User      int64     `json:"user"`
	ReadOnly  bool      `json:"readOnly,omitempty"`
	ExpiresAt time.Time `json:"expiresAt,omitzero"`
	Scope     string    `json:"scope"`
	ClientID  string    `json:"clientId,omitempty"`
}

type savedGrant struct {
	ClientID string `json:"clientId"`
	Scope    string `json:"scope"`
	User     int64  `json:"user"`
}

// savedClock is the fake's clock: frozen at Now when Manual, else the
// machine's clock moved by Shift.
type savedClock struct {
	Manual bool          `json:"manual"`
	Now    time.Time     `json:"now,omitzero"`
	Shift  time.Duration `json:"shift"`
}

// Save writes the whole store (records of every resource with their id
// counters, custom field and tag definitions, REST hooks and their
// deliveries, tokens, the clock) to w as JSON. Pending OAuth authorization
// codes and rate-limit budgets are not saved.
func (s *Server) Save(w io.Writer) error { return s.f.save(w) }

// Load replaces the store with one written by Save; the saved tokens are
// added to the server's own (Token, AppToken, UserToken stay valid). On an
// error the store is unchanged.
func (s *Server) Load(r io.Reader) error { return s.f.load(r) }

func (f *fake) save(w io.Writer) error {
	f.mu.Lock()
	st := savedState{
		Version: stateVersion, Collections: map[string]savedCollection{}, Singletons: map[string]any{},
		Tokens: map[string]savedToken{}, RefreshTokens: map[string]savedGrant{}, Refreshes: f.refreshes,
		CurrentUser: f.currentUser, NormalUser: f.normalUser, NestedSeq: f.nestedSeq, Jobs: map[string]any{},
		Clock: savedClock{Manual: f.manual, Now: f.manualNow, Shift: f.clockShift},
	}
	err := func() error {
		for name, c := range f.colls {
			sc := savedCollection{Next: c.next, Records: make([]any, 0, len(c.order))}
			for _, r := range c.all() {
				v, err := encodeValue(r)
				if err != nil {
					return fmt.Errorf("capsuletest: save %s %v: %w", name, r["id"], err)
				}
				sc.Records = append(sc.Records, v)
			}
			for _, d := range c.deletions {
				sc.Deletions = append(sc.Deletions, savedDeletion{ID: d.id, At: d.at})
			}
			st.Collections[name] = sc
		}
		for _, m := range []struct {
			src map[string]record
			dst map[string]any
		}{{f.singletons, st.Singletons}, {f.jobs, st.Jobs}} {
			for k, r := range m.src {
				v, err := encodeValue(r)
				if err != nil {
					return fmt.Errorf("capsuletest: save %s: %w", k, err)
				}
				m.dst[k] = v
			}
		}
		return nil
	}()
	for k, t := range f.tokens {
		st.Tokens[k] = savedToken{User: t.user, ReadOnly: t.readOnly, ExpiresAt: t.expiresAt, Scope: t.scope, ClientID: t.clientID}
	}
	for k, g := range f.refreshTokens {
		st.RefreshTokens[k] = savedGrant{ClientID: g.clientID, Scope: g.scope, User: g.user}
	}
	f.mu.Unlock()
	if err != nil {
		return err
	}
	st.Deliveries = f.deliveries()
	enc := json.NewEncoder(w)
	return enc.Encode(st)
}

func (f *fake) load(r io.Reader) error {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	var st savedState
	if err := dec.Decode(&st); err != nil {
		return fmt.Errorf("capsuletest: load: %w", err)
	}
	if st.Version != stateVersion {
		return fmt.Errorf("capsuletest: load: state version %d, want %d", st.Version, stateVersion)
	}
	colls := map[string][]record{}
	for name, sc := range st.Collections {
		if f.colls[name] == nil {
			return fmt.Errorf("capsuletest: load: unknown collection %q", name)
		}
		for _, raw := range sc.Records {
			v, err := decodeValue(raw)
			rec, isRec := v.(record)
			if err == nil && !isRec {
				err = fmt.Errorf("not a record")
			}
			if _, hasID := rec["id"].(int64); err == nil && !hasID {
				err = fmt.Errorf("record without an id")
			}
			if err != nil {
				return fmt.Errorf("capsuletest: load %s: %w", name, err)
			}
			colls[name] = append(colls[name], rec)
		}
	}
	singletons, jobs := map[string]record{}, map[string]record{}
	for _, m := range []struct {
		src map[string]any
		dst map[string]record
	}{{st.Singletons, singletons}, {st.Jobs, jobs}} {
		for k, raw := range m.src {
			v, err := decodeValue(raw)
			rec, isRec := v.(record)
			if err != nil || !isRec {
				return fmt.Errorf("capsuletest: load %s: not a record (%v)", k, err)
			}
			m.dst[k] = rec
		}
	}

	f.mu.Lock()
	for name, c := range f.colls {
		sc, saved := st.Collections[name]
		fresh := c.emptied()
		if saved {
			fresh.next = sc.Next
		}
		for _, rec := range colls[name] {
			fresh.put(rec)
		}
		for _, d := range sc.Deletions {
			fresh.deletions = append(fresh.deletions, deletion{id: d.ID, at: d.At})
		}
		*c = *fresh
	}
	f.singletons, f.jobs = singletons, jobs
	for k, t := range st.Tokens { // added to the server's own
		f.tokens[k] = &token{user: t.User, readOnly: t.ReadOnly, expiresAt: t.ExpiresAt, scope: t.Scope, clientID: t.ClientID}
	}
	f.refreshTokens = map[string]*refreshGrant{}
	for k, g := range st.RefreshTokens {
		f.refreshTokens[k] = &refreshGrant{clientID: g.ClientID, scope: g.Scope, user: g.User}
	}
	f.codes = map[string]*authCode{}
	f.refreshes = st.Refreshes
	f.currentUser, f.normalUser, f.nestedSeq = st.CurrentUser, st.NormalUser, st.NestedSeq
	f.manual, f.manualNow, f.clockShift = st.Clock.Manual, st.Clock.Now, st.Clock.Shift
	f.buckets = map[string]*bucket{}
	f.mu.Unlock()
	f.setDeliveries(st.Deliveries)
	return nil
}

// encodeValue turns a stored value into its tagged JSON form.
func encodeValue(v any) (any, error) {
	switch x := v.(type) {
	case nil, string, bool:
		return x, nil
	case int64:
		return map[string]any{"int": strconv.FormatInt(x, 10)}, nil
	case int:
		return map[string]any{"int": strconv.Itoa(x)}, nil
	case float64:
		return map[string]any{"float": x}, nil
	case json.Number:
		return map[string]any{"number": string(x)}, nil
	case idRef:
		return map[string]any{"ref": strconv.FormatInt(int64(x), 10)}, nil
	case []byte:
		return map[string]any{"bytes": base64.StdEncoding.EncodeToString(x)}, nil
	case []int64:
		out := make([]string, len(x))
		for i, n := range x {
			out[i] = strconv.FormatInt(n, 10)
		}
		return map[string]any{"ids": out}, nil
	case []fieldVal:
		out := make([]any, len(x))
		for i, fv := range x {
			val, err := encodeValue(fv.value)
			if err != nil {
				return nil, err
			}
			out[i] = map[string]any{"id": strconv.FormatInt(fv.id, 10), "def": strconv.FormatInt(fv.def, 10), "value": val}
		}
		return map[string]any{"fields": out}, nil
	case *restriction:
		tokens := []string(nil)
		if x.tokens != nil {
			tokens = slices.Sorted(maps.Keys(x.tokens))
		}
		return map[string]any{"restricted": map[string]any{"at": x.at.Format(time.RFC3339Nano), "tokens": tokens}}, nil
	case contacts: // saved as the maps it was packed from
		return encodeValue(x.unpack())
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			ev, err := encodeValue(e)
			if err != nil {
				return nil, err
			}
			out[i] = ev
		}
		return map[string]any{"list": out}, nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			ev, err := encodeValue(e)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			out[k] = ev
		}
		return map[string]any{"map": out}, nil
	}
	return nil, fmt.Errorf("cannot save a %T", v)
}

// decodeValue reverses encodeValue on JSON decoded with UseNumber.
func decodeValue(raw any) (any, error) {
	switch x := raw.(type) {
	case nil, string, bool:
		return x, nil
	case map[string]any:
		if len(x) != 1 {
			return nil, fmt.Errorf("a tagged value has one key, not %d", len(x))
		}
		for tag, v := range x {
			return decodeTagged(tag, v)
		}
	}
	return nil, fmt.Errorf("unexpected %T", raw)
}

func decodeTagged(tag string, v any) (any, error) {
	s, _ := v.(string)
	switch tag {
	case "int":
		return strconv.ParseInt(s, 10, 64)
	case "float":
		n, ok := v.(json.Number)
		if !ok {
			return nil, fmt.Errorf("float: %v", v)
		}
		return n.Float64()
	case "number":
		return json.Number(s), nil
	case "ref":
		n, err := strconv.ParseInt(s, 10, 64)
		return idRef(n), err
	case "bytes":
		return base64.StdEncoding.DecodeString(s)
	case "ids":
		list, _ := v.([]any)
		out := make([]int64, len(list))
		for i, e := range list {
			es, _ := e.(string)
			n, err := strconv.ParseInt(es, 10, 64)
			if err != nil {
				return nil, err
			}
			out[i] = n
		}
		return out, nil
	case "fields":
		list, _ := v.([]any)
		out := make([]fieldVal, len(list))
		for i, e := range list {
			m, _ := e.(map[string]any)
			id, err1 := strconv.ParseInt(str(m["id"]), 10, 64)
			def, err2 := strconv.ParseInt(str(m["def"]), 10, 64)
			val, err3 := decodeValue(m["value"])
			if err := firstErr(err1, err2, err3); err != nil {
				return nil, fmt.Errorf("fields: %w", err)
			}
			out[i] = fieldVal{id: id, def: def, value: val}
		}
		return out, nil
	case "restricted":
		m, _ := v.(map[string]any)
		at, err := time.Parse(time.RFC3339Nano, str(m["at"]))
		if err != nil {
			return nil, err
		}
		r := &restriction{at: at}
		if list, isList := m["tokens"].([]any); isList {
			r.tokens = map[string]bool{}
			for _, t := range list {
				r.tokens[str(t)] = true
			}
		}
		return r, nil
	case "list":
		list, _ := v.([]any)
		out := make([]any, len(list))
		for i, e := range list {
			ev, err := decodeValue(e)
			if err != nil {
				return nil, err
			}
			out[i] = ev
		}
		return out, nil
	case "map":
		m, isMap := v.(map[string]any)
		if !isMap {
			return nil, fmt.Errorf("map: %T", v)
		}
		out := make(record, len(m))
		for k, e := range m {
			ev, err := decodeValue(e)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			out[k] = ev
		}
		return out, nil
	}
	return nil, fmt.Errorf("unknown value tag %q", tag)
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
