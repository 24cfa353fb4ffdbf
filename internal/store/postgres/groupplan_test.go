package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/loancore/loancore/internal/store/pgtest"
	"github.com/loancore/loancore/internal/store/postgres"
)

// TestGroupAppendProbesByIndex: a group append planned while the log was
// small and never analyzed (a new database) still finds each row's
// previous event by the log's primary key once the log is large. pgx
// prepares the statement once per connection and PostgreSQL keeps its
// generic plan until the table's statistics change; with the previous
// event tested by EXISTS, the plan made then was a hash join over a
// sequential scan of the whole log, and each group read every event.
func TestGroupAppendProbesByIndex(t *testing.T) {
	ctx := context.Background()
	s := openSolo(t, pgtest.URL(t))
	if err := s.CreateLoan(ctx, newLoan("P")); err != nil {
		t.Fatal(err)
	}
	conn, err := s.Pool().Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	explain := "EXPLAIN (COSTS OFF) EXECUTE grouped(" + strings.Repeat("'{}', ", 14) + "'{}')"
	for _, sql := range []string{"SET plan_cache_mode = force_generic_plan", "PREPARE grouped AS " + postgres.GroupAppendSQL, explain} {
		if _, err := conn.Exec(ctx, sql); err != nil { // the last plans it now, over a log of two events
			t.Fatal(err)
		}
	}
	if _, err := conn.Exec(ctx, `INSERT INTO loan_events (loan_id, seq, kind, value_date, recorded_at, request_id, actor, amount, reason, on_behalf_of)
		SELECT 'P', i, 'REPAYMENT', '2024-02-15', now(), 'r' || i, 't', 1.00, '', '' FROM generate_series(3, 20000) i`); err != nil {
		t.Fatal(err)
	}
	rows, err := conn.Query(ctx, explain)
	if err != nil {
		t.Fatal(err)
	}
	var plan strings.Builder
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		plan.WriteString(line + "\n")
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if p := plan.String(); strings.Contains(p, "Seq Scan on loan_events") || !strings.Contains(p, "using loan_events_pkey on loan_events p") {
		t.Fatalf("the kept plan of a group append does not probe the previous event by the primary key:\n%s", p)
	}
}
