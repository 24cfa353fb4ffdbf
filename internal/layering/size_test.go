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
	checked := 0
	sourceFiles(t, func(rel, path string) error {
		if generated(rel) {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		long, err := longFunctions(path, src, maxFunctionLines)
		if err != nil {
			return err
		}
		for _, l := range long {
			t.Errorf("%s: %s; split it where its steps are", rel, l)
		}
		checked++
		return nil
	})
	if checked == 0 {
		t.Fatal("no files checked: the walk found nothing")
	}
}

// TestFilesStaySmall fails on any non-test, non-generated file longer
// than maxFileLines: split it by use case or aggregate.
func TestFilesStaySmall(t *testing.T) {
	sourceFiles(t, func(rel, path string) error {
		if generated(rel) {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
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

// generated reports whether the module-relative file rel is generated
// code, which is exempt from the size rules: gen/ (protoc-gen-go).
func generated(rel string) bool {
	return strings.HasPrefix(rel, "gen/")
}
