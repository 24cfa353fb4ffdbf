package main

import (
	"context"
	"crypto/tls"
	"errors"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
	"github.com/loancore/loancore/internal/tlsreload/tlstest"
)

// testPKI is what the TLS tests serve and present: a CA that signs the
// server certificates A, B and C and a client's, and another CA that
// signs another client's.
type testPKI struct {
	ca, other        *tlstest.CA
	a, b, c          tlstest.Pair
	client, stranger tlstest.Pair
}

// newTestPKI makes a testPKI.
func newTestPKI(t *testing.T) testPKI {
	ca, other := tlstest.NewCA(t, "loancore test CA"), tlstest.NewCA(t, "another CA")
	return testPKI{ca: ca, other: other, a: ca.Server(t, "loand A"), b: ca.Server(t, "loand B"), c: ca.Server(t, "loand C"),
		client: ca.Client(t, "teller 7", "spiffe://bank.test/teller"), stranger: other.Client(t, "stranger", "")}
}

// clientTLS trusts the test CA for the server's certificate and presents
// cert, if not nil, whatever CAs the server asks for (Go's client would
// send none the server did not name; a client need not be so polite).
func (p testPKI) clientTLS(t *testing.T, cert *tlstest.Pair) *tls.Config {
	c := &tls.Config{RootCAs: p.ca.Pool()}
	if cert != nil {
		presented := cert.TLS(t)
		c.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &presented, nil }
	}
	return c
}

// writeFiles writes pair as cert.pem and key.pem, and clientCA (if not
// nil) as client-ca.pem, in dir, and returns loand's flags for them.
func writeFiles(t *testing.T, dir string, pair tlstest.Pair, clientCA []byte) []string {
	pair.Write(t, filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"))
	args := []string{"--tls-cert", filepath.Join(dir, "cert.pem"), "--tls-key", filepath.Join(dir, "key.pem")}
	if clientCA != nil {
		tlstest.WriteFile(t, filepath.Join(dir, "client-ca.pem"), clientCA)
		args = append(args, "--client-ca", filepath.Join(dir, "client-ca.pem"))
	}
	return args
}

// connect opens a client connection to addr over TLS with cfg, or
// plaintext if cfg is nil.
func connect(t *testing.T, addr string, cfg *tls.Config) *grpc.ClientConn {
	t.Helper()
	creds := insecure.NewCredentials()
	if cfg != nil {
		creds = credentials.NewTLS(cfg)
	}
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(creds))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// check calls Health/Check on conn and returns the connection's TLS
// state as the client saw it.
func check(conn *grpc.ClientConn) (tls.ConnectionState, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var p peer.Peer
	r, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{}, grpc.Peer(&p))
	if err != nil {
		return tls.ConnectionState{}, err
	}
	if r.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		return tls.ConnectionState{}, errors.New(r.GetStatus().String())
	}
	info, _ := p.AuthInfo.(credentials.TLSInfo)
	return info.State, nil
}

// servedSerial is the serial of the certificate loand presents on conn,
// failing the test if a call on it fails.
func servedSerial(t *testing.T, conn *grpc.ClientConn) *big.Int {
	t.Helper()
	st, err := check(conn)
	if err != nil {
		t.Fatal(err)
	}
	return st.PeerCertificates[0].SerialNumber
}

// handshakeErr dials addr with crypto/tls and makes one HTTP/2 round trip's
// worth of reading, which is where a server's refusal of the client's
// certificate arrives under TLS 1.3; it returns the error, or nil.
func handshakeErr(addr string, cfg *tls.Config) error {
	cfg = cfg.Clone()
	cfg.NextProtos = []string{"h2"}
	c, err := tls.Dial("tcp", addr, cfg)
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := c.Write([]byte("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00")); err != nil {
		return err
	}
	_, err = c.Read(make([]byte, 1))
	return err
}

// TestTLS serves TLS and then mutual TLS from a real loand process, with
// certificates the test made, and calls it with gRPC clients, crypto/tls
// and grpcurl.
func TestTLS(t *testing.T) {
	p := newTestPKI(t)
	bin := buildGrpcurl(t)
	t.Run("tls", func(t *testing.T) {
		proc := startProc(t, writeFiles(t, t.TempDir(), p.a, nil)...)
		proc.log.wait(t, 0, "loand serving", "transport", "TLS")
		proc.log.wait(t, 0, "TLS files loaded", "trigger", "start", "subject", p.a.Cert.Subject.String())
		conn := connect(t, proc.addr, p.clientTLS(t, nil))
		st, err := check(conn)
		if err != nil || st.Version != tls.VersionTLS13 {
			t.Errorf("health over TLS: %v, version %x; want SERVING over TLS 1.3", err, st.Version)
		}
		quote(t, conn)
		if _, err := check(connect(t, proc.addr, nil)); status.Code(err) != codes.Unavailable {
			t.Errorf("plaintext to the TLS port: %v, want UNAVAILABLE", err)
		}
		if _, err := check(connect(t, proc.addr, &tls.Config{RootCAs: p.other.Pool()})); status.Code(err) != codes.Unavailable {
			t.Errorf("a client that does not trust loand's CA: %v, want UNAVAILABLE", err)
		}
		grpcurl(t, bin, proc.addr, p.ca.PEM)
	})
	t.Run("mutual", func(t *testing.T) {
		proc := startProc(t, writeFiles(t, t.TempDir(), p.a, p.ca.PEM)...)
		proc.log.wait(t, 0, "loand serving", "transport", "mutual TLS")
		for _, refused := range []struct {
			name string
			cert *tlstest.Pair
			want string
		}{{"no certificate", nil, "certificate required"}, {"a certificate from another CA", &p.stranger, "unknown certificate authority"}} {
			if err := handshakeErr(proc.addr, p.clientTLS(t, refused.cert)); err == nil || !strings.Contains(err.Error(), refused.want) {
				t.Errorf("a client with %s: handshake %v, want refused (%s)", refused.name, err, refused.want)
			}
			if _, err := check(connect(t, proc.addr, p.clientTLS(t, refused.cert))); status.Code(err) != codes.Unavailable {
				t.Errorf("a gRPC client with %s: %v, want UNAVAILABLE", refused.name, err)
			}
		}
		conn := connect(t, proc.addr, p.clientTLS(t, &p.client))
		if _, err := check(conn); err != nil {
			t.Errorf("a client with a certificate from the CA: %v", err)
		}
		quote(t, conn)
		dir := t.TempDir()
		p.client.Write(t, filepath.Join(dir, "client.pem"), filepath.Join(dir, "client-key.pem"))
		grpcurl(t, bin, proc.addr, p.ca.PEM, "-cert", filepath.Join(dir, "client.pem"), "-key", filepath.Join(dir, "client-key.pem"))
	})
}

// TestTLSBadFiles checks that TLS files loand cannot serve stop it with
// exit status 1 and one line naming the flags and the file, before it
// opens the database.
func TestTLSBadFiles(t *testing.T) {
	p := newTestPKI(t)
	dir := t.TempDir()
	good := writeFiles(t, dir, p.a, p.ca.PEM)
	p.b.Write(t, filepath.Join(dir, "b.pem"), filepath.Join(dir, "b-key.pem"))
	tlstest.WriteFile(t, filepath.Join(dir, "empty.pem"), nil)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--tls-cert", filepath.Join(dir, "none.pem"), "--tls-key", good[3]}, "none.pem: no such file or directory"},
		{[]string{"--tls-cert", good[1], "--tls-key", filepath.Join(dir, "b-key.pem")}, "private key does not match public key"},
		{[]string{"--tls-cert", good[1], "--tls-key", good[3], "--client-ca", filepath.Join(dir, "empty.pem")},
			"client CA " + filepath.Join(dir, "empty.pem") + ": no PEM certificate in the file"},
	} {
		path := filepath.Join(t.TempDir(), "loancore.db")
		r := runLoand(t, []string{"LOANCORE_DATABASE=sqlite:" + path}, append([]string{"serve"}, tc.args...)...)
		line, rest, _ := strings.Cut(r.stderr, "\n")
		if r.code != 1 || rest != "" || !strings.HasPrefix(line, "loand: --tls-cert, --tls-key, --client-ca: ") || !strings.Contains(line, tc.want) {
			t.Errorf("loand %s: exit %d, stderr %q; want 1 and one line naming the flags and saying %q", strings.Join(tc.args, " "), r.code, r.stderr, tc.want)
		}
		if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("loand %s opened the database before refusing its TLS files (%v)", strings.Join(tc.args, " "), err)
		}
	}
}

// quote makes a loancore call on conn, which must succeed.
func quote(t *testing.T, conn *grpc.ClientConn) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, err := loancorev1.NewScheduleServiceClient(conn).QuoteSchedule(ctx, &loancorev1.QuoteScheduleRequest{Terms: &loancorev1.LoanTerms{
		Currency: "CNY", Principal: "12000", AnnualRatePercent: "12", InstallmentCount: 12,
		Method: loancorev1.RepaymentMethod_REPAYMENT_METHOD_EQUAL_PRINCIPAL, DisbursementDate: "2026-01-05"}})
	if err != nil || r.GetInstallments()[0].GetPrincipal() != "1000.00" {
		t.Errorf("QuoteSchedule: %v, %v; want a schedule of 1000.00 principal a month", r, err)
	}
}

// buildGrpcurl builds the pinned grpcurl into a directory of the test's,
// or returns "" with -short: the first build takes a minute or two.
func buildGrpcurl(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		return ""
	}
	bin := filepath.Join(t.TempDir(), "grpcurl")
	cmd := exec.Command("go", "build", "-modfile=tools/go.mod", "-o", bin, "github.com/fullstorydev/grpcurl/cmd/grpcurl")
	cmd.Dir = "../.."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building grpcurl: %v\n%s", err, out)
	}
	return bin
}

// grpcurl runs grpcurl (bin, skipped if "") with -cacert, a file holding
// caPEM, and clientFlags against addr's Health/Check, which must answer
// SERVING; given clientFlags (-cert and -key), it checks that without
// them the call is refused.
func grpcurl(t *testing.T, bin, addr string, caPEM []byte, clientFlags ...string) {
	t.Helper()
	if bin == "" {
		t.Log("grpcurl skipped with -short")
		return
	}
	caPath := filepath.Join(t.TempDir(), "ca.pem")
	tlstest.WriteFile(t, caPath, caPEM)
	run := func(flags ...string) (string, error) {
		args := append(append([]string{"-cacert", caPath}, flags...), addr, "grpc.health.v1.Health/Check")
		out, err := exec.Command(bin, args...).CombinedOutput()
		return "grpcurl " + strings.Join(args, " ") + ":\n" + string(out), err
	}
	if out, err := run(clientFlags...); err != nil || !strings.Contains(out, `"status": "SERVING"`) {
		t.Errorf("%s%v", out, err)
	}
	if len(clientFlags) > 0 {
		if out, err := run(); err == nil {
			t.Errorf("without a client certificate under mutual TLS, it succeeded: %s", out)
		}
	}
}
