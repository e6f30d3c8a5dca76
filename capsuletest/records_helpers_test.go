package capsuletest_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/capsulecrm-go/capsule/capsuletest"
)

// recT bundles a server and a test for the record tests.
type recT struct {
	t   *testing.T
	srv *capsuletest.Server
}

func newRecT(t *testing.T, opts ...capsuletest.Option) *recT {
	t.Helper()
	return &recT{t: t, srv: newServer(t, opts...)}
}

func (r *recT) do(method, path string, body any) resp {
	r.t.Helper()
	return req(r.t, r.srv, method, path, r.srv.Token, body)
}

func (r *recT) get(path string) resp { r.t.Helper(); return r.do("GET", path, nil) }

// create POSTs {key: body} to path, wants 201 and returns the record.
func (r *recT) create(path, key string, body map[string]any) map[string]any {
	r.t.Helper()
	return r.do("POST", path, map[string]any{key: body}).want(r.t, 201).obj(r.t, key)
}

// update PUTs {key: body} to path, wants 200 and returns the record.
func (r *recT) update(path, key string, body map[string]any) map[string]any {
	r.t.Helper()
	return r.do("PUT", path, map[string]any{key: body}).want(r.t, 200).obj(r.t, key)
}

// person creates a person and returns its id.
func (r *recT) person(first, last string, extra ...map[string]any) int64 {
	r.t.Helper()
	b := map[string]any{"type": "person", "firstName": first, "lastName": last}
	for _, e := range extra {
		for k, v := range e {
			b[k] = v
		}
	}
	return id(r.t, r.create("/parties", "party", b))
}

// org creates an organisation and returns its id.
func (r *recT) org(name string) int64 {
	r.t.Helper()
	return id(r.t, r.create("/parties", "party", map[string]any{"type": "organisation", "name": name}))
}

// opp creates an opportunity on party at milestone.
func (r *recT) opp(name string, party, milestone int64, extra ...map[string]any) map[string]any {
	r.t.Helper()
	b := map[string]any{"name": name, "party": map[string]any{"id": party}, "milestone": map[string]any{"id": milestone}}
	for _, e := range extra {
		for k, v := range e {
			b[k] = v
		}
	}
	return r.create("/opportunities", "opportunity", b)
}

// kase creates a kase on party.
func (r *recT) kase(name string, party int64, extra ...map[string]any) map[string]any {
	r.t.Helper()
	b := map[string]any{"name": name, "party": map[string]any{"id": party}}
	for _, e := range extra {
		for k, v := range e {
			b[k] = v
		}
	}
	return r.create("/kases", "kase", b)
}

// firstID returns the id of the first element of GET path's key array
// satisfying keep (nil: any).
func (r *recT) firstID(path, key string, keep func(map[string]any) bool) int64 {
	r.t.Helper()
	for _, it := range r.get(path).want(r.t, 200).list(r.t, key) {
		if keep == nil || keep(it) {
			return id(r.t, it)
		}
	}
	r.t.Fatalf("no matching item in %s", path)
	return 0
}

// milestoneID finds a milestone of the first pipeline by name.
func (r *recT) milestoneID(name string) int64 {
	r.t.Helper()
	return r.firstID("/milestones", "milestones", func(m map[string]any) bool { return m["name"] == name })
}

// wantErrors checks a 422 body's errors exactly (message, resource, field).
func wantErrors(t *testing.T, rs resp, want ...string) {
	t.Helper()
	rs.want(t, 422)
	if rs.message(t) != "Validation Failed" {
		t.Fatalf("message %q: %s", rs.message(t), rs.raw)
	}
	var got []string
	errs, _ := rs.body["errors"].([]any)
	for _, e := range errs {
		m := e.(map[string]any)
		got = append(got, fmt.Sprintf("%v|%v|%v", m["message"], m["resource"], m["field"]))
	}
	if strings.Join(got, ";") != strings.Join(want, ";") {
		t.Fatalf("errors %q, want %q", got, want)
	}
}

// keys returns the sorted key set of m as a comma list.
func keysOf(m map[string]any) string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sortStrings(ks)
	return strings.Join(ks, ",")
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func ids(t *testing.T, items []map[string]any) []int64 {
	t.Helper()
	out := make([]int64, len(items))
	for i, it := range items {
		out[i] = id(t, it)
	}
	return out
}

func jsonStr(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
