package grpcapi

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
	"github.com/loancore/loancore/internal/auth"
	"github.com/loancore/loancore/internal/telemetry"
)

// benchMethod and benchRepaymentRequest are the call make bench-payments
// makes, as the gate sees it.
const benchMethod = "/loancore.v1.LoanService/RecordRepayment"

func benchRepaymentRequest() *loancorev1.RecordRepaymentRequest {
	return &loancorev1.RecordRepaymentRequest{RequestId: "run-1-3-4711", LoanId: "BENCH-17", Amount: "1.00", ValueDate: "2024-02-15"}
}

// BenchmarkGate times the gate of one RecordRepayment, around a handler
// that does nothing: authentication, authorization and the audit line
// (formatted as loand's JSON, written to io.Discard: BenchmarkAuditLine
// times the write). auth=dev is loand with authentication off, the
// baseline the others add to; jwt-ES256 and jwt-RS256 a bearer JWT of a
// bank's identity provider, the same token every call, as a client
// sends, with the verified-token cache off and on (loand's default);
// apikey a service account's key.
func BenchmarkGate(b *testing.B) {
	audit := slog.New(telemetry.NewJSONHandler(io.Discard))
	b.Run("auth=dev", func(b *testing.B) {
		benchGate(b, newGate(Options{Dev: true, Audit: audit}, audit), context.Background())
	})
	for _, alg := range []string{"ES256", "RS256"} {
		for _, cache := range []int{0, auth.DefaultTokenCache} {
			authn, header := benchJWT(b, alg, cache)
			g := newGate(Options{Authenticator: authn, Audit: audit}, audit)
			name := "auth=jwt-" + alg + "/cache=" + map[bool]string{false: "off", true: "on"}[cache > 0]
			b.Run(name, func(b *testing.B) { benchGate(b, g, bearer(header)) })
		}
	}
	path := filepath.Join(b.TempDir(), "keys.jsonl")
	_, key, err := auth.CreateAPIKey(path, "svc-payments", []string{"servicer"}, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	var keys auth.APIKeys
	if err := keys.Load(data); err != nil {
		b.Fatal(err)
	}
	g := newGate(Options{Authenticator: &auth.Authenticator{APIKeys: &keys}, Audit: audit}, audit)
	b.Run("auth=apikey", func(b *testing.B) { benchGate(b, g, bearer("Bearer "+key)) })
}

// bearer is an incoming call's context with header as its authorization.
func bearer(header string) context.Context {
	return metadata.NewIncomingContext(context.Background(), metadata.Pairs(authorizationField, header))
}

// benchGate runs a RecordRepayment through g's unary interceptor b.N
// times, from a loopback peer, failing on the first refusal.
func benchGate(b *testing.B, g *gate, ctx context.Context) {
	ctx = peer.NewContext(ctx, &peer.Peer{Addr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 41234}})
	intercept := g.unary()
	info := &grpc.UnaryServerInfo{FullMethod: benchMethod}
	req := benchRepaymentRequest()
	handler := func(context.Context, any) (any, error) { return req, nil }
	b.ReportAllocs()
	for b.Loop() {
		if _, err := intercept(ctx, req, info, handler); err != nil {
			b.Fatal(err)
		}
	}
}

// benchJWT is an authenticator of JWTs signed by a fresh key of
// algorithm alg (ES256 or RS256), remembering cache verified tokens, and
// the authorization header of a servicer's token valid for an hour.
func benchJWT(b *testing.B, alg string, cache int) (*auth.Authenticator, string) {
	b.Helper()
	var key crypto.Signer
	var err error
	method := jwt.GetSigningMethod(alg)
	if alg == "RS256" {
		key, err = rsa.GenerateKey(rand.Reader, 2048)
	} else {
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	if err != nil {
		b.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		b.Fatal(err)
	}
	pub, err := auth.ParsePublicKeyPEM(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	if err != nil {
		b.Fatal(err)
	}
	v, err := auth.NewJWT(auth.JWTConfig{Issuer: "https://idp.bank.test", Audience: "loancore", Leeway: auth.DefaultLeeway,
		CacheSize: cache}, pub)
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	tok, err := jwt.NewWithClaims(method, jwt.MapClaims{"iss": "https://idp.bank.test", "aud": "loancore",
		"sub": "svc-payments", "roles": []string{"servicer"}, "iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}).SignedString(key)
	if err != nil {
		b.Fatal(err)
	}
	return &auth.Authenticator{JWT: v}, "Bearer " + tok
}

// BenchmarkAuditLine times one call's audit line alone, as the gate
// writes it for a RecordRepayment: formatted and discarded, then written
// to a file as loand writes it (--audit-log's JSON lines, or the log's
// own JSON or text on stderr, which the bench sends to a file): one
// write(2) per line, unbuffered. loand's JSON lines are
// telemetry.JSONHandler's (lines-*); slog's own JSON handler (json-*),
// which writes the same bytes, is beside them.
func BenchmarkAuditLine(b *testing.B) {
	p := auth.Principal{Subject: "svc-payments", Roles: []string{"servicer"}, Via: auth.ViaJWT}
	ctx := peer.NewContext(context.Background(), &peer.Peer{Addr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 41234}})
	req := benchRepaymentRequest()
	f, err := os.OpenFile(filepath.Join(b.TempDir(), "audit.jsonl"), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	for _, sink := range []struct {
		name string
		h    slog.Handler
	}{
		{"lines-discard", telemetry.NewJSONHandler(io.Discard)},
		{"lines-file", telemetry.NewJSONHandler(f)},
		{"json-discard", slog.NewJSONHandler(io.Discard, nil)},
		{"json-file", slog.NewJSONHandler(f, nil)},
		{"text-file", slog.NewTextHandler(f, nil)},
	} {
		g := &gate{audit: slog.New(sink.h)}
		b.Run(sink.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				g.record(ctx, p, benchMethod, req, 0, 1234*time.Microsecond)
			}
		})
	}
}
