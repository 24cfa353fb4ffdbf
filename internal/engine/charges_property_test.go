package engine

import (
	"testing"

	"github.com/loancore/loancore/internal/money"
)

// withRandomFees adds a random service fee set, and half the time a late
// fee, to penalty terms; ok is false when the terms no longer validate.
func withRandomFees(s *seeded, terms Terms) (Terms, bool) {
	terms.Charges = randomServiceFees(s.rng, terms)
	if s.rng.IntN(2) == 0 {
		terms.Charges = append(terms.Charges, Charge{Kind: LateFee, Percent: money.Rate{Units: uint64(1 + s.rng.IntN(1000)), Scale: 2}, Basis: OverdueAmount})
	} else {
		terms.Charges = append(terms.Charges, Charge{Kind: LateFee, Amount: money.Amount(1 + s.rng.Int64N(10_000))})
	}
	return terms, terms.Validate() == nil
}

// feesAndCharges is what a fold has charged beside principal and
// interest: fees, penalty and compound, summed over the installments.
func feesAndCharges(st LoanState) (fees, pen, comp money.Amount) {
	for _, in := range st.Installments {
		fees += in.FeesDue
		pen += in.PenaltyAccrued
		comp += in.CompoundAccrued
	}
	return fees, pen, comp
}

// TestFeesStopAtWriteOff: for random penalty loans with service and late
// fees, written off on a random day with no payment after it, (1) nothing
// more is charged after the write-off — fees, penalty and compound are
// the same as of any two later days; (2) no late fee is posted for a
// grace that ended after the write-off day; (3) money is conserved.
// Scheduled service fees, like contract interest, stay owed: a write-off
// is the lender's accounting, not a waiver.
func TestFeesStopAtWriteOff(t *testing.T) {
	s := newSeeded(t, 0x0ff)
	checked := 0
	for c := 0; c < 400; c++ {
		terms, _, events := randomPenaltyLoan(s.rng)
		terms, ok := withRandomFees(s, terms)
		if !ok {
			continue
		}
		sched := buildSchedule(&terms)
		w := terms.DisbursementDate.AddDays(1 + s.rng.IntN(int(sched.MaturityDate-terms.DisbursementDate)+90))
		var kept []Event
		for _, e := range events {
			if e.ValueDate <= w {
				kept = append(kept, e)
			}
		}
		kept = append(kept, writeOff(900, w))
		d1 := w.AddDays(s.rng.IntN(60))
		d2 := d1.AddDays(1 + s.rng.IntN(400))
		a, b := FoldSchedule(terms, sched, kept, d1), FoldSchedule(terms, sched, kept, d2)
		fa, pa, ca := feesAndCharges(a)
		fb, pb, cb := feesAndCharges(b)
		if fa != fb || pa != pb || ca != cb {
			s.fatalf("case %d: written off %s; as of %s fees %d penalty %d compound %d, as of %s %d %d %d\nterms %s",
				c, w, d1, fa, pa, ca, d2, fb, pb, cb, describeTerms(terms))
		}
		grace := terms.lateGraceDays()
		for _, in := range b.Installments {
			if in.lateFee > 0 && in.DueDate.AddDays(grace) > w {
				s.fatalf("case %d: installment %d's late fee %d posted for a grace ending %s, after the write-off %s\nterms %s",
					c, in.Number, in.lateFee, in.DueDate.AddDays(grace), w, describeTerms(terms))
			}
		}
		checkConserved(t, kept, b)
		checked++
	}
	if checked < 100 {
		t.Fatalf("only %d cases checked", checked)
	}
}

// TestFeePayoffSettlesWithPenalty: quote ≡ execution with fees on penalty
// loans (TestFeePayoffSettles draws no penalty policy): the payoff quoted
// on a day, paid that day, settles the loan, penalty, compound and late
// fees included.
func TestFeePayoffSettlesWithPenalty(t *testing.T) {
	s := newSeeded(t, 0xfee2)
	checked := 0
	for c := 0; c < 400; c++ {
		terms, _, events := randomPenaltyLoan(s.rng)
		terms, ok := withRandomFees(s, terms)
		if !ok || terms.InterestRecalculation {
			continue
		}
		sched := buildSchedule(&terms)
		day := terms.DisbursementDate.AddDays(1 + s.rng.IntN(int(sched.MaturityDate-terms.DisbursementDate)+60))
		for _, e := range events {
			day = max(day, e.ValueDate)
		}
		st := FoldSchedule(terms, sched, events, day)
		if st.settled() || st.Credit > 0 {
			continue
		}
		p := st.PayoffAt(terms)
		if p.Total() == 0 {
			continue
		}
		all := append(events, pay(1000, day, p.Total()))
		after := FoldSchedule(terms, sched, all, day)
		if !after.settled() || after.Credit != 0 {
			s.fatalf("case %d: paying the payoff %+v on %s: settled %v, credit %d\nterms %s", c, p, day, after.settled(), after.Credit, describeTerms(terms))
		}
		checkConserved(t, all, after)
		checkCostSettled(t, terms, after, terms.Principal)
		checked++
	}
	if checked < 100 {
		t.Fatalf("only %d payoffs checked", checked)
	}
}

// TestLateFeesStopWhileFrozen: TestAgreementFreezeStopsPenalty's loan with
// a late fee of 50.00: under the freeze plan (from 2024-08-01) two frozen
// installments missed by 2024-11-01 bear none; once the agreement is
// broken on 11-01, each grace that ends unpaid after it bears one again
// (the 11-01 and 12-01 installments'), which needs the fold to decide the
// plan's rows afresh rather than count on from the superseded ones. (The
// late fees installments 4–6 owed before the agreement go with the rest of
// what they owed, frozen by the plan: TestRestructureWithFees; only the
// plan's own are counted here.)
func TestLateFeesStopWhileFrozen(t *testing.T) {
	terms, st := restructureExample(t, true)
	terms.Charges = []Charge{{Kind: LateFee, Amount: 5_000}}
	eff := st.AsOf
	c := Changes{InterestFreezePlan: &InterestFreezePlan{InstallmentCount: 24, FirstDueDate: DateOf(2024, 9, 1)}}
	events := []Event{pay(1, DateOf(2024, 2, 15), 106619), pay(2, DateOf(2024, 3, 15), 106619),
		pay(3, DateOf(2024, 4, 15), 106619), agreementEvent(4, eff, c)}
	lateFees := func(st LoanState) (before, frozen money.Amount) {
		for _, in := range st.Installments {
			if in.DueDate < eff {
				before += in.lateFee
			} else {
				frozen += in.lateFee
			}
		}
		return before, frozen
	}
	missed := Fold(terms, events, DateOf(2024, 11, 1))
	if _, frozen := lateFees(missed); frozen != 0 || missed.DaysPastDue() != 61 {
		t.Fatalf("late fees under the freeze %d, dpd %d; want none, 61", frozen, missed.DaysPastDue())
	}
	events = append(events, Event{Seq: 5, Kind: EventAgreementBroken, ValueDate: DateOf(2024, 11, 1), Target: 4})
	broken := Fold(terms, events, DateOf(2024, 12, 5))
	if _, frozen := lateFees(broken); frozen != 2*5_000 {
		t.Errorf("after the break: late fees on the plan's rows %d, want 100.00 (the 2024-11-01 and 12-01 installments', whose graces end after it)", frozen)
	}
}
