package grpcapi_test

import (
	"testing"

	"google.golang.org/protobuf/proto"

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
)

// TestFixedInstallmentAmount: 12,000 CNY at 12% paid 1,000.00 a month is 13
// installments, the last 847.79 (internal/engine/testdata/handworked/
// fixed_installment.py), on both stores; the loan keeps the amount and shows
// the derived count, and its terms sent back make the same loan; a count
// that disagrees is INVALID_ARGUMENT naming installment_count.
func TestFixedInstallmentAmount(t *testing.T) {
	forEachStore(t, func(t *testing.T, c loancorev1.LoanServiceClient, _ *clock) {
		terms := loan12k()
		terms.InstallmentCount, terms.InstallmentAmount = 0, "1000.00"
		if _, err := c.CreateLoan(ctx(t), &loancorev1.CreateLoanRequest{RequestId: "fi-1", LoanId: "FI1", BorrowerId: "B1", Terms: terms}); err != nil {
			t.Fatal(err)
		}
		g, err := c.GetLoan(ctx(t), &loancorev1.GetLoanRequest{LoanId: "FI1", AsOf: "2024-01-15"})
		if err != nil {
			t.Fatal(err)
		}
		l := g.GetLoan()
		if tm := l.GetTerms(); tm.GetInstallmentCount() != 13 || tm.GetInstallmentAmount() != "1000.00" {
			t.Errorf("terms show count %d amount %q, want 13, 1000.00", tm.GetInstallmentCount(), tm.GetInstallmentAmount())
		}
		if n := len(l.GetInstallments()); n != 13 {
			t.Fatalf("%d installments, want 13", n)
		}
		last := l.GetInstallments()[12]
		if last.GetPrincipalDue() != "839.40" || last.GetInterestDue() != "8.39" {
			t.Errorf("last installment %s + %s, want 839.40 + 8.39", last.GetPrincipalDue(), last.GetInterestDue())
		}
		again, err := c.CreateLoan(ctx(t), &loancorev1.CreateLoanRequest{RequestId: "fi-2", LoanId: "FI2", BorrowerId: "B1", Terms: l.GetTerms()})
		if err != nil {
			t.Fatal(err)
		}
		if !proto.Equal(again.GetLoan().GetTerms(), l.GetTerms()) {
			t.Errorf("terms sent back gave %v, want %v", again.GetLoan().GetTerms(), l.GetTerms())
		}
		terms.InstallmentCount = 12
		_, err = c.CreateLoan(ctx(t), &loancorev1.CreateLoanRequest{RequestId: "fi-3", BorrowerId: "B1", Terms: terms})
		wantFieldViolation(t, err, "terms.installment_count", "leave it 0")
	})
}
