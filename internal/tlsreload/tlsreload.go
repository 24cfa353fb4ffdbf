package tlsreload

import (
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// Files names the PEM files a Reloader serves.
type Files struct {
	// Cert is the server's certificate chain, leaf first; Key its
	// private key.
	Cert, Key string
	// ClientCA, when not empty, is a bundle of the CAs a client's
	// certificate must chain to: clients without one that verifies are
	// refused at the handshake (mutual TLS).
	ClientCA string
}

// Reloader holds the TLS configuration read from its Files last, and
// hands it to every new handshake.
type Reloader struct {
	files Files
	log   *slog.Logger
	// cur is what handshakes use; Load is all a handshake does, so a
	// reload never waits for one nor one for a reload.
	cur atomic.Pointer[loaded]
	// mu serialises reloads, which read and write failed.
	mu sync.Mutex
	// failed is the digest of the files the last failed reload read, so
	// that a file event that changes nothing in a bad file does not log
	// the same error again.
	failed [sha256.Size]byte
}

// loaded is one reading of the files, ready to serve.
type loaded struct {
	// config is returned as it is to each handshake, and never changed.
	config *tls.Config
	leaf   *x509.Certificate
	cas    int
	// digest identifies the bytes read, so that a reload that finds the
	// same bytes can skip swapping and logging.
	digest [sha256.Size]byte
}

// New reads files and returns a Reloader serving them. Any problem with
// them is an error: a server should not start with a certificate it
// cannot serve.
func New(files Files, log *slog.Logger) (*Reloader, error) {
	if files.Cert == "" || files.Key == "" {
		return nil, errors.New("tlsreload: a certificate file and a key file are needed")
	}
	r := &Reloader{files: files, log: log}
	l, err := r.read()
	if err != nil {
		return nil, err
	}
	r.cur.Store(l)
	log.Info("TLS files loaded", r.attrs(l, "start")...)
	return r, nil
}

// Config is the server configuration to serve with: each handshake takes
// the certificate, key and client CAs read last, through
// GetConfigForClient, so a reload changes what new connections see and
// nothing else.
func (r *Reloader) Config() *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
			return r.cur.Load().config, nil
		},
	}
}

// Leaf is the certificate new handshakes present.
func (r *Reloader) Leaf() *x509.Certificate { return r.cur.Load().leaf }

// Reload reads the files again and serves them from the next handshake
// on, logging the new certificate; trigger says what asked for it (it is
// logged: "SIGHUP", say). If they cannot be served, it logs why at ERROR,
// keeps serving the previous ones and returns the error.
func (r *Reloader) Reload(trigger string) error { return r.reload(trigger, true) }

// reload is Reload; unless force, it does nothing when the files hold
// what is served already or what failed last time, so that file events
// that change nothing are silent.
func (r *Reloader) reload(trigger string, force bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	raw, err := readFiles(r.files)
	if err == nil && !force && (raw.digest == r.cur.Load().digest || raw.digest == r.failed) {
		return nil
	}
	var l *loaded
	if err == nil {
		r.failed = raw.digest
		l, err = raw.parse(r.files)
	}
	if err != nil {
		old := r.cur.Load()
		r.log.Error("TLS reload failed: serving the previous certificate", "trigger", trigger, "error", err.Error(),
			"subject", old.leaf.Subject.String(), "not_after", old.leaf.NotAfter.UTC().Format(time.RFC3339))
		return err
	}
	r.failed = [sha256.Size]byte{}
	r.cur.Store(l)
	r.log.Info("TLS files reloaded", r.attrs(l, trigger)...)
	return nil
}

// attrs are what a load's log line says: which files, from what trigger,
// and the certificate now served.
func (r *Reloader) attrs(l *loaded, trigger string) []any {
	a := []any{"trigger", trigger, "cert", r.files.Cert, "key", r.files.Key}
	if r.files.ClientCA != "" {
		a = append(a, "client_ca", r.files.ClientCA, "client_cas", l.cas)
	}
	return append(a, "subject", l.leaf.Subject.String(), "serial", serial(l.leaf),
		"not_after", l.leaf.NotAfter.UTC().Format(time.RFC3339))
}

// serial is c's serial number as `openssl x509 -noout -serial` prints it
// (upper-case hex, whole bytes), so that an operator can compare the two.
func serial(c *x509.Certificate) string {
	s := fmt.Sprintf("%X", c.SerialNumber)
	if len(s)%2 == 1 {
		s = "0" + s
	}
	return s
}

// read reads and parses the files.
func (r *Reloader) read() (*loaded, error) {
	raw, err := readFiles(r.files)
	if err != nil {
		return nil, err
	}
	return raw.parse(r.files)
}

// rawFiles are the files' bytes, as read.
type rawFiles struct {
	cert, key, ca []byte
	digest        [sha256.Size]byte
}

// readFiles reads the files; the client CA only when one is named.
func readFiles(f Files) (rawFiles, error) {
	var raw rawFiles
	var err error
	if raw.cert, err = os.ReadFile(f.Cert); err != nil {
		return raw, err
	}
	if raw.key, err = os.ReadFile(f.Key); err != nil {
		return raw, err
	}
	if f.ClientCA != "" {
		if raw.ca, err = os.ReadFile(f.ClientCA); err != nil {
			return raw, err
		}
	}
	h := sha256.New()
	for _, b := range [][]byte{raw.cert, raw.key, raw.ca} {
		// Each file's length first, so that bytes moving from one file
		// to the next change the digest.
		fmt.Fprintf(h, "%d:", len(b))
		h.Write(b)
	}
	h.Sum(raw.digest[:0])
	return raw, nil
}

// parse builds the configuration a handshake uses from the files' bytes.
// TLS 1.2 is the least it accepts; Go negotiates 1.3 with every client
// that has it, and gRPC's credentials narrow TLS 1.2's cipher suites to
// the ECDHE AEAD ones HTTP/2 allows, so no list is kept here.
func (raw rawFiles) parse(f Files) (*loaded, error) {
	cert, err := tls.X509KeyPair(raw.cert, raw.key)
	if err != nil {
		return nil, fmt.Errorf("certificate %s and key %s: %w", f.Cert, f.Key, err)
	}
	l := &loaded{leaf: cert.Leaf, digest: raw.digest, config: &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{cert},
		NextProtos:   []string{"h2"},
	}}
	if f.ClientCA != "" {
		pool, n, err := parseCAs(raw.ca)
		if err != nil {
			return nil, fmt.Errorf("client CA %s: %w", f.ClientCA, err)
		}
		l.config.ClientAuth, l.config.ClientCAs, l.cas = tls.RequireAndVerifyClientCert, pool, n
	}
	return l, nil
}

// parseCAs reads a PEM bundle of CA certificates. Text between the blocks
// is allowed (openssl writes the subjects there), but every block must be
// a certificate that parses, and there must be one: x509.CertPool's own
// AppendCertsFromPEM skips what it cannot read, which would turn a
// damaged bundle into a server that trusts fewer clients than intended,
// or none, without a word.
func parseCAs(bundle []byte) (*x509.CertPool, int, error) {
	pool := x509.NewCertPool()
	n := 0
	for rest := bundle; ; {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			return nil, 0, fmt.Errorf("PEM block %d is a %q, want CERTIFICATE", n+1, b.Type)
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, 0, fmt.Errorf("certificate %d: %w", n+1, err)
		}
		pool.AddCert(c)
		n++
	}
	if n == 0 {
		return nil, 0, errors.New("no PEM certificate in the file")
	}
	// pem.Decode passes over a block it cannot decode to the next one.
	if begun := bytes.Count(bundle, []byte("-----BEGIN")); begun != n {
		return nil, 0, fmt.Errorf("%d PEM blocks begin in the file but %d decode", begun, n)
	}
	return pool, n, nil
}
