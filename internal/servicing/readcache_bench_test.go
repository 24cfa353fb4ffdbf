package servicing_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loancore/loancore/internal/cputime"
	"github.com/loancore/loancore/internal/servicing"
)

// BenchmarkGetLoanCached: GetLoan as of today of loans the read cache
// holds, nothing written since, on a real SQLite store: what a repeat
// read costs in loand short of gRPC (the version check and the lookup).
// loans=1 reads one loan in turn; loans=512/parallel reads 512 from
// every P at once, as make bench-read's clients do, so that the cache's
// lock is shared and its entries are not all in the processor's cache.
// go test ./internal/servicing -run '^$' -bench GetLoanCached
func BenchmarkGetLoanCached(b *testing.B) {
	ctx := context.Background()
	db := benchStore(b, ctx)
	now := time.Date(2024, 2, 1, 2, 0, 0, 0, time.UTC)
	loans, err := servicing.NewLoans(servicing.NewLoansParams{Store: db, Now: func() time.Time { return now }, Location: time.UTC})
	if err != nil {
		b.Fatal(err)
	}
	const n = 512
	ids := make([]string, n)
	versions := make([]int64, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("L%03d", i)
		if _, err := loans.CreateLoan(ctx, servicing.CreateLoanParams{RequestID: "c" + ids[i], RequestHash: "c", LoanID: ids[i],
			BorrowerID: "B", Terms: servicing.MonthlyTerms(12)}); err != nil {
			b.Fatal(err)
		}
		v, err := loans.GetLoan(ctx, servicing.GetLoanParams{LoanID: ids[i]})
		if err != nil {
			b.Fatal(err)
		}
		versions[i] = v.Version
	}
	read := func(b *testing.B, i int) {
		v, err := loans.GetLoan(ctx, servicing.GetLoanParams{LoanID: ids[i]})
		if err != nil || v.Version != versions[i] {
			b.Fatal(v.Version, err)
		}
	}
	b.Run("loans=1", func(b *testing.B) {
		cpu := cputime.Process()
		for b.Loop() {
			read(b, 0)
		}
		reportCPU(b, cpu)
	})
	b.Run(fmt.Sprintf("loans=%d/parallel", n), func(b *testing.B) {
		var next atomic.Int64
		cpu := cputime.Process()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				read(b, int(next.Add(7919)%n))
			}
		})
		reportCPU(b, cpu)
	})
}
