package engine

import (
	"cmp"
	"math"
	"math/big"
	"slices"
	"strconv"

	"github.com/loancore/loancore/internal/money"
)

// APRMethod is how the annual percentage rate of a set of cash flows is
// defined.
type APRMethod uint8

// The APR methods.
const (
	// USActuarial is the actuarial method of Regulation Z, Appendix J
	// (12 CFR 1026): each payment is discounted over its full unit periods
	// at compound interest and over its fraction of a unit period at simple
	// interest, 1/((1+f·i)(1+i)^t).
	USActuarial APRMethod = iota + 1
	// IRRNominal is the internal rate of return per unit period times the
	// unit periods per year; fractions of a period are discounted at
	// compound interest, 1/(1+i)^(t+f). For regular schedules it is the IRR
	// disclosure asked for by the People's Bank of China (2021 No. 3).
	IRRNominal
)

// String returns the method's name.
func (m APRMethod) String() string {
	switch m {
	case USActuarial:
		return "US_ACTUARIAL"
	case IRRNominal:
		return "IRR_NOMINAL"
	}
	return "UNKNOWN"
}

// CashFlow is one payment of the borrower on a date.
type CashFlow struct {
	Amount money.Amount
	Date   Date
}

// APRInput are the cash flows of a loan from the borrower's side.
type APRInput struct {
	// Advanced is the amount the borrower actually receives.
	Advanced    money.Amount
	AdvanceDate Date
	Payments    []CashFlow
	Method      APRMethod
	// UnitPeriod is the unit period of Appendix J, usually the payment
	// frequency.
	UnitPeriod Frequency
	// Decimals is the number of decimal places of the result, in percent.
	Decimals int
}

// Limits on APR inputs.
const (
	// MaxAPRPayments bounds the number of payments ComputeAPR accepts.
	MaxAPRPayments = 2400
	// MaxAPRDecimals bounds APRInput.Decimals.
	MaxAPRDecimals = 8
)

// ComputeAPR returns the annual percentage rate of the cash flows in percent,
// rounded half-up to in.Decimals places. Invalid input returns an
// *InvalidError; field names are those of the ComputeApr request.
func ComputeAPR(in APRInput) (money.Rate, error) {
	var e InvalidError
	if in.Advanced <= 0 || in.Advanced > money.MaxAmount {
		e.Add("amount_advanced", "must be greater than zero and at most %d minor units", money.MaxAmount)
	}
	if !in.AdvanceDate.InRange() {
		e.Add("advance_date", "required")
	}
	if in.Method != USActuarial && in.Method != IRRNominal {
		e.Add("method", "required")
	}
	switch in.UnitPeriod.Unit {
	case Month, Week, Day, SemiMonth:
		if in.UnitPeriod.Every < 1 || in.UnitPeriod.Every > MaxEvery(in.UnitPeriod.Unit) {
			e.Add("unit_period.every", "must be between 1 and %d", MaxEvery(in.UnitPeriod.Unit))
		}
	default:
		e.Add("unit_period.unit", "required")
	}
	if in.Decimals < 0 || in.Decimals > MaxAPRDecimals {
		e.Add("decimal_places", "must be between 0 and %d", MaxAPRDecimals)
	}
	switch {
	case len(in.Payments) == 0:
		e.Add("payments", "at least one payment is required")
	case len(in.Payments) > MaxAPRPayments:
		e.Add("payments", "at most %d payments", MaxAPRPayments)
	}
	var sum money.Amount
	for i, p := range in.Payments {
		if p.Amount <= 0 || p.Amount > money.MaxAmount {
			e.Add(ListField("payments", i, "amount"), "must be greater than zero and at most %d minor units", money.MaxAmount)
		} else {
			sum += p.Amount
		}
		if !p.Date.InRange() {
			e.Add(ListField("payments", i, "date"), "required")
		} else if in.AdvanceDate.InRange() && p.Date <= in.AdvanceDate {
			e.Add(ListField("payments", i, "date"), "must be after advance_date")
		}
	}
	if e.Err() == nil && sum < in.Advanced {
		e.Add("payments", "the payments total less than amount_advanced; the APR would be negative")
	}
	if err := e.Err(); err != nil {
		return money.Rate{}, err
	}
	apr, ok := solveAPR(in.Advanced, datedFlows(in), in.Method, in.UnitPeriod, in.Decimals, rate{})
	if !ok {
		e.Add("payments", "the APR would exceed %s%%, the largest rate %d decimal places can express",
			money.FormatScaled(math.MaxInt64, in.Decimals), in.Decimals)
		return money.Rate{}, e.Err()
	}
	return apr, nil
}

// datedFlows times valid dated payments in unit periods from the advance.
func datedFlows(in APRInput) []timedFlow {
	// The series' day of the month is the latest day any payment falls on.
	maxDay := 0
	for _, p := range in.Payments {
		_, _, d := p.Date.YMD()
		maxDay = max(maxDay, d)
	}
	flows := make([]timedFlow, len(in.Payments))
	for i, p := range in.Payments {
		flows[i] = timedFlow{amount: p.Amount, span: unitPeriodsBetween(in.AdvanceDate, p.Date, in.UnitPeriod, seriesDay(p.Date, maxDay))}
	}
	return flows
}

// ListField returns the path of a field of a list element as the API names
// it: ListField("payments", 2, "amount") is "payments[2].amount".
func ListField(list string, i int, field string) string {
	return list + "[" + strconv.Itoa(i) + "]." + field
}

// ScheduleAPR returns the APR of a schedule built from t in percent, rounded
// half-up to decimals places: the IRR per period of the amount advanced
// (principal less the upfront fee) against the installments with their
// service fees, times the periods per year: the annualised cost of every
// fee the borrower pays as agreed (PBOC 2021 No. 3's IRR). Late and
// prepayment fees are contingent and not in it. An odd first period counts as its full unit periods
// plus a fraction of days, as in Appendix J. An APR too large to express
// with decimals places — possible only when the fee is nearly the whole
// principal — is reported as the largest rate they can express
// (92233720368.54775807% at 8 places).
func ScheduleAPR(t Terms, s Schedule, decimals int) money.Rate {
	advanced, flows := scheduleFlows(t, s)
	if len(flows) == 0 {
		return money.Rate{Scale: uint8(decimals)}
	}
	apr, _ := solveAPR(advanced, flows, IRRNominal, t.Frequency, decimals, t.periodicRate())
	return apr
}

// scheduleFlows returns what ScheduleAPR discounts: the amount advanced
// and the installments that ask for anything, with their fees, timed from
// the disbursement.
func scheduleFlows(t Terms, s Schedule) (money.Amount, []timedFlow) {
	anchor, _ := t.firstAnchor()
	_, _, anchorDay := anchor.YMD()
	first := unitPeriodsBetween(t.DisbursementDate, s.Installments[0].DueDate, t.Frequency, seriesDay(s.Installments[0].DueDate, anchorDay))
	flows := make([]timedFlow, 0, len(s.Installments))
	for k, in := range s.Installments {
		if in.Total+in.Fees == 0 {
			continue
		}
		// Installment k is k regular periods after the first; a bullet's
		// single installment is the maturity, which first already spans.
		sp := first
		sp.periods += k
		flows = append(flows, timedFlow{amount: in.Total + in.Fees, span: sp})
	}
	return t.Principal - t.EffectiveUpfrontFee(), flows
}

// span is a time from the advance in unit periods: periods full ones plus
// fracDays/fracBase of one. fracDays is a count of days except for a yearly
// unit period over whole months, where it is months and fracBase is 12.
type span struct {
	periods  int
	fracDays int
	fracBase int
}

type timedFlow struct {
	amount money.Amount
	span   span
}

// unitPeriodsBetween counts full unit periods back from the payment date to
// the advance date, and what is left over as a fraction of a unit period,
// per Regulation Z, 12 CFR 1026 Appendix J (b)(5)
// (https://www.ecfr.gov/current/title-12/chapter-X/subchapter-C/part-1026/appendix-Appendix%20J%20to%20Part%201026):
//
//   - (ii) a month: the days left over divided by 30;
//   - (iii) a semimonth: 30 days for every full month counted back plus
//     the remaining days, in unit periods of 15 days;
//   - (iii) a multiple of a month up to 11: the days left over are 30 for
//     every full month counted back plus the remaining days, divided by 30
//     times the months per unit period;
//   - (v) a year: the months left over divided by 12 if they are a whole
//     number of months, else the days left over divided by 365;
//   - (iv) a day or a multiple of a week: days divided by the unit's days.
//
// Months are counted back on seriesDay, the day of the month the payments
// are scheduled for (Appendix J (b)(3)(iv)): a series on the 31st counts
// back over month ends, and one on the 29th or 30th uses the last day of
// February where it must.
func unitPeriodsBetween(advance, pay Date, unit Frequency, seriesDay int) span {
	days := int(pay - advance)
	switch unit.Unit {
	case Week:
		return span{days / (7 * unit.Every), days % (7 * unit.Every), 7 * unit.Every}
	case Day:
		return span{days / unit.Every, days % unit.Every, unit.Every}
	}
	py, pm, _ := pay.YMD()
	// back(n) is the date n months before the payment, on the series day.
	back := func(n int) Date {
		m := py*12 + pm - 1 - n
		y, mo := m/12, m%12+1
		return DateOf(y, mo, min(seriesDay, DaysInMonth(y, mo)))
	}
	ay, am, _ := advance.YMD()
	months := max((py-ay)*12+pm-am+1, 0)
	for months > 0 && back(months) < advance {
		months--
	}
	t, rest := months/unit.Every, months%unit.Every
	left := int(back(months) - advance) // days before the first full month
	if unit.Unit == SemiMonth {
		days := 30*months + left
		return span{days / 15, days % 15, 15}
	}
	if unit.Every == 12 {
		if left == 0 {
			return span{t, rest, 12}
		}
		return span{t, int(back(t*12) - advance), 365}
	}
	return span{t, 30*rest + left, 30 * unit.Every}
}

// seriesDay returns the day of the month a payment on d belongs to: its own
// day, unless d is the last day of a short month and the series runs on a
// later day (the 29th, 30th or 31st), which seriesMax gives.
func seriesDay(d Date, seriesMax int) int {
	y, m, day := d.YMD()
	if day == DaysInMonth(y, m) && seriesMax > day {
		return seriesMax
	}
	return day
}

// aprFracBits is the fixed-point precision of the exact APR solver.
const aprFracBits = 128

// solveAPR returns the APR of the flows in percent, rounded half-up to
// decimals places: the fast path's answer when it can prove it (aprfast.go),
// else solveAPRExact's. guess is a periodic rate near the answer that
// shortens the fast path's search (the contract rate), or zero. It reports
// false, with the largest rate, when the APR needs more than the 63 bits
// of units that Rate and its formatting hold at these decimals.
func solveAPR(advanced money.Amount, flows []timedFlow, method APRMethod, unit Frequency, decimals int, guess rate) (money.Rate, bool) {
	if units, ok := fastSolveAPR(advanced, flows, method, unit, decimals, guess); ok {
		return money.Rate{Units: units, Scale: uint8(decimals)}, true
	}
	return solveAPRExact(advanced, flows, method, unit, decimals)
}

// solveAPRExact finds the periodic rate i ≥ 0 at which the discounted flows equal
// the amount advanced, by Newton's method from i = 0. The discounted value is
// convex and decreasing in i and positive at 0, so the iterates rise
// monotonically to the root and, rounding aside, never past it: a root
// exactly on a rounding boundary comes out a hair below, so one that close
// is compared there exactly (exactSide) and a tie rounds up, as HALF_UP
// says (it used to round down: 10.5% at 0 decimals gave 10). solveAPR
// asks it only for what the fast path cannot place. It reports false, with the largest rate, when
// the APR needs more than the 63 bits of units that Rate and its formatting
// hold at these decimals.
func solveAPRExact(advanced money.Amount, flows []timedFlow, method APRMethod, unit Frequency, decimals int) (money.Rate, bool) {
	flows = slices.Clone(flows)
	slices.SortStableFunc(flows, func(a, b timedFlow) int { return cmp.Compare(a.span.periods, b.span.periods) })
	one := new(big.Int).Lsh(big.NewInt(1), aprFracBits)
	adv := new(big.Int).Lsh(big.NewInt(int64(advanced)), aprFracBits)
	i := new(big.Int)
	tol := new(big.Int).Lsh(big.NewInt(1), aprFracBits-100)
	var f, df big.Int
	for range 500 {
		discountedSum(flows, i, method, one, &f, &df)
		f.Sub(&f, adv)
		if df.Sign() == 0 {
			break
		}
		// step = f/df in fixed point; df < 0 so i grows.
		step := new(big.Int).Lsh(&f, aprFracBits)
		step.Quo(step, &df)
		i.Sub(i, step)
		if step.CmpAbs(tol) <= 0 {
			break
		}
	}
	if i.Sign() < 0 {
		i.SetInt64(0)
	}
	// APR in percent × 10^decimals = i × periods per year × 100 × 10^decimals.
	perUnitN, perUnitD := aprPerUnit(unit, decimals)
	num := new(big.Int).Mul(i, new(big.Int).SetUint64(perUnitN))
	den := new(big.Int).Lsh(new(big.Int).SetUint64(perUnitD), aprFracBits)
	units := money.DivRoundBig(num, den, money.HalfUp)
	if !units.IsInt64() {
		return money.Rate{Units: math.MaxInt64, Scale: uint8(decimals)}, false
	}
	k := units.Uint64()
	if justBelowHalf(num, den, k) && advanced > 0 && len(flows) > 0 &&
		exactSide(advanced, flows, method, perUnitN, perUnitD, 2*k+1) == sideAtOrAbove {
		k++ // an exact tie, which HALF_UP rounds up
	}
	return money.Rate{Units: k, Scale: uint8(decimals)}, true
}

// aprPerUnit is the APR's units of its last decimal per unit of the
// periodic rate, as n/d: periods per year × 100 × 10^decimals. The exact
// and the fast solver both convert with it.
func aprPerUnit(unit Frequency, decimals int) (n, d uint64) {
	ppyN, ppyD := periodsPerYear(unit, Act365Fixed)
	return ppyN * 100 * uint64(money.Pow10(decimals)), ppyD
}

// justBelowHalf reports whether num/den lies within 2^-40 below k + ½:
// where Newton, rising to the root from below, leaves a root that is on
// that rounding boundary or a hair past it. The exact comparison then
// decides; the margin is far wider than the solver's error, and a root
// merely near the boundary costs one comparison, not a wrong answer.
func justBelowHalf(num, den *big.Int, k uint64) bool {
	gap := new(big.Int).SetUint64(k)
	gap.Lsh(gap, 1).Add(gap, big.NewInt(1)).Mul(gap, den) // (2k+1)·den
	gap.Sub(gap, new(big.Int).Lsh(num, 1))                // − 2·num
	return gap.Sign() > 0 && gap.Cmp(new(big.Int).Rsh(den, 39)) <= 0
}

// discountedSum sets sum to Σ amount × discount(i) and deriv to its
// derivative in i, both in fixed point. flows must be sorted by periods: the
// powers v^t are then built incrementally, one multiplication per flow.
func discountedSum(flows []timedFlow, i *big.Int, method APRMethod, one *big.Int, sum, deriv *big.Int) {
	sum.SetInt64(0)
	deriv.SetInt64(0)
	v := fixedDiv(one, new(big.Int).Add(one, i))
	vt := new(big.Int).Set(one) // v^t for t = periods
	t := 0
	var frac map[[2]int]*big.Int // fractional discount factors, shared by flows
	var d, dd, g, amt big.Int
	for _, fl := range flows {
		sp := fl.span
		if sp.periods != t {
			step := v
			if sp.periods-t != 1 {
				step = fixedPowN(v, uint(sp.periods-t), one)
			}
			vt.Mul(vt, step)
			vt.Rsh(vt, aprFracBits)
			t = sp.periods
		}
		d.Set(vt)
		if sp.fracDays != 0 {
			if frac == nil {
				frac = map[[2]int]*big.Int{}
			}
			key := [2]int{sp.fracDays, sp.fracBase}
			fq, ok := frac[key]
			if !ok {
				fq = fractionalDiscount(i, v, sp, method, one)
				frac[key] = fq
			}
			d.Mul(&d, fq)
			d.Rsh(&d, aprFracBits)
		}
		amt.SetInt64(int64(fl.amount))
		g.Mul(&d, &amt)
		sum.Add(sum, &g)

		// d' = −d × (t·v + h), where h is f·v for compound fractions and
		// f/(1+f·i) for simple ones.
		dd.SetInt64(int64(sp.periods))
		dd.Mul(&dd, v)
		if sp.fracDays != 0 {
			if method == USActuarial {
				// f/(1+f·i) = days / (base + days·i)
				den := new(big.Int).Mul(big.NewInt(int64(sp.fracDays)), i)
				den.Add(den, new(big.Int).Mul(big.NewInt(int64(sp.fracBase)), one))
				g.Lsh(big.NewInt(int64(sp.fracDays)), 2*aprFracBits)
				g.Quo(&g, den)
			} else {
				g.Mul(big.NewInt(int64(sp.fracDays)), v)
				g.Quo(&g, big.NewInt(int64(sp.fracBase)))
			}
			dd.Add(&dd, &g)
		}
		dd.Mul(&dd, &d)
		dd.Rsh(&dd, aprFracBits)
		dd.Mul(&dd, &amt)
		deriv.Sub(deriv, &dd)
	}
}

// fractionalDiscount is the discount over a fraction f = days/base of a unit
// period: 1/(1+f·i) at simple interest, v^f at compound interest.
func fractionalDiscount(i, v *big.Int, sp span, method APRMethod, one *big.Int) *big.Int {
	if method == USActuarial {
		den := new(big.Int).Mul(big.NewInt(int64(sp.fracDays)), i)
		den.Quo(den, big.NewInt(int64(sp.fracBase)))
		den.Add(den, one)
		return fixedDiv(one, den)
	}
	g := gcd(uint64(sp.fracDays), uint64(sp.fracBase))
	a, b := uint(uint64(sp.fracDays)/g), uint(uint64(sp.fracBase)/g)
	// The root first: v^a of a long odd period at a high rate (a up to
	// 364 days) can fall below the fixed point's 2^-128 and read as 0,
	// which dropped the flow from the sum and let Newton stop at a wrong
	// root (an APR with fees below the APR without them). v^(1/b) is
	// near 1, and its a-th power loses only what is negligible anyway.
	return fixedPowN(fixedRoot(v, b), a, one)
}

func fixedDiv(a, b *big.Int) *big.Int {
	q := new(big.Int).Lsh(a, aprFracBits)
	return q.Quo(q, b)
}

// fixedPowN returns x^k in aprFracBits fixed point.
func fixedPowN(x *big.Int, k uint, one *big.Int) *big.Int {
	result := new(big.Int).Set(one)
	base := new(big.Int).Set(x)
	for k > 0 {
		if k&1 == 1 {
			result.Mul(result, base)
			result.Rsh(result, aprFracBits)
		}
		k >>= 1
		if k > 0 {
			base.Mul(base, base)
			base.Rsh(base, aprFracBits)
		}
	}
	return result
}

// fixedRoot returns the b-th root of y in (0, 1] in fixed point: the integer
// root of y·2^(F·(b−1)), by Newton's method from above.
func fixedRoot(y *big.Int, b uint) *big.Int {
	if b == 1 || y.Sign() == 0 {
		return new(big.Int).Set(y)
	}
	n := new(big.Int).Lsh(y, aprFracBits*(b-1))
	x := new(big.Int).Lsh(big.NewInt(1), aprFracBits) // the root is at most 1
	bm1 := big.NewInt(int64(b - 1))
	bb := big.NewInt(int64(b))
	for {
		// next = ((b−1)·x + n / x^(b−1)) / b
		p := new(big.Int).Exp(x, bm1, nil)
		next := new(big.Int).Quo(n, p)
		next.Add(next, new(big.Int).Mul(bm1, x))
		next.Quo(next, bb)
		if next.Cmp(x) >= 0 {
			return x
		}
		x = next
	}
}
