package grpcapi_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestOneErrorPath: errors become gRPC statuses in the interceptors alone;
// no handler maps an error by hand, so none can map it differently.
func TestOneErrorPath(t *testing.T) {
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	calls := 0
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for fn, pos := range callsTo(f, "toStatus") {
			calls++
			if fn != "statusUnary" && fn != "statusStream" {
				t.Errorf("%s: %s calls toStatus; return the error and let the interceptor map it", fset.Position(pos), fn)
			}
		}
	}
	if calls != 2 {
		t.Errorf("toStatus is called %d times; want once from each interceptor", calls)
	}
}

// callsTo yields, for each call to the function named callee in f, the
// top-level function it is in and where.
func callsTo(f *ast.File, callee string) func(yield func(string, token.Pos) bool) {
	return func(yield func(string, token.Pos) bool) {
		more := true
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || !more {
				continue
			}
			ast.Inspect(fn, func(n ast.Node) bool {
				if c, ok := n.(*ast.CallExpr); ok && more {
					if id, ok := c.Fun.(*ast.Ident); ok && id.Name == callee {
						more = yield(fn.Name.Name, c.Pos())
					}
				}
				return more
			})
		}
	}
}
