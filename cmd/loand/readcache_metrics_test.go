package main

import (
	"testing"
	"time"

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
)

// TestMetricsCountReadCache: loancore_read_cache_lookups_total counts
// GetLoan's reads as of today by what the read cache had: the first read
// of a loan misses, the next two hit, and the read after a payment finds
// the view of an older version (stale).
func TestMetricsCountReadCache(t *testing.T) {
	keys, key := apiKey(t, "servicer")
	metricsAddr := freeAddr(t)
	p := startProc(t, "--api-keys-file", keys, "--metrics-listen", metricsAddr)
	conn, ctx := authedConn(t, p.addr, key)
	loans := loancorev1.NewLoanServiceClient(conn)
	today := time.Now().In(shanghai(t))
	if _, err := loans.CreateLoan(ctx, &loancorev1.CreateLoanRequest{RequestId: "c", LoanId: "LN-R", BorrowerId: "B",
		Terms: &loancorev1.LoanTerms{Currency: "CNY", Principal: "12000", AnnualRatePercent: "12", InstallmentCount: 12,
			Method:           loancorev1.RepaymentMethod_REPAYMENT_METHOD_EQUAL_INSTALLMENT,
			DisbursementDate: today.AddDate(0, -1, 0).Format(time.DateOnly)}}); err != nil {
		t.Fatal(err)
	}
	get := func() {
		t.Helper()
		if _, err := loans.GetLoan(ctx, &loancorev1.GetLoanRequest{LoanId: "LN-R"}); err != nil {
			t.Fatal(err)
		}
	}
	get()
	get()
	get()
	if _, err := loans.RecordRepayment(ctx, &loancorev1.RecordRepaymentRequest{RequestId: "p", LoanId: "LN-R", Amount: "10.00",
		ValueDate: today.Format(time.DateOnly)}); err != nil {
		t.Fatal(err)
	}
	get()
	m := scrape(t, metricsAddr)
	for result, want := range map[string]float64{"miss": 1, "hit": 2, "stale": 1} {
		if got := metricValue(t, m, "loancore_read_cache_lookups_total", "result", result); got != want {
			t.Errorf("loancore_read_cache_lookups_total{result=%q} = %v, want %v", result, got, want)
		}
	}
}
