package grpcapi_test

import (
	"fmt"
	"strings"
	"testing"

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
)

// TestEarlyPayment, through a real server on both stores, with the figures
// of internal/engine/testdata/handworked/early_payment.py: under
// EARLY_PAYMENT_COVERS_NEXT_INSTALLMENT the level installment paid 10
// days early settles installment 1 (21 days' interest, 82.85, then its
// principal, 943.89) and prepays 39.45; nothing is past due on
// 2024-02-20 and installment 2 accrues from 2024-02-05. Under
// ALLOCATION_ORDER_ALL_INTEREST_FIRST, 300.00 paid with two installments
// overdue pays both interests (122.30, 114.41) and the third's 5 days
// (19.73) before principal (43.56).
// The terms read back with both policies; covering without
// interest_recalculation is INVALID_ARGUMENT naming early_payment.
func TestEarlyPayment(t *testing.T) {
	forEachStore(t, func(t *testing.T, c loancorev1.LoanServiceClient, _ *clock) {
		terms := recalc12k()
		terms.EarlyPayment = loancorev1.EarlyPayment_EARLY_PAYMENT_COVERS_NEXT_INSTALLMENT
		terms.AllocationOrder = loancorev1.AllocationOrder_ALLOCATION_ORDER_ALL_INTEREST_FIRST
		for _, id := range []string{"EC", "EA"} {
			if _, err := c.CreateLoan(ctx(t), &loancorev1.CreateLoanRequest{RequestId: "c-" + id, LoanId: id, BorrowerId: "B1", Terms: terms}); err != nil {
				t.Fatal(err)
			}
		}
		p := repay(t, c, &loancorev1.RecordRepaymentRequest{RequestId: "ec-1", LoanId: "EC", Amount: "1066.19", ValueDate: "2024-02-05"})
		if got := allocations(p); got != "1 INTEREST 82.85, 1 PRINCIPAL 943.89, 2 PRINCIPAL 39.45" {
			t.Errorf("covering allocation %s", got)
		}
		g, err := c.GetLoan(ctx(t), &loancorev1.GetLoanRequest{LoanId: "EC", AsOf: "2024-02-20"})
		if err != nil {
			t.Fatal(err)
		}
		l := g.GetLoan()
		if l.GetDaysPastDue() != 0 || l.GetInstallments()[1].GetStartDate() != "2024-02-05" || l.GetInstallments()[0].GetStatus() != loancorev1.InstallmentStatus_INSTALLMENT_STATUS_PAID {
			t.Errorf("as of 2024-02-20: %d days past due, installment 1 %v, installment 2 from %s", l.GetDaysPastDue(), l.GetInstallments()[0].GetStatus(), l.GetInstallments()[1].GetStartDate())
		}
		if tm := l.GetTerms(); tm.GetEarlyPayment() != terms.GetEarlyPayment() || tm.GetAllocationOrder() != terms.GetAllocationOrder() {
			t.Errorf("terms read back: early %v, allocation %v", tm.GetEarlyPayment(), tm.GetAllocationOrder())
		}
		p = repay(t, c, &loancorev1.RecordRepaymentRequest{RequestId: "ea-1", LoanId: "EA", Amount: "300.00", ValueDate: "2024-03-20"})
		if got := allocations(p); got != "1 INTEREST 122.30, 2 INTEREST 114.41, 3 INTEREST 19.73, 1 PRINCIPAL 43.56" {
			t.Errorf("all-interest-first allocation %s", got)
		}
		plain := recalc12k()
		plain.InterestRecalculation = false
		plain.EarlyPayment = loancorev1.EarlyPayment_EARLY_PAYMENT_COVERS_NEXT_INSTALLMENT
		_, err = c.CreateLoan(ctx(t), &loancorev1.CreateLoanRequest{RequestId: "c-ep", BorrowerId: "B1", Terms: plain})
		wantFieldViolation(t, err, "terms.early_payment", "interest_recalculation")
	})
}

// allocations lists a repayment's allocation lines as "installment
// COMPONENT amount", in order.
func allocations(r *loancorev1.RecordRepaymentResponse) string {
	s := ""
	for i, a := range r.GetAllocations() {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%d %s %s", a.GetInstallmentNumber(), strings.TrimPrefix(a.GetComponent().String(), "ALLOCATION_COMPONENT_"), a.GetAmount())
	}
	return s
}
