package engine

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/loancore/loancore/internal/money"
)

func waiver(seq int64, d Date, pen, comp, interest money.Amount) Event {
	return Event{Seq: seq, Kind: EventWaiver, ValueDate: d, WaivePenalty: pen, WaiveCompound: comp, WaiveInterest: interest}
}

func writeOff(seq int64, d Date) Event {
	return Event{Seq: seq, Kind: EventWriteOff, ValueDate: d}
}

// bullet12Compound is the 12% bullet loan of TestCompoundInterest: 10,000.00
// principal and 1,200.00 interest due 2025-01-15 (D); penalty rate 18% /
// 360 = 0.05% a day: 5.00 a day on the principal, 0.60 compound on the
// overdue interest.
func bullet12Compound() (Terms, Date) {
	return bullet10k("12", 12, func(p *PenaltyPolicy) { p.CompoundOverdueInterest = true }), DateOf(2025, 1, 15)
}

// TestWaiverPenalty: a waiver on D+10 asking 10,000.00 of penalty and 1.00
// of compound. Through D+9 the penalty is 9 × 5.00 = 45.00 and the compound
// 9 × 0.60 = 5.40, so it waives 45.00 and 1.00. The principal stays
// overdue: D+10 … D+30 charge 21 × 5.00 = 105.00 more penalty, all owed;
// compound stays 30 × 0.60 = 18.00 charged, 17.00 owed.
func TestWaiverPenalty(t *testing.T) {
	terms, due := bullet12Compound()
	w := waiver(4, due.AddDays(10), 1_000_000, 100, 0)

	st := Fold(terms, []Event{w}, due.AddDays(10))
	if len(st.Waivers) != 1 || st.Waivers[0] != (WaiverResult{Seq: 4, ValueDate: due.AddDays(10), Penalty: 4500, Compound: 100}) {
		t.Fatalf("waivers %+v, want 45.00 penalty and 1.00 compound", st.Waivers)
	}
	// As of D+10 only D+10's own 5.00 is owed; paying on D+10 owes none.
	if o := st.Outstanding(); o.Penalty != 500 || o.Compound != 10*60-100 {
		t.Fatalf("outstanding on D+10 %+v, want penalty 500 compound 500", o)
	}
	if p := st.PayoffAt(terms); p.Penalty != 0 || p.Compound != 540-100 {
		t.Fatalf("payoff on D+10 %+v, want penalty 0 compound 440", p)
	}
	if in := st.Installments[0]; in.PenaltyWaived != 4500 || in.CompoundWaived != 100 || in.InterestWaived != 0 {
		t.Fatalf("installment %+v", in)
	}

	st = Fold(terms, []Event{w}, due.AddDays(30))
	if pen, comp := penaltyOf(st); pen != 30*500 || comp != 30*60 {
		t.Fatalf("charged %d %d, want %d %d", pen, comp, 30*500, 30*60)
	}
	if o := st.Outstanding(); o.Penalty != 21*500 || o.Compound != 30*60-100 || o.Principal != 1_000_000 || o.Interest != 120000 {
		t.Fatalf("outstanding on D+30 %+v, want penalty 10500 compound 1700", o)
	}
	if st.DaysPastDue() != 30 {
		t.Fatalf("dpd %d", st.DaysPastDue())
	}

	// Reversed, the waiver is as if never given.
	rev := Event{Seq: 5, Kind: EventReversal, ValueDate: due.AddDays(20), Target: 4}
	got, want := Fold(terms, []Event{w, rev}, due.AddDays(30)), Fold(terms, nil, due.AddDays(30))
	if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", want) || got.Outstanding().Penalty != 30*500 {
		t.Fatalf("reversed waiver\n got %+v\nwant %+v", got, want)
	}
}

// TestWaiverInterest: waiving 200.00 of the 1,200.00 interest on D+10
// leaves 1,000.00 owed, on which compound is 1000 × 0.0005 = 0.50 a day:
// D+1 … D+9 at 0.60 (5.40) and D+10 … D+30 at 0.50 (10.50) = 15.90. A
// waiver asking 2,000.00 waives the 1,200.00 owed and stops compound.
func TestWaiverInterest(t *testing.T) {
	terms, due := bullet12Compound()
	st := Fold(terms, []Event{waiver(4, due.AddDays(10), 0, 0, 20000)}, due.AddDays(30))
	if o := st.Outstanding(); o.Interest != 100000 || o.Compound != 9*60+21*50 || o.Penalty != 30*500 {
		t.Fatalf("outstanding %+v, want interest 100000 compound 1590 penalty 15000", o)
	}
	st = Fold(terms, []Event{waiver(4, due.AddDays(10), 0, 0, 200000)}, due.AddDays(30))
	if st.Waivers[0].Interest != 120000 || st.Outstanding().Interest != 0 || st.Outstanding().Compound != 9*60 {
		t.Fatalf("waivers %+v outstanding %+v", st.Waivers, st.Outstanding())
	}
	// Only installments due by the waiver's date: before D nothing is due,
	// so nothing is waived.
	st = Fold(terms, []Event{waiver(4, due.AddDays(-1), 0, 0, 200000)}, due.AddDays(30))
	if st.Waivers[0] != (WaiverResult{Seq: 4, ValueDate: due.AddDays(-1)}) || st.Outstanding().Interest != 120000 {
		t.Fatalf("waiver before the due date: %+v", st.Waivers)
	}
}

// TestWaiverWithoutPenalty: loan12k, nothing paid; on 2024-03-20
// installments 1 (120.00 interest) and 2 (110.54) are due. Waiving 150.00
// of interest takes installment 1's 120.00 and 30.00 of installment 2's;
// then 1,066.19 − 120.00 = 946.19 settles installment 1 and the rest, 120.00,
// goes to installment 2: its 80.54 interest left, then 39.46 principal.
func TestWaiverWithoutPenalty(t *testing.T) {
	d := DateOf(2024, 3, 20)
	events := []Event{waiver(3, d, 0, 0, 15000), pay(4, d, 106619)}
	st := Fold(loan12k(), events, d)
	in1, in2 := st.Installments[0], st.Installments[1]
	if in1.InterestWaived != 12000 || in2.InterestWaived != 3000 || in1.Unpaid() != 0 {
		t.Fatalf("installments %+v %+v", in1, in2)
	}
	if in2.InterestPaid != 8054 || in2.PrincipalPaid != 3946 || st.Payments[0].Credit != 0 {
		t.Fatalf("installment 2 %+v", in2)
	}
	if o := st.Outstanding(); o.Interest != 0 || o.Principal != 1_200_000-94619-3946 {
		t.Fatalf("outstanding %+v", o)
	}
	if st.DaysPastDue() != 5 {
		t.Fatalf("dpd %d", st.DaysPastDue())
	}
	// The payment first (seq 3 on the same day), then the waiver: 1,066.19
	// settles installment 1 exactly (120.00 + 946.19), so the waiver finds
	// only installment 2's 110.54 of interest and waives that.
	st = Fold(loan12k(), []Event{pay(3, d, 106619), waiver(4, d, 0, 0, 15000)}, d)
	if st.Installments[0].Unpaid() != 0 || st.Waivers[0].Interest != 11054 || st.Installments[1].InterestWaived != 11054 {
		t.Fatalf("pay then waive: %+v %+v", st.Installments[:2], st.Waivers)
	}
}

// TestWaiverSettlesLoan: 11,200.00 on D+10 pays interest and principal;
// the penalty 45.00 and compound 5.40 of D+1 … D+9 are left, and a waiver
// on the same day (later seq) forgives them: the loan is paid off on D+10.
func TestWaiverSettlesLoan(t *testing.T) {
	terms, due := bullet12Compound()
	events := []Event{pay(3, due.AddDays(10), 1_120_000), waiver(4, due.AddDays(10), 4500, 540, 0)}
	st := Fold(terms, events, due.AddDays(40))
	if st.PaidOffDate != due.AddDays(10) || st.Outstanding().Total() != 0 || st.DaysPastDue() != 0 {
		t.Fatalf("paid off %s outstanding %+v dpd %d", st.PaidOffDate, st.Outstanding(), st.DaysPastDue())
	}
	// Without the waiver, the penalty keeps it overdue.
	if st := Fold(terms, events[:1], due.AddDays(40)); st.PaidOffDate != NoDate || st.DaysPastDue() != 40 {
		t.Fatalf("without the waiver: paid off %s dpd %d", st.PaidOffDate, st.DaysPastDue())
	}
}

// TestWriteOff: written off on D+10, the loan has charged 10 × 5.00 =
// 50.00 penalty and 10 × 0.60 = 6.00 compound (the write-off's own day is
// accrued), and nothing after. 2,000.00 recovered on D+20 pays the 1,200.00
// interest and 800.00 principal; DPD keeps counting.
func TestWriteOff(t *testing.T) {
	terms, due := bullet12Compound()
	v := due.AddDays(10)
	wo := writeOff(4, v)
	atV := Fold(terms, []Event{wo}, v)
	later := Fold(terms, []Event{wo}, v.AddDays(30))
	for _, st := range []LoanState{atV, later} {
		if pen, comp := penaltyOf(st); pen != 5000 || comp != 600 || st.WrittenOffDate != v {
			t.Fatalf("as of %s: penalty %d compound %d written off %s", st.AsOf, pen, comp, st.WrittenOffDate)
		}
	}
	if later.DaysPastDue() != 40 || later.Outstanding().Penalty != 5000 {
		t.Fatalf("dpd %d outstanding %+v", later.DaysPastDue(), later.Outstanding())
	}
	// Paid on v itself, the payoff leaves out v's own charge as usual.
	if p := atV.PayoffAt(terms); p.Penalty != 4500 || p.Compound != 540 {
		t.Fatalf("payoff on v %+v", p)
	}
	if p := later.PayoffAt(terms); p.Total() != 1_000_000+120000+5000+600 {
		t.Fatalf("payoff after v %+v", p)
	}

	rec := pay(5, due.AddDays(20), 200000)
	st := Fold(terms, []Event{wo, rec}, v.AddDays(30))
	parts := fmt.Sprint(st.Payments[0].Parts)
	if want := fmt.Sprint([]AllocationPart{{1, ComponentInterest, 120000}, {1, ComponentPrincipal, 80000}}); parts != want {
		t.Fatalf("recovery parts %s, want %s", parts, want)
	}
	if o := st.Outstanding(); o.Principal != 920000 || o.Interest != 0 || o.Penalty != 5000 || o.Compound != 600 || st.WrittenOffDate != v {
		t.Fatalf("after recovery %+v written off %s", o, st.WrittenOffDate)
	}

	// A second write-off, given first, changes nothing; a reversed one
	// never happened.
	again := Fold(terms, []Event{writeOff(6, v.AddDays(5)), wo, rec}, v.AddDays(30))
	if fmt.Sprintf("%+v", again) != fmt.Sprintf("%+v", st) {
		t.Fatalf("second write-off changed the state\n got %+v\nwant %+v", again, st)
	}
	undone := Fold(terms, []Event{wo, {Seq: 7, Kind: EventReversal, Target: 4}}, v.AddDays(30))
	if fmt.Sprintf("%+v", undone) != fmt.Sprintf("%+v", Fold(terms, nil, v.AddDays(30))) || undone.WrittenOffDate != NoDate {
		t.Fatalf("reversed write-off: %+v", undone)
	}
	// Paying everything after the write-off settles the loan, still
	// written off.
	full := Fold(terms, []Event{wo, pay(5, v.AddDays(30), 1_000_000+120000+5000+600)}, v.AddDays(60))
	if full.PaidOffDate != v.AddDays(30) || full.Outstanding().Total() != 0 || full.WrittenOffDate != v {
		t.Fatalf("paid off %s outstanding %+v written off %s", full.PaidOffDate, full.Outstanding(), full.WrittenOffDate)
	}
}

// TestAppendRefusesNewKinds: waivers and write-offs force a replay, and on
// a loan without a penalty policy so does a payment dated before a waiver
// already applied.
func TestAppendRefusesNewKinds(t *testing.T) {
	terms := loan12k()
	d := DateOf(2024, 3, 20)
	st := Fold(terms, []Event{waiver(3, d, 0, 0, 1000)}, d.AddDays(10))
	for _, e := range []Event{waiver(4, d, 0, 0, 1000), writeOff(4, d), pay(4, d.AddDays(-1), 100)} {
		if _, ok := st.Append(terms, e); ok {
			t.Fatalf("Append accepted %+v", e)
		}
	}
	e := pay(4, d.AddDays(1), 106619)
	next, ok := st.Append(terms, e)
	replay := Fold(terms, []Event{waiver(3, d, 0, 0, 1000), e}, d.AddDays(10))
	if !ok || fmt.Sprintf("%+v", next) != fmt.Sprintf("%+v", replay) {
		t.Fatalf("Append after a waiver: ok %v\n got %+v\nwant %+v", ok, next, replay)
	}
}

// randomServicingLoan is randomPenaltyLoan with waivers and write-offs
// (some reversed) added to the log; a quarter of the loans have no
// penalty policy.
func randomServicingLoan(rng *rand.Rand) (Terms, Schedule, []Event) {
	terms, s, events := randomPenaltyLoan(rng)
	if rng.IntN(4) == 0 {
		terms.HasPenalty = false
	}
	span := int(s.MaturityDate-terms.DisbursementDate) + 60
	amount := func() money.Amount {
		switch rng.IntN(3) {
		case 0:
			return 0
		case 1:
			return money.Amount(rng.Int64N(int64(s.InstallmentAmount) + 1))
		}
		return terms.Principal
	}
	for seq := int64(200); seq < int64(200+rng.IntN(5)); seq++ {
		d := terms.DisbursementDate.AddDays(rng.IntN(span))
		e := waiver(seq, d, amount(), amount(), amount())
		if rng.IntN(5) == 0 {
			e = writeOff(seq, d)
		}
		events = append(events, e)
		if rng.IntN(6) == 0 {
			events = append(events, Event{Seq: seq + 100, Kind: EventReversal, ValueDate: d, Target: seq})
		}
	}
	return terms, s, events
}

// TestWaiverWriteOffProperties: for random logs of payments, waivers and
// write-offs: (1) the fold accruing whole runs equals one accruing a day
// per call; (2) money is conserved (received = allocated + credit) and the
// waived amounts recorded per waiver add up to those on the installments,
// each at most what was asked; (3) no component is overpaid or
// over-waived: paid + waived ≤ due or charged; (4) with nothing paid or
// waived in (d1, d2], charges and outstanding penalty and compound never
// fall, and after a write-off they do not move; (5) charges as of any date
// after a write-off equal those as of its date; (6) the fold does not
// depend on the order events arrive in; (7) Append refuses the new kinds.
func TestWaiverWriteOffProperties(t *testing.T) {
	seed := testSeed(t)
	rng := rand.New(rand.NewPCG(seed, 0x3a17))
	waived, writtenOff := 0, 0
	for n := 0; n < 250; n++ {
		terms, s, events := randomServicingLoan(rng)
		fail := func(format string, args ...any) {
			t.Helper()
			t.Fatalf("seed %d: %s\nterms %s penalty %v %+v\nevents %+v", seed, fmt.Sprintf(format, args...), describeTerms(terms), terms.HasPenalty, terms.Penalty, events)
		}
		d2 := s.MaturityDate.AddDays(rng.IntN(90))
		st := FoldSchedule(terms, s, events, d2)
		if st.WrittenOffDate != NoDate {
			writtenOff++
		}

		// (1)
		if terms.HasPenalty && d2-terms.DisbursementDate <= 3000 {
			if got, want := fmt.Sprintf("%+v", foldSchedule(terms, s, events, d2, true)), fmt.Sprintf("%+v", st); got != want {
				fail("one day at a time\n got %s\nwant %s", got, want)
			}
		}

		// (2)
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
		requested := map[int64]Event{}
		for _, e := range events {
			requested[e.Seq] = e
		}
		var wp, wc, wi money.Amount
		for _, w := range st.Waivers {
			e := requested[w.Seq]
			if w.Penalty < 0 || w.Compound < 0 || w.Interest < 0 || w.Penalty > e.WaivePenalty || w.Compound > e.WaiveCompound || w.Interest > e.WaiveInterest {
				fail("waiver %+v beyond its request %+v", w, e)
			}
			wp, wc, wi = wp+w.Penalty, wc+w.Compound, wi+w.Interest
			if w.Penalty+w.Compound+w.Interest > 0 {
				waived++
			}
		}
		// (3)
		for _, in := range st.Installments {
			if in.PenaltyPaid+in.PenaltyWaived > in.PenaltyAccrued || in.CompoundPaid+in.CompoundWaived > in.CompoundAccrued ||
				in.PrincipalPaid > in.PrincipalDue || in.InterestPaid+in.InterestWaived > in.InterestDue ||
				in.PenaltyWaived < 0 || in.CompoundWaived < 0 || in.InterestWaived < 0 {
				fail("overpaid or over-waived component %+v", in)
			}
			wp, wc, wi = wp-in.PenaltyWaived, wc-in.CompoundWaived, wi-in.InterestWaived
		}
		if wp != 0 || wc != 0 || wi != 0 {
			fail("waiver results and installments differ by %d %d %d", wp, wc, wi)
		}
		if st.PaidOffDate != NoDate && st.Outstanding().Total() != 0 {
			fail("paid off %s but owes %+v", st.PaidOffDate, st.Outstanding())
		}

		// (4) The days after the last payment or waiver up to d2.
		last := terms.DisbursementDate
		for _, p := range st.Payments {
			last = max(last, p.ValueDate)
		}
		for _, w := range st.Waivers {
			last = max(last, w.ValueDate)
		}
		d1 := last + Date(rng.IntN(int(d2-last)+1))
		prev := FoldSchedule(terms, s, events, d1)
		for d := d1 + 1; d <= d2 && d <= d1+20; d++ {
			cur := FoldSchedule(terms, s, events, d)
			if len(cur.Installments) != len(prev.Installments) {
				fail("installments changed without a payment")
			}
			po, co := prev.Outstanding(), cur.Outstanding()
			if co.Penalty < po.Penalty || co.Compound < po.Compound {
				fail("outstanding penalty fell from %s to %s: %+v → %+v", d-1, d, po, co)
			}
			for i := range cur.Installments {
				a, b := prev.Installments[i], cur.Installments[i]
				if b.PenaltyAccrued < a.PenaltyAccrued || b.CompoundAccrued < a.CompoundAccrued {
					fail("charges fell from %s to %s: %+v → %+v", d-1, d, a, b)
				}
				if st.WrittenOffDate != NoDate && d-1 >= st.WrittenOffDate &&
					(b.PenaltyAccrued != a.PenaltyAccrued || b.CompoundAccrued != a.CompoundAccrued) {
					fail("charges moved after the write-off on %s: %+v → %+v", st.WrittenOffDate, a, b)
				}
			}
			prev = cur
		}

		// (5)
		if wo := st.WrittenOffDate; wo != NoDate {
			p1, c1 := penaltyOf(FoldSchedule(terms, s, events, wo))
			p2, c2 := penaltyOf(st)
			if p1 != p2 || c1 != c2 {
				fail("charges as of the write-off %d %d, as of %s %d %d", p1, c1, d2, p2, c2)
			}
		}

		// (6)
		shuffled := append([]Event(nil), events...)
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		if got, want := fmt.Sprintf("%+v", FoldSchedule(terms, s, shuffled, d2)), fmt.Sprintf("%+v", st); got != want {
			fail("fold depends on arrival order\n got %s\nwant %s", got, want)
		}

		// (7)
		for _, e := range []Event{waiver(1000, d2, 1, 1, 1), writeOff(1000, d2)} {
			if _, ok := st.Append(terms, e); ok {
				fail("Append accepted %+v", e)
			}
		}
	}
	if waived < 50 || writtenOff < 20 {
		t.Fatalf("seed %d: only %d effective waivers and %d write-offs: the test does not exercise them", seed, waived, writtenOff)
	}
}
