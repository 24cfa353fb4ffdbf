package engine

import "github.com/loancore/loancore/internal/money"

// AllocationOrder is the order in which a payment settles the components of
// one installment. Across installments, the oldest due is always paid first.
type AllocationOrder uint8

// The allocation orders. The zero value means InterestFirst.
const (
	// InterestFirst pays fees, then interest, then principal, then
	// penalty, then compound interest.
	InterestFirst AllocationOrder = iota + 1
	// PrincipalFirst pays principal, then fees, then interest, then
	// penalty, then compound interest.
	PrincipalFirst
	// PenaltyFirst pays fees, then penalty, then compound interest, then
	// interest, then principal.
	PenaltyFirst
	// CivilCode follows the Civil Code of the PRC, art. 561: the costs of
	// realising the claim, then interest, then principal. The fees
	// (charges) are the costs; penalty and compound interest are
	// interest-type charges, so it pays fees, then interest, then penalty,
	// then compound interest, then principal.
	CivilCode
	// AllInterestFirst pays the interest of every installment due, oldest
	// first, and on the actual balance the interest the current period
	// has accrued to the value date, before any principal; then each
	// installment's fees, principal, penalty and compound interest,
	// oldest first (fees before principal, as in every order but
	// PrincipalFirst). On the actual balance a payment then repays the principal
	// the payment less all interest accrued to its date, whatever the
	// plan's rows hold, so paying earlier never bears more interest (a
	// row-by-row order pays a row's principal before a later row's
	// interest, and how much of the money reduces the balance depends on
	// the rows, which an earlier prepayment reshapes).
	AllInterestFirst
)

// allocationComponents is the order in which each AllocationOrder settles
// the components of one installment. Fees (issue 20) come first but for
// PRINCIPAL_FIRST, whose point is principal: they are part of the
// installment the borrower was told of, and costs come first under the
// Civil Code. ALL_INTEREST_FIRST has paid every installment's interest
// before this order runs (its name and its point); its fees then come
// first here, before each installment's principal, as in the others.
var allocationComponents = [...][5]Component{
	0:              {ComponentFees, ComponentInterest, ComponentPrincipal, ComponentPenalty, ComponentCompound},
	InterestFirst:  {ComponentFees, ComponentInterest, ComponentPrincipal, ComponentPenalty, ComponentCompound},
	PrincipalFirst: {ComponentPrincipal, ComponentFees, ComponentInterest, ComponentPenalty, ComponentCompound},
	PenaltyFirst:   {ComponentFees, ComponentPenalty, ComponentCompound, ComponentInterest, ComponentPrincipal},
	CivilCode:      {ComponentFees, ComponentInterest, ComponentPenalty, ComponentCompound, ComponentPrincipal},
	// What is left after every row's interest (apply's first pass).
	AllInterestFirst: {ComponentFees, ComponentInterest, ComponentPrincipal, ComponentPenalty, ComponentCompound},
}

// Component is a part of what a loan owes.
type Component uint8

// The components a payment can settle.
const (
	ComponentPrincipal Component = iota + 1
	ComponentInterest
	// ComponentPenalty is penalty interest (罚息).
	ComponentPenalty
	// ComponentCompound is compound interest (复利) on overdue interest.
	ComponentCompound
	// ComponentFees is the installment's fees (charges, issue 20).
	ComponentFees
)

// AllocationPart is the amount of one payment that went to one component of
// one installment.
type AllocationPart struct {
	Installment int
	Component   Component
	Amount      money.Amount
}

// PaymentResult is how the fold applied one repayment.
type PaymentResult struct {
	Seq       int64
	ValueDate Date
	Amount    money.Amount
	// Parts are in the order they were settled. A prepayment appears as
	// parts on not-yet-due installments: first the interest accrued to the
	// value date, then principal.
	Parts []AllocationPart
	// Prepaid is the principal paid ahead of its due dates.
	Prepaid money.Amount
	// Credit is the part of the payment beyond everything owed.
	Credit money.Amount
}

// apply settles one repayment: what is due on its value date, oldest first;
// then, if anything is left, interest accrued to the value date and
// principal ahead of schedule, re-amortising the rest of the loan.
func (st *LoanState) apply(t *Terms, e Event) {
	res := PaymentResult{Seq: e.Seq, ValueDate: e.ValueDate, Amount: e.Amount}
	rem := e.Amount
	if t.Allocation == AllInterestFirst {
		rem = st.settleDueInterest(t, e.ValueDate, rem, &res)
	}
	for i := range st.Installments {
		in := &st.Installments[i]
		if in.DueDate > e.ValueDate || rem == 0 {
			break
		}
		rem = settle(in, t.Allocation, rem, &res)
	}
	if rem > 0 && t.Early == CoversNextInstallment && st.recalc {
		rem = st.coverNext(t, e.ValueDate, rem, &res)
	}
	if rem > 0 {
		rem = st.prepay(t, e.ValueDate, rem, &res)
	}
	st.closeEmptyPlan(t, e.ValueDate)
	if rem > 0 {
		res.Credit = rem
		st.Credit += rem
	}
	if st.PaidOffDate == NoDate && st.settled() {
		st.PaidOffDate = e.ValueDate
	}
	st.Payments = append(st.Payments, res)
}

// settleDueInterest pays up to amount of the interest of the
// installments due by date, oldest first (AllInterestFirst's first pass),
// and returns what is left.
func (st *LoanState) settleDueInterest(t *Terms, date Date, amount money.Amount, res *PaymentResult) money.Amount {
	for i := range st.Installments {
		in := &st.Installments[i]
		if in.DueDate > date || amount == 0 {
			break
		}
		if pay := min(amount, in.unpaidInterest()); pay > 0 {
			in.InterestPaid += pay
			amount -= pay
			res.Parts = append(res.Parts, AllocationPart{Installment: in.Number, Component: ComponentInterest, Amount: pay})
		}
	}
	// On the actual balance, the interest the current period has accrued
	// to date too: the principal a payment then repays is the payment
	// less all the interest accrued to its date, whatever the plan says
	// is due (a plan shortened by an earlier prepayment makes more of it
	// due sooner).
	if k := st.current(date); st.recalc && k >= 0 && amount > 0 {
		in := &st.Installments[k]
		if pay := min(amount, st.accruedRecalc(t, k)); pay > 0 {
			in.InterestPaid += pay
			amount -= pay
			res.Parts = append(res.Parts, AllocationPart{Installment: in.Number, Component: ComponentInterest, Amount: pay})
		}
	}
	return amount
}

// coverNext settles, from money paid before a due date, the coming
// installment of a loan on the actual balance: its interest accrued to
// date, then its principal (CoversNextInstallment); one so settled is
// closed on date (closePeriod).
func (st *LoanState) coverNext(t *Terms, date Date, amount money.Amount, res *PaymentResult) money.Amount {
	// The installment whose period holds date: only it can be closed on
	// date (one settled earlier was closed then, and its period ended).
	k := st.current(date)
	if k < 0 {
		return amount
	}
	in := &st.Installments[k]
	before := amount
	// Its fees first, as the orders settle a due installment's (but
	// PRINCIPAL_FIRST's): settling the installment means all of it, and a
	// fee left would fall due alone on its date and make it past due.
	if pay := min(amount, in.FeesDue-in.FeesPaid-in.FeesWaived); pay > 0 {
		in.FeesPaid += pay
		amount -= pay
		res.Parts = append(res.Parts, AllocationPart{Installment: in.Number, Component: ComponentFees, Amount: pay})
	}
	if pay := min(amount, st.accruedRecalc(t, k)); pay > 0 {
		in.InterestPaid += pay
		amount -= pay
		res.Parts = append(res.Parts, AllocationPart{Installment: in.Number, Component: ComponentInterest, Amount: pay})
	}
	if pay := min(amount, in.PrincipalDue-in.PrincipalPaid); pay > 0 {
		in.PrincipalPaid += pay
		amount -= pay
		res.Parts = append(res.Parts, AllocationPart{Installment: in.Number, Component: ComponentPrincipal, Amount: pay})
	}
	// Close it only if the money settled something: an installment with
	// no principal left and no days yet (paid on its first day) has
	// nothing to settle, and closing it would leave a period of no days.
	if amount < before && in.PrincipalPaid == in.PrincipalDue && st.accruedRecalc(t, k) == 0 && k+1 < len(st.Installments) {
		st.closePeriod(t, k, date)
	}
	return amount
}

// settle pays up to amount of one installment in the allocation order and
// returns what is left.
func settle(in *InstallmentState, order AllocationOrder, amount money.Amount, res *PaymentResult) money.Amount {
	components := allocationComponents[0]
	if int(order) < len(allocationComponents) {
		components = allocationComponents[order]
	}
	for _, c := range components {
		due, paid, waived := in.InterestDue, &in.InterestPaid, in.InterestWaived
		switch c {
		case ComponentPrincipal:
			due, paid, waived = in.PrincipalDue, &in.PrincipalPaid, 0
		case ComponentPenalty:
			due, paid, waived = in.PenaltyAccrued, &in.PenaltyPaid, in.PenaltyWaived
		case ComponentCompound:
			due, paid, waived = in.CompoundAccrued, &in.CompoundPaid, in.CompoundWaived
		case ComponentFees:
			due, paid, waived = in.FeesDue, &in.FeesPaid, in.FeesWaived
		}
		pay := min(amount, due-*paid-waived)
		if pay > 0 {
			*paid += pay
			amount -= pay
			res.Parts = append(res.Parts, AllocationPart{Installment: in.Number, Component: c, Amount: pay})
		}
	}
	return amount
}

// closeEmptyPlan drops the rows still to come when no principal is left
// and nothing is owed on date: interest of periods to come with no balance
// to bear it (a FLAT plan whose rounded level repaid the principal early)
// is not owed, as the payoff amount, which accrues interest on the
// balance only, already says.
func (st *LoanState) closeEmptyPlan(t *Terms, date Date) {
	if last := st.Installments[len(st.Installments)-1]; last.PrincipalDue > last.PrincipalPaid {
		// The usual case, decided in O(1): principal is left.
		return
	}
	k := st.current(date)
	if k < 0 || st.notYetDuePrincipal(k) != 0 || st.settled() {
		return
	}
	if st.recalc && st.accruedRecalc(t, k) > 0 {
		// Interest the days so far earned is owed: closing the plan here
		// would call the loan paid off while it is unpaid.
		return
	}
	for i := range st.Installments[:k] {
		if st.Installments[i].Unpaid() > 0 {
			return
		}
	}
	for i := k; i < len(st.Installments); i++ {
		// Carried charges are owed whatever the balance.
		in := &st.Installments[i]
		if in.unpaidPenalty() > 0 || in.unpaidCompound() > 0 || in.unpaidExtra() > 0 {
			return
		}
	}
	st.reamortise(t, k, date, 0, 0)
}

// settled reports whether nothing is owed any more.
func (st *LoanState) settled() bool {
	for _, in := range st.Installments {
		if in.Unpaid() > 0 {
			return false
		}
	}
	return true
}
