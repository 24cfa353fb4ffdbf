package engine

import (
	"flag"
	"fmt"
	"math/big"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/loancore/loancore/internal/money"
)

var (
	seedFlag      = flag.Uint64("seed", 0, "seed for the randomised engine tests (0: from the clock)")
	oracleCasesFl = flag.Int("oracle-cases", 10000, "random schedules the exact oracle checks")
)

// testSeed returns the seed to use and logs it so any failure can be replayed
// with -seed.
func testSeed(t testing.TB) uint64 {
	seed := *seedFlag
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (replay with -seed=%d)", seed, seed)
	return seed
}

var testCurrencies = []string{"CNY", "CNY", "CNY", "USD", "JPY", "KWD"}

// randomTerms draws valid-looking terms across every option the engine has;
// callers skip those Validate refuses.
func randomTerms(rng *rand.Rand) Terms {
	cur, _ := money.LookupCurrency(testCurrencies[rng.IntN(len(testCurrencies))])
	// Principal log-uniform from 1 minor unit to 10^15.
	principal := money.Amount(1)
	for range rng.IntN(16) {
		principal *= 10
	}
	principal += money.Amount(rng.Int64N(int64(principal)*9 + 1))
	principal = min(principal, money.MaxAmount)

	var rate money.Rate
	switch rng.IntN(10) {
	case 0:
		rate = money.Rate{}
	case 1:
		rate = money.Rate{Units: rng.Uint64N(1000*100_000_000 + 1), Scale: 8}
	default:
		scale := uint8(rng.IntN(3))
		rate = money.Rate{Units: rng.Uint64N(36*uint64(money.Pow10(int(scale)))) + 1, Scale: scale}
	}
	n := 1 + rng.IntN(36)
	switch rng.IntN(6) {
	case 0:
		n = 1 + rng.IntN(MaxInstallments)
	case 1:
		n = 1 + rng.IntN(400)
	}
	f := Frequency{Unit: Month, Every: 1}
	switch rng.IntN(8) {
	case 0:
		f = Frequency{Unit: Week, Every: 1 + rng.IntN(4)}
	case 1:
		f = Frequency{Unit: Day, Every: 1 + rng.IntN(60)}
	case 2:
		f = Frequency{Unit: Month, Every: []int{2, 3, 6, 12}[rng.IntN(4)]}
	}
	disb := DateOf(1990+rng.IntN(60), 1+rng.IntN(12), 1+rng.IntN(28))
	if rng.IntN(5) == 0 {
		y, m := 1990+rng.IntN(60), 1+rng.IntN(12)
		disb = DateOf(y, m, DaysInMonth(y, m))
	}
	t := Terms{
		Currency:         cur,
		Principal:        principal,
		AnnualRate:       rate,
		InstallmentCount: n,
		Frequency:        f,
		Method:           Method(1 + rng.IntN(5)),
		DisbursementDate: disb,
		FirstDueDate:     NoDate,
		InterestAccrual:  Accrual(1 + rng.IntN(2)),
		DayCount:         DayCount(1 + rng.IntN(5)),
		Rounding: Rounding{
			Mode:     money.RoundingMode(1 + rng.IntN(5)),
			Multiple: []money.Amount{1, 1, 1, 10, 20, 100, 1000}[rng.IntN(7)],
		},
	}
	if rng.IntN(4) == 0 {
		t.FirstDueDate = disb.AddDays(1 + rng.IntN(70))
	}
	if rng.IntN(5) == 0 && n > 1 {
		t.PrincipalGracePeriods = rng.IntN(min(n, 12))
	}
	if rng.IntN(5) == 0 {
		t.InterestFreePeriods = rng.IntN(min(n, 6) + 1)
	}
	if rng.IntN(5) == 0 {
		t.UpfrontFee = money.Amount(rng.Int64N(int64(principal)))
	}
	return t
}

// ratRound rounds a non-negative rational to an integer with mode; it is the
// oracle's own rounding, written from the definitions.
func ratRound(x *big.Rat, mode money.RoundingMode) *big.Int {
	q, r := new(big.Int).QuoRem(x.Num(), x.Denom(), new(big.Int))
	if r.Sign() == 0 {
		return q
	}
	up := false
	switch mode {
	case money.Up, money.Ceiling:
		up = true
	case money.HalfUp, money.HalfEven:
		c := new(big.Int).Lsh(r, 1).Cmp(x.Denom())
		up = c > 0 || (c == 0 && (mode == money.HalfUp || q.Bit(0) == 1))
	}
	if up {
		q.Add(q, big.NewInt(1))
	}
	return q
}

func ratAmount(x *big.Rat, mode money.RoundingMode) money.Amount {
	return money.Amount(ratRound(x, mode).Int64())
}

func ratOf(a money.Amount) *big.Rat { return new(big.Rat).SetInt64(int64(a)) }

// mulRound returns a × x rounded with mode, without normalising a big.Rat.
func mulRound(a money.Amount, x *big.Rat, mode money.RoundingMode) money.Amount {
	num := new(big.Int).Mul(big.NewInt(int64(a)), x.Num())
	return ratAmount(new(big.Rat).SetFrac(num, x.Denom()), mode)
}

// oracleYearFraction is the day-count fraction, written independently of
// DayCount.YearFraction: ACT/ACT walks day by day.
func oracleYearFraction(dc DayCount, start, end Date) *big.Rat {
	days := int64(end - start)
	switch dc {
	case Act360:
		return big.NewRat(days, 360)
	case Act364:
		return big.NewRat(days, 364)
	case Act365Fixed:
		return big.NewRat(days, 365)
	case Thirty360:
		y1, m1, d1 := start.YMD()
		y2, m2, d2 := end.YMD()
		if d1 == 31 {
			d1 = 30
		}
		if d2 == 31 && d1 == 30 {
			d2 = 30
		}
		return big.NewRat(int64(360*(y2-y1)+30*(m2-m1)+d2-d1), 360)
	}
	var leap, plain int64
	for d := start; d < end; d++ {
		if y, _, _ := d.YMD(); IsLeapYear(y) {
			leap++
		} else {
			plain++
		}
	}
	return new(big.Rat).Add(big.NewRat(leap, 366), big.NewRat(plain, 365))
}

// oracleSchedule recomputes a schedule from the rules with big.Rat only.
func oracleSchedule(t Terms) []Installment {
	annual := new(big.Rat).SetFrac(new(big.Int).SetUint64(t.AnnualRate.Units), new(big.Int).SetUint64(t.AnnualRate.Denominator()))
	var perYear *big.Rat
	switch t.Frequency.Unit {
	case Month:
		perYear = big.NewRat(12, int64(t.Frequency.Every))
	case Week:
		perYear = big.NewRat(52, int64(t.Frequency.Every))
	default:
		basis := map[DayCount]int64{Act360: 360, Thirty360: 360, Act364: 364}[t.DayCount]
		if basis == 0 {
			basis = 365
		}
		perYear = big.NewRat(basis, int64(t.Frequency.Every))
	}
	r := new(big.Rat).Quo(annual, perYear)
	n, g := t.InstallmentCount, t.PrincipalGracePeriods
	mode := t.Rounding.Mode
	var regularFirst Date
	switch t.Frequency.Unit {
	case Month:
		regularFirst = t.DisbursementDate.AddMonths(t.Frequency.Every)
	case Week:
		regularFirst = t.DisbursementDate.AddDays(7 * t.Frequency.Every)
	default:
		regularFirst = t.DisbursementDate.AddDays(t.Frequency.Every)
	}
	odd := t.FirstDueDate != NoDate && t.FirstDueDate != regularFirst
	mult := ratOf(t.Rounding.Multiple)

	periodRate := func(k int, start, due Date) *big.Rat {
		switch {
		case k < t.InterestFreePeriods:
			return new(big.Rat)
		case t.InterestAccrual == Daily || (k == 0 && odd):
			return new(big.Rat).Mul(annual, oracleYearFraction(t.DayCount, start, due))
		}
		return r
	}

	if t.Method == Bullet {
		total := new(big.Rat)
		start := t.DisbursementDate
		for k := range n {
			due := t.DueDate(k)
			total.Add(total, periodRate(k, start, due))
			start = due
		}
		interest := ratAmount(total.Mul(total, ratOf(t.Principal)), mode)
		return []Installment{{Number: 1, StartDate: t.DisbursementDate, DueDate: t.DueDate(n - 1),
			Principal: t.Principal, Interest: interest, Total: t.Principal + interest}}
	}

	var level, flatPart, epPart money.Amount
	m := n - g
	switch t.Method {
	case EqualInstallment:
		free := max(0, t.InterestFreePeriods-g)
		var a *big.Rat
		if r.Sign() == 0 || free >= m {
			a = new(big.Rat).Quo(ratOf(t.Principal), big.NewRat(int64(m), 1))
		} else {
			// factor = free + (1 − (1+r)^−k)/r
			onePlus := new(big.Rat).Add(big.NewRat(1, 1), r)
			k := big.NewInt(int64(m - free))
			pow := new(big.Rat).SetFrac(new(big.Int).Exp(onePlus.Num(), k, nil), new(big.Int).Exp(onePlus.Denom(), k, nil))
			v := new(big.Rat).Inv(pow)
			factor := new(big.Rat).Sub(big.NewRat(1, 1), v)
			factor.Quo(factor, r)
			factor.Add(factor, big.NewRat(int64(free), 1))
			a = new(big.Rat).Quo(ratOf(t.Principal), factor)
		}
		level = ratAmount(a.Quo(a, mult), mode) * t.Rounding.Multiple
	case Flat:
		a := new(big.Rat).Quo(ratOf(t.Principal), big.NewRat(int64(m), 1))
		a.Add(a, new(big.Rat).Mul(ratOf(t.Principal), r))
		level = ratAmount(a.Quo(a, mult), mode) * t.Rounding.Multiple
		flatPart = max(0, level-ratAmount(new(big.Rat).Mul(ratOf(t.Principal), r), mode))
	case EqualPrincipal:
		epPart = ratAmount(new(big.Rat).Quo(ratOf(t.Principal), big.NewRat(int64(m), 1)), mode)
	}

	rows := make([]Installment, n)
	balance := t.Principal
	start := t.DisbursementDate
	for k := range n {
		due := t.DueDate(k)
		base := balance
		if t.Method == Flat {
			base = t.Principal
		}
		interest := mulRound(base, periodRate(k, start, due), mode)
		var principal money.Amount
		switch {
		case k == n-1:
			principal = balance
		case k < g:
		case t.Method == EqualInstallment:
			principal = level - interest
		case t.Method == Flat:
			principal = flatPart
		case t.Method == EqualPrincipal:
			principal = epPart
		}
		principal = min(max(principal, 0), balance)
		balance -= principal
		rows[k] = Installment{Number: k + 1, StartDate: start, DueDate: due, Principal: principal,
			Interest: interest, Total: principal + interest, BalanceAfter: balance}
		start = due
	}
	return rows
}

func TestExactOracle(t *testing.T) {
	seed := testSeed(t)
	rng := rand.New(rand.NewPCG(seed, 0x10a4c04e))
	cases := *oracleCasesFl
	if testing.Short() {
		cases = 1000
	}
	checked, rows := 0, 0
	for checked < cases {
		terms := randomTerms(rng)
		if terms.Validate() != nil {
			continue
		}
		checked++
		s, err := BuildSchedule(terms)
		if err != nil {
			t.Fatalf("seed %d: valid terms refused: %v", seed, err)
		}
		want := oracleSchedule(terms)
		rows += len(want)
		if len(s.Installments) != len(want) {
			t.Fatalf("seed %d case %d: %d rows, oracle %d\nterms %s", seed, checked, len(s.Installments), len(want), describeTerms(terms))
		}
		for i := range want {
			if s.Installments[i] != want[i] {
				t.Fatalf("seed %d case %d: row %d\n got    %+v\n oracle %+v\nterms %s", seed, checked, i+1, s.Installments[i], want[i], describeTerms(terms))
			}
		}
	}
	t.Logf("%d schedules, %d installments: zero mismatches", checked, rows)
}

func describeTerms(t Terms) string {
	return fmt.Sprintf("%s principal=%d rate=%s n=%d freq=%+v method=%s disb=%s first=%v accrual=%d dc=%d rounding=%s/%d grace=%d free=%d fee=%d",
		t.Currency.Code, t.Principal, t.AnnualRate, t.InstallmentCount, t.Frequency, t.Method, t.DisbursementDate,
		t.FirstDueDate, t.InterestAccrual, t.DayCount, t.Rounding.Mode, t.Rounding.Multiple,
		t.PrincipalGracePeriods, t.InterestFreePeriods, t.UpfrontFee)
}
