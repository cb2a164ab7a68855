package fundflow_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestOneRuleOnePlace keeps folded twins from growing back: each fact below
// once had copies that disagreed, and now has one home that the rest of
// the code calls.
func TestOneRuleOnePlace(t *testing.T) {
	homes := map[string]string{
		"time.LoadLocation": "internal/calendar", // calendar.London
		`"net/mail"`:        "internal/devtest",  // email.Valid is the rule; only the mail catcher parses mail
		`"reviewer:"`:       "internal/adapter/notify",
	}
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules" || d.Name() == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		found := func(what string, at token.Pos) {
			if !strings.HasPrefix(filepath.ToSlash(path), homes[what]+"/") {
				t.Errorf("%s: %s belongs in %s only", fset.Position(at), what, homes[what])
			}
		}
		for _, imp := range f.Imports {
			if imp.Path.Value == `"net/mail"` {
				found(`"net/mail"`, imp.Pos())
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.SelectorExpr:
				if x, ok := n.X.(*ast.Ident); ok && x.Name == "time" && n.Sel.Name == "LoadLocation" {
					found("time.LoadLocation", n.Pos())
				}
			case *ast.BasicLit:
				if s, err := strconv.Unquote(n.Value); err == nil && n.Kind == token.STRING && s == "reviewer:" {
					found(`"reviewer:"`, n.Pos())
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
