package servicing_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/loancore/loancore/internal/cputime"
	"github.com/loancore/loancore/internal/servicing"
	"github.com/loancore/loancore/internal/store"
	"github.com/loancore/loancore/internal/store/sqlite"
)

// The two read-path costs of a long loan's APR (issue 19), on a real
// SQLite store, with a 360-installment loan (12,000.00 CNY at 12%, 30
// years monthly). The figures are in docs/benchmarks.md.
// go test ./internal/servicing -run '^$' -bench 'CreateLoan360|OldLoanRead360'

// BenchmarkCreateLoan360 books one loan per iteration: its schedule and
// APR are worked out for the terms document, and the loan read back for
// the answer.
func BenchmarkCreateLoan360(b *testing.B) {
	ctx := context.Background()
	loans, _ := benchLoans(b, ctx)
	terms := servicing.MonthlyTerms(360)
	n := 0
	cpu := cputime.Process()
	for b.Loop() {
		n++
		id := fmt.Sprintf("C%d", n)
		if _, err := loans.CreateLoan(ctx, servicing.CreateLoanParams{RequestID: id, RequestHash: id, LoanID: id, BorrowerID: "B",
			Terms: terms}); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu)
}

// reportCPU reports the process's CPU time per iteration since cpu: on a
// shared machine it varies far less than the wall time.
func reportCPU(b *testing.B, cpu time.Duration) {
	b.ReportMetric(float64(cputime.Process()-cpu)/float64(b.N), "cpu-ns/op")
}

// BenchmarkOldLoanRead360 reads, as of today and with the log cache off,
// a loan booked before the terms document kept its APR: each read that
// misses the cache works the APR out again (unless remembered).
func BenchmarkOldLoanRead360(b *testing.B) {
	ctx := context.Background()
	loans, db := benchLoans(b, ctx)
	terms := servicing.MonthlyTerms(360)
	doc, err := servicing.EncodeTerms(terms, "")
	if err != nil {
		b.Fatal(err)
	}
	at := time.Date(2024, 1, 15, 2, 0, 0, 0, time.UTC)
	disb := terms.DisbursementDate.String()
	if err := db.CreateLoan(ctx, store.NewLoanRecord{
		Loan: store.LoanRecord{LoanID: "OLD", BorrowerID: "B", Currency: "CNY", Terms: doc, Status: store.StatusActive, CreatedAt: at},
		Events: []store.EventRecord{
			{LoanID: "OLD", Seq: 1, Kind: store.KindOrigination, ValueDate: disb, RecordedAt: at, RequestID: "old", Actor: "a", Amount: "12000.00"},
			{LoanID: "OLD", Seq: 2, Kind: store.KindDisbursement, ValueDate: disb, RecordedAt: at, RequestID: "old", Actor: "a", Amount: "12000.00"}},
		Request: store.RequestRecord{RequestID: "old", Method: "CreateLoan", RequestHash: "old", LoanID: "OLD", Seq: 2, RecordedAt: at},
	}); err != nil {
		b.Fatal(err)
	}
	want, err := loans.GetLoan(ctx, servicing.GetLoanParams{LoanID: "OLD"})
	if err != nil || want.APR.IsZero() {
		b.Fatalf("the old loan's APR %v: %v", want.APR, err)
	}
	cpu := cputime.Process()
	for b.Loop() {
		v, err := loans.GetLoan(ctx, servicing.GetLoanParams{LoanID: "OLD"})
		if err != nil || v.APR != want.APR {
			b.Fatal(v.APR, err)
		}
	}
	reportCPU(b, cpu)
}

// benchLoans is a loans service with no log cache over a new SQLite
// store, today 2024-02-01.
func benchLoans(b *testing.B, ctx context.Context) (*servicing.Loans, store.Store) {
	b.Helper()
	db := benchStore(b, ctx)
	now := time.Date(2024, 2, 1, 2, 0, 0, 0, time.UTC)
	clock := func() time.Time { now = now.Add(time.Microsecond); return now }
	loans, err := servicing.NewLoans(servicing.NewLoansParams{Store: db, Now: clock, Location: time.UTC, CachedLoans: -1})
	if err != nil {
		b.Fatal(err)
	}
	return loans, db
}

// benchStore is a new, migrated SQLite store, closed when b ends.
func benchStore(b *testing.B, ctx context.Context) *sqlite.Store {
	b.Helper()
	db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "loancore.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	return db
}
