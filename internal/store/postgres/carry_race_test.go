package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/store"
	"github.com/loancore/loancore/internal/store/postgres"
	"github.com/loancore/loancore/internal/store/storetest"
)

// TestCarryBesideAnotherProcess: the carry inserts a page's positions
// plainly, and a position of the date there already (a run taken up
// again) or written by another process at once makes that insert fail on
// the key. CarryPositions then carries the page again, skipping them: no
// error, the other process's positions kept, the rest carried with their
// journal lines, none twice.
func TestCarryBesideAnotherProcess(t *testing.T) {
	ctx := context.Background()
	s := storetest.Postgres(t)
	d := engine.DateOf(2024, 3, 1)
	at := time.Date(2024, 3, 2, 1, 0, 0, 0, time.UTC)
	var before []store.Position
	for _, id := range []string{"L1", "L2", "L3"} {
		if err := s.CreateLoan(ctx, newLoan(id)); err != nil {
			t.Fatal(err)
		}
		p := store.Position{LoanID: id, BorrowerID: "B", Currency: "CNY", AsOf: d - 1, Status: store.StatusActive, DaysPastDue: 5,
			Bucket: engine.M1, Outstanding: engine.Outstanding{Principal: 1_000_000}, Version: 2, State: []byte{1, 2, 3},
			Steady: &store.SteadyRun{Through: d + 5, Penalty: 204, Compound: 1, Policy: 7}}
		before = append(before, p)
	}
	save := func(ps ...store.Position) {
		t.Helper()
		if err := s.SavePositions(ctx, store.SavePositionsParams{BusinessDate: ps[0].AsOf, Positions: ps, RecordedAt: at}); err != nil {
			t.Fatal(err)
		}
	}
	save(before...)
	l3 := before[2]
	l3.AsOf, l3.DaysPastDue = d, 40
	save(l3) // L3's position of d is there before the carry
	tx, err := s.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	// Another process writes L2's position of d, not yet committed: the
	// carry's insert waits for it.
	if _, err := tx.Exec(ctx, `INSERT INTO loan_positions (loan_id, as_of, status, days_past_due, bucket, risk_class, principal, interest,
		penalty, compound, penalty_charged, compound_charged, fees_charged) VALUES ('L2', $1, 'ACTIVE', 41, 2, 1, 1, 0, 0, 0, 0, 0, 0)`,
		d.String()); err != nil {
		t.Fatal(err)
	}
	type result struct {
		r   store.CarryResult
		err error
	}
	done := make(chan result, 1)
	go func() {
		r, err := s.CarryPositions(ctx, store.CarryPositionsParams{BusinessDate: d, Policy: 7, Limit: 10, RecordedAt: at})
		done <- result{r, err}
	}()
	waitForLockWait(t, s)
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	got := <-done
	if got.err != nil || got.r.Carried != 1 {
		t.Fatalf("carry beside another process: %+v, %v; want L1 alone carried", got.r, got.err)
	}
	ps, err := s.DelinquentPositions(ctx, store.PositionQuery{AsOf: d, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if s := fmt.Sprint(dpds(ps)); s != "[L1:6 L2:41 L3:40]" {
		t.Fatalf("positions of %s: %s", d, s)
	}
	for id, want := range map[string]store.Accrual{"L1": {Penalty: 204, Compound: 1}, "L2": {}} {
		if a, err := s.AccrualTotal(ctx, store.AccrualQuery{LoanID: id}); err != nil || a != want {
			t.Fatalf("%s's journal: %+v, %v; want %+v", id, a, err, want)
		}
	}
}

// waitForLockWait waits until a statement of the store's database waits
// for a lock (the carry, for the other transaction's row).
func waitForLockWait(t *testing.T, s *postgres.Store) {
	t.Helper()
	for range 500 {
		var n int
		if err := s.Pool().QueryRow(context.Background(), `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the carry never waited for the other transaction's row")
}

// dpds are positions as "loan:days past due".
func dpds(ps []store.Position) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = fmt.Sprintf("%s:%d", p.LoanID, p.DaysPastDue)
	}
	return out
}

// TestCarryTrustsTheRunsHorizon: after a date closed by a run (its record
// saved first, as close of business does), the carry probes the events of
// only the loans written to since the run began (the run's events
// horizon, migration 23). A position whose version is older than events
// written before the run began, which no run writes, is then carried on
// unprobed (L1); with no run recorded for the day before, every loan is
// probed and it is not (L2). This shows the probes are skipped, which is
// the point.
func TestCarryTrustsTheRunsHorizon(t *testing.T) {
	ctx := context.Background()
	s := storetest.Postgres(t)
	d := engine.DateOf(2024, 3, 1)
	for _, id := range []string{"L1", "L2"} {
		if err := s.CreateLoan(ctx, newLoan(id)); err != nil {
			t.Fatal(err)
		}
	}
	run := store.COBRun{BusinessDate: d - 1, Status: store.COBCompleted, StartedAt: time.Date(2024, 3, 1, 1, 0, 0, 0, time.UTC)}
	if err := s.SaveCOBRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		id    string
		d     engine.Date // the date carried; only d-1 has a run
		after string
		want  string
	}{{"L1", d, "", "carried 1, left []"}, {"L2", d - 5, "L1", "carried 0, left [L2]"}} {
		stale := store.Position{LoanID: c.id, BorrowerID: "B", Currency: "CNY", AsOf: c.d - 1, Status: store.StatusActive, DaysPastDue: 5,
			Bucket: engine.M1, Version: 1, State: []byte{1}, Steady: &store.SteadyRun{Through: c.d + 5, Penalty: 204, Policy: 7}}
		if err := s.SavePositions(ctx, store.SavePositionsParams{BusinessDate: c.d - 1, Positions: []store.Position{stale},
			RecordedAt: run.StartedAt}); err != nil {
			t.Fatal(err)
		}
		r, err := s.CarryPositions(ctx, store.CarryPositionsParams{BusinessDate: c.d, Policy: 7, AfterLoanID: c.after, ThroughLoanID: c.id,
			Limit: 10, RecordedAt: run.StartedAt})
		if got := fmt.Sprintf("carried %d, left %v", r.Carried, r.Left); err != nil || got != c.want {
			t.Errorf("%s on %s: %s, %v; want %s", c.id, c.d, got, err, c.want)
		}
	}
}
