package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/loancore/loancore/internal/store/postgres"
)

// TestLoadProbesFromSnapshot: a load planned while the log was small and
// never analyzed (a new database) still reads a long log from its
// snapshot's event on, by the primary key. Joined to the log directly,
// the plan made then read every event of the loan and dropped those
// before the snapshot (a Join Filter), probing the snapshot once an
// event: 20,000 of each here for a load of three events.
func TestLoadProbesFromSnapshot(t *testing.T) {
	ctx := context.Background()
	conn := groupConn(t)
	explain := "EXPLAIN (COSTS OFF, ANALYZE, TIMING OFF, SUMMARY OFF) EXECUTE load('P', 1)"
	for _, sql := range []string{"SET plan_cache_mode = force_generic_plan", "PREPARE load AS " + postgres.LoadFromSnapshotSQL, explain} {
		if _, err := conn.Exec(ctx, sql); err != nil { // the last plans it now, over a log of two events
			t.Fatal(err)
		}
	}
	for _, sql := range []string{`INSERT INTO loan_events (loan_id, seq, kind, value_date, recorded_at, request_id, actor, amount, reason, on_behalf_of)
		SELECT 'P', i, 'REPAYMENT', '2024-02-15', now(), 'r' || i, 't', 1.00, '', '' FROM generate_series(3, 20000) i`,
		`INSERT INTO loan_snapshots (loan_id, seq, format, as_of, last_value_date, state, recorded_at)
		VALUES ('P', 19998, 1, '2024-02-15', '2024-02-15', '\x01', now())`} {
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	rows, _ := conn.Query(ctx, explain)
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if p := strings.Join(lines, "\n"); strings.Contains(p, "Join Filter") || !strings.Contains(p, "AND (seq >= COALESCE(s.seq") {
		t.Fatalf("the kept plan of a load does not start reading the log at the snapshot's event by the primary key:\n%s", p)
	}
}
