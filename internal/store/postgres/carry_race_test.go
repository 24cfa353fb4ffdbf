package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/money"
	"github.com/loancore/loancore/internal/store"
	"github.com/loancore/loancore/internal/store/postgres"
	"github.com/loancore/loancore/internal/store/storetest"
)

// TestTakeOverWaitsForAWriteInFlight: a run that takes a date over
// (TakeCOBRun) waits for the write of the runner before it still in
// flight (its transaction holds the run's row for key share, as
// SavePositions' and the carry's do, migration 24), and then sees it: its
// carry leaves the loan the one before wrote, and carries the rest with
// their journal lines, none twice; the one before's next write is
// refused.
func TestTakeOverWaitsForAWriteInFlight(t *testing.T) {
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
	if err := s.SavePositions(ctx, store.SavePositionsParams{BusinessDate: d - 1, Positions: before, RecordedAt: at}); err != nil {
		t.Fatal(err)
	}
	run := store.COBRun{BusinessDate: d, Status: store.COBRunning, StartedAt: at, Runner: "A"}
	if err := s.TakeCOBRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	// A writes L2's position of d, not yet committed, under its fence.
	if _, err := s.Pool().Exec(ctx, `CREATE TABLE loan_positions_p20240301 PARTITION OF loan_positions
		FOR VALUES FROM ('2024-03-01') TO ('2024-03-02')`); err != nil {
		t.Fatal(err)
	}
	tx, err := s.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	var fenced int
	if err := tx.QueryRow(ctx, postgres.FenceSQL, d.String(), "A").Scan(&fenced); err != nil || fenced != 1 {
		t.Fatalf("A's fence: %d, %v", fenced, err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO loan_positions (loan_id, as_of, status, days_past_due, bucket, risk_class, principal, interest,
		penalty, compound, penalty_charged, compound_charged, fees_charged) VALUES ('L2', $1, 'ACTIVE', 41, 2, 1, 1, 0, 0, 0, 0, 0, 0)`,
		d.String()); err != nil {
		t.Fatal(err)
	}
	taken := make(chan error, 1)
	go func() {
		run.Runner = "B"
		taken <- s.TakeCOBRun(ctx, run)
	}()
	waitForLockWait(t, s)
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-taken; err != nil {
		t.Fatal(err)
	}
	r, err := s.CarryPositions(ctx, store.CarryPositionsParams{BusinessDate: d, Policy: 7, Limit: 10, RecordedAt: at, Runner: "B"})
	if err != nil || r.Carried != 2 || fmt.Sprint(r.Left) != "[L2]" {
		t.Fatalf("B's carry: %+v, %v; want L1 and L3 carried, L2 left", r, err)
	}
	ps, err := s.DelinquentPositions(ctx, store.PositionQuery{AsOf: d, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if s := fmt.Sprint(dpds(ps)); s != "[L1:6 L2:41 L3:6]" {
		t.Fatalf("positions of %s: %s", d, s)
	}
	for id, want := range map[string]store.Accrual{"L1": {Penalty: 204, Compound: 1}, "L2": {}} {
		if a, err := s.AccrualTotal(ctx, store.AccrualQuery{LoanID: id}); err != nil || a != want {
			t.Fatalf("%s's journal: %+v, %v; want %+v", id, a, err, want)
		}
	}
	if _, err := s.CarryPositions(ctx, store.CarryPositionsParams{BusinessDate: d, Policy: 7, Limit: 10, RecordedAt: at, Runner: "A"}); !errors.Is(err, store.ErrTakenOver) {
		t.Fatalf("A's carry after B took over: %v; want ErrTakenOver", err)
	}
}

// waitForLockWait waits until a statement of the store's database waits
// for a lock (a take-over, for the other transaction's fence).
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
	t.Fatal("nothing ever waited for the other transaction's lock")
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

// TestCarriedPagesInLoanIDOrder: each row of carried positions, and of
// their journal lines, holds its loans in loan id order, every array
// element by element, and names its first and last loan (the readers
// page by them): the arrays are built in the order of a sorted subquery,
// not by an ORDER BY in each aggregate. Loans are created in an order
// that is not their ids', and the carry runs in pages of 1,200 over
// 1,500 loans, so a statement builds rows of 500 and a short one, and
// one carries the ones before and after the other's.
func TestCarriedPagesInLoanIDOrder(t *testing.T) {
	ctx := context.Background()
	s := storetest.Postgres(t)
	d := engine.DateOf(2024, 3, 1)
	at := time.Date(2024, 3, 2, 1, 0, 0, 0, time.UTC)
	const n = 1500
	var before []store.Position
	for i := range n {
		id := fmt.Sprintf("L%04d", (i*7919)%n) // a permutation of 0..n-1
		if err := s.CreateLoan(ctx, newLoan(id)); err != nil {
			t.Fatal(err)
		}
		before = append(before, store.Position{LoanID: id, BorrowerID: "B", Currency: "CNY", AsOf: d - 1, Status: store.StatusActive,
			DaysPastDue: i%40 + 1, Bucket: engine.M1, Version: 2, Steady: &store.SteadyRun{Through: d + 5, Penalty: money.Amount(i % 3),
				Compound: money.Amount(i), Policy: 7}})
	}
	if err := s.SavePositions(ctx, store.SavePositionsParams{BusinessDate: d - 1, Positions: before, RecordedAt: at}); err != nil {
		t.Fatal(err)
	}
	for _, day := range []engine.Date{d, d + 1} {
		for after := ""; ; {
			r, err := s.CarryPositions(ctx, store.CarryPositionsParams{BusinessDate: day, Policy: 7, AfterLoanID: after, Limit: 1200,
				RecordedAt: at})
			if err != nil {
				t.Fatal(err)
			}
			if after = r.Next; after == "" {
				break
			}
		}
	}
	var rows, unsorted int
	err := s.Pool().QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE NOT sorted) FROM (
		SELECT `+inLoanIDOrder+`
			AND days_past_due = ARRAY(SELECT dpd FROM unnest(loan_ids, days_past_due) u(x, dpd) ORDER BY x) AS sorted
		FROM carried_positions
		UNION ALL
		SELECT `+inLoanIDOrder+` FROM accrual_batches) r`).Scan(&rows, &unsorted)
	if err != nil || rows < 10 || unsorted != 0 {
		t.Fatalf("%d rows of carried positions and lines, %d not in loan id order: %v", rows, unsorted, err)
	}
	for i, p := range dpdsOfDate(t, s, d+1) {
		if want := fmt.Sprintf("L%04d", i); !strings.HasPrefix(p, want+":") {
			t.Fatalf("%s's delinquent position %d is %s, want %s's", d+1, i, p, want)
		}
	}
}

// dpdsOfDate are the delinquent positions of d, every page of them, as
// "loan:days past due".
func dpdsOfDate(t *testing.T, s *postgres.Store, d engine.Date) []string {
	t.Helper()
	var out []string
	for after := ""; ; {
		ps, err := s.DelinquentPositions(context.Background(), store.PositionQuery{AsOf: d, AfterLoanID: after, Limit: 333})
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) == 0 {
			return out
		}
		out = append(out, dpds(ps)...)
		after = ps[len(ps)-1].LoanID
	}
}
