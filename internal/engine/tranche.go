package engine

import "github.com/loancore/loancore/internal/money"

// Tranches (a loan disbursed in several parts up to an approved amount).
//
// Terms.Principal is the first tranche, lent on the disbursement date, and
// the schedule of the terms is its plan. Each EventTranche lends more on
// its value date: the installments due by then are untouched (they were
// owed on what had been lent), and the installments after it are solved
// again, with the contract's method and rate, for everything not yet due
// plus the tranche, over the same due dates — so the maturity stays the
// contract's. Apache Fineract re-amortises a multi-disbursement loan the
// same way: the schedule's dates stay and the remaining installments are
// recomputed on the larger balance; keeping the maturity is also what a
// construction or education loan agreed for a term expects. The period
// the tranche falls in accrues by days, as a prepayment's does: the old
// balance up to the tranche date, the new one from it; with interest
// recalculation its balance-days do so by themselves.

// checkApprovedAmount checks the ceiling of a loan disbursed in tranches,
// naming approved_amount.
func (t *Terms) checkApprovedAmount(e *InvalidError) {
	if t.ApprovedAmount == 0 {
		return
	}
	const f = "approved_amount"
	switch {
	case t.ApprovedAmount < 0 || t.ApprovedAmount > money.MaxAmount:
		e.Add(f, "must be between zero and %s", money.MaxAmount.Format(t.Currency))
	case t.Principal > 0 && t.ApprovedAmount < t.Principal:
		e.Add(f, "must be at least principal, the first tranche")
	case t.Method == Flat:
		// FLAT charges every period on the original principal: what a
		// second tranche would add to it is not defined by the method.
		e.Add(f, "does not apply to FLAT")
	case t.InstallmentAmount != 0:
		// A tranche re-solves the installment; an agreed one cannot move.
		e.Add(f, "does not combine with installment_amount")
	case t.Timing == InAdvance:
		e.Add(f, "does not combine with payment_timing PAYMENT_TIMING_IN_ADVANCE yet")
	case t.hasOriginalPrincipalFee():
		// Which principal is "original" once tranches add to it (the
		// first tranche, all lent so far, the approved amount) is not
		// decided; a fee on the balance follows the tranches by itself.
		e.Add(f, "does not combine with a percent SERVICE_FEE or UPFRONT charge on CHARGE_BASIS_ORIGINAL_PRINCIPAL yet; use CHARGE_BASIS_OUTSTANDING_PRINCIPAL or an amount")
	}
}

// mostLent is the terms with the most they may lend as principal: the
// approved amount when tranches are allowed. The bound on what may be
// repayable is checked on it, so that no tranche can overflow the plan.
func (t *Terms) mostLent() *Terms {
	if t.ApprovedAmount <= t.Principal {
		return t
	}
	u := *t
	u.Principal = t.ApprovedAmount
	return &u
}

// disburse applies a tranche. The interest the balance before it has
// earned in the current period and not yet paid stays on the current row
// (accrued by days to the tranche date); the rows not yet due are solved
// again for their principal plus the tranche from the tranche date, with
// the same count of rows, whatever the prepayment policy: a level kept
// from before would leave the tranche to the last row. A tranche dated
// after the last due date (servicing refuses one) falls due at once on the
// last row.
func (st *LoanState) disburse(t *Terms, e Event) {
	if st.PaidOffDate != NoDate {
		// Lent again: the loan owes again.
		st.PaidOffDate = NoDate
	}
	k := st.extendToMaturity(t, e.ValueDate)
	if k < 0 {
		st.Installments[len(st.Installments)-1].PrincipalDue += e.Amount
		return
	}
	var accrued money.Amount
	if !st.recalc {
		// With interest recalculation the period's balance-days already
		// hold the days before the tranche.
		accrued = st.accruedInterest(t, k, e.ValueDate)
	}
	balance := st.notYetDuePrincipal(k) + e.Amount
	kept := st.level
	st.level = 0 // re-solve: see reamortise
	st.reamortise(t, k, e.ValueDate, balance, 0)
	if st.level == 0 {
		st.level = kept
	}
	cur := &st.Installments[k]
	cur.InterestDue += accrued
	// chargedBefore counts interest of the days before accrualFrom: what
	// the old balance earned is owed on top of the new balance's days.
	cur.chargedBefore += accrued
}

// extendToMaturity puts back, as empty rows, the contract's due dates after
// the plan's last row that prepayments reducing the term took away, when
// the tranche is dated before the contract's maturity: the tranche is
// re-solved over the contract's maturity, not over what prepayments left.
// It returns the first row due after date, or -1. A plan an agreement made
// (which has its own maturity) and a BULLET loan (one row at maturity) are
// left as they are.
func (st *LoanState) extendToMaturity(t *Terms, date Date) int {
	n := len(st.Installments)
	if st.plan != nil || t.Method == Bullet || date >= t.DueDate(t.InstallmentCount-1) {
		return st.current(date)
	}
	prev := st.Installments[n-1].DueDate
	for j := st.Installments[n-1].Number; j < t.InstallmentCount; j++ {
		due := t.DueDate(j)
		st.Installments = append(st.Installments, InstallmentState{Number: j + 1, StartDate: prev, DueDate: due, accrualFrom: prev})
		prev = due
	}
	return st.current(date)
}
