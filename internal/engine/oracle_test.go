package engine

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/loancore/loancore/internal/money"
)

// The exact oracle: every schedule rule of the product spec re-derived with
// math/big and nothing else from the engine but its Date type, DateOf, YMD
// and DaysInMonth. It shares no arithmetic with the engine: not the
// periodic rate, the day counts, the annuity, the rounding nor the due-date
// stepping. TestExactOracle then requires the engine to agree with it to the
// minor unit on every row of many thousands of random schedules.

var (
	seedFlag        = flag.Uint64("seed", 0, "seed of the randomised engine tests (0: from the clock); every failure prints the seed it ran with")
	oracleCasesFlag = flag.Int("oracle-cases", 10000, "number of valid random schedules TestExactOracle checks (1000 with -short)")
)

// testSeed returns the seed of a randomised test, -seed,
// LOANCORE_ENGINE_SEED or the clock, and
// logs it so that a failure can be replayed.
func testSeed(t testing.TB) uint64 {
	t.Helper()
	seed := *seedFlag
	if s := os.Getenv("LOANCORE_ENGINE_SEED"); seed == 0 && s != "" {
		// For runs where flags are awkward (go test ./... -count=N in CI).
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("LOANCORE_ENGINE_SEED=%q: %v", s, err)
		}
		seed = v
	}
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (replay with: go test ./internal/engine -run '^%s$' -seed=%d, or LOANCORE_ENGINE_SEED=%d)", seed, t.Name(), seed, seed)
	return seed
}

// seeded is a randomised test's generator and the seed it came from; its
// fatalf puts the replay command in every failure message.
type seeded struct {
	t    testing.TB
	seed uint64
	rng  *rand.Rand
}

// newSeeded starts a randomised test. stream separates the random sequences
// of tests run with the same seed.
func newSeeded(t testing.TB, stream uint64) *seeded {
	seed := testSeed(t)
	return &seeded{t: t, seed: seed, rng: rand.New(rand.NewPCG(seed, stream))}
}

// fatalf fails the test with the replay command in front of the message.
// A seeded without a seed (fuzz targets, fixed tables) reports the message
// alone.
func (s *seeded) fatalf(format string, args ...any) {
	s.t.Helper()
	msg := fmt.Sprintf(format, args...)
	if s.rng == nil {
		s.t.Fatal(msg)
	}
	s.t.Fatalf("seed %d (replay with -run '^%s$' -seed=%d): %s", s.seed, s.t.Name(), s.seed, msg)
}

// ---------------------------------------------------------------------------
// Random terms.

var testCurrencies = []string{"CNY", "CNY", "USD", "JPY", "KWD"}

// randomTerms draws terms across every option of the engine. Most are valid;
// callers skip the ones Validate refuses. Distributions: principal
// log-uniform over 1 … 10^15 minor units; rates 0 … 1000% with 0–8
// decimals (exactly 0 included); installment counts 1 … 1200 weighted to
// 400 and below; monthly, weekly and daily frequencies with a random
// "every"; all accruals, day counts, rounding modes and a range of rounding
// multiples; grace, interest-free and odd first periods; dates anywhere in
// 0001 … 9999 but mostly near the present. A few percent are extreme terms
// (10^14 … 10^15 at 100 … 1000% over centuries) whose totals may not fit an
// int64, to exercise Validate's refusal of them.
func randomTerms(rng *rand.Rand) Terms {
	if rng.IntN(25) == 0 {
		return extremeTerms(rng)
	}
	cur, _ := money.LookupCurrency(testCurrencies[rng.IntN(len(testCurrencies))])
	t := Terms{
		Currency:         cur,
		Principal:        logUniform(rng, 1, int64(money.MaxAmount)),
		AnnualRate:       randomRate(rng),
		InstallmentCount: randomCount(rng),
		Frequency:        randomFrequency(rng),
		Method:           Method(1 + rng.IntN(5)),
		DisbursementDate: randomDate(rng),
		InterestAccrual:  Accrual(1 + rng.IntN(2)),
		DayCount:         DayCount(1 + rng.IntN(5)),
		Rounding: Rounding{
			Mode:     money.RoundingMode(1 + rng.IntN(5)),
			Multiple: randomMultiple(rng),
		},
	}
	if rng.IntN(3) == 0 {
		t.FirstDueDate = randomFirstDue(rng, t.DisbursementDate, t.Frequency)
	}
	n := t.InstallmentCount
	if rng.IntN(5) == 0 && n > 1 && t.Method != Bullet && t.Method != InterestOnly {
		t.PrincipalGracePeriods = 1 + rng.IntN(min(n-1, []int{3, 12, 1199}[rng.IntN(3)]))
	}
	if rng.IntN(5) == 0 {
		t.InterestFreePeriods = rng.IntN(min(n, []int{3, 12, 1200}[rng.IntN(3)]) + 1)
	}
	if rng.IntN(5) == 0 && t.Principal > 1 {
		t.UpfrontFee = money.Amount(rng.Int64N(int64(t.Principal)))
	}
	return t
}

// extremeTerms draws terms near the limits: principals near 10^15 at rates
// near 1000% over about nine centuries of yearly periods, or one odd first
// period that long, where P·Σ rate_k crosses 2^63 — so that some are valid
// with the largest amounts a schedule can hold and the others are refused.
func extremeTerms(rng *rand.Rand) Terms {
	cur, _ := money.LookupCurrency(testCurrencies[rng.IntN(len(testCurrencies))])
	scale := uint8(rng.IntN(money.MaxRateScale + 1))
	p10 := uint64(money.Pow10(int(scale)))
	t := Terms{
		Currency:         cur,
		Principal:        money.MaxAmount - money.Amount(rng.Int64N(int64(money.MaxAmount)/10)),
		AnnualRate:       money.Rate{Units: 900*p10 + rng.Uint64N(100*p10+1), Scale: scale},
		InstallmentCount: 800 + rng.IntN(261),
		Frequency:        Frequency{Unit: Month, Every: 12},
		Method:           Method(1 + rng.IntN(5)),
		DisbursementDate: DateOf(1+rng.IntN(7000), 1+rng.IntN(12), 1+rng.IntN(28)),
		InterestAccrual:  Accrual(1 + rng.IntN(2)),
		DayCount:         DayCount(1 + rng.IntN(5)),
		Rounding:         Rounding{Mode: money.RoundingMode(1 + rng.IntN(5)), Multiple: randomMultiple(rng)},
	}
	switch rng.IntN(4) {
	case 0:
		t.Frequency = Frequency{Unit: Day, Every: 360 + rng.IntN(7)}
	case 1:
		t.Frequency = Frequency{Unit: Week, Every: 52}
	case 2:
		// One odd first period of centuries.
		t.InstallmentCount = 1 + rng.IntN(24)
		t.Frequency = Frequency{Unit: Month, Every: 1}
		t.FirstDueDate = t.DisbursementDate.AddDays(280_000 + rng.IntN(80_000))
	}
	if rng.IntN(4) == 0 {
		t.InterestFreePeriods = rng.IntN(t.InstallmentCount/8 + 1)
	}
	return t
}

// logUniform returns an integer in [lo, hi] whose number of decimal digits
// is uniform, then uniform within the digits.
func logUniform(rng *rand.Rand, lo, hi int64) money.Amount {
	for {
		d := 1 + rng.IntN(19)
		a := money.Pow10(d - 1)
		if a > hi {
			continue
		}
		b := hi
		if d < 19 {
			b = min(hi, money.Pow10(d)-1)
		}
		a = max(a, lo)
		if a > b {
			continue
		}
		return money.Amount(a + rng.Int64N(b-a+1))
	}
}

// randomRate draws a rate of 0 … 1000% with 0 … 8 decimals.
func randomRate(rng *rand.Rand) money.Rate {
	scale := uint8(rng.IntN(money.MaxRateScale + 1))
	p10 := uint64(money.Pow10(int(scale)))
	switch rng.IntN(12) {
	case 0:
		return money.Rate{Units: 0, Scale: scale}
	case 1:
		return money.Rate{Units: MaxRatePercent * p10, Scale: scale}
	case 2, 3, 4, 5, 6:
		// The usual consumer and mortgage range, up to 36%.
		return money.Rate{Units: 1 + rng.Uint64N(36*p10), Scale: scale}
	case 7:
		// Round rates such as 4.9 written with trailing zeros.
		return money.Rate{Units: (1 + rng.Uint64N(360)) * p10 / 10, Scale: scale}
	}
	return money.Rate{Units: uint64(logUniform(rng, 1, int64(MaxRatePercent*p10))), Scale: scale}
}

// randomCount draws an installment count of 1 … 1200, mostly 400 or less.
func randomCount(rng *rand.Rand) int {
	switch r := rng.IntN(20); {
	case r < 9:
		return 1 + rng.IntN(60)
	case r < 17:
		return 61 + rng.IntN(340)
	}
	return 401 + rng.IntN(MaxInstallments-400)
}

func randomFrequency(rng *rand.Rand) Frequency {
	switch r := rng.IntN(20); {
	case r < 10:
		return Frequency{Unit: Month, Every: 1}
	case r < 14:
		return Frequency{Unit: Month, Every: 1 + rng.IntN(12)}
	case r < 17:
		return Frequency{Unit: Week, Every: []int{1, 1 + rng.IntN(4), 1 + rng.IntN(52)}[rng.IntN(3)]}
	}
	return Frequency{Unit: Day, Every: []int{1, 1 + rng.IntN(31), 1 + rng.IntN(366)}[rng.IntN(3)]}
}

// randomDate is mostly 1950 … 2100, sometimes a month end (leap days
// included) and sometimes anywhere in the calendar.
func randomDate(rng *rand.Rand) Date {
	switch rng.IntN(10) {
	case 0:
		return MinDate + Date(rng.IntN(int(MaxDate-MinDate)))
	case 1, 2:
		y, m := 1950+rng.IntN(150), 1+rng.IntN(12)
		return DateOf(y, m, DaysInMonth(y, m))
	}
	return DateOf(1950+rng.IntN(150), 1+rng.IntN(12), 1+rng.IntN(28))
}

func randomMultiple(rng *rand.Rand) money.Amount {
	if rng.IntN(2) == 0 {
		return 1
	}
	m := []money.Amount{5, 10, 20, 50, 100, 1000, 10000, 0}[rng.IntN(8)]
	if m == 0 {
		m = logUniform(rng, 1, 1_000_000)
	}
	return m
}

// randomFirstDue draws an explicit first due date: the regular one, a short
// or long odd first period, a month end, or (rarely) one years away.
func randomFirstDue(rng *rand.Rand, disb Date, f Frequency) Date {
	regular := oracleStep(disb, f, 1)
	period := int(regular - disb)
	switch rng.IntN(8) {
	case 0:
		return regular
	case 1, 2:
		return disb.AddDays(1 + rng.IntN(max(1, period-1)))
	case 3, 4:
		return regular.AddDays(1 + rng.IntN(period))
	case 5:
		y, m, _ := regular.YMD()
		if d := DateOf(y, m, DaysInMonth(y, m)); d > disb {
			return d
		}
		return regular
	case 6:
		return disb.AddDays(1 + rng.IntN(3))
	}
	return disb.AddDays(1 + rng.IntN(366*40))
}

// ---------------------------------------------------------------------------
// The oracle.

// oracleSchedule is the schedule the rules prescribe, with every amount
// computed exactly. overflow reports an amount (or the total) beyond int64,
// which valid terms must never produce.
type oracleSchedule struct {
	rows                          []Installment
	installment                   money.Amount
	totalInterest, totalPayment   money.Amount
	maturity                      Date
	overflow                      bool
	interestBound, repayableBound *big.Rat // P·Σ rate_k + n and P + that
}

var (
	ratZero = new(big.Rat)
	ratOne  = big.NewRat(1, 1)
)

// oracleRound rounds a non-negative rational to an integer with mode, from
// the definitions of the modes.
func oracleRound(x *big.Rat, mode money.RoundingMode) *big.Int {
	if x.Sign() < 0 {
		panic("oracleRound of a negative number")
	}
	q, r := new(big.Int).QuoRem(x.Num(), x.Denom(), new(big.Int))
	if r.Sign() == 0 {
		return q
	}
	// 0 < r/den < 1: compare the fraction with one half.
	half := new(big.Int).Lsh(r, 1).Cmp(x.Denom()) // sign of r/den − 1/2
	up := false
	switch mode {
	case money.Down:
	case money.Up, money.Ceiling: // the same for non-negative values
		up = true
	case money.HalfUp:
		up = half >= 0
	case money.HalfEven:
		up = half > 0 || (half == 0 && q.Bit(0) == 1)
	default:
		panic("unknown rounding mode")
	}
	if up {
		q.Add(q, big.NewInt(1))
	}
	return q
}

func ratInt(v int64) *big.Rat { return new(big.Rat).SetInt64(v) }

func ratFrac(num, den uint64) *big.Rat {
	return new(big.Rat).SetFrac(new(big.Int).SetUint64(num), new(big.Int).SetUint64(den))
}

// oracleAnnualRate is the contract rate as a fraction: 4.9% is 49/1000.
func oracleAnnualRate(r money.Rate) *big.Rat {
	den := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(r.Scale)+2), nil)
	return new(big.Rat).SetFrac(new(big.Int).SetUint64(r.Units), den)
}

// oracleBasis is the days of a year under a day count, which also give the
// periods per year of a daily frequency: 360 for ACT/360 and 30/360, 364 for
// ACT/364, 365 for ACT/365F and ACT/ACT.
func oracleBasis(dc DayCount) int64 {
	switch dc {
	case Act360, Thirty360:
		return 360
	case Act364:
		return 364
	case Act365Fixed, ActAct:
		return 365
	}
	panic("unknown day count")
}

// oraclePeriodicRate is the annual rate over the periods per year: 12/every
// for months, 52/every for weeks, basis/every for days.
func oraclePeriodicRate(t Terms) *big.Rat {
	var perYear *big.Rat
	switch t.Frequency.Unit {
	case Month:
		perYear = big.NewRat(12, int64(t.Frequency.Every))
	case Week:
		perYear = big.NewRat(52, int64(t.Frequency.Every))
	case Day:
		perYear = big.NewRat(oracleBasis(t.DayCount), int64(t.Frequency.Every))
	}
	return new(big.Rat).Quo(oracleAnnualRate(t.AnnualRate), perYear)
}

// oracleStep is the date j periods after anchor. Months are added to the
// anchor's year and month and the anchor's day is clamped to the length of
// the month reached: never stepped from an earlier (clamped) result.
func oracleStep(anchor Date, f Frequency, j int) Date {
	switch f.Unit {
	case Week:
		return anchor + Date(7*f.Every*j)
	case Day:
		return anchor + Date(f.Every*j)
	}
	y, m, d := anchor.YMD()
	months := y*12 + (m - 1) + j*f.Every
	ny, nm := months/12, months%12+1
	return DateOf(ny, nm, min(d, DaysInMonth(ny, nm)))
}

// oracleDue is the due date of installment k (0-based): one period after
// disbursement, or the explicit first due date, and then regular steps from
// that anchor.
func oracleDue(t Terms, k int) Date {
	if t.FirstDueDate != NoDate {
		return oracleStep(t.FirstDueDate, t.Frequency, k)
	}
	return oracleStep(t.DisbursementDate, t.Frequency, k+1)
}

// oracleYearFraction is the fraction of a year from start to end.
func oracleYearFraction(dc DayCount, start, end Date) *big.Rat {
	days := int64(end - start)
	switch dc {
	case Act360, Act364, Act365Fixed:
		return big.NewRat(days, oracleBasis(dc))
	case Thirty360:
		// 2006 ISDA Definitions 4.16(f), 30/360 bond basis: D1 = 31 becomes
		// 30; D2 = 31 becomes 30 when D1 (so adjusted) is greater than 29.
		y1, m1, d1 := start.YMD()
		y2, m2, d2 := end.YMD()
		if d1 == 31 {
			d1 = 30
		}
		if d2 == 31 && d1 > 29 {
			d2 = 30
		}
		return big.NewRat(int64(360*(y2-y1)+30*(m2-m1)+(d2-d1)), 360)
	case ActAct:
		// ACT/ACT ISDA: the days falling in each calendar year over that
		// year's length.
		y1, _, _ := start.YMD()
		y2, _, _ := end.YMD()
		var leap, plain int64
		for y := y1; y <= y2; y++ {
			lo := max(start, DateOf(y, 1, 1))
			hi := min(end, DateOf(y, 12, 31)+1)
			if hi <= lo {
				continue
			}
			if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
				leap += int64(hi - lo)
			} else {
				plain += int64(hi - lo)
			}
		}
		return new(big.Rat).Add(big.NewRat(leap, 366), big.NewRat(plain, 365))
	}
	panic("unknown day count")
}

// oracleLevel is EQUAL_INSTALLMENT's level installment A, the exact annuity
// rounded with the contract's mode to the multiple. With g grace periods and
// free interest-free periods, A solves P = A·(free' + a_k) over the m = n − g
// amortising periods, free' = max(0, free − g) of which are interest free,
// and a_k = (1 − (1+r)^−k)/r (= k at r = 0) is the annuity factor of the
// k = m − free' others.
func oracleLevel(p money.Amount, r *big.Rat, n, g, free int, rd Rounding) *big.Int {
	m := n - g
	freeP := max(0, free-g)
	k := int64(m - freeP)
	var factor *big.Rat
	if r.Sign() == 0 {
		factor = ratInt(int64(m))
	} else {
		onePlus := new(big.Rat).Add(ratOne, r)
		e := big.NewInt(k)
		pow := new(big.Rat).SetFrac(new(big.Int).Exp(onePlus.Num(), e, nil), new(big.Int).Exp(onePlus.Denom(), e, nil))
		ak := new(big.Rat).Sub(ratOne, new(big.Rat).Inv(pow))
		ak.Quo(ak, r)
		factor = ak.Add(ak, ratInt(int64(freeP)))
	}
	a := new(big.Rat).Quo(ratInt(int64(p)), factor)
	a.Quo(a, ratInt(int64(rd.Multiple)))
	q := oracleRound(a, rd.Mode)
	return q.Mul(q, big.NewInt(int64(rd.Multiple)))
}

// computeOracle applies the rules to the terms, which must be structurally
// valid (Validate's other checks pass).
//
//   - Row k (0-based) runs from the previous due date (the disbursement for
//     the first) to its due date.
//   - Its rate is 0 in the first InterestFreePeriods rows; by days — annual
//     rate × year fraction — when the accrual is DAILY or for an odd first
//     row; otherwise the periodic rate.
//   - Its interest is rate × base rounded to the minor unit with the mode;
//     the base is the balance, or the original principal for FLAT.
//   - Its principal is 0 in the first PrincipalGracePeriods rows; otherwise
//     level − interest (EQUAL_INSTALLMENT), round(P/(n−g)) (EQUAL_PRINCIPAL),
//     the fixed principal part of the level (FLAT), 0 (INTEREST_ONLY); the
//     last row takes the whole balance; every row is clamped to [0, balance].
//   - FLAT's level is P/(n−g) + P·r rounded to the multiple, and its
//     principal part the level less one period's interest round(P·r).
//   - BULLET is one row at maturity: P and round(P · Σ rate_k), rounded once.
func computeOracle(t Terms) oracleSchedule {
	n, g, free := t.InstallmentCount, t.PrincipalGracePeriods, t.InterestFreePeriods
	mode := t.Rounding.Mode
	annual := oracleAnnualRate(t.AnnualRate)
	r := oraclePeriodicRate(t)
	odd := t.FirstDueDate != NoDate && t.FirstDueDate != oracleStep(t.DisbursementDate, t.Frequency, 1)
	P := ratInt(int64(t.Principal))

	rowRate := func(k int, start, due Date) *big.Rat {
		switch {
		case k < free:
			return ratZero
		case t.InterestAccrual == Daily || (k == 0 && odd):
			return new(big.Rat).Mul(annual, oracleYearFraction(t.DayCount, start, due))
		}
		return r
	}
	var o oracleSchedule
	fits := func(v *big.Int) money.Amount {
		if !v.IsInt64() {
			o.overflow = true
			return 0
		}
		return money.Amount(v.Int64())
	}

	// The bound on every schedule's interest: base ≤ P in every row, and
	// each rounding adds less than one minor unit.
	rateSum := new(big.Rat)
	start := t.DisbursementDate
	for k := range n {
		due := oracleDue(t, k)
		rateSum.Add(rateSum, rowRate(k, start, due))
		start = due
	}
	o.interestBound = new(big.Rat).Mul(P, rateSum)
	o.interestBound.Add(o.interestBound, ratInt(int64(n)))
	o.repayableBound = new(big.Rat).Add(o.interestBound, P)
	o.maturity = oracleDue(t, n-1)

	if t.Method == Bullet {
		interest := fits(oracleRound(new(big.Rat).Mul(P, rateSum), mode))
		o.rows = []Installment{{Number: 1, StartDate: t.DisbursementDate, DueDate: o.maturity,
			Principal: t.Principal, Interest: interest, Total: t.Principal + interest}}
		o.totalInterest = interest
		o.totalPayment = t.Principal + interest
		o.installment = o.rows[0].Total
		if interest > math.MaxInt64-t.Principal {
			o.overflow = true
		}
		return o
	}

	var level, part money.Amount
	switch t.Method {
	case EqualInstallment:
		level = fits(oracleLevel(t.Principal, r, n, g, free, t.Rounding))
	case Flat:
		a := new(big.Rat).Quo(P, ratInt(int64(n-g)))
		a.Add(a, new(big.Rat).Mul(P, r))
		a.Quo(a, ratInt(int64(t.Rounding.Multiple)))
		level = fits(oracleRound(a, mode)) * t.Rounding.Multiple
		part = max(0, level-fits(oracleRound(new(big.Rat).Mul(P, r), mode)))
	case EqualPrincipal:
		part = fits(oracleRound(new(big.Rat).Quo(P, ratInt(int64(n-g))), mode))
	}

	o.rows = make([]Installment, n)
	balance := t.Principal
	total := new(big.Int)
	start = t.DisbursementDate
	for k := range n {
		due := oracleDue(t, k)
		base := balance
		if t.Method == Flat {
			base = t.Principal
		}
		interest := fits(oracleRound(new(big.Rat).Mul(ratInt(int64(base)), rowRate(k, start, due)), mode))
		var principal money.Amount
		switch {
		case k == n-1:
			principal = balance
		case k < g:
		case t.Method == EqualInstallment:
			principal = level - interest
		case t.Method == Flat, t.Method == EqualPrincipal:
			principal = part
		}
		principal = min(max(principal, 0), balance)
		balance -= principal
		if interest > math.MaxInt64-principal {
			o.overflow = true
		}
		o.rows[k] = Installment{Number: k + 1, StartDate: start, DueDate: due, Principal: principal,
			Interest: interest, Total: principal + interest, BalanceAfter: balance}
		total.Add(total, big.NewInt(int64(interest)))
		start = due
	}
	o.totalInterest = fits(total)
	o.totalPayment = fits(total.Add(total, big.NewInt(int64(t.Principal))))
	// The first regular installment, after grace and interest-free rows.
	o.installment = o.rows[min(max(t.PrincipalGracePeriods, t.InterestFreePeriods), len(o.rows)-1)].Total
	if t.Method == EqualInstallment || t.Method == Flat {
		o.installment = level
	}
	return o
}

// overflowViolation reports whether Validate refused the terms only because
// their totals would not fit an int64.
func overflowViolation(err error) (only bool) {
	var inv *InvalidError
	if !errors.As(err, &inv) {
		return false
	}
	for _, v := range inv.Violations {
		if !strings.Contains(v.Description, "total repayable") {
			return false
		}
	}
	return true
}

// ---------------------------------------------------------------------------
// The test.

// TestExactOracle requires BuildSchedule to agree with the oracle on every
// row and total of -oracle-cases random valid schedules (1000 with -short),
// and Validate to refuse terms only when their totals could exceed int64.
func TestExactOracle(t *testing.T) {
	s := newSeeded(t, 0x0a4c1e)
	cases := *oracleCasesFlag
	if testing.Short() {
		cases = min(cases, 1000)
	}
	var checked, rows, refused, refusedOverflow, odd, bigN int
	maxRepayable := ratInt(math.MaxInt64)
	for checked < cases {
		tm := randomTerms(s.rng)
		err := tm.Validate()
		if err != nil {
			refused++
			if overflowViolation(err) {
				// Refused for its size alone: the bound on what it would
				// make the borrower repay must indeed exceed int64.
				refusedOverflow++
				if o := computeOracle(tm); o.repayableBound.Cmp(maxRepayable) <= 0 {
					s.fatalf("Validate refused terms whose repayable total is at most %s (< 2^63): %v\nterms %s",
						o.repayableBound.FloatString(0), err, describeTerms(tm))
				}
			}
			continue
		}
		checked++
		want := computeOracle(tm)
		if want.overflow {
			s.fatalf("case %d: valid terms whose amounts overflow int64 (repayable bound %s)\nterms %s",
				checked, want.repayableBound.FloatString(0), describeTerms(tm))
		}
		got, err := BuildSchedule(tm)
		if err != nil {
			s.fatalf("case %d: BuildSchedule refused terms Validate accepts: %v\nterms %s", checked, err, describeTerms(tm))
		}
		compareWithOracle(s, checked, tm, got, want)
		rows += len(want.rows)
		if tm.HasOddFirstPeriod() {
			odd++
		}
		if tm.InstallmentCount > 400 {
			bigN++
		}
	}
	t.Logf("%d schedules (%d with an odd first period, %d with more than 400 installments), %d installments: "+
		"zero mismatches; %d terms refused (%d only for an int64 overflow, each confirmed by the oracle)",
		checked, odd, bigN, rows, refused, refusedOverflow)
}

// compareWithOracle fails on the first difference between the engine's
// schedule and the oracle's, printing both rows and the terms.
func compareWithOracle(s *seeded, c int, terms Terms, got Schedule, want oracleSchedule) {
	s.t.Helper()
	if len(got.Installments) != len(want.rows) {
		s.fatalf("case %d: %d installments, oracle %d\nterms %s", c, len(got.Installments), len(want.rows), describeTerms(terms))
	}
	for i := range want.rows {
		// The oracle is of principal and interest; fees have their own
		// (feeViolation).
		row := got.Installments[i]
		row.Fees = 0
		if row != want.rows[i] {
			s.fatalf("case %d: installment %d\n engine %+v\n oracle %+v\nterms %s", c, i+1, got.Installments[i], want.rows[i], describeTerms(terms))
		}
	}
	if got.InstallmentAmount != want.installment || got.TotalInterest != want.totalInterest ||
		got.TotalPayment-got.TotalFees != want.totalPayment || got.TotalPrincipal != terms.Principal || got.MaturityDate != want.maturity {
		s.fatalf("case %d: totals: engine installment %d interest %d payment %d principal %d maturity %s; "+
			"oracle %d %d %d %d %s\nterms %s", c, got.InstallmentAmount, got.TotalInterest, got.TotalPayment,
			got.TotalPrincipal, got.MaturityDate, want.installment, want.totalInterest, want.totalPayment,
			terms.Principal, want.maturity, describeTerms(terms))
	}
}

// describeTerms renders terms in one line for failure messages: the
// readable form, then the raw values, so a failure can be pasted into a test.
func describeTerms(t Terms) string {
	return fmt.Sprintf("%s [principal=%d units=%d scale=%d unit=%d every=%d method=%d disb=%d first=%d accrual=%d dc=%d mode=%d multiple=%d grace=%d free=%d fee=%d]",
		humanTerms(t), t.Principal, t.AnnualRate.Units, t.AnnualRate.Scale, t.Frequency.Unit, t.Frequency.Every, t.Method,
		t.DisbursementDate, t.FirstDueDate, t.InterestAccrual, t.DayCount, t.Rounding.Mode, t.Rounding.Multiple,
		t.PrincipalGracePeriods, t.InterestFreePeriods, t.UpfrontFee)
}

func unitName(u FrequencyUnit) string {
	switch u {
	case Month:
		return "month"
	case Week:
		return "week"
	case Day:
		return "day"
	}
	return fmt.Sprintf("unit(%d)", u)
}

func accrualName(a Accrual) string {
	switch a {
	case Periodic:
		return "PERIODIC"
	case Daily:
		return "DAILY"
	}
	return fmt.Sprintf("accrual(%d)", a)
}

func dayCountName(dc DayCount) string {
	switch dc {
	case Act365Fixed:
		return "ACT/365F"
	case Act360:
		return "ACT/360"
	case Act364:
		return "ACT/364"
	case Thirty360:
		return "30/360"
	case ActAct:
		return "ACT/ACT"
	}
	return fmt.Sprintf("daycount(%d)", dc)
}
