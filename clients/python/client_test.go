// Package python_test runs the Python client's pytest suite
// (clients/python/tests) against real loand processes, as part of
// `make test`.
//
// TestPythonClient builds loand from ./cmd/loand and starts four, each on
// its own SQLite database in a temporary directory:
//
//   - TLS with API keys made by `loand apikey create` (authentication on):
//     the suite's main server;
//   - mutual TLS (--client-ca, and a policy that gives the test's client
//     certificate the viewer role);
//   - plaintext on loopback with the same API keys, which a client may
//     send a token to without TLS;
//   - dev mode on loopback (plaintext, no credentials), which is what
//     `make run` starts: docs/clients.md's "Calling loancore from Python" code
//     runs against it as pasted, but for the port.
//
// It installs the package the way a user would, with pip into a virtual
// environment on /usr/bin/python3 that sees Debian's python3-grpcio and
// python3-protobuf (--system-site-packages), offline (--no-index
// --no-build-isolation), from a copy of clients/python so that the work
// tree gets no build/ or egg-info. Then it runs `python -m pytest` with
// the servers' addresses and credentials in LOANCORE_TEST_* variables and
// fails with pytest's output. A missing /usr/bin/python3 or Python module
// fails the test, naming the Debian package: a client suite that skipped
// itself on a machine without them would pass CI having tested nothing.
package python_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/loancore/loancore/internal/loandtest"
)

// python is the interpreter the client supports: Debian's, whose
// python3-grpcio and python3-protobuf it is tested with. The python3 on
// PATH may be another one.
const python = "/usr/bin/python3"

// root is the repository root, from this package's directory.
const root = "../.."

// readmeAddr is the address docs/clients.md's Python code dials: make run's.
const readmeAddr = "localhost:50051"

// pythonModules are the modules the install and the suite need, each
// with the Debian package that provides it.
var pythonModules = [][2]string{
	{"grpc", "python3-grpcio"},
	{"google.protobuf", "python3-protobuf"},
	{"pytest", "python3-pytest"},
	{"setuptools", "python3-setuptools"},
	{"wheel", "python3-wheel"},
	{"venv", "python3 (its venv module)"},
	{"pip", "python3-pip"},
}

func TestPythonClient(t *testing.T) {
	if testing.Short() {
		t.Skip("builds loand, starts four, installs the package and runs pytest (~30 s); skipped with -short")
	}
	checkPython(t)
	tmp := t.TempDir()
	loand := loandtest.Build(t)
	env := startServers(t, loand, tmp)
	venvPython := installPackage(t, tmp)

	code := readmePython(t)
	out, err := runIn(tmp, 2*time.Minute, nil, venvPython, "-c", strings.ReplaceAll(code, readmeAddr, env["LOANCORE_TEST_DEV_ADDRESS"]))
	switch {
	case err != nil:
		t.Errorf("docs/clients.md's Python code, pasted against a dev-mode loand: %v\n--- code\n%s--- output\n%s", err, code, out)
	case !strings.Contains(out, "2105.52") || !strings.Contains(out, "'amount'"):
		t.Errorf("docs/clients.md's Python code printed neither the installment (2105.52) nor the refused field ('amount'):\n%s", out)
	}

	out, err = runIn(tmp, 10*time.Minute, env, venvPython, "-m", "pytest", "-v", "-rs", "-p", "no:cacheprovider",
		filepath.Join(tmp, "src", "tests"))
	if err != nil {
		t.Fatalf("pytest: %v\n%s", err, out)
	}
	if !regexp.MustCompile(`(?m)^=+ \d+ passed`).MatchString(out) {
		t.Fatalf("pytest passed no test:\n%s", out)
	}
	t.Logf("pytest:\n%s", out)
}

// checkPython fails the test, naming the Debian package to install, if
// /usr/bin/python3 or a module the suite needs is missing.
func checkPython(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(python); err != nil {
		t.Fatalf("%s: %v; the Python client is tested with Debian's python3 (apt-get install -y python3)", python, err)
	}
	// test_errors.py builds a stand-in googleapis-common-protos with it.
	if _, err := exec.LookPath("protoc"); err != nil {
		t.Fatal("protoc is not installed (apt-get install -y protobuf-compiler); the suite needs it")
	}
	for _, m := range pythonModules {
		if out, err := runIn("", time.Minute, nil, python, "-c", "import "+m[0]); err != nil {
			t.Fatalf("%s cannot import %s (apt-get install -y %s): %v\n%s", python, m[0], m[1], err, out)
		}
	}
}

// installPackage makes a virtual environment on /usr/bin/python3 that
// sees Debian's packages, pip-installs a copy of clients/python into it
// (its tests too: the copy's tests/ is what pytest runs) and returns the
// environment's python.
func installPackage(t *testing.T, tmp string) string {
	t.Helper()
	src := filepath.Join(tmp, "src")
	if err := os.CopyFS(src, os.DirFS(".")); err != nil {
		t.Fatal(err)
	}
	venv := filepath.Join(tmp, "venv")
	// Without a pip of its own (no ensurepip, seconds faster): Debian's,
	// seen through the system site packages, installs into it.
	if out, err := runIn(tmp, 2*time.Minute, nil, python, "-m", "venv", "--without-pip", "--system-site-packages", venv); err != nil {
		t.Fatalf("python3 -m venv: %v\n%s", err, out)
	}
	venvPython := filepath.Join(venv, "bin", "python")
	// --no-index: every dependency must already be installed (Debian's);
	// pip never reaches for a package index.
	out, err := runIn(tmp, 5*time.Minute, nil, venvPython, "-m", "pip", "install", "--no-index", "--no-build-isolation",
		"--disable-pip-version-check", src)
	if err != nil {
		t.Fatalf("pip install ./clients/python: %v\n%s", err, out)
	}
	return venvPython
}

// readmePython is docs/clients.md's ```python blocks, joined: the section a
// reader pastes into Python against `make run`.
func readmePython(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, "docs", "clients.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?ms)^```python\n(.*?)^```").FindAllSubmatch(data, -1)
	if len(blocks) == 0 {
		t.Fatal("docs/clients.md has no ```python block")
	}
	var code bytes.Buffer
	for _, b := range blocks {
		code.Write(b[1])
	}
	if !strings.Contains(code.String(), readmeAddr) {
		t.Fatalf("docs/clients.md's Python code does not dial %s, make run's address", readmeAddr)
	}
	return code.String()
}

// runIn runs name with args in dir (the current directory if empty), with
// env's variables added to the test's own but for LOANCORE_* ones (a
// developer's LOANCORE_DATABASE must not reach the servers), killing it
// after timeout, and returns its combined output.
func runIn(dir string, timeout time.Duration, env map[string]string, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = loandtest.CleanEnv()
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}
