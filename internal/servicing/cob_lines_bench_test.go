package servicing_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/money"
	"github.com/loancore/loancore/internal/servicing"
	"github.com/loancore/loancore/internal/store"
)

// BenchmarkCOBLines is close of business's credit line step for one
// business date on a real SQLite store: 1,000 revolving lines with a loan
// each, 10 of them a day past due (drawn 2024-06-01, first installment
// due 2024-07-01 unpaid), the other 990 drawn 2024-06-21 and not yet due,
// closed for 2024-07-02. The date is closed once before the timing (the
// 10 lines frozen, positions saved), so each timed call finds nothing to
// change: what it costs is finding that out. The figures are in
// docs/benchmarks.md.
// go test ./internal/servicing -run '^$' -bench COBLines
func BenchmarkCOBLines(b *testing.B) {
	ctx := context.Background()
	c, d := linesForCOB(b, ctx, 1000, 10)
	b.ResetTimer()
	for b.Loop() {
		if failed, err := servicing.FreezeLines(c, ctx, d); err != nil || failed != 0 {
			b.Fatal(failed, err)
		}
	}
}

// linesForCOB books lines lines with one loan each, pastDue of them past
// due on the date it returns, and closes that date once.
func linesForCOB(b *testing.B, ctx context.Context, lines, pastDue int) (*servicing.Close, engine.Date) {
	b.Helper()
	db := benchStore(b, ctx)
	now := time.Date(2024, 6, 1, 2, 0, 0, 0, time.UTC)
	clock := func() time.Time { now = now.Add(time.Millisecond); return now }
	loans, err := servicing.NewLoans(servicing.NewLoansParams{Store: db, Now: clock, Location: time.UTC})
	if err != nil {
		b.Fatal(err)
	}
	cl := servicing.NewCreditLines(loans, db)
	template := servicing.MonthlyTerms(12)
	template.Principal, template.DisbursementDate = 0, engine.NoDate
	limit, _ := money.ParseAmount("1000.00", template.Currency)
	for i := range lines {
		if i == pastDue {
			now = time.Date(2024, 6, 21, 2, 0, 0, 0, time.UTC)
		}
		id := fmt.Sprintf("CL%04d", i)
		if _, err := cl.OpenCreditLine(ctx, servicing.OpenCreditLineParams{RequestID: "o" + id, RequestHash: "o" + id, CreditLineID: id,
			BorrowerID: "B", Limit: limit, Revolving: true, ExpiresOn: engine.NoDate, Template: template, Actor: "bench"}); err != nil {
			b.Fatal(err)
		}
		if _, err := cl.Drawdown(ctx, servicing.DrawdownParams{RequestID: "d" + id, RequestHash: "d" + id, CreditLineID: id,
			Amount: "600.00", Actor: "bench"}); err != nil {
			b.Fatal(err)
		}
	}
	now = time.Date(2024, 7, 3, 2, 0, 0, 0, time.UTC)
	c := servicing.NewClose(servicing.NewCloseParams{Store: db, Loans: loans, Lines: cl, FreezeLinesDays: 1,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	d := engine.DateOf(2024, 7, 2)
	if _, err := c.Run(ctx, servicing.RunParams{BusinessDate: d}); err != nil {
		b.Fatal(err)
	}
	frozen, err := db.ListCreditLines(ctx, store.CreditLineQuery{Limit: lines})
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for _, l := range frozen {
		if l.Status == store.LineStatusFrozen {
			n++
		}
	}
	if n != pastDue {
		b.Fatalf("%d lines frozen, want %d", n, pastDue)
	}
	return c, d
}
