package grpcapi_test

import (
	"testing"

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
)

// dailyRateAPR is the IRR APR of dailyRateTerms' schedule, worked by hand
// in internal/engine/testdata/handworked/loan_apr.py: 18.2024…% → 18.20.
const dailyRateAPR = "18.20"

// TestLoanAPR: a loan at a daily rate shows on every read the APR of the
// schedule it was booked with, the figure QuoteSchedule gives for the same
// terms, on both stores; an early payment, which changes the loan's
// installments, does not change it; the basic view shows it too. Each read
// after the first is from the store, not the answer built from the request.
func TestLoanAPR(t *testing.T) {
	q, err := loancorev1.NewScheduleServiceClient(startServer(t)).QuoteSchedule(ctx(t),
		&loancorev1.QuoteScheduleRequest{Terms: dailyRateTerms()})
	if err != nil {
		t.Fatal(err)
	}
	if q.GetAprPercent() != dailyRateAPR {
		t.Fatalf("QuoteSchedule APR %q, want %s", q.GetAprPercent(), dailyRateAPR)
	}
	forEachStore(t, func(t *testing.T, c loancorev1.LoanServiceClient, _ *clock) {
		r, err := c.CreateLoan(ctx(t), &loancorev1.CreateLoanRequest{RequestId: "apr-1", LoanId: "APR1", BorrowerId: "B1", Terms: dailyRateTerms()})
		if err != nil {
			t.Fatal(err)
		}
		pay := repay(t, c, &loancorev1.RecordRepaymentRequest{RequestId: "apr-pay", LoanId: "APR1", Amount: "5000", ValueDate: "2024-02-01",
			View: loancorev1.LoanView_LOAN_VIEW_BASIC})
		g, err := c.GetLoan(ctx(t), &loancorev1.GetLoanRequest{LoanId: "APR1", AsOf: "2024-03-20"})
		if err != nil {
			t.Fatal(err)
		}
		for name, l := range map[string]*loancorev1.Loan{"CreateLoan": r.GetLoan(), "RecordRepayment basic view": pay.GetLoan(),
			"GetLoan as_of": g.GetLoan()} {
			if l.GetAprPercent() != q.GetAprPercent() {
				t.Errorf("%s: apr_percent %q, want QuoteSchedule's %q", name, l.GetAprPercent(), q.GetAprPercent())
			}
		}
	})
}
