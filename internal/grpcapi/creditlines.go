package grpcapi

import (
	"context"
	"time"

	"google.golang.org/protobuf/proto"

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/money"
	"github.com/loancore/loancore/internal/servicing"
	"github.com/loancore/loancore/internal/store"
)

// creditLineService implements loancore.v1.CreditLineService.
type creditLineService struct {
	loancorev1.UnimplementedCreditLineServiceServer
	lines *servicing.CreditLines
}

// placeholderDay stands in for a template's disbursement date while the
// template is checked; the line sets its own.
const placeholderDay = "2000-01-01"

// OpenCreditLine implements loancore.v1.CreditLineService/OpenCreditLine.
func (s *creditLineService) OpenCreditLine(ctx context.Context, req *loancorev1.OpenCreditLineRequest) (*loancorev1.OpenCreditLineResponse, error) {
	var p parser
	cur, curOK := p.currency("currency", req.GetCurrency())
	limit := p.amount("limit", req.GetLimit(), cur, true)
	expires := p.date("expires_on", req.GetExpiresOn(), false)
	template, ok := req.GetDrawdownTerms(), req.GetDrawdownTerms() != nil
	if ok {
		template = proto.Clone(template).(*loancorev1.LoanTerms)
		for field, set := range map[string]bool{"principal": template.GetPrincipal() != "", "disbursement_date": template.GetDisbursementDate() != "",
			"first_due_date": template.GetFirstDueDate() != ""} {
			if set {
				p.add("drawdown_terms."+field, "must be empty: each drawdown sets its own")
			}
		}
		if template.GetCurrency() == "" {
			template.Currency = req.GetCurrency()
		} else if curOK && template.GetCurrency() != cur.Code {
			p.add("drawdown_terms.currency", "must be the line's currency %s or empty", cur.Code)
		}
		// The template is checked as a loan of the whole limit; each
		// drawdown replaces both.
		template.Principal, template.DisbursementDate, template.FirstDueDate = req.GetLimit(), placeholderDay, ""
	}
	terms := p.terms("drawdown_terms.", template)
	bounds := p.drawdownBounds(req.GetDrawdownBounds())
	var toCheck *engine.Terms
	if ok {
		toCheck = &terms
	}
	if err := p.err("drawdown_terms.", toCheck); err != nil {
		return nil, err
	}
	who := senderOf(ctx, req)
	v, err := s.lines.OpenCreditLine(ctx, servicing.OpenCreditLineParams{RequestID: req.GetRequestId(), RequestHash: who.hash,
		CreditLineID: req.GetCreditLineId(), BorrowerID: req.GetBorrowerId(), Limit: limit, ExpiresOn: expires, Revolving: req.GetRevolving(),
		Template: terms, Bounds: bounds, Actor: who.actor, OnBehalfOf: who.onBehalfOf})
	if err != nil {
		return nil, err
	}
	return &loancorev1.OpenCreditLineResponse{CreditLine: lineToProto(v)}, nil
}

// drawdownBounds reads what a drawdown may override.
func (p *parser) drawdownBounds(b *loancorev1.DrawdownBounds) servicing.DrawdownBounds {
	out := servicing.DrawdownBounds{MinInstallments: int(b.GetMinInstallmentCount()), MaxInstallments: int(b.GetMaxInstallmentCount())}
	for _, m := range b.GetMethods() {
		out.Methods = append(out.Methods, p.method("drawdown_bounds.methods", m))
	}
	return out
}

// Drawdown implements loancore.v1.CreditLineService/Drawdown.
func (s *creditLineService) Drawdown(ctx context.Context, req *loancorev1.DrawdownRequest) (*loancorev1.DrawdownResponse, error) {
	var p parser
	var method engine.Method
	hasMethod := req.GetMethod() != loancorev1.RepaymentMethod_REPAYMENT_METHOD_UNSPECIFIED
	if hasMethod {
		method = p.method("method", req.GetMethod())
	}
	if err := p.err("", nil); err != nil {
		return nil, err
	}
	who := senderOf(ctx, req)
	d, err := s.lines.Drawdown(ctx, servicing.DrawdownParams{RequestID: req.GetRequestId(), RequestHash: who.hash, CreditLineID: req.GetCreditLineId(),
		Amount: req.GetAmount(), InstallmentCount: int(req.GetInstallmentCount()), Method: method, HasMethod: hasMethod,
		Actor: who.actor, OnBehalfOf: who.onBehalfOf})
	if err != nil {
		return nil, err
	}
	return &loancorev1.DrawdownResponse{Loan: loanToProto(d.Loan, loancorev1.LoanView_LOAN_VIEW_FULL), CreditLine: lineToProto(d.Line)}, nil
}

// GetCreditLine implements loancore.v1.CreditLineService/GetCreditLine.
func (s *creditLineService) GetCreditLine(ctx context.Context, req *loancorev1.GetCreditLineRequest) (*loancorev1.GetCreditLineResponse, error) {
	var p parser
	if req.GetCreditLineId() == "" {
		p.add("credit_line_id", "required")
	}
	asOf := p.date("as_of", req.GetAsOf(), false)
	var knownAt time.Time
	if k := req.GetKnownAt(); k != "" {
		t, err := time.Parse(time.RFC3339Nano, k)
		if err != nil {
			p.add("known_at", "must be an RFC 3339 timestamp such as 2024-03-01T12:00:00Z")
		}
		knownAt = t
	}
	if err := p.err("", nil); err != nil {
		return nil, err
	}
	v, err := s.lines.GetCreditLine(ctx, servicing.GetCreditLineParams{CreditLineID: req.GetCreditLineId(), AsOf: asOf, KnownAt: knownAt})
	if err != nil {
		return nil, err
	}
	return &loancorev1.GetCreditLineResponse{CreditLine: lineToProto(v)}, nil
}

// ListCreditLines implements loancore.v1.CreditLineService/ListCreditLines.
func (s *creditLineService) ListCreditLines(ctx context.Context, req *loancorev1.ListCreditLinesRequest) (*loancorev1.ListCreditLinesResponse, error) {
	lines, next, err := s.lines.ListCreditLines(ctx, servicing.ListCreditLinesParams{BorrowerID: req.GetBorrowerId(),
		PageSize: int(req.GetPageSize()), PageToken: req.GetPageToken()})
	if err != nil {
		return nil, err
	}
	out := &loancorev1.ListCreditLinesResponse{NextPageToken: next}
	for _, l := range lines {
		out.CreditLines = append(out.CreditLines, &loancorev1.CreditLineSummary{CreditLineId: l.CreditLineID, BorrowerId: l.BorrowerID,
			Currency: l.Currency, Status: lineStatuses[l.Status], Revolving: l.Revolving, Version: l.Version,
			CreatedAt: l.CreatedAt.UTC().Format(time.RFC3339Nano)})
	}
	return out, nil
}

// lineAction sends an operator action's request to the use case.
func (s *creditLineService) lineAction(ctx context.Context, m proto.Message, id, lineID, limit, reason string,
	act func(context.Context, servicing.LineActionParams) (servicing.CreditLineView, error)) (*loancorev1.CreditLine, error) {
	who := senderOf(ctx, m)
	v, err := act(ctx, servicing.LineActionParams{RequestID: id, RequestHash: who.hash, CreditLineID: lineID, Limit: limit, Reason: reason,
		Actor: who.actor, OnBehalfOf: who.onBehalfOf})
	if err != nil {
		return nil, err
	}
	return lineToProto(v), nil
}

// ChangeLimit implements loancore.v1.CreditLineService/ChangeLimit.
func (s *creditLineService) ChangeLimit(ctx context.Context, req *loancorev1.ChangeLimitRequest) (*loancorev1.ChangeLimitResponse, error) {
	l, err := s.lineAction(ctx, req, req.GetRequestId(), req.GetCreditLineId(), req.GetLimit(), req.GetReason(), s.lines.ChangeLimit)
	if err != nil {
		return nil, err
	}
	return &loancorev1.ChangeLimitResponse{CreditLine: l}, nil
}

// FreezeCreditLine implements loancore.v1.CreditLineService/FreezeCreditLine.
func (s *creditLineService) FreezeCreditLine(ctx context.Context, req *loancorev1.FreezeCreditLineRequest) (*loancorev1.FreezeCreditLineResponse, error) {
	l, err := s.lineAction(ctx, req, req.GetRequestId(), req.GetCreditLineId(), "", req.GetReason(), s.lines.FreezeCreditLine)
	if err != nil {
		return nil, err
	}
	return &loancorev1.FreezeCreditLineResponse{CreditLine: l}, nil
}

// UnfreezeCreditLine implements loancore.v1.CreditLineService/UnfreezeCreditLine.
func (s *creditLineService) UnfreezeCreditLine(ctx context.Context, req *loancorev1.UnfreezeCreditLineRequest) (*loancorev1.UnfreezeCreditLineResponse, error) {
	l, err := s.lineAction(ctx, req, req.GetRequestId(), req.GetCreditLineId(), "", req.GetReason(), s.lines.UnfreezeCreditLine)
	if err != nil {
		return nil, err
	}
	return &loancorev1.UnfreezeCreditLineResponse{CreditLine: l}, nil
}

// CloseCreditLine implements loancore.v1.CreditLineService/CloseCreditLine.
func (s *creditLineService) CloseCreditLine(ctx context.Context, req *loancorev1.CloseCreditLineRequest) (*loancorev1.CloseCreditLineResponse, error) {
	l, err := s.lineAction(ctx, req, req.GetRequestId(), req.GetCreditLineId(), "", req.GetReason(), s.lines.CloseCreditLine)
	if err != nil {
		return nil, err
	}
	return &loancorev1.CloseCreditLineResponse{CreditLine: l}, nil
}

var lineStatuses = map[string]loancorev1.CreditLineStatus{
	servicing.LineActive:  loancorev1.CreditLineStatus_CREDIT_LINE_STATUS_ACTIVE,
	servicing.LineFrozen:  loancorev1.CreditLineStatus_CREDIT_LINE_STATUS_FROZEN,
	servicing.LineExpired: loancorev1.CreditLineStatus_CREDIT_LINE_STATUS_EXPIRED,
	servicing.LineClosed:  loancorev1.CreditLineStatus_CREDIT_LINE_STATUS_CLOSED,
}

var lineEventKinds = map[string]loancorev1.CreditLineEventKind{
	"OPENED": loancorev1.CreditLineEventKind_CREDIT_LINE_EVENT_KIND_OPENED, "LIMIT_CHANGED": loancorev1.CreditLineEventKind_CREDIT_LINE_EVENT_KIND_LIMIT_CHANGED,
	"FROZEN": loancorev1.CreditLineEventKind_CREDIT_LINE_EVENT_KIND_FROZEN, "UNFROZEN": loancorev1.CreditLineEventKind_CREDIT_LINE_EVENT_KIND_UNFROZEN,
	"DRAWDOWN": loancorev1.CreditLineEventKind_CREDIT_LINE_EVENT_KIND_DRAWDOWN, "CLOSED": loancorev1.CreditLineEventKind_CREDIT_LINE_EVENT_KIND_CLOSED,
	"REPAYMENT_REVERSED":    loancorev1.CreditLineEventKind_CREDIT_LINE_EVENT_KIND_REPAYMENT_REVERSED,
	"PRINCIPAL_CAPITALISED": loancorev1.CreditLineEventKind_CREDIT_LINE_EVENT_KIND_PRINCIPAL_CAPITALISED,
	"TRANCHE_DRAWN":         loancorev1.CreditLineEventKind_CREDIT_LINE_EVENT_KIND_TRANCHE_DRAWN,
}

// lineToProto renders a line as of its date.
func lineToProto(v servicing.CreditLineView) *loancorev1.CreditLine {
	c := v.Currency
	terms := termsToProto(v.Template)
	terms.Principal, terms.DisbursementDate, terms.FirstDueDate = "", "", ""
	out := &loancorev1.CreditLine{CreditLineId: v.CreditLineID, BorrowerId: v.BorrowerID, Currency: c.Code,
		Limit: v.Limit.Format(c), Used: v.Used.Format(c), Available: v.Available.Format(c), Drawn: v.Drawn.Format(c),
		Status: lineStatuses[v.Status], Revolving: v.Revolving, DrawdownTerms: terms, Version: v.Version, AsOf: v.AsOf.String(),
		CreatedAt: v.CreatedAt.UTC().Format(time.RFC3339Nano), FrozenReason: v.FrozenReason,
		DrawdownBounds: &loancorev1.DrawdownBounds{MinInstallmentCount: int32(v.Bounds.MinInstallments), MaxInstallmentCount: int32(v.Bounds.MaxInstallments)}}
	for _, m := range v.Bounds.Methods {
		out.DrawdownBounds.Methods = append(out.DrawdownBounds.Methods, loancorev1.RepaymentMethod(m))
	}
	if v.ExpiresOn != engine.NoDate {
		out.ExpiresOn = v.ExpiresOn.String()
	}
	if !v.KnownAt.IsZero() {
		out.KnownAt = v.KnownAt.UTC().Format(time.RFC3339Nano)
	}
	for _, l := range v.Loans {
		out.Loans = append(out.Loans, &loancorev1.CreditLineLoan{LoanId: l.LoanID, Amount: l.Amount.Format(c), DrawnOn: l.DrawnOn.String(),
			OutstandingPrincipal: l.OutstandingPrincipal.Format(c), Status: loanStatuses[l.Status], DaysPastDue: int32(l.DaysPastDue)})
	}
	for _, e := range v.Events {
		out.Events = append(out.Events, lineEventToProto(e, c))
	}
	return out
}

// lineEventToProto renders an event of a line's log: for GetCreditLine
// and for the event feed.
func lineEventToProto(e store.CreditLineEventRecord, c money.Currency) *loancorev1.CreditLineEvent {
	return &loancorev1.CreditLineEvent{Seq: e.Seq, Kind: lineEventKinds[e.Kind], ValueDate: e.ValueDate,
		RecordedAt: e.RecordedAt.UTC().Format(time.RFC3339Nano), Amount: storedAmount(e.Amount, c), LoanId: e.LoanID, Reason: e.Reason, Actor: e.Actor,
		RequestId: e.RequestID}
}

// storedAmount spells an amount read from a log in the currency's decimals
// (PostgreSQL keeps four).
func storedAmount(s string, c money.Currency) string {
	if a, err := money.ParseAmount(s, c); err == nil && s != "" {
		return a.Format(c)
	}
	return s
}
