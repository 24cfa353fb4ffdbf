package grpcapi_test

import (
	"testing"

	"google.golang.org/protobuf/proto"

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
)

func annuityDueTerms() *loancorev1.LoanTerms {
	tm := loan12k()
	tm.PaymentTiming = loancorev1.PaymentTiming_PAYMENT_TIMING_IN_ADVANCE
	return tm
}

// TestAnnuityDue: 12,000 CNY at 12% in 12 installments paid in advance
// (payment_timing IN_ADVANCE) is 1,055.63 a month, the first due on the
// disbursement date with no interest (internal/engine/testdata/handworked/
// annuity_due.py), on both stores. The first installment paid on the day
// leaves the loan current; the terms echo the timing and sent back make
// the same loan; a first_due_date is refused naming it.
func TestAnnuityDue(t *testing.T) {
	forEachStore(t, func(t *testing.T, c loancorev1.LoanServiceClient, _ *clock) {
		if _, err := c.CreateLoan(ctx(t), &loancorev1.CreateLoanRequest{RequestId: "ad-1", LoanId: "AD1", BorrowerId: "B1", Terms: annuityDueTerms()}); err != nil {
			t.Fatal(err)
		}
		repay(t, c, &loancorev1.RecordRepaymentRequest{RequestId: "ad-pay", LoanId: "AD1", Amount: "1055.63", ValueDate: "2024-01-15"})
		g, err := c.GetLoan(ctx(t), &loancorev1.GetLoanRequest{LoanId: "AD1", AsOf: "2024-01-16"})
		if err != nil {
			t.Fatal(err)
		}
		l := g.GetLoan()
		ins := l.GetInstallments()
		if len(ins) != 12 || ins[0].GetDueDate() != "2024-01-15" || ins[0].GetInterestDue() != "0.00" || ins[0].GetPrincipalDue() != "1055.63" {
			t.Fatalf("installments %v, want 12, the first 1055.63 due 2024-01-15", ins)
		}
		if ins[1].GetInterestDue() != "109.44" || ins[11].GetDueDate() != "2024-12-15" || ins[11].GetPrincipalDue() != "1045.16" {
			t.Errorf("second interest %s, last %s due %s; want 109.44, 1045.16 due 2024-12-15", ins[1].GetInterestDue(), ins[11].GetPrincipalDue(), ins[11].GetDueDate())
		}
		if l.GetDaysPastDue() != 0 || l.GetNextDueDate() != "2024-02-15" {
			t.Errorf("days past due %d, next due %s; want 0, 2024-02-15", l.GetDaysPastDue(), l.GetNextDueDate())
		}
		if l.GetTerms().GetPaymentTiming() != loancorev1.PaymentTiming_PAYMENT_TIMING_IN_ADVANCE {
			t.Errorf("terms show timing %v", l.GetTerms().GetPaymentTiming())
		}
		again, err := c.CreateLoan(ctx(t), &loancorev1.CreateLoanRequest{RequestId: "ad-2", LoanId: "AD2", BorrowerId: "B1", Terms: l.GetTerms()})
		if err != nil {
			t.Fatal(err)
		}
		if !proto.Equal(again.GetLoan().GetTerms(), l.GetTerms()) {
			t.Errorf("terms sent back gave %v, want %v", again.GetLoan().GetTerms(), l.GetTerms())
		}
		bad := annuityDueTerms()
		bad.FirstDueDate = "2024-02-20"
		_, err = c.CreateLoan(ctx(t), &loancorev1.CreateLoanRequest{RequestId: "ad-3", BorrowerId: "B1", Terms: bad})
		wantFieldViolation(t, err, "terms.first_due_date", "IN_ADVANCE")
	})
}

// TestAnnuityDueQuote: the quote of an annuity due shows its level
// installment, and with no fee its APR is the contract rate.
func TestAnnuityDueQuote(t *testing.T) {
	client := loancorev1.NewScheduleServiceClient(startServer(t))
	q, err := client.QuoteSchedule(ctx(t), &loancorev1.QuoteScheduleRequest{Terms: annuityDueTerms()})
	if err != nil {
		t.Fatal(err)
	}
	if q.GetAprPercent() != "12.00" || q.GetInstallmentAmount() != "1055.63" {
		t.Errorf("apr %s, installment %s; want 12.00, 1055.63", q.GetAprPercent(), q.GetInstallmentAmount())
	}
}
