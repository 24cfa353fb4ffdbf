package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// loandCommand is the test binary run as loand (see TestMain) with args
// and, instead of any LOANCORE_ variables of the test's own environment,
// the variables in env ("NAME=value").
func loandCommand(env []string, args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "LOANCORE_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "LOAND_TEST_SERVE=1", "LOAND_TEST_ARGS="+strings.Join(args, " "))
	cmd.Env = append(cmd.Env, env...)
	return cmd
}

// exited is what a loand that ran to its end printed, and its exit code.
type exited struct {
	stdout, stderr string
	code           int
}

// runLoand runs loand to its end.
func runLoand(t *testing.T, env []string, args ...string) exited {
	t.Helper()
	cmd := loandCommand(env, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatal(err)
	}
	return exited{stdout.String(), stderr.String(), cmd.ProcessState.ExitCode()}
}

// TestCLIHelpAndVersion checks that asking for help or the version prints
// it to stdout, nothing to stderr, and exits 0.
func TestCLIHelpAndVersion(t *testing.T) {
	version := regexp.MustCompile(`^loand version=\S+ revision=\S+ time=\S+( modified=true)? go=\S+\n$`)
	for _, args := range [][]string{{"help"}, {"-h"}, {"--help"}, {"-help"}, {"serve", "--help"}, {"migrate", "--help"}, {"migrate", "-h"},
		{"help", "migrate"}, {"--listen", "127.0.0.1:1", "--help"}, {"version"}, {"--version"}, {"-version"}} {
		r := runLoand(t, nil, args...)
		if r.code != 0 || r.stderr != "" {
			t.Errorf("loand %s: exit %d, stderr %q; want 0 and nothing", strings.Join(args, " "), r.code, r.stderr)
		}
		if strings.Contains(args[len(args)-1], "version") {
			if !version.MatchString(r.stdout) {
				t.Errorf("loand %s: stdout %q, want one version line", strings.Join(args, " "), r.stdout)
			}
			continue
		}
		if !strings.HasPrefix(r.stdout, usageHead) || !strings.Contains(r.stdout, "--snapshot-every int") {
			t.Errorf("loand %s: stdout %q, want the usage", strings.Join(args, " "), r.stdout)
		}
	}
}

// TestCLIUsageErrors checks that a command line loand cannot parse prints
// one line saying why and the usage to stderr, nothing to stdout, and
// exits 2.
func TestCLIUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		line string
	}{
		{[]string{"frobnicate"}, `loand: unknown command "frobnicate"`},
		{[]string{"--listen", "127.0.0.1:1", "migrate"}, `loand: unexpected argument "migrate": the command goes before the flags`},
		{[]string{"serve", "extra"}, `loand: unexpected argument "extra"`},
		{[]string{"migrate", "--database", "sqlite:x.db", "extra"}, `loand: unexpected argument "extra"`},
		{[]string{"--frobnicate"}, "loand: flag provided but not defined: -frobnicate"},
		{[]string{"serve", "--frobnicate"}, "loand: flag provided but not defined: -frobnicate"},
		{[]string{"migrate", "--cached-loans", "many"}, `loand: invalid value "many" for flag -cached-loans: parse error`},
		{[]string{"version", "extra"}, `loand: version takes no arguments, got "extra"`},
		{[]string{"help", "frobnicate"}, `loand: unexpected argument "frobnicate"`},
	} {
		r := runLoand(t, nil, tc.args...)
		line, rest, _ := strings.Cut(r.stderr, "\n")
		if r.code != 2 || r.stdout != "" || line != tc.line || rest != printedUsage() {
			t.Errorf("loand %s: exit %d, stdout %q, stderr %q; want 2, nothing, and %q and the usage on stderr",
				strings.Join(tc.args, " "), r.code, r.stdout, r.stderr, tc.line)
		}
	}
}

// printedUsage is the usage as printUsage prints it.
func printedUsage() string {
	var b strings.Builder
	printUsage(&b)
	return b.String()
}

// TestCLIFailures checks that a command loand understood but could not
// carry out exits 1 with one line on stderr and no usage, and that a bad
// setting fails before the database is opened: no file is created.
func TestCLIFailures(t *testing.T) {
	for _, tc := range []struct {
		args []string
		env  []string
		line string
	}{
		{[]string{"migrate", "--timezone", "Mars/Olympus"}, nil, "loand: --timezone: unknown time zone Mars/Olympus"},
		{[]string{"migrate"}, []string{"LOANCORE_REMINDER_DAYS=0"},
			"loand: --reminder-days and --prenotice-days must be at least 1 (from LOANCORE_REMINDER_DAYS)"},
		{[]string{"migrate"}, []string{"LOANCORE_CACHED_LOANS=many"}, `loand: LOANCORE_CACHED_LOANS: invalid value "many" for --cached-loans: parse error`},
		{[]string{"serve", "--max-freeze-installments", "61"}, nil,
			"loand: --max-freeze-installments: restructuring policy: max freeze installments must be between 1 and 60"},
		{[]string{"--delinquency-buckets", "30,60"}, nil, `loand: --delinquency-buckets: want 6 comma-separated day counts, got "30,60"`},
		{[]string{"relay"}, nil, "loand: loand relay needs --nats (or LOANCORE_NATS): the NATS server to publish to"},
		{[]string{"relay", "--nats", "nats://127.0.0.1:4222", "--nats-creds", "/nonexistent/relay.creds"}, nil,
			"loand: --nats-creds: stat /nonexistent/relay.creds: no such file or directory"},
	} {
		path := filepath.Join(t.TempDir(), "loancore.db")
		r := runLoand(t, append([]string{"LOANCORE_DATABASE=sqlite:" + path}, tc.env...), tc.args...)
		if r.code != 1 || r.stdout != "" || r.stderr != tc.line+"\n" {
			t.Errorf("loand %s with %q: exit %d, stdout %q, stderr %q; want 1, nothing and %q",
				strings.Join(tc.args, " "), tc.env, r.code, r.stdout, r.stderr, tc.line)
		}
		if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("loand %s with %q opened the database before refusing its configuration (%v)", strings.Join(tc.args, " "), tc.env, err)
		}
	}
	r := runLoand(t, nil, "migrate", "--database", "mysql://db")
	if want := "loand: --database: want postgres://… or sqlite:PATH, got \"mysql://db\"\n"; r.code != 1 || r.stderr != want {
		t.Errorf("loand migrate --database mysql://db: exit %d, stderr %q; want 1 and %q", r.code, r.stderr, want)
	}
	// An empty SQLite path would give each pooled connection a temporary
	// database of its own, and loans would vanish.
	for _, db := range []string{"sqlite:", "sqlite::memory:"} {
		r := runLoand(t, nil, "migrate", "--database", db)
		if want := "loand: --database: sqlite: "; r.code != 1 || !strings.HasPrefix(r.stderr, want) || !strings.Contains(r.stderr, "name the database file") {
			t.Errorf("loand migrate --database %s: exit %d, stderr %q; want 1 and %q…", db, r.code, r.stderr, want)
		}
	}
}

// TestCLIMigrate checks that loand migrate applies the migrations, logs
// "database ready" and exits 0, and that a second run finds nothing to
// apply.
func TestCLIMigrate(t *testing.T) {
	database := "sqlite:" + filepath.Join(t.TempDir(), "loancore.db")
	for i, want := range []string{`"migrations_applied":[1,`, `"migrations_applied":null`} {
		r := runLoand(t, []string{"LOANCORE_LOG_FORMAT=json"}, "migrate", "--database", database)
		lines := logLines(t, r.stderr)
		if r.code != 0 || len(lines) != 1 || lines[0]["msg"] != "database ready" || lines[0]["database"] != database ||
			!strings.Contains(r.stderr, want) {
			t.Errorf("run %d: exit %d, stderr %q; want 0 and one \"database ready\" line with %s", i+1, r.code, r.stderr, want)
		}
	}
}

// logLines decodes loand's JSON log lines.
func logLines(t *testing.T, stderr string) []map[string]any {
	t.Helper()
	var lines []map[string]any
	sc := bufio.NewScanner(strings.NewReader(stderr))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("log line %q: %v", sc.Text(), err)
		}
		lines = append(lines, m)
	}
	return lines
}

// TestCLIGracefulShutdown serves, holds a health watch open over SIGTERM
// and checks the shutdown: the watch sees NOT_SERVING, GracefulStop waits
// for the open call until --shutdown-grace has passed, then loand stops
// hard and exits 0, with the log lines operators look for.
func TestCLIGracefulShutdown(t *testing.T) {
	addr := freeAddr(t)
	database := "sqlite:" + filepath.Join(t.TempDir(), "loancore.db")
	cmd := loandCommand([]string{"LOANCORE_SHUTDOWN_GRACE=1s"}, "serve", "--listen", addr, "--database", database, "--log-format", "json")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _, _ = cmd.Process.Wait() })
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	watch := watchHealth(t, conn)
	signalled := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if r, err := watch.Recv(); err != nil || r.GetStatus() != healthpb.HealthCheckResponse_NOT_SERVING {
		t.Errorf("after SIGTERM the health watch got %v, %v; want NOT_SERVING", r, err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("loand exited with %v; stderr %s", err, stderr.String())
	}
	if took := time.Since(signalled); took < time.Second {
		t.Errorf("loand stopped %v after SIGTERM with a call open; want it to wait --shutdown-grace (1s)", took)
	}
	checkShutdownLog(t, logLines(t, stderr.String()), addr)
}

// watchHealth waits until loand serves and returns a health watch that has
// seen SERVING and stays open.
func watchHealth(t *testing.T, conn *grpc.ClientConn) healthpb.Health_WatchClient {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		watch, err := healthpb.NewHealthClient(conn).Watch(context.Background(), &healthpb.HealthCheckRequest{})
		if err == nil {
			if r, err := watch.Recv(); err == nil && r.GetStatus() == healthpb.HealthCheckResponse_SERVING {
				return watch
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("loand did not become healthy")
	return nil
}

// checkShutdownLog checks loand's log from start to stop: each line
// operators rely on, in order, with its attributes. Other lines may come
// between them (the watch cut off at the hard stop is logged as a call).
func checkShutdownLog(t *testing.T, lines []map[string]any, addr string) {
	t.Helper()
	want := []struct {
		msg   string
		attrs map[string]any
	}{
		{"database ready", map[string]any{"database": nil, "migrations_applied": nil}},
		{"loand serving", map[string]any{"listen": addr, "timezone": "Asia/Shanghai", "gomaxprocs": nil}},
		{"loand shutting down", map[string]any{"grace": "1s"}},
		{"loand stopped", nil},
	}
	var msgs []string
	for _, l := range lines {
		msgs = append(msgs, fmt.Sprint(l["msg"]))
		if len(want) == 0 || l["msg"] != want[0].msg {
			continue
		}
		if l["level"] != "INFO" {
			t.Errorf("%q logged at %v, want INFO", want[0].msg, l["level"])
		}
		for k, v := range want[0].attrs {
			if got, ok := l[k]; !ok || (v != nil && got != v) {
				t.Errorf("%q has %s=%v, want %v", want[0].msg, k, got, v)
			}
		}
		want = want[1:]
	}
	if len(want) > 0 {
		t.Errorf("log messages %q: no %q in its place", msgs, want[0].msg)
	}
}

// TestVersionLine checks the version line with and without what the Go
// toolchain stamps into a build from a checkout.
func TestVersionLine(t *testing.T) {
	stamped := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.2.3"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123abcd"}, {Key: "vcs.time", Value: "2026-11-30T10:00:00Z"}, {Key: "vcs.modified", Value: "true"}}}
	for _, tc := range []struct {
		info *debug.BuildInfo
		ok   bool
		want string
	}{
		{stamped, true, "loand version=v1.2.3 revision=0123abcd time=2026-11-30T10:00:00Z modified=true go=go1.26.8"},
		{&debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}}, true, "loand version=devel revision=devel time=devel go=go1.26.8"},
		{nil, false, "loand version=devel revision=devel time=devel go=devel"},
	} {
		if got := versionLine(tc.info, tc.ok); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
}
