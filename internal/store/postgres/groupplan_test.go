package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

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
	conn := groupConn(t)
	explain := "EXPLAIN (COSTS OFF) EXECUTE grouped(" + strings.Repeat("'{}', ", 14) + "'{}')"
	keepGenericPlan(t, conn, "grouped", postgres.GroupAppendSQL)
	explainLines(t, conn, explain) // plans it now, over a small log
	growLog(t, conn)
	if p := explainLines(t, conn, explain); strings.Contains(p, "Seq Scan on loan_events") || !strings.Contains(p, "using loan_events_pkey on loan_events p") {
		t.Fatalf("the kept plan of a group append does not probe the previous event by the primary key:\n%s", p)
	}
}

// TestGroupAppendPlannedOnce: PostgreSQL keeps the generic plan of a
// group append after its first runs on a connection instead of planning
// every group anew. Unnested from the parameters, the arrays' lengths
// made every custom plan look cheaper than the generic one, and each
// group was planned again (longer than it ran).
func TestGroupAppendPlannedOnce(t *testing.T) {
	ctx := context.Background()
	conn := groupConn(t)
	texts, ints := []string{}, []int64{}
	args := []any{texts, ints, texts, texts, []time.Time{}, texts, texts, texts, ints, texts, texts, texts, texts, texts, ints}
	for range 10 {
		if _, err := conn.Exec(ctx, postgres.GroupAppendSQL, args...); err != nil {
			t.Fatal(err)
		}
	}
	var generic, custom int64
	if err := conn.QueryRow(ctx, "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement = $1",
		postgres.GroupAppendSQL).Scan(&generic, &custom); err != nil {
		t.Fatal(err)
	}
	if generic < 5 {
		t.Fatalf("10 runs of a group append on one connection: %d generic plans, %d custom; want the generic plan kept after 5", generic, custom)
	}
}

// groupConn is a connection of a new store's pool whose log holds loan
// P's two events, released when the test ends.
func groupConn(t *testing.T) *pgxpool.Conn {
	t.Helper()
	ctx := context.Background()
	s := openSolo(t, pgtest.URL(t))
	if err := s.CreateLoan(ctx, newLoan("P")); err != nil {
		t.Fatal(err)
	}
	conn, err := s.Pool().Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(conn.Release)
	return conn
}

// explainLines runs an EXPLAIN on conn and returns its plan's lines,
// joined.
func explainLines(t *testing.T, conn *pgxpool.Conn, explain string) string {
	t.Helper()
	rows, _ := conn.Query(context.Background(), explain)
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}

// keepGenericPlan prepares sql on conn as name, with the generic plan
// forced, as a connection keeps it once PostgreSQL prefers it: the next
// EXECUTE plans it, with the statistics of then, for every later one.
func keepGenericPlan(t *testing.T, conn *pgxpool.Conn, name, sql string) {
	t.Helper()
	for _, s := range []string{"SET plan_cache_mode = force_generic_plan", "PREPARE " + name + " AS " + sql} {
		if _, err := conn.Exec(context.Background(), s); err != nil {
			t.Fatal(err)
		}
	}
}

// growLog gives loan P of groupConn 20,000 events.
func growLog(t *testing.T, conn *pgxpool.Conn) {
	t.Helper()
	if _, err := conn.Exec(context.Background(), `INSERT INTO loan_events (loan_id, seq, kind, value_date, recorded_at, request_id, actor, amount, reason, on_behalf_of)
		SELECT 'P', i, 'REPAYMENT', '2024-02-15', now(), 'r' || i, 't', 1.00, '', '' FROM generate_series(3, 20000) i`); err != nil {
		t.Fatal(err)
	}
}
