package grpcapi_test

import (
	"testing"

	"github.com/shopspring/decimal"

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
)

// TestKeepInstallment, through a real server on both stores: 1,000.00 paid
// 20 days into a 12,000.00 daily-interest loan (ACT/365). Under
// KEEP_INSTALLMENT, on the actual balance or not, the plan becomes 11
// installments of exactly 1,066.19, the last 1,003.93 + 9.90; REDUCE_TERM
// leaves 12, the last of nothing. Figures from
// internal/engine/testdata/handworked/keep_installment.py. Another method
// is refused naming terms.prepayment.
func TestKeepInstallment(t *testing.T) {
	forEachStore(t, func(t *testing.T, c loancorev1.LoanServiceClient, _ *clock) {
		terms := func(p loancorev1.PrepaymentPolicy, recalc bool) *loancorev1.LoanTerms {
			tm := loan12k()
			tm.InterestAccrual = loancorev1.InterestAccrual_INTEREST_ACCRUAL_DAILY
			tm.DayCount = loancorev1.DayCount_DAY_COUNT_ACT_365_FIXED
			tm.Prepayment, tm.InterestRecalculation = p, recalc
			return tm
		}
		for _, lc := range []struct {
			id       string
			policy   loancorev1.PrepaymentPolicy
			recalc   bool
			rows     int
			lastP    string
			lastI    string
			regularT string
		}{
			{"KI", loancorev1.PrepaymentPolicy_PREPAYMENT_POLICY_KEEP_INSTALLMENT, false, 11, "1003.93", "9.90", "1066.19"},
			{"KR", loancorev1.PrepaymentPolicy_PREPAYMENT_POLICY_KEEP_INSTALLMENT, true, 11, "1003.93", "9.90", "1066.19"},
			{"RT", loancorev1.PrepaymentPolicy_PREPAYMENT_POLICY_REDUCE_TERM, false, 12, "0.00", "0.00", "1066.19"},
		} {
			r, err := c.CreateLoan(ctx(t), &loancorev1.CreateLoanRequest{RequestId: "c-" + lc.id, LoanId: lc.id, BorrowerId: "B1", Terms: terms(lc.policy, lc.recalc)})
			if err != nil {
				t.Fatal(err)
			}
			if got := r.GetLoan().GetTerms().GetPrepayment(); got != lc.policy {
				t.Fatalf("%s: terms show prepayment %v", lc.id, got)
			}
			repay(t, c, &loancorev1.RecordRepaymentRequest{RequestId: "p-" + lc.id, LoanId: lc.id, Amount: "1000.00", ValueDate: "2024-02-04"})
			// Read as of the payment: later, the recalculating loan's rows
			// would be overdue and bear their late days.
			g, err := c.GetLoan(ctx(t), &loancorev1.GetLoanRequest{LoanId: lc.id, AsOf: "2024-02-04"})
			if err != nil {
				t.Fatal(err)
			}
			if got := g.GetLoan().GetTerms().GetPrepayment(); got != lc.policy {
				t.Fatalf("%s: read back, terms show prepayment %v", lc.id, got)
			}
			rows := g.GetLoan().GetInstallments()
			if len(rows) != lc.rows {
				t.Fatalf("%s: %d installments after the prepayment, want %d", lc.id, len(rows), lc.rows)
			}
			// Row 1 carries the prepayment; rows 2 to 10 are the
			// installment (REDUCE_TERM's 11th absorbs, its 12th is empty).
			for _, in := range rows[1:10] {
				total := decimal.RequireFromString(in.GetPrincipalDue()).Add(decimal.RequireFromString(in.GetInterestDue()))
				if total.StringFixed(2) != lc.regularT {
					t.Errorf("%s: installment %d total %s, want %s", lc.id, in.GetNumber(), total.StringFixed(2), lc.regularT)
				}
			}
			if last := rows[len(rows)-1]; last.GetPrincipalDue() != lc.lastP || last.GetInterestDue() != lc.lastI {
				t.Errorf("%s: last installment %s + %s, want %s + %s", lc.id, last.GetPrincipalDue(), last.GetInterestDue(), lc.lastP, lc.lastI)
			}
		}
		ep := terms(loancorev1.PrepaymentPolicy_PREPAYMENT_POLICY_KEEP_INSTALLMENT, false)
		ep.Method = loancorev1.RepaymentMethod_REPAYMENT_METHOD_EQUAL_PRINCIPAL
		_, err := c.CreateLoan(ctx(t), &loancorev1.CreateLoanRequest{RequestId: "c-ep", LoanId: "KE", BorrowerId: "B1", Terms: ep})
		wantFieldViolation(t, err, "terms.prepayment", "EQUAL_INSTALLMENT")
	})
}
