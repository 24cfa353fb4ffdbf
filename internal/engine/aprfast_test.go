package engine

import (
	"fmt"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/loancore/loancore/internal/money"
)

// aprCase is one set of flows for comparing the APR's two solvers.
type aprCase struct {
	advanced money.Amount
	flows    []timedFlow
	method   APRMethod
	unit     Frequency
	decimals int
	guess    rate
	describe func() string
}

// aprComparison counts what the fast path did over a run.
type aprComparison struct {
	cases, proved, exact int
}

// check compares the fast path with solveAPRExact on one case: where the
// fast path answers it must give the exact solver's units, and its
// certificate must refuse the units either side (it cannot prove a wrong
// answer).
func (c *aprComparison) check(s *seeded, ac aprCase) {
	s.t.Helper()
	c.cases++
	want, wantOK := solveAPRExact(ac.advanced, ac.flows, ac.method, ac.unit, ac.decimals)
	got, ok := fastSolveAPR(ac.advanced, ac.flows, ac.method, ac.unit, ac.decimals, ac.guess)
	if !ok {
		return
	}
	c.proved++
	if !wantOK || got != want.Units {
		s.fatalf("fast path %d units, exact solver %s%% (ok %v), %s, %d decimals\n%s",
			got, want, wantOK, ac.method, ac.decimals, ac.describe())
	}
	p, _ := newFastAPR(ac.advanced, ac.flows, ac.method, ac.unit, ac.decimals)
	if p.certify(got+1) || got > 0 && p.certify(got-1) {
		s.fatalf("the certificate also proves a neighbour of %d units\n%s", got, ac.describe())
	}
	// The integer comparison, where it applies, puts the root between
	// the same boundaries.
	side := p.exactSide(2*got + 1)
	if side != sideUnknown {
		c.exact++
	}
	if side != sideUnknown && side != sideBelow {
		s.fatalf("exactSide puts the root of %d units at or above %d.5\n%s", got, got, ac.describe())
	}
	if side := p.exactSide(2*got - 1); got > 0 && side != sideUnknown && side != sideAtOrAbove {
		s.fatalf("exactSide puts the root of %d units below %d.5\n%s", got, got-1, ac.describe())
	}
}

// aprComparisons is the number of cases each comparison runs: the exact
// solver takes milliseconds a case.
func aprComparisons() int {
	if testing.Short() {
		return 150
	}
	return 600
}

// report logs the share the fast path proved and fails when it is too
// small to be the path the benchmarks measure.
func (c *aprComparison) report(t *testing.T, least int) {
	t.Helper()
	t.Logf("the fast path proved %d of %d APRs (the exact solver answered the rest); exactSide checked against the bounds on %d", c.proved, c.cases, c.exact)
	if c.proved*100 < least*c.cases {
		t.Errorf("the fast path proved only %d of %d APRs, want at least %d%%", c.proved, c.cases, least)
	}
}

// TestFastAPRMatchesExactOnSchedules: over random schedules — every
// method, monthly, weekly and daily frequencies, odd first periods,
// service fees, upfront fees, interest-free and grace periods — the fast
// path's APR at 0 to 8 decimals, with and without the contract rate as
// its guess, is solveAPRExact's wherever the fast path proves one, and it
// proves most.
func TestFastAPRMatchesExactOnSchedules(t *testing.T) {
	s := newSeeded(t, 0xfa57)
	var c aprComparison
	for c.cases < aprComparisons() {
		terms := randomTerms(s.rng)
		terms.InstallmentCount = min(terms.InstallmentCount, 1+s.rng.IntN(480))
		terms.PrincipalGracePeriods = min(terms.PrincipalGracePeriods, terms.InstallmentCount-1)
		terms.InterestFreePeriods = min(terms.InterestFreePeriods, terms.InstallmentCount)
		if s.rng.IntN(3) == 0 {
			terms.Charges = randomServiceFees(s.rng, terms)
		}
		if terms.Validate() != nil {
			continue
		}
		sched, err := BuildSchedule(terms)
		if err != nil {
			continue
		}
		advanced, flows := scheduleFlows(terms, sched)
		if len(flows) == 0 {
			continue
		}
		ac := aprCase{advanced: advanced, flows: flows, method: IRRNominal, unit: terms.Frequency,
			decimals: s.rng.IntN(MaxAPRDecimals + 1), describe: func() string { return describeTerms(terms) }}
		if s.rng.IntN(2) == 0 {
			ac.guess = terms.periodicRate()
		}
		c.check(s, ac)
	}
	c.report(t, 90)
}

// TestFastAPRMatchesExactOnDatedPayments: the same over ComputeAPR's
// dated payments — both methods, every unit period, regular series with
// and without an odd first period, and payments on random days (a
// different fraction of a unit period for each).
func TestFastAPRMatchesExactOnDatedPayments(t *testing.T) {
	s := newSeeded(t, 0xda7e)
	var c aprComparison
	for c.cases < aprComparisons() {
		in := randomAPRInput(s.rng)
		var sum money.Amount
		for _, p := range in.Payments {
			sum += p.Amount
		}
		in.Advanced = max(1, sum-money.Amount(s.rng.Int64N(int64(sum)/2+1)))
		if s.rng.IntN(20) == 0 {
			in.Advanced = sum // an APR of exactly 0
		}
		ac := aprCase{advanced: in.Advanced, flows: datedFlows(in), method: in.Method, unit: in.UnitPeriod,
			decimals: in.Decimals, describe: func() string { return describeAPRInput(in) }}
		c.check(s, ac)
	}
	c.report(t, 90)
}

// randomAPRInput draws dated payments: a regular series from an odd or
// whole first period, or payments on random days, with amounts level or
// random, for a random unit period and method.
func randomAPRInput(rng *rand.Rand) APRInput {
	units := []Frequency{{Unit: Month, Every: 1}, {Unit: Month, Every: 1 + rng.IntN(12)}, {Unit: Week, Every: 1 + rng.IntN(4)},
		{Unit: Day, Every: 1}, {Unit: Day, Every: 1 + rng.IntN(366)}, {Unit: SemiMonth, Every: 1}}
	in := APRInput{
		AdvanceDate: DateOf(1990+rng.IntN(60), 1+rng.IntN(12), 1+rng.IntN(28)),
		Method:      []APRMethod{USActuarial, IRRNominal}[rng.IntN(2)],
		UnitPeriod:  units[rng.IntN(len(units))],
		Decimals:    rng.IntN(MaxAPRDecimals + 1),
	}
	n := 1 + rng.IntN([]int{12, 60, 400}[rng.IntN(3)])
	level := money.Amount(1 + rng.Int64N([]int64{100, 100_000, 1_000_000_000}[rng.IntN(3)]))
	first := in.AdvanceDate.AddDays(1 + rng.IntN(60))
	scattered := rng.IntN(4) == 0
	date := first
	for k := range n {
		amount := level
		if rng.IntN(4) == 0 {
			amount = 1 + money.Amount(rng.Int64N(int64(level)*2))
		}
		switch {
		case scattered:
			date = date.AddDays(1 + rng.IntN(40))
		case in.UnitPeriod.Unit == Month:
			date = first.AddMonths(k * in.UnitPeriod.Every)
		default:
			date = first.AddDays(k * 7)
		}
		in.Payments = append(in.Payments, CashFlow{Amount: amount, Date: date})
	}
	return in
}

// describeAPRInput prints dated payments for a failure message.
func describeAPRInput(in APRInput) string {
	out := fmt.Sprintf("advanced %d on %s, %s, unit %+v:", in.Advanced, in.AdvanceDate, in.Method, in.UnitPeriod)
	for _, p := range in.Payments {
		out += fmt.Sprintf(" %d@%s", p.Amount, p.Date)
	}
	return out
}

// TestQ63BoundsAreBounds checks the fast path's fixed-point primitives
// against math/big: a power and a b-th root rounded down are at most the
// exact value, rounded up at least it, and close to it, for random
// operands.
func TestQ63BoundsAreBounds(t *testing.T) {
	s := newSeeded(t, 0x963)
	one := new(big.Int).Lsh(big.NewInt(1), 63)
	for range 2000 {
		x := 1<<23 + s.rng.Uint64N(q63One-1<<23+1)
		n := 1 + s.rng.IntN(400)
		// x^n × 2^(63(1−n)) exactly, against the bounds × 2^(63(n−1)).
		exact := new(big.Int).Exp(new(big.Int).SetUint64(x), big.NewInt(int64(n)), nil)
		scale := new(big.Int).Exp(one, big.NewInt(int64(n-1)), nil)
		lo := new(big.Int).Mul(new(big.Int).SetUint64(q63Pow(x, n, roundDown)), scale)
		hi := new(big.Int).Mul(new(big.Int).SetUint64(q63Pow(x, n, roundUp)), scale)
		if lo.Cmp(exact) > 0 || hi.Cmp(exact) < 0 {
			s.fatalf("q63Pow(%d, %d): bounds %d … %d do not hold the exact power", x, n, q63Pow(x, n, roundDown), q63Pow(x, n, roundUp))
		}
		if d := q63Pow(x, n, roundUp) - q63Pow(x, n, roundDown); d > 2*uint64(n) {
			s.fatalf("q63Pow(%d, %d): bounds %d apart, more than two units per product", x, n, d)
		}
		b := 1 + s.rng.IntN(366)
		rl, ok1 := q63RootBound(x, b, roundDown)
		ru, ok2 := q63RootBound(x, b, roundUp)
		// The bounds' gap: a few units, more where x is small and a unit
		// of 2^-63 is a larger part of it (about 4·2^63/x).
		if !ok1 || !ok2 || rl > ru || ru-rl > 64+8*(q63One/x) {
			s.fatalf("q63RootBound(%d, %d): %d (%v) … %d (%v)", x, b, rl, ok1, ru, ok2)
		}
		// rl^b ≤ x·2^(63(b−1)) ≤ ru^b, exactly.
		xs := new(big.Int).Mul(new(big.Int).SetUint64(x), new(big.Int).Exp(one, big.NewInt(int64(b-1)), nil))
		if new(big.Int).Exp(new(big.Int).SetUint64(rl), big.NewInt(int64(b)), nil).Cmp(xs) > 0 ||
			new(big.Int).Exp(new(big.Int).SetUint64(ru), big.NewInt(int64(b)), nil).Cmp(xs) < 0 {
			s.fatalf("q63RootBound(%d, %d): %d … %d do not hold the root", x, b, rl, ru)
		}
	}
}

// TestAPRAtAnExactTie: an APR exactly halfway between two values of its
// last decimal rounds up (HALF_UP), which solveAPRExact, rising to the
// root from below, did not. Where the boundary's discount factor is exact
// in binary — 2,000 paid 32 weeks after 1,000 is advanced is i = 1 per
// unit period, v = ½, and 100% × 52/32 = 162.5% — the certificate's bounds
// are exact and prove 163. Elsewhere exactSide decides in integers:
// 1,105 a year after 1,000 is 10.5%; 1,505,000 and 2,265,025 = 1.505² ×
// 1,000,000 one and two years after 2,000,000 is 50.5%; 9,650 half a month
// (15 days of 30) after 9,600 at simple interest is 12 × 50/4,800 = 12.5%
// (compounded over the half month it is no tie: (9,650/9,600)² − 1 a
// month, 12.5325…%). An interest-only loan of 384 paying 25 a month for
// 48 months and 409 in the 49th earns 25/384 a month exactly, 78.125% a
// year; CI's random schedules found the exact solver rounding it to
// 78.12. (Figures by Python decimal and fractions.) Both solvers round
// every tie up.
func TestAPRAtAnExactTie(t *testing.T) {
	yearly, monthly := Frequency{Unit: Month, Every: 12}, Frequency{Unit: Month, Every: 1}
	tests := []struct {
		name     string
		advanced money.Amount
		flows    []timedFlow
		method   APRMethod
		unit     Frequency
		decimals int
		want     uint64
		proved   bool
	}{
		{"162.5%, v = ½", 1000, []timedFlow{{2000, span{1, 0, 224}}}, IRRNominal, Frequency{Unit: Week, Every: 32}, 0, 163, true},
		{"162.5% at 1 decimal", 1000, []timedFlow{{2000, span{1, 0, 224}}}, IRRNominal, Frequency{Unit: Week, Every: 32}, 1, 1625, true},
		{"10.5%", 1000, []timedFlow{{1105, span{1, 0, 12}}}, IRRNominal, yearly, 0, 11, true},
		{"10.5% US actuarial", 1000, []timedFlow{{1105, span{1, 0, 12}}}, USActuarial, yearly, 0, 11, true},
		{"50.5%, two payments", 2_000_000, []timedFlow{{1_505_000, span{1, 0, 12}}, {2_265_025, span{2, 0, 12}}}, IRRNominal, yearly, 0, 51, true},
		{"12.5%, half a month at simple interest", 9600, []timedFlow{{9650, span{0, 15, 30}}}, USActuarial, monthly, 0, 13, true},
		{"no tie compounded", 9600, []timedFlow{{9650, span{0, 15, 30}}}, IRRNominal, monthly, 0, 13, true},
		{"78.125%, interest only", 384, interestOnly(25, 409, 49), IRRNominal, monthly, 2, 7813, true},
	}
	for _, tt := range tests {
		got, ok := fastSolveAPR(tt.advanced, tt.flows, tt.method, tt.unit, tt.decimals, rate{})
		if ok != tt.proved || ok && got != tt.want {
			t.Errorf("%s: fast path %d (proved %v), want %d (proved %v)", tt.name, got, ok, tt.want, tt.proved)
		}
		if exact, ok := solveAPRExact(tt.advanced, tt.flows, tt.method, tt.unit, tt.decimals); !ok || exact.Units != tt.want {
			t.Errorf("%s: exact solver %d units (ok %v), want %d", tt.name, exact.Units, ok, tt.want)
		}
	}
	// Through the API: 10.5% at 0 decimals is 11%, not the 10% before.
	apr, err := ComputeAPR(APRInput{Advanced: 1000, AdvanceDate: DateOf(2024, 3, 1), Method: IRRNominal, UnitPeriod: yearly,
		Payments: []CashFlow{{1105, DateOf(2025, 3, 1)}}})
	if err != nil || apr.Units != 11 {
		t.Errorf("ComputeAPR of 10.5%% at 0 decimals: %s (%v), want 11", apr, err)
	}
}

// interestOnly is n monthly flows of interest, the last one last.
func interestOnly(interest, last money.Amount, n int) []timedFlow {
	flows := make([]timedFlow, n)
	for k := range flows {
		flows[k] = timedFlow{amount: interest, span: span{k + 1, 0, 30}}
	}
	flows[n-1].amount = last
	return flows
}

// FuzzFastAPR: the fast path never panics on flows in any span, and where
// it proves an APR it is solveAPRExact's, ties included.
func FuzzFastAPR(f *testing.F) {
	f.Add(int64(100_000), int64(9_000), uint16(12), uint16(1), int16(0), uint16(30), uint8(1), uint8(2), uint8(1))
	f.Add(int64(9_600), int64(9_650), uint16(1), uint16(0), int16(15), uint16(30), uint8(1), uint8(0), uint8(2))
	f.Add(int64(1), int64(1_000_000_000_000), uint16(3), uint16(7), int16(364), uint16(365), uint8(12), uint8(8), uint8(1))
	f.Fuzz(func(t *testing.T, advanced, amount int64, n, gap uint16, fracDays int16, fracBase uint16, every, decimals, method uint8) {
		if advanced <= 0 || amount <= 0 || n == 0 || n > 600 || decimals > MaxAPRDecimals {
			return
		}
		flows := make([]timedFlow, n)
		for k := range flows {
			flows[k] = timedFlow{amount: money.Amount(amount), span: span{1 + k*int(gap), int(fracDays), int(fracBase)}}
		}
		unit := Frequency{Unit: Month, Every: 1 + int(every)%12}
		m := []APRMethod{USActuarial, IRRNominal}[method%2]
		got, ok := fastSolveAPR(money.Amount(advanced), flows, m, unit, int(decimals), rate{})
		if !ok || fracDays < 0 || fracDays > 0 && int(fracDays) >= int(fracBase) {
			return
		}
		want, wantOK := solveAPRExact(money.Amount(advanced), flows, m, unit, int(decimals))
		if !wantOK || got != want.Units {
			t.Fatalf("fast %d, exact %s (%v)", got, want, wantOK)
		}
	})
}
