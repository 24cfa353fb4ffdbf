package grpcapi_test

import (
	"testing"

	"google.golang.org/protobuf/proto"

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
)

// actualPeriodTerms is 12,000 CNY at 12% ACT/365 with interest by days,
// 12 monthly installments from 2024-01-15, its level solved over the
// actual periods.
func actualPeriodTerms() *loancorev1.LoanTerms {
	t := loan12k()
	t.InterestAccrual = loancorev1.InterestAccrual_INTEREST_ACCRUAL_DAILY
	t.DayCount = loancorev1.DayCount_DAY_COUNT_ACT_365_FIXED
	t.LevelInstallmentOverActualPeriods = true
	return t
}

// TestLevelOverActualPeriodsQuote: the quote shows the level solved over
// the actual periods, 1,066.22, and a last installment of 1,055.50 +
// 10.76 (internal/engine/testdata/handworked/actual_period_level.py);
// without the option, 1,066.19 and a last of 1,055.87 + 10.76.
func TestLevelOverActualPeriodsQuote(t *testing.T) {
	client := loancorev1.NewScheduleServiceClient(startServer(t))
	for _, c := range []struct {
		on                  bool
		level, lastP, lastI string
	}{{true, "1066.22", "1055.50", "10.76"}, {false, "1066.19", "1055.87", "10.76"}} {
		terms := actualPeriodTerms()
		terms.LevelInstallmentOverActualPeriods = c.on
		q, err := client.QuoteSchedule(ctx(t), &loancorev1.QuoteScheduleRequest{Terms: terms})
		if err != nil {
			t.Fatal(err)
		}
		last := q.GetInstallments()[len(q.GetInstallments())-1]
		if q.GetInstallmentAmount() != c.level || last.GetPrincipal() != c.lastP || last.GetInterest() != c.lastI {
			t.Errorf("option %v: level %s, last %s + %s; want %s, %s + %s", c.on, q.GetInstallmentAmount(), last.GetPrincipal(), last.GetInterest(), c.level, c.lastP, c.lastI)
		}
	}
}

// TestLevelOverActualPeriodsLoan, on both stores: a loan booked with the
// option keeps it (read back from the store, its terms make the same
// loan) and its rows are the hand-worked ones (row 1 943.92 + 122.30); with EQUAL_PRINCIPAL the option is
// INVALID_ARGUMENT naming it.
func TestLevelOverActualPeriodsLoan(t *testing.T) {
	forEachStore(t, func(t *testing.T, c loancorev1.LoanServiceClient, _ *clock) {
		if _, err := c.CreateLoan(ctx(t), &loancorev1.CreateLoanRequest{RequestId: "ap-1", LoanId: "AP1", BorrowerId: "B1", Terms: actualPeriodTerms()}); err != nil {
			t.Fatal(err)
		}
		g, err := c.GetLoan(ctx(t), &loancorev1.GetLoanRequest{LoanId: "AP1", AsOf: "2024-01-15"})
		if err != nil {
			t.Fatal(err)
		}
		l := g.GetLoan()
		if !l.GetTerms().GetLevelInstallmentOverActualPeriods() {
			t.Fatal("terms read back without the option")
		}
		rows := l.GetInstallments()
		if first, last := rows[0], rows[len(rows)-1]; first.GetPrincipalDue() != "943.92" || last.GetPrincipalDue() != "1055.50" || last.GetInterestDue() != "10.76" {
			t.Errorf("rows 1 and 12: %v, %v", first, last)
		}
		again, err := c.CreateLoan(ctx(t), &loancorev1.CreateLoanRequest{RequestId: "ap-2", LoanId: "AP2", BorrowerId: "B1", Terms: l.GetTerms()})
		if err != nil {
			t.Fatal(err)
		}
		if !proto.Equal(again.GetLoan().GetTerms(), l.GetTerms()) {
			t.Errorf("terms sent back gave %v, want %v", again.GetLoan().GetTerms(), l.GetTerms())
		}
		bad := actualPeriodTerms()
		bad.Method = loancorev1.RepaymentMethod_REPAYMENT_METHOD_EQUAL_PRINCIPAL
		_, err = c.CreateLoan(ctx(t), &loancorev1.CreateLoanRequest{RequestId: "ap-3", BorrowerId: "B1", Terms: bad})
		wantFieldViolation(t, err, "terms.level_installment_over_actual_periods", "EQUAL_INSTALLMENT")
	})
}
