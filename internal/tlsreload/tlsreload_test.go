package tlsreload

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loancore/loancore/internal/tlsreload/tlstest"
)

// TestNewRefuses checks that files a server cannot serve stop New, with a
// message that names the file.
func TestNewRefuses(t *testing.T) {
	p := newPKI(t)
	good := files(t, p.a, p.ca1.PEM)
	dir := t.TempDir()
	write := func(name, data string) string {
		path := filepath.Join(dir, name)
		tlstest.WriteFile(t, path, []byte(data))
		return path
	}
	otherKey := write("other-key.pem", string(p.b.KeyPEM))
	for _, tc := range []struct {
		name  string
		files Files
		want  string
	}{
		{"no key", Files{Cert: good.Cert}, "a certificate file and a key file are needed"},
		{"missing cert", Files{Cert: filepath.Join(dir, "none.pem"), Key: good.Key}, "none.pem: no such file"},
		{"garbage cert", Files{Cert: write("garbage.pem", "not a certificate"), Key: good.Key}, "garbage.pem"},
		{"key of another certificate", Files{Cert: good.Cert, Key: otherKey}, "private key does not match public key"},
		{"missing client CA", Files{Cert: good.Cert, Key: good.Key, ClientCA: filepath.Join(dir, "no-ca.pem")}, "no-ca.pem: no such file"},
		{"client CA without a certificate", Files{Cert: good.Cert, Key: good.Key, ClientCA: write("empty-ca.pem", "subject=nothing\n")},
			"client CA " + filepath.Join(dir, "empty-ca.pem") + ": no PEM certificate in the file"},
		{"client CA holding a key", Files{Cert: good.Cert, Key: good.Key, ClientCA: write("key-ca.pem", string(p.ca1.PEM)+string(p.a.KeyPEM))},
			`PEM block 2 is a "PRIVATE KEY", want CERTIFICATE`},
		{"client CA with a damaged certificate", Files{Cert: good.Cert, Key: good.Key,
			ClientCA: write("damaged-ca.pem", string(p.ca1.PEM)+"-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n")},
			"2 PEM blocks begin in the file but 1 decode"},
	} {
		_, err := New(tc.files, slog.New(newRecords()))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: New returned %v, want an error saying %q", tc.name, err, tc.want)
		}
	}
	if _, err := New(good, slog.New(newRecords())); err != nil {
		t.Errorf("good files: %v", err)
	}
}

// TestNewLogs checks the line an operator sees at start: which files and
// the certificate served.
func TestNewLogs(t *testing.T) {
	p := newPKI(t)
	f := files(t, p.a, []byte(string(p.ca1.PEM)+string(p.ca2.PEM)))
	log := newRecords()
	if _, err := New(f, slog.New(log)); err != nil {
		t.Fatal(err)
	}
	got := log.wait(t, 0, "TLS files loaded")
	want := map[string]string{"level": "INFO", "trigger": "start", "cert": f.Cert, "key": f.Key, "client_ca": f.ClientCA, "client_cas": "2",
		"subject": p.a.Cert.Subject.String(), "serial": fmt.Sprintf("%0*X", (p.a.Cert.SerialNumber.BitLen()+7)/8*2, p.a.Cert.SerialNumber), "not_after": p.a.Cert.NotAfter.UTC().Format("2006-01-02T15:04:05Z07:00")}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
}

// TestReloadKeepsConnections replaces the certificate while a connection
// has a request half sent: the request completes on the certificate the
// connection was made with, and a new connection gets the new one.
func TestReloadKeepsConnections(t *testing.T) {
	p := newPKI(t)
	f := files(t, p.a, nil)
	log := newRecords()
	r, err := New(f, slog.New(log))
	if err != nil {
		t.Fatal(err)
	}
	addr := serveEcho(t, r)
	old := mustDial(t, addr, clientConfig(t, p, nil))
	if _, err := old.Write([]byte("in ")); err != nil {
		t.Fatal(err)
	}
	p.b.Write(t, f.Cert, f.Key)
	from := log.count()
	if err := r.Reload("test"); err != nil {
		t.Fatal(err)
	}
	if got, err := old.roundTrip("flight"); err != nil || got != "in flight -" {
		t.Errorf("the request in flight over the reload: %q, %v; want %q", got, err, "in flight -")
	}
	if got := old.served(); got.SerialNumber.Cmp(p.a.Cert.SerialNumber) != 0 {
		t.Errorf("the old connection has %q; want it untouched, with A", got.Subject.CommonName)
	}
	checkServes(t, addr, clientConfig(t, p, nil), p.b)
	if got := r.Leaf().SerialNumber; got.Cmp(p.b.Cert.SerialNumber) != 0 {
		t.Errorf("Leaf has serial %x, want B's", got)
	}
	line := log.wait(t, from, "TLS files reloaded")
	if line["trigger"] != "test" || line["subject"] != p.b.Cert.Subject.String() || line["cert"] != f.Cert {
		t.Errorf("reload logged %v; want trigger test, B's subject and the files", line)
	}
}

// TestReloadKeepsTheOldOnBadFiles replaces the files with ones that
// cannot be served: each reload fails with an error logged, and new
// connections still get the certificate served before.
func TestReloadKeepsTheOldOnBadFiles(t *testing.T) {
	p := newPKI(t)
	f := files(t, p.a, p.ca1.PEM)
	log := newRecords()
	r, err := New(f, slog.New(log))
	if err != nil {
		t.Fatal(err)
	}
	addr := serveEcho(t, r)
	for _, bad := range []struct {
		name    string
		replace func()
	}{
		{"garbage certificate", func() { tlstest.WriteFile(t, f.Cert, []byte("garbage")) }},
		{"key of another certificate", func() { tlstest.WriteFile(t, f.Cert, p.b.CertPEM) }},
		{"empty client CA", func() { p.a.Write(t, f.Cert, f.Key); tlstest.WriteFile(t, f.ClientCA, nil) }},
		{"missing key", func() { tlstest.WriteFile(t, f.ClientCA, p.ca1.PEM); _ = os.Remove(f.Key) }},
	} {
		bad.replace()
		from := log.count()
		if err := r.Reload("test"); err == nil {
			t.Errorf("%s: Reload succeeded", bad.name)
		}
		line := log.wait(t, from, "TLS reload failed: serving the previous certificate")
		if line["level"] != "ERROR" || line["error"] == "" || line["subject"] != p.a.Cert.Subject.String() {
			t.Errorf("%s: logged %v; want an ERROR with the error and A's subject", bad.name, line)
		}
		checkServes(t, addr, clientConfig(t, p, &p.client1), p.a)
	}
}

// TestReloadOnlyWhenChanged checks that a reload from a file event that
// finds the files as they were logs nothing, and that a bad file is
// reported once however many events follow, while a forced reload always
// logs.
func TestReloadOnlyWhenChanged(t *testing.T) {
	p := newPKI(t)
	f := files(t, p.a, nil)
	log := newRecords()
	r, err := New(f, slog.New(log))
	if err != nil {
		t.Fatal(err)
	}
	n := log.count()
	_ = r.reload("file change", false)
	if log.count() != n {
		t.Errorf("a reload of unchanged files logged %v", log.lines[n:])
	}
	tlstest.WriteFile(t, f.Cert, []byte("garbage"))
	for range 3 {
		_ = r.reload("file change", false)
	}
	if log.count() != n+1 {
		t.Errorf("three file events on one bad file logged %d lines, want 1", log.count()-n)
	}
	_ = r.Reload("SIGHUP")
	if log.count() != n+2 {
		t.Errorf("a forced reload of the bad file logged %d lines, want 1", log.count()-n-1)
	}
}

// TestWatchRename replaces the pair by renames, as deployment tools do,
// and waits for Watch to serve it.
func TestWatchRename(t *testing.T) {
	p := newPKI(t)
	f := files(t, p.a, nil)
	log := newRecords()
	r, err := New(f, slog.New(log))
	if err != nil {
		t.Fatal(err)
	}
	watch(t, r)
	addr := serveEcho(t, r)
	from := log.count()
	p.b.Write(t, f.Cert, f.Key)
	if line := log.wait(t, from, "TLS files reloaded"); line["trigger"] != "file change" || line["subject"] != p.b.Cert.Subject.String() {
		t.Errorf("logged %v; want a file change serving B", line)
	}
	checkServes(t, addr, clientConfig(t, p, nil), p.b)
}

// TestWatchKubernetesSwap updates the files the way Kubernetes updates a
// mounted Secret: the names are symlinks through ..data, a symlink to a
// directory of the current files, and an update renames a new ..data over
// it. No event names the files themselves.
func TestWatchKubernetesSwap(t *testing.T) {
	p := newPKI(t)
	dir := t.TempDir()
	version := func(name string, pair tlstest.Pair) {
		if err := os.Mkdir(filepath.Join(dir, name), 0o755); err != nil {
			t.Fatal(err)
		}
		pair.Write(t, filepath.Join(dir, name, "tls.crt"), filepath.Join(dir, name, "tls.key"))
		if err := os.Symlink(name, filepath.Join(dir, "..data_tmp")); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(filepath.Join(dir, "..data_tmp"), filepath.Join(dir, "..data")); err != nil {
			t.Fatal(err)
		}
	}
	version("..v1", p.a)
	f := Files{Cert: filepath.Join(dir, "tls.crt"), Key: filepath.Join(dir, "tls.key")}
	for _, name := range []string{"tls.crt", "tls.key"} {
		if err := os.Symlink(filepath.Join("..data", name), filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	log := newRecords()
	r, err := New(f, slog.New(log))
	if err != nil {
		t.Fatal(err)
	}
	watch(t, r)
	addr := serveEcho(t, r)
	from := log.count()
	version("..v2", p.b)
	if err := os.RemoveAll(filepath.Join(dir, "..v1")); err != nil {
		t.Fatal(err)
	}
	log.wait(t, from, "TLS files reloaded")
	checkServes(t, addr, clientConfig(t, p, nil), p.b)
}

// watch runs r.Watch until the test ends.
func watch(t *testing.T, r *Reloader) {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if err := r.Watch(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestMutualTLS checks that with a client CA, a client must present a
// certificate it verifies, that the server sees the verified chain, and
// that replacing the CA changes whom new handshakes accept: a client of
// the removed CA is refused, even resuming a TLS session it had.
func TestMutualTLS(t *testing.T) {
	p := newPKI(t)
	f := files(t, p.a, p.ca1.PEM)
	r, err := New(f, slog.New(newRecords()))
	if err != nil {
		t.Fatal(err)
	}
	addr := serveEcho(t, r)
	if got := dialErr(addr, clientConfig(t, p, nil)); !strings.Contains(got, "certificate required") {
		t.Errorf("a client without a certificate: %q, want refused (certificate required)", got)
	}
	if got := dialErr(addr, clientConfig(t, p, &p.client2)); !strings.Contains(got, "unknown certificate authority") {
		t.Errorf("a client of another CA: %q, want refused (unknown certificate authority)", got)
	}
	resuming := clientConfig(t, p, &p.client1)
	resuming.ClientSessionCache = tls.NewLRUClientSessionCache(4)
	c := mustDial(t, addr, resuming)
	if got, err := c.roundTrip("who"); err != nil || got != "who client 1" {
		t.Errorf("the server saw %q, %v; want client 1's verified certificate", got, err)
	}
	if c2 := mustDial(t, addr, resuming); !c2.ConnectionState().DidResume {
		t.Error("a second connection did not resume the session: the check below would prove nothing")
	}

	tlstest.WriteFile(t, f.ClientCA, p.ca2.PEM)
	if err := r.Reload("test"); err != nil {
		t.Fatal(err)
	}
	if got := dialErr(addr, resuming); got == "" {
		t.Error("after the CA was replaced, a client of the old CA resuming its session was accepted")
	}
	if got := dialErr(addr, clientConfig(t, p, &p.client2)); got != "" {
		t.Errorf("after the CA was replaced, a client of the new CA was refused: %s", got)
	}
}

// TestTLSVersions checks that TLS 1.2 is the least accepted and that a
// client that has TLS 1.3 gets it.
func TestTLSVersions(t *testing.T) {
	p := newPKI(t)
	r, err := New(files(t, p.a, nil), slog.New(newRecords()))
	if err != nil {
		t.Fatal(err)
	}
	addr := serveEcho(t, r)
	old := clientConfig(t, p, nil)
	old.MinVersion, old.MaxVersion = tls.VersionTLS10, tls.VersionTLS11
	if got := dialErr(addr, old); got == "" {
		t.Error("a TLS 1.1 client was accepted")
	}
	tls12 := clientConfig(t, p, nil)
	tls12.MaxVersion = tls.VersionTLS12
	if c := mustDial(t, addr, tls12); c.ConnectionState().Version != tls.VersionTLS12 {
		t.Errorf("a TLS 1.2 client got version %x", c.ConnectionState().Version)
	}
	if c := mustDial(t, addr, clientConfig(t, p, nil)); c.ConnectionState().Version != tls.VersionTLS13 {
		t.Errorf("a client with TLS 1.3 got version %x, want TLS 1.3", c.ConnectionState().Version)
	}
}
