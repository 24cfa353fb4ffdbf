package sqlite

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loancore/loancore/internal/store"
)

// TestDiskFull: a write that finds the database full (SQLITE_FULL, made
// here with a page limit no larger than the file already is) is
// store.ErrFull and writes nothing of the loan: no row, no event. Once
// there is room again, writes go on.
func TestDiskFull(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "full.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	// max_page_count is a setting of one connection: keep to one.
	s.db.SetMaxOpenConns(1)
	var pages int
	if err := s.db.QueryRowContext(ctx, `PRAGMA page_count`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.ExecContext(ctx, fmt.Sprintf(`PRAGMA max_page_count = %d`, pages)); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2024, 1, 15, 9, 0, 0, 0, time.UTC)
	newLoan := func(id string) store.NewLoanRecord {
		return store.NewLoanRecord{
			Loan: store.LoanRecord{LoanID: id, BorrowerID: "B", Currency: "CNY", Terms: []byte(`{"pad":"` + strings.Repeat("x", 2000) + `"}`),
				Status: store.StatusActive, CreatedAt: at},
			Events:  []store.EventRecord{{LoanID: id, Seq: 1, Kind: store.KindOrigination, ValueDate: "2024-01-15", RecordedAt: at, RequestID: "c-" + id, Actor: "t"}},
			Request: store.RequestRecord{RequestID: "c-" + id, Method: "CreateLoan", RequestHash: "h", LoanID: id, Seq: 1, RecordedAt: at},
		}
	}
	var full string
	for i := 0; i < 200 && full == ""; i++ {
		id := fmt.Sprintf("L%03d", i)
		if err := s.CreateLoan(ctx, newLoan(id)); errors.Is(err, store.ErrFull) {
			full = id
		} else if err != nil {
			t.Fatalf("loan %s: %v, want nil or ErrFull", id, err)
		}
	}
	if full == "" {
		t.Fatal("the database never filled up")
	}
	if _, err := s.LoadLoan(ctx, store.LoadLoanParams{LoanID: full}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the loan refused for a full disk: %v, want ErrNotFound", err)
	}
	if _, err := s.FindRequest(ctx, store.RequestKey{RequestID: "c-" + full}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("its request: %v, want ErrNotFound", err)
	}
	if _, err := s.db.ExecContext(ctx, `PRAGMA max_page_count = 1000000`); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateLoan(ctx, newLoan(full)); err != nil {
		t.Fatalf("with room again: %v", err)
	}
}
