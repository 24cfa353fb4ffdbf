package grpcapi

import (
	"context"
	"time"

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/servicing"
)

// restructuringService implements loancore.v1.RestructuringService.
type restructuringService struct {
	loancorev1.UnimplementedRestructuringServiceServer
	loans    *servicing.Loans
	fourEyes fourEyes
}

// changes parses a RestructuringChanges; waiver amounts stay strings for
// servicing to parse in the loan's currency.
func (p *parser) changes(in *loancorev1.RestructuringChanges) servicing.ChangesInput {
	var out servicing.ChangesInput
	if in == nil {
		p.add("changes", "required: at least one of term_extension, payment_holiday, rate_change, waiver, capitalisation, reamortisation, interest_freeze_plan")
		return out
	}
	c := &out.Changes
	if x := in.GetTermExtension(); x != nil {
		c.TermExtension = &engine.TermExtension{ExtraInstallments: int(x.GetExtraInstallments())}
	}
	if h := in.GetPaymentHoliday(); h != nil {
		c.PaymentHoliday = &engine.PaymentHoliday{FromInstallment: int(h.GetFromInstallment()), Count: int(h.GetCount())}
		switch h.GetInterest() {
		case loancorev1.HolidayInterest_HOLIDAY_INTEREST_CAPITALISE:
			c.PaymentHoliday.Interest = engine.HolidayCapitalise
		case loancorev1.HolidayInterest_HOLIDAY_INTEREST_SPREAD:
			c.PaymentHoliday.Interest = engine.HolidaySpread
		case loancorev1.HolidayInterest_HOLIDAY_INTEREST_UNSPECIFIED:
			p.add("changes.payment_holiday.interest", "required: HOLIDAY_INTEREST_CAPITALISE or HOLIDAY_INTEREST_SPREAD")
		default:
			p.enumUnknown("changes.payment_holiday.interest", int32(h.GetInterest()))
		}
	}
	if r := in.GetRateChange(); r != nil {
		c.RateChange = &engine.RateChange{AnnualRate: p.rate("changes.rate_change.annual_rate_percent", r.GetAnnualRatePercent())}
	}
	if w := in.GetWaiver(); w != nil {
		out.Waiver = &servicing.WaiverInput{Penalty: w.GetPenalty(), Compound: w.GetCompound(), Interest: w.GetInterest(), Fees: w.GetFees()}
	}
	if cp := in.GetCapitalisation(); cp != nil {
		c.Capitalisation = &engine.Capitalisation{IncludePenalty: cp.GetIncludePenalty()}
	}
	if ra := in.GetReamortisation(); ra != nil {
		c.Reamortisation = &engine.Reamortisation{InstallmentCount: int(ra.GetInstallmentCount()),
			Frequency:    engine.Frequency{Unit: engine.Month, Every: 1},
			FirstDueDate: p.date("changes.reamortisation.first_due_date", ra.GetFirstDueDate(), true)}
		if ra.GetFrequency() != nil {
			c.Reamortisation.Frequency = p.frequency("changes.reamortisation.frequency", ra.GetFrequency(), reamortisationFrequency)
		}
		c.Reamortisation.Method = p.method("changes.reamortisation.method", ra.GetMethod())
	}
	if in.GetTermExtension() == nil && in.GetPaymentHoliday() == nil && in.GetRateChange() == nil && in.GetWaiver() == nil &&
		in.GetCapitalisation() == nil && in.GetReamortisation() == nil && in.GetInterestFreezePlan() == nil {
		p.add("changes", "at least one change is required: term_extension, payment_holiday, rate_change, waiver, capitalisation, reamortisation or interest_freeze_plan")
	}
	if fp := in.GetInterestFreezePlan(); fp != nil {
		c.InterestFreezePlan = &engine.InterestFreezePlan{InstallmentCount: int(fp.GetInstallmentCount()),
			FirstDueDate: p.date("changes.interest_freeze_plan.first_due_date", fp.GetFirstDueDate(), true)}
		if r := fp.GetAnnualRatePercent(); r != "" {
			c.InterestFreezePlan.AnnualRate = p.rate("changes.interest_freeze_plan.annual_rate_percent", r)
		}
	}
	return out
}

// breakAction parses a BreakAction.
func (p *parser) breakAction(v loancorev1.BreakAction) string {
	switch v {
	case loancorev1.BreakAction_BREAK_ACTION_UNSPECIFIED:
		return ""
	case loancorev1.BreakAction_BREAK_ACTION_KEEP_PLAN:
		return servicing.BreakKeepPlan
	case loancorev1.BreakAction_BREAK_ACTION_REINSTATE_WAIVED:
		return servicing.BreakReinstate
	}
	p.enumUnknown("on_break", int32(v))
	return ""
}

// QuoteRestructuring implements loancore.v1.RestructuringService/QuoteRestructuring.
func (s *restructuringService) QuoteRestructuring(ctx context.Context, req *loancorev1.QuoteRestructuringRequest) (*loancorev1.QuoteRestructuringResponse, error) {
	var p parser
	if req.GetLoanId() == "" {
		p.add("loan_id", "required")
	}
	eff := p.date("effective_date", req.GetEffectiveDate(), false)
	changes := p.changes(req.GetChanges())
	if err := p.err("", nil); err != nil {
		return nil, err
	}
	q, err := s.loans.QuoteRestructuring(ctx, servicing.QuoteRestructuringParams{LoanID: req.GetLoanId(), EffectiveDate: eff, Changes: changes})
	if err != nil {
		return nil, err
	}
	r := restructuringQuoteToProto(q)
	return &loancorev1.QuoteRestructuringResponse{Installments: r.Installments, Waived: r.Waived, Capitalised: r.Capitalised,
		TotalCostBefore: r.TotalCostBefore, TotalCostAfter: r.TotalCostAfter, AprPercent: r.AprPercent, WithinCap: r.WithinCap,
		Carried: r.Carried, Outstanding: r.Outstanding, Balance: r.Balance, EffectiveDate: r.EffectiveDate, Currency: r.Currency,
		AprCapPercent: r.AprCapPercent, TotalFees: r.TotalFees}, nil
}

// ProposeAgreement implements loancore.v1.RestructuringService/ProposeAgreement.
func (s *restructuringService) ProposeAgreement(ctx context.Context, req *loancorev1.ProposeAgreementRequest) (*loancorev1.ProposeAgreementResponse, error) {
	var p parser
	if req.GetRequestId() == "" {
		p.add("request_id", "required: a client-chosen id for retries")
	}
	if req.GetLoanId() == "" {
		p.add("loan_id", "required")
	}
	eff := p.date("effective_date", req.GetEffectiveDate(), false)
	exp := p.date("expires_on", req.GetExpiresOn(), false)
	changes := p.changes(req.GetChanges())
	onBreak := p.breakAction(req.GetOnBreak())
	if err := p.err("", nil); err != nil {
		return nil, err
	}
	who := senderOf(ctx, req)
	params := servicing.ProposeAgreementParams{RequestID: req.GetRequestId(), RequestHash: who.hash, LoanID: req.GetLoanId(),
		Changes: changes, EffectiveDate: eff, ExpiresOn: exp, OnBreak: onBreak, Reason: req.GetReason(), Actor: who.actor, OnBehalfOf: who.onBehalfOf}
	if req.BreakAfterMissed != nil {
		n := int(req.GetBreakAfterMissed())
		params.BreakAfterMissed = &n
	}
	a, err := s.loans.ProposeAgreement(ctx, params)
	if err != nil {
		return nil, err
	}
	return &loancorev1.ProposeAgreementResponse{Agreement: agreementToProto(a)}, nil
}

// AcceptAgreement implements loancore.v1.RestructuringService/AcceptAgreement.
func (s *restructuringService) AcceptAgreement(ctx context.Context, req *loancorev1.AcceptAgreementRequest) (*loancorev1.AcceptAgreementResponse, error) {
	who := senderOf(ctx, req)
	r, err := s.loans.AcceptAgreement(ctx, servicing.AcceptAgreementParams{RequestID: req.GetRequestId(), RequestHash: who.hash,
		AgreementID: req.GetAgreementId(), SignedBy: req.GetSignedBy(), Actor: who.actor, OnBehalfOf: who.onBehalfOf,
		FourEyes: s.fourEyes.holds("AcceptAgreement")})
	if err != nil {
		return nil, err
	}
	return &loancorev1.AcceptAgreementResponse{Agreement: agreementToProto(r.Agreement), Loan: loanToProto(r.Loan, loancorev1.LoanView_LOAN_VIEW_FULL),
		PendingAction: pendingToProto(r.Pending)}, nil
}

// CancelAgreement implements loancore.v1.RestructuringService/CancelAgreement.
func (s *restructuringService) CancelAgreement(ctx context.Context, req *loancorev1.CancelAgreementRequest) (*loancorev1.CancelAgreementResponse, error) {
	who := senderOf(ctx, req)
	a, err := s.loans.CancelAgreement(ctx, servicing.CancelAgreementParams{RequestID: req.GetRequestId(), RequestHash: who.hash,
		AgreementID: req.GetAgreementId(), Reason: req.GetReason(), Actor: who.actor, OnBehalfOf: who.onBehalfOf})
	if err != nil {
		return nil, err
	}
	return &loancorev1.CancelAgreementResponse{Agreement: agreementToProto(a)}, nil
}

// GetAgreement implements loancore.v1.RestructuringService/GetAgreement.
func (s *restructuringService) GetAgreement(ctx context.Context, req *loancorev1.GetAgreementRequest) (*loancorev1.GetAgreementResponse, error) {
	a, err := s.loans.GetAgreement(ctx, req.GetAgreementId())
	if err != nil {
		return nil, err
	}
	return &loancorev1.GetAgreementResponse{Agreement: agreementToProto(a)}, nil
}

// agreementStatuses maps servicing's statuses to the API's.
var agreementStatuses = map[string]loancorev1.AgreementStatus{
	servicing.AgreementProposed:  loancorev1.AgreementStatus_AGREEMENT_STATUS_PROPOSED,
	servicing.AgreementActive:    loancorev1.AgreementStatus_AGREEMENT_STATUS_ACTIVE,
	servicing.AgreementCancelled: loancorev1.AgreementStatus_AGREEMENT_STATUS_CANCELLED,
	servicing.AgreementExpired:   loancorev1.AgreementStatus_AGREEMENT_STATUS_EXPIRED,
	servicing.AgreementBroken:    loancorev1.AgreementStatus_AGREEMENT_STATUS_BROKEN,
	servicing.AgreementCompleted: loancorev1.AgreementStatus_AGREEMENT_STATUS_COMPLETED,
}

// ListAgreements implements loancore.v1.RestructuringService/ListAgreements.
func (s *restructuringService) ListAgreements(ctx context.Context, req *loancorev1.ListAgreementsRequest) (*loancorev1.ListAgreementsResponse, error) {
	var p parser
	status := filterName(&p, "status", req.GetStatus(), agreementStatuses)
	if err := p.err("", nil); err != nil {
		return nil, err
	}
	ags, next, err := s.loans.ListAgreements(ctx, servicing.ListAgreementsParams{LoanID: req.GetLoanId(), Status: status,
		PageSize: int(req.GetPageSize()), PageToken: req.GetPageToken()})
	if err != nil {
		return nil, err
	}
	out := &loancorev1.ListAgreementsResponse{NextPageToken: next}
	for _, a := range ags {
		out.Agreements = append(out.Agreements, agreementToProto(a))
	}
	return out, nil
}

var specialTransactions = map[string]loancorev1.SpecialTransaction{
	"EXTENSION":                loancorev1.SpecialTransaction_SPECIAL_TRANSACTION_EXTENSION,
	"PERSONALISED_INSTALLMENT": loancorev1.SpecialTransaction_SPECIAL_TRANSACTION_PERSONALISED_INSTALLMENT,
	"DEBT_REDUCTION":           loancorev1.SpecialTransaction_SPECIAL_TRANSACTION_DEBT_REDUCTION,
}

func specialsToProto(s []string) []loancorev1.SpecialTransaction {
	var out []loancorev1.SpecialTransaction
	for _, k := range s {
		out = append(out, specialTransactions[k])
	}
	return out
}

func chargesToProto(c servicing.QuoteCharges) *loancorev1.RestructuringCharges {
	return &loancorev1.RestructuringCharges{Interest: c.Interest, Penalty: c.Penalty, Compound: c.Compound, Fees: c.Fees}
}

func restructuringQuoteToProto(q servicing.RestructuringQuote) *loancorev1.RestructuringQuote {
	out := &loancorev1.RestructuringQuote{Waived: chargesToProto(q.Waived), Capitalised: q.Capitalised, TotalCostBefore: q.TotalCostBefore,
		TotalCostAfter: q.TotalCostAfter, AprPercent: q.APRPercent, WithinCap: q.WithinCap, Carried: chargesToProto(q.Carried),
		Balance: q.Balance, EffectiveDate: q.EffectiveDate, Currency: q.Currency, AprCapPercent: q.APRCapPercent,
		TotalFees: q.TotalFees()}
	o := q.Outstanding
	out.Outstanding = &loancorev1.Outstanding{Principal: o.Principal, Interest: o.Interest, Penalty: o.Penalty, Compound: o.Compound, Total: o.Total, Fees: o.Fees}
	for _, r := range q.Installments {
		out.Installments = append(out.Installments, &loancorev1.ScheduleInstallment{Number: int32(r.Number), StartDate: r.StartDate,
			DueDate: r.DueDate, Principal: r.Principal, Interest: r.Interest, Total: r.Total, BalanceAfter: r.BalanceAfter, Fees: r.Fees})
	}
	return out
}

func agreementToProto(a servicing.AgreementView) *loancorev1.Agreement {
	out := &loancorev1.Agreement{AgreementId: a.AgreementID, LoanId: a.LoanID, Status: agreementStatuses[a.Status],
		Changes: changesToProto(a), EffectiveDate: a.EffectiveDate.String(), ExpiresOn: a.ExpiresOn.String(),
		Quote: restructuringQuoteToProto(a.Quote), BreakAfterMissed: int32(a.BreakAfterMissed),
		ProposedAt: a.ProposedAt.UTC().Format(time.RFC3339Nano), SignedBy: a.SignedBy, CancelReason: a.CancelReason,
		SpecialTransactions: specialsToProto(a.SpecialTransactions), ProposalSeq: a.ProposalSeq, AcceptanceSeq: a.AcceptanceSeq,
		Reason: a.Reason}
	switch a.OnBreak {
	case servicing.BreakReinstate:
		out.OnBreak = loancorev1.BreakAction_BREAK_ACTION_REINSTATE_WAIVED
	default:
		out.OnBreak = loancorev1.BreakAction_BREAK_ACTION_KEEP_PLAN
	}
	if !a.AcceptedAt.IsZero() {
		out.AcceptedAt = a.AcceptedAt.UTC().Format(time.RFC3339Nano)
	}
	if !a.CancelledAt.IsZero() {
		out.CancelledAt = a.CancelledAt.UTC().Format(time.RFC3339Nano)
	}
	if a.BrokenOn != engine.NoDate {
		out.BrokenOn = a.BrokenOn.String()
		c := a.Currency
		out.Reinstated = &loancorev1.RestructuringCharges{Interest: a.Reinstated.Interest.Format(c),
			Penalty: a.Reinstated.Penalty.Format(c), Compound: a.Reinstated.Compound.Format(c)}
	}
	return out
}

// changesToProto renders an agreement's changes as the request gave them.
func changesToProto(a servicing.AgreementView) *loancorev1.RestructuringChanges {
	c, cur := a.Changes, a.Currency
	out := &loancorev1.RestructuringChanges{}
	if x := c.TermExtension; x != nil {
		out.TermExtension = &loancorev1.TermExtension{ExtraInstallments: int32(x.ExtraInstallments)}
	}
	if h := c.PaymentHoliday; h != nil {
		out.PaymentHoliday = &loancorev1.PaymentHoliday{FromInstallment: int32(h.FromInstallment), Count: int32(h.Count),
			Interest: loancorev1.HolidayInterest(h.Interest)}
	}
	if r := c.RateChange; r != nil {
		out.RateChange = &loancorev1.RateChange{AnnualRatePercent: r.AnnualRate.String()}
	}
	if w := c.Waiver; w != nil {
		out.Waiver = &loancorev1.RestructuringWaiver{Penalty: w.Penalty.Format(cur), Compound: w.Compound.Format(cur), Interest: w.Interest.Format(cur)}
		if w.Fees > 0 {
			out.Waiver.Fees = w.Fees.Format(cur)
		}
	}
	if cp := c.Capitalisation; cp != nil {
		out.Capitalisation = &loancorev1.Capitalisation{IncludePenalty: cp.IncludePenalty}
	}
	if ra := c.Reamortisation; ra != nil {
		out.Reamortisation = &loancorev1.Reamortisation{Method: loancorev1.RepaymentMethod(ra.Method), InstallmentCount: int32(ra.InstallmentCount),
			Frequency:    &loancorev1.Frequency{Unit: loancorev1.FrequencyUnit(ra.Frequency.Unit), Every: int32(ra.Frequency.Every)},
			FirstDueDate: ra.FirstDueDate.String()}
	}
	if fp := c.InterestFreezePlan; fp != nil {
		out.InterestFreezePlan = &loancorev1.InterestFreezePlan{InstallmentCount: int32(fp.InstallmentCount), FirstDueDate: fp.FirstDueDate.String()}
		if !fp.AnnualRate.IsZero() {
			out.InterestFreezePlan.AnnualRatePercent = fp.AnnualRate.String()
		}
	}
	return out
}
