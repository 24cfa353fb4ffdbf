package engine

import (
	"testing"

	"github.com/loancore/loancore/internal/money"
)

// TestCapCountsFees: TestPenaltyCap's loan with a service fee of 2.00 a
// period (24.00 on the BULLET's due date) and a late fee of 10.00. The
// cap counts contract interest + fees + penalty + compound, cumulatively
// on the principal, so it bites on D+35 instead of D+51; with fees of
// 34.00 more counted, capped charges at D+100 are 34.00 lower.
// testdata/handworked/cap_with_fees.py (Python decimal):
//
//	without fees: full days 50, capped on D+51, room that day 520
//	  penalty+compound at D+100: 45972
//	with fees: full days 34, capped on D+35, room that day 381
//	  penalty+compound at D+100: 42572
func TestCapCountsFees(t *testing.T) {
	due := DateOf(2025, 1, 15)
	terms := bullet10k("12", 12, func(p *PenaltyPolicy) {
		p.CompoundOverdueInterest = true
		p.HasCap, p.CapAnnualPercent = true, fixtureRate("13")
	})
	terms.Charges = []Charge{{Kind: ServiceFee, Amount: 200}, {Kind: LateFee, Amount: 1_000}}
	if err := terms.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		days      int
		pen, comp money.Amount
		capped    Date
	}{
		{34, 34 * 500, 34 * 60, NoDate},
		// Room 381: penalty before compound.
		{35, 34*500 + 381, 34 * 60, DateOf(2025, 2, 19)},
	} {
		st := Fold(terms, nil, due.AddDays(tc.days))
		if in := st.Installments[0]; in.FeesDue != 2_400+1_000 {
			t.Fatalf("fees due %d, want 24.00 + the 10.00 late fee", in.FeesDue)
		}
		if pen, comp := penaltyOf(st); pen != tc.pen || comp != tc.comp || st.CappedOn != tc.capped {
			t.Errorf("D+%d: penalty %d compound %d capped %s, want %d %d %s", tc.days, pen, comp, st.CappedOn, tc.pen, tc.comp, tc.capped)
		}
	}
	st := Fold(terms, nil, due.AddDays(100))
	if pen, comp := penaltyOf(st); pen+comp != 42_572 {
		t.Errorf("charges at D+100: %d + %d, want 42572", pen, comp)
	}
	// A payment between the grace end and the cap's day splits the runs
	// differently; the late fee still counts from D+1. 1.00 on D+20 goes
	// to fees first (interest first orders pay fees first).
	paid := Fold(terms, []Event{pay(3, due.AddDays(20), 100)}, due.AddDays(35))
	if paid.CappedOn != DateOf(2025, 2, 19) {
		t.Errorf("with a payment on D+20: capped on %s, want 2025-02-19", paid.CappedOn)
	}
}
