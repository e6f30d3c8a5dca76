package capsuletest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// reply is a complete response, built (and JSON-encoded) while the store lock is
// held and written after it is released.
type reply struct {
	status int
	header http.Header
	body   []byte
}

func (rp *reply) write(w http.ResponseWriter) {
	for k, v := range rp.header {
		w.Header()[k] = v
	}
	if rp.body != nil {
		if rp.header.Get("Content-Type") == "" { // raw replies (attachments) set their own
			w.Header().Set("Content-Type", "application/json")
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(rp.body)))
	}
	w.WriteHeader(rp.status)
	if rp.body != nil {
		_, _ = w.Write(rp.body)
	}
}

// replyBuffers are reused to encode replies: a page is some 200 KB, and
// growing a fresh buffer to it makes twice that in garbage.
var replyBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// jsonReply encodes v at once (so later store changes cannot race with it).
func jsonReply(status int, v any) *reply {
	buf := replyBuffers.Get().(*bytes.Buffer)
	buf.Reset()
	err := appendJSON(buf, v)
	b := bytes.Clone(buf.Bytes())
	replyBuffers.Put(buf)
	if err != nil {
		b, _ = json.Marshal(map[string]any{"message": "encoding response: " + err.Error()})
		status = http.StatusInternalServerError
	}
	return &reply{status: status, header: http.Header{}, body: b}
}

// errReply is {"message": msg} with status.
func errReply(status int, msg string) *reply {
	return jsonReply(status, map[string]any{"message": msg})
}

// notFound is Capsule's 404 body.
func notFound() *reply { return errReply(http.StatusNotFound, "Could not find resource") }

// noContent is an empty 204.
func noContent() *reply { return &reply{status: http.StatusNoContent, header: http.Header{}} }

// ok wraps v as {key: v} with 200.
func ok(key string, v any) *reply { return jsonReply(http.StatusOK, map[string]any{key: v}) }

// fieldError is one element of a 422 body's errors array.
type fieldError struct {
	Message  string `json:"message"`
	Resource string `json:"resource"`
	Field    string `json:"field"`
}

// fieldErr builds a fieldError whose message is "<field> <problem>".
func fieldErr(resource, field, problem string) fieldError {
	return fieldError{Message: field + " " + problem, Resource: resource, Field: field}
}

// validationFailed is the 422 {"message":"Validation Failed","errors":[...]} body.
func validationFailed(errs ...fieldError) *reply {
	if errs == nil {
		errs = []fieldError{}
	}
	return jsonReply(http.StatusUnprocessableEntity, map[string]any{"message": "Validation Failed", "errors": errs})
}

// call ---------------------------------------------------------------------------

// call is one API request being served. Handlers run with f.mu held.
type call struct {
	f      *fake
	r      *http.Request
	params map[string]string
	tok    *token
	token  string // the bearer token presented ("" for internal calls)
	user   int64  // id of the user owning the token
	query  url.Values
	body   []byte
	now    time.Time // request time, UTC, whole seconds
}

func (c *call) readBody(limit int64) *reply {
	if c.r.Body == nil {
		return nil
	}
	b, err := io.ReadAll(io.LimitReader(c.r.Body, limit+1))
	if err != nil {
		return errReply(http.StatusBadRequest, "could not read request body")
	}
	if int64(len(b)) > limit {
		return errReply(http.StatusRequestEntityTooLarge, fmt.Sprintf("request body larger than %d bytes", limit))
	}
	c.body = b
	return nil
}

// param returns a path parameter.
func (c *call) param(name string) string { return c.params[name] }

// idParam parses a path parameter as a positive int64 id.
func (c *call) idParam(name string) (int64, bool) { return parseID(c.params[name]) }

func parseID(s string) (int64, bool) {
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil
}

// decode parses the body as {key: {...}} and returns the inner object. Malformed
// JSON, a non-object body or a missing/non-object key answer 400.
func (c *call) decode(key string) (record, *reply) {
	if len(bytes.TrimSpace(c.body)) == 0 {
		return nil, errReply(http.StatusBadRequest, fmt.Sprintf("request body must be a JSON object with key %q", key))
	}
	dec := json.NewDecoder(bytes.NewReader(c.body))
	dec.UseNumber()
	var env map[string]any
	if err := dec.Decode(&env); err != nil {
		return nil, errReply(http.StatusBadRequest, "Invalid JSON: "+err.Error())
	}
	if dec.More() {
		return nil, errReply(http.StatusBadRequest, "Invalid JSON: trailing data after the object")
	}
	inner, ok := env[key].(map[string]any)
	if !ok {
		return nil, errReply(http.StatusBadRequest, fmt.Sprintf("request body must be a JSON object with key %q holding an object", key))
	}
	return inner, nil
}

// embeds returns the set of values of the embed query parameter.
func (c *call) embeds() map[string]bool {
	out := map[string]bool{}
	for _, v := range c.query["embed"] {
		for _, e := range strings.Split(v, ",") {
			if e = strings.TrimSpace(e); e != "" {
				out[e] = true
			}
		}
	}
	return out
}

// baseURL is the absolute API root as seen by the caller (scheme + Host + /api/v2).
func (c *call) baseURL() string {
	scheme := "http"
	if c.r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + c.r.Host + APIPrefix
}

// created answers 201 with {key: v} and Location = base URL + path.
func (c *call) created(key, path string, v any) *reply {
	rp := jsonReply(http.StatusCreated, map[string]any{key: v})
	rp.header.Set("Location", c.baseURL()+path)
	return rp
}

// deleted answers a delete: 204, or with WithAsyncDeletes and async true, 202 +
// Location of a completed job whose action is action (e.g. "Deleting Tag").
func (c *call) deleted(async bool, action string) *reply {
	if !async || !c.f.cfg.asyncDeletes {
		return noContent()
	}
	id := c.f.newJob(action)
	return &reply{status: http.StatusAccepted, header: http.Header{"Location": {c.baseURL() + "/jobs/" + id}}}
}
