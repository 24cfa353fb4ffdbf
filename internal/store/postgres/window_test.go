package postgres_test

import (
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/store"
	"github.com/loancore/loancore/internal/store/postgres"
	"github.com/loancore/loancore/internal/store/storetest"
)

// TestPageLooksInTheWindow: with 150 dates of positions kept, a page's
// statement plans probes of the last PositionWindowDays dates'
// partitions only, whatever the dates kept (each planned probe of every
// date made a page slower each day), and flags for a second look the
// loans it may have missed: one whose latest position is older, not one
// booked after the date before the window was closed.
func TestPageLooksInTheWindow(t *testing.T) {
	ctx := context.Background()
	s := storetest.Postgres(t)
	d := engine.DateOf(2024, 6, 1)
	at := time.Date(2024, 6, 1, 20, 0, 0, 0, time.UTC)
	// L0000 has its latest position 100 dates back, L0001 2 dates back,
	// and L0002 is booked after the runs.
	numberedLoans(t, s, 2)
	for i := 150; i >= 1; i-- {
		var ps []store.Position
		switch i {
		case 100:
			ps = append(ps, foldedPosition(0, d-100))
		case 2:
			ps = append(ps, foldedPosition(1, d-2))
		}
		day := d - engine.Date(i)
		if err := s.PositionPartition(ctx, day); err != nil {
			t.Fatal(err)
		}
		if err := s.SavePositions(ctx, store.SavePositionsParams{BusinessDate: day, Positions: ps, RecordedAt: at}); err != nil {
			t.Fatal(err)
		}
		// Saved running, then completed, as a run saves its record: the
		// completed run's xmax is recorded by the update.
		for _, r := range []store.COBRun{{BusinessDate: day, Status: store.COBRunning, StartedAt: at},
			{BusinessDate: day, Status: store.COBCompleted, StartedAt: at, FinishedAt: at}} {
			if err := s.SaveCOBRun(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := s.CreateLoan(ctx, newLoan("L0002")); err != nil {
		t.Fatal(err)
	}
	args := []any{d.String(), []string{"L0000", "L0001", "L0002"}, 10, []string{}}
	rows, _ := s.Pool().Query(ctx, "EXPLAIN (COSTS OFF) "+postgres.COBLoansPageSQL, args...)
	plan, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	dates := map[string]bool{}
	for _, line := range plan {
		for _, m := range regexp.MustCompile(`loan_positions_p\d{8}`).FindAllString(line, -1) {
			dates[m] = true
		}
	}
	if len(dates) == 0 || len(dates) > postgres.PositionWindowDays+1 {
		t.Fatalf("the page's plan probes %d dates' partitions of 150 kept, want at most %d", len(dates), postgres.PositionWindowDays+1)
	}
	rows, _ = s.Pool().Query(ctx, postgres.COBLoansPageSQL, args...)
	flagged := map[string]bool{}
	for rows.Next() {
		v, err := rows.Values()
		if err != nil {
			t.Fatal(err)
		}
		flagged[v[2].(string)] = v[len(v)-1].(bool)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if want := map[string]bool{"L0002": false, "L0000": true, "L0001": false}; len(flagged) != 3 || flagged["L0002"] || !flagged["L0000"] || flagged["L0001"] {
		t.Fatalf("flagged for a second look: %v, want %v", flagged, want)
	}
}
