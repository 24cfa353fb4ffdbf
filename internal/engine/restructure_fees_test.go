package engine

import (
	"testing"

	"github.com/loancore/loancore/internal/money"
)

// feeAgreementLoan is the loan testdata/restructure_fees.py works by hand:
// issue 20's 12,000.00 plan (1,000.00 + a 72.00 service fee a month, no
// interest) with a fixed 30.00 late fee, nothing paid, folded as of
// 2025-04-20 when installments 1–3 are due: 3 × (72 + 30) = 306.00 of
// fees overdue, 9 × 72 = 648.00 not yet due.
func feeAgreementLoan(t *testing.T) (Terms, Schedule, Date, LoanState) {
	t.Helper()
	terms := creditCardPlan(1_200_000, 12, "0.6")
	terms.Charges = append(terms.Charges, Charge{Kind: LateFee, Amount: 3_000})
	s := buildSchedule(&terms)
	eff := DateOf(2025, 4, 20)
	st := FoldSchedule(terms, s, nil, eff)
	if o := st.Outstanding(); o.Fees != 30_600 {
		t.Fatalf("outstanding %+v, want 306.00 of fees", o)
	}
	return terms, s, eff, st
}

// TestRestructureWithFees works each kind of agreement on a loan with fees
// by hand (testdata/restructure_fees.py): fees due are waived, frozen,
// carried or capitalised; fees not yet due follow the new plan; and the
// fold executes the quote, fees included.
func TestRestructureWithFees(t *testing.T) {
	terms, s, eff, st := feeAgreementLoan(t)
	fees := func(q RestructureQuote) []money.Amount {
		var out []money.Amount
		for _, r := range q.Installments {
			out = append(out, r.Fees)
		}
		return out
	}
	quoteAndRun := func(c Changes) (RestructureQuote, LoanState) {
		t.Helper()
		q, err := QuoteRestructuring(terms, st, eff, c)
		if err != nil {
			t.Fatal(err)
		}
		if q.TotalCostBefore != 95_400 {
			t.Errorf("cost before %d, want 954.00 (306.00 due + 648.00 not yet)", q.TotalCostBefore)
		}
		got := FoldSchedule(terms, s, []Event{agreementEvent(3, eff, c)}, eff)
		checkExecuted(t, got, q)
		return q, got
	}

	t.Run("waiver alone", func(t *testing.T) {
		q, _ := quoteAndRun(Changes{Waiver: &WaiverChange{Fees: 10_000}})
		want := []money.Amount{200, 10_200, 10_200, 7_200, 7_200, 7_200, 7_200, 7_200, 7_200, 7_200, 7_200, 7_200}
		if q.Waived.Fees != 10_000 || !equalAmounts(fees(q), want) || q.TotalCostAfter != 85_400 {
			t.Errorf("waived %d, fees %v, cost after %d; want 100.00, %v, 854.00", q.Waived.Fees, fees(q), q.TotalCostAfter, want)
		}
	})

	t.Run("late fees stay charged", func(t *testing.T) {
		// Close of business journals the late fees charged: an agreement
		// settles its day but must not take them back (3 × 30.00).
		lateFees := func(st LoanState) (sum money.Amount) {
			for _, in := range st.Installments {
				sum += in.LateFee()
			}
			return sum
		}
		_, got := quoteAndRun(Changes{Waiver: &WaiverChange{Fees: 10_000}})
		if b, a := lateFees(st), lateFees(got); b != 9_000 || a != 9_000 {
			t.Errorf("late fees charged %d before the agreement, %d after; want 90.00", b, a)
		}
	})

	t.Run("freeze plan", func(t *testing.T) {
		c := Changes{Waiver: &WaiverChange{Fees: 600}, InterestFreezePlan: &InterestFreezePlan{InstallmentCount: 6, FirstDueDate: DateOf(2025, 5, 15)}}
		q, _ := quoteAndRun(c)
		if q.Capitalised != 30_000 || q.Balance != 1_230_000 || q.TotalCostAfter != 30_000 {
			t.Errorf("capitalised %d, balance %d, cost after %d; want 300.00, 12300.00, 300.00", q.Capitalised, q.Balance, q.TotalCostAfter)
		}
		events := []Event{agreementEvent(3, eff, c)}
		for i, r := range q.Installments {
			if r.Principal != 205_000 || r.Fees != 0 {
				t.Errorf("row %d: %+v, want 2050.00 and no fee", i, r)
			}
			// Paid a day late: a late fee would be posted, but not while frozen.
			events = append(events, pay(int64(10+i), r.DueDate.AddDays(1), r.Principal))
		}
		end := q.Installments[5].DueDate.AddDays(1)
		got := FoldSchedule(terms, s, events, end)
		checkConserved(t, events, got)
		if got.PaidOffDate != end || got.Credit != 0 || got.Superseded.FeesPaid != 0 {
			t.Errorf("paid off %s, credit %d; want paid off %s with nothing left", got.PaidOffDate, got.Credit, end)
		}
		for _, in := range got.Installments {
			if in.FeesDue != 0 {
				t.Errorf("installment %d bears fees %d under the freeze plan", in.Number, in.FeesDue)
			}
		}
	})

	t.Run("term extension", func(t *testing.T) {
		q, _ := quoteAndRun(Changes{TermExtension: &TermExtension{ExtraInstallments: 2}})
		if n := len(q.Installments); n != 11 || q.Carried.Fees != 30_600 {
			t.Fatalf("%d rows, carried fees %d; want 11 and 306.00", n, q.Carried.Fees)
		}
		for i, r := range q.Installments {
			wantFee, wantP := money.Amount(7_200), money.Amount(109_091)
			if i == 0 {
				wantFee = 37_800 // its own 72.00 and the 306.00 carried
			}
			if i == 10 {
				wantP = 109_090
			}
			if r.Fees != wantFee || r.Principal != wantP {
				t.Errorf("row %d: principal %d fees %d, want %d and %d", i, r.Principal, r.Fees, wantP, wantFee)
			}
		}
		if q.TotalCostAfter != 109_800 {
			t.Errorf("cost after %d, want 1098.00", q.TotalCostAfter)
		}
	})

	t.Run("capitalise and reamortise", func(t *testing.T) {
		c := Changes{Capitalisation: &Capitalisation{}, Reamortisation: &Reamortisation{Method: EqualPrincipal, InstallmentCount: 6,
			Frequency: Frequency{Unit: Month, Every: 1}, FirstDueDate: DateOf(2025, 5, 20)}}
		q, _ := quoteAndRun(c)
		if q.Capitalised != 30_600 || q.Balance != 1_230_600 || q.Carried.Fees != 0 || q.TotalCostAfter != 73_800 {
			t.Errorf("capitalised %d, balance %d, carried fees %d, cost after %d; want 306.00, 12306.00, 0, 738.00",
				q.Capitalised, q.Balance, q.Carried.Fees, q.TotalCostAfter)
		}
		var flows []CashFlow
		for i, r := range q.Installments {
			if r.Principal != 205_100 || r.Fees != 7_200 {
				t.Errorf("row %d: %+v, want 2051.00 and the contract's 72.00", i, r)
			}
			flows = append(flows, CashFlow{Amount: r.Total + r.Fees, Date: r.DueDate})
		}
		apr, err := ComputeAPR(APRInput{Advanced: q.Balance, AdvanceDate: eff, Payments: flows, Method: IRRNominal,
			UnitPeriod: Frequency{Unit: Month, Every: 1}, Decimals: 2})
		if err != nil || apr.String() != "11.94" {
			t.Errorf("APR %s (%v), want 11.94 (11.93747496 by bisection)", apr, err)
		}
	})
}

func equalAmounts(a, b []money.Amount) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestNoFeeAfterWriteOff: for random loans with service and late fees and
// random payments, written off on a random date, no fee is posted after
// the write-off: every installment's fees as of any later date are those
// as of the write-off (a late fee whose grace ended by then stays).
func TestNoFeeAfterWriteOff(t *testing.T) {
	s := newSeeded(t, 0xfee0)
	posted := 0
	for range 200 {
		terms, _, events := randomPenaltyLoan(s.rng)
		terms.Charges = append(randomServiceFees(s.rng, terms), Charge{Kind: LateFee, Amount: money.Amount(1 + s.rng.Int64N(int64(terms.Principal)/100+1))})
		if terms.Validate() != nil {
			continue
		}
		sched := buildSchedule(&terms)
		span := int(sched.MaturityDate - terms.DisbursementDate)
		w := terms.DisbursementDate.AddDays(1 + s.rng.IntN(span+30))
		var log []Event
		for _, e := range events {
			if e.ValueDate <= w {
				log = append(log, e)
			}
		}
		log = append(log, Event{Seq: 900, Kind: EventWriteOff, ValueDate: w})
		at := FoldSchedule(terms, sched, log, w)
		later := FoldSchedule(terms, sched, log, w.AddDays(1+s.rng.IntN(800)))
		for i, in := range later.Installments {
			if in.FeesDue != at.Installments[i].FeesDue {
				s.fatalf("installment %d: fees %d after the write-off on %s, %d on it\nterms %s", in.Number, in.FeesDue, w, at.Installments[i].FeesDue, describeTerms(terms))
			}
			if in.lateFee > 0 {
				posted++
			}
		}
	}
	if posted == 0 {
		t.Fatal("no late fee was posted before any write-off: the test checks nothing")
	}
}

// TestBulletReplanWithFees: a BULLET's one row bears a service fee for
// each of its periods, owed at maturity. Re-planned on its due dates, the
// new row keeps what of them is unpaid and bears the contract's fee for
// each period an extension adds, numbered on (so free_after_installments
// counts them), on the new balance. 12,000.00 at no interest over 6
// months from 2025-01-15, maturity 2025-07-15:
//   - 0.5% of the original principal a month: 6 × 60.00 = 360.00 booked;
//     extended by 3 on 2025-03-20, 360.00 + 3 × 60.00 = 540.00.
//   - 1% of the balance, 2,000.00 prepaid on 2025-02-01: 6 × 120.00 =
//     720.00 kept (fixed at booking, as a prepayment keeps them); extended
//     by 3, 3 × 1% of 10,000.00 = 300.00 more: 1,020.00.
//   - the same 0.5% fee, free after 5 installments: 5 × 60.00 = 300.00
//     booked, and the added periods, numbered 7 to 9, bear none: 300.00
//     (numbered from 1 they would add 180.00).
//   - matured unpaid on 2025-07-15, extended by 2 on 2025-08-01: the
//     360.00 due is carried onto the row, which bears 2 × 60.00 of its
//     own: 480.00.
func TestBulletReplanWithFees(t *testing.T) {
	bullet := func(c Charge) Terms {
		terms := creditCardPlan(1_200_000, 6, "0.5")
		terms.Method = Bullet
		terms.Charges = []Charge{c}
		if err := terms.Validate(); err != nil {
			t.Fatal(err)
		}
		return terms
	}
	original := Charge{Kind: ServiceFee, Percent: fixtureRate("0.5"), Basis: OriginalPrincipal}
	free5 := original
	free5.FreeAfterInstallments = 5
	outstanding := Charge{Kind: ServiceFee, Percent: fixtureRate("1"), Basis: OutstandingPrincipal}
	for _, tc := range []struct {
		name   string
		charge Charge
		events []Event
		eff    Date
		extra  int
		want   money.Amount
	}{
		{"original principal", original, nil, DateOf(2025, 3, 20), 3, 54_000},
		{"outstanding after a prepayment", outstanding, []Event{pay(3, DateOf(2025, 2, 1), 200_000)}, DateOf(2025, 3, 20), 3, 102_000},
		{"free after 5", free5, nil, DateOf(2025, 3, 20), 3, 30_000},
		{"matured", original, nil, DateOf(2025, 8, 1), 2, 48_000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			terms := bullet(tc.charge)
			s := buildSchedule(&terms)
			st := FoldSchedule(terms, s, tc.events, tc.eff)
			c := Changes{TermExtension: &TermExtension{ExtraInstallments: tc.extra}}
			q, err := QuoteRestructuring(terms, st, tc.eff, c)
			if err != nil {
				t.Fatal(err)
			}
			if n := len(q.Installments); q.Installments[n-1].Fees != tc.want {
				t.Errorf("the new row's fees %d, want %d; rows %+v", q.Installments[n-1].Fees, tc.want, q.Installments)
			}
			got := FoldSchedule(terms, s, append(tc.events, agreementEvent(100, tc.eff, c)), tc.eff)
			checkExecuted(t, got, q)
		})
	}
}
