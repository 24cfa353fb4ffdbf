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

// record writes the audit line of a call: who (subject, roles, how they
// proved it, the end user they acted for), what (the method and the loan,
// agreement and request ids of req, when it has them), the outcome, how
// long it took and from where. Every call but a health check has one,
// refused calls included; p is zero for a call refused before anyone was
// authenticated.
func (g *gate) record(ctx context.Context, p auth.Principal, method string, req any, code codes.Code, took time.Duration) {
	attrs := []slog.Attr{
		slog.String("subject", p.Subject), slog.Any("roles", p.Roles), slog.String("via", p.Via),
		slog.String("method", method),
	}
	if p.OnBehalfOf != "" {
		attrs = append(attrs, slog.String("on_behalf_of", p.OnBehalfOf))
	}
	attrs = appendIDs(attrs, req)
	attrs = append(attrs, slog.String("code", code.String()), slog.Duration("duration", took))
	if pr, ok := peer.FromContext(ctx); ok && pr.Addr != nil {
		attrs = append(attrs, slog.String("peer", pr.Addr.String()))
	}
	g.audit.LogAttrs(ctx, slog.LevelInfo, "audit", attrs...)
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
