package postgres_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/store"
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
	keepGenericPlan(t, conn, "load", postgres.LoadFromSnapshotSQL)
	explainLines(t, conn, explain) // plans it now, over a small log
	growLog(t, conn)
	if _, err := conn.Exec(ctx, `INSERT INTO loan_snapshots (loan_id, seq, format, as_of, last_value_date, state, recorded_at)
		VALUES ('P', 19998, 1, '2024-02-15', '2024-02-15', '\x01', now())`); err != nil {
		t.Fatal(err)
	}
	if p := explainLines(t, conn, explain); strings.Contains(p, "Join Filter") || !strings.Contains(p, "AND (seq >= COALESCE(s.seq") {
		t.Fatalf("the kept plan of a load does not start reading the log at the snapshot's event by the primary key:\n%s", p)
	}
}

// TestListingPlans: a borrower's page of loans is read by the borrower's
// index whatever plan the connection keeps, among 200,000 loans of other
// borrowers. With the filter testing its own parameter (an
// empty borrower, or the borrower's id) the generic plan read every loan
// in key order for it.
func TestListingPlans(t *testing.T) {
	ctx := context.Background()
	conn := groupConn(t)
	if _, err := conn.Exec(ctx, `INSERT INTO loans (loan_id, borrower_id, currency, terms, status, created_at)
		SELECT 'L' || lpad(i::text, 7, '0'), 'B' || (i % 50000), 'CNY', '{}', 'ACTIVE', now() FROM generate_series(1, 200000) i`); err != nil {
		t.Fatal(err)
	}
	sql, args := postgres.ListLoansSQL(store.LoanQuery{BorrowerID: "B7", Limit: 100})
	if _, err := conn.Exec(ctx, "ANALYZE loans"); err != nil {
		t.Fatal(err)
	}
	keepGenericPlan(t, conn, "list", sql)
	if len(args) != 3 || args[1] != "B7" {
		t.Fatalf("arguments %v: want after, borrower, limit", args)
	}
	if p := explainLines(t, conn, "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) EXECUTE list('', 'B7', 100)"); !strings.Contains(p, "loans_borrower_idx") {
		t.Fatalf("the kept plan of a borrower's page of loans does not read the borrower's index:\n%s", p)
	}
}

// TestNoticePagesStartAtTheCursor: a page of a date's notices after the
// 50,000th of 100,000 reads the date index from the cursor on, not from
// the date's first notice, whatever plan the connection keeps.
func TestNoticePagesStartAtTheCursor(t *testing.T) {
	ctx := context.Background()
	conn := groupConn(t)
	if _, err := conn.Exec(ctx, `INSERT INTO due_notices (notice_id, notice_date, loan_id, kind, installment_number, due_date, amount, days_past_due, bucket, recorded_at)
		SELECT 'N' || lpad(i::text, 7, '0'), '2024-03-15', 'P', 'REMINDER', 3, '2024-03-18', 100.00, 0, 0, now() FROM generate_series(1, 100000) i`); err != nil {
		t.Fatal(err)
	}
	day := engine.DateOf(2024, 3, 15)
	sql, args := postgres.DueNoticesSQL(store.NoticeQuery{From: day, To: day, AfterDate: day, AfterID: "N0050000", Limit: 100})
	if len(args) != 4 || args[1] != "N0050000" {
		t.Fatalf("arguments %v: want after date, after id, to, limit", args)
	}
	if _, err := conn.Exec(ctx, "ANALYZE due_notices"); err != nil {
		t.Fatal(err)
	}
	keepGenericPlan(t, conn, "notices", sql)
	p := explainLines(t, conn, "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF, SUMMARY OFF) EXECUTE notices('2024-03-15', 'N0050000', '2024-03-15', 100)")
	var hits int
	if i := strings.Index(p, "shared hit="); i < 0 {
		t.Fatalf("no buffers in the plan:\n%s", p)
	} else if _, err := fmt.Sscanf(p[i:], "shared hit=%d", &hits); err != nil || hits > 100 {
		t.Fatalf("a page of 100 notices read %d buffers (%v):\n%s", hits, err, p)
	}
}

// TestCOBLogsProbeByIndex: close of business reads a page's logs by the
// log's primary key, loan by loan, with a plan made while the log was
// small and never analyzed. Joined directly, that plan hashed the page's
// ids against a sequential scan of every event, for every page.
func TestCOBLogsProbeByIndex(t *testing.T) {
	conn := groupConn(t)
	keepGenericPlan(t, conn, "logs", postgres.COBLogsSQL)
	// Planned over a log of two events.
	if p := explainLines(t, conn, "EXPLAIN (COSTS OFF) EXECUTE logs('{P}', 1, '2024-03-01')"); strings.Contains(p, "Seq Scan on loan_events") || !strings.Contains(p, "Index Scan using loan_events_pkey on loan_events e") {
		t.Fatalf("the kept plan of a page's logs does not read each loan's log by the primary key:\n%s", p)
	}
}
