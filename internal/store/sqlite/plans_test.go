package sqlite

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loancore/loancore/internal/store"
)

// SQLite plans a statement when it is prepared, before its arguments are
// bound and, in loand, without statistics: these tests read the plans of
// the statements whose shape decides what they read.

// TestListingPlans: each filter of ListLoans is read by its index. A
// filter that tested its own parameter (an empty borrower, or the
// borrower's id) was planned as a scan of every loan in key order, for
// one borrower's page too.
func TestListingPlans(t *testing.T) {
	s := openTemp(t)
	for q, index := range map[store.LoanQuery]string{
		{BorrowerID: "B7", Limit: 100}:                   "loans_borrower_idx",
		{Status: store.StatusActive, Limit: 100}:         "loans_status_idx",
		{BorrowerID: "B7", Status: "CLOSED", Limit: 100}: "loans_borrower_idx",
	} {
		from, args, _ := loanFilters(q)
		if p := queryPlan(t, s, "SELECT l.loan_id"+from, args...); !strings.Contains(p, index) {
			t.Errorf("%+v: plan %q does not read %s", q, p, index)
		}
	}
}

// TestLoadReadsFromSnapshot: a load from a snapshot reads the log by its
// key from the snapshot's event on (loan_id = ? AND seq > ?), not every
// event of the loan filtered by seq, which SQLite planned when the
// snapshot's seq was joined after the log.
func TestLoadReadsFromSnapshot(t *testing.T) {
	s := openTemp(t)
	if p := queryPlan(t, s, loadLoanSQL, "L", 1, "2024-03-01"); !strings.Contains(p, "sqlite_autoindex_loan_events_1 (loan_id=? AND seq>?)") {
		t.Fatalf("the load does not read the log from the snapshot's event by its key: %s", p)
	}
}

// openTemp is a new migrated store in a temporary directory, closed
// when the test or benchmark ends.
func openTemp(t testing.TB) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "plans.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if _, err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

// queryPlan is EXPLAIN QUERY PLAN of query, its steps joined by "; ".
func queryPlan(t *testing.T, s *Store, query string, args ...any) string {
	t.Helper()
	rows, err := s.db.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	return strings.Join(plan, "; ")
}

// TestCarryReadsOneDate: a page of the carry, and the search for a
// page's end, read the day before's positions by date and loan id
// (as_of = ? AND loan_id > ?), not every kept date's row of each loan
// after the cursor, which the primary key (loan_id, as_of) read:
// positions are never dropped, so that grew with the dates kept
// (BenchmarkCarryPage).
func TestCarryReadsOneDate(t *testing.T) {
	s := openTemp(t)
	for name, p := range map[string]string{
		"carry":    queryPlan(t, s, carrySQL, "2024-03-02", "2024-03-01", "", "", "", 2000),
		"page end": queryPlan(t, s, carryPageEndSQL, "2024-03-01", "", 1999),
	} {
		if !strings.Contains(p, "loan_positions_date_idx (as_of=? AND loan_id>?)") {
			t.Errorf("the %s does not read one date's positions by its index: %s", name, p)
		}
	}
}

// TestDelinquentReadsItsIndex: the statements that read a date's
// delinquent positions read the partial index of those alone, not the
// date's whole index (migration 0021), which matches the same terms and
// was planned instead once it existed.
func TestDelinquentReadsItsIndex(t *testing.T) {
	s := openTemp(t)
	for name, p := range map[string]string{
		"positions": queryPlan(t, s, delinquentPositionsSQL, "2024-03-01", "", 0, 0, 0, 0, 100),
		"count":     queryPlan(t, s, countDelinquentSQL, "2024-03-01"),
		"lines":     queryPlan(t, s, linesToReviewSQL, "2024-03-01", 30, "collections", "", 100),
	} {
		if !strings.Contains(p, "loan_positions_delinquent_idx") || strings.Contains(p, "loan_positions_date_idx") {
			t.Errorf("%s: the plan does not read the delinquent index: %s", name, p)
		}
	}
}
