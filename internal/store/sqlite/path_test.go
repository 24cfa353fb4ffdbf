package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loancore/loancore/internal/store"
	"github.com/loancore/loancore/internal/store/sqlite"
)

// TestOpenRefusesPathsThatNameNoFile: an empty path or ":memory:" would
// give each pooled connection a database of its own (loans written on one
// missing from the next, all gone at exit), and a "file:" URI is no path:
// Open refuses them, creating nothing.
func TestOpenRefusesPathsThatNameNoFile(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, path := range []string{"", ":memory:", "file::memory:", "file:loancore.db", "file:loancore.db?mode=memory"} {
		if s, err := sqlite.Open(context.Background(), path); err == nil {
			_ = s.Close()
			t.Errorf("Open(%q) accepted", path)
		} else if !strings.Contains(err.Error(), "name the database file") {
			t.Errorf("Open(%q): %v", path, err)
		}
	}
	if entries, _ := os.ReadDir("."); len(entries) != 0 {
		t.Errorf("refused paths left %v", entries)
	}
}

// TestOpenTakesThePathAsAName: a "?", "#" or "%" in a path is part of the
// file's name, never a URI parameter or fragment ("x.db?mode=memory"
// once changed the database): the store writes to that file, which
// another store opened on the path reads.
func TestOpenTakesThePathAsAName(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "odd name?mode=memory#x%41.db")
	at := time.Date(2024, 1, 15, 9, 0, 0, 0, time.UTC)
	for i, id := range []string{"L1", "L2"} {
		s, err := sqlite.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateLoan(ctx, store.NewLoanRecord{
			Loan:    store.LoanRecord{LoanID: id, BorrowerID: "B", Currency: "CNY", Terms: []byte(`{}`), Status: store.StatusActive, CreatedAt: at},
			Events:  []store.EventRecord{{LoanID: id, Seq: 1, Kind: store.KindOrigination, ValueDate: "2024-01-15", RecordedAt: at, RequestID: "c-" + id, Actor: "t"}},
			Request: store.RequestRecord{RequestID: "c-" + id, Method: "CreateLoan", RequestHash: "h", LoanID: id, Seq: 1, RecordedAt: at},
		}); err != nil {
			t.Fatal(err)
		}
		loans, err := s.ListLoans(ctx, store.LoanQuery{Limit: 10})
		if err != nil || len(loans) != i+1 {
			t.Fatalf("open %d: %d loans, %v", i+1, len(loans), err)
		}
		_ = s.Close()
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the file named by the path: %v", err)
	}
}
