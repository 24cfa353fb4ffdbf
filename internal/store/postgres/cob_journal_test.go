package postgres_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/money"
	"github.com/loancore/loancore/internal/store"
	"github.com/loancore/loancore/internal/store/postgres"
	"github.com/loancore/loancore/internal/store/storetest"
)

// TestFoldedLinesAsBatches: SavePositions journals a write's lines as
// accrual_batches rows (migration 26), not a row a line: up to 500 a row,
// in loan id order whatever the positions' order, only the lines that
// charge anything, fees NULL in a row none of whose lines charges one.
// Written again with loans done and new ones, it adds a row of the new
// loans' lines alone. The conformance suite reads these lines every way
// (FeedSpans, SavePositionsJournalsOnce); this checks how they are kept.
func TestFoldedLinesAsBatches(t *testing.T) {
	ctx := context.Background()
	s := storetest.Postgres(t)
	d := engine.DateOf(2024, 3, 1)
	at := time.Date(2024, 3, 2, 1, 0, 0, 0, time.UTC)
	numberedLoans(t, s, 523)
	// Positions by id, written in another order: a permutation of them.
	byID := make([]store.Position, 523)
	var first []store.Position
	for i := range byID {
		n := (i * 211) % 523
		byID[n] = foldedPosition(n, d)
		if n < 520 {
			first = append(first, byID[n])
		}
	}
	write := func(ps ...store.Position) {
		t.Helper()
		if err := s.SavePositions(ctx, store.SavePositionsParams{BusinessDate: d, Positions: ps, RecordedAt: at}); err != nil {
			t.Fatal(err)
		}
	}
	write(first...)
	write(append(byID[520:], byID[510:515]...)...) // three new, five written already
	got := batchRows(t, s)
	want := []string{
		"L0010..L0509 500 fees:false sorted:true", // L0000..L0009 charge nothing
		"L0510..L0519 10 fees:true sorted:true",   // L0512 charges a late fee
		"L0520..L0522 3 fees:false sorted:true",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("batches:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var rows int
	if err := s.Pool().QueryRow(ctx, `SELECT count(*) FROM loan_accruals`).Scan(&rows); err != nil || rows != 0 {
		t.Fatalf("loan_accruals holds %d lines, %v; want none", rows, err)
	}
	if a, err := s.AccrualTotal(ctx, store.AccrualQuery{LoanID: "L0512"}); err != nil || a != (store.Accrual{Penalty: 112, Compound: 1, Fees: 3000}) {
		t.Fatalf("L0512's journal: %+v, %v", a, err)
	}
}

// numberedLoans books loans L0000 to L<n-1>.
func numberedLoans(t *testing.T, s *postgres.Store, n int) {
	t.Helper()
	for i := range n {
		if err := s.CreateLoan(context.Background(), newLoan(fmt.Sprintf("L%04d", i))); err != nil {
			t.Fatal(err)
		}
	}
}

// foldedPosition is the position of d of loan L<n>: loans below L0010
// charge nothing that day, L0512 a late fee besides.
func foldedPosition(n int, d engine.Date) store.Position {
	a := store.Accrual{Penalty: money.Amount(n - 400), Compound: 1}
	switch {
	case n < 10:
		a = store.Accrual{}
	case n == 512:
		a.Fees = 3000
	}
	return store.Position{LoanID: fmt.Sprintf("L%04d", n), BorrowerID: "B", Currency: "CNY", AsOf: d, Status: store.StatusActive, DaysPastDue: 5,
		Bucket: engine.M1, Outstanding: engine.Outstanding{Principal: 1_000_000}, Charged: a, AccruedToday: a}
}

// inLoanIDOrder tells whether a row of arrays by loan (a batch of lines,
// a carried page) lists its loans in id order, none twice, its first and
// last id those of its range.
const inLoanIDOrder = `(loan_ids = ARRAY(SELECT DISTINCT x FROM unnest(loan_ids) x ORDER BY x) AND first_loan_id = loan_ids[1]
	AND last_loan_id = loan_ids[cardinality(loan_ids)])`

// batchRows describes accrual_batches' rows by first loan: their range,
// size, whether they hold fees and whether their ids are in order with
// no loan twice and the range their first and last.
func batchRows(t *testing.T, s *postgres.Store) []string {
	t.Helper()
	rows, err := s.Pool().Query(context.Background(), `SELECT first_loan_id, last_loan_id, cardinality(loan_ids), fees IS NOT NULL,
		`+inLoanIDOrder+` FROM accrual_batches ORDER BY first_loan_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var first, last string
		var n int
		var fees, sorted bool
		if err := rows.Scan(&first, &last, &n, &fees, &sorted); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s..%s %d fees:%t sorted:%t", first, last, n, fees, sorted))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestFoldedLinesOnceUnderRace: two writes of the same loans' positions
// of a date at once, with no runner to fence them (as two processes
// closing a date before either took it), journal each loan's line once.
// The journal has no key of its own since migration 26: the second
// write's positions meet the first's key, wait for it to commit, and then
// insert none, so it journals none. Each round gives the writes a new
// date and overlapping halves of the loans.
func TestFoldedLinesOnceUnderRace(t *testing.T) {
	ctx := context.Background()
	s := storetest.Postgres(t)
	const loans = 40
	numberedLoans(t, s, 10+loans) // L0010 on: those whose lines charge
	byID := make([]store.Position, loans)
	at := time.Date(2024, 3, 2, 1, 0, 0, 0, time.UTC)
	for round := range 10 {
		d := engine.DateOf(2024, 3, 1) + engine.Date(round)
		for i := range byID {
			byID[i] = foldedPosition(10+i, d)
		}
		errs := make(chan error, 2)
		for _, part := range [][]store.Position{byID[:30], byID[10:]} {
			go func() {
				errs <- s.SavePositions(ctx, store.SavePositionsParams{BusinessDate: d, Positions: part, RecordedAt: at})
			}()
		}
		for range 2 {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		var lines, distinct int
		if err := s.Pool().QueryRow(ctx, `SELECT count(*), count(DISTINCT u) FROM accrual_batches, unnest(loan_ids) u
			WHERE business_date = $1::date`, d.String()).Scan(&lines, &distinct); err != nil {
			t.Fatal(err)
		}
		if lines != loans || distinct != loans {
			t.Fatalf("round %d: %d lines of %d loans; want %d of %d", round, lines, distinct, loans, loans)
		}
	}
}
