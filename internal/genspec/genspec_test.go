package genspec

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParse(t *testing.T) {
	t.Parallel()
	ops, err := Parse("testdata/sdk")
	require.NoError(t, err)
	var got [][]any
	for _, o := range ops {
		got = append(got, []any{o.Method, o.Path, o.ID(), o.Methods, o.Undocumented})
	}
	// Sorted by path then verb; Sync ("then ...") is no operation; the
	// iterator and ReadMultiple join the operation their route names.
	assert.Equal(t, [][]any{
		{"POST", "/attachments/upload", "attachments_upload", []string{"Attachments.Upload"}, false},
		{"GET", "/attachments/{attachmentId}", "attachments_download", []string{"Attachments.Download"}, false},
		{"GET", "/widgets", "widgets_read", []string{"Widgets.Read", "Widgets.ReadIter"}, false},
		{"POST", "/widgets", "widgets_create", []string{"Widgets.Create"}, false},
		{"GET", "/widgets/deleted", "widgets_readDeleted", []string{"Widgets.ReadDeleted"}, false},
		{"GET", "/widgets/hidden", "widgets_hidden", []string{"Widgets.Hidden"}, true},
		{"GET", "/widgets/search", "widgets_search", []string{"Widgets.Search"}, false},
		{"DELETE", "/widgets/{widgetId}", "widgets_delete", []string{"Widgets.Delete"}, false},
		{"GET", "/widgets/{widgetId}", "widgets_readSingle", []string{"Widgets.ReadSingle", "Widgets.ReadMultiple"}, false},
	}, got)
	assert.Equal(t, "https://example.com/docs/Widget", ops[2].Docs)
	assert.Equal(t, "Read returns one page of widgets.", ops[2].Summary)
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	_, err := Parse("testdata/noroute")
	assert.ErrorContains(t, err, "Things.Read: doc comment must end with the docs URL and VERB /path")
	_, err = Build("testdata/onlyhelpers")
	assert.ErrorContains(t, err, "GET /things: only helper methods ([Things.ReadIter]), none returning *Response")
	_, err = Parse("testdata/missing")
	assert.Error(t, err)
}

// build returns the document of the test package, decoded.
func build(t *testing.T) map[string]any {
	t.Helper()
	b, err := Build("testdata/sdk")
	require.NoError(t, err)
	require.Equal(t, byte('\n'), b[len(b)-1])
	var doc map[string]any
	require.NoError(t, json.Unmarshal(b, &doc))
	return doc
}

// get walks doc along keys, failing when one is missing.
func get(t *testing.T, doc any, keys ...string) any {
	t.Helper()
	for _, k := range keys {
		m, ok := doc.(map[string]any)
		require.True(t, ok, "at %q: not an object: %v", k, doc)
		doc, ok = m[k]
		require.True(t, ok, "no key %q in %v", k, m)
	}
	return doc
}

func asJSON(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

func TestBuildDocument(t *testing.T) {
	t.Parallel()
	doc := build(t)
	assert.Equal(t, "3.1.0", doc["openapi"])
	assert.JSONEq(t, `[{"url":"https://api.capsulecrm.com/api/v2"}]`, asJSON(t, doc["servers"]))
	assert.JSONEq(t, `[{"bearer":[]}]`, asJSON(t, doc["security"]))
	assert.JSONEq(t, `{"type":"http","scheme":"bearer","description":"A personal access token or an OAuth2 access token."}`,
		asJSON(t, get(t, doc, "components", "securitySchemes", "bearer")))
	assert.JSONEq(t, `[{"name":"Attachments","description":"AttachmentsService moves files."},
		{"name":"Widgets","description":"WidgetsService calls the widget endpoints."}]`, asJSON(t, doc["tags"]))
	assert.Len(t, doc["paths"], 7)
}

func TestBuildOperations(t *testing.T) {
	t.Parallel()
	doc := build(t)
	read := get(t, doc, "paths", "/widgets", "get")
	assert.JSONEq(t, `{
		"operationId": "widgets_read", "summary": "Read returns one page of widgets.", "tags": ["Widgets"],
		"externalDocs": {"url": "https://example.com/docs/Widget"},
		"x-sdk-methods": ["Widgets.Read", "Widgets.ReadIter"],
		"parameters": [
			{"name": "page", "in": "query", "schema": {"type": "integer"}},
			{"name": "since", "in": "query", "schema": {"type": "string", "format": "date-time"}},
			{"name": "embed", "in": "query", "schema": {"type": "string", "description": "comma-separated list"}}
		],
		"responses": {"200": {"description": "OK", "content": {"application/json": {"schema":
			{"type": "object", "required": ["widgets"], "properties": {"widgets": {"type": "array", "items": {"$ref": "#/components/schemas/Widget"}}}}}}},
			"default": {"$ref": "#/components/responses/Error"}}
	}`, asJSON(t, read))
	assert.JSONEq(t, `[{"name": "q", "in": "query", "required": true, "schema": {"type": "string"}}]`,
		asJSON(t, get(t, doc, "paths", "/widgets/search", "get", "parameters")))
	create := get(t, doc, "paths", "/widgets", "post")
	assert.JSONEq(t, `{"required": true, "content": {"application/json": {"schema":
		{"type": "object", "required": ["widget"], "properties": {"widget": {"$ref": "#/components/schemas/WidgetInput"}}}}}}`,
		asJSON(t, get(t, create, "requestBody")))
	assert.Contains(t, get(t, create, "responses"), "201")
	assert.JSONEq(t, `{"204": {"description": "No content"}, "default": {"$ref": "#/components/responses/Error"}}`,
		asJSON(t, get(t, doc, "paths", "/widgets/{widgetId}", "delete", "responses")))
	assert.Equal(t, true, get(t, doc, "paths", "/widgets/hidden", "get", "x-undocumented"))
	assert.NotContains(t, read, "x-undocumented")

	single := get(t, doc, "paths", "/widgets/{widgetId}", "get")
	assert.JSONEq(t, `[{"name": "widgetId", "in": "path", "required": true, "schema":
		{"type": "string", "pattern": "^[0-9]+(,[0-9]+){0,9}$", "description": "one id, or up to ten comma-separated ids"}}]`,
		asJSON(t, get(t, single, "parameters")))
	assert.JSONEq(t, `{"oneOf": [
		{"type": "object", "required": ["widget"], "properties": {"widget": {"$ref": "#/components/schemas/Widget"}}},
		{"type": "object", "required": ["widgets"], "properties": {"widgets": {"type": "array", "items": {"$ref": "#/components/schemas/Widget"}}}}
	]}`, asJSON(t, get(t, single, "responses", "200", "content", "application/json", "schema")))
	assert.JSONEq(t, `[{"name": "widgetId", "in": "path", "required": true, "schema": {"type": "integer", "format": "int64"}}]`,
		asJSON(t, get(t, doc, "paths", "/widgets/{widgetId}", "delete", "parameters")))
}

// TestBuildSpecialAnswers covers the answers that are no model envelope:
// the deleted feed, the upload token, the file download.
func TestBuildSpecialAnswers(t *testing.T) {
	t.Parallel()
	doc := build(t)
	assert.JSONEq(t, `{"type": "object", "properties": {
		"widgets": {"type": "array", "items": {"$ref": "#/components/schemas/DeletedRecord"}},
		"restrictedWidgets": {"type": "array", "items": {"$ref": "#/components/schemas/RestrictedRecord"}}
	}}`, asJSON(t, get(t, doc, "paths", "/widgets/deleted", "get", "responses", "200", "content", "application/json", "schema")))
	upload := get(t, doc, "paths", "/attachments/upload", "post")
	assert.JSONEq(t, `{"required": true, "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}`,
		asJSON(t, get(t, upload, "requestBody")))
	assert.JSONEq(t, `{"type": "object", "required": ["upload"], "properties": {"upload": {"type": "object", "properties": {"token": {"type": "string"}}}}}`,
		asJSON(t, get(t, upload, "responses", "200", "content", "application/json", "schema")))
	assert.JSONEq(t, `{"schema": {"type": "string", "format": "binary"}}`,
		asJSON(t, get(t, doc, "paths", "/attachments/{attachmentId}", "get", "responses", "200", "content", "application/octet-stream")))
}

func TestBuildSchemas(t *testing.T) {
	t.Parallel()
	schemas := get(t, build(t), "components", "schemas")
	assert.JSONEq(t, `{"type": "object", "properties": {
		"id": {"type": "integer"},
		"createdAt": {"type": "string", "format": "date-time"},
		"name": {"type": ["string", "null"]},
		"size": {"type": ["integer", "string"]},
		"note": {"type": ["string", "null"]},
		"owner": {"anyOf": [{"$ref": "#/components/schemas/Widget"}, {"type": "null"}]},
		"dueOn": {"$ref": "#/components/schemas/Date"},
		"tags": {"type": "array", "items": {"type": "string"}},
		"extra": {},
		"ratio": {"type": "number"}
	}}`, asJSON(t, get(t, schemas, "Widget")))
	assert.JSONEq(t, `{"type": "string", "format": "date"}`, asJSON(t, get(t, schemas, "Date")))
	assert.JSONEq(t, `{"type": "object", "properties": {"name": {"type": ["string", "null"]}}}`, asJSON(t, get(t, schemas, "WidgetInput")))
	assert.NotContains(t, schemas, "Base", "embedded structs are inlined")
	assert.JSONEq(t, `{"type": "object", "properties": {"message": {"type": "string"}}}`, asJSON(t, get(t, schemas, "FieldError")))
}

func TestWriteFile(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "openapi.json")
	require.NoError(t, WriteFile("testdata/sdk", out))
	got, err := os.ReadFile(out)
	require.NoError(t, err)
	want, err := Build("testdata/sdk")
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got))
	assert.Error(t, WriteFile("testdata/noroute", out))
	assert.Error(t, WriteFile("testdata/sdk", filepath.Join(out, "not-a-dir", "x.json")))
}
