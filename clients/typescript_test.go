// Package clients holds the tests of loancore's clients in other
// languages, each against real loand processes this package starts.
package clients

// TestTypeScript runs clients/typescript's Node.js tests (node --test)
// against two real loand processes with authentication on: one serving
// TLS with API keys, one mutual TLS whose policy gives the test's client
// certificate a role. Then TestTypeScript/README pastes the README's
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
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/loancore/loancore/internal/auth"
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
	bin := t.TempDir()
	tsGo(t, "..", "build", "-o", filepath.Join(bin, "loand"), "./cmd/loand")

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
	token := tsAPIKey(t, bin, keys, "ts-client", "servicer,operator,subscriber")
	addr := tsStartLoand(t, bin, &tls.Config{RootCAs: ca.Pool()},
		append([]string{"--api-keys-file", keys}, serverTLS...)...)

	policy := strings.Replace(string(auth.DefaultPolicyYAML()), "certificates: {}",
		"certificates:\n  "+tsTellerURI+": [viewer]", 1)
	tlstest.WriteFile(t, filepath.Join(dir, "policy.yaml"), []byte(policy))
	mtlsAddr := tsStartLoand(t, bin, &tls.Config{RootCAs: ca.Pool(), Certificates: []tls.Certificate{clientCert}},
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
		t.Fatalf("%s %s (in %s): %v\n%s", name, strings.Join(args, " "), dir, err, tsTail(string(out)))
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
			t.Fatalf("node --test printed no %q count:\n%s", what, tsTail(out))
		}
		return m[1]
	}
	pass, fail, cancelled, skipped := count("pass"), count("fail"), count("cancelled"), count("skipped")
	if pass == "0" || fail != "0" || cancelled != "0" {
		t.Fatalf("node --test: %s passed, %s failed, %s cancelled\n%s", pass, fail, cancelled, tsTail(out))
	}
	t.Logf("node --test: %s passed, %s skipped", pass, skipped)
	for _, l := range regexp.MustCompile(`(?m)^.*# SKIP.*$`).FindAllString(out, -1) {
		t.Logf("skipped: %s", strings.TrimSpace(l))
	}
}

// tsGo runs the go command with args in dir.
func tsGo(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// tsAPIKey makes an API key with `loand apikey create`, which prints it
// as its last line, as docs/operations.md tells an operator.
func tsAPIKey(t *testing.T, bin, file, subject, roles string) string {
	t.Helper()
	out, err := exec.Command(filepath.Join(bin, "loand"), "apikey", "create",
		"--api-keys-file", file, "--subject", subject, "--roles", roles).Output()
	if err != nil {
		t.Fatalf("loand apikey create: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// tsTail is the end of a long output, enough to see what went wrong.
func tsTail(s string) string {
	const max = 8000
	if len(s) <= max {
		return s
	}
	return "…\n" + s[len(s)-max:]
}

// tsStartLoand starts `loand serve` with args on a free loopback port and
// a new SQLite database, waits until its health service answers SERVING
// over tlsConfig (plaintext if nil), and stops it when the test ends. A
// port taken between choosing and binding it makes loand exit; another
// is then tried.
func tsStartLoand(t *testing.T, bin string, tlsConfig *tls.Config, args ...string) string {
	t.Helper()
	for attempt := 1; ; attempt++ {
		addr, err := tsLaunchLoand(t, bin, tlsConfig, args)
		if err == nil {
			return addr
		}
		if attempt == 3 {
			t.Fatal(err)
		}
		t.Logf("%v\ntrying another port", err)
	}
}

// tsLaunchLoand is one attempt of tsStartLoand.
func tsLaunchLoand(t *testing.T, bin string, tlsConfig *tls.Config, args []string) (string, error) {
	t.Helper()
	dir := t.TempDir()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	logPath := filepath.Join(dir, "loand.log")
	log, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	cmd := exec.Command(filepath.Join(bin, "loand"), append([]string{"serve", "--listen", addr,
		"--database", "sqlite:" + filepath.Join(dir, "loancore.db")}, args...)...)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { tsStop(t, cmd, exited, logPath) })
	if err := tsAwaitServing(addr, tlsConfig, exited); err != nil {
		out, _ := os.ReadFile(logPath)
		return "", fmt.Errorf("loand on %s: %w\n%s", addr, err, tsTail(string(out)))
	}
	return addr, nil
}

// tsStop interrupts loand, unless it has exited, waits for it, and logs
// its output if the test failed.
func tsStop(t *testing.T, cmd *exec.Cmd, exited chan error, logPath string) {
	select {
	case err := <-exited:
		exited <- err
	default:
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	}
	if t.Failed() {
		out, _ := os.ReadFile(logPath)
		t.Logf("loand's log:\n%s", tsTail(string(out)))
	}
}

// tsAwaitServing polls loand's health service at addr until it answers
// SERVING, and returns an error if loand exits first or a minute passes.
func tsAwaitServing(addr string, tlsConfig *tls.Config, exited chan error) error {
	creds := insecure.NewCredentials()
	if tlsConfig != nil {
		creds = credentials.NewTLS(tlsConfig)
	}
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(creds))
	if err != nil {
		return err
	}
	defer conn.Close()
	health := healthpb.NewHealthClient(conn)
	deadline := time.Now().Add(time.Minute)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		resp, err := health.Check(ctx, &healthpb.HealthCheckRequest{})
		cancel()
		if err == nil && resp.GetStatus() == healthpb.HealthCheckResponse_SERVING {
			return nil
		}
		select {
		case werr := <-exited:
			exited <- werr
			return fmt.Errorf("exited before serving (%v)", werr)
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not SERVING after a minute (last: %v, %v)", resp.GetStatus(), err)
		}
	}
}

// tsReadmeSection is the heading of the README's TypeScript section,
// whose ```ts block tsReadme runs.
const tsReadmeSection = "## Calling loancore from TypeScript"

// tsReadmeFigures are what the README says its TypeScript block prints.
var tsReadmeFigures = []string{
	"first installment: 1913.52 192.00",
	"as of 2026-03-10: 5 days past due, penalty 3.85",
	`refused: InvalidArgument { value_date: '"2026-02-30" is not a calendar date' }`,
}

// tsReadme pastes the README's TypeScript block into a project of its
// own that has the package installed (linked, as `npm install <folder>`
// links it), type-checks it with the package's tsc, and runs it twice with
// node against a dev-mode loand, as `make run` serves: the second run
// shows that its request ids make it safe to repeat.
func tsReadme(t *testing.T, pkg, bin string) {
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n"+tsReadmeSection+"\n")
	_, block, ok2 := strings.Cut(section, "\n```ts\n")
	block, _, ok3 := strings.Cut(block, "\n```\n")
	if !ok || !ok2 || !ok3 {
		t.Fatalf("README.md has no %q section with a ```ts block", tsReadmeSection)
	}
	addr := tsStartLoand(t, bin, nil)
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
				t.Errorf("run %d of the README's TypeScript block: the output lacks %q\n%s", run, want, out)
			}
		}
	}
}
