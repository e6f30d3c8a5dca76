package capsule

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// docsLine and routeLine are the two lines every service method's doc
// comment ends with: the Capsule docs page and the verb and path it calls.
var (
	docsLine  = regexp.MustCompile(`^Capsule API docs: https://developer\.capsulecrm\.com/\S+$`)
	routeLine = regexp.MustCompile(`^(GET|POST|PUT|DELETE) /\S*( \(.*\))?$`)
)

// TestDocComments keeps the packages documented: every exported name of
// capsule, capsuletest, the internal packages and the tool's engines (mirror,
// importer, columns) has a doc comment, and every exported method of a service ends its comment with
// the Capsule docs URL and the HTTP route.
func TestDocComments(t *testing.T) {
	t.Parallel()
	fset := token.NewFileSet()
	var files []string
	for _, dir := range []string{".", "capsuletest", "internal/linkheader", "internal/genspec", "internal/cmd/genspec",
		"cmd/capsule/mirror", "cmd/capsule/importer", "cmd/capsule/columns"} {
		matches, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, matches...)
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			switch d := decl.(type) {
			case *ast.FuncDecl:
				checkFunc(t, fset, d)
			case *ast.GenDecl:
				checkGen(t, fset, d)
			}
		}
	}
}

func checkFunc(t *testing.T, fset *token.FileSet, d *ast.FuncDecl) {
	if !d.Name.IsExported() {
		return
	}
	recv := ""
	if d.Recv != nil && len(d.Recv.List) == 1 {
		expr := d.Recv.List[0].Type
		if star, ok := expr.(*ast.StarExpr); ok {
			expr = star.X
		}
		if id, ok := expr.(*ast.Ident); ok {
			recv = id.Name
		}
		if recv != "" && !ast.IsExported(recv) {
			return
		}
	}
	where := fset.Position(d.Pos())
	if d.Doc == nil {
		t.Errorf("%s: %s%s has no doc comment", where, recvPrefix(recv), d.Name.Name)
		return
	}
	if !strings.HasSuffix(recv, "Service") {
		return
	}
	lines := strings.Split(strings.TrimSpace(d.Doc.Text()), "\n")
	if len(lines) < 2 || !docsLine.MatchString(lines[len(lines)-2]) || !routeLine.MatchString(lines[len(lines)-1]) {
		t.Errorf("%s: %s.%s: doc comment must end with \"Capsule API docs: <url>\" and \"VERB /path\", got %q",
			where, recv, d.Name.Name, lines[max(0, len(lines)-2):])
	}
}

func recvPrefix(recv string) string {
	if recv == "" {
		return ""
	}
	return recv + "."
}

func checkGen(t *testing.T, fset *token.FileSet, d *ast.GenDecl) {
	for _, spec := range d.Specs {
		switch s := spec.(type) {
		case *ast.TypeSpec:
			if s.Name.IsExported() && s.Doc == nil && d.Doc == nil {
				t.Errorf("%s: type %s has no doc comment", fset.Position(s.Pos()), s.Name.Name)
			}
		case *ast.ValueSpec:
			for _, n := range s.Names {
				if n.IsExported() && s.Doc == nil && d.Doc == nil && s.Comment == nil {
					t.Errorf("%s: %s has no doc comment", fset.Position(n.Pos()), n.Name)
				}
			}
		}
	}
}
