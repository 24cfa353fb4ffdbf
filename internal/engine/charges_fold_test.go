package engine

import (
	"testing"

	"github.com/loancore/loancore/internal/money"
)

// feeLoan is creditCardPlan as a loan: 12,000.00 in 12 installments of
// 1,000.00 principal + 72.00 fee, no interest, due on the 15th from
// 2025-02-15.
func feeLoan(order AllocationOrder) (Terms, Schedule) {
	terms := creditCardPlan(1_200_000, 12, "0.6")
	terms.Allocation = order
	return terms, buildSchedule(&terms)
}

// TestFeesInTheFold works issue 20's plan through the fold by hand.
func TestFeesInTheFold(t *testing.T) {
	terms, s := feeLoan(CivilCode)
	feb15, mar20 := DateOf(2025, 2, 15), DateOf(2025, 3, 20)

	// Paid as agreed: 1,072.00 settles the first installment, fee first.
	st := FoldSchedule(terms, s, []Event{pay(3, feb15, 107_200)}, feb15)
	first := st.Installments[0]
	if first.FeesPaid != 7_200 || first.PrincipalPaid != 100_000 || first.Unpaid() != 0 {
		t.Fatalf("first installment %+v, want 72.00 fee and 1000.00 principal paid", first)
	}
	if parts := st.Payments[0].Parts; len(parts) != 2 || parts[0].Component != ComponentFees || parts[0].Amount != 7_200 {
		t.Errorf("parts %+v, want the fee first", parts)
	}
	if o := st.Outstanding(); o.Principal != 1_100_000 || o.Fees != 0 {
		t.Errorf("outstanding %+v, want 11000.00 principal and no fee", o)
	}

	// The second installment unpaid five days: its fee is overdue with it;
	// the third's is not owed yet.
	st = FoldSchedule(terms, s, []Event{pay(3, feb15, 107_200)}, mar20)
	if o := st.Outstanding(); o.Fees != 7_200 || o.Total() != 1_107_200 || st.DaysPastDue() != 5 {
		t.Errorf("outstanding %+v (total %d), DPD %d; want fees 72.00, total 11072.00, DPD 5", o, o.Total(), st.DaysPastDue())
	}
	p := st.PayoffAt(terms)
	if p.Fees != 7_200 || p.Principal != 1_100_000 || p.Total() != 1_107_200 {
		t.Errorf("payoff %+v, want 11000.00 + the overdue 72.00 fee = 11072.00", p)
	}
	// Paying the payoff settles the loan: the fee of the period it did not
	// reach is not owed.
	paid := FoldSchedule(terms, s, []Event{pay(3, feb15, 107_200), pay(4, mar20, p.Total())}, mar20)
	if paid.PaidOffDate != mar20 || paid.Credit != 0 || !paid.settled() {
		t.Errorf("paying the payoff: paid off %s, credit %d, settled %v", paid.PaidOffDate, paid.Credit, paid.settled())
	}

	// A waiver of 100.00 of fees forgives the 72.00 due, not the third's.
	w := waiver(4, mar20, 0, 0, 0)
	w.WaiveFees = 10_000
	st = FoldSchedule(terms, s, []Event{pay(3, feb15, 107_200), w}, mar20)
	if got := st.Waivers[0].Fees; got != 7_200 || st.Outstanding().Fees != 0 || st.Installments[2].FeesWaived != 0 {
		t.Errorf("waived %d, outstanding fees %d, third %+v; want 72.00 waived of the second only", got, st.Outstanding().Fees, st.Installments[2])
	}

	// A short payment of 500.00 on a due date: the Civil Code pays the fee
	// first, PRINCIPAL_FIRST the principal.
	for _, c := range []struct {
		order          AllocationOrder
		fees, principa money.Amount
	}{{CivilCode, 7_200, 42_800}, {InterestFirst, 7_200, 42_800}, {PenaltyFirst, 7_200, 42_800}, {PrincipalFirst, 0, 50_000}} {
		terms, s := feeLoan(c.order)
		st := FoldSchedule(terms, s, []Event{pay(3, feb15, 50_000)}, feb15)
		if in := st.Installments[0]; in.FeesPaid != c.fees || in.PrincipalPaid != c.principa {
			t.Errorf("%v: fees %d principal %d paid, want %d and %d", c.order, in.FeesPaid, in.PrincipalPaid, c.fees, c.principa)
		}
	}

	// 4,072.00 on the first due date: the installment, and 3,000.00 of
	// principal ahead. REDUCE_TERM keeps the 1,000.00 principal part, so
	// the 8,000.00 left is 8 more installments, each still bearing 72.00
	// (a percent of the original principal): 3 fewer fees.
	st = FoldSchedule(terms, s, []Event{pay(3, feb15, 407_200)}, feb15)
	if n := len(st.Installments); n != 9 || st.Payments[0].Prepaid != 300_000 {
		t.Fatalf("%d installments, prepaid %d; want 9 and 3000.00", n, st.Payments[0].Prepaid)
	}
	var fees money.Amount
	for _, in := range st.Installments {
		fees += in.FeesDue
	}
	if fees != 9*7_200 {
		t.Errorf("fees over the loan %d, want 9 × 72.00 = 648.00", fees)
	}
}

// TestOutstandingFeeAfterPrepayment: a fee on the outstanding balance
// follows a prepayment. 12,000.00 EQUAL_PRINCIPAL at no interest in 12, a
// fee of 1% of the balance at each period's start: 120.00, 110.00, …;
// 3,000.00 prepaid with the first installment (REDUCE_INSTALLMENT) leaves
// 8,000.00 over 11 installments of 727.27 (the last 727.30). The second
// installment's period had begun, so it keeps the fee fixed then (1% of
// 11,000.00, 110.00); the third's is 1% of 8,000.00 − 727.27 = 7,272.73,
// 72.73.
func TestOutstandingFeeAfterPrepayment(t *testing.T) {
	terms := creditCardPlan(1_200_000, 12, "1")
	terms.Charges[0].Basis = OutstandingPrincipal
	terms.Prepayment = ReduceInstallment
	s := buildSchedule(&terms)
	if s.Installments[0].Fees != 12_000 || s.Installments[1].Fees != 11_000 {
		t.Fatalf("fees %d, %d; want 120.00, 110.00", s.Installments[0].Fees, s.Installments[1].Fees)
	}
	feb15 := DateOf(2025, 2, 15)
	st := FoldSchedule(terms, s, []Event{pay(3, feb15, 100_000+12_000+300_000)}, feb15)
	second, third := st.Installments[1], st.Installments[2]
	if second.PrincipalDue-second.PrincipalPaid != 72_727 || second.FeesDue != 11_000 || third.FeesDue != 7_273 {
		t.Errorf("second %+v, third %+v", second, third)
	}
}

// TestFeePayoffSettles: for random loans with service fees (and half of
// them a prepayment fee, half a late fee) and random payments, the payoff quoted on a day
// is what settles the loan that day (quote ≡ execution): paying it leaves
// nothing owed and no credit, and money is conserved.
func TestFeePayoffSettles(t *testing.T) {
	s := newSeeded(t, 0xfee)
	settledCount := 0
	for c := 0; c < 1200; c++ {
		terms := randomTerms(s.rng)
		terms.Charges = randomServiceFees(s.rng, terms)
		if s.rng.IntN(2) == 0 {
			terms.Charges = append(terms.Charges, randomPrepaymentFee(s.rng, terms))
		}
		if s.rng.IntN(2) == 0 {
			terms.Charges = append(terms.Charges, Charge{Kind: LateFee, Percent: money.Rate{Units: uint64(1 + s.rng.IntN(1000)), Scale: 2}, Basis: OverdueAmount})
		}
		if terms.Validate() != nil || terms.InstallmentCount > 60 || terms.Principal > 1_000_000_000 || terms.InterestRecalculation {
			continue
		}
		sched := buildSchedule(&terms)
		span := int(sched.MaturityDate-terms.DisbursementDate) + 30
		var events []Event
		for seq := int64(3); seq < int64(3+s.rng.IntN(6)); seq++ {
			d := terms.DisbursementDate.AddDays(s.rng.IntN(span))
			events = append(events, pay(seq, d, max(1, money.Amount(s.rng.Int64N(int64(sched.InstallmentAmount)*2+2)))))
		}
		day := terms.DisbursementDate.AddDays(s.rng.IntN(span) + 1)
		for _, e := range events {
			day = max(day, e.ValueDate)
		}
		st := FoldSchedule(terms, sched, events, day)
		if st.settled() || st.Credit > 0 {
			// Credit held beside principal owed (a FLAT plan's rounding)
			// is not spent by a payment: outside what this checks.
			continue
		}
		p := st.PayoffAt(terms)
		if p.Total() == 0 {
			continue
		}
		all := append(events, pay(100, day, p.Total()))
		after := FoldSchedule(terms, sched, all, day)
		if !after.settled() || after.Credit != st.Credit {
			s.fatalf("case %d: paying the payoff %+v on %s: settled %v, credit %d (was %d)\nterms %s", c, p, day, after.settled(), after.Credit, st.Credit, describeTerms(terms))
		}
		checkConserved(t, all, after)
		checkCostSettled(t, terms, after, terms.Principal)
		settledCount++
	}
	if settledCount < 100 {
		t.Fatalf("only %d payoffs checked", settledCount)
	}
}

// TestPrepaymentFeeInTheFold works a 2% prepayment fee, free after 6
// installments, on issue 20's plan by hand. On the first due date
// 4,132.00 pays the installment (1,072.00) and leaves 3,060.00: the most
// principal p with p + 2% of p ≤ 3,060.00 is 3,000.00 (fee 60.00). The
// payoff then (of 8,000.00 not yet due) is 8,000.00 + 160.00, and paying
// it settles the loan. After the 6th due date the fee is free.
func TestPrepaymentFeeInTheFold(t *testing.T) {
	terms, s := feeLoan(CivilCode)
	terms.Charges = append(terms.Charges, Charge{Kind: PrepaymentFee, Percent: fixtureRate("2"), Basis: PrepaidPrincipal, FreeAfterInstallments: 6})
	feb15 := DateOf(2025, 2, 15)
	st := FoldSchedule(terms, s, []Event{pay(3, feb15, 413_200)}, feb15)
	res := st.Payments[0]
	if res.Prepaid != 300_000 || res.Credit != 0 {
		t.Fatalf("prepaid %d credit %d, want 3000.00 and none", res.Prepaid, res.Credit)
	}
	var fee money.Amount
	for _, p := range res.Parts {
		if p.Component == ComponentFees && p.Installment == 2 {
			fee += p.Amount
		}
	}
	if fee != 6_000 {
		t.Errorf("prepayment fee %d on the current installment, want 60.00; parts %+v", fee, res.Parts)
	}
	p := st.PayoffAt(terms)
	if p.Principal != 800_000 || p.Fees != 16_000 || p.Total() != 816_000 {
		t.Errorf("payoff %+v, want 8000.00 + 160.00", p)
	}
	done := FoldSchedule(terms, s, []Event{pay(3, feb15, 413_200), pay(4, feb15, p.Total())}, feb15)
	if !done.settled() || done.Credit != 0 {
		t.Errorf("paying the payoff: settled %v, credit %d", done.settled(), done.Credit)
	}
	// On the 6th due date, 2025-07-15, six installments have fallen due:
	// paying off costs no prepayment fee.
	var events []Event
	for m := 2; m <= 7; m++ {
		events = append(events, pay(int64(m), DateOf(2025, m, 15), 107_200))
	}
	st = FoldSchedule(terms, s, events, DateOf(2025, 7, 15))
	if p := st.PayoffAt(terms); p.Fees != 0 || p.Principal != 600_000 {
		t.Errorf("payoff after 6 installments %+v, want 6000.00 and no fee", p)
	}
}

// TestLateFeeInTheFold works a late fee of 5% of the overdue amount,
// capped at 50.00, with 3 grace days, on issue 20's plan by hand. The
// first installment (1,072.00, due 2025-02-15) unpaid at the end of
// 02-18 bears 5% × 1,072.00 = 53.60, capped: 50.00, once; the second
// (due 03-15) its own on 03-18. 500.00 paid on 02-16 leaves 572.00
// (the Civil Code pays the 72.00 fee first): 28.60. Paid in full within
// grace, none. None after a write-off.
func TestLateFeeInTheFold(t *testing.T) {
	terms, s := feeLoan(CivilCode)
	terms.HasPenalty, terms.Penalty = true, PenaltyPolicy{GraceDays: 3}
	terms.Charges = append(terms.Charges, Charge{Kind: LateFee, Percent: fixtureRate("5"), Basis: OverdueAmount, Cap: 5_000})
	if err := terms.Validate(); err != nil {
		t.Fatal(err)
	}
	fees := func(events []Event, asOf Date) (first, second money.Amount) {
		st := FoldSchedule(terms, s, events, asOf)
		checkConserved(t, events, st)
		return st.Installments[0].FeesDue, st.Installments[1].FeesDue
	}
	if f, _ := fees(nil, DateOf(2025, 2, 17)); f != 7_200 {
		t.Errorf("within grace: fees %d, want the 72.00 service fee only", f)
	}
	if f, _ := fees(nil, DateOf(2025, 2, 18)); f != 7_200+5_000 {
		t.Errorf("grace ended unpaid: fees %d, want 72.00 + 50.00", f)
	}
	if f, g := fees(nil, DateOf(2025, 3, 20)); f != 12_200 || g != 12_200 {
		t.Errorf("a month on: fees %d, %d; want 122.00 each (one late fee each)", f, g)
	}
	if f, _ := fees([]Event{pay(3, DateOf(2025, 2, 16), 50_000)}, DateOf(2025, 2, 20)); f != 7_200+2_860 {
		t.Errorf("500.00 paid in grace: fees %d, want 72.00 + 28.60", f)
	}
	if f, _ := fees([]Event{pay(3, DateOf(2025, 2, 18), 107_200)}, DateOf(2025, 3, 1)); f != 7_200 {
		t.Errorf("paid on the last grace day: fees %d, want no late fee", f)
	}
	if f, g := fees([]Event{writeOff(3, DateOf(2025, 3, 1))}, DateOf(2025, 3, 20)); f != 12_200 || g != 7_200 {
		t.Errorf("written off 03-01: fees %d, %d; want the first's late fee and not the second's", f, g)
	}
	// The fee is owed: in the outstanding and the payoff, and paying the
	// payoff settles the loan.
	st := FoldSchedule(terms, s, nil, DateOf(2025, 2, 20))
	if o := st.Outstanding(); o.Fees != 12_200 {
		t.Errorf("outstanding fees %d, want 122.00", o.Fees)
	}
	p := st.PayoffAt(terms)
	done := FoldSchedule(terms, s, []Event{pay(3, DateOf(2025, 2, 20), p.Total())}, DateOf(2025, 2, 20))
	if !done.settled() || done.Credit != 0 {
		t.Errorf("paying the payoff %+v: settled %v credit %d", p, done.settled(), done.Credit)
	}
}
