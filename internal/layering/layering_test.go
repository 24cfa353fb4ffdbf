// Package layering holds the test that enforces loancore's dependency
// direction: cmd → grpcapi → servicing → engine → money, with stores
// implementing interfaces declared in servicing.
package layering

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/loancore/loancore"

// allowed lists, for each layer, the loancore packages (by prefix) its
// non-test code may import, and whether it may import anything outside the
// standard library and loancore.
var rules = []struct {
	dir          string
	internal     []string
	thirdParty   []string // allowed third-party import prefixes
	anyThirdPart bool     // any third-party import allowed
}{
	{dir: "internal/money", thirdParty: []string{"github.com/shopspring/decimal"}},
	{dir: "internal/engine", internal: []string{"internal/money"}},
	{dir: "internal/servicing", internal: []string{"internal/engine", "internal/money"}},
	{dir: "internal/store", internal: []string{"internal/servicing", "internal/engine", "internal/money", "internal/store"}, anyThirdPart: true},
	{dir: "internal/grpcapi", internal: []string{"internal/servicing", "internal/engine", "internal/money", "gen/"}, anyThirdPart: true},
	{dir: "cmd", internal: []string{"internal/", "gen/"}, anyThirdPart: true},
	{dir: "bench", internal: []string{"internal/", "gen/"}, anyThirdPart: true},
}

func TestDependencyDirection(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		for _, r := range rules {
			if !strings.HasPrefix(rel, r.dir+"/") {
				continue
			}
			f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
			if err != nil {
				return err
			}
			checked++
			for _, imp := range f.Imports {
				p, _ := strconv.Unquote(imp.Path.Value)
				if msg := violates(r.dir, r.internal, r.thirdParty, r.anyThirdPart, p); msg != "" {
					t.Errorf("%s imports %s: %s", rel, p, msg)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked == 0 {
		t.Fatal("no files checked: the walk found nothing")
	}
	if _, err := os.Stat(filepath.Join(root, "internal/engine")); err != nil {
		t.Fatal("internal/engine missing: the rules are out of date")
	}
}

// impure are standard packages the pure engine and money packages must not
// import: no I/O, no clock, no context.
var impure = []string{"os", "net", "io/fs", "io/ioutil", "context", "time", "database", "syscall", "log", "math/rand"}

func violates(dir string, internal, thirdParty []string, anyThird bool, imp string) string {
	if rest, ok := strings.CutPrefix(imp, module+"/"); ok {
		if strings.HasPrefix(rest, dir+"/") || rest == dir {
			return ""
		}
		for _, a := range internal {
			if strings.HasPrefix(rest, a) {
				return ""
			}
		}
		return "against the dependency direction (cmd → grpcapi → servicing → engine → money)"
	}
	first, _, _ := strings.Cut(imp, "/")
	if !strings.Contains(first, ".") {
		if dir == "internal/engine" || dir == "internal/money" {
			for _, p := range impure {
				if imp == p || strings.HasPrefix(imp, p+"/") {
					return "the engine is pure: no I/O, clock or context"
				}
			}
		}
		return "" // standard library
	}
	if anyThird {
		return ""
	}
	for _, a := range thirdParty {
		if strings.HasPrefix(imp, a) {
			return ""
		}
	}
	return "only the standard library (and listed packages) may be used here"
}
