package main

import (
	"crypto/tls"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/loancore/loancore/internal/tlsreload/tlstest"
)

// reloadFiles lays out the files of TestTLSReload: live/cert.pem and
// live/key.pem, the paths loand is given, start as symlinks to
// real/cert.pem and real/key.pem, a directory loand does not watch;
// live/client-ca.pem is a file.
type reloadFiles struct {
	live, real string
}

// newReloadFiles writes pair and clientCA as reloadFiles says and returns
// loand's flags for them.
func newReloadFiles(t *testing.T, pair tlstest.Pair, clientCA []byte) (reloadFiles, []string) {
	dir := t.TempDir()
	f := reloadFiles{live: filepath.Join(dir, "live"), real: filepath.Join(dir, "real")}
	for _, d := range []string{f.live, f.real} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	pair.Write(t, filepath.Join(f.real, "cert.pem"), filepath.Join(f.real, "key.pem"))
	for _, name := range []string{"cert.pem", "key.pem"} {
		if err := os.Symlink(filepath.Join(f.real, name), filepath.Join(f.live, name)); err != nil {
			t.Fatal(err)
		}
	}
	tlstest.WriteFile(t, filepath.Join(f.live, "client-ca.pem"), clientCA)
	return f, []string{"--tls-cert", filepath.Join(f.live, "cert.pem"), "--tls-key", filepath.Join(f.live, "key.pem"),
		"--client-ca", filepath.Join(f.live, "client-ca.pem")}
}

// TestTLSReload replaces loand's certificate, key and client CA while a
// client holds a connection with a health watch open: on SIGHUP (files
// behind symlinks into a directory loand does not watch, so only SIGHUP
// can have reloaded them), when the files are renamed over, and with a
// bad certificate. New connections get the new certificate and CA; the
// old connection keeps working on the certificate it was made with, its
// stream stays open to the end, and the bad file changes nothing.
func TestTLSReload(t *testing.T) {
	p := newTestPKI(t)
	files, args := newReloadFiles(t, p.a, p.ca.PEM)
	proc := startProc(t, append(args, "--shutdown-grace", "1s")...)
	old := connect(t, proc.addr, p.clientTLS(t, &p.client))
	if got := servedSerial(t, old); got.Cmp(p.a.Cert.SerialNumber) != 0 {
		t.Fatalf("loand serves serial %x, want A's", got)
	}
	watch := watchHealth(t, old)
	checkOld := func(when string) {
		t.Helper()
		if got := servedSerial(t, old); got.Cmp(p.a.Cert.SerialNumber) != 0 {
			t.Errorf("%s, the old connection has serial %x; want A's: the same connection, untouched", when, got)
		}
	}

	from := proc.log.count()
	p.c.Write(t, filepath.Join(files.real, "cert.pem"), filepath.Join(files.real, "key.pem"))
	if err := proc.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	proc.log.wait(t, from, "TLS files reloaded", "trigger", "SIGHUP", "subject", p.c.Cert.Subject.String(),
		"cert", filepath.Join(files.live, "cert.pem"), "not_after", p.c.Cert.NotAfter.UTC().Format(time.RFC3339))
	checkServed(t, proc.addr, p.clientTLS(t, &p.client), p.c, "after SIGHUP")
	checkOld("after SIGHUP")

	// The client CA first: a reload between it and the pair serves the
	// new CA with C, and the pair's reload reads both.
	from = proc.log.count()
	tlstest.WriteFile(t, filepath.Join(files.live, "client-ca.pem"), p.other.PEM)
	p.b.Write(t, filepath.Join(files.live, "cert.pem"), filepath.Join(files.live, "key.pem"))
	proc.log.wait(t, from, "TLS files reloaded", "trigger", "file change", "subject", p.b.Cert.Subject.String())
	checkServed(t, proc.addr, p.clientTLS(t, &p.stranger), p.b, "after the files changed")
	if err := handshakeErr(proc.addr, p.clientTLS(t, &p.client)); err == nil {
		t.Error("after the client CA was replaced, a client of the old CA was accepted on a new connection")
	}
	checkOld("after the files changed")

	from = proc.log.count()
	tlstest.WriteFile(t, filepath.Join(files.live, "cert.pem"), []byte("-----BEGIN CERTIFICATE-----\ngarbage\n-----END CERTIFICATE-----\n"))
	proc.log.wait(t, from, "TLS reload failed: serving the previous certificate", "level", "ERROR", "subject", p.b.Cert.Subject.String())
	checkServed(t, proc.addr, p.clientTLS(t, &p.stranger), p.b, "after a bad certificate")
	checkOld("after a bad certificate")

	proc.stop(t)
	if r, err := watch.Recv(); err != nil || r.GetStatus() != healthpb.HealthCheckResponse_NOT_SERVING {
		t.Errorf("the watch opened before the reloads got %v, %v at shutdown; want NOT_SERVING, on a stream still open", r, err)
	}
}

// checkServed fails the test unless a new connection with cfg is served
// want.
func checkServed(t *testing.T, addr string, cfg *tls.Config, want tlstest.Pair, when string) {
	t.Helper()
	conn := connect(t, addr, cfg)
	if got := servedSerial(t, conn); got.Cmp(want.Cert.SerialNumber) != 0 {
		t.Errorf("%s, a new connection has serial %x; want %s's", when, got, want.Cert.Subject.CommonName)
	}
	_ = conn.Close()
}
