package grpcapi

import (
	"context"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/peer"

	"github.com/loancore/loancore/internal/auth"
)

// auditValueMax bounds what an audit line copies from a request: ids are
// short, and a hostile request's megabyte id must not become a megabyte
// of log.
const auditValueMax = 128

// auditAttrsMax is the most attributes an audit line has: subject,
// roles, via, method, on_behalf_of, the four ids, code, duration, peer.
const auditAttrsMax = 12

// record writes the audit line of a call: who (subject, roles, how they
// proved it, the end user they acted for), what (the method and the loan,
// agreement and request ids of req, when it has them), the outcome, how
// long it took and from where. Every call but a health check has one,
// refused calls included; p is zero for a call refused before anyone was
// authenticated.
//
// The line is the one g.audit.LogAttrs would write, built for less: the
// attributes in an array on the stack, the roles and the peer's address
// rendered once per principal and connection (g.memo), and the record
// handed to the handler without the caller's program counter, which
// slog.Logger takes for every line (runtime.Callers) and only a handler
// with AddSource prints (loand's do not: the source would be this line).
func (g *gate) record(ctx context.Context, p auth.Principal, method string, req any, code codes.Code, took time.Duration) {
	h := g.audit.Handler()
	if !h.Enabled(ctx, slog.LevelInfo) {
		return
	}
	var buf [auditAttrsMax]slog.Attr
	attrs := append(buf[:0],
		slog.String("subject", p.Subject), slog.Attr{Key: "roles", Value: g.memo.roles(p)}, slog.String("via", p.Via),
		slog.String("method", method))
	if p.OnBehalfOf != "" {
		attrs = append(attrs, slog.String("on_behalf_of", p.OnBehalfOf))
	}
	attrs = appendIDs(attrs, req)
	attrs = append(attrs, slog.String("code", code.String()), slog.Duration("duration", took))
	if pr, ok := peer.FromContext(ctx); ok && pr.Addr != nil {
		attrs = append(attrs, slog.String("peer", g.memo.peer(pr.Addr)))
	}
	r := slog.NewRecord(time.Now(), slog.LevelInfo, "audit", 0)
	r.AddAttrs(attrs...)
	_ = h.Handle(ctx, r)
}

// appendIDs adds the loan, agreement, credit line and request ids of req to attrs,
// those it has and are set, each cut to auditValueMax.
func appendIDs(attrs []slog.Attr, req any) []slog.Attr {
	if r, ok := req.(interface{ GetLoanId() string }); ok && r.GetLoanId() != "" {
		attrs = append(attrs, slog.String("loan_id", auditValue(r.GetLoanId())))
	}
	if r, ok := req.(interface{ GetAgreementId() string }); ok && r.GetAgreementId() != "" {
		attrs = append(attrs, slog.String("agreement_id", auditValue(r.GetAgreementId())))
	}
	if r, ok := req.(interface{ GetCreditLineId() string }); ok && r.GetCreditLineId() != "" {
		attrs = append(attrs, slog.String("credit_line_id", auditValue(r.GetCreditLineId())))
	}
	if r, ok := req.(interface{ GetRequestId() string }); ok && r.GetRequestId() != "" {
		attrs = append(attrs, slog.String("request_id", auditValue(r.GetRequestId())))
	}
	return attrs
}

// auditValue is s as an audit line keeps it: valid UTF-8, at most
// auditValueMax bytes and a mark that it was cut.
func auditValue(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= auditValueMax {
		return s
	}
	cut := auditValueMax
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…(cut)"
}
