// Package genspec builds the OpenAPI 3.1 description of the Capsule v2 API
// from the SDK's own source, so that the description cannot say anything
// the SDK does not do.
//
// It reads the root package with go/parser only (no go/types, no build):
//   - every exported method of a *XxxService whose doc comment ends with
//     "Capsule API docs: <url>" and "VERB /path" maps to that operation;
//   - a route line with a "(then ...)" remark composes several requests
//     (Changes, Ensure) and maps to none; "(undocumented ...)" marks an
//     operation Capsule serves but does not document (x-undocumented);
//   - a method without *Response among its results (iterators, change
//     feeds, ReadAll) or a later method on the same route (ReadMultiple,
//     Complete, Wait, Plan) is listed in x-sdk-methods of the operation
//     whose operationId the first method in source order names;
//   - {xIds} in a path is the same route as {xId} (one id, or up to ten
//     comma-separated ids), so the two are merged;
//   - schemas come from the json tags of the model structs, adjusted by a
//     spec:"nullable" or spec:"or-string" tag where Capsule sends null or a
//     numeric string that the Go type decodes anyway; envelope keys come
//     from the newEndpoint[T](client, path, one, many) calls.
package genspec

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Server is the base URL of the Capsule v2 API.
const Server = "https://api.capsulecrm.com/api/v2"

var (
	docsRe  = regexp.MustCompile(`^Capsule API docs: (https://\S+)$`)
	routeRe = regexp.MustCompile(`^(GET|POST|PUT|DELETE) (/\S*)(?: \((.*)\))?$`)
	paramRe = regexp.MustCompile(`\{(\w+)\}`)
	idsRe   = regexp.MustCompile(`\{(\w+)Ids\}`)
)

// Operation is one (method, path) of the API and the SDK methods that call it.
type Operation struct {
	Method, Path  string
	Docs, Summary string
	Undocumented  bool
	Methods       []string // "Service.Method", the first names the operation
	primary       *ast.FuncDecl
	service       string
}

// ID is the operationId: "parties_readSingle" for Parties.ReadSingle.
func (o *Operation) ID() string {
	svc, m, _ := strings.Cut(o.Methods[0], ".")
	return lowerFirst(svc) + "_" + lowerFirst(m)
}

type pkg struct {
	types    map[string]*ast.TypeSpec
	one      map[string]string // model type → singular envelope key
	many     map[string]string // model type → plural envelope key
	services map[string]string // service name → first sentence of its doc
	ops      []*Operation
	schemas  map[string]any
}

// Parse reads the non-test Go files of dir and collects its operations,
// sorted by path then method.
func Parse(dir string) ([]*Operation, error) {
	p, err := load(dir)
	if err != nil {
		return nil, err
	}
	return p.ops, nil
}

func load(dir string) (*pkg, error) {
	fset := token.NewFileSet()
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err == nil && len(names) == 0 {
		err = fmt.Errorf("no Go files in %s", dir)
	}
	if err != nil {
		return nil, err
	}
	// Jobs.ReadSingle calls the client directly, with outKey "job".
	p := &pkg{types: map[string]*ast.TypeSpec{}, one: map[string]string{"Job": "job"}, many: map[string]string{},
		services: map[string]string{}, schemas: map[string]any{}}
	var funcs []*ast.FuncDecl
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
		if err != nil {
			return nil, err
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.GenDecl:
				for _, s := range d.Specs {
					if ts, ok := s.(*ast.TypeSpec); ok {
						p.types[ts.Name.Name] = ts
						if svc, ok := strings.CutSuffix(ts.Name.Name, "Service"); ok && ast.IsExported(svc) {
							doc := ts.Doc
							if doc == nil {
								doc = d.Doc
							}
							p.services[svc] = firstSentence(doc.Text())
						}
					}
				}
			case *ast.FuncDecl:
				funcs = append(funcs, d)
			}
		}
		ast.Inspect(f, p.endpointCall)
	}
	byRoute := map[string]*Operation{}
	for _, fn := range funcs {
		if err := p.addMethod(fset, fn, byRoute); err != nil {
			return nil, err
		}
	}
	sort.Slice(p.ops, func(i, j int) bool {
		a, b := p.ops[i], p.ops[j]
		return a.Path < b.Path || a.Path == b.Path && a.Method < b.Method
	})
	return p, nil
}

// endpointCall records the envelope keys of newEndpoint[T](c, path, one, many).
func (p *pkg) endpointCall(n ast.Node) bool {
	call, ok := n.(*ast.CallExpr)
	if !ok || len(call.Args) != 4 {
		return true
	}
	ix, ok := call.Fun.(*ast.IndexExpr)
	if !ok || identName(ix.X) != "newEndpoint" {
		return true
	}
	model := identName(ix.Index)
	for i, m := range []map[string]string{p.one, p.many} {
		if lit, ok := call.Args[2+i].(*ast.BasicLit); ok {
			if s, _ := strconv.Unquote(lit.Value); s != "" {
				m[model] = s
			}
		}
	}
	return true
}

func (p *pkg) addMethod(fset *token.FileSet, fn *ast.FuncDecl, byRoute map[string]*Operation) error {
	if fn.Recv == nil || len(fn.Recv.List) != 1 || !fn.Name.IsExported() || fn.Doc == nil {
		return nil
	}
	star, ok := fn.Recv.List[0].Type.(*ast.StarExpr)
	if !ok {
		return nil
	}
	svc, isSvc := strings.CutSuffix(identName(star.X), "Service")
	if !isSvc || !ast.IsExported(svc) {
		return nil
	}
	lines := strings.Split(strings.TrimSpace(fn.Doc.Text()), "\n")
	var docs, route []string
	if n := len(lines); n >= 2 {
		docs, route = docsRe.FindStringSubmatch(lines[n-2]), routeRe.FindStringSubmatch(lines[n-1])
	}
	if docs == nil || route == nil {
		return fmt.Errorf("%s: %s.%s: doc comment must end with the docs URL and VERB /path", fset.Position(fn.Pos()), svc, fn.Name.Name)
	}
	if strings.HasPrefix(route[3], "then ") {
		return nil // composes several requests
	}
	path := idsRe.ReplaceAllString(route[2], "{${1}Id}")
	key := route[1] + " " + path
	op := byRoute[key]
	if op == nil {
		op = &Operation{Method: route[1], Path: path, Docs: docs[1], service: svc}
		byRoute[key] = op
		p.ops = append(p.ops, op)
	}
	op.Undocumented = op.Undocumented || strings.HasPrefix(route[3], "undocumented")
	name := svc + "." + fn.Name.Name
	if op.primary == nil && returnsResponse(fn) {
		op.primary, op.Summary = fn, firstSentence(fn.Doc.Text())
		op.Methods = append([]string{name}, op.Methods...)
	} else {
		op.Methods = append(op.Methods, name)
	}
	return nil
}

func returnsResponse(fn *ast.FuncDecl) bool {
	if fn.Type.Results == nil {
		return false
	}
	for _, r := range fn.Type.Results.List {
		if s, ok := r.Type.(*ast.StarExpr); ok && identName(s.X) == "Response" {
			return true
		}
	}
	return false
}

// Build returns the OpenAPI document of the package in dir, indented, with a
// final newline.
func Build(dir string) ([]byte, error) {
	p, err := load(dir)
	if err != nil {
		return nil, err
	}
	paths := map[string]any{}
	var tags []any
	seen := map[string]bool{}
	for _, op := range p.ops {
		if op.primary == nil {
			return nil, fmt.Errorf("%s %s: only helper methods (%v), none returning *Response", op.Method, op.Path, op.Methods)
		}
		item, _ := paths[op.Path].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[op.Path] = item
		}
		item[strings.ToLower(op.Method)] = p.operation(op)
		if !seen[op.service] {
			seen[op.service] = true
			tags = append(tags, map[string]any{"name": op.service, "description": p.services[op.service]})
		}
	}
	sort.Slice(tags, func(i, j int) bool {
		return tags[i].(map[string]any)["name"].(string) < tags[j].(map[string]any)["name"].(string)
	})
	doc := map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":       "Capsule CRM API v2",
			"version":     "2",
			"description": "Generated by internal/cmd/genspec from the capsule-go SDK's source (go generate ./...); do not edit.",
		},
		"servers":  []any{map[string]any{"url": Server}},
		"security": []any{map[string]any{"bearer": []any{}}},
		"tags":     tags,
		"paths":    paths,
		"components": map[string]any{
			"schemas": p.schemas,
			"responses": map[string]any{"Error": map[string]any{
				"description": "A 4xx or 5xx answer; 422 lists the fields at fault, 429 says \"error\" instead of \"message\"",
				"content": jsonContent(object(map[string]any{"message": map[string]any{"type": "string"},
					"error": map[string]any{"type": "string"}, "errors": arrayOf(p.ref("FieldError"))})),
			}},
			"securitySchemes": map[string]any{"bearer": map[string]any{
				"type": "http", "scheme": "bearer",
				"description": "A personal access token or an OAuth2 access token.",
			}},
		},
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

func (p *pkg) operation(op *Operation) map[string]any {
	fn := op.primary
	o := map[string]any{
		"operationId":   op.ID(),
		"summary":       op.Summary,
		"tags":          []any{op.service},
		"externalDocs":  map[string]any{"url": op.Docs},
		"x-sdk-methods": op.Methods,
	}
	if op.Undocumented {
		o["x-undocumented"] = true
	}
	var params []any
	for _, m := range paramRe.FindAllStringSubmatch(op.Path, -1) {
		s := map[string]any{"type": "integer", "format": "int64"}
		switch {
		case m[1] == "entity":
			s = map[string]any{"type": "string", "enum": []any{"parties", "opportunities", "kases"}}
		case m[1] == "jobId":
			s = map[string]any{"type": "string"}
		case hasMethod(op, "ReadMultiple"):
			s = map[string]any{"type": "string", "pattern": `^[0-9]+(,[0-9]+){0,9}$`,
				"description": "one id, or up to ten comma-separated ids"}
		}
		params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": s})
	}
	var body string
	for _, f := range fn.Type.Params.List {
		t := f.Type
		if s, ok := t.(*ast.StarExpr); ok {
			t = s.X
		}
		name := identName(t)
		if sel, ok := t.(*ast.SelectorExpr); ok {
			name = identName(sel.X) + "." + sel.Sel.Name
		}
		for _, n := range f.Names {
			if n.Name == "q" {
				params = append(params, map[string]any{"name": "q", "in": "query", "required": true, "schema": map[string]any{"type": "string"}})
			}
		}
		switch {
		case strings.HasSuffix(name, "Options"):
			params = append(params, p.query(name)...)
		case name == "io.Reader":
			o["requestBody"] = map[string]any{"required": true, "content": binaryContent()}
		case p.types[name] != nil && name != "Entity":
			body = name
		}
	}
	if params != nil {
		o["parameters"] = params
	}
	res := fn.Type.Results.List
	var model string
	list := false
	if len(res) == 3 {
		t := res[0].Type
		if a, ok := t.(*ast.ArrayType); ok {
			t, list = a.Elt, true
		}
		if s, ok := t.(*ast.StarExpr); ok {
			t = s.X
		}
		model = identName(t)
	}
	if body != "" {
		key := p.one[model]
		if list || key == "" {
			key = lowerFirst(body)
		}
		o["requestBody"] = map[string]any{"required": true, "content": jsonContent(envelope(key, p.ref(body)))}
	}
	var schema any
	switch {
	case model == "Deleted":
		seg := strings.Split(op.Path, "/")[1]
		schema = object(map[string]any{seg: arrayOf(p.ref("DeletedRecord")),
			"restricted" + strings.ToUpper(seg[:1]) + seg[1:]: arrayOf(p.ref("RestrictedRecord"))})
	case model == "string" && op.Path == "/attachments/upload":
		schema = envelope("upload", object(map[string]any{"token": map[string]any{"type": "string"}}))
	case list && p.many[model] != "":
		schema = envelope(p.many[model], arrayOf(p.ref(model)))
		if hasMethod(op, "ReadMultiple") {
			schema = map[string]any{"oneOf": []any{envelope(p.one[model], p.ref(model)), schema}}
		}
	case model != "" && p.one[model] != "":
		schema = envelope(p.one[model], p.ref(model))
		if m := p.many[model]; hasMethod(op, "ReadMultiple") && m != "" {
			schema = map[string]any{"oneOf": []any{schema, envelope(m, arrayOf(p.ref(model)))}}
		}
	}
	responses := map[string]any{"default": map[string]any{"$ref": "#/components/responses/Error"}}
	o["responses"] = responses
	switch {
	case schema != nil:
		status := "200"
		if op.Method == "POST" && body != "" && !list {
			status = "201"
		}
		responses[status] = map[string]any{"description": "OK", "content": jsonContent(schema)}
	case op.Method == "GET" && strings.HasPrefix(op.Path, "/attachments/"):
		responses["200"] = map[string]any{"description": "The file", "content": binaryContent()}
	default:
		responses["204"] = map[string]any{"description": "No content"}
	}
	return o
}

func hasMethod(op *Operation, name string) bool {
	for _, m := range op.Methods {
		if strings.HasSuffix(m, "."+name) {
			return true
		}
	}
	return false
}

// query returns the query parameters of the options struct name, from its
// url tags and those of the structs it embeds.
func (p *pkg) query(name string) []any {
	ts := p.types[name]
	st, ok := ts.Type.(*ast.StructType)
	if !ok {
		return nil
	}
	var out []any
	for _, f := range st.Fields.List {
		if len(f.Names) == 0 {
			out = append(out, p.query(identName(f.Type))...)
			continue
		}
		pname, opts, _ := strings.Cut(reflect.StructTag(tagText(f)).Get("url"), ",")
		if pname == "-" && f.Names[0].Name == "Since" {
			pname = "since" // sent by the SDK itself, in UTC to the second
		}
		if pname == "" || pname == "-" {
			continue
		}
		s := p.schema(f.Type)
		if strings.Contains(opts, "comma") {
			s = map[string]any{"type": "string", "description": "comma-separated list"}
		}
		out = append(out, map[string]any{"name": pname, "in": "query", "schema": s})
	}
	return out
}

// ref returns a $ref to the component schema of the package type name,
// building the component on first use.
func (p *pkg) ref(name string) any {
	if _, done := p.schemas[name]; !done {
		p.schemas[name] = nil // breaks cycles (Party.Organisation)
		p.schemas[name] = p.typeSchema(p.types[name])
	}
	return map[string]any{"$ref": "#/components/schemas/" + name}
}

func (p *pkg) typeSchema(ts *ast.TypeSpec) any {
	switch ts.Name.Name {
	case "Date":
		return map[string]any{"type": "string", "format": "date"}
	case "TimeOfDay":
		return map[string]any{"type": "string", "pattern": "^[0-9]{2}:[0-9]{2}(:[0-9]{2})?$"}
	}
	st, ok := ts.Type.(*ast.StructType)
	if !ok {
		return p.schema(ts.Type)
	}
	props := map[string]any{}
	p.fields(st, props)
	return object(props)
}

func (p *pkg) fields(st *ast.StructType, props map[string]any) {
	for _, f := range st.Fields.List {
		name, _, _ := strings.Cut(reflect.StructTag(tagText(f)).Get("json"), ",")
		if name == "-" {
			continue
		}
		if len(f.Names) == 0 && name == "" {
			if emb, ok := p.types[identName(f.Type)].Type.(*ast.StructType); ok {
				p.fields(emb, props)
			}
			continue
		}
		if name == "" && len(f.Names) > 0 {
			if !f.Names[0].IsExported() {
				continue
			}
			name = f.Names[0].Name
		}
		s := p.schema(f.Type)
		// A spec tag says what the Go type cannot: that Capsule may send
		// null (decoded as the zero value) or the number as a string.
		for _, adj := range strings.Split(reflect.StructTag(tagText(f)).Get("spec"), ",") {
			switch adj {
			case "nullable":
				s = nullable(s)
			case "or-string":
				s = map[string]any{"type": []any{"integer", "string"}}
			}
		}
		props[name] = s
	}
}

// schema is the JSON Schema of a Go type expression of the package.
func (p *pkg) schema(e ast.Expr) any {
	switch t := e.(type) {
	case *ast.StarExpr:
		return nullable(p.schema(t.X))
	case *ast.IndexExpr: // Optional[T]
		return nullable(p.schema(t.Index))
	case *ast.ArrayType:
		return arrayOf(p.schema(t.Elt))
	case *ast.MapType:
		return map[string]any{"type": "object", "additionalProperties": p.schema(t.Value)}
	case *ast.SelectorExpr:
		switch identName(t.X) + "." + t.Sel.Name {
		case "time.Time":
			return map[string]any{"type": "string", "format": "date-time"}
		case "time.Duration":
			return map[string]any{"type": "integer"}
		}
		return map[string]any{} // json.RawMessage and other foreign types: any JSON
	case *ast.InterfaceType:
		return map[string]any{}
	case *ast.Ident:
		switch t.Name {
		case "string":
			return map[string]any{"type": "string"}
		case "bool":
			return map[string]any{"type": "boolean"}
		case "float32", "float64":
			return map[string]any{"type": "number"}
		case "any":
			return map[string]any{}
		}
		if strings.HasPrefix(t.Name, "int") || strings.HasPrefix(t.Name, "uint") {
			return map[string]any{"type": "integer"}
		}
		if p.types[t.Name] != nil {
			return p.ref(t.Name)
		}
	}
	return map[string]any{}
}

func nullable(s any) any {
	m, ok := s.(map[string]any)
	if typ, simple := m["type"].(string); ok && simple {
		c := map[string]any{}
		for k, v := range m {
			c[k] = v
		}
		c["type"] = []any{typ, "null"}
		return c
	}
	return map[string]any{"anyOf": []any{s, map[string]any{"type": "null"}}}
}

func object(props map[string]any) any {
	return map[string]any{"type": "object", "properties": props}
}

func arrayOf(s any) any { return map[string]any{"type": "array", "items": s} }

func envelope(key string, s any) any {
	return map[string]any{"type": "object", "required": []any{key}, "properties": map[string]any{key: s}}
}

func jsonContent(s any) any {
	return map[string]any{"application/json": map[string]any{"schema": s}}
}

// binaryContent is the content of an upload or a download: raw bytes.
func binaryContent() any {
	return map[string]any{"application/octet-stream": map[string]any{"schema": map[string]any{"type": "string", "format": "binary"}}}
}

// tagText is the unquoted struct tag of f.
func tagText(f *ast.Field) string {
	if f.Tag == nil {
		return ""
	}
	s, _ := strconv.Unquote(f.Tag.Value)
	return s
}

func identName(e ast.Expr) string {
	if id, ok := e.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// firstSentence is the doc text up to the first ". " or the end of the first
// paragraph, on one line.
func firstSentence(doc string) string {
	para, _, _ := strings.Cut(strings.TrimSpace(doc), "\n\n")
	para = strings.Join(strings.Fields(para), " ")
	if i := strings.Index(para, ". "); i >= 0 {
		return para[:i+1]
	}
	return para
}

// WriteFile writes the document of the package in dir to name.
func WriteFile(dir, name string) error {
	b, err := Build(dir)
	if err != nil {
		return err
	}
	return os.WriteFile(name, b, 0o644)
}
