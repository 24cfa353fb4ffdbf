package engine

import "slices"

// StepTo returns the state as of a later date by running penalty accrual
// on from the last day it ran for, and true: for a log with no event
// dated after st.AsOf, which the caller vouches for, it is what a replay
// as of asOf gives. Close of business steps a loan nothing happened to
// since its previous date this way (issue 21): one run of days from the
// state that date stored, where AdvanceTo re-accrues from the log's last
// event and a replay from the first due date. A run of accrual ends on
// every due date and grace end whichever days it starts and ends on, so
// accruing through d-1 and then d charges what accruing through d at
// once does (TestStepToEqualsReplay). It returns false for a date before
// st.AsOf, for interest on the actual balance (whose days are accounted
// payment by payment: AdvanceTo), and, on terms with a penalty policy,
// for a state not folded with one. st and what it shares are not changed.
func (st LoanState) StepTo(t Terms, asOf Date) (LoanState, bool) {
	if asOf < st.AsOf || st.recalc || t.InterestRecalculation || (t.HasPenalty && !st.open.valid) {
		return st, false
	}
	if asOf == st.AsOf {
		return st, true
	}
	st.AsOf = asOf
	late := t.hasLateFee()
	if !t.HasPenalty && !late {
		return st, true
	}
	st.Installments = slices.Clone(st.Installments)
	if t.HasPenalty {
		st.accrue(newAccrual(&t), asOf, false)
	}
	if late {
		// As the fold's last step: the late fees whose grace ended since.
		st.postLateFees(&t, asOf)
	}
	return st, true
}

// StepDays steps the state on one day at a time, from the day after
// st.AsOf through last, calling visit with the state as of each day until
// it returns false: each is what StepTo that day gives, for the same
// logs. Close of business looks a month ahead this way (issue 21) for the
// days a loan only accrues; StepTo each day would clone the installments
// and set its accrual up again every day. The state visit sees is reused
// for the next day: it must not keep it. It visits nothing where StepTo
// would return false; st and what it shares are not changed.
func (st LoanState) StepDays(t Terms, last Date, visit func(LoanState) bool) {
	if st.recalc || t.InterestRecalculation || (t.HasPenalty && !st.open.valid) {
		return
	}
	st.Installments = slices.Clone(st.Installments)
	var a *accrual
	if t.HasPenalty {
		a = newAccrual(&t)
		a.forgetDaily(len(st.Installments))
		a.stepping = true
	}
	late := t.hasLateFee()
	for day := st.AsOf + 1; day <= last; day++ {
		st.AsOf = day
		if a != nil {
			st.accrue(a, day, false)
		}
		if late {
			st.postLateFees(&t, day)
		}
		if !visit(st) {
			return
		}
	}
}

// EncodeStepState is EncodeSnapshot with the payments' results cut to the
// last: what StepTo needs, for close of business to keep beside a
// position, with a size and a decoding that do not grow with the loan's
// payments (decoding forty of them was most of stepping such a loan on).
// The last stays so that Append would still refuse an earlier payment;
// the state it decodes to lists no other, so it is for stepping on and
// for a position's figures (installments, outstanding, charges), not for
// a loan's view.
func (st LoanState) EncodeStepState() ([]byte, error) {
	if n := len(st.Payments); n > 1 {
		st.Payments = st.Payments[n-1:]
	}
	return st.EncodeSnapshot()
}
