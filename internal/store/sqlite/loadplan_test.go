package sqlite

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestLoadReadsFromSnapshot: a load from a snapshot reads the log by its
// key from the snapshot's event on (loan_id = ? AND seq > ?), not every
// event of the loan filtered by seq, which SQLite planned when the
// snapshot's seq was joined after the log.
func TestLoadReadsFromSnapshot(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "plans.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	rows, err := s.db.QueryContext(ctx, "EXPLAIN QUERY PLAN "+loadLoanSQL, "L", 1, "2024-03-01")
	if err != nil {
		t.Fatal(err)
	}
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if p := strings.Join(plan, "; "); !strings.Contains(p, "sqlite_autoindex_loan_events_1 (loan_id=? AND seq>?)") {
		t.Fatalf("the load does not read the log from the snapshot's event by its key: %s", p)
	}
}
