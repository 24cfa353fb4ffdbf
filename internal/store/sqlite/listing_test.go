package sqlite

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loancore/loancore/internal/store"
)

// TestListingPlans: each filter of ListLoans is read by its index.
// SQLite plans a statement before its arguments are bound, so a filter
// written "? = ” OR borrower_id = ?" was planned as a scan of every loan
// in key order, for one borrower's page too.
func TestListingPlans(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "plans.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for q, index := range map[store.LoanQuery]string{
		{BorrowerID: "B7", Limit: 100}:                   "loans_borrower_idx",
		{Status: store.StatusActive, Limit: 100}:         "loans_status_idx",
		{BorrowerID: "B7", Status: "CLOSED", Limit: 100}: "loans_borrower_idx",
	} {
		from, args, _ := loanFilters(q)
		rows, err := s.db.QueryContext(ctx, "EXPLAIN QUERY PLAN SELECT l.loan_id"+from, args...)
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
		if p := strings.Join(plan, "; "); !strings.Contains(p, index) {
			t.Errorf("%+v: plan %q does not read %s", q, p, index)
		}
	}
}
