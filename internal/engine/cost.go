package engine

import "github.com/loancore/loancore/internal/money"

// Cost is what a loan's credit costs as the loan stands on a date, by
// component (issue 20's disclosure on GetLoan): the plan as it stands
// (every installment's contract interest and service fees, due or not)
// plus what was charged to the date (late fees, prepayment fees, penalty
// and compound interest), the upfront fee, and the charges restructuring
// agreements made principal. A loan just booked costs what its quote
// said: TotalInterest + TotalFees + the upfront fee. Every component is
// gross; Waived is what waivers forgave of them.
type Cost struct {
	// Interest is contract interest: each installment's InterestDue
	// (charges an agreement carried onto a row included), plus what was
	// paid and waived of the interest of rows an agreement replaced.
	Interest money.Amount
	// ServiceFees, LateFees and PrepaymentFees are the fees by kind, on
	// the installments and settled on rows an agreement replaced. Fees an
	// agreement carried onto a new row, or its waiver forgave, count as
	// service fees (neither says which kind they were).
	ServiceFees, LateFees, PrepaymentFees money.Amount
	// UpfrontFee is the fee deducted from the advance
	// (Terms.EffectiveUpfrontFee).
	UpfrontFee money.Amount
	// Penalty and Compound are penalty and compound interest charged to
	// the date.
	Penalty, Compound money.Amount
	// Capitalised is what applied agreements made principal: overdue
	// interest, fees, penalty and holiday interest capitalised, or the
	// charges a freeze plan froze. It is repaid as principal since, and is
	// counted here once.
	Capitalised money.Amount
	// Waived is what waivers, and agreements' waivers (less what a break
	// charged again), forgave of the components above.
	Waived money.Amount
}

// Fees is the fees of every kind.
func (c Cost) Fees() money.Amount { return c.ServiceFees + c.LateFees + c.PrepaymentFees }

// Total is the cost of the credit: every component less what was waived.
// With the principal lent it is what the borrower pays for the loan if the
// plan is kept from the date on: on a loan paid off, received less credit
// equals what was lent + Total − UpfrontFee (the fee was kept from the
// advance, not paid).
func (c Cost) Total() money.Amount {
	return c.Interest + c.Fees() + c.UpfrontFee + c.Penalty + c.Compound + c.Capitalised - c.Waived
}

// Cost is the state's cost of credit (see Cost) under its terms.
func (st LoanState) Cost(t *Terms) Cost {
	c := Cost{UpfrontFee: t.EffectiveUpfrontFee()}
	for i := range st.Installments {
		in := &st.Installments[i]
		c.Interest += in.InterestDue
		c.LateFees += in.lateFee
		c.PrepaymentFees += in.prepaymentFee
		c.ServiceFees += in.FeesDue - in.lateFee - in.prepaymentFee
		c.Penalty += in.PenaltyAccrued
		c.Compound += in.CompoundAccrued
		c.Waived += in.InterestWaived + in.FeesWaived + in.PenaltyWaived + in.CompoundWaived
	}
	s := st.Superseded
	c.Interest += s.InterestPaid + s.InterestWaived
	c.LateFees += s.LateFees
	c.PrepaymentFees += s.PrepaymentFees
	c.ServiceFees += s.FeesPaid + s.FeesWaived - s.LateFees - s.PrepaymentFees
	c.Penalty += s.PenaltyPaid + s.PenaltyWaived
	c.Compound += s.CompoundPaid + s.CompoundWaived
	c.Waived += s.InterestWaived + s.FeesWaived + s.PenaltyWaived + s.CompoundWaived
	for _, a := range st.Agreements {
		if a.Applied {
			c.Capitalised += a.Quote.Capitalised
			c.addAgreementWaiver(a)
		}
	}
	return c
}

// addAgreementWaiver counts what an agreement's waiver forgave, less what
// its break charged again (that is back on the rows): charged, and waived.
// The fold does not book it on the replaced rows, so it is in no other
// component. Fees it forgave count as service fees: the waiver does not
// say which kind it took.
func (c *Cost) addAgreementWaiver(a AgreementResult) {
	w, r := a.Quote.Waived, a.Reinstated
	interest, penalty := w.Interest-r.Interest, w.Penalty-r.Penalty
	compound, fees := w.Compound-r.Compound, w.Fees-r.Fees
	c.Interest += interest
	c.Penalty += penalty
	c.Compound += compound
	c.ServiceFees += fees
	c.Waived += interest + penalty + compound + fees
}

// Charged is all penalty, compound interest and late fees the fold has
// charged to its date — paid, waived or not — what close of business's
// accrual journal counts. It includes what rows a restructuring replaced
// had charged (Settled's *Charged): a charge capitalised, carried or
// frozen is still a charge made, only owed another way, and one an
// agreement waived is a waiver (on the agreement, as WaiveAmounts' are on
// their events), not income taken back. A break that reinstates waived
// charges charges them again.
func (st LoanState) Charged() (penalty, compound, lateFees money.Amount) {
	for i := range st.Installments {
		in := &st.Installments[i]
		penalty += in.PenaltyAccrued
		compound += in.CompoundAccrued
		lateFees += in.lateFee
	}
	s := st.Superseded
	return penalty + s.PenaltyCharged, compound + s.CompoundCharged, lateFees + s.LateFeesCharged
}
