package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/loancore/loancore/internal/store"
)

// BenchmarkListLoans reads pages of 100 loans' summaries among 200,000
// loans of 50,000 borrowers: the first page of the book (filter=none,
// the baseline: a range of the primary key), and a borrower's four loans
// (filter=borrower), which the borrower's index reads as cheaply.
func BenchmarkListLoans(b *testing.B) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(b.TempDir(), "list.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	if _, err := s.db.ExecContext(ctx, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000)
		INSERT INTO loans (loan_id, borrower_id, currency, terms, status, created_at)
		SELECT printf('L%07d', i), 'B' || (i % 50000), 'CNY', '{"currency":"CNY","principal":"1000.00"}', 'ACTIVE', '2024-01-15T00:00:00.000000000Z' FROM n`); err != nil {
		b.Fatal(err)
	}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO loan_events (loan_id, seq, kind, value_date, recorded_at, request_id, actor)
		SELECT loan_id, 1, 'ORIGINATION', '2024-01-15', created_at, 'r-' || loan_id, 'bench' FROM loans`); err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		q    store.LoanQuery
		n    int
	}{
		{"filter=none", store.LoanQuery{Limit: 100, Summary: true}, 100},
		{"filter=borrower", store.LoanQuery{BorrowerID: "B7", Limit: 100, Summary: true}, 4},
	} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				if page, err := s.ListLoans(ctx, tc.q); err != nil || len(page) != tc.n {
					b.Fatal(len(page), err)
				}
			}
		})
	}
}
