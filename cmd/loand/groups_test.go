package main

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
	"github.com/loancore/loancore/internal/store/pgtest"
)

// TestRepaymentsGroupedOnPostgres: repayments of many loans sent at once
// to a loand on PostgreSQL are appended in groups (the metrics count
// them), and each is recorded once, in its own loan: every answer is its
// loan's third event, the loan is at version 3, and a retry with the
// request id answers the same event.
func TestRepaymentsGroupedOnPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("starts loand on PostgreSQL; skipped with -short")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	metrics, addr := freeAddr(t), freeAddr(t)
	startLoand(t, addr, pgtest.URL(t), "--metrics-listen", metrics)
	c := dialLoand(t, addr).loans
	const loans = 48
	today := time.Now().In(shanghai(t)).Format(time.DateOnly)
	for i := range loans {
		if _, err := c.CreateLoan(ctx, &loancorev1.CreateLoanRequest{RequestId: fmt.Sprint("create-", i), LoanId: fmt.Sprint("GRP-", i),
			BorrowerId: "B", Terms: &loancorev1.LoanTerms{Currency: "CNY", Principal: "12000.00", AnnualRatePercent: "12",
				InstallmentCount: 12, Method: loancorev1.RepaymentMethod_REPAYMENT_METHOD_EQUAL_INSTALLMENT, DisbursementDate: today}}); err != nil {
			t.Fatal(err)
		}
	}
	pay := func(i int) *loancorev1.RecordRepaymentRequest {
		return &loancorev1.RecordRepaymentRequest{RequestId: fmt.Sprint("pay-", i), LoanId: fmt.Sprint("GRP-", i),
			Amount: fmt.Sprintf("%d.00", 10+i), ValueDate: today}
	}
	answers := make([]*loancorev1.RecordRepaymentResponse, loans)
	var wg sync.WaitGroup
	for i := range loans {
		wg.Go(func() {
			r, err := c.RecordRepayment(ctx, pay(i))
			if err != nil {
				t.Error(err)
			}
			answers[i] = r
		})
	}
	wg.Wait()
	for i, r := range answers {
		again, err := c.RecordRepayment(ctx, pay(i))
		if err != nil {
			t.Fatal(err)
		}
		l := r.GetLoan()
		if l.GetLoanId() != fmt.Sprint("GRP-", i) || r.GetSeq() != 3 || l.GetVersion() != 3 || again.GetSeq() != 3 ||
			getLoan(ctx, t, c, l.GetLoanId()).GetVersion() != 3 {
			t.Fatalf("repayment %d: answered %s, seq %d, version %d; the retry seq %d; want the loan's third event",
				i, l.GetLoanId(), r.GetSeq(), l.GetVersion(), again.GetSeq())
		}
	}
	fams := scrape(t, metrics)
	groups := metricValue(t, fams, "loancore_store_groups_total", "kind", "append")
	calls := metricValue(t, fams, "loancore_store_grouped_calls_total", "kind", "append")
	t.Logf("%v appends went in %v groups", calls, groups)
	if groups == 0 || calls <= groups {
		t.Fatalf("%v groups of %v appends: the repayments never went together", groups, calls)
	}
	metricValue(t, fams, "loancore_store_groups_total", "kind", "load")
}
