package grpcapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"

	"google.golang.org/protobuf/proto"

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
	"github.com/loancore/loancore/internal/auth"
	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/money"
	"github.com/loancore/loancore/internal/servicing"
	"github.com/loancore/loancore/internal/store"
)

// loanService implements loancore.v1.LoanService.
type loanService struct {
	loancorev1.UnimplementedLoanServiceServer
	loans    *servicing.Loans
	fourEyes fourEyes
}

// sender is who sent a write, as it is recorded: the authenticated
// subject as the actor, the end user it acted for, and the hash of the
// request, which covers both, so that a request id reused by another
// subject (or for another end user) is a different request
// (ALREADY_EXISTS), never a retry answered with the first caller's
// answer.
type sender struct{ hash, actor, onBehalfOf string }

// senderOf returns the sender of write m. The authentication interceptor
// puts a principal in every call's context before any handler runs; a
// handler reached without one is a wiring bug, refused (INTERNAL) rather
// than recorded under no name.
func senderOf(ctx context.Context, m proto.Message) sender {
	who, ok := auth.FromContext(ctx)
	if !ok {
		panic("grpcapi: a write reached its handler without an authenticated principal")
	}
	b, _ := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	h := sha256.New()
	// Subjects and on-behalf-of names hold no NUL, so the separators make
	// the encoding unambiguous.
	h.Write([]byte(who.Subject))
	h.Write([]byte{0})
	h.Write([]byte(who.OnBehalfOf))
	h.Write([]byte{0})
	h.Write(b)
	return sender{hash: hex.EncodeToString(h.Sum(nil)), actor: who.Subject, onBehalfOf: who.OnBehalfOf}
}

// CreateLoan implements loancore.v1.LoanService/CreateLoan.
func (s *loanService) CreateLoan(ctx context.Context, req *loancorev1.CreateLoanRequest) (*loancorev1.CreateLoanResponse, error) {
	var p parser
	terms := p.terms("terms.", req.GetTerms())
	var toCheck *engine.Terms
	if req.GetTerms() != nil {
		toCheck = &terms
	}
	if err := p.err("terms.", toCheck); err != nil {
		// Name the identity fields too, so one round trip shows everything.
		var ids engine.InvalidError
		servicing.CheckLoanIdentity(&ids, req.GetRequestId(), req.GetLoanId(), req.GetBorrowerId())
		p.errs.Violations = append(ids.Violations, p.errs.Violations...)
		return nil, &p.errs
	}
	who := senderOf(ctx, req)
	v, err := s.loans.CreateLoan(ctx, servicing.CreateLoanParams{
		RequestID: req.GetRequestId(), RequestHash: who.hash, LoanID: req.GetLoanId(),
		BorrowerID: req.GetBorrowerId(), Terms: terms, Actor: who.actor, OnBehalfOf: who.onBehalfOf,
	})
	if err != nil {
		return nil, err
	}
	return &loancorev1.CreateLoanResponse{Loan: loanToProto(v, loancorev1.LoanView_LOAN_VIEW_FULL)}, nil
}

// GetLoan implements loancore.v1.LoanService/GetLoan.
func (s *loanService) GetLoan(ctx context.Context, req *loancorev1.GetLoanRequest) (*loancorev1.GetLoanResponse, error) {
	var p parser
	if req.GetLoanId() == "" {
		p.add("loan_id", "required")
	}
	asOf := p.date("as_of", req.GetAsOf(), false)
	var knownAt time.Time
	if s := req.GetKnownAt(); s != "" {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			p.add("known_at", "must be an RFC 3339 timestamp such as 2024-03-01T12:00:00Z")
		}
		knownAt = t
	}
	if err := p.err("", nil); err != nil {
		return nil, err
	}
	v, err := s.loans.GetLoan(ctx, servicing.GetLoanParams{LoanID: req.GetLoanId(), AsOf: asOf, KnownAt: knownAt})
	if err != nil {
		return nil, err
	}
	return getLoanResponse(v), nil
}

// getLoanResponse is GetLoan's answer for a view. A view from the read
// cache is encoded once and its bytes sent to every read it answers: they
// go as the answer's unknown fields, which are written out as they are
// (field 1, the loan, exactly as encoding the message would write it), so
// a client decodes the same message, and no proto message is shared
// between calls, only immutable bytes. The answer's Loan field is then
// unset on this side: nothing in loand reads an answer after its handler.
func getLoanResponse(v servicing.LoanView) *loancorev1.GetLoanResponse {
	b := v.Rendered("GetLoan", func() []byte {
		b, err := proto.Marshal(&loancorev1.GetLoanResponse{Loan: loanToProto(v, loancorev1.LoanView_LOAN_VIEW_FULL)})
		if err != nil {
			panic(err) // a message built here always encodes
		}
		return b
	})
	out := &loancorev1.GetLoanResponse{}
	out.ProtoReflect().SetUnknown(b)
	return out
}

var loanStatuses = map[string]loancorev1.LoanStatus{
	store.StatusActive:     loancorev1.LoanStatus_LOAN_STATUS_ACTIVE,
	store.StatusPaidOff:    loancorev1.LoanStatus_LOAN_STATUS_PAID_OFF,
	store.StatusWrittenOff: loancorev1.LoanStatus_LOAN_STATUS_WRITTEN_OFF,
}

// ListLoans implements loancore.v1.LoanService/ListLoans.
func (s *loanService) ListLoans(ctx context.Context, req *loancorev1.ListLoansRequest) (*loancorev1.ListLoansResponse, error) {
	var p parser
	statusName := filterName(&p, "status", req.GetStatus(), loanStatuses)
	if err := p.err("", nil); err != nil {
		return nil, err
	}
	loans, next, err := s.loans.ListLoans(ctx, servicing.ListLoansParams{Status: statusName, BorrowerID: req.GetBorrowerId(),
		PageSize: int(req.GetPageSize()), PageToken: req.GetPageToken()})
	if err != nil {
		return nil, err
	}
	out := &loancorev1.ListLoansResponse{NextPageToken: next}
	for _, l := range loans {
		sum := &loancorev1.LoanSummary{LoanId: l.LoanID, BorrowerId: l.BorrowerID, Status: loanStatuses[l.Status],
			Currency: l.Currency, Version: l.Version, CreatedAt: l.CreatedAt.UTC().Format(time.RFC3339Nano)}
		if principal, err := servicing.PrincipalOf(l.Terms); err == nil {
			sum.Principal = principal
		}
		out.Loans = append(out.Loans, sum)
	}
	return out, nil
}

var eventKinds = map[string]loancorev1.LoanEventKind{
	store.KindOrigination:        loancorev1.LoanEventKind_LOAN_EVENT_KIND_ORIGINATION,
	store.KindDisbursement:       loancorev1.LoanEventKind_LOAN_EVENT_KIND_DISBURSEMENT,
	store.KindRepayment:          loancorev1.LoanEventKind_LOAN_EVENT_KIND_REPAYMENT,
	store.KindReversal:           loancorev1.LoanEventKind_LOAN_EVENT_KIND_REPAYMENT_REVERSAL,
	store.KindWaiver:             loancorev1.LoanEventKind_LOAN_EVENT_KIND_WAIVER,
	store.KindWriteOff:           loancorev1.LoanEventKind_LOAN_EVENT_KIND_WRITE_OFF,
	store.KindTranche:            loancorev1.LoanEventKind_LOAN_EVENT_KIND_TRANCHE,
	store.KindAgreementProposed:  loancorev1.LoanEventKind_LOAN_EVENT_KIND_AGREEMENT_PROPOSED,
	store.KindAgreementAccepted:  loancorev1.LoanEventKind_LOAN_EVENT_KIND_AGREEMENT_ACCEPTED,
	store.KindAgreementCancelled: loancorev1.LoanEventKind_LOAN_EVENT_KIND_AGREEMENT_CANCELLED,
	store.KindAgreementBroken:    loancorev1.LoanEventKind_LOAN_EVENT_KIND_AGREEMENT_BROKEN,
	store.KindActionRequested:    loancorev1.LoanEventKind_LOAN_EVENT_KIND_ACTION_REQUESTED,
	store.KindActionRejected:     loancorev1.LoanEventKind_LOAN_EVENT_KIND_ACTION_REJECTED,
}

// ListLoanEvents implements loancore.v1.LoanService/ListLoanEvents.
func (s *loanService) ListLoanEvents(ctx context.Context, req *loancorev1.ListLoanEventsRequest) (*loancorev1.ListLoanEventsResponse, error) {
	events, cur, next, err := s.loans.LoanEventsPage(ctx, servicing.ListLoanEventsParams{LoanID: req.GetLoanId(),
		PageSize: int(req.GetPageSize()), PageToken: req.GetPageToken()})
	if err != nil {
		return nil, err
	}
	out := &loancorev1.ListLoanEventsResponse{NextPageToken: next}
	for _, e := range events {
		out.Events = append(out.Events, eventToProto(e, cur))
	}
	return out, nil
}

// eventToProto renders an event of a loan in currency cur, for
// ListLoanEvents and the event feed.
func eventToProto(e store.EventRecord, cur money.Currency) *loancorev1.LoanEvent {
	pe := &loancorev1.LoanEvent{
		Seq: e.Seq, Kind: eventKinds[e.Kind], ValueDate: e.ValueDate, RecordedAt: e.RecordedAt.UTC().Format(time.RFC3339Nano),
		RequestId: e.RequestID, Actor: e.Actor, OnBehalfOf: e.OnBehalfOf, Amount: e.Amount, TargetSeq: e.TargetSeq, Reason: e.Reason,
		ActionId: servicing.ActionIDOf(e),
	}
	// PostgreSQL keeps amounts as numeric(38, 4): "1066.1900" reads back
	// as the currency writes it, as on SQLite.
	if a, err := money.ParseAmount(e.Amount, cur); err == nil {
		pe.Amount = a.Format(cur)
	}
	if e.Kind == store.KindWaiver {
		pe.WaivedPenalty, pe.WaivedCompound, pe.WaivedInterest = servicing.WaiverAmounts(e)
		pe.WaivedFees = servicing.WaiverFees(e)
	}
	if id, specials := servicing.EventAgreement(e, cur); id != "" {
		pe.AgreementId, pe.SpecialTransactions = id, specialsToProto(specials)
	}
	return pe
}

// RecordRepayment implements loancore.v1.LoanService/RecordRepayment.
func (s *loanService) RecordRepayment(ctx context.Context, req *loancorev1.RecordRepaymentRequest) (*loancorev1.RecordRepaymentResponse, error) {
	var p parser
	vd := p.date("value_date", req.GetValueDate(), false)
	if req.GetAmount() == "" {
		p.add("amount", "required")
	}
	if err := p.err("", nil); err != nil {
		return nil, err
	}
	view := req.GetView()
	switch view {
	case loancorev1.LoanView_LOAN_VIEW_UNSPECIFIED, loancorev1.LoanView_LOAN_VIEW_FULL, loancorev1.LoanView_LOAN_VIEW_BASIC:
	default:
		p.enumUnknown("view", int32(view))
		return nil, p.err("", nil)
	}
	// The view shapes the answer, not the payment: leave it out of the
	// request's identity.
	req.View = 0
	who := senderOf(ctx, req)
	r, err := s.loans.RecordRepayment(ctx, servicing.RecordRepaymentParams{RequestID: req.GetRequestId(), RequestHash: who.hash,
		LoanID: req.GetLoanId(), Amount: req.GetAmount(), ValueDate: vd, Actor: who.actor, OnBehalfOf: who.onBehalfOf})
	if err != nil {
		return nil, err
	}
	return repaymentToProto(r, view), nil
}

// repaymentToProto renders a repayment's answer, the loan in a view.
func repaymentToProto(r servicing.RepaymentResult, view loancorev1.LoanView) *loancorev1.RecordRepaymentResponse {
	c := r.Loan.Terms.Currency
	return &loancorev1.RecordRepaymentResponse{
		Seq: r.Seq, Allocations: allocationsToProto(r.Allocation, c), PrepaidPrincipal: r.Allocation.Prepaid.Format(c),
		Credit: r.Allocation.Credit.Format(c), Loan: loanToProto(r.Loan, view), ChangedSeqs: r.ChangedSeqs,
	}
}

// ReverseRepayment implements loancore.v1.LoanService/ReverseRepayment.
func (s *loanService) ReverseRepayment(ctx context.Context, req *loancorev1.ReverseRepaymentRequest) (*loancorev1.ReverseRepaymentResponse, error) {
	who := senderOf(ctx, req)
	r, err := s.loans.ReverseRepayment(ctx, servicing.ReverseRepaymentParams{RequestID: req.GetRequestId(), RequestHash: who.hash,
		LoanID: req.GetLoanId(), Seq: req.GetSeq(), Reason: req.GetReason(), Actor: who.actor, OnBehalfOf: who.onBehalfOf,
		FourEyes: s.fourEyes.holds("ReverseRepayment")})
	if err != nil {
		return nil, err
	}
	return &loancorev1.ReverseRepaymentResponse{Seq: r.Seq, Loan: loanToProto(r.Loan, loancorev1.LoanView_LOAN_VIEW_FULL), ChangedSeqs: r.ChangedSeqs,
		ReversedAllocations: allocationsToProto(r.Allocation, r.Loan.Terms.Currency), PendingAction: pendingToProto(r.Pending)}, nil
}

// QuotePayoff implements loancore.v1.LoanService/QuotePayoff.
func (s *loanService) QuotePayoff(ctx context.Context, req *loancorev1.QuotePayoffRequest) (*loancorev1.QuotePayoffResponse, error) {
	var p parser
	if req.GetLoanId() == "" {
		p.add("loan_id", "required")
	}
	d := p.date("payoff_date", req.GetPayoffDate(), false)
	if err := p.err("", nil); err != nil {
		return nil, err
	}
	q, err := s.loans.QuotePayoff(ctx, req.GetLoanId(), d)
	if err != nil {
		return nil, err
	}
	c := q.Terms.Currency
	return &loancorev1.QuotePayoffResponse{Total: q.Payoff.Total().Format(c), Principal: q.Payoff.Principal.Format(c),
		Interest: q.Payoff.Interest.Format(c), Credit: q.Payoff.Credit.Format(c), PayoffDate: q.Date.String(), Currency: c.Code,
		Penalty: q.Payoff.Penalty.Format(c), Compound: q.Payoff.Compound.Format(c), Fees: q.Payoff.Fees.Format(c)}, nil
}

func allocationsToProto(r engine.PaymentResult, c money.Currency) []*loancorev1.AllocationLine {
	var out []*loancorev1.AllocationLine
	for _, part := range r.Parts {
		comp := componentsToProto[part.Component]
		out = append(out, &loancorev1.AllocationLine{InstallmentNumber: int32(part.Installment), Component: comp, Amount: part.Amount.Format(c)})
	}
	return out
}

// bucketToProto converts a bucket: the engine's count from M0 = 0, the
// enum keeps 0 for UNSPECIFIED. (Risk classes start at NORMAL = 1 in both.)
func bucketToProto(b engine.Bucket) loancorev1.DelinquencyBucket {
	return loancorev1.DelinquencyBucket(b + 1)
}

var componentsToProto = map[engine.Component]loancorev1.AllocationComponent{
	engine.ComponentPrincipal: loancorev1.AllocationComponent_ALLOCATION_COMPONENT_PRINCIPAL,
	engine.ComponentInterest:  loancorev1.AllocationComponent_ALLOCATION_COMPONENT_INTEREST,
	engine.ComponentPenalty:   loancorev1.AllocationComponent_ALLOCATION_COMPONENT_PENALTY,
	engine.ComponentCompound:  loancorev1.AllocationComponent_ALLOCATION_COMPONENT_COMPOUND,
	engine.ComponentFees:      loancorev1.AllocationComponent_ALLOCATION_COMPONENT_FEES,
}

var installmentStatuses = map[string]loancorev1.InstallmentStatus{
	servicing.InstallmentNotDue:  loancorev1.InstallmentStatus_INSTALLMENT_STATUS_NOT_DUE,
	servicing.InstallmentDue:     loancorev1.InstallmentStatus_INSTALLMENT_STATUS_DUE,
	servicing.InstallmentOverdue: loancorev1.InstallmentStatus_INSTALLMENT_STATUS_OVERDUE,
	servicing.InstallmentPaid:    loancorev1.InstallmentStatus_INSTALLMENT_STATUS_PAID,
}

// outstandingToProto renders what a loan owes, with its total.
func outstandingToProto(o engine.Outstanding, c money.Currency) *loancorev1.Outstanding {
	return &loancorev1.Outstanding{Principal: o.Principal.Format(c), Interest: o.Interest.Format(c),
		Penalty: o.Penalty.Format(c), Compound: o.Compound.Format(c), Fees: o.Fees.Format(c), Total: o.Total().Format(c)}
}

// loanToProto renders a loan in a view; LOAN_VIEW_BASIC leaves out the
// installments and terms.
func loanToProto(v servicing.LoanView, view loancorev1.LoanView) *loancorev1.Loan {
	c := v.Terms.Currency
	out := &loancorev1.Loan{
		LoanId: v.LoanID, BorrowerId: v.BorrowerID, Status: loanStatuses[v.Status],
		Outstanding: outstandingToProto(v.Outstanding, c),
		DaysPastDue: int32(v.DaysPastDue), Version: v.Version, AsOf: v.AsOf.String(),
		CreatedAt: v.CreatedAt.UTC().Format(time.RFC3339Nano), CreditBalance: v.Credit.Format(c), Currency: c.Code,
		DelinquencyBucket: bucketToProto(v.Bucket), RiskClass: loancorev1.RiskClass(v.RiskClass), Restructured: v.Restructured,
		AgreementId: v.AgreementID, AprPercent: formatRate(v.APR),
	}
	if v.RestructuredUntil != engine.NoDate {
		out.RestructuredUntil = v.RestructuredUntil.String()
	}
	if v.CappedOn != engine.NoDate {
		out.PenaltyCappedOn = v.CappedOn.String()
	}
	if v.WrittenOffDate != engine.NoDate {
		out.WrittenOffOn = v.WrittenOffDate.String()
	}
	if !v.KnownAt.IsZero() {
		out.KnownAt = v.KnownAt.UTC().Format(time.RFC3339Nano)
	}
	if v.NextDueDate != engine.NoDate {
		out.NextDueDate = v.NextDueDate.String()
	}
	tranchesToProto(v, out)
	if view == loancorev1.LoanView_LOAN_VIEW_BASIC {
		return out
	}
	out.Terms = termsToProto(v.Terms)
	out.Installments = installmentsToProto(v)
	out.Cost = costToProto(v.Cost(), c)
	return out
}

// costToProto renders a loan's cost of credit by component.
func costToProto(k engine.Cost, c money.Currency) *loancorev1.LoanCost {
	return &loancorev1.LoanCost{TotalInterest: k.Interest.Format(c), ServiceFees: k.ServiceFees.Format(c),
		LateFees: k.LateFees.Format(c), PrepaymentFees: k.PrepaymentFees.Format(c), TotalFees: k.Fees().Format(c),
		UpfrontFee: k.UpfrontFee.Format(c), Penalty: k.Penalty.Format(c), Compound: k.Compound.Format(c),
		Capitalised: k.Capitalised.Format(c), Waived: k.Waived.Format(c), TotalCost: k.Total().Format(c)}
}

// installmentsToProto renders a loan's installments.
func installmentsToProto(v servicing.LoanView) []*loancorev1.LoanInstallment {
	// One allocation for the rows and one for all their strings (each
	// field a substring of one string) instead of one per row and per
	// field: this runs for every repayment's answer. The strings are
	// written in a fixed order, then handed out in the same order.
	c, n := v.Terms.Currency, len(v.Installment)
	perRow := 6
	if v.Terms.HasPenalty {
		perRow = 10
	}
	buf := make([]byte, 0, n*perRow*12)
	ends := make([]int32, 0, n*perRow)
	mark := func() { ends = append(ends, int32(len(buf))) }
	for _, in := range v.Installment {
		buf = in.DueDate.AppendString(buf)
		mark()
		buf = in.StartDate.AppendString(buf)
		mark()
		amounts := [...]money.Amount{in.PrincipalDue, in.InterestDue, in.PrincipalPaid, in.InterestPaid,
			in.PenaltyAccrued, in.PenaltyPaid, in.CompoundAccrued, in.CompoundPaid}
		for _, a := range amounts[:perRow-2] {
			buf = a.AppendFormat(buf, c)
			mark()
		}
	}
	all := string(buf)
	next, from := 0, 0
	take := func() string {
		s := all[from:ends[next]]
		from = int(ends[next])
		next++
		return s
	}
	fees := v.Terms.HasCharge(engine.ServiceFee)
	rows := make([]loancorev1.LoanInstallment, n)
	out := make([]*loancorev1.LoanInstallment, n)
	for i, in := range v.Installment {
		pi := &rows[i]
		pi.Number, pi.Status = int32(in.Number), installmentStatuses[in.Status]
		pi.DueDate, pi.StartDate = take(), take()
		pi.PrincipalDue, pi.InterestDue, pi.PrincipalPaid, pi.InterestPaid = take(), take(), take(), take()
		// Without a penalty policy these stay empty: nothing to say, and
		// nothing to encode on every repayment's answer.
		if v.Terms.HasPenalty {
			pi.PenaltyAccrued, pi.PenaltyPaid, pi.CompoundAccrued, pi.CompoundPaid = take(), take(), take(), take()
		}
		if fees {
			pi.FeesDue, pi.FeesPaid = in.FeesDue.Format(c), in.FeesPaid.Format(c)
		}
		out[i] = pi
	}
	return out
}

// frequencyToProto renders a frequency, with SEMI_MONTH's days.
func frequencyToProto(f engine.Frequency) *loancorev1.Frequency {
	out := &loancorev1.Frequency{Unit: loancorev1.FrequencyUnit(f.Unit), Every: int32(f.Every)}
	if f.Unit == engine.SemiMonth {
		out.DaysOfMonth = []int32{int32(f.Days[0]), int32(f.Days[1])}
	}
	return out
}

// termsToProto renders terms with every default filled in.
func termsToProto(t engine.Terms) *loancorev1.LoanTerms {
	c := t.Currency
	out := &loancorev1.LoanTerms{
		Currency: c.Code, Principal: t.Principal.Format(c), AnnualRatePercent: t.AnnualRate.String(),
		InstallmentCount: int32(t.InstallmentCount),
		Frequency:        frequencyToProto(t.Frequency),
		Method:           loancorev1.RepaymentMethod(t.Method), DisbursementDate: t.DisbursementDate.String(),
		InterestAccrual: loancorev1.InterestAccrual(t.InterestAccrual), DayCount: dayCountToProto[t.DayCount],
		Rounding:              &loancorev1.Rounding{Mode: loancorev1.RoundingMode(t.Rounding.Mode), InstallmentMultiple: t.Rounding.Multiple.Format(c)},
		PrincipalGracePeriods: int32(t.PrincipalGracePeriods), InterestFreePeriods: int32(t.InterestFreePeriods),
		UpfrontFee:            t.UpfrontFee.Format(c),
		AllocationOrder:       loancorev1.AllocationOrder(max(t.Allocation, engine.InterestFirst)),
		Prepayment:            loancorev1.PrepaymentPolicy(max(t.Prepayment, engine.ReduceTerm)),
		Overpayment:           loancorev1.OverpaymentPolicy(max(t.Overpayment, engine.RefuseOverpayment)),
		InterestRecalculation: t.InterestRecalculation,
		Charges:               termsChargesToProto(t),
	}
	out.LevelInstallmentOverActualPeriods = t.LevelOverActualPeriods
	out.EarlyPayment = loancorev1.EarlyPayment(max(t.Early, engine.PrepayPrincipal))
	// The rate shows as it was quoted, beside the annual rate it computes
	// with, so terms copied from a loan make the same loan.
	out.AnnualRateEquivalentPercent = out.AnnualRatePercent
	out.AnnualRatePercent, out.MonthlyRatePercent, out.DailyRatePercent = t.QuotedRateOf().Fields()
	if t.InstallmentAmount != 0 {
		out.InstallmentAmount = t.InstallmentAmount.Format(c)
	}
	if t.ApprovedAmount != 0 {
		out.ApprovedAmount = t.ApprovedAmount.Format(c)
	}
	out.PaymentTiming = loancorev1.PaymentTiming_PAYMENT_TIMING_IN_ARREARS
	if t.Timing == engine.InAdvance {
		out.PaymentTiming = loancorev1.PaymentTiming_PAYMENT_TIMING_IN_ADVANCE
	}
	if t.FirstDueDate != engine.NoDate {
		out.FirstDueDate = t.FirstDueDate.String()
	}
	if t.HasPenalty {
		p := t.Penalty.WithDefaults()
		out.Penalty = &loancorev1.PenaltyPolicy{Basis: loancorev1.PenaltyBasis(p.Basis), CompoundOverdueInterest: p.CompoundOverdueInterest,
			DayCount: dayCountToProto[p.DayCount], GraceDays: int32(p.GraceDays), GraceMode: loancorev1.GraceMode(p.GraceMode)}
		if t.InterestRecalculation {
			// Shown where it matters, default filled in.
			out.Penalty.OverdueContractInterest = loancorev1.OverdueContractInterest(max(p.OverdueInterest, engine.BesidePenalty))
		}
		if p.HasAnnualRate {
			out.Penalty.AnnualRatePercent = p.AnnualRate.String()
		} else {
			out.Penalty.MarkupPercent = p.MarkupPercent.String()
		}
		if p.HasCap {
			out.Penalty.CapAnnualPercent = p.CapAnnualPercent.String()
		}
	}
	return out
}

var dayCountToProto = map[engine.DayCount]loancorev1.DayCount{
	engine.Act365Fixed: loancorev1.DayCount_DAY_COUNT_ACT_365_FIXED,
	engine.Act360:      loancorev1.DayCount_DAY_COUNT_ACT_360,
	engine.Act364:      loancorev1.DayCount_DAY_COUNT_ACT_364,
	engine.Thirty360:   loancorev1.DayCount_DAY_COUNT_THIRTY_360,
	engine.ActAct:      loancorev1.DayCount_DAY_COUNT_ACT_ACT,
}

// WaiveAmounts implements loancore.v1.LoanService/WaiveAmounts.
func (s *loanService) WaiveAmounts(ctx context.Context, req *loancorev1.WaiveAmountsRequest) (*loancorev1.WaiveAmountsResponse, error) {
	var p parser
	vd := p.date("value_date", req.GetValueDate(), false)
	if err := p.err("", nil); err != nil {
		return nil, err
	}
	who := senderOf(ctx, req)
	r, err := s.loans.WaiveAmounts(ctx, servicing.WaiveAmountsParams{RequestID: req.GetRequestId(), RequestHash: who.hash,
		LoanID: req.GetLoanId(), Penalty: req.GetPenalty(), Compound: req.GetCompound(), Interest: req.GetInterest(), Fees: req.GetFees(),
		Reason: req.GetReason(), ValueDate: vd, Actor: who.actor, OnBehalfOf: who.onBehalfOf, FourEyes: s.fourEyes.holds("WaiveAmounts")})
	if err != nil {
		return nil, err
	}
	c := r.Loan.Terms.Currency
	return &loancorev1.WaiveAmountsResponse{Seq: r.Seq, Penalty: r.Waived.Penalty.Format(c), Compound: r.Waived.Compound.Format(c),
		Interest: r.Waived.Interest.Format(c), Fees: r.Waived.Fees.Format(c), Loan: loanToProto(r.Loan, loancorev1.LoanView_LOAN_VIEW_FULL), PendingAction: pendingToProto(r.Pending)}, nil
}

// WriteOffLoan implements loancore.v1.LoanService/WriteOffLoan.
func (s *loanService) WriteOffLoan(ctx context.Context, req *loancorev1.WriteOffLoanRequest) (*loancorev1.WriteOffLoanResponse, error) {
	var p parser
	vd := p.date("value_date", req.GetValueDate(), false)
	if err := p.err("", nil); err != nil {
		return nil, err
	}
	who := senderOf(ctx, req)
	r, err := s.loans.WriteOffLoan(ctx, servicing.WriteOffLoanParams{RequestID: req.GetRequestId(), RequestHash: who.hash,
		LoanID: req.GetLoanId(), Reason: req.GetReason(), ValueDate: vd, Actor: who.actor, OnBehalfOf: who.onBehalfOf,
		FourEyes: s.fourEyes.holds("WriteOffLoan")})
	if err != nil {
		return nil, err
	}
	return &loancorev1.WriteOffLoanResponse{Seq: r.Seq, Loan: loanToProto(r.Loan, loancorev1.LoanView_LOAN_VIEW_FULL),
		PendingAction: pendingToProto(r.Pending)}, nil
}
