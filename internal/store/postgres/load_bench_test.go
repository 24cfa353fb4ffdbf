package postgres_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/loancore/loancore/internal/store"
	"github.com/loancore/loancore/internal/store/pgtest"
)

// BenchmarkLoadLoan reads one loan with its log of 40 events and a request
// lookup, as a write that misses the log cache did before snapshots
// (kernel=loadloan), and its latest snapshot with the 4 events after it, as
// such a write does now (kernel=snapshot), and the same without the
// lookup, as a repayment's first read of the loan makes it
// (kernel=snapshotalone). One client, so ns/op is the
// round trip with PostgreSQL's work in it. Baseline: one row read by an
// index alone.
func BenchmarkLoadLoan(b *testing.B) {
	ctx := context.Background()
	s := openBenchStore(b, pgtest.URL(b)+os.Getenv("XTRA"))
	// Each loan has a snapshot tail events before its last.
	const loans, events, tail = 64, 40, 4
	t0 := benchT0
	for _, id := range bookBenchLoans(b, s, "L", loans, benchTerms(36)) {
		for v := int64(1); v < events; v++ {
			rid := fmt.Sprintf("p-%s-%d", id, v)
			at := t0.Add(time.Duration(v) * 24 * time.Hour)
			p := store.AppendEventParams{LoanID: id, ExpectedVersion: v,
				Event: store.EventRecord{LoanID: id, Seq: v + 1, Kind: "REPAYMENT", ValueDate: "2024-02-15", RecordedAt: at,
					RequestID: rid, Actor: "api", Amount: "366.19"},
				Request: store.RequestRecord{RequestID: rid, Method: "RecordRepayment", RequestHash: "h", LoanID: id, Seq: v + 1, RecordedAt: at}}
			if v+1 == events-tail {
				// About the size of a 36-month loan's encoded fold.
				p.Snapshot = &store.SnapshotRecord{Seq: v + 1, Format: 1, AsOf: "2024-02-15", LastValueDate: "2024-02-15", State: make([]byte, 1200)}
			}
			if err := s.AppendEvent(ctx, p); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("kernel=loadloan", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			lg, err := s.LoadLoan(ctx, store.LoadLoanParams{LoanID: fmt.Sprintf("L%d", i%loans), RequestID: "new"})
			if err != nil || len(lg.Events) != events {
				b.Fatal(err, len(lg.Events))
			}
		}
	})
	b.Run("kernel=snapshot", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			lg, err := s.LoadLoan(ctx, store.LoadLoanParams{LoanID: fmt.Sprintf("L%d", i%loans), RequestID: "new", SnapshotFormat: 1})
			if err != nil || lg.Snapshot == nil || len(lg.Events) != tail {
				b.Fatal(err, len(lg.Events))
			}
		}
	})
	b.Run("kernel=snapshotalone", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			lg, err := s.LoadLoan(ctx, store.LoadLoanParams{LoanID: fmt.Sprintf("L%d", i%loans), SnapshotFormat: 1})
			if err != nil || lg.Snapshot == nil || len(lg.Events) != tail || lg.Request != nil {
				b.Fatal(err, len(lg.Events))
			}
		}
	})
	b.Run("kernel=onerow", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			if _, err := s.FindRequest(ctx, store.RequestKey{RequestID: fmt.Sprintf("c-L%d", i%loans)}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
