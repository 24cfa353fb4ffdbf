package servicing

import (
	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/store"
)

// eligible checks the rules that need no quote: the loan's status (now,
// its fold as of today), one agreement at a time, the number of
// agreements and the on-time installments between deferrals (at, its fold
// as of the effective date).
func (p RestructuringPolicy) eligible(lg loanLog, now, at engine.LoanState, ags []AgreementView, c engine.Changes) error {
	switch statusOf(now) {
	case store.StatusPaidOff:
		return refuse(ReasonLoanPaidOff, "loan %s is PAID_OFF; nothing to restructure", lg.loan.LoanID)
	case store.StatusWrittenOff:
		return refuse(ReasonLoanWrittenOff, "loan %s is WRITTEN_OFF; it cannot be restructured", lg.loan.LoanID)
	}
	if lg.terms.InterestRecalculation {
		return refuse(ReasonInterestRecalculation, "loan %s charges interest on the actual balance; restructuring it is not supported yet", lg.loan.LoanID)
	}
	signed := 0
	var prev *AgreementView
	for i := range ags {
		a := &ags[i]
		if a.AcceptanceSeq == 0 {
			continue
		}
		signed++
		prev = a
		if a.Status == AgreementActive {
			return refuse(ReasonAgreementActive, "agreement %s is ACTIVE on loan %s: one agreement at a time (it must complete or break first)", a.AgreementID, lg.loan.LoanID)
		}
	}
	if signed >= p.MaxAgreementsPerLoan {
		return refuse(ReasonMaxAgreementsPerLoan, "loan %s has had %d agreements, the most allowed", lg.loan.LoanID, signed)
	}
	deferral := func(c engine.Changes) bool {
		return c.TermExtension != nil || c.PaymentHoliday != nil || c.Reamortisation != nil
	}
	if prev != nil && deferral(c) && deferral(prev.Changes) && p.MinOnTimeBetweenDeferrals > 0 {
		if n := onTimeInstallments(at, prev.firstNumber, prev.EffectiveDate); n < p.MinOnTimeBetweenDeferrals {
			return refuse(ReasonMinOnTimeInstallments, "%d installments of agreement %s were paid on time by %s; %d are needed before another deferral",
				n, prev.AgreementID, at.AsOf, p.MinOnTimeBetweenDeferrals)
		}
	}
	if fp := c.InterestFreezePlan; fp != nil && fp.InstallmentCount > p.MaxFreezeInstallments {
		return refuse(ReasonMaxFreezeInstallments, "a freeze plan may have at most %d installments", p.MaxFreezeInstallments)
	}
	return nil
}

// eligiblePlan checks the rules on the quoted plan: how far past the
// contract's maturity it ends.
func (p RestructuringPolicy) eligiblePlan(lg loanLog, c engine.Changes, q engine.RestructureQuote) error {
	if c.InterestFreezePlan != nil || len(q.Installments) == 0 {
		return nil
	}
	limit := lg.schedule.MaturityDate.AddMonths(p.MaxExtensionMonths)
	if last := q.Installments[len(q.Installments)-1].DueDate; last > limit {
		return refuse(ReasonMaxExtensionMonths, "the new plan would end on %s, more than %d months after the contract's maturity %s",
			last, p.MaxExtensionMonths, lg.schedule.MaturityDate)
	}
	return nil
}

// onTimeInstallments counts the installments from number first, due after
// from and by st.AsOf, fully paid by their due dates.
func onTimeInstallments(st engine.LoanState, first int, from engine.Date) int {
	lastPaid := map[int]engine.Date{}
	for _, p := range st.Payments {
		for _, part := range p.Parts {
			lastPaid[part.Installment] = max(lastPaid[part.Installment], p.ValueDate)
		}
	}
	n := 0
	for _, in := range st.Installments {
		if in.Number < first || in.DueDate <= from || in.DueDate > st.AsOf || in.Unpaid() > 0 {
			continue
		}
		if d, ok := lastPaid[in.Number]; !ok || d <= in.DueDate {
			n++
		}
	}
	return n
}
