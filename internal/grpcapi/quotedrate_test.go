package grpcapi_test

import (
	"testing"

	"google.golang.org/protobuf/proto"

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
)

// dailyRateTerms: 10,000.00 CNY at 0.05% a day under ACT/365, three
// monthly EQUAL_PRINCIPAL installments accrued daily from 2024-01-15,
// worked by hand in internal/engine/testdata/handworked/daily_rate.py:
// interest 155.00, 96.67, 51.67; the annual equivalent is 18.25%.
func dailyRateTerms() *loancorev1.LoanTerms {
	return &loancorev1.LoanTerms{Currency: "CNY", Principal: "10000", DailyRatePercent: "0.05", InstallmentCount: 3,
		Method: loancorev1.RepaymentMethod_REPAYMENT_METHOD_EQUAL_PRINCIPAL, DisbursementDate: "2024-01-15",
		InterestAccrual: loancorev1.InterestAccrual_INTEREST_ACCRUAL_DAILY, DayCount: loancorev1.DayCount_DAY_COUNT_ACT_365_FIXED}
}

// TestQuotedRates: a loan quoted a day is stored and shown as quoted, with
// its annual equivalent beside it, on both stores; its terms sent again
// make the same loan; a quote shows the equivalent too; two rates, or none,
// are INVALID_ARGUMENT naming the field.
func TestQuotedRates(t *testing.T) {
	forEachStore(t, func(t *testing.T, c loancorev1.LoanServiceClient, _ *clock) {
		r, err := c.CreateLoan(ctx(t), &loancorev1.CreateLoanRequest{RequestId: "qr-1", LoanId: "QR1", BorrowerId: "B1", Terms: dailyRateTerms()})
		if err != nil {
			t.Fatal(err)
		}
		// Read back from the store, not the answer built from the request.
		g, err := c.GetLoan(ctx(t), &loancorev1.GetLoanRequest{LoanId: "QR1", AsOf: "2024-01-15"})
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range []*loancorev1.Loan{r.GetLoan(), g.GetLoan()} {
			tm := l.GetTerms()
			if tm.GetDailyRatePercent() != "0.05" || tm.GetAnnualRatePercent() != "" || tm.GetAnnualRateEquivalentPercent() != "18.25" {
				t.Errorf("terms show daily %q annual %q equivalent %q, want 0.05, empty, 18.25",
					tm.GetDailyRatePercent(), tm.GetAnnualRatePercent(), tm.GetAnnualRateEquivalentPercent())
			}
			var interest []string
			for _, in := range l.GetInstallments() {
				interest = append(interest, in.GetInterestDue())
			}
			if want := []string{"155.00", "96.67", "51.67"}; !equalStrings(interest, want) {
				t.Errorf("interest due %v, want %v", interest, want)
			}
		}
		// The echo, output field and all, makes the same loan again.
		again, err := c.CreateLoan(ctx(t), &loancorev1.CreateLoanRequest{RequestId: "qr-2", LoanId: "QR2", BorrowerId: "B1", Terms: g.GetLoan().GetTerms()})
		if err != nil {
			t.Fatal(err)
		}
		if !proto.Equal(again.GetLoan().GetTerms(), g.GetLoan().GetTerms()) {
			t.Errorf("terms sent back gave %v, want %v", again.GetLoan().GetTerms(), g.GetLoan().GetTerms())
		}

		both := dailyRateTerms()
		both.AnnualRatePercent = "18.25"
		_, err = c.CreateLoan(ctx(t), &loancorev1.CreateLoanRequest{RequestId: "qr-3", BorrowerId: "B1", Terms: both})
		wantFieldViolation(t, err, "terms.daily_rate_percent", "only one of")
		none := dailyRateTerms()
		none.DailyRatePercent = ""
		_, err = c.CreateLoan(ctx(t), &loancorev1.CreateLoanRequest{RequestId: "qr-4", BorrowerId: "B1", Terms: none})
		wantFieldViolation(t, err, "terms.annual_rate_percent", "required")
		actAct := dailyRateTerms()
		actAct.DayCount = loancorev1.DayCount_DAY_COUNT_ACT_ACT
		_, err = c.CreateLoan(ctx(t), &loancorev1.CreateLoanRequest{RequestId: "qr-5", BorrowerId: "B1", Terms: actAct})
		wantFieldViolation(t, err, "terms.daily_rate_percent", "ACT_ACT")
	})
}

// TestQuotedRateQuotes: QuoteSchedule shows the annual equivalent of a
// monthly or daily rate (issue 19: 0.05% a day is 18% under ACT/360), and
// of an annual one, itself.
func TestQuotedRateQuotes(t *testing.T) {
	client := loancorev1.NewScheduleServiceClient(startServer(t))
	tests := []struct {
		name   string
		modify func(*loancorev1.LoanTerms)
		want   string
	}{
		{"daily ACT/365", func(*loancorev1.LoanTerms) {}, "18.25"},
		{"daily ACT/360", func(tm *loancorev1.LoanTerms) { tm.DayCount = loancorev1.DayCount_DAY_COUNT_ACT_360 }, "18"},
		{"monthly", func(tm *loancorev1.LoanTerms) { tm.DailyRatePercent, tm.MonthlyRatePercent = "", "1.5" }, "18"},
		{"annual", func(tm *loancorev1.LoanTerms) { tm.DailyRatePercent, tm.AnnualRatePercent = "", "4.9" }, "4.9"},
	}
	for _, tt := range tests {
		tm := dailyRateTerms()
		tt.modify(tm)
		q, err := client.QuoteSchedule(ctx(t), &loancorev1.QuoteScheduleRequest{Terms: tm})
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got := q.GetAnnualRateEquivalentPercent(); got != tt.want {
			t.Errorf("%s: annual_rate_equivalent_percent = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func equalStrings(a, b []string) bool {
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
