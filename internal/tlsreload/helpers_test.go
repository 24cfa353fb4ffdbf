package tlsreload

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loancore/loancore/internal/tlsreload/tlstest"
)

// records is a slog.Handler that keeps every record, for tests to wait
// for the lines an operator would look for.
type records struct {
	mu      sync.Mutex
	lines   []slog.Record
	changed chan struct{}
}

// newRecords is an empty records.
func newRecords() *records { return &records{changed: make(chan struct{})} }

// Enabled keeps every level: the tests check levels themselves.
func (r *records) Enabled(context.Context, slog.Level) bool { return true }

// WithAttrs is r: the Reloader logs no attributes ahead of a line.
func (r *records) WithAttrs([]slog.Attr) slog.Handler { return r }

// WithGroup is r: the Reloader uses no groups.
func (r *records) WithGroup(string) slog.Handler { return r }

// Handle keeps rec and wakes whoever waits for a line.
func (r *records) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lines = append(r.lines, rec.Clone())
	close(r.changed)
	r.changed = make(chan struct{})
	return nil
}

// count is how many records there are so far; wait looks after it.
func (r *records) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.lines)
}

// wait returns the attributes of the first record after the first from
// records with message msg, failing the test if none comes in 30 seconds
// (a reload takes milliseconds; the bound only stops a hung test).
func (r *records) wait(t *testing.T, from int, msg string) map[string]string {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		r.mu.Lock()
		for _, rec := range r.lines[min(from, len(r.lines)):] {
			if rec.Message == msg {
				r.mu.Unlock()
				return attrsOf(rec)
			}
		}
		changed := r.changed
		r.mu.Unlock()
		select {
		case <-changed:
		case <-timeout:
			t.Fatalf("no %q logged", msg)
		}
	}
}

// attrsOf is a record's attributes as strings, with its level as "level".
func attrsOf(rec slog.Record) map[string]string {
	m := map[string]string{"level": rec.Level.String()}
	rec.Attrs(func(a slog.Attr) bool { m[a.Key] = a.Value.String(); return true })
	return m
}

// pki is what the tests serve: two CAs, server certificates A and B from
// the first, and a client certificate from each.
type pki struct {
	ca1, ca2         *tlstest.CA
	a, b             tlstest.Pair
	client1, client2 tlstest.Pair
}

// newPKI makes a pki.
func newPKI(t *testing.T) pki {
	ca1, ca2 := tlstest.NewCA(t, "test CA 1"), tlstest.NewCA(t, "test CA 2")
	return pki{ca1: ca1, ca2: ca2, a: ca1.Server(t, "server A"), b: ca1.Server(t, "server B"),
		client1: ca1.Client(t, "client 1", "spiffe://bank.test/teller"), client2: ca2.Client(t, "client 2", "")}
}

// files writes pair (and clientCA, if not nil) into a new directory and
// names them.
func files(t *testing.T, pair tlstest.Pair, clientCA []byte) Files {
	dir := t.TempDir()
	f := Files{Cert: filepath.Join(dir, "cert.pem"), Key: filepath.Join(dir, "key.pem")}
	pair.Write(t, f.Cert, f.Key)
	if clientCA != nil {
		f.ClientCA = filepath.Join(dir, "client-ca.pem")
		tlstest.WriteFile(t, f.ClientCA, clientCA)
	}
	return f
}

// serveEcho serves TLS with r's configuration on a loopback port until
// the test ends, answering each line with the line and the common name
// of the client's verified certificate ("-" without one), and returns the
// address.
func serveEcho(t *testing.T, r *Reloader) string {
	t.Helper()
	lis, err := tls.Listen("tcp", "127.0.0.1:0", r.Config())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = lis.Close() })
	go func() {
		for {
			c, err := lis.Accept()
			if err != nil {
				return
			}
			go echo(c.(*tls.Conn))
		}
	}()
	return lis.Addr().String()
}

// echo answers c's lines until it closes.
func echo(c *tls.Conn) {
	defer c.Close()
	if c.Handshake() != nil {
		return
	}
	client := "-"
	if chains := c.ConnectionState().VerifiedChains; len(chains) > 0 {
		client = chains[0][0].Subject.CommonName
	}
	sc := bufio.NewScanner(c)
	for sc.Scan() {
		if _, err := c.Write([]byte(sc.Text() + " " + client + "\n")); err != nil {
			return
		}
	}
}

// clientConfig trusts ca1 and presents cert, if there is one, whatever
// CAs the server asks for: Go's client sends none that the server's list
// of acceptable CAs does not name, but a client need not be polite.
func clientConfig(t *testing.T, p pki, cert *tlstest.Pair) *tls.Config {
	c := &tls.Config{RootCAs: p.ca1.Pool(), ServerName: "localhost"}
	if cert != nil {
		presented := cert.TLS(t)
		c.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &presented, nil }
	}
	return c
}

// conn is a client's connection to serveEcho.
type conn struct {
	*tls.Conn
	lines *bufio.Reader
}

// dial connects with cfg and makes one round trip, which is where a
// server's refusal of a client certificate shows under TLS 1.3 (the
// client's handshake is done before the server has checked it).
func dial(addr string, cfg *tls.Config) (*conn, error) {
	tc, err := tls.Dial("tcp", addr, cfg)
	if err != nil {
		return nil, err
	}
	c := &conn{Conn: tc, lines: bufio.NewReader(tc)}
	if _, err := c.roundTrip("hello"); err != nil {
		_ = tc.Close()
		return nil, err
	}
	return c, nil
}

// roundTrip sends a line and returns the answer.
func (c *conn) roundTrip(line string) (string, error) {
	if _, err := c.Write([]byte(line + "\n")); err != nil {
		return "", err
	}
	got, err := c.lines.ReadString('\n')
	return strings.TrimSuffix(got, "\n"), err
}

// served is the certificate the server presented on c.
func (c *conn) served() *x509.Certificate { return c.ConnectionState().PeerCertificates[0] }

// mustDial is dial for a connection the test needs.
func mustDial(t *testing.T, addr string, cfg *tls.Config) *conn {
	t.Helper()
	c, err := dial(addr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// checkServes fails the test unless a new connection is served want.
func checkServes(t *testing.T, addr string, cfg *tls.Config, want tlstest.Pair) {
	t.Helper()
	c := mustDial(t, addr, cfg)
	if got := c.served(); got.SerialNumber.Cmp(want.Cert.SerialNumber) != 0 {
		t.Errorf("a new connection is served %q (serial %x), want %q (serial %x)",
			got.Subject.CommonName, got.SerialNumber, want.Cert.Subject.CommonName, want.Cert.SerialNumber)
	}
}

// dialErr is why a connection with cfg is refused, "" if it is not.
func dialErr(addr string, cfg *tls.Config) string {
	c, err := dial(addr, cfg)
	if err != nil {
		return err.Error()
	}
	_ = c.Close()
	return ""
}
