package capsuletest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/capsulecrm-go/capsule/capsuletest"
)

// resp is a decoded response.
type resp struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

// req sends method path (relative to BaseURL unless it starts with http) with
// token (empty: no Authorization) and body (string JSON or nil).
func req(t *testing.T, srv *capsuletest.Server, method, path, token string, body any) resp {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		js, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(js)
	}
	url := path
	if !strings.HasPrefix(path, "http") {
		url = srv.BaseURL + path
	}
	r, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	if rd != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	res, err := srv.Client().Do(r)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	out := resp{status: res.StatusCode, header: res.Header, raw: raw}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out.body); err != nil {
			t.Fatalf("%s %s: body is not a JSON object: %v: %s", method, path, err, raw)
		}
		if ct := res.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s %s: Content-Type %q", method, path, ct)
		}
	}
	return out
}

// get is req with GET and the server's token.
func get(t *testing.T, srv *capsuletest.Server, path string) resp {
	t.Helper()
	return req(t, srv, "GET", path, srv.Token, nil)
}

func (r resp) want(t *testing.T, status int) resp {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.raw)
	}
	return r
}

// obj returns body[key] as an object.
func (r resp) obj(t *testing.T, key string) map[string]any {
	t.Helper()
	m, ok := r.body[key].(map[string]any)
	if !ok {
		t.Fatalf("body has no object %q: %s", key, r.raw)
	}
	return m
}

// list returns body[key] as an array of objects.
func (r resp) list(t *testing.T, key string) []map[string]any {
	t.Helper()
	a, ok := r.body[key].([]any)
	if !ok {
		t.Fatalf("body has no array %q: %s", key, r.raw)
	}
	out := make([]map[string]any, len(a))
	for i, e := range a {
		out[i], ok = e.(map[string]any)
		if !ok {
			t.Fatalf("%s[%d] is not an object", key, i)
		}
	}
	return out
}

func (r resp) message(t *testing.T) string {
	t.Helper()
	s, _ := r.body["message"].(string)
	return s
}

func id(t *testing.T, m map[string]any) int64 {
	t.Helper()
	f, ok := m["id"].(float64)
	if !ok {
		t.Fatalf("no numeric id in %v", m)
	}
	return int64(f)
}

func newServer(t *testing.T, opts ...capsuletest.Option) *capsuletest.Server {
	t.Helper()
	srv := capsuletest.NewServer(opts...)
	t.Cleanup(srv.Close)
	return srv
}
