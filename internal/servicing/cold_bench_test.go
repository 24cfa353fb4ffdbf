package servicing_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/loancore/loancore/internal/cputime"
	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/servicing"
	"github.com/loancore/loancore/internal/store"
)

// cannedStore answers every LoadLoan with one loan log read once from a
// real store, and takes every AppendEvent without writing it: what is
// left of a repayment is loand's own work on it, without the database's.
type cannedStore struct {
	store.Store
	// log is the latest snapshot and the events after it, whole the whole
	// log: the answers to a load that asks for a snapshot and to one that
	// does not.
	log, whole store.LoanLog
}

func (s *cannedStore) LoadLoan(_ context.Context, p store.LoadLoanParams) (store.LoanLog, error) {
	lg := s.log
	if p.SnapshotFormat == 0 {
		lg = s.whole
	}
	// Each load decodes its own copy, as rows from the database are.
	lg.Events = append([]store.EventRecord(nil), lg.Events...)
	if sn := lg.Snapshot; sn != nil {
		c := *sn
		c.State = append([]byte(nil), sn.State...)
		lg.Snapshot = &c
	}
	lg.Loan.Terms = append([]byte(nil), lg.Loan.Terms...)
	return lg, nil
}

func (s *cannedStore) AppendEvent(context.Context, store.AppendEventParams) error { return nil }

// BenchmarkColdRepayment is loand's own work on one repayment of a loan
// in no cache (kernel=cold: the loan read from its snapshot and the 4
// events after it, as make bench-payments' BENCH_CACHE=0 loans mostly
// are) beside the same repayment decided from the log cache
// (kernel=cached, the floor: a fold in hand), on a 12-month loan of the
// bench's terms paid 1.00 at a time, 2 years after its maturity. The
// store is taken out (cannedStore): the database's work and the round
// trips are make bench-payments'. The figures are in docs/benchmarks.md.
// go test ./internal/servicing -run '^$' -bench ColdRepayment -benchmem
func BenchmarkColdRepayment(b *testing.B) {
	ctx := context.Background()
	db := benchStore(b, ctx)
	now := time.Date(2026, 12, 5, 2, 0, 0, 0, time.UTC)
	clock := func() time.Time { now = now.Add(time.Microsecond); return now }
	params := servicing.NewLoansParams{Store: db, Now: clock, Location: time.UTC, CachedLoans: -1, SnapshotEvery: 8}
	loans, err := servicing.NewLoans(params)
	if err != nil {
		b.Fatal(err)
	}
	terms := servicing.MonthlyTerms(12)
	if _, err := loans.CreateLoan(ctx, servicing.CreateLoanParams{RequestID: "c", RequestHash: "c", LoanID: "L", BorrowerID: "B", Terms: terms}); err != nil {
		b.Fatal(err)
	}
	pay := func(l *servicing.Loans, id string) {
		if _, err := l.RecordRepayment(ctx, servicing.RecordRepaymentParams{RequestID: id, RequestHash: "h", LoanID: "L", Amount: "1.00",
			ValueDate: engine.DateOf(2024, 2, 15)}); err != nil {
			b.Fatal(err)
		}
	}
	// The sixth payment reads 8 events (the origination's 2 and 6
	// payments') and stores a snapshot; 4 more follow it.
	for i := range 10 {
		pay(loans, fmt.Sprintf("w%d", i))
	}
	canned := &cannedStore{Store: db}
	if canned.log, err = db.LoadLoan(ctx, store.LoadLoanParams{LoanID: "L", SnapshotFormat: engine.SnapshotFormat}); err != nil ||
		canned.log.Snapshot == nil || len(canned.log.Events) != 4 {
		b.Fatalf("the loan's snapshot and tail: %v, %d events", err, len(canned.log.Events))
	}
	if canned.whole, err = db.LoadLoan(ctx, store.LoadLoanParams{LoanID: "L"}); err != nil {
		b.Fatal(err)
	}
	for _, k := range []struct {
		name   string
		cached int
	}{{"cold", -1}, {"cached", 1000}} {
		b.Run("kernel="+k.name, func(b *testing.B) {
			p := params
			p.Store, p.CachedLoans = canned, k.cached
			l, err := servicing.NewLoans(p)
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			cpu := cputime.Process()
			for b.Loop() {
				n++
				pay(l, fmt.Sprintf("%s%d", k.name, n))
			}
			reportCPU(b, cpu)
		})
	}
}
