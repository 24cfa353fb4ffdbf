package servicing_test

import (
	"context"
	"testing"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/money"
	"github.com/loancore/loancore/internal/servicing"
)

// BenchmarkRecalcGetLoan is issue 19's benchmark through servicing and a
// real SQLite store: GetLoan, as of a day after maturity, of a loan with
// interest on the actual balance (12,000.00 CNY at 12% ACT/365, 12 monthly
// installments) paid by 365 part-payments of 29.00, one a day, beside the
// same loan paid by its 12 installments on their due dates. The payments
// are recorded day by day as tellers would (cache off, so writes store a
// snapshot every 8 events). cache=on reads through a warm log cache;
// cache=off reads the latest snapshot and the events after it each time.
// go test ./internal/servicing -run '^$' -bench RecalcGetLoan
func BenchmarkRecalcGetLoan(b *testing.B) {
	ctx := context.Background()
	db := benchStore(b, ctx)
	now := time.Date(2024, 1, 15, 2, 0, 0, 0, time.UTC)
	clock := func() time.Time { now = now.Add(time.Millisecond); return now }
	writer, err := servicing.NewLoans(servicing.NewLoansParams{Store: db, Now: clock, Location: time.UTC, CachedLoans: -1})
	if err != nil {
		b.Fatal(err)
	}
	cny, _ := money.LookupCurrency("CNY")
	rate, _ := money.ParseRate("12", engine.MaxRatePercent)
	terms := engine.Terms{Currency: cny, Principal: 1_200_000, AnnualRate: rate, InstallmentCount: 12,
		Frequency: engine.Frequency{Unit: engine.Month, Every: 1}, Method: engine.EqualInstallment,
		DisbursementDate: engine.DateOf(2024, 1, 15), FirstDueDate: engine.NoDate, InterestAccrual: engine.Daily,
		DayCount: engine.Act365Fixed, Rounding: engine.Rounding{Mode: money.HalfUp, Multiple: 1}, InterestRecalculation: true}
	payments := map[string][]engine.Date{}
	for d := range 365 {
		payments["daily365"] = append(payments["daily365"], engine.DateOf(2024, 1, 16).AddDays(d))
	}
	for k := range 12 {
		payments["monthly12"] = append(payments["monthly12"], engine.DateOf(2024, 2, 15).AddMonths(k))
	}
	for _, id := range []string{"monthly12", "daily365"} {
		now = time.Date(2024, 1, 15, 2, 0, 0, 0, time.UTC)
		if _, err := writer.CreateLoan(ctx, servicing.CreateLoanParams{RequestID: id, LoanID: id, BorrowerID: "B", Terms: terms}); err != nil {
			b.Fatal(err)
		}
		amount := map[string]string{"daily365": "29.00", "monthly12": "1066.19"}[id]
		for i, d := range payments[id] {
			y, m, dd := d.YMD()
			now = time.Date(y, time.Month(m), dd, 2, 0, 0, 0, time.UTC)
			if _, err := writer.RecordRepayment(ctx, servicing.RecordRepaymentParams{RequestID: id + "-" + d.String(), LoanID: id,
				Amount: amount, ValueDate: engine.NoDate}); err != nil {
				b.Fatalf("%s payment %d: %v", id, i, err)
			}
		}
	}
	now = time.Date(2025, 1, 20, 2, 0, 0, 0, time.UTC)
	for _, cache := range []struct {
		name string
		size int
	}{{"on", 0}, {"off", -1}} {
		reader, err := servicing.NewLoans(servicing.NewLoansParams{Store: db, Now: clock, Location: time.UTC, CachedLoans: cache.size})
		if err != nil {
			b.Fatal(err)
		}
		for _, id := range []string{"monthly12", "daily365"} {
			b.Run("cache="+cache.name+"/log="+id, func(b *testing.B) {
				for b.Loop() {
					if _, err := reader.GetLoan(ctx, servicing.GetLoanParams{LoanID: id}); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
