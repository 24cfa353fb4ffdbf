package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/store"
	"github.com/loancore/loancore/internal/store/postgres"
	"github.com/loancore/loancore/internal/store/storetest"
)

// TestCountCOBLoansProbesOnlyADateBegun: counting a date's loans to do
// probes each loan for a position of the date only once the date has
// one; a date not begun counts the active loans alone. EXPLAIN ANALYZE
// shows which count ran: the other is "never executed".
func TestCountCOBLoansProbesOnlyADateBegun(t *testing.T) {
	ctx := context.Background()
	s := storetest.Postgres(t)
	d := engine.DateOf(2024, 3, 1)
	numberedLoans(t, s, 3)
	check := func(when string, want int64, probed bool) {
		t.Helper()
		n, err := s.CountCOBLoans(ctx, store.COBLoansParams{BusinessDate: d})
		if err != nil || n != want {
			t.Fatalf("%s: %d loans to do, %v; want %d", when, n, err, want)
		}
		var plan []string
		rows, err := s.Pool().Query(ctx, "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) "+postgres.CountCOBLoansSQL, d.String())
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, line)
		}
		// The probe's anti-join reads loan_positions by loan: a node on
		// the loans' positions that ran, or never did.
		ran := false
		for _, line := range plan {
			if strings.Contains(line, "Anti Join") && !strings.Contains(line, "never executed") {
				ran = true
			}
		}
		if ran != probed {
			t.Fatalf("%s: probed each loan %t, want %t:\n%s", when, ran, probed, strings.Join(plan, "\n"))
		}
	}
	check("a date not begun", 3, false)
	if err := s.SavePositions(ctx, store.SavePositionsParams{BusinessDate: d, Positions: []store.Position{foldedPosition(1, d)},
		RecordedAt: time.Date(2024, 3, 2, 1, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	check("a date begun", 2, true)
}
