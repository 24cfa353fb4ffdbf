package engine

import (
	"strings"
	"testing"

	"github.com/loancore/loancore/internal/money"
)

func fixedInstallmentTerms() Terms {
	return Terms{
		Currency: fixtureCurrency("CNY"), Principal: 1_200_000, AnnualRate: money.Rate{Units: 12},
		Frequency: Frequency{Unit: Month, Every: 1}, Method: EqualInstallment,
		DisbursementDate: DateOf(2024, 1, 15), FirstDueDate: NoDate,
		InterestAccrual: Periodic, DayCount: Act360, Rounding: Rounding{Mode: money.HalfUp, Multiple: 1},
		InstallmentAmount: 100_000,
	}
}

// TestFixedInstallmentAmount: 12,000.00 at 1% a month paid 1,000.00 a month
// takes 13 installments, the last 847.79 (worked by hand in
// testdata/handworked/fixed_installment.py; NPER(1%, -1000, 12000) =
// 12.847, rounded up).
func TestFixedInstallmentAmount(t *testing.T) {
	terms := fixedInstallmentTerms()
	if err := terms.DeriveInstallmentCount(); err != nil {
		t.Fatal(err)
	}
	if terms.InstallmentCount != 13 {
		t.Fatalf("InstallmentCount = %d, want 13", terms.InstallmentCount)
	}
	s, err := BuildSchedule(terms)
	if err != nil {
		t.Fatal(err)
	}
	for k, in := range s.Installments[:12] {
		if in.Total != 100_000 {
			t.Errorf("installment %d total %v, want 1000.00", k+1, in.Total)
		}
	}
	last := s.Installments[12]
	if last.Principal != 83940 || last.Interest != 839 || last.Total != 84779 {
		t.Errorf("last installment %v + %v = %v, want 839.40 + 8.39 = 847.79", last.Principal, last.Interest, last.Total)
	}
	if s.InstallmentAmount != 100_000 || s.TotalInterest != 1_284_779-1_200_000 {
		t.Errorf("installment amount %v, total interest %v; want 1000.00, 847.79", s.InstallmentAmount, s.TotalInterest)
	}
}

// TestFixedInstallmentAmountRefused: the amount's violations name the field
// to change.
func TestFixedInstallmentAmountRefused(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Terms)
		want   string
	}{
		{"below the interest", func(t *Terms) { t.InstallmentAmount = 12_000 }, "installment_amount: too small"},
		{"with a count", func(t *Terms) { t.InstallmentCount = 12 }, "installment_count: leave it 0"},
		{"not level", func(t *Terms) { t.Method = EqualPrincipal }, "installment_amount: only with EQUAL_INSTALLMENT"},
		{"other terms bad", func(t *Terms) { t.Principal = 0 }, "principal:"},
	}
	for _, tt := range tests {
		terms := fixedInstallmentTerms()
		tt.modify(&terms)
		err := terms.DeriveInstallmentCount()
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.want)
		}
	}
}
