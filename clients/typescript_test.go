// Package clients holds the tests of loancore's clients in other
// languages, each against real loand processes this package starts.
package clients

// TestTypeScript runs clients/typescript's Node.js tests (node --test)
// against two real loand processes with authentication on: one serving
// TLS with API keys, one mutual TLS whose policy gives the test's client
// certificate a role. Then TestTypeScript/README pastes docs/clients.md's
// TypeScript section into a dev-mode loand, as `make run` serves it.
//
// It needs node and npm (Node.js 20 or later) and fails when they are
// missing. It installs the package's dependencies with `npm ci` from the
// committed package-lock.json when node_modules is missing or older than
// the lockfile, builds the package (tsc), and compiles and runs the tests.
// About 30 seconds once node_modules is installed; -short skips it.

import (
	"context"
	"crypto/tls"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/loancore/loancore/internal/auth"
	"github.com/loancore/loancore/internal/loandtest"
	"github.com/loancore/loancore/internal/tlsreload/tlstest"
)

// tsTellerURI is the test client certificate's subject, which the mutual
// TLS loand's policy gives the viewer role.
const tsTellerURI = "spiffe://bank.test/ts-teller"

func TestTypeScript(t *testing.T) {
	if testing.Short() {
		t.Skip("installs, builds and runs the TypeScript client's tests against real loand processes; skipped with -short")
	}
	pkg := tsPackage(t)
	bin := loandtest.Build(t)

	dir := t.TempDir()
	ca := tlstest.NewCA(t, "loancore TS test CA")
	ca.Server(t, "loand").Write(t, filepath.Join(dir, "server.pem"), filepath.Join(dir, "server.key"))
	ca.Client(t, "ts teller", tsTellerURI).Write(t, filepath.Join(dir, "client.pem"), filepath.Join(dir, "client.key"))
	tlstest.WriteFile(t, filepath.Join(dir, "ca.pem"), ca.PEM)
	serverTLS := []string{"--tls-cert", filepath.Join(dir, "server.pem"), "--tls-key", filepath.Join(dir, "server.key")}
	clientCert, err := tls.LoadX509KeyPair(filepath.Join(dir, "client.pem"), filepath.Join(dir, "client.key"))
	if err != nil {
		t.Fatal(err)
	}

	keys := filepath.Join(dir, "api-keys.jsonl")
	token := loandtest.APIKey(t, bin, keys, "ts-client", "servicer,operator,subscriber")
	addr := startTS(t, bin, &tls.Config{RootCAs: ca.Pool()},
		append([]string{"--api-keys-file", keys}, serverTLS...)...)

	policy := strings.Replace(string(auth.DefaultPolicyYAML()), "certificates: {}",
		"certificates:\n  "+tsTellerURI+": [viewer]", 1)
	tlstest.WriteFile(t, filepath.Join(dir, "policy.yaml"), []byte(policy))
	mtlsAddr := startTS(t, bin, &tls.Config{RootCAs: ca.Pool(), Certificates: []tls.Certificate{clientCert}},
		append([]string{"--client-ca", filepath.Join(dir, "ca.pem"), "--policy", filepath.Join(dir, "policy.yaml")}, serverTLS...)...)

	out := tsRun(t, pkg, 5*time.Minute, []string{
		"LOANCORE_ADDRESS=" + addr,
		"LOANCORE_TOKEN=" + token,
		"LOANCORE_CA_FILE=" + filepath.Join(dir, "ca.pem"),
		"LOANCORE_MTLS_ADDRESS=" + mtlsAddr,
		"LOANCORE_CLIENT_CERT_FILE=" + filepath.Join(dir, "client.pem"),
		"LOANCORE_CLIENT_KEY_FILE=" + filepath.Join(dir, "client.key"),
	}, "npm", "test")
	tsSummary(t, out)

	t.Run("README", func(t *testing.T) { tsReadme(t, pkg, bin) })
}

// tsPackage checks node and npm, installs clients/typescript's
// dependencies when they are missing or stale, builds it, and returns its
// directory.
func tsPackage(t *testing.T) string {
	t.Helper()
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed: the TypeScript client's tests need Node.js 20 or later and npm (apt-get install -y nodejs npm)", tool)
		}
	}
	pkg, err := filepath.Abs("typescript")
	if err != nil {
		t.Fatal(err)
	}
	if tsStale(t, pkg) {
		tsRun(t, pkg, 10*time.Minute, nil, "npm", "ci")
	}
	tsRun(t, pkg, 5*time.Minute, nil, "npm", "run", "build")
	return pkg
}

// tsStale reports whether node_modules needs `npm ci`: npm writes
// node_modules/.package-lock.json at every install, so it is older than
// the lockfile or package.json when either changed since.
func tsStale(t *testing.T, pkg string) bool {
	t.Helper()
	installed, err := os.Stat(filepath.Join(pkg, "node_modules", ".package-lock.json"))
	if err != nil {
		return true
	}
	for _, f := range []string{"package-lock.json", "package.json"} {
		st, err := os.Stat(filepath.Join(pkg, f))
		if err != nil {
			t.Fatal(err)
		}
		if st.ModTime().After(installed.ModTime()) {
			return true
		}
	}
	return false
}

// tsRun runs name with args in dir, with env added to the environment,
// and returns its combined output; it fails the test, with the output, if
// the command fails or outlasts timeout.
func tsRun(t *testing.T, dir string, timeout time.Duration, env []string, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s (in %s): %v\n%s", name, strings.Join(args, " "), dir, err, loandtest.Tail(string(out)))
	}
	return string(out)
}

// tsSummary fails the test unless node's test runner reported tests and
// no failures, and logs its counts (and what it skipped, and why).
func tsSummary(t *testing.T, out string) {
	t.Helper()
	count := func(what string) string {
		m := regexp.MustCompile(`(?m)^# ` + what + ` (\d+)$`).FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("node --test printed no %q count:\n%s", what, loandtest.Tail(out))
		}
		return m[1]
	}
	pass, fail, cancelled, skipped := count("pass"), count("fail"), count("cancelled"), count("skipped")
	if pass == "0" || fail != "0" || cancelled != "0" {
		t.Fatalf("node --test: %s passed, %s failed, %s cancelled\n%s", pass, fail, cancelled, loandtest.Tail(out))
	}
	t.Logf("node --test: %s passed, %s skipped", pass, skipped)
	for _, l := range regexp.MustCompile(`(?m)^.*# SKIP.*$`).FindAllString(out, -1) {
		t.Logf("skipped: %s", strings.TrimSpace(l))
	}
}

// startTS starts loand serving with args (see loandtest.Start).
func startTS(t *testing.T, bin string, clientTLS *tls.Config, args ...string) string {
	return loandtest.Start(t, loandtest.Params{Loand: bin, Args: args, ClientTLS: clientTLS})
}

// tsReadmeSection is the heading of docs/clients.md's TypeScript section,
// whose ```ts block tsReadme runs.
const tsReadmeSection = "## Calling loancore from TypeScript"

// tsReadmeFigures are what docs/clients.md says its TypeScript block prints.
var tsReadmeFigures = []string{
	"first installment: 1913.52 192.00",
	"as of 2026-03-10: 5 days past due, penalty 3.85",
	`refused: InvalidArgument { value_date: '"2026-02-30" is not a calendar date' }`,
}

// tsReadme pastes docs/clients.md's TypeScript block into a project of its
// own that has the package installed (linked, as `npm install <folder>`
// links it), type-checks it with the package's tsc, and runs it twice with
// node against a dev-mode loand, as `make run` serves: the second run
// shows that its request ids make it safe to repeat.
func tsReadme(t *testing.T, pkg, bin string) {
	readme, err := os.ReadFile(filepath.Join("..", "docs", "clients.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n"+tsReadmeSection+"\n")
	_, block, ok2 := strings.Cut(section, "\n```ts\n")
	block, _, ok3 := strings.Cut(block, "\n```\n")
	if !ok || !ok2 || !ok3 {
		t.Fatalf("docs/clients.md has no %q section with a ```ts block", tsReadmeSection)
	}
	addr := startTS(t, bin, nil)
	project := t.TempDir()
	if err := os.MkdirAll(filepath.Join(project, "node_modules", "@loancore"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(pkg, filepath.Join(project, "node_modules", "@loancore", "client")); err != nil {
		t.Fatal(err)
	}
	code := strings.ReplaceAll(block, "localhost:50051", addr) + "\n"
	for _, name := range []string{"demo.mts", "demo.mjs"} {
		if err := os.WriteFile(filepath.Join(project, name), []byte(code), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tsRun(t, project, 2*time.Minute, nil, filepath.Join(pkg, "node_modules", ".bin", "tsc"), "--noEmit", "--strict",
		"--module", "nodenext", "--target", "es2022", "--types", "node", "--typeRoots", filepath.Join(pkg, "node_modules", "@types"),
		"--skipLibCheck", "demo.mts")
	for run := 1; run <= 2; run++ {
		out := tsRun(t, project, 2*time.Minute, nil, "node", "demo.mjs")
		for _, want := range tsReadmeFigures {
			if !strings.Contains(out, want) {
				t.Errorf("run %d of docs/clients.md's TypeScript block: the output lacks %q\n%s", run, want, out)
			}
		}
	}
}
