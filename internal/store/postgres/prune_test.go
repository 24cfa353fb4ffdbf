package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/store"
	"github.com/loancore/loancore/internal/store/storetest"
)

// TestPruneGivesWayToReaders: a prune that cannot lock loan_positions
// within its timeout (a reader holds it) fails soon, drops nothing and
// records nothing, so a close of business's pages and the collection
// lists queued behind it wait that long at most; once the reader is
// done, the same prune drops the date.
func TestPruneGivesWayToReaders(t *testing.T) {
	ctx := context.Background()
	s := storetest.Postgres(t)
	d := engine.DateOf(2024, 6, 1)
	numberedLoans(t, s, 1)
	for _, day := range []engine.Date{d - 1, d} {
		if err := s.SavePositions(ctx, store.SavePositionsParams{BusinessDate: day, Positions: []store.Position{foldedPosition(0, day)},
			RecordedAt: time.Date(2024, 6, 1, 20, 0, 0, 0, time.UTC)}); err != nil {
			t.Fatal(err)
		}
	}
	reader, err := s.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reader.Exec(ctx, "SELECT count(*) FROM loan_positions WHERE as_of = $1::date", d.String()); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	if r, err := s.PrunePositions(ctx, store.PrunePositionsParams{Before: d}); err == nil {
		t.Fatalf("a prune beside a reader: %+v, want a lock timeout", r)
	}
	waited := time.Since(began)
	t.Logf("the prune gave way after %v", waited.Round(time.Millisecond))
	_ = reader.Rollback(ctx)
	var partitions, prunes int
	if err := s.Pool().QueryRow(ctx, `SELECT (SELECT count(*) FROM pg_inherits WHERE inhparent = 'loan_positions'::regclass),
		(SELECT count(*) FROM position_prunes)`).Scan(&partitions, &prunes); err != nil || partitions != 2 || prunes != 0 || waited > 5*time.Second {
		t.Fatalf("after the failed prune (%v): %d partitions, %d prunes, %v; want 2 and none", waited, partitions, prunes, err)
	}
	if r, err := s.PrunePositions(ctx, store.PrunePositionsParams{Before: d}); err != nil || r.DatesDropped != 1 || r.KeptFrom != d {
		t.Fatalf("the prune once the reader is done: %+v, %v", r, err)
	}
}

// TestPruneDropsAHundredAtATime: a book that turns retention on with 130
// dates kept drops the oldest 100 partitions at the first prune (their
// locks are held to the commit, and the lock table is finite), keeping
// from the 101st, and the other 30 at the next.
func TestPruneDropsAHundredAtATime(t *testing.T) {
	ctx := context.Background()
	s := storetest.Postgres(t)
	d := engine.DateOf(2024, 6, 1)
	for i := 130; i >= 1; i-- {
		if err := s.PositionPartition(ctx, d-engine.Date(i)); err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range []store.PruneResult{{KeptFrom: d - 30, DatesDropped: 100}, {KeptFrom: d, DatesDropped: 30}, {KeptFrom: d}} {
		if r, err := s.PrunePositions(ctx, store.PrunePositionsParams{Before: d}); err != nil || r != want {
			t.Fatalf("prune before %s: %+v, %v; want %+v", d, r, err, want)
		}
	}
}
