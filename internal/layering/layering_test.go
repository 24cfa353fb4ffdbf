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

// rule says what the non-test code of some packages may import. Patterns
// are module-relative package paths: "a/b" is that package alone, "a/b/..."
// the package and everything below it. A package takes the first rule
// that matches it, so exact rules come before the subtrees around them.
type rule struct {
	pkgs string
	// imports are the loancore packages it may import (beside its own
	// subtree, for a "/..." rule).
	imports []string
	// thirdParty are the third-party import prefixes it may use;
	// anyThirdParty allows them all.
	thirdParty    []string
	anyThirdParty bool
	// pure forbids the standard library's I/O, clock and context.
	pure bool
}

var rules = []rule{
	{pkgs: "internal/money/...", thirdParty: []string{"github.com/shopspring/decimal"}, pure: true},
	{pkgs: "internal/engine/...", imports: []string{"internal/money"}, pure: true},
	// The process's CPU time, for the benchmarks of any package's tests:
	// nothing of loancore's.
	{pkgs: "internal/cputime"},
	// The storage contract: interfaces and records over engine values.
	{pkgs: "internal/store", imports: []string{"internal/engine", "internal/money"}},
	// The stores and their suite implement the contract, and never see
	// the use cases above it.
	{pkgs: "internal/store/...", imports: []string{"internal/engine", "internal/money"}, anyThirdParty: true},
	// The use cases see the contract, never a concrete store; terms
	// documents are read with segmentio's JSON decoder (termsdoc.go).
	{pkgs: "internal/servicing/...", imports: []string{"internal/store", "internal/engine", "internal/money"},
		thirdParty: []string{"github.com/segmentio/encoding/json"}},
	// Who is calling and what they may do: no loans, no gRPC types of
	// loancore's; money only for the four-eyes thresholds.
	{pkgs: "internal/auth/...", imports: []string{"internal/money"}, anyThirdParty: true},
	{pkgs: "internal/grpcapi/...", imports: []string{"internal/auth", "internal/servicing", "internal/store", "internal/engine", "internal/money", "gen/..."},
		anyThirdParty: true},
	// loand relay: the feed, as SubscribeEvents renders it, to NATS JetStream.
	{pkgs: "internal/relay/...", imports: []string{"internal/grpcapi", "internal/servicing", "internal/store", "gen/..."}, anyThirdParty: true},
	{pkgs: "internal/schedbench/...", imports: []string{"internal/engine", "internal/money"}},
	// TLS files reloaded while serving: no loancore package, so that it
	// stays a transport concern cmd/loand hands to grpcapi.
	{pkgs: "internal/tlsreload/...", anyThirdParty: true},
	// telemetry exports what servicing observes and times the store; it
	// serves nothing itself.
	{pkgs: "internal/telemetry/...", imports: []string{"internal/servicing", "internal/store", "internal/engine", "internal/money"}, anyThirdParty: true},
	{pkgs: "internal/layering/..."},
	{pkgs: "cmd/...", imports: []string{"internal/...", "gen/..."}, anyThirdParty: true},
	// Test helpers that start loand as a process: nothing of loancore's
	// but test certificates.
	{pkgs: "internal/loandtest", imports: []string{"internal/tlsreload/tlstest"}, anyThirdParty: true},
	// The Go client: the generated API and gRPC, nothing of the server.
	{pkgs: "clients/...", imports: []string{"gen/..."}, anyThirdParty: true},
	// The throughput bench's client and floor server.
	{pkgs: "bench/...", imports: []string{"internal/...", "gen/..."}, anyThirdParty: true},
	{pkgs: "gen/...", anyThirdParty: true},
	// The test that runs the documents' commands against loand.
	{pkgs: "docs"},
}

// matches reports whether the package path pkg is what pattern names.
func matches(pattern, pkg string) bool {
	if base, ok := strings.CutSuffix(pattern, "/..."); ok {
		return pkg == base || strings.HasPrefix(pkg, base+"/")
	}
	return pkg == pattern
}

// ruleFor returns the first rule for a package, or nil.
func ruleFor(pkg string) *rule {
	for i := range rules {
		if matches(rules[i].pkgs, pkg) {
			return &rules[i]
		}
	}
	return nil
}

func TestDependencyDirection(t *testing.T) {
	checked := 0
	root := sourceFiles(t, func(rel, path string) error {
		pkg := filepath.ToSlash(filepath.Dir(rel))
		r := ruleFor(pkg)
		if r == nil {
			t.Errorf("%s: package %s has no layering rule: add one", rel, pkg)
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		checked++
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if msg := r.violates(p); msg != "" {
				t.Errorf("%s imports %s: %s", rel, p, msg)
			}
		}
		return nil
	})
	if checked == 0 {
		t.Fatal("no files checked: the walk found nothing")
	}
	if _, err := os.Stat(filepath.Join(root, "internal/engine")); err != nil {
		t.Fatal("internal/engine missing: the rules are out of date")
	}
}

// sourceFiles calls f with each non-test Go file of the module, by its
// path relative to the module's root (slash-separated) and its path, and
// returns the root. Directories no build reads (hidden ones,
// node_modules, testdata) are skipped; an error from f or the walk
// fails the test.
func sourceFiles(t *testing.T, f func(rel, path string) error) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		return f(filepath.ToSlash(rel), path)
	})
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// TestRulesCatchWhatTheyMust checks the rules against imports they exist
// to refuse, so that a rule loosened by mistake fails here.
func TestRulesCatchWhatTheyMust(t *testing.T) {
	for _, c := range []struct{ pkg, imp string }{
		{"internal/store", module + "/internal/servicing"},
		{"internal/store/postgres", module + "/internal/servicing"},
		{"internal/store/storetest", module + "/internal/servicing"},
		{"internal/store/sqlite", module + "/internal/grpcapi"},
		{"internal/servicing", module + "/internal/store/postgres"},
		{"internal/servicing", module + "/internal/grpcapi"},
		{"internal/grpcapi", module + "/internal/store/sqlite"},
		{"internal/engine", module + "/internal/servicing"},
		{"internal/engine", "time"},
		{"internal/money", "os"},
		{"internal/engine", "github.com/jackc/pgx/v5"},
		{"internal/tlsreload", module + "/internal/grpcapi"},
		{"internal/tlsreload/tlstest", module + "/internal/engine"},
		{"internal/servicing", module + "/internal/auth"},
		{"internal/store", module + "/internal/auth"},
		{"internal/auth", module + "/internal/servicing"},
		{"internal/auth", module + "/internal/grpcapi"},
		{"internal/auth", module + "/gen/loancore/v1"},
	} {
		if r := ruleFor(c.pkg); r == nil || r.violates(c.imp) == "" {
			t.Errorf("%s importing %s is allowed", c.pkg, c.imp)
		}
	}
	for _, c := range []struct{ pkg, imp string }{
		{"internal/store/postgres", module + "/internal/store"},
		{"internal/store/storetest", module + "/internal/store/pgtest"},
		{"internal/servicing", module + "/internal/store"},
		{"internal/grpcapi", module + "/internal/store"},
		{"cmd/loand", module + "/internal/store/postgres"},
		{"cmd/loand", module + "/internal/tlsreload"},
		{"internal/tlsreload", "github.com/fsnotify/fsnotify"},
		{"cmd/loand", module + "/internal/auth"},
		{"internal/grpcapi", module + "/internal/auth"},
		{"internal/auth", module + "/internal/money"},
	} {
		if r := ruleFor(c.pkg); r == nil || r.violates(c.imp) != "" {
			t.Errorf("%s importing %s is refused", c.pkg, c.imp)
		}
	}
}

// impure are standard packages the pure engine and money packages must not
// import: no I/O, no clock, no context.
var impure = []string{"os", "net", "io/fs", "io/ioutil", "context", "time", "database", "syscall", "log", "math/rand"}

// violates says why the rule refuses an import, or "".
func (r *rule) violates(imp string) string {
	if rest, ok := strings.CutPrefix(imp, module+"/"); ok {
		if base, sub := strings.CutSuffix(r.pkgs, "/..."); sub && matches(base+"/...", rest) {
			return ""
		}
		for _, a := range r.imports {
			if matches(a, rest) {
				return ""
			}
		}
		return "against the dependency direction (cmd → grpcapi → servicing → store contract → engine → money)"
	}
	first, _, _ := strings.Cut(imp, "/")
	if !strings.Contains(first, ".") {
		for _, p := range impure {
			if r.pure && (imp == p || strings.HasPrefix(imp, p+"/")) {
				return "the engine is pure: no I/O, clock or context"
			}
		}
		return "" // standard library
	}
	if r.anyThirdParty {
		return ""
	}
	for _, a := range r.thirdParty {
		if strings.HasPrefix(imp, a) {
			return ""
		}
	}
	return "only the standard library (and listed packages) may be used here"
}
