// Package loandtest starts real loand processes for the tests of the
// clients, which call loand the way other teams do: over the network,
// with the credentials an operator would make. It builds loand from
// ./cmd/loand once per test binary, makes API keys with `loand apikey
// create`, and starts `loand serve` on a free loopback port with a SQLite
// database of its own, stopping it when the test ends.
package loandtest

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

var (
	buildOnce sync.Once
	built     string
	buildErr  error
)

// Root is the repository's root directory, from the go command.
func Root(t testing.TB) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil || strings.TrimSpace(string(out)) == "" {
		t.Fatalf("go env GOMOD: %v", err)
	}
	return filepath.Dir(strings.TrimSpace(string(out)))
}

// Build builds loand once per test binary and returns its path.
func Build(t testing.TB) string {
	t.Helper()
	root := Root(t)
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "loandtest-")
		if err != nil {
			buildErr = err
			return
		}
		built = filepath.Join(dir, "loand")
		cmd := exec.Command("go", "build", "-o", built, "./cmd/loand")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build ./cmd/loand: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return built
}

// APIKey makes an API key with `loand apikey create`, which prints it as
// its last line, as docs/operations.md tells an operator.
func APIKey(t testing.TB, loand, file, subject, roles string) string {
	t.Helper()
	out, err := exec.Command(loand, "apikey", "create", "--api-keys-file", file, "--subject", subject, "--roles", roles).CombinedOutput()
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	key := strings.TrimSpace(lines[len(lines)-1])
	if err != nil || !strings.HasPrefix(key, "lck_") {
		t.Fatalf("loand apikey create --subject %s: %v\n%s", subject, err, out)
	}
	return key
}

// Params say how to start loand.
type Params struct {
	// Loand is the binary (Build's).
	Loand string
	// Dir holds the database and the log; a new temporary directory if
	// empty.
	Dir string
	// Args are serve's flags beyond --listen and --database.
	Args []string
	// ClientTLS is how to reach the health service, nil for plaintext.
	ClientTLS *tls.Config
}

// Start starts `loand serve` on a free loopback port and waits until its
// health service answers SERVING; loand is interrupted when the test
// ends, and its log shown if the test failed. A port taken between
// choosing and binding it makes loand exit; another is then tried.
func Start(t testing.TB, p Params) string {
	t.Helper()
	if p.Dir == "" {
		p.Dir = t.TempDir()
	} else if err := os.MkdirAll(p.Dir, 0o700); err != nil {
		t.Fatal(err)
	}
	for attempt := 1; ; attempt++ {
		addr, err := launch(t, p, attempt)
		if err == nil {
			return addr
		}
		if attempt == 3 {
			t.Fatal(err)
		}
		t.Logf("%v\ntrying another port", err)
	}
}

// launch is one attempt of Start.
func launch(t testing.TB, p Params, attempt int) (string, error) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	logPath := filepath.Join(p.Dir, fmt.Sprintf("loand-%d.log", attempt))
	log, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	args := append([]string{"serve", "--listen", addr, "--database", "sqlite:" + filepath.Join(p.Dir, "loancore.db")}, p.Args...)
	cmd := exec.Command(p.Loand, args...)
	cmd.Env = CleanEnv()
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { stop(t, cmd, exited, logPath) })
	if err := awaitServing(addr, p.ClientTLS, exited); err != nil {
		out, _ := os.ReadFile(logPath)
		return "", fmt.Errorf("loand %s: %w\n%s", strings.Join(args, " "), err, Tail(string(out)))
	}
	return addr, nil
}

// stop interrupts loand, unless it has exited, waits for it (killing it
// after 15 s), and logs its output if the test failed.
func stop(t testing.TB, cmd *exec.Cmd, exited chan error, logPath string) {
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
		t.Logf("%s:\n%s", logPath, Tail(string(out)))
	}
}

// awaitServing polls loand's health service at addr until it answers
// SERVING, and returns an error if loand exits first or a minute passes.
func awaitServing(addr string, clientTLS *tls.Config, exited chan error) error {
	creds := insecure.NewCredentials()
	if clientTLS != nil {
		creds = credentials.NewTLS(clientTLS)
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
			exited <- werr // for stop
			return fmt.Errorf("exited before serving (%v)", werr)
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not SERVING after a minute (last: %v, %v)", resp.GetStatus(), err)
		}
	}
}

// CleanEnv is the test's environment without LOANCORE_ variables (a
// developer's LOANCORE_DATABASE must not reach the servers), and with
// Python told not to write bytecode next to the sources.
func CleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "LOANCORE_") {
			env = append(env, kv)
		}
	}
	return append(env, "PYTHONDONTWRITEBYTECODE=1")
}

// Tail is the end of a long output, enough to see what went wrong.
func Tail(s string) string {
	const most = 8000
	if len(s) <= most {
		return s
	}
	return "…\n" + s[len(s)-most:]
}
