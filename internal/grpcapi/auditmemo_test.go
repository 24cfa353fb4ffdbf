package grpcapi

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/peer"

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
	"github.com/loancore/loancore/internal/auth"
)

// TestAuditLineAsLogAttrs: the line record writes, in JSON and in text,
// is byte for byte the one slog.Logger.LogAttrs writes from the same
// attributes rendered afresh (the roles boxed, the peer's String), for
// principals and connections seen again (the memo's hits), ones that
// share a slot (another host on the same port among them), a principal whose roles changed, no roles, a peer that is
// not TCP, and no peer. The time is left out of both (it differs).
func TestAuditLineAsLogAttrs(t *testing.T) {
	noTime := &slog.HandlerOptions{ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
		if len(groups) == 0 && a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}}
	conn := func(host byte, port int) context.Context {
		return peer.NewContext(context.Background(), &peer.Peer{Addr: &net.TCPAddr{IP: net.IPv4(10, 0, 0, host), Port: port}})
	}
	// a, b and d share a slot; d is another host on a's port.
	a, b, c, d := conn(1, 41234), conn(1, 41234+auditMemoSlots), conn(2, 50000), conn(3, 41234)
	unix := peer.NewContext(context.Background(), &peer.Peer{Addr: &net.UnixAddr{Name: "/run/loand.sock", Net: "unix"}})
	svc := auth.Principal{Subject: "svc-payments", Roles: []string{"servicer"}, Via: auth.ViaJWT}
	ops := auth.Principal{Subject: "ops", Roles: []string{"operator", "viewer"}, Via: auth.ViaAPIKey, OnBehalfOf: "borrower B1"}
	widened := ops
	widened.Roles = append([]string{}, "operator", "viewer", "admin")
	narrowed := widened
	narrowed.Roles = widened.Roles[:1] // same first element, shorter
	none := auth.Principal{Via: auth.ViaDev}
	get := &loancorev1.GetLoanRequest{LoanId: "LN-1"}
	pay := benchRepaymentRequest()
	calls := []struct {
		ctx context.Context
		p   auth.Principal
		req any
	}{
		{a, svc, pay}, {a, svc, pay}, {b, svc, get}, {a, ops, get}, {c, ops, pay}, {c, widened, get},
		{c, narrowed, get}, {b, ops, nil}, {d, ops, nil}, {unix, svc, get}, {context.Background(), none, get}, {a, svc, pay},
	}
	for _, format := range []string{"json", "text"} {
		var got, want bytes.Buffer
		newHandler := func(w *bytes.Buffer) slog.Handler {
			if format == "json" {
				return slog.NewJSONHandler(w, noTime)
			}
			return slog.NewTextHandler(w, noTime)
		}
		g := &gate{audit: slog.New(newHandler(&got))}
		ref := slog.New(newHandler(&want))
		for i, call := range calls {
			got.Reset()
			want.Reset()
			g.record(call.ctx, call.p, benchMethod, call.req, codes.PermissionDenied, time.Duration(i)*time.Millisecond)
			ref.LogAttrs(call.ctx, slog.LevelInfo, "audit", referenceAttrs(call.ctx, call.p, call.req, codes.PermissionDenied, time.Duration(i)*time.Millisecond)...)
			if got.String() != want.String() {
				t.Errorf("%s, call %d:\n got %s\nwant %s", format, i, got.String(), want.String())
			}
		}
	}
}

// referenceAttrs are an audit line's attributes rendered afresh, as
// record built them before it kept any.
func referenceAttrs(ctx context.Context, p auth.Principal, req any, code codes.Code, took time.Duration) []slog.Attr {
	attrs := []slog.Attr{slog.String("subject", p.Subject), slog.Any("roles", p.Roles), slog.String("via", p.Via),
		slog.String("method", benchMethod)}
	if p.OnBehalfOf != "" {
		attrs = append(attrs, slog.String("on_behalf_of", p.OnBehalfOf))
	}
	attrs = appendIDs(attrs, req)
	attrs = append(attrs, slog.String("code", code.String()), slog.Duration("duration", took))
	if pr, ok := peer.FromContext(ctx); ok && pr.Addr != nil {
		attrs = append(attrs, slog.String("peer", pr.Addr.String()))
	}
	return attrs
}
