package engine

import "github.com/loancore/loancore/internal/money"

// Outstanding is what a loan owes as of its date.
type Outstanding struct {
	// Principal is all principal not yet paid, due or not.
	Principal money.Amount
	// Interest is the interest of installments due on or before the date
	// and neither paid nor waived.
	Interest money.Amount
	// Penalty and Compound are the penalty and compound interest charged
	// through the end of the date and neither paid nor waived.
	Penalty  money.Amount
	Compound money.Amount
	// Fees are the fees of installments due on or before the date and
	// neither paid nor waived.
	Fees money.Amount
}

// Total returns Principal + Interest + Penalty + Compound + Fees.
func (o Outstanding) Total() money.Amount {
	return o.Principal + o.Interest + o.Penalty + o.Compound + o.Fees
}

// Outstanding returns what the loan owes as of st.AsOf.
func (st *LoanState) Outstanding() Outstanding {
	var o Outstanding
	for i := range st.Installments {
		in := &st.Installments[i]
		o.Principal += in.PrincipalDue - in.PrincipalPaid
		if in.DueDate <= st.AsOf {
			o.Interest += in.unpaidInterest()
			o.Fees += in.unpaidFees()
		}
		o.Penalty += in.unpaidPenalty()
		o.Compound += in.unpaidCompound()
	}
	return o
}

// DaysPastDue is the number of days since the oldest installment due before
// st.AsOf that is not fully paid, or 0.
func (st *LoanState) DaysPastDue() int {
	for i := range st.Installments {
		in := &st.Installments[i]
		if in.DueDate >= st.AsOf {
			return 0
		}
		if in.Unpaid() > 0 {
			return int(st.AsOf - in.DueDate)
		}
	}
	return 0
}

// NextDueDate is the due date of the first installment due on or after
// st.AsOf that is not fully paid, or NoDate.
func (st *LoanState) NextDueDate() Date {
	for i := range st.Installments {
		in := &st.Installments[i]
		if in.DueDate >= st.AsOf && in.Unpaid() > 0 {
			return in.DueDate
		}
	}
	return NoDate
}

// Payoff is the amount that settles a loan on a date, by component.
type Payoff struct {
	Principal money.Amount
	// Interest is unpaid interest of installments due by the date plus the
	// current period's interest accrued to the date.
	Interest money.Amount
	// Penalty and Compound are the penalty and compound interest accrued to
	// the date and not yet paid: charged through the day before it, since
	// a payment on the date stops the date's own accrual.
	Penalty  money.Amount
	Compound money.Amount
	// Fees are the fees of installments due by the date and not yet paid
	// or waived, and the prepayment fee on the principal not yet due; the
	// service fees of periods not yet due are not owed.
	Fees money.Amount
	// Credit already held reduces the total.
	Credit money.Amount
}

// Total returns the amount to pay: principal + interest + penalty +
// compound + fees − credit, at least 0.
func (p Payoff) Total() money.Amount {
	return max(0, p.Principal+p.Interest+p.Penalty+p.Compound+p.Fees-p.Credit)
}

// PayoffAt returns what settles the loan on st.AsOf: everything due, the
// principal not yet due, interest accrued to the date and penalty and
// compound interest charged before it — no interest after it.
func (st *LoanState) PayoffAt(t Terms) Payoff {
	p := Payoff{Credit: st.Credit}
	for _, in := range st.Installments {
		p.Principal += in.PrincipalDue - in.PrincipalPaid
		if in.DueDate <= st.AsOf {
			p.Interest += in.unpaidInterest()
			p.Fees += in.unpaidFees()
		} else {
			p.Interest += in.unpaidExtra()
		}
		p.Penalty += in.unpaidPenalty()
		p.Compound += in.unpaidCompound()
		if st.accruedThrough == st.AsOf {
			p.Penalty -= in.lastPenalty
			p.Compound -= in.lastCompound
		}
		if in.lateFee > 0 && in.DueDate.AddDays(t.lateGraceDays()) == st.AsOf && (st.settledOn != st.AsOf || len(st.Agreements) == 0) {
			// A late fee posted at the end of the date is not owed by a
			// payment on it, which comes before the grace ends.
			p.Fees -= in.lateFee
		}
	}
	if k := st.current(st.AsOf); k >= 0 {
		p.Interest += st.accruedInterest(&t, k, st.AsOf)
		// Paying off repays what is not yet due ahead of schedule: it
		// bears the prepayment fee, as executing the payment charges it.
		if !st.frozen {
			p.Fees += t.PrepaymentFee(st.notYetDuePrincipal(k), st.Installments[k].Number-1)
		}
	}
	return p
}
