package grpcapi_test

import (
	"testing"

	"google.golang.org/protobuf/proto"

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
)

// TestSemiMonth: 12,000 CNY at 12% in 24 installments on the 1st and the
// 16th (the default days) disbursed on the 10th: the first installment is
// the 6 days to the 16th, accrued by days (24.00), the level 531.85
// (internal/engine/testdata/handworked/semi_monthly.py), on both stores.
// The loan shows the days, and its terms sent back make the same loan;
// days that cannot make a series are refused naming the field.
func TestSemiMonth(t *testing.T) {
	forEachStore(t, func(t *testing.T, c loancorev1.LoanServiceClient, _ *clock) {
		terms := loan12k()
		terms.InstallmentCount, terms.DisbursementDate = 24, "2024-01-10"
		terms.Frequency = &loancorev1.Frequency{Unit: loancorev1.FrequencyUnit_FREQUENCY_UNIT_SEMI_MONTH}
		if _, err := c.CreateLoan(ctx(t), &loancorev1.CreateLoanRequest{RequestId: "sm-1", LoanId: "SM1", BorrowerId: "B1", Terms: terms}); err != nil {
			t.Fatal(err)
		}
		g, err := c.GetLoan(ctx(t), &loancorev1.GetLoanRequest{LoanId: "SM1", AsOf: "2024-01-11"})
		if err != nil {
			t.Fatal(err)
		}
		l := g.GetLoan()
		ins := l.GetInstallments()
		if len(ins) != 24 || ins[0].GetDueDate() != "2024-01-16" || ins[0].GetInterestDue() != "24.00" || ins[0].GetPrincipalDue() != "507.85" {
			t.Fatalf("installments %v, want 24, the first 507.85 + 24.00 due 2024-01-16", ins)
		}
		if ins[1].GetDueDate() != "2024-02-01" || ins[23].GetDueDate() != "2025-01-01" || ins[23].GetPrincipalDue() != "488.96" {
			t.Errorf("second due %s, last %s due %s; want 2024-02-01, 488.96 due 2025-01-01", ins[1].GetDueDate(), ins[23].GetPrincipalDue(), ins[23].GetDueDate())
		}
		if d := l.GetTerms().GetFrequency().GetDaysOfMonth(); len(d) != 2 || d[0] != 1 || d[1] != 16 {
			t.Errorf("terms show days %v, want [1 16]", d)
		}
		again, err := c.CreateLoan(ctx(t), &loancorev1.CreateLoanRequest{RequestId: "sm-2", LoanId: "SM2", BorrowerId: "B1", Terms: l.GetTerms()})
		if err != nil {
			t.Fatal(err)
		}
		if !proto.Equal(again.GetLoan().GetTerms(), l.GetTerms()) {
			t.Errorf("terms sent back gave %v, want %v", again.GetLoan().GetTerms(), l.GetTerms())
		}
		terms.Frequency.DaysOfMonth = []int32{20, 5}
		_, err = c.CreateLoan(ctx(t), &loancorev1.CreateLoanRequest{RequestId: "sm-3", BorrowerId: "B1", Terms: terms})
		wantFieldViolation(t, err, "terms.frequency.days_of_month", "the first 1 to 15")
	})
}

// TestSemiMonthAPR: ComputeApr counts a semimonth unit period as Appendix
// J (b)(5)(iii) does: 1,000 advanced 2024-01-01, 1,010 paid 2024-02-08 is
// 37 days, 2 7/15 unit periods: 9.70% (internal/engine/testdata/
// handworked/apr_longunit.py).
func TestSemiMonthAPR(t *testing.T) {
	client := loancorev1.NewScheduleServiceClient(startServer(t))
	r, err := client.ComputeApr(ctx(t), &loancorev1.ComputeAprRequest{AmountAdvanced: "1000.00", Currency: "CNY", AdvanceDate: "2024-01-01",
		Payments:   []*loancorev1.AprPayment{{Amount: "1010.00", Date: "2024-02-08"}},
		UnitPeriod: &loancorev1.Frequency{Unit: loancorev1.FrequencyUnit_FREQUENCY_UNIT_SEMI_MONTH}, Method: loancorev1.AprMethod_APR_METHOD_US_ACTUARIAL})
	if err != nil {
		t.Fatal(err)
	}
	if r.GetAprPercent() != "9.70" {
		t.Errorf("apr %s, want 9.70", r.GetAprPercent())
	}
}
