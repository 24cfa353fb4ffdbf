package sqlite_test

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loancore/loancore/internal/store"
	"github.com/loancore/loancore/internal/store/sqlite"
)

// TestMarkerSeesOtherHandles: the change marker stays put while nothing
// is written (so a check of unchanged loans reads none of them), and
// moves after a commit by the store itself and by another handle on the
// same file, which stands for another process (loand relay, a second
// loand): the read cache's freshness rests on both.
func TestMarkerSeesOtherHandles(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "loancore.db")
	a, b := openAt(t, path), openAt(t, path)
	if _, err := a.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	book(t, a, "L1")
	first, err := a.LoanVersionsSince(ctx, "", []string{"L1"})
	if err != nil || first.Versions["L1"] != 1 {
		t.Fatalf("first: %+v, %v", first, err)
	}
	for range 3 {
		same, err := a.LoanVersionsSince(ctx, first.Marker, []string{"L1"})
		if err != nil || same.Marker != first.Marker || same.Versions != nil {
			t.Fatalf("nothing written, yet %+v (was %q), %v", same, first.Marker, err)
		}
	}
	marker := first.Marker
	for _, w := range []struct {
		name string
		s    *sqlite.Store
		id   string
	}{{"this store", a, "L2"}, {"another handle", b, "L3"}} {
		book(t, w.s, w.id)
		got, err := a.LoanVersionsSince(ctx, marker, []string{"L1", w.id})
		if err != nil || got.Marker == marker || got.Versions[w.id] != 1 || got.Versions["L1"] != 1 {
			t.Fatalf("after a write by %s: %+v (was %q), %v", w.name, got, marker, err)
		}
		marker = got.Marker
	}
}

// bookedStore is a new, migrated store file holding loan id (book).
func bookedStore(t testing.TB, id string) *sqlite.Store {
	t.Helper()
	s := openAt(t, filepath.Join(t.TempDir(), "loancore.db"))
	if _, err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	book(t, s, id)
	return s
}

func openAt(t testing.TB, path string) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// book writes a loan of one event through s.
func book(t testing.TB, s *sqlite.Store, id string) {
	t.Helper()
	at := time.Date(2024, 1, 15, 9, 30, 0, 0, time.UTC)
	if err := s.CreateLoan(context.Background(), store.NewLoanRecord{
		Loan: store.LoanRecord{LoanID: id, BorrowerID: "B", Currency: "CNY", Terms: []byte(`{}`), Status: store.StatusActive, CreatedAt: at},
		Events: []store.EventRecord{{LoanID: id, Seq: 1, Kind: store.KindOrigination, ValueDate: "2024-01-15", RecordedAt: at,
			RequestID: "r-" + id, Actor: "test"}},
		Request: store.RequestRecord{RequestID: "r-" + id, Method: "CreateLoan", RequestHash: "h", LoanID: id, Seq: 1, RecordedAt: at},
	}); err != nil {
		t.Fatal(err)
	}
}

// TestMarkerAfterReopen: a check that fails gives its connection back and
// the next opens another, whose data_version starts over; its markers
// must not equal the old connection's, or a reader holding an old marker
// would take "unchanged" from a connection that never saw the writes in
// between.
func TestMarkerAfterReopen(t *testing.T) {
	ctx := context.Background()
	s := bookedStore(t, "L1")
	first, err := s.LoanVersionsSince(ctx, "", []string{"L1"})
	if err != nil {
		t.Fatal(err)
	}
	gone, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.LoanVersionsSince(gone, "", []string{"L1"}); err == nil {
		t.Fatal("a check with its context cancelled read the versions")
	}
	again, err := s.LoanVersionsSince(ctx, first.Marker, []string{"L1"})
	if err != nil || again.Marker == first.Marker || again.Versions["L1"] != 1 {
		t.Fatalf("after the connection was replaced: %+v (was %q), %v", again, first.Marker, err)
	}
}

// TestMarkerSeesOtherProcess: a commit by another process, the sqlite3
// shell (SQLite's C library, not this driver), moves the marker, and
// nothing else does (nor for the in-memory answer, MarkerUnchanged). On unix the marker is read from the WAL index the
// processes share (no PRAGMA): the test checks that it is, so that the
// mapping, not the PRAGMA it falls back to, is what passes.
func TestMarkerSeesOtherProcess(t *testing.T) {
	shell, err := exec.LookPath("sqlite3")
	if err != nil {
		t.Skip("no sqlite3 shell:", err)
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "loancore.db")
	s := openAt(t, path)
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	book(t, s, "L1")
	marker := ""
	for i := range 3 {
		got, err := s.LoanVersionsSince(ctx, marker, []string{"L1"})
		if err != nil || got.Marker == "" || (i > 0) != (got.Marker == marker) {
			t.Fatalf("check %d: %+v (was %q), %v", i, got, marker, err)
		}
		marker = got.Marker
	}
	if runtime.GOOS != "windows" && !strings.Contains(marker, ":w:") {
		t.Fatalf("marker %q is not the WAL index's", marker)
	}
	for i := range 3 {
		out, err := exec.Command(shell, path, "CREATE TABLE IF NOT EXISTS t_other (n); INSERT INTO t_other VALUES (1);").CombinedOutput()
		if err != nil {
			t.Fatalf("sqlite3: %v: %s", err, out)
		}
		if s.MarkerUnchanged(marker) {
			t.Fatalf("after commit %d by another process, the in-memory marker says %q is unchanged", i, marker)
		}
		got, err := s.LoanVersionsSince(ctx, marker, []string{"L1"})
		if err != nil || got.Marker == marker || got.Versions["L1"] != 1 {
			t.Fatalf("after commit %d by another process: %+v (was %q), %v", i, got, marker, err)
		}
		marker = got.Marker
	}
}

// TestMarkerUnderConcurrentWrites: while another handle commits as fast
// as it can, one write after another, a check must not return the marker
// of an earlier check when a write that started after that check ended
// was acknowledged before this one started (its commit lies between the
// two): the header is read while writers rewrite it, and a copy caught
// mid-way must not pass for an unchanged one. (A write
// acknowledged between two checks may have committed before the first;
// hence the write's start, not its acknowledgement, is compared with the
// first check's end.)
func TestMarkerUnderConcurrentWrites(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "loancore.db")
	a, b := openAt(t, path), openAt(t, path)
	if _, err := a.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	book(t, a, "L1")
	var started, written atomic.Int64
	done := make(chan error, 1)
	go func() {
		at := time.Date(2024, 1, 15, 9, 30, 0, 0, time.UTC)
		for i := range 300 {
			id := fmt.Sprintf("W%d", i)
			started.Add(1)
			if err := b.CreateLoan(ctx, store.NewLoanRecord{
				Loan: store.LoanRecord{LoanID: id, BorrowerID: "B", Currency: "CNY", Terms: []byte(`{}`), Status: store.StatusActive, CreatedAt: at},
				Events: []store.EventRecord{{LoanID: id, Seq: 1, Kind: store.KindOrigination, ValueDate: "2024-01-15", RecordedAt: at,
					RequestID: "r-" + id, Actor: "test"}},
				Request: store.RequestRecord{RequestID: "r-" + id, Method: "CreateLoan", RequestHash: "h", LoanID: id, Seq: 1, RecordedAt: at},
			}); err != nil {
				done <- err
				return
			}
			written.Add(1)
		}
		done <- nil
	}()
	marker, after, checks, walMarkers := "", int64(0), 0, 0
	for {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			if checks < 100 || runtime.GOOS != "windows" && walMarkers == 0 {
				t.Fatalf("only %d checks ran beside the writes, %d markers the WAL index's", checks, walMarkers)
			}
			return
		default:
		}
		acked := written.Load()
		got, err := a.LoanVersionsSince(ctx, marker, []string{"L1"})
		if err != nil {
			t.Fatal(err)
		}
		if acked > after && got.Marker == marker {
			t.Fatalf("check %d: write %d started after the check that first returned marker %q ended, and was acknowledged before this one began, yet the marker is the same", checks, after+1, marker)
		}
		// Writes numbered above after started once the first check that
		// returned this marker had ended.
		if got.Marker != marker {
			marker, after = got.Marker, started.Load()
			if strings.Contains(marker, ":w:") {
				walMarkers++
			}
		}
		checks++
	}
}

// TestMarkerUnchanged: the in-memory answer the read cache asks before a
// check (store.LocalMarker) says unchanged only for the marker the last
// check read, and only while nothing has committed since, by this store or
// by another handle on the file; never for "", an older marker, or a
// marker of the PRAGMA's kind. Where the WAL index cannot be mapped it
// always says false, which is safe (the check answers).
func TestMarkerUnchanged(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "loancore.db")
	a, b := openAt(t, path), openAt(t, path)
	if _, err := a.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	book(t, a, "L1")
	if a.MarkerUnchanged("") {
		t.Fatal(`"" is unchanged before any check`)
	}
	first, err := a.LoanVersionsSince(ctx, "", []string{"L1"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(first.Marker, ":w:") {
		t.Skipf("the marker is not the WAL index's here (%q): MarkerUnchanged always says false", first.Marker)
	}
	for range 3 {
		if !a.MarkerUnchanged(first.Marker) {
			t.Fatalf("nothing written, yet %q is not unchanged", first.Marker)
		}
	}
	if a.MarkerUnchanged("") || a.MarkerUnchanged("1:7") {
		t.Fatal(`"" or a data_version marker is unchanged`)
	}
	marker := first.Marker
	for _, w := range []struct {
		name string
		s    *sqlite.Store
		id   string
	}{{"this store", a, "L2"}, {"another handle", b, "L3"}} {
		book(t, w.s, w.id)
		if a.MarkerUnchanged(marker) {
			t.Fatalf("after a write by %s, %q is still unchanged", w.name, marker)
		}
		got, err := a.LoanVersionsSince(ctx, marker, []string{w.id})
		if err != nil || got.Marker == marker || got.Versions[w.id] != 1 {
			t.Fatalf("after a write by %s: %+v, %v", w.name, got, err)
		}
		if a.MarkerUnchanged(marker) || !a.MarkerUnchanged(got.Marker) {
			t.Fatalf("after the check: the old marker %q or not the new %q", marker, got.Marker)
		}
		marker = got.Marker
	}
}
