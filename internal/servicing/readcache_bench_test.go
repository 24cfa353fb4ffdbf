package servicing_test

import (
	"context"
	"testing"
	"time"

	"github.com/loancore/loancore/internal/cputime"
	"github.com/loancore/loancore/internal/servicing"
)

// BenchmarkGetLoanCached: GetLoan as of today of a loan the read cache
// holds, nothing written since, on a real SQLite store: what a repeat
// read costs in loand short of gRPC (the version check and the lookup).
// go test ./internal/servicing -run '^$' -bench GetLoanCached
func BenchmarkGetLoanCached(b *testing.B) {
	ctx := context.Background()
	db := benchStore(b, ctx)
	now := time.Date(2024, 2, 1, 2, 0, 0, 0, time.UTC)
	loans, err := servicing.NewLoans(servicing.NewLoansParams{Store: db, Now: func() time.Time { return now }, Location: time.UTC})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := loans.CreateLoan(ctx, servicing.CreateLoanParams{RequestID: "c", RequestHash: "c", LoanID: "L", BorrowerID: "B",
		Terms: servicing.MonthlyTerms(12)}); err != nil {
		b.Fatal(err)
	}
	want, err := loans.GetLoan(ctx, servicing.GetLoanParams{LoanID: "L"})
	if err != nil {
		b.Fatal(err)
	}
	cpu := cputime.Process()
	for b.Loop() {
		v, err := loans.GetLoan(ctx, servicing.GetLoanParams{LoanID: "L"})
		if err != nil || v.Version != want.Version {
			b.Fatal(v.Version, err)
		}
	}
	reportCPU(b, cpu)
}
