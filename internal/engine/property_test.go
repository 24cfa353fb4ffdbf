package engine

import (
	"fmt"
	"math/big"
	"slices"
	"strings"
	"testing"

	"github.com/loancore/loancore/internal/money"
)

// scheduleViolation returns an error describing the first property of a
// schedule that does not hold, or nil. The properties hold for every valid
// terms, whatever the method, accrual or rounding:
//
//   - one installment per period (a single one for BULLET), numbered from 1,
//     due on the terms' due dates, strictly increasing, each starting where
//     the previous one ended (the first at disbursement);
//   - no negative principal, interest or balance; total = principal +
//     interest; the balance after each installment is the previous one less
//     its principal, ending at exactly zero, so the principal parts sum to
//     the principal;
//   - grace periods repay no principal and interest-free periods charge no
//     interest;
//   - EQUAL_INSTALLMENT's level is a multiple of the rounding multiple, and
//     every row that is neither the last nor a grace period pays exactly the
//     level unless the principal had to be clamped to [0, balance];
//     EQUAL_PRINCIPAL and FLAT repay the same principal in those rows;
//     INTEREST_ONLY repays everything in the last;
//   - the totals agree with the rows, fees included.
func scheduleViolation(terms Terms, s Schedule) error {
	n := terms.InstallmentCount
	want := n
	if terms.Method == Bullet {
		want = 1
	}
	if len(s.Installments) != want {
		return fmt.Errorf("%d installments, want %d", len(s.Installments), want)
	}
	g, free := terms.PrincipalGracePeriods, terms.InterestFreePeriods
	var sumPrincipal, sumInterest, sumFees money.Amount
	balance := terms.Principal
	prevDue := terms.DisbursementDate
	var samePrincipal money.Amount = -1
	for i, in := range s.Installments {
		bad := func(what string) error {
			return fmt.Errorf("installment %d: %s: %+v", i+1, what, in)
		}
		last := i == len(s.Installments)-1
		wantDue := terms.DueDate(i)
		if terms.Method == Bullet {
			wantDue = terms.DueDate(n - 1)
		}
		switch {
		case in.Number != i+1:
			return bad("numbering")
		case in.DueDate != wantDue:
			return bad(fmt.Sprintf("due date, want %s", wantDue))
		case in.DueDate <= prevDue || !in.DueDate.InRange():
			return bad("due dates do not strictly increase")
		case in.StartDate != prevDue:
			return bad("does not start at the previous due date")
		case in.Principal < 0 || in.Interest < 0 || in.BalanceAfter < 0 || in.Fees < 0:
			return bad("negative amount")
		case in.Total != in.Principal+in.Interest:
			return bad("total is not principal + interest")
		case in.BalanceAfter != balance-in.Principal:
			return bad(fmt.Sprintf("balance does not chain from %d", balance))
		case last && in.BalanceAfter != 0:
			return bad("the last installment leaves a balance")
		case terms.Method != Bullet && i < free && in.Interest != 0:
			return bad("interest in an interest-free period")
		case terms.Method != Bullet && i < g && in.Principal != 0:
			return bad("principal in a grace period")
		case terms.Method == InterestOnly && !last && in.Principal != 0:
			return bad("INTEREST_ONLY repays principal before the last installment")
		}
		if !last && i >= g {
			level := s.InstallmentAmount
			switch terms.Method {
			case EqualInstallment:
				clamped := level-in.Interest < 0 || level-in.Interest > balance
				if !clamped && in.Total != level {
					return bad(fmt.Sprintf("total is not the level installment %d", level))
				}
			case EqualPrincipal, Flat:
				// The same principal part every period, until the balance
				// runs out.
				if samePrincipal < 0 {
					samePrincipal = in.Principal
				} else if in.Principal != samePrincipal && in.Principal != balance {
					return bad(fmt.Sprintf("principal part differs from the first one, %d", samePrincipal))
				}
			}
		}
		balance = in.BalanceAfter
		sumPrincipal += in.Principal
		sumInterest += in.Interest
		sumFees += in.Fees
		prevDue = in.DueDate
	}
	if sumPrincipal != terms.Principal {
		return fmt.Errorf("principal parts sum to %d, want %d", sumPrincipal, terms.Principal)
	}
	if s.TotalInterest != sumInterest || s.TotalFees != sumFees || s.TotalPayment != terms.Principal+sumInterest+sumFees || s.TotalPrincipal != terms.Principal {
		return fmt.Errorf("totals %d/%d/%d/%d disagree with the rows (interest %d, fees %d)", s.TotalPrincipal, s.TotalInterest, s.TotalFees, s.TotalPayment, sumInterest, sumFees)
	}
	if s.MaturityDate != s.Installments[len(s.Installments)-1].DueDate {
		return fmt.Errorf("maturity %s is not the last due date", s.MaturityDate)
	}
	switch terms.Method {
	case EqualInstallment:
		// Zero is possible: DOWN rounds an annuity below one multiple to 0.
		if s.InstallmentAmount < 0 || s.InstallmentAmount%terms.Rounding.Multiple != 0 {
			return fmt.Errorf("level installment %d is not a multiple of %d", s.InstallmentAmount, terms.Rounding.Multiple)
		}
	case Flat:
		if s.InstallmentAmount%terms.Rounding.Multiple != 0 {
			return fmt.Errorf("flat installment %d is not a multiple of %d", s.InstallmentAmount, terms.Rounding.Multiple)
		}
	default:
		first := min(max(terms.PrincipalGracePeriods, terms.InterestFreePeriods), len(s.Installments)-1)
		if s.InstallmentAmount != s.Installments[first].Total {
			return fmt.Errorf("installment amount %d is not the first regular total", s.InstallmentAmount)
		}
	}
	if (terms.AnnualRate.IsZero() || free >= n) && s.TotalInterest != 0 {
		return fmt.Errorf("interest %d without an interest-bearing period", s.TotalInterest)
	}
	return nil
}

// TestScheduleProperties checks scheduleViolation's properties on 20,000
// random valid schedules (2,000 with -short).
func TestScheduleProperties(t *testing.T) {
	s := newSeeded(t, 0x9409e47)
	cases := 20000
	if testing.Short() {
		cases = 2000
	}
	for checked := 0; checked < cases; {
		terms := randomTerms(s.rng)
		if terms.Validate() != nil {
			continue
		}
		checked++
		sched, err := BuildSchedule(terms)
		if err != nil {
			s.fatalf("valid terms refused: %v\nterms %s", err, describeTerms(terms))
		}
		if err := scheduleViolation(terms, sched); err != nil {
			s.fatalf("%v\nterms %s", err, describeTerms(terms))
		}
	}
}

// TestBuildScheduleIsDeterministic: the same terms build the same schedule,
// and building does not depend on earlier calls.
func TestBuildScheduleIsDeterministic(t *testing.T) {
	s := newSeeded(t, 0xde7)
	var all []Terms
	var first []Schedule
	for len(all) < 200 {
		terms := randomTerms(s.rng)
		if terms.Validate() != nil {
			continue
		}
		sched, _ := BuildSchedule(terms)
		all = append(all, terms)
		first = append(first, sched)
	}
	for i := len(all) - 1; i >= 0; i-- {
		again, _ := BuildSchedule(all[i])
		if fmt.Sprint(again) != fmt.Sprint(first[i]) {
			s.fatalf("second build differs\nterms %s", describeTerms(all[i]))
		}
	}
}

// FuzzBuildSchedule maps arbitrary inputs onto terms. Whatever Validate
// accepts must build without panicking, satisfy every property of
// scheduleViolation and agree with the exact oracle; what it refuses must
// make BuildSchedule return the same error.
func FuzzBuildSchedule(f *testing.F) {
	// The 1,000,000 CNY mortgage, a one-minor-unit loan at 1000% over 1200
	// days, a 31-Jan loan with an odd first period, grace and free periods.
	f.Add(int64(100000000), uint64(49), uint8(1), 360, uint8(1), uint8(1), uint8(1), int32(738900), int32(0), uint8(1), uint8(2), uint8(1), int64(1), 0, 0, uint8(0))
	f.Add(int64(1), uint64(1000), uint8(0), 1200, uint8(3), uint8(1), uint8(5), int32(730000), int32(40), uint8(2), uint8(5), uint8(4), int64(100), 0, 5, uint8(2))
	f.Add(int64(1_200_000), uint64(12), uint8(0), 12, uint8(1), uint8(1), uint8(1), int32(738916), int32(45), uint8(1), uint8(4), uint8(2), int64(100), 3, 2, uint8(3))
	f.Add(int64(money.MaxAmount), uint64(100000000000), uint8(8), 1200, uint8(1), uint8(12), uint8(3), int32(1), int32(0), uint8(2), uint8(5), uint8(5), int64(1), 0, 0, uint8(4))
	f.Fuzz(func(t *testing.T, principal int64, rateUnits uint64, rateScale uint8, n int, unit, every, method uint8,
		disb, firstOffset int32, accrual, dc, mode uint8, multiple int64, grace, free int, cur uint8) {
		c, _ := money.LookupCurrency(testCurrencies[int(cur)%len(testCurrencies)])
		terms := Terms{
			Currency:              c,
			Principal:             money.Amount(principal),
			AnnualRate:            money.Rate{Units: rateUnits, Scale: rateScale % (money.MaxRateScale + 1)},
			InstallmentCount:      n,
			Frequency:             Frequency{Unit: FrequencyUnit(unit % 4), Every: int(every)},
			Method:                Method(method % 6),
			DisbursementDate:      Date(disb),
			InterestAccrual:       Accrual(accrual % 3),
			DayCount:              DayCount(dc % 6),
			Rounding:              Rounding{Mode: money.RoundingMode(mode % 6), Multiple: money.Amount(multiple)},
			PrincipalGracePeriods: grace,
			InterestFreePeriods:   free,
		}
		if firstOffset != 0 {
			terms.FirstDueDate = Date(disb) + Date(firstOffset)
		}
		verr := terms.Validate()
		s, err := BuildSchedule(terms)
		if (verr == nil) != (err == nil) {
			t.Fatalf("Validate: %v, BuildSchedule: %v", verr, err)
		}
		if verr != nil {
			if overflowViolation(verr) {
				if o := computeOracle(terms); o.repayableBound.Cmp(ratInt(1<<63-1)) <= 0 {
					t.Fatalf("refused as too large, but at most %s is repayable\nterms %s", o.repayableBound.FloatString(0), describeTerms(terms))
				}
			}
			return
		}
		if err := scheduleViolation(terms, s); err != nil {
			t.Fatalf("%v\nterms %s", err, describeTerms(terms))
		}
		want := computeOracle(terms)
		if want.overflow {
			t.Fatalf("valid terms overflow int64\nterms %s", describeTerms(terms))
		}
		compareWithOracle(&seeded{t: t}, 0, terms, s, want)
	})
}

// ---------------------------------------------------------------------------
// APR.

// flowsByPeriod returns the installments of a regular schedule (no odd
// first period) as amounts indexed by period − 1.
func flowsByPeriod(s Schedule) []int64 {
	out := make([]int64, len(s.Installments))
	for k, in := range s.Installments {
		out[k] = int64(in.Total)
	}
	return out
}

// presentValue returns Σ cf[t−1]·(1+i)^−t exactly, and, with weighted, the
// magnitude of its derivative Σ t·cf[t−1]·(1+i)^−(t+1). i must be ≥ 0.
func presentValue(cf []int64, i *big.Rat, weighted bool) *big.Rat {
	// With 1 + i = c/b: Σ cf_t·b^t·c^(T−t) / c^T, by Horner in t.
	b, c := i.Denom(), new(big.Int).Add(i.Num(), i.Denom())
	acc, bt, term := new(big.Int), new(big.Int).Set(big.NewInt(1)), new(big.Int)
	for t, v := range cf {
		acc.Mul(acc, c)
		bt.Mul(bt, b)
		term.Mul(bt, big.NewInt(v))
		if weighted {
			term.Mul(term, big.NewInt(int64(t+1)))
		}
		acc.Add(acc, term)
	}
	cT := new(big.Int).Exp(c, big.NewInt(int64(len(cf))), nil)
	pv := new(big.Rat).SetFrac(acc, cT)
	if weighted {
		pv.Mul(pv, new(big.Rat).SetFrac(b, c)) // one more factor 1/(1+i)
	}
	return pv
}

// aprPerYear is the number of unit periods per year the APR annualises
// with: 12/every months, 52/every weeks, 365/every days.
func aprPerYear(f Frequency) *big.Rat {
	switch f.Unit {
	case Month:
		return big.NewRat(12, int64(f.Every))
	case Week:
		return big.NewRat(52, int64(f.Every))
	}
	return big.NewRat(365, int64(f.Every))
}

// aprToPeriodic converts an APR in percent to the rate per unit period.
func aprToPeriodic(apr *big.Rat, f Frequency) *big.Rat {
	r := new(big.Rat).Quo(apr, aprPerYear(f))
	return r.Quo(r, ratInt(100))
}

// TestScheduleAPRIsTheContractRate: for a regular EQUAL_INSTALLMENT schedule
// with PERIODIC accrual and no fee, the APR is the contract rate R, up to a
// tolerance that the rounding of the schedule justifies. The argument holds
// for every method that charges r on the balance, so EQUAL_PRINCIPAL and
// INTEREST_ONLY schedules (and grace periods) are checked the same way.
//
// Why: with B_k the balance after row k and e_k the rounding error of row
// k's interest (interest_k = r·B_{k−1} + e_k), B_k = (1+r)·B_{k−1} + e_k −
// CF_k; multiplying by v^k = (1+r)^−k and summing, with B_0 = P and B_n = 0,
// gives Σ CF_k·v^k = P + Σ e_k·v^k. The rounding of the level installment
// (to any multiple) and the clamps cancel out — the last installment absorbs
// them — so the present value at the contract rate misses P only by
// Δ = Σ e_k·v^k, |Δ| ≤ ε·a_n(r), ε = ½ minor unit for the half modes and 1
// for the directed ones. The internal rate i* then lies within
// |Δ| / min|PV'| of r, the minimum taken over [r, i*], where |PV'| is
// smallest at the larger end. The test checks the bound on Δ, that the APR
// solves the equation to one unit of its last decimal, and that it lies
// within that tolerance of R (converted with the APR's periods per year,
// 365/every for daily frequencies rather than the day count's basis).
func TestScheduleAPRIsTheContractRate(t *testing.T) {
	s := newSeeded(t, 0xa9a)
	const decimals = 6
	maxTol := new(big.Rat)
	for checked := 0; checked < 300; {
		terms := randomTerms(s.rng)
		terms.Method = []Method{EqualInstallment, EqualInstallment, EqualPrincipal, InterestOnly}[s.rng.IntN(4)]
		terms.InterestAccrual = Periodic
		terms.FirstDueDate = NoDate
		terms.UpfrontFee = 0
		terms.InterestFreePeriods = 0
		terms.InstallmentCount = 1 + s.rng.IntN(240)
		terms.PrincipalGracePeriods = min(terms.PrincipalGracePeriods, terms.InstallmentCount-1)
		if terms.Method == InterestOnly {
			terms.PrincipalGracePeriods = 0
		}
		if terms.AnnualRate.IsZero() || terms.Validate() != nil {
			continue
		}
		checked++
		sched, _ := BuildSchedule(terms)
		cf := flowsByPeriod(sched)
		P := ratInt(int64(terms.Principal))
		r := oraclePeriodicRate(terms)

		// The identity: |PV(r) − P| ≤ ε·a_n(r).
		delta := new(big.Rat).Sub(presentValue(cf, r, false), P)
		ones := make([]int64, len(cf))
		for k := range ones {
			ones[k] = 1
		}
		bound := presentValue(ones, r, false) // a_n(r)
		if terms.Rounding.Mode == money.HalfUp || terms.Rounding.Mode == money.HalfEven {
			bound.Quo(bound, ratInt(2))
		}
		if new(big.Rat).Abs(delta).Cmp(bound) > 0 {
			s.fatalf("PV at the contract rate misses the principal by %s, more than the rounding allows (%s)\nterms %s",
				delta.FloatString(6), bound.FloatString(6), describeTerms(terms))
		}

		// The APR solves PV(i) = P to one unit of its last decimal.
		apr := ScheduleAPR(terms, sched, decimals)
		aprRat := new(big.Rat).SetFrac(new(big.Int).SetUint64(apr.Units), new(big.Int).Exp(big.NewInt(10), big.NewInt(decimals), nil))
		ulp := aprToPeriodic(big.NewRat(1, 1_000_000), terms.Frequency)
		iA := aprToPeriodic(aprRat, terms.Frequency)
		lo, hi := new(big.Rat).Sub(iA, ulp), new(big.Rat).Add(iA, ulp)
		if lo.Sign() < 0 {
			lo.SetInt64(0)
		}
		if presentValue(cf, lo, false).Cmp(P) < 0 || presentValue(cf, hi, false).Cmp(P) > 0 {
			s.fatalf("APR %s%% does not solve the schedule's equation to %d decimals\nterms %s", apr, decimals, describeTerms(terms))
		}

		// Within the tolerance of the contract rate.
		top := hi
		if r.Cmp(top) > 0 {
			top = r
		}
		tol := new(big.Rat).Quo(new(big.Rat).Abs(delta), presentValue(cf, top, true))
		tol.Add(tol, ulp)
		if dist := new(big.Rat).Abs(new(big.Rat).Sub(iA, r)); dist.Cmp(tol) > 0 {
			s.fatalf("APR %s%% is %s per period from the contract rate %s%%, tolerance %s\nterms %s",
				apr, dist.FloatString(12), terms.AnnualRate, tol.FloatString(12), describeTerms(terms))
		}
		tolPct := new(big.Rat).Mul(tol, aprPerYear(terms.Frequency))
		tolPct.Mul(tolPct, ratInt(100))
		if terms.Principal >= 1_000_000 && tolPct.Cmp(maxTol) > 0 {
			maxTol = tolPct
		}

		// A fee can only raise the APR; it must when the rise it forces,
		// at least fee / Σ t·CF_t per period, spans two units of the last
		// decimal.
		fee1 := money.Amount(s.rng.Int64N(int64(terms.Principal)))
		fee2 := fee1 + money.Amount(s.rng.Int64N(int64(terms.Principal-fee1)))
		terms.UpfrontFee = fee1
		a1 := ScheduleAPR(terms, sched, decimals)
		terms.UpfrontFee = fee2
		a2 := ScheduleAPR(terms, sched, decimals)
		if a2.Units < a1.Units || a1.Units < apr.Units {
			s.fatalf("APR falls as the fee rises: no fee %s%%, fee %d %s%%, fee %d %s%%\nterms %s", apr, fee1, a1, fee2, a2, describeTerms(terms))
		}
		rise := new(big.Rat).Quo(ratInt(int64(fee2-fee1)), presentValue(cf, ratZero, true))
		if rise.Cmp(new(big.Rat).Mul(ulp, ratInt(2))) >= 0 && a2.Units <= a1.Units {
			s.fatalf("APR did not rise with the fee: fee %d %s%%, fee %d %s%%\nterms %s", fee1, a1, fee2, a2, describeTerms(terms))
		}
	}
	t.Logf("largest tolerance for principals of 10^6 minor units or more: %s percentage points", maxTol.FloatString(8))
}

// TestScheduleAPRSolvesItsEquation: for regular schedules of every method,
// accrual and fee, the APR is the rate i at which the installments,
// discounted at i per unit period, are worth the amount advanced — to one
// unit of its last decimal, checked exactly at i ± one unit. A BULLET's
// single installment is discounted over the whole term.
func TestScheduleAPRSolvesItsEquation(t *testing.T) {
	s := newSeeded(t, 0x501e)
	const decimals = 6
	methods := map[Method]int{}
	for checked := 0; checked < 400; {
		terms := randomTerms(s.rng)
		terms.FirstDueDate = NoDate
		terms.InstallmentCount = min(terms.InstallmentCount, 1+s.rng.IntN(240))
		terms.PrincipalGracePeriods = min(terms.PrincipalGracePeriods, terms.InstallmentCount-1)
		terms.InterestFreePeriods = min(terms.InterestFreePeriods, terms.InstallmentCount)
		if terms.Validate() != nil {
			continue
		}
		sched, _ := BuildSchedule(terms)
		apr := ScheduleAPR(terms, sched, decimals)
		if apr.Units == 1<<63-1 {
			continue // beyond what 6 decimals can express
		}
		checked++
		methods[terms.Method]++
		cf := flowsByPeriod(sched)
		if terms.Method == Bullet {
			cf = make([]int64, terms.InstallmentCount)
			cf[len(cf)-1] = int64(sched.Installments[0].Total)
		}
		pow := big.NewInt(1_000_000)
		iA := aprToPeriodic(new(big.Rat).SetFrac(new(big.Int).SetUint64(apr.Units), pow), terms.Frequency)
		ulp := aprToPeriodic(new(big.Rat).SetFrac(big.NewInt(1), pow), terms.Frequency)
		lo, hi := new(big.Rat).Sub(iA, ulp), new(big.Rat).Add(iA, ulp)
		if lo.Sign() < 0 {
			lo.SetInt64(0)
		}
		adv := ratInt(int64(terms.Principal - terms.UpfrontFee))
		if presentValue(cf, lo, false).Cmp(adv) < 0 || presentValue(cf, hi, false).Cmp(adv) > 0 {
			s.fatalf("APR %s%% does not discount the installments to the amount advanced\nterms %s", apr, describeTerms(terms))
		}
	}
	t.Logf("schedules by method: %v", methods)
}

// TestComputeAPRMatchesScheduleAPR: the cash flows of a regular schedule,
// given to ComputeAPR as dated payments, have the APR ScheduleAPR reports,
// and the US actuarial method agrees with the IRR when there are no
// fractions of a period.
func TestComputeAPRMatchesScheduleAPR(t *testing.T) {
	s := newSeeded(t, 0xc0a)
	for checked := 0; checked < 300; {
		terms := randomTerms(s.rng)
		terms.FirstDueDate = NoDate
		terms.InstallmentCount = min(terms.InstallmentCount, 240)
		terms.PrincipalGracePeriods = min(terms.PrincipalGracePeriods, terms.InstallmentCount-1)
		terms.InterestFreePeriods = min(terms.InterestFreePeriods, terms.InstallmentCount)
		if terms.Method == Bullet || terms.Validate() != nil {
			continue
		}
		sched, _ := BuildSchedule(terms)
		if slices.ContainsFunc(sched.Installments, func(in Installment) bool { return in.Total > money.MaxAmount }) {
			continue // beyond what ComputeAPR accepts as one payment
		}
		in := APRInput{Advanced: terms.Principal - terms.UpfrontFee, AdvanceDate: terms.DisbursementDate,
			Method: IRRNominal, UnitPeriod: terms.Frequency, Decimals: 4}
		for _, row := range sched.Installments {
			if row.Total > 0 {
				in.Payments = append(in.Payments, CashFlow{Amount: row.Total, Date: row.DueDate})
			}
		}
		// Dated payments alone show the day of the month the series runs
		// on only if one of them falls on it: a single payment on 30 April
		// from 31 January is, to ComputeAPR, a day short of three months.
		anchor := terms.DisbursementDate
		_, _, anchorDay := anchor.YMD()
		maxDay := 0
		for _, p := range in.Payments {
			_, _, d := p.Date.YMD()
			maxDay = max(maxDay, d)
		}
		if terms.Frequency.Unit == Month && maxDay < anchorDay {
			continue
		}
		checked++
		want := ScheduleAPR(terms, sched, 4)
		got, err := ComputeAPR(in)
		if err != nil {
			s.fatalf("ComputeAPR refused a schedule's flows: %v\nterms %s", err, describeTerms(terms))
		}
		in.Method = USActuarial
		us, err := ComputeAPR(in)
		if err != nil || got != want || us != want {
			s.fatalf("ScheduleAPR %s%%, ComputeAPR IRR %s%%, US actuarial %s%% (%v)\nterms %s", want, got, us, err, describeTerms(terms))
		}
	}
}

// FuzzComputeAPR: ComputeAPR never panics; for n equal monthly payments it
// returns the rate that solves the IRR equation to one unit of its last
// decimal, and the APR does not fall when less is advanced.
func FuzzComputeAPR(f *testing.F) {
	f.Add(int64(500000), int64(23000), uint8(24), int32(722095), uint8(1), uint8(2), uint8(31))
	f.Add(int64(1), int64(1_000_000_000_000_000), uint8(1), int32(738900), uint8(1), uint8(8), uint8(0))
	f.Add(int64(100), int64(100), uint8(12), int32(738900), uint8(12), uint8(0), uint8(5))
	f.Fuzz(func(t *testing.T, advanced, amount int64, n uint8, start int32, every, decimals, day uint8) {
		first := Date(start)
		if first.InRange() && day > 0 {
			// Move the series to a day of the month, month ends included.
			y, m, _ := first.YMD()
			first = DateOf(y, m, min(int(day%31)+1, DaysInMonth(y, m)))
		}
		in := APRInput{Advanced: money.Amount(advanced), AdvanceDate: first, Method: IRRNominal,
			UnitPeriod: Frequency{Unit: Month, Every: int(every)}, Decimals: int(decimals)}
		for k := range int(n) {
			in.Payments = append(in.Payments, CashFlow{Amount: money.Amount(amount), Date: first.AddMonths((k + 1) * int(every))})
		}
		got, err := ComputeAPR(in)
		if err != nil {
			return
		}
		if got.Scale != decimals {
			t.Fatalf("scale %d, want %d", got.Scale, decimals)
		}
		// ComputeAPR counts months back on the latest day of the month a
		// payment falls on (Appendix J). Advanced on the 31st and paid on
		// clamped dates only (30 April, 30 June …), the payments are a few
		// days short of whole periods; the equation below assumes whole ones.
		maxDay := 0
		for _, p := range in.Payments {
			_, _, d := p.Date.YMD()
			maxDay = max(maxDay, d)
		}
		if _, _, d := first.YMD(); maxDay < d {
			return
		}
		cf := make([]int64, n)
		for k := range cf {
			cf[k] = amount
		}
		pow := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(decimals)), nil)
		f := in.UnitPeriod
		iA := aprToPeriodic(new(big.Rat).SetFrac(new(big.Int).SetUint64(got.Units), pow), f)
		ulp := aprToPeriodic(new(big.Rat).SetFrac(big.NewInt(1), pow), f)
		lo, hi := new(big.Rat).Sub(iA, ulp), new(big.Rat).Add(iA, ulp)
		if lo.Sign() < 0 {
			lo.SetInt64(0)
		}
		adv := ratInt(advanced)
		if presentValue(cf, lo, false).Cmp(adv) < 0 || presentValue(cf, hi, false).Cmp(adv) > 0 {
			t.Fatalf("APR %s%% does not solve PV = %d for %d payments of %d every %d months", got, advanced, n, amount, every)
		}
		if advanced > 1 {
			in.Advanced--
			less, err := ComputeAPR(in)
			if err != nil && !strings.Contains(err.Error(), "the APR would exceed") {
				t.Fatalf("advancing one minor unit less: %v", err)
			}
			if err == nil && less.Units < got.Units {
				t.Fatalf("advancing one minor unit less lowers the APR: %s%% → %s%%", got, less)
			}
		}
	})
}
