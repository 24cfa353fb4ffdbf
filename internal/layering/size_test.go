package layering

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"strings"
	"testing"
)

// maxFunctionLines is the longest a function may be, from its func
// keyword to its closing brace: one a reader takes in whole, on one
// screen, without scrolling back to see what a variable held.
const maxFunctionLines = 70

// maxFileLines is the longest a file may be. A file per use case or
// aggregate stays well under it; one that reaches it has become a file
// per layer, which newcomers read by searching rather than reading.
const maxFileLines = 700

// TestFunctionsReadWhole fails on any non-test, non-generated function
// longer than maxFunctionLines: split it where its steps are.
func TestFunctionsReadWhole(t *testing.T) {
	handWritten(t, func(rel string, src []byte) error {
		long, err := longFunctions(rel, src, maxFunctionLines)
		for _, l := range long {
			t.Errorf("%s: %s; split it where its steps are", rel, l)
		}
		return err
	})
}

// TestFilesStaySmall fails on any non-test, non-generated file longer
// than maxFileLines: split it by use case or aggregate.
func TestFilesStaySmall(t *testing.T) {
	handWritten(t, func(rel string, src []byte) error {
		if n := strings.Count(string(src), "\n"); n > maxFileLines {
			t.Errorf("%s: %d lines, over %d; split it by use case or aggregate", rel, n, maxFileLines)
		}
		return nil
	})
}

// TestLongFunctionsAreFound checks longFunctions on a made-up file, so
// that a check that stopped finding anything fails here.
func TestLongFunctionsAreFound(t *testing.T) {
	src := "package p\n\nfunc short() {\n}\n\nfunc long() {\n" + strings.Repeat("\t_ = 1\n", 69) + "}\n\n" +
		"type T struct{}\n\nfunc (T) method() {\n" + strings.Repeat("\t_ = 1\n", 68) + "}\n"
	long, err := longFunctions("p.go", []byte(src), maxFunctionLines)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"long: 71 lines, over 70"}; fmt.Sprint(long) != fmt.Sprint(want) {
		t.Errorf("longFunctions = %q, want %q (method is 70 lines: allowed)", long, want)
	}
}

// longFunctions describes each function of the Go source src longer than
// max lines.
func longFunctions(path string, src []byte, max int) ([]string, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, src, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	var long []string
	for _, decl := range f.Decls {
		fn, ok := decl.(*ast.FuncDecl)
		if !ok || fn.Body == nil {
			continue
		}
		if n := fset.Position(fn.End()).Line - fset.Position(fn.Pos()).Line + 1; n > max {
			long = append(long, fmt.Sprintf("%s: %d lines, over %d", fn.Name.Name, n, max))
		}
	}
	return long, nil
}

// handWritten calls f with each non-test Go file of the module that is
// not generated (gen/, protoc-gen-go's, is exempt from the size rules),
// by its module-relative path and its text, and fails the test if the
// walk found none.
func handWritten(t *testing.T, f func(rel string, src []byte) error) {
	t.Helper()
	checked := 0
	sourceFiles(t, func(rel, path string) error {
		if strings.HasPrefix(rel, "gen/") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		checked++
		return f(rel, src)
	})
	if checked == 0 {
		t.Fatal("no files checked: the walk found nothing")
	}
}
