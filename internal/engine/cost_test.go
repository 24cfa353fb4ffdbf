package engine

import (
	"testing"

	"github.com/loancore/loancore/internal/money"
)

// checkCostSettled: on a settled loan the cost is what the borrower paid
// beyond the principal lent (the upfront fee was kept from the advance,
// not paid): received − credit = lent + Cost.Total − UpfrontFee. It ties
// Cost to the money, whatever waivers, fees, penalty and agreements the
// log had.
func checkCostSettled(t *testing.T, terms Terms, st LoanState, lent money.Amount) {
	t.Helper()
	var received money.Amount
	for _, p := range st.Payments {
		received += p.Amount
	}
	c := st.Cost(&terms)
	if received-st.Credit != lent+c.Total()-c.UpfrontFee {
		t.Fatalf("received %d − credit %d ≠ lent %d + cost %d − upfront %d: %+v\n%s",
			received, st.Credit, lent, c.Total(), c.UpfrontFee, c, describeState(st))
	}
	if c.ServiceFees < 0 || c.LateFees < 0 || c.PrepaymentFees < 0 || c.Waived < 0 {
		t.Fatalf("negative component: %+v", c)
	}
}

// TestCostOfABookedLoan: a loan's cost on its disbursement date is what
// QuoteSchedule discloses for its terms (total_interest + total_fees +
// upfront_fee = total_cost), for random terms with random service fees and
// upfront fees; GetLoan shows this figure for a loan just booked.
func TestCostOfABookedLoan(t *testing.T) {
	s := newSeeded(t, 0xc057)
	checked := 0
	for range 600 {
		terms := randomTerms(s.rng)
		if s.rng.IntN(2) == 0 {
			terms.Charges = randomServiceFees(s.rng, terms)
		}
		if terms.Validate() != nil || terms.InstallmentCount > 120 {
			continue
		}
		sched := buildSchedule(&terms)
		c := FoldSchedule(terms, sched, nil, terms.DisbursementDate).Cost(&terms)
		want := sched.TotalInterest + sched.TotalFees + terms.EffectiveUpfrontFee()
		if c.Total() != want || c.Interest != sched.TotalInterest || c.ServiceFees != sched.TotalFees || c.LateFees != 0 || c.PrepaymentFees != 0 {
			s.fatalf("cost %+v (total %d), schedule interest %d fees %d upfront %d\nterms %s",
				c, c.Total(), sched.TotalInterest, sched.TotalFees, terms.EffectiveUpfrontFee(), describeTerms(terms))
		}
		checked++
	}
	if checked < 200 {
		t.Fatalf("only %d checked", checked)
	}
}

// TestCostByComponent works issue 20's plan (12,000.00 over 12 months, no
// interest, a 72.00 service fee a month) by hand. Booked: 12 × 72.00 =
// 864.00 of service fees. Unpaid to 2025-03-20 with a 5% late fee capped
// at 50.00 and 3 grace days: two late fees, 100.00. With a 2% prepayment
// fee, 4,132.00 on 02-15 then the payoff (8,160.00): the first row's
// 72.00 service fee and 60.00 + 160.00 of prepayment fees — 292.00, which
// is exactly what was paid beyond the 12,000.00 lent (the second row's
// fee is not owed: its period was never reached).
func TestCostByComponent(t *testing.T) {
	terms, s := feeLoan(CivilCode)
	if c := FoldSchedule(terms, s, nil, terms.DisbursementDate).Cost(&terms); c.ServiceFees != 86_400 || c.Interest != 0 || c.Total() != 86_400 {
		t.Errorf("booked: %+v, want 864.00 of service fees", c)
	}
	late := terms
	late.HasPenalty, late.Penalty = true, PenaltyPolicy{GraceDays: 3}
	late.Charges = append(late.Charges, Charge{Kind: LateFee, Percent: fixtureRate("5"), Basis: OverdueAmount, Cap: 5_000})
	c := FoldSchedule(late, s, nil, DateOf(2025, 3, 20)).Cost(&late)
	if c.LateFees != 10_000 || c.ServiceFees != 86_400 || c.Total() != 96_400+c.Penalty+c.Compound {
		t.Errorf("two grace ends unpaid: %+v, want 100.00 of late fees beside 864.00", c)
	}
	pre := terms
	pre.Charges = append(pre.Charges, Charge{Kind: PrepaymentFee, Percent: fixtureRate("2"), Basis: PrepaidPrincipal, FreeAfterInstallments: 6})
	feb15 := DateOf(2025, 2, 15)
	events := []Event{pay(3, feb15, 413_200), pay(4, feb15, 816_000)}
	st := FoldSchedule(pre, s, events, feb15)
	c = st.Cost(&pre)
	if !st.settled() || c.ServiceFees != 7_200 || c.PrepaymentFees != 22_000 || c.LateFees != 0 || c.Total() != 29_200 {
		t.Errorf("paid off on 02-15: settled %v, %+v; want 72.00 service and 220.00 prepayment fees", st.settled(), c)
	}
	checkCostSettled(t, pre, st, pre.Principal)
}
