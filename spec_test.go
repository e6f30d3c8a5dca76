package capsule_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/capsulecrm-go/capsule/capsuletest"
	"github.com/capsulecrm-go/capsule/internal/genspec"
)

// documentedOperations is the number of distinct (method, path) operations
// of Capsule's v2 docs: 136 routes in the SDK's doc lines, less the 9 saved
// filter routes marked undocumented ({xIds} routes share the path of {xId}).
const documentedOperations = 127

type specOp struct {
	Method, Path string
	Op           map[string]any
}

func loadSpec(t *testing.T) (map[string]any, []specOp) {
	t.Helper()
	b, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	var ops []specOp
	for path, item := range doc["paths"].(map[string]any) {
		for method, op := range item.(map[string]any) {
			ops = append(ops, specOp{strings.ToUpper(method), path, op.(map[string]any)})
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].Path+ops[i].Method < ops[j].Path+ops[j].Method })
	return doc, ops
}

// TestOpenAPIUpToDate keeps openapi.json what the generator makes of the
// SDK now, so the description cannot drift from the code.
func TestOpenAPIUpToDate(t *testing.T) {
	t.Parallel()
	want, err := genspec.Build(".")
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("openapi.json is stale: run go generate ./... and commit the result")
	}
}

// TestOpenAPIOperations counts the operations and finds each in the README's
// Coverage table: its service's row names the path's first literal segment
// and every SDK method that calls it.
func TestOpenAPIOperations(t *testing.T) {
	t.Parallel()
	_, ops := loadSpec(t)
	documented := 0
	for _, o := range ops {
		if o.Op["x-undocumented"] != true {
			documented++
		}
	}
	if documented != documentedOperations || len(ops) != documentedOperations+9 {
		t.Errorf("%d operations, %d documented; want %d documented and 9 undocumented", len(ops), documented, documentedOperations)
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(readme), "\n## Coverage\n")
	if !ok {
		t.Fatal("README.md has no Coverage section")
	}
	table, _, _ = strings.Cut(table, "\n## ")
	rows := map[string][2]string{} // service → methods, paths
	for _, line := range strings.Split(table, "\n") {
		cells := strings.Split(strings.ReplaceAll(line, `\|`, "/"), "|")
		if len(cells) != 5 {
			continue
		}
		for _, svc := range regexp.MustCompile("`(\\w+)`").FindAllStringSubmatch(cells[1], -1) {
			rows[svc[1]] = [2]string{cells[2], cells[3]}
		}
	}
	for _, o := range ops {
		tag := o.Op["tags"].([]any)[0].(string)
		row, ok := rows[tag]
		if !ok {
			t.Errorf("%s %s: README's Coverage table has no row for %s", o.Method, o.Path, tag)
			continue
		}
		seg := regexp.MustCompile(`/([a-z]+)`).FindStringSubmatch(o.Path)[1]
		if !strings.Contains(row[1], seg) {
			t.Errorf("%s %s: Coverage row %s does not name %q in its paths %q", o.Method, o.Path, tag, seg, row[1])
		}
		for _, m := range o.Op["x-sdk-methods"].([]any) {
			name := strings.TrimSuffix(strings.SplitN(m.(string), ".", 2)[1], "Iter")
			if !regexp.MustCompile(`\b` + name + `\b`).MatchString(row[0]) {
				t.Errorf("%s %s: Coverage row %s does not list method %s", o.Method, o.Path, tag, name)
			}
		}
	}
}

// TestOpenAPIRoutedByFake sends every operation to capsuletest and fails on
// the router's own answers: 405 for a known path with another verb, and 404
// for an unknown path. A handler's 404 (no such record) is told from the
// router's by sending PATCH, which no route has, to the same path: only a
// routed path answers it 405. Every JSON answer must match the operation's
// response schema with no key the schema lacks: the fake and the SDK agree
// on the wire.
func TestOpenAPIRoutedByFake(t *testing.T) {
	t.Parallel()
	doc, ops := loadSpec(t)
	srv := capsuletest.NewServer(capsuletest.WithSeed(5))
	t.Cleanup(srv.Close)
	send := func(method, path, token string, body io.Reader) (int, string) {
		req, err := http.NewRequest(method, srv.BaseURL+path, body)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	ids := seededIDs{doc: doc, t: t, ids: map[string]string{},
		get: func(path string) (int, string) { return send("GET", path, srv.Token, nil) }}
	extras := map[string]bool{}
	// Deletes go last so that every other operation finds its record.
	slices.SortStableFunc(ops, func(a, b specOp) int { return boolInt(a.Method == "DELETE") - boolInt(b.Method == "DELETE") })
	for _, o := range ops {
		path := ids.fill(o.Path)
		token := srv.Token
		if strings.HasPrefix(path, "/resthooks") {
			token = srv.AppToken // only an OAuth application may manage REST hooks
		}
		var body io.Reader
		if key := requestKey(o.Op); key != "" {
			body = strings.NewReader(`{"` + key + `": {}}`)
		} else if o.Op["requestBody"] != nil {
			body = strings.NewReader("file content")
		}
		status, answer := send(o.Method, path, token, body)
		switch {
		case status == http.StatusMethodNotAllowed:
			t.Errorf("%s %s (%s): the fake has no route for this verb: %d %s", o.Method, o.Path, path, status, answer)
		case status == http.StatusNotFound:
			if probe, _ := send("PATCH", path, token, nil); probe != http.StatusMethodNotAllowed {
				t.Errorf("%s %s (%s): the fake has no route for this path: %d %s", o.Method, o.Path, path, status, answer)
			}
		case status == http.StatusBadRequest && strings.Contains(answer, "with key"):
			t.Errorf("%s %s: the fake wants another envelope key than %q: %s", o.Method, o.Path, requestKey(o.Op), answer)
		case status == http.StatusUnauthorized || status == http.StatusForbidden || status >= 500:
			t.Errorf("%s %s (%s): %d %s", o.Method, o.Path, path, status, answer)
		case status < 300:
			checkAnswer(t, doc, o, status, answer, extras)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(extras)) {
		t.Errorf("the fake answers with key %s, which the description does not have", k)
	}
}

// checkAnswer checks a JSON answer of the fake against the operation's
// response schema for its status, collecting the undescribed keys.
func checkAnswer(t *testing.T, doc map[string]any, o specOp, status int, answer string, extras map[string]bool) {
	t.Helper()
	resp, _ := o.Op["responses"].(map[string]any)[fmt.Sprint(status)].(map[string]any)
	content, _ := resp["content"].(map[string]any)
	js, ok := content["application/json"].(map[string]any)
	if !ok {
		return
	}
	var v any
	if err := json.Unmarshal([]byte(answer), &v); err != nil {
		t.Errorf("%s %s: answer is not JSON: %v", o.Method, o.Path, err)
		return
	}
	for _, e := range (validator{doc: doc, extras: extras}).check(v, js["schema"], "") {
		t.Errorf("%s %s: the fake's answer: %s", o.Method, o.Path, e)
	}
}

// requestKey is the envelope key of the operation's JSON request body, or "".
func requestKey(op map[string]any) string {
	rb, _ := op["requestBody"].(map[string]any)
	content, _ := rb["content"].(map[string]any)
	js, _ := content["application/json"].(map[string]any)
	schema, _ := js["schema"].(map[string]any)
	if req, ok := schema["required"].([]any); ok {
		return req[0].(string)
	}
	return ""
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// seededIDs fills a path template with seeded records: each {xId} becomes
// the id of the first record the list above it returns (GET /parties for
// /parties/{partyId}, GET /parties/tags for /parties/tags/{tagId}), using
// the envelope key the description gives that list, or 1 when there is no
// such list or it is empty; {entity} becomes parties.
type seededIDs struct {
	doc map[string]any
	t   *testing.T
	get func(path string) (int, string)
	ids map[string]string // concrete list path → first id
}

func (s seededIDs) fill(template string) string {
	var out, tmpl string
	for _, seg := range strings.Split(template, "/")[1:] {
		tmpl += "/" + seg
		switch {
		case seg == "{entity}":
			seg = "parties"
		case strings.HasPrefix(seg, "{"):
			seg = s.first(strings.TrimSuffix(tmpl, "/"+seg), out)
		}
		out += "/" + seg
	}
	return out
}

func (s seededIDs) first(tmpl, path string) string {
	if id, ok := s.ids[path]; ok {
		return id
	}
	s.ids[path] = "1"
	item, _ := s.doc["paths"].(map[string]any)[tmpl].(map[string]any)
	list, _ := item["get"].(map[string]any)
	responses, _ := list["responses"].(map[string]any)
	ok200, _ := responses["200"].(map[string]any)
	content, _ := ok200["content"].(map[string]any)
	js, _ := content["application/json"].(map[string]any)
	schema, _ := js["schema"].(map[string]any)
	if keys, _ := schema["required"].([]any); len(keys) > 0 {
		status, body := s.get(path)
		var page map[string][]struct{ ID json.Number }
		if err := json.Unmarshal([]byte(body), &page); status != http.StatusOK || err != nil {
			s.t.Fatalf("GET %s: %d %s", path, status, body)
		}
		if items := page[keys[0].(string)]; len(items) > 0 {
			s.ids[path] = items[0].ID.String()
			return s.ids[path]
		}
	}
	// An empty child list (a kase's parties): any record of that kind.
	if top := tmpl[strings.LastIndex(tmpl, "/"):]; top != tmpl {
		s.ids[path] = s.first(top, top)
	}
	return s.ids[path]
}

// fixtureOps maps the recorded and documented payloads in testdata to the
// operation and status whose response schema must describe them.
var fixtureOps = map[string]string{
	"activitytypes/icons.json":                 "GET /activitytypes/icons",
	"activitytypes/list.json":                  "GET /activitytypes",
	"activitytypes/show.json":                  "GET /activitytypes/{activityTypeId}",
	"boards/list.json":                         "GET /boards",
	"boards/show.json":                         "GET /boards/{boardId}",
	"categories/list.json":                     "GET /categories",
	"categories/show.json":                     "GET /categories/{categoryId}",
	"countries/list.json":                      "GET /countries",
	"currencies/list.json":                     "GET /currencies",
	"customfields/list.json":                   "GET /{entity}/fields/definitions",
	"customfields/live_kases_list.json":        "GET /{entity}/fields/definitions",
	"customfields/live_parties_list.json":      "GET /{entity}/fields/definitions",
	"customfields/live_kases_with_fields.json": "GET /kases",
	"customfields/show.json":                   "GET /{entity}/fields/definitions/{fieldId}",
	"entries/list.json":                        "GET /entries",
	"entries/show_note.json":                   "GET /entries/{entryId}",
	"jobs/show.json":                           "GET /jobs/{jobId}",
	"kases/deleted.json":                       "GET /kases/deleted",
	"kases/live_create.json":                   "POST /kases 201",
	"kases/live_first_page.json":               "GET /kases",
	"kases/show.json":                          "GET /kases/{kaseId}",
	"lostreasons/list.json":                    "GET /lostreasons",
	"lostreasons/show.json":                    "GET /lostreasons/{lostReasonId}",
	"milestones/list.json":                     "GET /milestones",
	"milestones/show.json":                     "GET /milestones/{milestoneId}",
	"opportunities/deleted.json":               "GET /opportunities/deleted",
	"opportunities/list.json":                  "GET /opportunities",
	"opportunities/show.json":                  "GET /opportunities/{opportunityId}",
	"parties/deleted.json":                     "GET /parties/deleted",
	"parties/live_first_page.json":             "GET /parties",
	"parties/live_last_page.json":              "GET /parties",
	"parties/show.json":                        "GET /parties/{partyId}",
	"pipelines/list.json":                      "GET /pipelines",
	"pipelines/show.json":                      "GET /pipelines/{pipelineId}",
	"resthooks/list.json":                      "GET /resthooks",
	"resthooks/show.json":                      "GET /resthooks/{restHookId}",
	"savedfilters/list.json":                   "GET /parties/filters",
	"savedfilters/show.json":                   "GET /parties/filters/{filterId}",
	"site/show.json":                           "GET /site",
	"stages/list.json":                         "GET /stages",
	"stages/show.json":                         "GET /stages/{stageId}",
	"tags/list.json":                           "GET /{entity}/tags",
	"tags/show.json":                           "GET /{entity}/tags/{tagId}",
	"tasks/unprocessable_live.json":            "POST /tasks default",
	"tasks/create_live.json":                   "POST /tasks 201",
	"tasks/list.json":                          "GET /tasks",
	"tasks/show.json":                          "GET /tasks/{taskId}",
	"teams/list.json":                          "GET /teams",
	"teams/show.json":                          "GET /teams/{teamId}",
	"titles/create.json":                       "POST /titles 201",
	"titles/list.json":                         "GET /titles",
	"trackdefinitions/list.json":               "GET /trackdefinitions",
	"trackdefinitions/show.json":               "GET /trackdefinitions/{trackDefinitionId}",
	"tracks/list_embedded.json":                "GET /kases/{kaseId}/tracks",
	"tracks/show.json":                         "GET /tracks/{trackId}",
	"users/list.json":                          "GET /users",
	"users/show.json":                          "GET /users/{userId}",
}

// undocumentedKeys are the keys the payloads carry that the SDK's models do
// not decode, so the description does not list them (JSON paths, array
// indexes dropped). A key not here and not described fails the test.
var undocumentedKeys = map[string]bool{
	// Keys of Capsule records the models have no field for.
	".board.status":          true, // a board's state; BoardListOptions.Status filters by it
	".kase.board":            true, // the board stub beside the stage
	".filter.createdAt":      true,
	".lostReasons[].deleted": true,
	".tasks[].repeatDetails": true, // the older form of "repeat", which Task.UnmarshalJSON reads
	// Keys neither the models nor the docs know, in the examples built
	// from the docs, there to prove that decoding ignores them.
	".tags[].colour":                                 true,
	".user.loggedIn":                                 true,
	".site.plan":                                     true,
	".activityTypes[].newKey":                        true,
	".categories[].other":                            true,
	".definition.somethingNew":                       true,
	".definitions[].unknownExtra":                    true,
	".entry.brandNew":                                true,
	".milestone.newField":                            true,
	".opportunity.anUnknownKey":                      true,
	".party.someFutureKey":                           true,
	".personTitles[].extra":                          true,
	".pipeline.unknown":                              true,
	".restHook.future":                               true,
	".stage.extra":                                   true,
	".task.somethingNew":                             true,
	".teams[].unknownKey":                            true,
	".track.unknownKey":                              true,
	".trackDefinition.taskDefinitions[].futureField": true,
	".user.somethingNew":                             true,
}

// TestOpenAPISchemasMatchPayloads checks every payload against its
// operation's response schema: each key it has is described (or listed in
// undocumentedKeys) and each value has a JSON type the schema allows.
func TestOpenAPISchemasMatchPayloads(t *testing.T) {
	t.Parallel()
	doc, _ := loadSpec(t)
	names, err := os.ReadDir("testdata")
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, dir := range names {
		files, _ := os.ReadDir("testdata/" + dir.Name())
		// Webhook deliveries are not API answers, and values.json is a
		// fragment of a record (its fields), not a whole response.
		for _, f := range files {
			if name := dir.Name() + "/" + f.Name(); strings.HasSuffix(name, ".json") && fixtureOps[name] == "" &&
				dir.Name() != "webhooks" && name != "customfields/values.json" {
				t.Errorf("testdata/%s is not mapped to an operation in fixtureOps", name)
			}
		}
	}
	extras := map[string]bool{}
	for name, route := range fixtureOps {
		parts := strings.Fields(route)
		status := "200"
		if len(parts) == 3 {
			status = parts[2]
		}
		op, ok := doc["paths"].(map[string]any)[parts[1]].(map[string]any)[strings.ToLower(parts[0])].(map[string]any)
		if !ok {
			t.Errorf("%s: no operation %s", name, route)
			continue
		}
		resp, ok := op["responses"].(map[string]any)[status].(map[string]any)
		if ref, isRef := resp["$ref"].(string); isRef {
			resp, ok = doc["components"].(map[string]any)["responses"].(map[string]any)[strings.TrimPrefix(ref, "#/components/responses/")].(map[string]any)
		}
		if !ok {
			t.Errorf("%s: %s has no %s response", name, route, status)
			continue
		}
		schema := resp["content"].(map[string]any)["application/json"].(map[string]any)["schema"]
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		v2 := validator{doc: doc, extras: extras}
		for _, e := range v2.check(v, schema, "") {
			t.Errorf("%s (%s): %s", name, route, e)
		}
		seen++
	}
	var unlisted []string
	for k := range extras {
		if !undocumentedKeys[k] {
			unlisted = append(unlisted, k)
		}
	}
	sort.Strings(unlisted)
	if len(unlisted) > 0 {
		t.Errorf("payload keys not in the description nor in undocumentedKeys:\n%s", strings.Join(unlisted, "\n"))
	}
	if seen < 50 {
		t.Errorf("checked %d payloads", seen)
	}
}

// validator checks a decoded JSON value against the subset of JSON Schema
// the generator emits: $ref, anyOf, oneOf, type, properties, items,
// additionalProperties and the date and date-time formats.
type validator struct {
	doc    map[string]any
	extras map[string]bool // keys not described, by schema-free path
}

func (v validator) check(val any, schema any, at string) []string {
	s, _ := schema.(map[string]any)
	if ref, ok := s["$ref"].(string); ok {
		name := strings.TrimPrefix(ref, "#/components/schemas/")
		return v.check(val, v.doc["components"].(map[string]any)["schemas"].(map[string]any)[name], at)
	}
	for _, key := range []string{"anyOf", "oneOf"} {
		alts, ok := s[key].([]any)
		if !ok {
			continue
		}
		var first []string
		for i, alt := range alts {
			trial := validator{doc: v.doc, extras: map[string]bool{}}
			errs := trial.check(val, alt, at)
			if len(errs) == 0 {
				for k := range trial.extras {
					v.extras[k] = true
				}
				return nil
			}
			if i == 0 {
				first = errs
			}
		}
		return append(first, fmt.Sprintf("%s: matches none of the %s alternatives", at, key))
	}
	if types := schemaTypes(s); len(types) > 0 && !slices.Contains(types, jsonType(val)) &&
		!(jsonType(val) == "integer" && slices.Contains(types, "number")) {
		return []string{fmt.Sprintf("%s: %s, want %v", at, jsonType(val), types)}
	}
	var errs []string
	switch x := val.(type) {
	case string:
		layout := map[string]string{"date-time": time.RFC3339, "date": time.DateOnly}[fmt.Sprint(s["format"])]
		if _, err := time.Parse(layout, x); layout != "" && err != nil {
			errs = append(errs, fmt.Sprintf("%s: %q is not a %s", at, x, s["format"]))
		}
	case map[string]any:
		props, hasProps := s["properties"].(map[string]any)
		for _, key := range slices.Sorted(func(yield func(string) bool) {
			for k := range x {
				if !yield(k) {
					return
				}
			}
		}) {
			switch {
			case props[key] != nil:
				errs = append(errs, v.check(x[key], props[key], at+"."+key)...)
			case s["additionalProperties"] != nil:
				errs = append(errs, v.check(x[key], s["additionalProperties"], at+"."+key)...)
			case hasProps:
				v.extras[at+"."+key] = true
			}
		}
	case []any:
		for _, item := range x {
			errs = append(errs, v.check(item, s["items"], at+"[]")...)
		}
	}
	return errs
}

func schemaTypes(s map[string]any) []string {
	switch t := s["type"].(type) {
	case string:
		return []string{t}
	case []any:
		out := make([]string, len(t))
		for i, x := range t {
			out[i] = x.(string)
		}
		return out
	}
	return nil
}

func jsonType(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case float64:
		if x == float64(int64(x)) {
			return "integer"
		}
		return "number"
	case []any:
		return "array"
	}
	return "object"
}
