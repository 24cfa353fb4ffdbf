package sqlite

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/store"
)

// BenchmarkListLoans reads pages of 100 loans' summaries among 200,000
// loans of 50,000 borrowers: the first page of the book (filter=none,
// the baseline: a range of the primary key), and a borrower's four loans
// (filter=borrower), which the borrower's index reads as cheaply.
func BenchmarkListLoans(b *testing.B) {
	ctx := context.Background()
	s := openTemp(b)
	bookLoans(b, s, 200000, 50000, `{"currency":"CNY","principal":"1000.00"}`)
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

// BenchmarkDueNotices reads pages of 100 of a date's 100,000 notices:
// the first page (page=first, the baseline) and the page after the
// 50,000th notice (page=deep), which the date index reads from where the
// last page ended.
func BenchmarkDueNotices(b *testing.B) {
	ctx := context.Background()
	s := openTemp(b)
	bookLoans(b, s, 1000, 1000, `{}`)
	if _, err := s.db.ExecContext(ctx, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
		INSERT INTO due_notices (notice_id, notice_date, loan_id, kind, installment_number, due_date, amount, days_past_due, bucket)
		SELECT printf('N%07d', i), '2024-03-15', printf('L%07d', 1 + i % 1000), 'REMINDER', 3, '2024-03-18', '100.00', 0, 0 FROM n`); err != nil {
		b.Fatal(err)
	}
	day := engine.DateOf(2024, 3, 15)
	for _, tc := range []struct {
		name  string
		after string
	}{{"page=first", ""}, {"page=deep", "N0050000"}} {
		q := store.NoticeQuery{From: day, To: day, AfterDate: engine.NoDate, AfterID: tc.after, Limit: 100}
		if tc.after != "" {
			q.AfterDate = day
		}
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				if page, err := s.DueNotices(ctx, q); err != nil || len(page) != 100 {
					b.Fatal(len(page), err)
				}
			}
		})
	}
}

// BenchmarkLoadLoan reads a loan with 400 events from its latest
// snapshot, 4 events before its last (kernel=snapshot), beside the same
// loan's whole log (kernel=whole). From the snapshot it reads the
// snapshot's event and those after it, by the log's key.
func BenchmarkLoadLoan(b *testing.B) {
	ctx := context.Background()
	s := openTemp(b)
	const events, tail = 400, 4
	t0 := time.Date(2024, 1, 15, 9, 0, 0, 0, time.UTC)
	if err := s.CreateLoan(ctx, store.NewLoanRecord{
		Loan:    store.LoanRecord{LoanID: "L", BorrowerID: "B", Currency: "CNY", Status: "ACTIVE", CreatedAt: t0, Terms: []byte(`{}`)},
		Events:  []store.EventRecord{{LoanID: "L", Seq: 1, Kind: "ORIGINATION", ValueDate: "2024-01-15", RecordedAt: t0, RequestID: "c-L", Actor: "api"}},
		Request: store.RequestRecord{RequestID: "c-L", Method: "CreateLoan", RequestHash: "h", LoanID: "L", Seq: 1, RecordedAt: t0}}); err != nil {
		b.Fatal(err)
	}
	for v := int64(1); v < events; v++ {
		rid := fmt.Sprintf("p-%d", v)
		p := store.AppendEventParams{LoanID: "L", ExpectedVersion: v,
			Event:   store.EventRecord{LoanID: "L", Seq: v + 1, Kind: "REPAYMENT", ValueDate: "2024-02-15", RecordedAt: t0, RequestID: rid, Actor: "api", Amount: "1.00"},
			Request: store.RequestRecord{RequestID: rid, Method: "RecordRepayment", RequestHash: "h", LoanID: "L", Seq: v + 1, RecordedAt: t0}}
		if v+1 == events-tail {
			p.Snapshot = &store.SnapshotRecord{Seq: v + 1, Format: 1, AsOf: "2024-02-15", LastValueDate: "2024-02-15", State: make([]byte, 1200)}
		}
		if err := s.AppendEvent(ctx, p); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("kernel=snapshot", func(b *testing.B) {
		for b.Loop() {
			lg, err := s.LoadLoan(ctx, store.LoadLoanParams{LoanID: "L", SnapshotFormat: 1})
			if err != nil || lg.Snapshot == nil || len(lg.Events) != tail {
				b.Fatal(err, len(lg.Events))
			}
		}
	})
	b.Run("kernel=whole", func(b *testing.B) {
		for b.Loop() {
			lg, err := s.LoadLoan(ctx, store.LoadLoanParams{LoanID: "L"})
			if err != nil || len(lg.Events) != events {
				b.Fatal(err, len(lg.Events))
			}
		}
	})
}

// BenchmarkCarryPage reads two pages of 2,000 of close of business's
// carry (carrySQL: the day before's positions, each loan's row and the
// tests the carry makes) among 5,000 loans with a year of positions
// each, which a store that never drops positions keeps after a year of
// closes. The date's index reads the page's 2,000 rows whatever the
// dates kept (TestCarryReadsOneDate).
func BenchmarkCarryPage(b *testing.B) {
	ctx := context.Background()
	s := openTemp(b)
	bookLoans(b, s, 5000, 5000, `{}`)
	if _, err := s.db.ExecContext(ctx, `WITH RECURSIVE d(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM d WHERE k < 364)
		INSERT INTO loan_positions (loan_id, as_of, status, days_past_due, bucket, risk_class, principal, interest, penalty, compound,
			penalty_charged, compound_charged, fees_charged, loan_version)
		SELECT l.loan_id, date('2024-01-16', '+' || d.k || ' days'), 'ACTIVE', 0, 0, 0, '1000.00', '1.00', '0', '0', '0', '0', '0', 1
		FROM d CROSS JOIN loans l`); err != nil {
		b.Fatal(err)
	}
	// The year's last date is 2025-01-14 (2024 is a leap year).
	for b.Loop() {
		n := 0
		for _, after := range []string{"", "L0002000"} {
			rows, err := s.db.QueryContext(ctx, carrySQL, "2025-01-15", "2025-01-14", after, "", "", 2000)
			if err != nil {
				b.Fatal(err)
			}
			for rows.Next() {
				n++
			}
			if err := rows.Close(); err != nil {
				b.Fatal(err)
			}
		}
		if n != 4000 {
			b.Fatalf("%d positions read, want 4,000", n)
		}
	}
}

// bookLoans writes the benchmarks' book: n active loans L0000001… of
// borrowers borrowers (B0…, a loan's the borrower of its number modulo
// borrowers), with terms, each with its origination event.
func bookLoans(b *testing.B, s *Store, n, borrowers int, terms string) {
	b.Helper()
	ctx := context.Background()
	if _, err := s.db.ExecContext(ctx, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
		INSERT INTO loans (loan_id, borrower_id, currency, terms, status, created_at)
		SELECT printf('L%07d', i), 'B' || (i % ?), 'CNY', ?, 'ACTIVE', '2024-01-15T00:00:00.000000000Z' FROM n`, n, borrowers, terms); err != nil {
		b.Fatal(err)
	}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO loan_events (loan_id, seq, kind, value_date, recorded_at, request_id, actor)
		SELECT loan_id, 1, 'ORIGINATION', '2024-01-15', created_at, 'r-' || loan_id, 'bench' FROM loans`); err != nil {
		b.Fatal(err)
	}
}
