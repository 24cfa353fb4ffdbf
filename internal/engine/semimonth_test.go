package engine

import (
	"strings"
	"testing"

	"github.com/loancore/loancore/internal/money"
)

func semiMonthTerms(disbursed Date) Terms {
	return Terms{
		Currency: fixtureCurrency("CNY"), Principal: 1_200_000, AnnualRate: money.Rate{Units: 12},
		InstallmentCount: 24, Frequency: Frequency{Unit: SemiMonth, Every: 1, Days: DefaultSemiMonthDays},
		Method: EqualInstallment, DisbursementDate: disbursed, FirstDueDate: NoDate,
		InterestAccrual: Periodic, DayCount: Act360, Rounding: Rounding{Mode: money.HalfUp, Multiple: 1},
	}
}

// TestSemiMonth: 12,000 at 12% in 24 installments on the 1st and the 16th
// is 0.5% a period and 531.85 an installment (worked by hand in
// testdata/handworked/semi_monthly.py). Disbursed on the 1st the periods
// are regular; disbursed on the 10th the first is the 6 days to the 16th,
// accrued by days.
func TestSemiMonth(t *testing.T) {
	tests := []struct {
		name                   string
		disbursed              Date
		firstI, secondI, lastP money.Amount
		totalInterest          money.Amount
		second, last           Date
	}{
		{"on the 1st", DateOf(2024, 1, 1), 6000, 5764, 52917, 76437, DateOf(2024, 2, 1), DateOf(2025, 1, 1)},
		{"on the 10th", DateOf(2024, 1, 10), 2400, 5746, 48896, 72395, DateOf(2024, 2, 1), DateOf(2025, 1, 1)},
	}
	for _, tt := range tests {
		tm := semiMonthTerms(tt.disbursed)
		s, err := BuildSchedule(tm)
		if err != nil {
			t.Fatal(tt.name, err)
		}
		in := s.Installments
		if s.InstallmentAmount != 53185 || in[0].DueDate != DateOf(2024, 1, 16) || in[0].Interest != tt.firstI || in[1].Interest != tt.secondI {
			t.Errorf("%s: level %v, first %+v, second interest %v; want 531.85, due 2024-01-16 interest %v, %v",
				tt.name, s.InstallmentAmount, in[0], in[1].Interest, tt.firstI, tt.secondI)
		}
		if in[1].DueDate != tt.second || in[23].DueDate != tt.last || in[23].Principal != tt.lastP || s.TotalInterest != tt.totalInterest {
			t.Errorf("%s: second due %v, last %+v, total interest %v", tt.name, in[1].DueDate, in[23], s.TotalInterest)
		}
	}
}

// TestSemiMonthDates: the series clamps a day past the month's end to its
// last day and never repeats a date.
func TestSemiMonthDates(t *testing.T) {
	f := Frequency{Unit: SemiMonth, Every: 1, Days: [2]int{15, 31}}
	want := []Date{DateOf(2024, 1, 31), DateOf(2024, 2, 15), DateOf(2024, 2, 29), DateOf(2024, 3, 15), DateOf(2024, 3, 31), DateOf(2024, 4, 15), DateOf(2024, 4, 30)}
	for k, w := range want {
		if got := step(DateOf(2024, 1, 20), f, k+1); got != w {
			t.Errorf("step %d = %v, want %v", k+1, got, w)
		}
	}
	if !f.onSeries(DateOf(2024, 2, 29)) || f.onSeries(DateOf(2024, 2, 28)) {
		t.Error("onSeries of February's end")
	}
}

// TestSemiMonthRefused: the days are checked and named.
func TestSemiMonthRefused(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Terms)
		want   string
	}{
		{"second not after first", func(t *Terms) { t.Frequency.Days = [2]int{10, 10} }, "frequency.days_of_month"},
		{"first past 15", func(t *Terms) { t.Frequency.Days = [2]int{16, 31} }, "frequency.days_of_month"},
		{"days on a month", func(t *Terms) { t.Frequency = Frequency{Unit: Month, Every: 1, Days: [2]int{1, 16}} }, "frequency.days_of_month: only with SEMI_MONTH"},
		{"every 2", func(t *Terms) { t.Frequency.Every = 2 }, "frequency.every"},
		{"in advance off the days", func(t *Terms) { t.Timing, t.DisbursementDate = InAdvance, DateOf(2024, 1, 10) }, "disbursement_date: must be one of"},
	}
	for _, tt := range tests {
		tm := semiMonthTerms(DateOf(2024, 1, 1))
		tt.modify(&tm)
		err := tm.Validate()
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.want)
		}
	}
}
