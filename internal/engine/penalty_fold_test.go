package engine

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/loancore/loancore/internal/money"
)

// bullet10k is 10,000.00 CNY lent on 2024-01-15 at rate% for months
// months, repaid in one installment at maturity, with the default penalty
// policy (contract rate + 50%, ACT/360, no grace) and mods applied to it.
func bullet10k(rate string, months int, mods ...func(*PenaltyPolicy)) Terms {
	t := loan12k()
	t.Principal = 1_000_000
	t.AnnualRate = fixtureRate(rate)
	t.Method = Bullet
	t.InstallmentCount = months
	t.HasPenalty = true
	for _, m := range mods {
		m(&t.Penalty)
	}
	return t
}

func penaltyOf(st LoanState) (pen, comp money.Amount) {
	for _, in := range st.Installments {
		pen += in.PenaltyAccrued
		comp += in.CompoundAccrued
	}
	return pen, comp
}

// TestPenaltyAccruesDaily: 10,000.00 overdue principal at 4.9% + 50%,
// ACT/360: 10000 × 0.049 × 1.5 / 360 = 2.0416… → 2.04 a day, N days
// N × 2.04. On principal and interest (10,000 + the month's interest
// 40.83 = 10,040.83): 10040.83 × 0.0735 / 360 = 2.0500 → 2.05 a day.
func TestPenaltyAccruesDaily(t *testing.T) {
	due := DateOf(2024, 2, 15)
	for _, tc := range []struct {
		name  string
		basis PenaltyBasis
		days  int
		daily money.Amount
	}{
		{"principal 1 day", OverduePrincipal, 1, 204},
		{"principal 10 days", OverduePrincipal, 10, 204},
		{"principal 45 days", OverduePrincipal, 45, 204},
		{"principal and interest 30 days", OverduePrincipalAndInterest, 30, 205},
	} {
		t.Run(tc.name, func(t *testing.T) {
			terms := bullet10k("4.9", 1, func(p *PenaltyPolicy) { p.Basis = tc.basis })
			if err := terms.Validate(); err != nil {
				t.Fatal(err)
			}
			st := Fold(terms, nil, due.AddDays(tc.days))
			if in := st.Installments[0]; in.DueDate != due || in.InterestDue != 4083 {
				t.Fatalf("installment %+v, want 40.83 interest due %s", in, due)
			}
			want := money.Amount(tc.days) * tc.daily
			if pen, comp := penaltyOf(st); pen != want || comp != 0 {
				t.Fatalf("penalty %d compound %d, want %d and 0", pen, comp, want)
			}
			if o := st.Outstanding(); o.Penalty != want || o.Total() != 1_000_000+4083+want {
				t.Fatalf("outstanding %+v", o)
			}
			// Nothing accrues on the due date itself.
			if pen, _ := penaltyOf(Fold(terms, nil, due)); pen != 0 {
				t.Fatalf("penalty on the due date: %d", pen)
			}
		})
	}
	// Without a policy, the same loan accrues nothing.
	terms := bullet10k("4.9", 1)
	terms.HasPenalty = false
	if pen, comp := penaltyOf(Fold(terms, nil, due.AddDays(45))); pen != 0 || comp != 0 {
		t.Fatalf("penalty without a policy: %d %d", pen, comp)
	}
}

// TestPenaltyGrace: 3 grace days on the 2.04-a-day loan (due 2024-02-15,
// 10,040.83 due in all).
func TestPenaltyGrace(t *testing.T) {
	due := DateOf(2024, 2, 15)
	full := pay(3, due.AddDays(3), 1_004_083)
	for _, tc := range []struct {
		name   string
		mode   GraceMode
		events []Event
		asOf   int
		want   money.Amount
	}{
		// Paid in full on D+3, the last grace day: no penalty at all.
		{"paid on last grace day", FromDueDate, []Event{full}, 10, 0},
		{"paid on last grace day, from grace end", FromGraceEnd, []Event{full}, 10, 0},
		// Unpaid inside grace: nothing charged yet.
		{"unpaid at D+2", FromDueDate, nil, 2, 0},
		// Grace ends unpaid at the end of D+3: D+1 … D+3 are charged then.
		{"unpaid at end of D+3", FromDueDate, nil, 3, 3 * 204},
		{"unpaid at end of D+3 from grace end", FromGraceEnd, nil, 3, 0},
		// Unpaid at D+4, from the due date: days D+1 … D+4, 4 × 2.04.
		{"unpaid at D+4 from due date", FromDueDate, nil, 4, 4 * 204},
		// From the grace end: day D+4 only, 1 × 2.04.
		{"unpaid at D+4 from grace end", FromGraceEnd, nil, 4, 204},
		// 5,040.83 on D+2 pays the interest 40.83 and 5,000.00 principal:
		// D+1 on 10,000 (2.04), D+2 … D+4 on 5,000 (5000 × 0.0735 / 360 =
		// 1.0208 → 1.02): 2.04 + 3 × 1.02 = 5.10 once grace is missed.
		{"partial in grace from due date", FromDueDate, []Event{pay(3, due.AddDays(2), 504083)}, 4, 204 + 3*102},
		{"partial in grace from grace end", FromGraceEnd, []Event{pay(3, due.AddDays(2), 504083)}, 4, 102},
	} {
		t.Run(tc.name, func(t *testing.T) {
			terms := bullet10k("4.9", 1, func(p *PenaltyPolicy) { p.GraceDays, p.GraceMode = 3, tc.mode })
			st := Fold(terms, tc.events, due.AddDays(tc.asOf))
			if pen, _ := penaltyOf(st); pen != tc.want {
				t.Fatalf("penalty %d, want %d", pen, tc.want)
			}
			for _, r := range st.Payments {
				for _, p := range r.Parts {
					if p.Component == ComponentPenalty || p.Component == ComponentCompound {
						t.Fatalf("a payment inside grace paid %+v", p)
					}
				}
			}
		})
	}
	// A full payment in grace settles the loan that day.
	terms := bullet10k("4.9", 1, func(p *PenaltyPolicy) { p.GraceDays = 3 })
	if st := Fold(terms, []Event{full}, due.AddDays(30)); st.PaidOffDate != full.ValueDate || st.Outstanding().Total() != 0 {
		t.Fatalf("paid off %s, outstanding %+v", st.PaidOffDate, st.Outstanding())
	}
}

// TestCompoundInterest: 10,000.00 at 12% for 12 months in one bullet:
// 1,200.00 interest due 2025-01-15. Penalty rate 18% / 360 = 0.05% a day:
// 5.00 a day on the principal, 0.60 compound on the overdue interest. On
// principal and interest the penalty is 11,200 × 0.0005 = 5.60 and no
// compound (the interest is already in the penalty's base).
func TestCompoundInterest(t *testing.T) {
	due := DateOf(2025, 1, 15)
	for _, tc := range []struct {
		name      string
		basis     PenaltyBasis
		events    []Event
		days      int
		pen, comp money.Amount
	}{
		{"30 days", OverduePrincipal, nil, 30, 30 * 500, 30 * 60},
		{"P+I basis", OverduePrincipalAndInterest, nil, 30, 30 * 560, 0},
		// 1,200.00 on D+10 pays the interest (interest first): the penalty
		// of D+1 … D+9 (45.00) and compound (5.40) stay owed; from D+10 on
		// only principal is overdue: 30 × 5.00 penalty, 9 × 0.60 compound.
		{"interest paid on D+10", OverduePrincipal, []Event{pay(3, due.AddDays(10), 120000)}, 30, 30 * 500, 9 * 60},
	} {
		t.Run(tc.name, func(t *testing.T) {
			terms := bullet10k("12", 12, func(p *PenaltyPolicy) { p.Basis, p.CompoundOverdueInterest = tc.basis, true })
			st := Fold(terms, tc.events, due.AddDays(tc.days))
			if in := st.Installments[0]; in.DueDate != due || in.InterestDue != 120000 {
				t.Fatalf("installment %+v", in)
			}
			if pen, comp := penaltyOf(st); pen != tc.pen || comp != tc.comp {
				t.Fatalf("penalty %d compound %d, want %d %d", pen, comp, tc.pen, tc.comp)
			}
			if o := st.Outstanding(); o.Compound != tc.comp {
				t.Fatalf("outstanding %+v", o)
			}
		})
	}
}

// TestPenaltyCap: the 12% loan above with compound, capped at 13% a year.
// Disbursed 2024-01-15, due 2025-01-15 = day 366. ceiling(d) =
// floor(1,000,000 × 0.13 × e / 365) minor units, e days since disbursement;
// C(D+j) = 120,000 interest + 560 j. At j = 50 (e = 416): ceiling =
// floor(148,164.38) = 148,164 ≥ 148,000. At j = 51 (e = 417): ceiling =
// floor(148,520.55) = 148,520 < 148,560, so the cap bites on D+51 =
// 2025-03-07: room 520 = the 500 penalty and 20 of the 60 compound. On
// D+52 (e = 418): ceiling floor(148,876.71) = 148,876, room 356, all
// penalty.
func TestPenaltyCap(t *testing.T) {
	due := DateOf(2025, 1, 15)
	terms := bullet10k("12", 12, func(p *PenaltyPolicy) {
		p.CompoundOverdueInterest = true
		p.HasCap, p.CapAnnualPercent = true, fixtureRate("13")
	})
	for _, tc := range []struct {
		days      int
		pen, comp money.Amount
		capped    Date
	}{
		{50, 50 * 500, 50 * 60, NoDate},
		{51, 51 * 500, 50*60 + 20, DateOf(2025, 3, 7)},
		{52, 51*500 + 356, 50*60 + 20, DateOf(2025, 3, 7)},
	} {
		st := Fold(terms, nil, due.AddDays(tc.days))
		if pen, comp := penaltyOf(st); pen != tc.pen || comp != tc.comp || st.CappedOn != tc.capped {
			t.Fatalf("D+%d: penalty %d compound %d capped %s, want %d %d %s", tc.days, pen, comp, st.CappedOn, tc.pen, tc.comp, tc.capped)
		}
	}
	// Capped, charges follow the ceiling: on D+100 (e = 466), floor(130000
	// × 466 / 365) = 165,972 − 120,000 interest = 45,972 of charges.
	st := Fold(terms, nil, due.AddDays(100))
	if pen, comp := penaltyOf(st); pen+comp != 45972 {
		t.Fatalf("charges at D+100: %d + %d, want 45972", pen, comp)
	}
}

// TestPenaltyAllocation: the 12% loan 10 days overdue with compound: on
// D+10 the penalty of D+1 … D+9 is 45.00 and the compound 5.40 (a payment
// on D+10 comes before that day's accrual).
func TestPenaltyAllocation(t *testing.T) {
	due := DateOf(2025, 1, 15)
	type part struct {
		c Component
		a money.Amount
	}
	for _, tc := range []struct {
		order  AllocationOrder
		amount money.Amount
		want   []part
	}{
		{PenaltyFirst, 10000, []part{{ComponentPenalty, 4500}, {ComponentCompound, 540}, {ComponentInterest, 4960}}},
		{InterestFirst, 10000, []part{{ComponentInterest, 10000}}},
		{InterestFirst, 1_200_000, []part{{ComponentInterest, 120000}, {ComponentPrincipal, 1_000_000}, {ComponentPenalty, 4500}, {ComponentCompound, 540}}},
		{PrincipalFirst, 1_010_000, []part{{ComponentPrincipal, 1_000_000}, {ComponentInterest, 10000}}},
		// Civil Code art. 561: interest, then penalty and compound, then
		// principal: 1,260.00 = 1,200 + 45 + 5.40 + 9.60 principal.
		{CivilCode, 126000, []part{{ComponentInterest, 120000}, {ComponentPenalty, 4500}, {ComponentCompound, 540}, {ComponentPrincipal, 960}}},
	} {
		terms := bullet10k("12", 12, func(p *PenaltyPolicy) { p.CompoundOverdueInterest = true })
		terms.Allocation = tc.order
		if err := terms.Validate(); err != nil {
			t.Fatal(err)
		}
		st := Fold(terms, []Event{pay(3, due.AddDays(10), tc.amount)}, due.AddDays(10))
		var got []part
		for _, p := range st.Payments[0].Parts {
			got = append(got, part{p.Component, p.Amount})
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Fatalf("order %d: parts %v, want %v", tc.order, got, tc.want)
		}
	}
}

// TestPenaltyPayoff: on D+10 the payoff is 10,000 + 1,200 + 45.00 penalty
// + 5.40 compound (through D+9); paying it on D+10 settles the loan with no
// credit and no penalty for D+10.
func TestPenaltyPayoff(t *testing.T) {
	due := DateOf(2025, 1, 15)
	terms := bullet10k("12", 12, func(p *PenaltyPolicy) { p.CompoundOverdueInterest = true })
	st := Fold(terms, nil, due.AddDays(10))
	p := st.PayoffAt(terms)
	if p.Penalty != 4500 || p.Compound != 540 || p.Total() != 1_000_000+120000+4500+540 {
		t.Fatalf("payoff %+v", p)
	}
	if o := st.Outstanding(); o.Penalty != 5000 || o.Compound != 600 {
		t.Fatalf("outstanding %+v", o)
	}
	st = Fold(terms, []Event{pay(3, due.AddDays(10), p.Total())}, due.AddDays(40))
	if st.PaidOffDate != due.AddDays(10) || st.Credit != 0 || st.Outstanding().Total() != 0 || st.DaysPastDue() != 0 {
		t.Fatalf("after payoff: paid off %s credit %d outstanding %+v", st.PaidOffDate, st.Credit, st.Outstanding())
	}
	// DPD counts while only penalty is owed.
	st = Fold(terms, []Event{pay(3, due.AddDays(10), 1_120_000)}, due.AddDays(40))
	if st.DaysPastDue() != 40 || st.PaidOffDate != NoDate {
		t.Fatalf("penalty unpaid: dpd %d paid off %s", st.DaysPastDue(), st.PaidOffDate)
	}
	if b, c := st.DelinquencyBucket(DefaultDelinquencyPolicy), st.RiskClass(DefaultDelinquencyPolicy); b != M2 || c != RiskSpecialMention {
		t.Fatalf("penalty unpaid at 40 DPD: %s %s, want M2 SPECIAL_MENTION", b, c)
	}
}

func TestTermsValidatePenalty(t *testing.T) {
	terms := bullet10k("12", 12, func(p *PenaltyPolicy) { p.GraceDays = -1 })
	var inv *InvalidError
	if err := terms.Validate(); !errors.As(err, &inv) || len(inv.Violations) != 1 || inv.Violations[0].Field != "penalty.grace_days" {
		t.Fatalf("Validate = %v", err)
	}
	terms.HasPenalty = false
	if err := terms.Validate(); err != nil {
		t.Fatalf("policy checked without HasPenalty: %v", err)
	}
	terms.Allocation = AllInterestFirst + 1
	if terms.Validate() == nil {
		t.Fatal("unknown allocation order accepted")
	}
}

func randomPenalty(rng *rand.Rand) PenaltyPolicy {
	p := PenaltyPolicy{
		Basis:                   PenaltyBasis(rng.IntN(3)),
		CompoundOverdueInterest: rng.IntN(2) == 0,
		DayCount:                DayCount(rng.IntN(6)),
		GraceMode:               GraceMode(rng.IntN(3)),
	}
	if rng.IntN(2) == 0 {
		p.GraceDays = rng.IntN(15)
	}
	switch rng.IntN(3) {
	case 0:
		p.AnnualRate, p.HasAnnualRate = money.Rate{Units: uint64(rng.IntN(4000)), Scale: 2}, true
	case 1:
		p.MarkupPercent, p.HasMarkupPercent = money.Rate{Units: uint64(rng.IntN(100))}, true
	}
	if rng.IntN(2) == 0 {
		p.CapAnnualPercent, p.HasCap = money.Rate{Units: uint64(1 + rng.IntN(4000)), Scale: 2}, true
	}
	return p
}

// randomPenaltyLoan returns valid random terms with a penalty policy and a
// random log of repayments (and some reversals) over the loan's life.
func randomPenaltyLoan(rng *rand.Rand) (Terms, Schedule, []Event) {
	for {
		terms := randomTerms(rng)
		terms.Prepayment = PrepaymentPolicy(1 + rng.IntN(3))
		terms.Allocation = AllocationOrder(1 + rng.IntN(4))
		terms.Penalty, terms.HasPenalty = randomPenalty(rng), true
		if terms.Validate() != nil || terms.InstallmentCount > 60 || terms.Principal > 1_000_000_000 {
			continue
		}
		s, _ := BuildSchedule(terms)
		var events []Event
		for seq := int64(3); seq < int64(3+rng.IntN(10)); seq++ {
			d := terms.DisbursementDate.AddDays(rng.IntN(int(s.MaturityDate-terms.DisbursementDate) + 60))
			amt := money.Amount(rng.Int64N(int64(s.InstallmentAmount)*3 + 2))
			events = append(events, pay(seq, d, max(amt, 1)))
			if rng.IntN(6) == 0 {
				events = append(events, Event{Seq: seq + 100, Kind: EventReversal, ValueDate: d, Target: seq})
			}
		}
		return terms, s, events
	}
}

// TestPenaltyAccrualProperties: for random loans with a penalty policy and
// random payments, (1) the fold that accrues whole runs equals one that
// accrues one day per call, field by field; (2) between d1 ≤ d2 with no
// payment dated in (d1, d2], no installment's penalty or compound falls,
// and folding as of every day from d1 to d2 agrees with the fold as of d2
// on what was charged through each earlier day (the last day's charge is
// what the day before lacked); (3) money is conserved: received =
// allocated + credit, no component is overpaid; (4) without the cap
// biting, the capped fold equals the uncapped one; (5) Append of a
// payment on the fold's date equals the replay.
func TestPenaltyAccrualProperties(t *testing.T) {
	seed := testSeed(t)
	rng := rand.New(rand.NewPCG(seed, 0x9e4a))
	for n := 0; n < 250; n++ {
		terms, s, events := randomPenaltyLoan(rng)
		fail := func(format string, args ...any) {
			t.Helper()
			t.Fatalf("seed %d: %s\nterms %s penalty %+v\nevents %+v", seed, fmt.Sprintf(format, args...), describeTerms(terms), terms.Penalty, events)
		}
		d2 := s.MaturityDate.AddDays(rng.IntN(90))
		st := FoldSchedule(terms, s, events, d2)
		// One day per call costs days × installments; long loans are left
		// to the run-by-run check (2) below.
		if d2-terms.DisbursementDate <= 3000 {
			if got, want := fmt.Sprintf("%+v", foldSchedule(terms, s, events, d2, true)), fmt.Sprintf("%+v", st); got != want {
				fail("one day at a time\n got %s\nwant %s", got, want)
			}
		}

		// (2) The days after the last payment (or disbursement) up to d2.
		last := terms.DisbursementDate
		for _, p := range st.Payments {
			last = max(last, p.ValueDate)
		}
		d1 := last + Date(rng.IntN(int(d2-last)+1))
		prev := FoldSchedule(terms, s, events, d1)
		for d := d1 + 1; d <= d2 && d <= d1+20; d++ {
			cur := FoldSchedule(terms, s, events, d)
			if len(cur.Installments) != len(prev.Installments) {
				fail("installments changed without a payment")
			}
			for i := range cur.Installments {
				a, b := prev.Installments[i], cur.Installments[i]
				if b.PenaltyAccrued < a.PenaltyAccrued || b.CompoundAccrued < a.CompoundAccrued {
					fail("charges fell from %s to %s: %+v → %+v", d-1, d, a, b)
				}
				if b.PenaltyAccrued-b.lastPenalty != a.PenaltyAccrued || b.CompoundAccrued-b.lastCompound != a.CompoundAccrued {
					fail("as of %s the charges through %s differ: %+v vs %+v", d, d-1, a, b)
				}
			}
			prev = cur
		}

		// (3) Conservation.
		var received, allocated, credit money.Amount
		for _, r := range st.Payments {
			received += r.Amount
			credit += r.Credit
			for _, p := range r.Parts {
				if p.Amount <= 0 {
					fail("non-positive part %+v", p)
				}
				allocated += p.Amount
			}
		}
		if received != allocated+credit || credit != st.Credit {
			fail("received %d, allocated %d + credit %d", received, allocated, credit)
		}
		for _, in := range st.Installments {
			if in.PenaltyPaid > in.PenaltyAccrued || in.CompoundPaid > in.CompoundAccrued || in.PrincipalPaid > in.PrincipalDue || in.InterestPaid > in.InterestDue {
				fail("overpaid component %+v", in)
			}
			if terms.Penalty.Basis == OverduePrincipalAndInterest && in.CompoundAccrued != 0 {
				fail("compound on a P+I basis %+v", in)
			}
		}

		// (4) The cap only ever takes away, and only when it bites.
		if terms.Penalty.HasCap {
			free := terms
			free.Penalty.HasCap = false
			un := FoldSchedule(free, s, events, d2)
			capped, uncapped := st.Outstanding(), un.Outstanding()
			if st.CappedOn == NoDate {
				capped.Penalty, capped.Compound = penaltyOf(st)
				uncapped.Penalty, uncapped.Compound = penaltyOf(un)
				if capped != uncapped {
					fail("cap never bit but changed the figures: %+v vs %+v", capped, uncapped)
				}
			}
		}

		// (5) Append of a payment on d2 equals the replay.
		e := pay(1000, d2, 100)
		if next, ok := st.Append(terms, e); ok {
			if got, want := fmt.Sprintf("%+v", next), fmt.Sprintf("%+v", FoldSchedule(terms, s, append(events[:len(events):len(events)], e), d2)); got != want {
				fail("Append(%+v)\n got %s\nwant %s", e, got, want)
			}
		} else if !st.open.valid {
			fail("a penalty fold kept no open state")
		}
	}
}

// TestPenaltyPayoffSettles: for random penalty loans, paying PayoffAt on
// its date leaves nothing owed — no installment due by then unpaid, no
// outstanding — and no credit. (PaidOffDate is not checked: a FLAT loan
// keeps interest on its later installments, with or without a penalty.)
func TestPenaltyPayoffSettles(t *testing.T) {
	seed := testSeed(t)
	rng := rand.New(rand.NewPCG(seed, 0x9a0f))
	for n := 0; n < 400; n++ {
		terms, s, events := randomPenaltyLoan(rng)
		asOf := terms.DisbursementDate.AddDays(1 + rng.IntN(int(s.MaturityDate-terms.DisbursementDate)+90))
		st := FoldSchedule(terms, s, events, asOf)
		p := st.PayoffAt(terms)
		if st.Credit != 0 || p.Total() == 0 {
			continue
		}
		after := FoldSchedule(terms, s, append(events, pay(999, asOf, p.Total())), asOf)
		unpaidDue := false
		for _, in := range after.Installments {
			unpaidDue = unpaidDue || (in.DueDate <= asOf && in.Unpaid() != 0)
		}
		if unpaidDue || after.Credit != 0 || after.Outstanding().Total() != 0 {
			t.Fatalf("seed %d: paying %+v on %s: paid off %s credit %d outstanding %+v\nterms %s penalty %+v",
				seed, p, asOf, after.PaidOffDate, after.Credit, after.Outstanding(), describeTerms(terms), terms.Penalty)
		}
	}
}
