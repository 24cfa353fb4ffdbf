package grpcapi_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"

	"github.com/loancore/loancore/internal/auth"
	"github.com/loancore/loancore/internal/grpcapi"
	"github.com/loancore/loancore/internal/servicing"
	"github.com/loancore/loancore/internal/store"
	"github.com/loancore/loancore/internal/store/storetest"
)

// The JWTs the fixture accepts: issued by testIssuer for testAudience,
// signed by the fixture's key under kid testKid.
const (
	testIssuer   = "https://idp.loancore.test"
	testAudience = "loancore"
	testKid      = "k1"
)

// authFixture is a loancore server that authenticates for real, over TLS:
// JWTs signed by a key the test made (a JWKS of one key), API keys from a
// keys file made by auth.CreateAPIKey, and client certificates of a test
// CA (verified when a client sends one). Its policy is the default one,
// with each role also given to the certificate subject
// spiffe://loancore.test/<role>.
type authFixture struct {
	addr    string
	policy  *auth.Policy
	jwtKey  *ecdsa.PrivateKey
	apiKeys map[string]string // role → key
	revoked string            // an admin key, revoked
	// conns are connections by client certificate: "" has none, a role
	// the certificate of that role, "stranger" one of another CA.
	conns map[string]*grpc.ClientConn
	audit *lockedBuffer
	// edit, if not nil, changes the policy's text before it is parsed.
	edit func(policy string) string
}

// lockedBuffer is an audit log the test reads while the server writes.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// lines returns the audit lines written so far, decoded.
func (b *lockedBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(b.buf.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("audit line %q: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

// newAuthFixture serves loancore on store (a storetest.Stores name) with
// authentication on.
func newAuthFixture(t *testing.T, store string) *authFixture {
	t.Helper()
	return newAuthFixtureWith(t, store, nil)
}

// newAuthFixtureWith is newAuthFixture under the default policy as edit
// changes its text (nil: as it is).
func newAuthFixtureWith(t *testing.T, store string, edit func(policy string) string) *authFixture {
	t.Helper()
	f := &authFixture{apiKeys: map[string]string{}, conns: map[string]*grpc.ClientConn{}, audit: &lockedBuffer{}, edit: edit}
	ca, caKey := newCA(t, "loancore test CA")
	serverTLS := &tls.Config{Certificates: []tls.Certificate{leaf(t, ca, caKey, "localhost", nil, true)},
		ClientCAs: pool(ca), ClientAuth: tls.VerifyClientCertIfGiven, MinVersion: tls.VersionTLS13}
	policy, authn := f.authentication(t)
	f.policy = policy
	clk := &clock{now: testNow}
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	feed, db := watchedFeed(t, storetest.Stores[store](t))
	loans, err := servicing.NewLoans(servicing.NewLoansParams{Store: db, Now: clk.Now, Location: shanghai})
	if err != nil {
		t.Fatal(err)
	}
	srv := grpcapi.NewServer(grpcapi.Options{Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})), Loans: loans,
		Close: servicing.NewClose(servicing.NewCloseParams{Store: db, Loans: loans}), Authenticator: authn, Policy: policy,
		Feed: feed, CreditLines: servicing.NewCreditLines(loans, db),
		Audit: slog.New(slog.NewJSONHandler(f.audit, nil)), ServerOptions: []grpc.ServerOption{grpc.Creds(credentials.NewTLS(serverTLS))}})
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.GRPC.Serve(lis) }()
	t.Cleanup(srv.GRPC.Stop)
	f.addr = lis.Addr().String()
	f.conns[""] = dialTLS(t, f.addr, ca, nil)
	for _, role := range policy.Roles() {
		cert := leaf(t, ca, caKey, role, &url.URL{Scheme: "spiffe", Host: "loancore.test", Path: "/" + role}, false)
		f.conns[role] = dialTLS(t, f.addr, ca, &cert)
	}
	otherCA, otherKey := newCA(t, "another CA")
	stranger := leaf(t, otherCA, otherKey, "admin", &url.URL{Scheme: "spiffe", Host: "loancore.test", Path: "/admin"}, false)
	f.conns["stranger"] = dialTLS(t, f.addr, ca, &stranger)
	return f
}

// watchedFeed is the event feed of db, sequenced until the test ends,
// and db telling it of writes.
func watchedFeed(t *testing.T, db store.Store) (*servicing.Feed, store.Store) {
	feed := servicing.NewFeed(servicing.NewFeedParams{Store: db, Poll: 20 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { feed.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return feed, feed.Watch(db)
}

// authentication makes the fixture's policy, its JWT key and JWKS, and
// its API keys (one per role, and a revoked admin key), and the
// authenticator over them.
func (f *authFixture) authentication(t *testing.T) (*auth.Policy, *auth.Authenticator) {
	t.Helper()
	var certs strings.Builder
	certs.WriteString("certificates:\n")
	for _, role := range []string{"viewer", "servicer", "collector", "operator", "auditor", "subscriber", "admin"} {
		fmt.Fprintf(&certs, "  \"spiffe://loancore.test/%s\": [%s]\n", role, role)
	}
	yaml := strings.Replace(string(auth.DefaultPolicyYAML()), "certificates: {}\n", certs.String(), 1)
	if f.edit != nil {
		yaml = f.edit(yaml)
	}
	policy, err := auth.ParsePolicy([]byte(yaml), grpcapi.Methods())
	if err != nil {
		t.Fatal(err)
	}
	if f.jwtKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		t.Fatal(err)
	}
	var jwks auth.JWKS
	if err := jwks.Load(jwksOf(f.jwtKey)); err != nil {
		t.Fatal(err)
	}
	verifier, err := auth.NewJWT(auth.JWTConfig{Issuer: testIssuer, Audience: testAudience, Leeway: auth.DefaultLeeway,
		CacheSize: auth.DefaultTokenCache}, &jwks)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "api-keys.jsonl")
	for _, role := range policy.Roles() {
		if _, f.apiKeys[role], err = auth.CreateAPIKey(path, "key-"+role, []string{role}, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	id, revoked, err := auth.CreateAPIKey(path, "key-revoked", []string{"admin"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := auth.RevokeAPIKey(path, id, time.Now()); err != nil {
		t.Fatal(err)
	}
	f.revoked = revoked
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var keys auth.APIKeys
	if err := keys.Load(data); err != nil {
		t.Fatal(err)
	}
	return policy, &auth.Authenticator{JWT: verifier, APIKeys: &keys, CertificateRoles: policy.CertificateRoles}
}

// jwksOf is a JWK Set of key's public half under testKid.
func jwksOf(key *ecdsa.PrivateKey) []byte {
	ecdh, _ := key.PublicKey.ECDH()
	raw := ecdh.Bytes()
	b64 := base64.RawURLEncoding.EncodeToString
	out, _ := json.Marshal(map[string]any{"keys": []map[string]string{
		{"kty": "EC", "kid": testKid, "crv": "P-256", "x": b64(raw[1:33]), "y": b64(raw[33:])}}})
	return out
}

// jwtFor is a JWT for subject with roles, valid now, which edit may spoil;
// signed by key under kid, or unsigned (alg none) when key is nil.
func jwtFor(t *testing.T, key *ecdsa.PrivateKey, kid, subject string, roles []string, edit func(jwt.MapClaims)) string {
	t.Helper()
	now := time.Now()
	c := jwt.MapClaims{"iss": testIssuer, "aud": testAudience, "sub": subject, "roles": roles,
		"iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix()}
	if edit != nil {
		edit(c)
	}
	if key == nil {
		s, err := jwt.NewWithClaims(jwt.SigningMethodNone, c).SignedString(jwt.UnsafeAllowNoneSignatureType)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodES256, c)
	tok.Header["kid"] = kid
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// bearer is ctx sending credential as a bearer credential.
func bearer(ctx context.Context, credential string) context.Context {
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+credential)
}

// newCA makes a self-signed CA.
func newCA(t *testing.T, name string) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key
}

// leaf makes a certificate signed by ca: a server's for localhost and
// 127.0.0.1, or a client's with CN cn and, if given, a URI SAN.
func leaf(t *testing.T, ca *x509.Certificate, caKey *ecdsa.PrivateKey, cn string, uri *url.URL, server bool) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: cn}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	if server {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		tmpl.DNSNames, tmpl.IPAddresses = []string{"localhost"}, []net.IP{net.IPv4(127, 0, 0, 1)}
	}
	if uri != nil {
		tmpl.URIs = []*url.URL{uri}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// pool is a certificate pool of ca alone.
func pool(ca *x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca)
	return p
}

// dialTLS connects to addr trusting ca, sending cert if it is not nil.
// It sends it even when the server asks for certificates of other CAs
// (where Go's client would send none), as an attacker's client would.
func dialTLS(t *testing.T, addr string, ca *x509.Certificate, cert *tls.Certificate) *grpc.ClientConn {
	t.Helper()
	cfg := &tls.Config{RootCAs: pool(ca), MinVersion: tls.VersionTLS13}
	if cert != nil {
		cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return cert, nil }
	}
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(credentials.NewTLS(cfg)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}
