package engine

import (
	"testing"

	"github.com/loancore/loancore/internal/money"
)

// TestDailyPenaltyHandChecked: the example — 10,000 overdue
// principal, contract 4.9%, markup 50%, ACT/360: 10000 × 0.049 × 1.5 / 360
// = 2.0416… → 2.04 a day.
func TestDailyPenaltyHandChecked(t *testing.T) {
	p := PenaltyPolicy{MarkupPercent: fixtureRate("50"), HasMarkupPercent: true, DayCount: Act360}
	num, den := p.PenaltyDailyRate(fixtureRate("4.9"))
	if got := DailyPenalty(1_000_000, num, den, money.HalfUp); got != 204 {
		t.Fatalf("daily penalty = %d, want 204", got)
	}
	// The default policy is the same 50% markup on ACT/360.
	num, den = PenaltyPolicy{}.PenaltyDailyRate(fixtureRate("4.9"))
	if got := DailyPenalty(1_000_000, num, den, money.HalfUp); got != 204 {
		t.Fatalf("default daily penalty = %d, want 204", got)
	}
	// An absolute 18% a year on ACT/365: 10000 × 0.18 / 365 = 4.93.
	abs := PenaltyPolicy{AnnualRate: fixtureRate("18"), HasAnnualRate: true, DayCount: Act365Fixed}
	num, den = abs.PenaltyDailyRate(fixtureRate("4.9"))
	if got := DailyPenalty(1_000_000, num, den, money.HalfUp); got != 493 {
		t.Fatalf("absolute daily penalty = %d, want 493", got)
	}
	// A 30% markup on 12% ACT/360 on 1,000.00: 1000 × 0.156 / 360 = 0.4333 → 0.43.
	m30 := PenaltyPolicy{MarkupPercent: fixtureRate("30"), HasMarkupPercent: true}
	num, den = m30.PenaltyDailyRate(fixtureRate("12"))
	if got := DailyPenalty(100_000, num, den, money.HalfUp); got != 43 {
		t.Fatalf("30%% markup daily penalty = %d, want 43", got)
	}
}

func TestPenaltyPolicyValidate(t *testing.T) {
	bad := PenaltyPolicy{HasAnnualRate: true, HasMarkupPercent: true, GraceDays: -1, Basis: 7}
	err := bad.Validate()
	inv, ok := err.(*InvalidError)
	if !ok || len(inv.Violations) != 3 {
		t.Fatalf("Validate = %v", err)
	}
	if err := (PenaltyPolicy{GraceDays: 3}).Validate(); err != nil {
		t.Fatal(err)
	}
}
