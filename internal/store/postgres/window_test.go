package postgres_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
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
	for _, id := range []string{"OLD", "RECENT"} {
		if err := s.CreateLoan(ctx, newLoan(id)); err != nil {
			t.Fatal(err)
		}
	}
	for i := 150; i >= 1; i-- {
		var ps []store.Position
		switch i {
		case 100:
			ps = append(ps, windowPosition("OLD", d-100))
		case 2:
			ps = append(ps, windowPosition("RECENT", d-2))
		}
		day := d - engine.Date(i)
		if _, err := s.Pool().Exec(ctx, fmt.Sprintf(`CREATE TABLE IF NOT EXISTS loan_positions_p%s PARTITION OF loan_positions
			FOR VALUES FROM ('%s') TO ('%s')`, strings.ReplaceAll(day.String(), "-", ""), day, day+1)); err != nil {
			t.Fatal(err)
		}
		if err := s.SavePositions(ctx, store.SavePositionsParams{BusinessDate: day, Positions: ps, RecordedAt: at}); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveCOBRun(ctx, store.COBRun{BusinessDate: day, Status: store.COBCompleted, StartedAt: at, FinishedAt: at}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CreateLoan(ctx, newLoan("NEW")); err != nil {
		t.Fatal(err)
	}
	args := []any{d.String(), []string{"NEW", "OLD", "RECENT"}, 10, []string{}}
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
	if want := map[string]bool{"NEW": false, "OLD": true, "RECENT": false}; len(flagged) != 3 || flagged["NEW"] || !flagged["OLD"] || flagged["RECENT"] {
		t.Fatalf("flagged for a second look: %v, want %v", flagged, want)
	}
}

// windowPosition is a position of a loan as of d.
func windowPosition(id string, d engine.Date) store.Position {
	return store.Position{LoanID: id, BorrowerID: "B", Currency: "CNY", AsOf: d, Status: store.StatusActive, DaysPastDue: 5,
		Bucket: engine.M1, Outstanding: engine.Outstanding{Principal: 1_000_000}, Version: 2}
}
