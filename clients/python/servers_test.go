package python_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/loancore/loancore/internal/tlsreload/tlstest"
)

// mtlsSubject is the common name of the suite's client certificate; the
// mutual-TLS server's policy gives it the viewer role.
const mtlsSubject = "py-client"

// startServers starts the suite's four loand processes (see the package
// comment) with their files in dir and returns the LOANCORE_TEST_*
// variables that tell the suite where they are and how to call them.
func startServers(t *testing.T, loand, dir string) map[string]string {
	t.Helper()
	ca := tlstest.NewCA(t, "loancore python client test CA")
	caFile := filepath.Join(dir, "ca.pem")
	tlstest.WriteFile(t, caFile, ca.PEM)
	server := ca.Server(t, "loand")
	certFile, keyFile := filepath.Join(dir, "server.pem"), filepath.Join(dir, "server-key.pem")
	server.Write(t, certFile, keyFile)
	client := ca.Client(t, mtlsSubject, "")
	clientCert, clientKey := filepath.Join(dir, "client.pem"), filepath.Join(dir, "client-key.pem")
	client.Write(t, clientCert, clientKey)
	tlsFlags := []string{"--tls-cert", certFile, "--tls-key", keyFile}
	clientTLS := &tls.Config{RootCAs: ca.Pool(), Certificates: []tls.Certificate{client.TLS(t)}}

	keys := filepath.Join(dir, "api-keys.jsonl")
	env := map[string]string{
		"LOANCORE_TEST_CA_FILE":      caFile,
		"LOANCORE_TEST_CLIENT_CERT":  clientCert,
		"LOANCORE_TEST_CLIENT_KEY":   clientKey,
		"LOANCORE_TEST_TOKEN":        apiKey(t, loand, keys, "py-servicer", "servicer,operator,subscriber"),
		"LOANCORE_TEST_VIEWER_TOKEN": apiKey(t, loand, keys, "py-viewer", "viewer"),
	}
	env["LOANCORE_TEST_ADDRESS"] = startLoand(t, loand, filepath.Join(dir, "tls"), clientTLS,
		append(tlsFlags, "--api-keys-file", keys)...)
	env["LOANCORE_TEST_MTLS_ADDRESS"] = startLoand(t, loand, filepath.Join(dir, "mtls"), clientTLS,
		append(tlsFlags, "--client-ca", caFile, "--policy", mtlsPolicy(t, dir))...)
	env["LOANCORE_TEST_PLAINTEXT_ADDRESS"] = startLoand(t, loand, filepath.Join(dir, "plaintext"), nil, "--api-keys-file", keys)
	env["LOANCORE_TEST_DEV_ADDRESS"] = startLoand(t, loand, filepath.Join(dir, "dev"), nil)
	return env
}

// apiKey runs `loand apikey create` and returns the key, its last line.
func apiKey(t *testing.T, loand, file, subject, roles string) string {
	t.Helper()
	out, err := runIn("", time.Minute, nil, loand, "apikey", "create", "--api-keys-file", file, "--subject", subject, "--roles", roles)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if err != nil || !strings.HasPrefix(lines[len(lines)-1], "lck_") {
		t.Fatalf("loand apikey create --subject %s: %v\n%s", subject, err, out)
	}
	return lines[len(lines)-1]
}

// mtlsPolicy writes the built-in policy with the suite's client
// certificate given the viewer role, and returns its path.
func mtlsPolicy(t *testing.T, dir string) string {
	t.Helper()
	policy, err := os.ReadFile(filepath.Join(root, "internal", "auth", "default_policy.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	const none = "\ncertificates: {}\n"
	if !strings.Contains(string(policy), none) {
		t.Fatalf("the built-in policy no longer has %q to replace", none)
	}
	path := filepath.Join(dir, "policy.yaml")
	mine := strings.Replace(string(policy), none, "\ncertificates:\n  "+mtlsSubject+": [viewer]\n", 1)
	if err := os.WriteFile(path, []byte(mine), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// startLoand starts loand on a free loopback port with a SQLite database
// in dir (created) and args, waits until its health service says SERVING
// (over TLS with clientTLS, or plaintext if it is nil) and stops it when
// the test ends. The port is free when chosen; should another process
// take it first, loand exits and another port is tried.
func startLoand(t *testing.T, loand, dir string, clientTLS *tls.Config, args ...string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	for attempt := 1; ; attempt++ {
		addr, err := launch(t, loand, dir, clientTLS, attempt, args)
		if err == nil {
			return addr
		}
		if attempt == 3 {
			t.Fatal(err)
		}
		t.Logf("%v\ntrying another port", err)
	}
}

// launch is one attempt of startLoand.
func launch(t *testing.T, loand, dir string, clientTLS *tls.Config, attempt int, args []string) (string, error) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	logPath := filepath.Join(dir, fmt.Sprintf("loand-%d.log", attempt))
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	args = append([]string{"--listen", addr, "--database", "sqlite:" + filepath.Join(dir, "loancore.db")}, args...)
	cmd := exec.Command(loand, args...)
	cmd.Env = cleanEnv()
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { stop(t, cmd, exited, logPath) })
	if err := waitServing(addr, clientTLS, exited); err != nil {
		log, _ := os.ReadFile(logPath)
		return "", fmt.Errorf("loand %s: %v\n%s", strings.Join(args, " "), err, log)
	}
	return addr, nil
}

// stop interrupts loand (and kills it if it has not exited 15 s later),
// and logs its log if the test failed.
func stop(t *testing.T, cmd *exec.Cmd, exited chan error, logPath string) {
	select {
	case err := <-exited:
		exited <- err // it never served, and launch said why
		return
	default:
	}
	_ = cmd.Process.Signal(os.Interrupt)
	select {
	case <-exited:
	case <-time.After(15 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
	}
	if t.Failed() {
		log, _ := os.ReadFile(logPath)
		t.Logf("%s:\n%s", logPath, lastLines(string(log), 60))
	}
}

// waitServing polls loand's health service at addr until it is SERVING,
// and returns an error if loand exits first or a minute passes.
func waitServing(addr string, clientTLS *tls.Config, exited chan error) error {
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

// lastLines is the end of a long output, enough to see what went wrong.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) <= n {
		return s
	}
	return "…\n" + strings.Join(lines[len(lines)-n:], "\n")
}
