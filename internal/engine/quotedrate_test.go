package engine

import (
	"strings"
	"testing"

	"github.com/loancore/loancore/internal/money"
)

// TestAnnualEquivalent: issue 19's "0.05" a day is 18% a year under
// ACT/360 and 18.25% under ACT/365; a month's 1.5% is 18% (figures in
// testdata/handworked/daily_rate.py). The equivalent is exact: no digit
// of the quote is lost.
func TestAnnualEquivalent(t *testing.T) {
	tests := []struct {
		unit RateUnit
		rate string
		dc   DayCount
		want string
	}{
		{PerDay, "0.05", Act360, "18"},
		{PerDay, "0.05", Act365Fixed, "18.25"},
		{PerDay, "0.05", Act364, "18.2"},
		{PerDay, "0.05", Thirty360, "18"},
		{PerDay, "0.00012345", Act365Fixed, "0.04505925"},
		{PerMonth, "1.5", Act365Fixed, "18"},
		{PerMonth, "0.6125", ActAct, "7.35"},
		{PerYear, "4.9", Act360, "4.9"},
	}
	for _, tt := range tests {
		got, ok := AnnualEquivalent(QuotedRate{Unit: tt.unit, Rate: mustRate(t, tt.rate)}, tt.dc)
		if !ok || got.String() != tt.want {
			t.Errorf("%s %s under %d = %s, %v; want %s", tt.unit.Field(), tt.rate, tt.dc, got, ok, tt.want)
		}
	}
	if _, ok := AnnualEquivalent(QuotedRate{Unit: PerDay, Rate: mustRate(t, "0.05")}, ActAct); ok {
		t.Error("a daily rate under ACT/ACT has an annual equivalent")
	}
}

// TestDailyRateSchedule is a loan quoted at 0.05% a day under ACT/365,
// worked by hand in testdata/handworked/daily_rate.py: every period's
// interest is the balance × 0.05% × its days, and the schedule is the one
// of the same loan at 18.25% a year.
func TestDailyRateSchedule(t *testing.T) {
	terms := Terms{
		Currency: fixtureCurrency("CNY"), Principal: 1_000_000, InstallmentCount: 3,
		Frequency: Frequency{Unit: Month, Every: 1}, Method: EqualPrincipal,
		DisbursementDate: DateOf(2024, 1, 15), FirstDueDate: NoDate,
		InterestAccrual: Daily, DayCount: Act365Fixed, Rounding: Rounding{Mode: money.HalfUp, Multiple: 1},
	}
	terms.SetQuotedRate(QuotedRate{Unit: PerDay, Rate: mustRate(t, "0.05")})
	if terms.AnnualRate.String() != "18.25" {
		t.Fatalf("AnnualRate = %s, want 18.25", terms.AnnualRate)
	}
	s, err := BuildSchedule(terms)
	if err != nil {
		t.Fatal(err)
	}
	want := [][3]money.Amount{{333333, 15500, 666667}, {333333, 9667, 333334}, {333334, 5167, 0}}
	for k, in := range s.Installments {
		if got := [3]money.Amount{in.Principal, in.Interest, in.BalanceAfter}; got != want[k] {
			t.Errorf("installment %d: principal, interest, balance = %v, want %v", k+1, got, want[k])
		}
	}
	annual := terms
	annual.Quoted = QuotedRate{}
	if a, err := BuildSchedule(annual); err != nil || a.TotalInterest != s.TotalInterest {
		t.Errorf("at 18.25%% a year the interest is %v (%v), quoted a day %v", a.TotalInterest, err, s.TotalInterest)
	}
}

// TestQuotedRateValidation: a quoted rate's violations name the field it
// was given in.
func TestQuotedRateValidation(t *testing.T) {
	base := func(unit RateUnit, rate string, dc DayCount) Terms {
		tm := Terms{
			Currency: fixtureCurrency("CNY"), Principal: 1_000_000, InstallmentCount: 12,
			Frequency: Frequency{Unit: Month, Every: 1}, Method: EqualInstallment,
			DisbursementDate: DateOf(2024, 1, 15), FirstDueDate: NoDate,
			InterestAccrual: Daily, DayCount: dc, Rounding: Rounding{Mode: money.HalfUp, Multiple: 1},
		}
		tm.SetQuotedRate(QuotedRate{Unit: unit, Rate: mustRate(t, rate)})
		return tm
	}
	tests := []struct {
		name  string
		terms Terms
		want  string // the violation's field and a word of its description; "" for none
	}{
		{"daily ok", base(PerDay, "0.05", Act360), ""},
		{"monthly ok", base(PerMonth, "1.5", Act360), ""},
		{"daily under ACT/ACT", base(PerDay, "0.05", ActAct), "daily_rate_percent: a daily rate needs"},
		{"daily too high", base(PerDay, "3", Act365Fixed), "daily_rate_percent: its annual equivalent 1095%"},
		{"monthly too high", base(PerMonth, "84", Act365Fixed), "monthly_rate_percent: its annual equivalent 1008%"},
		{"annual out of step", func() Terms { tm := base(PerDay, "0.05", Act360); tm.AnnualRate = mustRate(t, "18.25"); return tm }(),
			"annual_rate_percent: must be the annual equivalent of daily_rate_percent (18)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.terms.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Validate() = %v, want %q", err, tt.want)
			}
		})
	}
}
