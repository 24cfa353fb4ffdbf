package engine

import (
	"slices"
	"testing"

	"github.com/loancore/loancore/internal/money"
)

// Fees beside issue 19's options: tranches, KEEP_INSTALLMENT,
// COVERS_NEXT_INSTALLMENT and ALL_INTEREST_FIRST. The interest figures are
// the options' own hand-worked ones (a fixed fee changes no interest); the
// fees are checked against their definition, worked here apart from the
// engine's addServiceFees.

// fixedFee is a SERVICE_FEE of amount per installment.
func fixedFee(amount money.Amount) []Charge {
	return []Charge{{Kind: ServiceFee, Amount: amount}}
}

// TestAllInterestFirstWithFees: ALL_INTEREST_FIRST pays every
// installment's interest first (TestAllInterestFirst's figures), then
// installment 1's fee before its principal.
func TestAllInterestFirstWithFees(t *testing.T) {
	w := earlyPaymentFigures(t)
	terms := recalc12k()
	terms.Allocation = AllInterestFirst
	terms.Charges = fixedFee(1_500)
	st := Fold(terms, []Event{pay(3, DateOf(2024, 3, 20), 30_000)}, DateOf(2024, 3, 20))
	want := []AllocationPart{
		{Installment: 1, Component: ComponentInterest, Amount: w["all_i1"]},
		{Installment: 2, Component: ComponentInterest, Amount: w["all_i2"]},
		{Installment: 3, Component: ComponentInterest, Amount: w["all_i3"]},
		{Installment: 1, Component: ComponentFees, Amount: 1_500},
		{Installment: 1, Component: ComponentPrincipal, Amount: w["all_p1"] - 1_500},
	}
	if got := st.Payments[0].Parts; !slices.Equal(got, want) {
		t.Errorf("parts %+v, want %+v", got, want)
	}
}

// TestCoversNextWithFees: COVERS_NEXT_INSTALLMENT settles the coming
// installment whole, its fee with it, so nothing of it falls due alone on
// its date (TestEarlyPayment's loan and figures, plus a 15.00 fee).
func TestCoversNextWithFees(t *testing.T) {
	w := earlyPaymentFigures(t)
	terms := recalc12k()
	terms.Early = CoversNextInstallment
	terms.Charges = fixedFee(1_500)
	paid := []Event{pay(3, DateOf(2024, 2, 5), w["level"]+1_500)}
	st := Fold(terms, paid, DateOf(2024, 2, 20))
	in1 := st.Installments[0]
	if in1.FeesPaid != 1_500 || in1.InterestPaid != w["covers_i1"] || in1.PrincipalPaid != w["p1"] {
		t.Errorf("installment 1 %+v: want fee 15.00, interest %d, principal %d paid", in1, w["covers_i1"], w["p1"])
	}
	if got := st.Payments[0].Prepaid; got != w["covers_prepaid"] {
		t.Errorf("prepaid %d, want %d (as without the fee)", got, w["covers_prepaid"])
	}
	if in1.Unpaid() != 0 || st.DaysPastDue() != 0 {
		t.Errorf("on 2024-02-20 installment 1 owes %d, %d days past due; want nothing", in1.Unpaid(), st.DaysPastDue())
	}
}

// TestTrancheWithServiceFees: after a tranche the rows solved again bear
// the fee on their new balances; the row the tranche falls in keeps the
// fee fixed when its period began; paying the payoff settles the loan.
func TestTrancheWithServiceFees(t *testing.T) {
	terms := trancheEI()
	// 0.5% of the balance at each period's start, half up.
	terms.Charges = []Charge{{Kind: ServiceFee, Percent: fixtureRate("0.5"), Basis: OutstandingPrincipal}}
	s := buildSchedule(&terms)
	apr1 := DateOf(2024, 4, 1)
	events := []Event{tranche(3, apr1, 600_000)}
	st := Fold(terms, events, apr1)
	k := st.current(apr1)
	if k != 2 {
		t.Fatalf("the tranche falls in row %d, want 2 (15 March - 15 April)", k)
	}
	for i, in := range st.Installments {
		var balance money.Amount
		for _, later := range st.Installments[i:] {
			balance += later.PrincipalDue
		}
		want := (balance*5 + 500) / 1000 // 0.5%, half up, in minor units
		if i <= k {
			want = s.Installments[i].Fees
		}
		if in.FeesDue != want {
			t.Errorf("row %d fee %d, want %d (balance %d)", i+1, in.FeesDue, want, balance)
		}
	}
	if st.Installments[k+1].FeesDue <= s.Installments[k+1].Fees {
		t.Errorf("row %d fee %d: the tranche should raise it above %d", k+2, st.Installments[k+1].FeesDue, s.Installments[k+1].Fees)
	}
	d := DateOf(2024, 5, 3)
	before := Fold(terms, events, d)
	total := before.PayoffAt(terms).Total()
	paid := Fold(terms, append(events, pay(4, d, total)), d)
	if paid.PaidOffDate != d || paid.Credit != 0 {
		t.Errorf("paying the payoff %d: paid off %s, credit %d", total, paid.PaidOffDate, paid.Credit)
	}

	// A percent of the original principal is undefined once tranches add
	// to it: refused, naming approved_amount.
	orig := trancheEI()
	orig.Charges = []Charge{{Kind: ServiceFee, Percent: fixtureRate("0.5"), Basis: OriginalPrincipal}}
	if err := orig.Validate(); !hasViolation(err, "approved_amount") {
		t.Errorf("ORIGINAL_PRINCIPAL fee with approved_amount: %v", err)
	}
}

// TestKeepInstallmentWithFees: a prepayment under KEEP_INSTALLMENT keeps
// the level of principal and interest; the fees stay beside it, one per
// row left, and the rows the prepayment took away bear none.
func TestKeepInstallmentWithFees(t *testing.T) {
	terms := loan12k()
	terms.Prepayment = KeepInstallment
	terms.Charges = fixedFee(1_500)
	s := buildSchedule(&terms)
	feb := s.Installments[0].DueDate
	level := s.Installments[0].Total
	st := Fold(terms, []Event{pay(3, feb, level+1_500+400_000)}, feb)
	if st.Payments[0].Prepaid == 0 {
		t.Fatalf("payment %+v prepaid nothing", st.Payments[0])
	}
	rows := st.Installments
	if len(rows) >= len(s.Installments) {
		t.Errorf("%d rows after a 4000.00 prepayment, want fewer than %d", len(rows), len(s.Installments))
	}
	for i, in := range rows {
		if in.FeesDue != 1_500 {
			t.Errorf("row %d fee %d, want 15.00", i+1, in.FeesDue)
		}
		// Row 2, current at the prepayment, holds the principal prepaid.
		if i > 1 && i < len(rows)-1 && in.PrincipalDue+in.InterestDue != level {
			t.Errorf("row %d principal+interest %d, want the kept %d", i+1, in.PrincipalDue+in.InterestDue, level)
		}
	}
}
