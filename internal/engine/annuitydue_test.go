package engine

import (
	"strings"
	"testing"

	"github.com/loancore/loancore/internal/money"
)

func annuityDueTerms() Terms {
	return Terms{
		Currency: fixtureCurrency("CNY"), Principal: 1_200_000, AnnualRate: money.Rate{Units: 12},
		InstallmentCount: 12, Frequency: Frequency{Unit: Month, Every: 1}, Method: EqualInstallment,
		DisbursementDate: DateOf(2024, 1, 15), FirstDueDate: NoDate,
		InterestAccrual: Periodic, DayCount: Act360, Rounding: Rounding{Mode: money.HalfUp, Multiple: 1},
		Timing: InAdvance,
	}
}

// TestAnnuityDue: payments in advance. The figures are worked by hand in
// testdata/handworked/annuity_due.py: the level installment is Excel's
// PMT(rate, nper, pv, 0, 1) = PMT / (1 + i), the first installment is due
// on the disbursement date with no interest, and the last one period before
// the end of the term.
func TestAnnuityDue(t *testing.T) {
	tests := []struct {
		name                   string
		terms                  func() Terms
		level, second, last    money.Amount // totals; second's interest below
		secondInterest, totalI money.Amount
		lastDue                Date
	}{
		{"12,000 at 1% a month", annuityDueTerms, 105563, 105563, 105561, 10944, 66754, DateOf(2024, 12, 15)},
		// TechOnTheNet's PMT example terms: =PMT(8.25%/12, 2*12, 6400, 0, 1).
		{"6,400 at 8.25% over 24 months", func() Terms {
			tm := annuityDueTerms()
			tm.Principal, tm.AnnualRate, tm.InstallmentCount = 640_000, money.Rate{Units: 825, Scale: 2}, 24
			return tm
		}, 28820, 28820, 28831, 4202, 51691, DateOf(2025, 12, 15)},
	}
	for _, tt := range tests {
		tm := tt.terms()
		s, err := BuildSchedule(tm)
		if err != nil {
			t.Fatal(tt.name, err)
		}
		first, second, last := s.Installments[0], s.Installments[1], s.Installments[len(s.Installments)-1]
		if s.InstallmentAmount != tt.level || first.DueDate != tm.DisbursementDate || first.Interest != 0 || first.Principal != tt.level {
			t.Errorf("%s: level %v, first %+v; want %v due on disbursement without interest", tt.name, s.InstallmentAmount, first, tt.level)
		}
		if second.StartDate != tm.DisbursementDate || second.Interest != tt.secondInterest || second.Total != tt.second {
			t.Errorf("%s: second %+v, want interest %v total %v from disbursement", tt.name, second, tt.secondInterest, tt.second)
		}
		if last.Total != tt.last || last.DueDate != tt.lastDue || last.BalanceAfter != 0 || s.TotalInterest != tt.totalI {
			t.Errorf("%s: last %+v, total interest %v; want %v on %v, %v", tt.name, last, s.TotalInterest, tt.last, tt.lastDue, tt.totalI)
		}
		// With no fee the schedule's APR is the contract rate: the
		// payment on the disbursement date counts at time 0.
		if apr := ScheduleAPR(tm, s, 2); apr.Cmp(tm.AnnualRate) != 0 {
			t.Errorf("%s: APR %v, want %v", tt.name, apr, tm.AnnualRate)
		}
	}
}

// TestAnnuityDueFirstPayment: the first installment is due on the
// disbursement date, so a loan whose borrower has not paid it is one day
// past due the next day, and the payment taken at disbursement settles it.
func TestAnnuityDueFirstPayment(t *testing.T) {
	tm := annuityDueTerms()
	next := DateOf(2024, 1, 16)
	if st := Fold(tm, nil, next); st.DaysPastDue() != 1 {
		t.Errorf("unpaid: %d days past due, want 1", st.DaysPastDue())
	}
	st := Fold(tm, []Event{{Seq: 1, Kind: EventRepayment, ValueDate: tm.DisbursementDate, Amount: 105563}}, next)
	if st.DaysPastDue() != 0 || st.Installments[0].Unpaid() != 0 || st.NextDueDate() != DateOf(2024, 2, 15) {
		t.Errorf("paid at disbursement: %d days past due, first unpaid %v, next due %v", st.DaysPastDue(), st.Installments[0].Unpaid(), st.NextDueDate())
	}
	if o := st.Outstanding(); o.Principal != 1_200_000-105563 {
		t.Errorf("outstanding principal %v, want 10944.37", o.Principal)
	}
}

// TestAnnuityDueRefused: the combinations an annuity due cannot have name
// the field to change.
func TestAnnuityDueRefused(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Terms)
		want   string
	}{
		{"not level", func(t *Terms) { t.Method = EqualPrincipal }, "payment_timing: IN_ADVANCE only with EQUAL_INSTALLMENT"},
		{"first due date", func(t *Terms) { t.FirstDueDate = DateOf(2024, 2, 20) }, "first_due_date: must be empty"},
		{"grace", func(t *Terms) { t.PrincipalGracePeriods = 2 }, "principal_grace_periods: must be 0"},
		{"unknown", func(t *Terms) { t.Timing = 7 }, "payment_timing: unknown"},
	}
	for _, tt := range tests {
		tm := annuityDueTerms()
		tt.modify(&tm)
		err := tm.Validate()
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.want)
		}
	}
}
