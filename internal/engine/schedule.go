package engine

import (
	"math/big"

	"github.com/loancore/loancore/internal/money"
)

// Installment is one row of a repayment schedule.
type Installment struct {
	// Number counts installments from 1.
	Number int
	// StartDate is the day interest of this installment starts to accrue:
	// the disbursement date for the first, the previous due date after.
	StartDate Date
	DueDate   Date
	Principal money.Amount
	Interest  money.Amount
	// Total is Principal + Interest: what the fold settles. Fees are apart.
	Total money.Amount
	// Fees are the service fees charged with this installment (charges.go);
	// the schedule of a contract has them, rows re-amortised in the fold
	// do not yet.
	Fees money.Amount
	// BalanceAfter is the principal outstanding once this installment is paid.
	BalanceAfter money.Amount
}

// Schedule is a loan's repayment plan with its totals.
type Schedule struct {
	Installments []Installment
	// InstallmentAmount is the level installment of EQUAL_INSTALLMENT and
	// FLAT; for the other methods, the total of the first installment.
	InstallmentAmount money.Amount
	TotalPrincipal    money.Amount
	TotalInterest     money.Amount
	// TotalFees is the sum of the rows' Fees: the service fees.
	TotalFees money.Amount
	// TotalPayment is what the installments repay: principal, interest
	// and fees.
	TotalPayment money.Amount
	MaturityDate Date
}

// BuildSchedule validates the terms and computes their repayment schedule.
// Invalid terms return an *InvalidError.
//
// Rounding happens at three named points only, all with the contract's mode:
// the level installment (to Rounding.Multiple), the interest of each period
// (to the minor unit) and the per-period principal of EQUAL_PRINCIPAL (to the
// minor unit). The last installment takes whatever principal remains, so the
// principal parts always sum to the principal exactly.
func BuildSchedule(t Terms) (Schedule, error) {
	if err := t.Validate(); err != nil {
		return Schedule{}, err
	}
	return buildSchedule(&t), nil
}

func buildSchedule(t *Terms) Schedule {
	if t.Method == Bullet {
		return bulletSchedule(t)
	}
	rows, level := buildRows(t, segment{
		start:     t.DisbursementDate,
		principal: t.Principal,
		count:     t.InstallmentCount,
		oddFirst:  t.HasOddFirstPeriod(),
		level:     t.InstallmentAmount, // zero: solve the level from the count
	})
	s := Schedule{Installments: rows}
	for _, in := range rows {
		s.TotalInterest += in.Interest
	}
	s.finish(t, level)
	return s
}

// segment is a run of installments computed together: the whole schedule
// at origination, or what remains of it after a prepayment re-amortises the
// loan from the payment date.
type segment struct {
	// start is the day interest of the first row starts to accrue.
	start     Date
	principal money.Amount
	// firstIndex is the 0-based position of the first row in the
	// contract's due-date sequence; rows keep the contract's due dates and
	// numbers, and its grace and interest-free periods.
	firstIndex int
	count      int
	// oddFirst makes the first row accrue by days.
	oddFirst bool
	// level, when set, is used instead of computing the level installment
	// (EQUAL_INSTALLMENT) or principal part (EQUAL_PRINCIPAL): a prepayment
	// that reduces the term keeps the installment.
	level money.Amount
}

// levels are the per-row amounts a segment's method fixes before any row
// is built. They are fixed once per segment, not per row, because every
// regular row repays the same level (that is what makes the method's
// installments level), and a prepayment that reduces the term passes its
// own level in through segment.level to keep the installment it had.
type levels struct {
	// level is the level installment (EQUAL_INSTALLMENT, FLAT);
	// flatPrincipal FLAT's principal part of it; equalPrincipal
	// EQUAL_PRINCIPAL's principal per period.
	level, flatPrincipal, equalPrincipal money.Amount
}

// segmentLevels computes a segment's levels with the contract's rounding:
// they are one of the three named rounding points, so they are rounded
// here and nowhere in the rows. g and free are the grace and interest-free
// periods left in the segment.
func segmentLevels(t *Terms, sg segment, g, free int, r rate) levels {
	n := sg.count
	var lv levels
	switch t.Method {
	case EqualInstallment:
		lv.level = sg.level
		if lv.level == 0 {
			lv.level = segmentLevel(t, sg, g, free, r)
		}
	case Flat:
		lv.level, lv.flatPrincipal = flatInstallment(t.Principal, r, t.InstallmentCount-t.PrincipalGracePeriods, t.Rounding)
		if sg.firstIndex > 0 || sg.principal != t.Principal {
			// After a prepayment the flat charge follows the reduced
			// principal and the remaining periods.
			lv.level, lv.flatPrincipal = flatInstallment(sg.principal, r, n-g, t.Rounding)
		}
	case EqualPrincipal:
		lv.equalPrincipal = sg.level
		if lv.equalPrincipal == 0 {
			lv.equalPrincipal = money.Amount(divRound(uint64(sg.principal), uint64(n-g), t.Rounding.Mode))
		}
	}
	return lv
}

// segmentLevel solves a segment's EQUAL_INSTALLMENT level: over one
// periodic rate, or over the periods' own rates when the terms ask
// (actualperiods.go).
func segmentLevel(t *Terms, sg segment, g, free int, r rate) money.Amount {
	if t.LevelOverActualPeriods {
		return actualPeriodLevel(t, sg, g, free)
	}
	return levelInstallment(sg.principal, r, sg.count-g, max(0, free-g), t.Rounding)
}

// rowPrincipal is the principal of row k of n, given its interest and the
// balance before it. It is kept apart from the interest so that the rule
// that makes the schedule sum exactly reads in one place: the last row
// takes whatever remains, and no row repays less than nothing or more
// than is left.
func (lv *levels) rowPrincipal(t *Terms, k, n, g int, interest, balance money.Amount) money.Amount {
	var principal money.Amount
	switch {
	case k == n-1:
		principal = balance
	case k < g:
	case t.Method == EqualInstallment:
		principal = lv.level - interest
	case t.Method == Flat:
		principal = lv.flatPrincipal
	case t.Method == EqualPrincipal:
		principal = lv.equalPrincipal
	}
	// A rounded-up level can exceed what remains, and an odd first
	// period's interest can exceed the level: keep 0 ≤ principal ≤ balance.
	return min(max(principal, 0), balance)
}

// buildRows computes the rows of a segment and its level installment (EI,
// FLAT) or zero. Origination, prepayment and restructuring all build their
// rows here, so that a re-amortised plan rounds exactly as the contract's
// own schedule does.
func buildRows(t *Terms, sg segment) ([]Installment, money.Amount) {
	n := sg.count
	// Grace and interest-free periods count from the contract's first row.
	g := max(0, t.PrincipalGracePeriods-sg.firstIndex)
	free := max(0, t.freeRows()-sg.firstIndex)
	mode := t.Rounding.Mode
	r := t.periodicRate()
	lv := segmentLevels(t, sg, g, free, r)

	rows := make([]Installment, n)
	balance := sg.principal
	start := sg.start
	anchor, off := t.firstAnchor()
	flatBase := sg.principal
	for k := range n {
		due := step(anchor, t.Frequency, sg.firstIndex+k+off)
		// Interest of the period: none while interest-free; by days when
		// the contract accrues daily or the first period is odd; otherwise
		// the periodic rate. FLAT charges it on the (original) principal.
		base := balance
		if t.Method == Flat {
			base = flatBase
		}
		var interest money.Amount
		switch {
		case k < free:
		case t.InterestAccrual == Daily || (k == 0 && sg.oddFirst):
			interest = dailyInterest(base, t.AnnualRate, t.DayCount, start, due, mode)
		default:
			interest = interestFor(base, r, mode)
		}
		principal := lv.rowPrincipal(t, k, n, g, interest, balance)
		balance -= principal

		rows[k] = Installment{
			Number:       sg.firstIndex + k + 1,
			StartDate:    start,
			DueDate:      due,
			Principal:    principal,
			Interest:     interest,
			Total:        principal + interest,
			BalanceAfter: balance,
		}
		start = due
	}
	return rows, lv.level
}

// finish fills the schedule's totals and its service fees.
func (s *Schedule) finish(t *Terms, level money.Amount) {
	s.TotalFees = t.addServiceFees(s.Installments)
	s.TotalPrincipal = t.Principal
	s.TotalPayment = t.Principal + s.TotalInterest + s.TotalFees
	s.MaturityDate = s.Installments[len(s.Installments)-1].DueDate
	s.InstallmentAmount = level
	if t.Method != EqualInstallment && t.Method != Flat {
		// The first regular installment: grace and interest-free rows at
		// the start would report a misleading 0.00 or interest only.
		k := min(max(t.PrincipalGracePeriods, t.InterestFreePeriods), len(s.Installments)-1)
		s.InstallmentAmount = s.Installments[k].Total
	}
}

// bulletSchedule is one installment at the last due date: the principal and
// simple interest for the whole term (less any interest-free periods),
// rounded once.
func bulletSchedule(t *Terms) Schedule {
	n := t.InstallmentCount
	maturity := t.DueDate(n - 1)
	// Sum the rate × time of every interest-bearing period exactly, then
	// round once: a bullet loan has one interest figure, not n.
	r := t.periodicRate()
	odd := t.HasOddFirstPeriod()
	total := new(big.Rat)
	start := t.DisbursementDate
	for k := range n {
		due := t.DueDate(k)
		switch {
		case k < t.InterestFreePeriods:
		case t.InterestAccrual == Daily || (k == 0 && odd):
			fn, fd := t.DayCount.YearFraction(start, due)
			total.Add(total, new(big.Rat).SetFrac(
				new(big.Int).Mul(new(big.Int).SetUint64(t.AnnualRate.Units), new(big.Int).SetUint64(fn)),
				new(big.Int).Mul(new(big.Int).SetUint64(t.AnnualRate.Denominator()), new(big.Int).SetUint64(fd))))
		default:
			total.Add(total, new(big.Rat).SetFrac(new(big.Int).SetUint64(r.num), new(big.Int).SetUint64(r.den)))
		}
		start = due
	}
	num := new(big.Int).Mul(total.Num(), big.NewInt(int64(t.Principal)))
	interest := money.Amount(money.DivRoundBig(num, total.Denom(), t.Rounding.Mode).Int64())
	s := Schedule{Installments: []Installment{{
		Number:    1,
		StartDate: t.DisbursementDate,
		DueDate:   maturity,
		Principal: t.Principal,
		Interest:  interest,
		Total:     t.Principal + interest,
	}}}
	s.TotalInterest = interest
	s.finish(t, 0)
	return s
}

// divRound returns a / b rounded with mode.
func divRound(a, b uint64, mode money.RoundingMode) int64 {
	v, _ := money.U128{Lo: a}.DivRound(b, mode)
	return v
}

// flatInstallment returns FLAT's level installment — principal / m plus one
// period's interest on the original principal, rounded once to the multiple —
// and the principal part of each level installment.
func flatInstallment(p money.Amount, r rate, m int, rd Rounding) (level, principalPart money.Amount) {
	// level = p/m + p·r.num/r.den = p·(r.den + m·r.num) / (m·r.den)
	num := new(big.Int).SetUint64(r.num)
	num.Mul(num, big.NewInt(int64(m)))
	num.Add(num, new(big.Int).SetUint64(r.den))
	num.Mul(num, big.NewInt(int64(p)))
	den := new(big.Int).SetUint64(r.den)
	den.Mul(den, big.NewInt(int64(m)*int64(rd.Multiple)))
	level = money.Amount(money.DivRoundBig(num, den, rd.Mode).Int64()) * rd.Multiple
	return level, max(0, level-interestFor(p, r, rd.Mode))
}
