package engine

import (
	"math"
	"math/big"

	"github.com/loancore/loancore/internal/money"
)

// The level installment over the actual periods
// (Terms.LevelOverActualPeriods).
//
// With daily interest each period bears its own rate, r_k = its year
// fraction × the annual rate (days ÷ Y under ACT/365, ACT/360, ACT/364), so
// a level solved at one periodic rate (annual ÷ 12) leaves the last
// installment to absorb what the periods' differences add up to. Solving
// over the periods' own rates instead, the balance after the last period
// is exactly zero before rounding:
//
//	B_k = B_{k−1}·(1 + r_k) − A, B_n = 0  ⇒  A = P / Σ_j Π_{k≤j} 1/(1 + r_k)
//
// With 1 + r_k = g_k/q_k (q_k the year fraction's denominator × the
// rate's, g_k = q_k + its numerator × the rate's units) this is
//
//	A = P·Π g_k / T_n,  T_j = T_{j−1}·g_j + Π_{k≤j} q_k,  T_0 = 0,
//
// integers throughout, so A is computed exactly and rounded once, the
// level installment's named rounding point, with the contract's mode and
// multiple.

// checkActualPeriods refuses the option where it has no meaning, naming
// the field.
func (t *Terms) checkActualPeriods(e *InvalidError) {
	if !t.LevelOverActualPeriods {
		return
	}
	const f = "level_installment_over_actual_periods"
	switch {
	case t.Method != EqualInstallment:
		e.Add(f, "only with EQUAL_INSTALLMENT, whose installment is level")
	case t.InterestAccrual != Daily:
		e.Add(f, "needs interest_accrual INTEREST_ACCRUAL_DAILY: periodic interest has one rate for every period")
	case t.InstallmentAmount != 0:
		e.Add(f, "does not combine with installment_amount, which fixes the level")
	}
}

// actualPeriodLevel is the level installment of a segment solved over its
// periods' own rates (the terms are valid, so it fits: see
// actualPeriodLevelFits).
func actualPeriodLevel(t *Terms, sg segment, g, free int) money.Amount {
	return money.Amount(actualPeriodLevelBig(t, sg, g, free).Int64())
}

// actualPeriodLevelFits reports whether the schedule's level over its
// actual periods, n times over, fits beside the principal in an int64.
// repayableFits bounds the repayable by P + P·Σ rate_k, which holds for a
// level at one periodic rate; over the actual periods interest compounds
// from period to period (a centuries-long odd first period makes every
// later period's share of it bear interest too), so the level itself is
// checked.
func (t *Terms) actualPeriodLevelFits() bool {
	if !t.LevelOverActualPeriods || t.Method != EqualInstallment {
		return true
	}
	sg := segment{start: t.DisbursementDate, principal: t.Principal, count: t.InstallmentCount}
	level := actualPeriodLevelBig(t, sg, t.PrincipalGracePeriods, t.freeRows())
	total := level.Mul(level, big.NewInt(int64(t.InstallmentCount)))
	return total.Cmp(big.NewInt(math.MaxInt64-int64(t.Principal)-int64(t.InstallmentCount))) <= 0
}

// actualPeriodLevelBig is actualPeriodLevel, exact and unbounded. Rows
// before g (principal grace) bear interest only and leave the balance as
// it is, so the annuity runs over the rows from g; rows before free bear
// no interest (rate 0), as levelInstallment's free periods.
func actualPeriodLevelBig(t *Terms, sg segment, g, free int) *big.Int {
	anchor, off := t.firstAnchor()
	units := new(big.Int).SetUint64(t.AnnualRate.Units)
	rateDen := new(big.Int).SetUint64(t.AnnualRate.Denominator())
	prodG, prodQ, sum := big.NewInt(1), big.NewInt(1), new(big.Int)
	var q, gk big.Int
	start := sg.start
	for k := range sg.count {
		due := step(anchor, t.Frequency, sg.firstIndex+k+off)
		if k >= g {
			fn, fd := t.DayCount.YearFraction(start, due)
			if k < free {
				fn = 0
			}
			q.Mul(new(big.Int).SetUint64(fd), rateDen)
			gk.Mul(new(big.Int).SetUint64(fn), units)
			gk.Add(&gk, &q)
			prodG.Mul(prodG, &gk)
			prodQ.Mul(prodQ, &q)
			sum.Mul(sum, &gk)
			sum.Add(sum, prodQ)
		}
		start = due
	}
	if sum.Sign() == 0 {
		// No period left after grace: the last row takes the balance.
		return new(big.Int)
	}
	mult := int64(t.Rounding.Multiple)
	num := new(big.Int).Mul(big.NewInt(int64(sg.principal)), prodG)
	q.Mul(sum, big.NewInt(mult))
	level := money.DivRoundBig(num, &q, t.Rounding.Mode)
	return level.Mul(level, big.NewInt(mult))
}
