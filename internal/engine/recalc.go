package engine

import (
	"math/big"

	"github.com/loancore/loancore/internal/money"
)

// Interest on the actual balance (Terms.InterestRecalculation).
//
// Day d bears B(d) × annual rate ÷ Y, B(d) being the principal outstanding
// at the end of day d, due or not, and Y the day count's year. Every day
// weighs the same 1/Y (the day counts allowed are ACT/365, ACT/360 and
// ACT/364), so the exact sum of a period's daily amounts is
// rate × ΣB(d) ÷ Y: each installment keeps the integer balance-days ΣB(d)
// of its period, and its interest is that sum rounded once with the
// contract's mode. Rounding per day would let a year of daily payments
// drift by up to a minor unit a day; rounding the exact sum keeps the
// daily amounts and the interest charged equal.

// checkRecalculation refuses interest recalculation on terms it is not
// built for, naming the field to change.
func (t *Terms) checkRecalculation(e *InvalidError) {
	if !t.InterestRecalculation {
		return
	}
	const f = "interest_recalculation"
	switch {
	case t.InterestAccrual != Daily:
		e.Add(f, "needs interest_accrual INTEREST_ACCRUAL_DAILY")
	case t.Method == Flat || t.Method == Bullet:
		e.Add(f, "does not apply to %s", t.Method)
	case t.DayCount != Act365Fixed && t.DayCount != Act360 && t.DayCount != Act364:
		e.Add(f, "needs day count ACT/365, ACT/360 or ACT/364")
	case t.InterestFreePeriods != 0:
		e.Add(f, "does not combine with interest_free_periods")
	case t.Timing == InAdvance:
		// Not built: the first installment would fall on the
		// disbursement date with no balance-days behind it.
		e.Add(f, "does not combine with payment_timing PAYMENT_TIMING_IN_ADVANCE yet")
	case t.Frequency.Unit == SemiMonth:
		e.Add(f, "does not combine with a semi-monthly frequency yet")
	case t.HasPenalty && t.Penalty.HasCap:
		// The cap counts contract interest day by day; after maturity
		// that interest grows daily and the cap's runs do not follow it.
		e.Add(f, "does not combine with a penalty cap_annual_percent yet")
	}
}

// OverdueInterestPolicy says whether overdue principal of a loan with
// interest recalculation keeps bearing contract interest after its due
// date once penalty accrues on it.
type OverdueInterestPolicy uint8

// The overdue interest policies. The zero value means BesidePenalty.
const (
	// BesidePenalty keeps contract interest on overdue principal until it
	// is paid, and penalty accrues beside it.
	BesidePenalty OverdueInterestPolicy = iota + 1
	// ReplacedByPenalty stops contract interest on an installment's
	// principal on the days after its due date, the days penalty counts:
	// each late day bears one of the two.
	ReplacedByPenalty
)

// replacedByPenalty reports whether contract interest stops on overdue
// principal after its due date.
func (t *Terms) replacedByPenalty() bool {
	return t.HasPenalty && t.Penalty.OverdueInterest == ReplacedByPenalty
}

// periodOf is the index of the installment whose period holds day d: the
// first whose period ends after d, or the last for days on or after
// maturity.
func (st *LoanState) periodOf(d Date) int {
	for i := range st.Installments {
		if st.periodEnd(i) > d {
			return i
		}
	}
	return len(st.Installments) - 1
}

// periodEnd is the day installment i's period ends (exclusive): its due
// date, or, for one settled early and closed (closePeriod), the day it
// was closed, on which the next installment's period starts. Only loans
// on the actual balance close periods.
func (st *LoanState) periodEnd(i int) Date {
	end := st.Installments[i].DueDate
	if st.recalc && i+1 < len(st.Installments) {
		end = min(end, st.Installments[i+1].StartDate)
	}
	return end
}

// closePeriod ends installment k's period on date, when money paid then
// has settled it (CoversNextInstallment): its interest is fixed at what
// its days so far bore, and the days from date to its due date go to the
// next installment, which starts accruing on date.
func (st *LoanState) closePeriod(t *Terms, k int, date Date) {
	in := &st.Installments[k]
	st.fixInterest(t, in)
	st.Installments[k+1].StartDate = date
	st.Installments[k+1].accrualFrom = date
}

// balanceOn is B(d): the principal outstanding at the end of day d that
// bears contract interest, as the loan stands now.
func (st *LoanState) balanceOn(t *Terms, d Date) money.Amount {
	replaced := t.replacedByPenalty()
	var b money.Amount
	for i := range st.Installments {
		in := &st.Installments[i]
		if replaced && in.DueDate < d {
			continue
		}
		b += in.PrincipalDue - in.PrincipalPaid
	}
	return b
}

// nextChange is the first day after d, at most end, on which B or the
// period may change with no payment: a due date, or with
// ReplacedByPenalty the day after one.
func (st *LoanState) nextChange(t *Terms, d, end Date) Date {
	next := end
	for i := range st.Installments {
		due := st.Installments[i].DueDate
		if due > d && due < next {
			next = due
		}
		if t.replacedByPenalty() && due+1 > d && due+1 < next {
			next = due + 1
		}
	}
	return next
}

// recalcTo accounts the days from st.recalcThrough up to end (exclusive)
// at the balance as the loan stands, and fixes the interest of the
// installments whose period is over. The fold calls it before each event,
// so payments change B exactly from their value date on.
func (st *LoanState) recalcTo(t *Terms, end Date) {
	for d := st.recalcThrough; d < end; {
		next := st.nextChange(t, d, end)
		in := &st.Installments[st.periodOf(d)]
		add := money.Mul64(uint64(st.balanceOn(t, d)), uint64(next-d))
		if d >= in.DueDate {
			// After maturity: kept apart so penalty does not see it.
			in.lateDays, _ = in.lateDays.Add(add)
		} else {
			in.balanceDays, _ = in.balanceDays.Add(add)
		}
		d = next
	}
	st.recalcThrough = max(st.recalcThrough, end)
	for i := range st.Installments {
		in := &st.Installments[i]
		if in.DueDate > st.recalcThrough {
			break
		}
		st.fixInterest(t, in)
	}
}

// fixInterest sets the interest of an installment whose period is over:
// its period's balance-days and those after maturity (the last
// installment's) rounded once together, so the daily amounts still sum to
// what is charged; lateInterest is the part after maturity.
func (st *LoanState) fixInterest(t *Terms, in *InstallmentState) {
	all := in.balanceDays
	if in.lateDays != (money.U128{}) {
		all, _ = all.Add(in.lateDays)
	}
	total := t.interestOfBalanceDays(all)
	in.lateInterest = total - t.interestOfBalanceDays(in.balanceDays)
	in.InterestDue = total + in.extraInterest
}

// penaltyBearingInterest is the unpaid contract interest that penalty (on
// an OVERDUE_PRINCIPAL_AND_INTEREST basis) or compound interest accrues
// on: all of it but the interest accrued after maturity, which payments
// settle last. That interest accrues day by day on overdue principal that
// bears penalty already; charging on it too would make a day's charge
// depend on when the fold last stopped, and charge the same late day
// twice.
func (in *InstallmentState) penaltyBearingInterest() money.Amount {
	return max(0, in.unpaidInterest()-in.lateInterest)
}

// project sets the interest of the installments not yet due as of
// st.recalcThrough as if what is overdue were paid that day: the rest of
// each period bears the principal of its row and the rows after it.
func (st *LoanState) project(t *Terms) {
	from := st.recalcThrough
	var after money.Amount
	for i := len(st.Installments) - 1; i >= 0; i-- {
		in := &st.Installments[i]
		after += in.PrincipalDue - in.PrincipalPaid
		if in.DueDate <= from {
			break
		}
		bd := in.balanceDays
		if days := st.periodEnd(i) - max(in.StartDate, from); days > 0 {
			bd, _ = bd.Add(money.Mul64(uint64(after), uint64(days)))
		}
		in.InterestDue = t.interestOfBalanceDays(bd) + in.extraInterest
	}
}

// interestOfBalanceDays is the interest of bd minor-unit-days at the
// contract rate, rounded once with the contract's mode: the exact sum of
// the daily amounts, rate × bd ÷ Y.
func (t *Terms) interestOfBalanceDays(bd money.U128) money.Amount {
	if t.AnnualRate.Units == 0 || bd == (money.U128{}) {
		return 0
	}
	den := t.AnnualRate.Denominator() * t.DayCount.yearBasisDays()
	if num, ok := bd.MulSmall(t.AnnualRate.Units); ok {
		if v, ok := num.DivRound(den, t.Rounding.Mode); ok {
			return money.Amount(v)
		}
	}
	// Balance-days of centuries past maturity: stay exact.
	n := new(big.Int).Mul(bd.Big(), new(big.Int).SetUint64(t.AnnualRate.Units))
	return money.Amount(money.DivRoundBig(n, new(big.Int).SetUint64(den), t.Rounding.Mode).Int64())
}

// accruedRecalc is the interest the current installment k has earned by
// the days accounted so far and that is neither paid nor waived.
func (st *LoanState) accruedRecalc(t *Terms, k int) money.Amount {
	in := &st.Installments[k]
	return max(0, t.interestOfBalanceDays(in.balanceDays)-in.InterestPaid-in.InterestWaived)
}

// recalcBefore accounts, for a loan with interest recalculation, the days
// before an event dated v (the event changes the balance from v on) and
// projects the periods not yet due from v, so that the event meets the
// loan exactly as a fold as of v leaves it. Without the projection the
// rows not yet due would still carry whatever interest the plan or the
// last re-amortisation gave them, and decisions that read it (is the loan
// settled, is the plan empty) would differ between one fold of the log
// and a fold taken up a day at a time (AdvanceTo then Append), which
// projects on every day (seed 1796428394863581420: a paid-off loan kept
// 11 rows in one and 8 in the other).
func (st *LoanState) recalcBefore(t *Terms, v Date) {
	if st.recalc {
		st.recalcTo(t, v)
		st.project(t)
	}
}

// recalcProject ends a fold as of asOf for a loan with interest
// recalculation: the days before asOf accounted at actual balances, the
// periods not yet due projected from asOf.
func (st *LoanState) recalcProject(t *Terms, asOf Date) {
	if st.recalc {
		st.recalcTo(t, asOf)
		st.project(t)
	}
}
