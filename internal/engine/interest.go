package engine

import (
	"math/big"

	"github.com/loancore/loancore/internal/money"
)

// yearBasisDays is the denominator of a day count's year fraction: the
// number of days a "year" has when a period is measured in days.
func (dc DayCount) yearBasisDays() uint64 {
	switch dc {
	case Act360, Thirty360:
		return 360
	case Act364:
		return 364
	}
	return 365
}

// YearFraction returns the fraction of a year between two dates under the
// day count, as num/den. The denominator depends only on the day count, so
// fractions of consecutive periods add up by adding numerators.
func (dc DayCount) YearFraction(start, end Date) (num, den uint64) {
	if end <= start {
		return 0, dc.fractionDen()
	}
	switch dc {
	case Thirty360:
		return uint64(days30360(start, end)), 360
	case ActAct:
		// Split the span at year ends: days in a leap year weigh 1/366,
		// others 1/365; over the common denominator 365×366.
		var leap, plain uint64
		for d := start; d < end; {
			y, _, _ := d.YMD()
			next := DateOf(y+1, 1, 1)
			if next > end {
				next = end
			}
			if IsLeapYear(y) {
				leap += uint64(next - d)
			} else {
				plain += uint64(next - d)
			}
			d = next
		}
		return leap*365 + plain*366, 365 * 366
	}
	return uint64(end - start), dc.yearBasisDays()
}

func (dc DayCount) fractionDen() uint64 {
	if dc == ActAct {
		return 365 * 366
	}
	return dc.yearBasisDays()
}

// days30360 counts days under the ISDA 30/360 bond basis.
func days30360(start, end Date) int {
	y1, m1, d1 := start.YMD()
	y2, m2, d2 := end.YMD()
	if d1 == 31 {
		d1 = 30
	}
	if d2 == 31 && d1 >= 30 {
		d2 = 30
	}
	return 360*(y2-y1) + 30*(m2-m1) + (d2 - d1)
}

// periodsPerYear returns the number of regular periods in a year as a
// fraction: 12/every for months, 52/every for weeks, and the day count's
// year basis over every for days.
func periodsPerYear(f Frequency, dc DayCount) (num, den uint64) {
	switch f.Unit {
	case Month:
		return 12, uint64(f.Every)
	case Week:
		return 52, uint64(f.Every)
	case SemiMonth:
		return 24, 1
	}
	return dc.yearBasisDays(), uint64(f.Every)
}

// rate is an exact non-negative rational rate per period.
type rate struct{ num, den uint64 }

// periodicRate is the contract rate for one regular period: the annual rate
// divided by the periods per year, reduced to lowest terms.
func (t *Terms) periodicRate() rate {
	ppyN, ppyD := periodsPerYear(t.Frequency, t.DayCount)
	num := t.AnnualRate.Units * ppyD
	den := t.AnnualRate.Denominator() * ppyN
	g := gcd(num, den)
	if g == 0 {
		return rate{0, 1}
	}
	return rate{num / g, den / g}
}

func gcd(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// interestFor returns balance × r rounded to the minor unit with mode.
func interestFor(balance money.Amount, r rate, mode money.RoundingMode) money.Amount {
	if balance <= 0 || r.num == 0 {
		return 0
	}
	// balance < 2^50 and r.num < 2^46, so the product fits in 128 bits and
	// the quotient (at most 10 × balance) fits in 63.
	v, ok := money.Mul64(uint64(balance), r.num).DivRound(r.den, mode)
	if !ok {
		panic("engine: interest overflow despite validated bounds")
	}
	return money.Amount(v)
}

// dailyInterest returns balance × annual rate × year fraction(start, end),
// rounded to the minor unit with mode.
func dailyInterest(balance money.Amount, annual money.Rate, dc DayCount, start, end Date, mode money.RoundingMode) money.Amount {
	if balance <= 0 || annual.Units == 0 || end <= start {
		return 0
	}
	fn, fd := dc.YearFraction(start, end)
	num, ok := money.Mul64(uint64(balance), annual.Units).MulSmall(fn)
	den := annual.Denominator() * fd
	if ok {
		if v, ok := num.DivRound(den, mode); ok {
			return money.Amount(v)
		}
	}
	// Only spans of centuries at extreme rates get here; stay exact.
	n := new(big.Int).Mul(big.NewInt(int64(balance)), new(big.Int).SetUint64(annual.Units))
	n.Mul(n, new(big.Int).SetUint64(fn))
	return money.Amount(money.DivRoundBig(n, new(big.Int).SetUint64(den), mode).Int64())
}
