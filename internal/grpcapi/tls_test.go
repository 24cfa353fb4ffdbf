package grpcapi_test

import (
	"crypto/tls"
	"io"
	"log/slog"
	"math/big"
	"path/filepath"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/loancore/loancore/internal/grpcapi"
	"github.com/loancore/loancore/internal/tlsreload"
	"github.com/loancore/loancore/internal/tlsreload/tlstest"
)

// tlsFiles writes server's pair, and clientCA if not nil, and returns a
// Reloader serving them.
func tlsFiles(t *testing.T, server tlstest.Pair, clientCA []byte) (*tlsreload.Reloader, tlsreload.Files) {
	t.Helper()
	dir := t.TempDir()
	f := tlsreload.Files{Cert: filepath.Join(dir, "cert.pem"), Key: filepath.Join(dir, "key.pem")}
	server.Write(t, f.Cert, f.Key)
	if clientCA != nil {
		f.ClientCA = filepath.Join(dir, "client-ca.pem")
		tlstest.WriteFile(t, f.ClientCA, clientCA)
	}
	r, err := tlsreload.New(f, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return r, f
}

// clientTLS trusts ca and presents client, if not nil.
func clientTLS(t *testing.T, ca *tlstest.CA, client *tlstest.Pair) *tls.Config {
	c := &tls.Config{RootCAs: ca.Pool(), ServerName: "localhost"}
	if client != nil {
		c.Certificates = []tls.Certificate{client.TLS(t)}
	}
	return c
}

// TestHandlerSeesClientCertificate serves mutual TLS and checks that a
// handler finds the client's verified chain in its peer's TLSInfo, which
// is where authentication reads the identity from; and that a plaintext
// client is not served.
func TestHandlerSeesClientCertificate(t *testing.T) {
	ca := tlstest.NewCA(t, "test CA")
	client := ca.Client(t, "teller 7", "spiffe://bank.test/teller")
	r, _ := tlsFiles(t, ca.Server(t, "loand"), ca.PEM)
	addr, _ := serveProbe(t, grpcapi.Options{TLS: r.Config()})
	conn := dial(t, addr, clientTLS(t, ca, &client))
	var got wrapperspb.StringValue
	if err := callProbe(ctx(t), conn, "Peer", &emptypb.Empty{}, &got); err != nil {
		t.Fatal(err)
	}
	if want := "teller 7, spiffe://bank.test/teller < test CA"; got.GetValue() != want {
		t.Errorf("the handler saw %q, want %q", got.GetValue(), want)
	}
	if _, err := healthpb.NewHealthClient(conn).Check(ctx(t), &healthpb.HealthCheckRequest{}); err != nil {
		t.Errorf("health over mutual TLS: %v", err)
	}
	plain := dial(t, addr, nil)
	if _, err := healthpb.NewHealthClient(plain).Check(ctx(t), &healthpb.HealthCheckRequest{}); status.Code(err) != codes.Unavailable {
		t.Errorf("plaintext to the TLS port: %v, want UNAVAILABLE", err)
	}
}

// servedSerial makes a call on conn and returns the serial of the
// certificate the server presented on the connection it went over.
func servedSerial(t *testing.T, conn *grpc.ClientConn) *big.Int {
	t.Helper()
	var p peer.Peer
	if _, err := healthpb.NewHealthClient(conn).Check(ctx(t), &healthpb.HealthCheckRequest{}, grpc.Peer(&p)); err != nil {
		t.Fatal(err)
	}
	return p.AuthInfo.(credentials.TLSInfo).State.PeerCertificates[0].SerialNumber
}

// TestReloadUnderACallInFlight replaces the server's certificate while a
// call is in flight: the call completes, its connection keeps the
// certificate it was made with, and a new connection gets the new one.
func TestReloadUnderACallInFlight(t *testing.T) {
	ca := tlstest.NewCA(t, "test CA")
	a, b := ca.Server(t, "loand A"), ca.Server(t, "loand B")
	r, f := tlsFiles(t, a, nil)
	addr, p := serveProbe(t, grpcapi.Options{TLS: r.Config()})
	old := dial(t, addr, clientTLS(t, ca, nil))
	if got := servedSerial(t, old); got.Cmp(a.Cert.SerialNumber) != 0 {
		t.Fatalf("served serial %x, want A's", got)
	}
	inFlight := make(chan error, 1)
	go func() { inFlight <- callProbe(ctx(t), old, "Block", &emptypb.Empty{}, &emptypb.Empty{}) }()
	<-p.entered

	b.Write(t, f.Cert, f.Key)
	if err := r.Reload("test"); err != nil {
		t.Fatal(err)
	}
	close(p.release)
	if err := <-inFlight; err != nil {
		t.Errorf("the call in flight over the reload: %v", err)
	}
	if got := servedSerial(t, old); got.Cmp(a.Cert.SerialNumber) != 0 {
		t.Errorf("the old connection now has serial %x; want A's, on the same connection", got)
	}
	if got := servedSerial(t, dial(t, addr, clientTLS(t, ca, nil))); got.Cmp(b.Cert.SerialNumber) != 0 {
		t.Errorf("a new connection has serial %x, want B's", got)
	}
}
