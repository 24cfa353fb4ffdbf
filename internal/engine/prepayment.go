package engine

import "github.com/loancore/loancore/internal/money"

// EarlyPayment says what money paid before a due date, beyond what is
// already due, does first.
type EarlyPayment uint8

// The early payment policies. The zero value means PrepayPrincipal.
const (
	// PrepayPrincipal pays interest accrued to the value date and then
	// principal ahead; the rest of the plan follows the prepayment policy
	// and the coming installment still falls due in full (less the
	// interest the lower balance no longer bears).
	PrepayPrincipal EarlyPayment = iota + 1
	// CoversNextInstallment (interest recalculation only) first settles
	// the coming installment — its fees, its interest accrued to the value date,
	// then its principal — and only the rest is a prepayment. The
	// installment so settled is closed on the value date: its interest is
	// what accrued to then, and the days after it, to its due date, belong
	// to the next installment's period (they bear interest on the balance
	// left, and it falls due with the next installment). Without
	// recalculation the installment's interest is the plan's, for its
	// whole period: settling it early would charge more than the payoff
	// amount (interest to date), so it is refused there.
	CoversNextInstallment
)

// PrepaymentPolicy says how a payment beyond what is due reshapes the rest
// of the schedule.
type PrepaymentPolicy uint8

// The prepayment policies. The zero value means ReduceTerm.
const (
	// ReduceTerm keeps the installment and shortens the schedule
	// (EQUAL_INSTALLMENT keeps the level installment, EQUAL_PRINCIPAL the
	// principal part). Other methods reduce the installment instead.
	ReduceTerm PrepaymentPolicy = iota + 1
	// ReduceInstallment keeps the maturity and re-amortises the reduced
	// balance over the remaining installments.
	ReduceInstallment
	// KeepInstallment (EQUAL_INSTALLMENT only) keeps the exact installment
	// amount: the rows after a prepayment are built at that amount with
	// each row's own interest (by days under daily accrual), as many as it
	// takes to repay the balance, and the last takes what remains, at most
	// the installment. ReduceTerm keeps the amount too, but takes the new
	// number of rows from the periodic-rate annuity (the fewest whose
	// re-solved level does not exceed it), so with daily interest, whose
	// periods differ, its last row can exceed the installment or rows
	// before it can fall to nothing; without daily interest or odd periods
	// the two give the same rows.
	KeepInstallment
)

// OverpaymentPolicy says what happens to a payment beyond everything owed.
type OverpaymentPolicy uint8

// The overpayment policies. The zero value means RefuseOverpayment.
const (
	// RefuseOverpayment refuses a payment larger than the payoff amount.
	RefuseOverpayment OverpaymentPolicy = iota + 1
	// KeepCredit keeps the excess as a credit balance owed to the borrower.
	KeepCredit
)

// current returns the index of the first installment due after date, or -1.
func (st *LoanState) current(date Date) int {
	for i := range st.Installments {
		if st.periodEnd(i) > date {
			return i
		}
	}
	return -1
}

// notYetDuePrincipal is the principal of installments k.. not yet paid.
func (st *LoanState) notYetDuePrincipal(k int) money.Amount {
	var p money.Amount
	for _, in := range st.Installments[k:] {
		p += in.PrincipalDue - in.PrincipalPaid
	}
	return p
}

// accruedInterest is the interest the not-yet-due principal has earned in
// installment k's period up to date and not yet paid: by days under the day
// count from the period's start (or the last prepayment in it).
func (st *LoanState) accruedInterest(t *Terms, k int, date Date) money.Amount {
	if st.recalc {
		// The days before date are accounted: see recalc.go.
		return st.accruedRecalc(t, k)
	}
	in := st.Installments[k]
	t = st.planTerms(t)
	if st.dueIndex(k) < t.freeRows() || date <= in.accrualFrom {
		return 0
	}
	earned := dailyInterest(st.notYetDuePrincipal(k), t.AnnualRate, t.DayCount, in.accrualFrom, date, t.Rounding.Mode)
	paidSince := in.InterestPaid - in.chargedBefore
	return min(max(0, earned-paidSince), in.unpaidInterest()-in.unpaidExtra())
}

// unpaidExtra is the carried or spread interest of the row not yet paid.
func (in *InstallmentState) unpaidExtra() money.Amount {
	return min(in.extraInterest-in.extraPaid, in.unpaidInterest())
}

// prepay applies money beyond what is due on date: the current period's
// accrued interest, then principal; the installments after date are
// re-amortised from date with the reduced balance.
func (st *LoanState) prepay(t *Terms, date Date, amount money.Amount, res *PaymentResult) money.Amount {
	k := st.current(date)
	if k < 0 {
		return amount
	}
	// Charges an agreement carried onto rows not yet due are owed already:
	// they go first.
	for i := k; i < len(st.Installments) && amount > 0; i++ {
		amount = st.payCarried(i, amount, res)
	}
	if amount == 0 {
		return 0
	}
	cur := &st.Installments[k]
	if acc := st.accruedInterest(t, k, date); acc > 0 {
		pay := min(amount, acc)
		cur.InterestPaid += pay
		amount -= pay
		res.Parts = append(res.Parts, AllocationPart{Installment: cur.Number, Component: ComponentInterest, Amount: pay})
		if amount == 0 {
			return 0
		}
	}
	balance := st.notYetDuePrincipal(k)
	// The prepayment fee (issue 20) is paid out of the same money, on the
	// current installment, before the principal it is charged for.
	pay, fee := t.prepaidWithFee(amount, balance, cur.Number-1)
	if st.frozen {
		// A freeze plan charges no fee, a prepayment's neither.
		pay, fee = min(amount, balance), 0
	}
	if pay == 0 {
		return amount
	}
	if fee > 0 {
		cur.FeesDue += fee
		cur.FeesPaid += fee
		cur.prepaymentFee += fee
		amount -= fee
		res.Parts = append(res.Parts, AllocationPart{Installment: cur.Number, Component: ComponentFees, Amount: fee})
	}
	amount -= pay
	res.Prepaid += pay
	// Record the prepaid principal against the current installment, then
	// re-amortise what remains over the rest of the schedule.
	res.Parts = append(res.Parts, AllocationPart{Installment: cur.Number, Component: ComponentPrincipal, Amount: pay})
	st.reamortise(t, k, date, balance-pay, pay)
	return amount
}

// reamortise replaces installments k.. with a schedule of the remaining
// balance that starts accruing on date. Installment k keeps what was paid on
// it (interest to date, the prepaid principal) and gains the interest of
// the rest of its period on the new balance.
func (st *LoanState) reamortise(t *Terms, k int, date Date, balance, prepaid money.Amount) {
	t = st.planTerms(t)
	cur := st.Installments[k]
	carry := st.carriedFrom(k)
	keptInterest := cur.InterestPaid
	keptPrincipal := cur.PrincipalPaid + prepaid
	// The fold owns its rows (Append and AdvanceTo clone them; settle
	// writes them in place too), so the new rows overwrite the old ones in
	// the same array: a daily part-payment would otherwise allocate the
	// whole plan again, which was most of a daily-paid loan's garbage.
	tail := st.Installments[:k]
	if balance == 0 {
		in := cur.withoutCharges()
		in.PrincipalDue, in.PrincipalPaid = keptPrincipal, keptPrincipal
		in.InterestDue, in.InterestPaid = keptInterest, keptInterest
		// The fee of a period the loan did not reach is not owed, as the
		// payoff amount says: only what was settled of it stays.
		in.FeesDue = in.FeesPaid + in.FeesWaived
		in.balanceDays = cur.balanceDays
		carry.onto(&in)
		st.Installments = append(tail, in)
		return
	}
	remaining := len(st.Installments) - k
	if t.Method == Bullet {
		// One installment at maturity: the reduced principal bears simple
		// interest by days from the payment date.
		in := cur.withoutCharges()
		in.PrincipalDue = keptPrincipal + balance
		in.PrincipalPaid = keptPrincipal
		in.InterestDue = keptInterest + dailyInterest(balance, t.AnnualRate, t.DayCount, date, cur.DueDate, t.Rounding.Mode)
		in.InterestPaid = keptInterest
		in.accrualFrom, in.chargedBefore = date, keptInterest
		carry.onto(&in)
		st.Installments = append(tail, in)
		return
	}
	sg := st.reamortisedSegment(t, k, date, balance, remaining)
	rows, level := buildRows(t, sg)
	if t.Method == EqualInstallment && t.Prepayment == KeepInstallment && st.level > 0 {
		rows = rowsUntilRepaid(rows)
	}
	// The rows after the current one bear the contract's service fees on
	// their numbers and new balances; the current keeps its own, fixed
	// when its period began.
	t.addServiceFees(rows)
	if t.Method == EqualInstallment && level > 0 {
		st.level = level
	} else if t.Method == EqualPrincipal && len(rows) > 1 {
		st.level = rows[0].Principal
	}
	st.Installments = tail
	for i, r := range rows {
		in := InstallmentState{Number: r.Number - st.shift(), StartDate: r.StartDate, DueDate: r.DueDate,
			PrincipalDue: r.Principal, InterestDue: r.Interest, FeesDue: r.Fees, accrualFrom: r.StartDate}
		if i == 0 {
			in.takeOver(cur, keptPrincipal, keptInterest)
			carry.onto(&in)
		}
		st.Installments = append(st.Installments, in)
	}
}

// takeOver makes a re-amortised plan's first row the current one it
// replaces: its start, its fees and its balance-days, with what was paid
// of the current row (principal, prepaid principal included, and
// interest) kept paid on top of the new row's own.
func (in *InstallmentState) takeOver(cur InstallmentState, keptPrincipal, keptInterest money.Amount) {
	in.FeesDue, in.FeesPaid, in.FeesWaived = cur.FeesDue, cur.FeesPaid, cur.FeesWaived
	in.lateFee, in.prepaymentFee = cur.lateFee, cur.prepaymentFee
	in.StartDate = cur.StartDate
	in.chargedBefore = keptInterest
	in.PrincipalDue += keptPrincipal
	in.PrincipalPaid = keptPrincipal
	in.InterestDue += keptInterest
	in.InterestPaid = keptInterest
	in.balanceDays = cur.balanceDays
}

// reamortisedSegment is the segment reamortise solves from date for
// balance over the remaining rows: the prepayment policy decides whether
// it keeps the level (so the term shortens, or with KEEP_INSTALLMENT the
// last row absorbs) or re-solves it. Keeping the installment needs one; a
// level of zero (a tiny loan rounded away) re-amortises instead.
func (st *LoanState) reamortisedSegment(t *Terms, k int, date Date, balance money.Amount, remaining int) segment {
	cur := st.Installments[k]
	sg := segment{start: date, principal: balance, firstIndex: st.dueIndex(k), count: remaining, oddFirst: date != cur.StartDate}
	if t.Prepayment == ReduceInstallment || st.level == 0 {
		return sg
	}
	switch t.Method {
	case EqualInstallment:
		sg.level = st.level
		if t.Prepayment != KeepInstallment {
			sg.count = termForLevel(t, sg, st.level)
		}
	case EqualPrincipal:
		sg.level = st.level
		g := max(0, t.PrincipalGracePeriods-sg.firstIndex)
		sg.count = g + int((uint64(balance)+uint64(st.level)-1)/uint64(st.level))
		sg.count = min(max(sg.count, 1), remaining)
	}
	return sg
}

// rowsUntilRepaid cuts rows built at a kept installment over the most
// rows allowed after the first that repays the balance: the rows up to it
// are the same whatever the count (each repays the installment less its
// interest, the one that repays the balance all of it), so one build at
// the most rows finds the term and the rows at once.
func rowsUntilRepaid(rows []Installment) []Installment {
	for i, r := range rows {
		if r.BalanceAfter == 0 {
			return rows[:i+1]
		}
	}
	return rows
}

// countRepayments is the number of repayments among events.
func countRepayments(events []Event) int {
	n := 0
	for _, e := range events {
		if e.Kind == EventRepayment {
			n++
		}
	}
	return n
}

// termForLevel returns the fewest installments, at most sg.count, whose
// level installment does not exceed level: the term a prepayment leaves
// when the installment stays the same.
func termForLevel(t *Terms, sg segment, level money.Amount) int {
	r := t.periodicRate()
	g := max(0, t.PrincipalGracePeriods-sg.firstIndex)
	free := max(0, t.freeRows()-sg.firstIndex)
	lo, hi := g+1, sg.count
	levelOver := func(count int) money.Amount {
		s := sg
		s.count = count
		return segmentLevel(t, s, g, free, r)
	}
	// A part-payment seldom shortens the term: when one installment fewer
	// than the most allowed still needs more than level, so do all fewer
	// (the rounded level installment never rises with the term), and the
	// search below would end at sg.count. One annuity instead of a
	// bisection's four or so; TestTermForLevelEqualsBisection checks it.
	if hi-1 >= lo && levelOver(hi-1) > level {
		return max(hi, 1)
	}
	for lo < hi {
		mid := (lo + hi) / 2
		if levelOver(mid) <= level {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return max(lo, 1)
}
