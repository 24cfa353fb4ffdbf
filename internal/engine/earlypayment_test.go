package engine

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/loancore/loancore/internal/money"
)

// earlyPaymentFigures reads testdata/handworked/early_payment.json
// (early_payment.py, Python's decimal module), in minor units.
func earlyPaymentFigures(t *testing.T) map[string]money.Amount {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "handworked", "early_payment.json"))
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]string
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	out := map[string]money.Amount{}
	for k, s := range raw {
		if out[k], err = money.ParseAmount(s, fixtureCurrency("CNY")); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// TestEarlyPayment: the level installment paid 10 days early on a loan on
// the actual balance. COVERS_NEXT_INSTALLMENT settles installment 1 with
// its 21 days' interest and its principal, closes its period that day
// (installment 2 accrues from it, 39 days on what is left) and prepays
// the rest; nothing is due on 2024-02-15. PREPAY_PRINCIPAL (the default)
// pays the 21 days and prepays the rest, and installment 1 still falls due.
func TestEarlyPayment(t *testing.T) {
	w := earlyPaymentFigures(t)
	check := func(name string, got, want money.Amount) {
		t.Helper()
		if got != want {
			t.Errorf("%s = %d, want %d", name, got, want)
		}
	}
	paid := []Event{pay(3, DateOf(2024, 2, 5), w["level"])}

	covers := recalc12k()
	covers.Early = CoversNextInstallment
	st := Fold(covers, paid, DateOf(2024, 3, 15))
	in1, in2 := st.Installments[0], st.Installments[1]
	check("covers i1", in1.InterestDue, w["covers_i1"])
	check("covers i1 paid", in1.InterestPaid, w["covers_i1"])
	check("covers p1 paid", in1.PrincipalPaid, w["p1"])
	check("covers prepaid", st.Payments[0].Prepaid, w["covers_prepaid"])
	check("covers i2", in2.InterestDue, w["covers_i2"])
	if in2.StartDate != DateOf(2024, 2, 5) {
		t.Errorf("installment 2 starts %s, want 2024-02-05", in2.StartDate)
	}
	if st := Fold(covers, paid, DateOf(2024, 2, 20)); st.DaysPastDue() != 0 || st.Installments[0].Unpaid() != 0 {
		t.Errorf("covers: as of 2024-02-20, %d days past due, installment 1 owes %d", st.DaysPastDue(), st.Installments[0].Unpaid())
	}

	prepay := recalc12k()
	prepay.Early = PrepayPrincipal
	st = Fold(prepay, paid, DateOf(2024, 2, 20))
	check("prepay i1", st.Installments[0].InterestDue, w["prepay_i1"])
	check("prepay prepaid", st.Payments[0].Prepaid, w["prepay_prepaid"])
	if st.DaysPastDue() != 5 {
		t.Errorf("prepay: %d days past due on 2024-02-20, want 5", st.DaysPastDue())
	}
	// The zero value is PREPAY_PRINCIPAL.
	if got := Fold(recalc12k(), paid, DateOf(2024, 2, 20)); describeFold(got) != describeFold(st) {
		t.Error("the default differs from PREPAY_PRINCIPAL")
	}

	// The payoff amount on any day settles the loan: money paid before a
	// due date covers the installment with interest to date only.
	for _, d := range []Date{DateOf(2024, 2, 5), DateOf(2024, 3, 1)} {
		st := Fold(covers, paid, d)
		total := st.PayoffAt(covers).Total()
		st = Fold(covers, append(paid, pay(4, d, total)), d.AddDays(60))
		if st.PaidOffDate != d || st.Credit != 0 {
			t.Errorf("payoff %d on %s: paid off %s, credit %d", total, d, st.PaidOffDate, st.Credit)
		}
	}

	// Without interest on the actual balance the installment's interest
	// is the plan's, for its whole period: covering it would charge more
	// than the payoff amount, so the policy is refused.
	plain := covers
	plain.InterestRecalculation = false
	if err := plain.Validate(); !hasViolation(err, "early_payment") {
		t.Errorf("COVERS_NEXT_INSTALLMENT without recalculation: %v", err)
	}
}

// TestAllInterestFirst: 300.00 paid with installments 1 and 2 overdue pays
// both installments' interest, and the 5 days installment 3 has accrued,
// before any principal; INTEREST_FIRST pays installment 1's interest and
// principal first.
func TestAllInterestFirst(t *testing.T) {
	w := earlyPaymentFigures(t)
	paid := []Event{pay(3, DateOf(2024, 3, 20), 30_000)}
	terms := recalc12k()
	terms.Allocation = AllInterestFirst
	st := Fold(terms, paid, DateOf(2024, 3, 20))
	want := []AllocationPart{
		{Installment: 1, Component: ComponentInterest, Amount: w["all_i1"]},
		{Installment: 2, Component: ComponentInterest, Amount: w["all_i2"]},
		{Installment: 3, Component: ComponentInterest, Amount: w["all_i3"]},
		{Installment: 1, Component: ComponentPrincipal, Amount: w["all_p1"]},
	}
	if got := st.Payments[0].Parts; !slices.Equal(got, want) {
		t.Errorf("ALL_INTEREST_FIRST parts %+v, want %+v", got, want)
	}
	terms.Allocation = InterestFirst
	st = Fold(terms, paid, DateOf(2024, 3, 20))
	if got := st.Payments[0].Parts; len(got) != 2 || got[1].Amount != w["row_p1"] {
		t.Errorf("INTEREST_FIRST parts %+v, want installment 1's interest then %d principal", got, w["row_p1"])
	}
}
