package grpcapi_test

import (
	"testing"

	"google.golang.org/grpc/codes"

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
)

// recalc12k is loan12k with daily interest on the actual balance under
// ACT/365: the loan of the engine's TestRecalcHandWorked, whose figures
// internal/engine/testdata/recalc/handworked.py works out.
func recalc12k() *loancorev1.LoanTerms {
	t := loan12k()
	t.InterestAccrual = loancorev1.InterestAccrual_INTEREST_ACCRUAL_DAILY
	t.DayCount = loancorev1.DayCount_DAY_COUNT_ACT_365_FIXED
	t.InterestRecalculation = true
	return t
}

// TestInterestRecalculation, through a real server on both stores: a loan
// on the actual balance is created and read back with its flag; an early
// part-payment lowers installment 1's interest by the exact days; a late
// installment raises installment 2's interest by its late days, read as of
// a day and projected from it; the payoff on an arbitrary day is principal
// + interest to that day; and the flag is refused, naming it, without
// daily accrual.
func TestInterestRecalculation(t *testing.T) {
	forEachStore(t, func(t *testing.T, c loancorev1.LoanServiceClient, clk *clock) {
		r, err := c.CreateLoan(ctx(t), &loancorev1.CreateLoanRequest{RequestId: "c-early", LoanId: "RE", BorrowerId: "B1", Terms: recalc12k()})
		if err != nil {
			t.Fatal(err)
		}
		if !r.GetLoan().GetTerms().GetInterestRecalculation() || r.GetLoan().GetInstallments()[0].GetInterestDue() != "122.30" {
			t.Fatalf("created: recalculation %v, installment 1 %v", r.GetLoan().GetTerms().GetInterestRecalculation(), r.GetLoan().GetInstallments()[0])
		}
		// Early: 2,000.00 on 2024-02-05 pays 21 days' interest (82.85) and
		// 1,917.15 principal; installment 1 then charges 116.00, not 122.30.
		p := repay(t, c, &loancorev1.RecordRepaymentRequest{RequestId: "e1", LoanId: "RE", Amount: "2000", ValueDate: "2024-02-05"})
		if a := p.GetAllocations(); len(a) != 2 || a[0].GetAmount() != "82.85" || a[1].GetAmount() != "1917.15" {
			t.Fatalf("early allocation = %v", a)
		}
		if in := p.GetLoan().GetInstallments()[0]; in.GetInterestDue() != "116.00" {
			t.Fatalf("installment 1 after the early payment = %v", in)
		}

		if _, err := c.CreateLoan(ctx(t), &loancorev1.CreateLoanRequest{RequestId: "c-late", LoanId: "RL", BorrowerId: "B1", Terms: recalc12k()}); err != nil {
			t.Fatal(err)
		}
		// Read as of 2024-02-18, installment 1 three days late: 3 days at
		// 12,000 and the rest projected at 11,056.11 make 106.34.
		g, err := c.GetLoan(ctx(t), &loancorev1.GetLoanRequest{LoanId: "RL", AsOf: "2024-02-18"})
		if err != nil {
			t.Fatal(err)
		}
		if in := g.GetLoan().GetInstallments()[1]; in.GetInterestDue() != "106.34" {
			t.Fatalf("installment 2 as of 2024-02-18 = %v", in)
		}
		// Paid 2024-02-20, five days late: installment 2 charges 106.96
		// instead of the scheduled 105.41.
		repay(t, c, &loancorev1.RecordRepaymentRequest{RequestId: "l1", LoanId: "RL", Amount: "1066.19", ValueDate: "2024-02-20"})
		g, err = c.GetLoan(ctx(t), &loancorev1.GetLoanRequest{LoanId: "RL", AsOf: "2024-03-15"})
		if err != nil {
			t.Fatal(err)
		}
		if in := g.GetLoan().GetInstallments()[1]; in.GetInterestDue() != "106.96" {
			t.Fatalf("installment 2 as of 2024-03-15 = %v", in)
		}
		q, err := c.QuotePayoff(ctx(t), &loancorev1.QuotePayoffRequest{LoanId: "RL", PayoffDate: "2024-03-03"})
		if err != nil {
			t.Fatal(err)
		}
		if q.GetPrincipal() != "11056.11" || q.GetInterest() != "63.34" || q.GetTotal() != "11119.45" {
			t.Fatalf("payoff = %v", q)
		}

		bad := recalc12k()
		bad.InterestAccrual = loancorev1.InterestAccrual_INTEREST_ACCRUAL_PERIODIC
		_, err = c.CreateLoan(ctx(t), &loancorev1.CreateLoanRequest{RequestId: "c-bad", LoanId: "RB", BorrowerId: "B1", Terms: bad})
		wantCode(t, err, codes.InvalidArgument)
		if v := violations(t, err); len(v) != 1 || v[0].GetField() != "terms.interest_recalculation" {
			t.Fatalf("violations = %v", v)
		}
	})
}
