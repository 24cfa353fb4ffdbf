package storetest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/loancore/loancore/internal/store"
)

// snapshotCases check the snapshots stored beside a loan's log: written
// with their event or not at all, read back as the latest of the format
// asked for with only the events after them.
var snapshotCases = []testCase{
	{"Snapshots", testSnapshots},
}

// withSnapshot is p carrying a snapshot of its own event.
func withSnapshot(p store.AppendEventParams, format int, state string) store.AppendEventParams {
	p.Snapshot = &store.SnapshotRecord{Seq: p.Event.Seq, Format: format, AsOf: "2024-02-15", LastValueDate: "2024-02-14", State: []byte(state)}
	return p
}

// loadL1 loads loan L1 from its latest snapshot of format (0: none), with
// the record of request pay-4.
func loadL1(t *testing.T, s store.Store, format int) store.LoanLog {
	t.Helper()
	lg, err := s.LoadLoan(context.Background(), store.LoadLoanParams{LoanID: "L1", RequestID: "pay-4", SnapshotFormat: format})
	if err != nil {
		t.Fatal(err)
	}
	return lg
}

func testSnapshots(t *testing.T, s store.Store) {
	ctx := context.Background()
	createLoans(t, s, "B1", "L1", "L2")
	// No snapshot yet: the whole log.
	if lg := loadL1(t, s, 1); lg.Snapshot != nil || !slices.Equal(seqs(lg.Events), []int64{1, 2}) || lg.Loan.Version != 2 || lg.Loan.BorrowerID != "B1" {
		t.Fatalf("no snapshot: %+v %v %+v", lg.Snapshot, seqs(lg.Events), lg.Loan)
	}
	if err := s.AppendEvent(ctx, withSnapshot(payment("L1", 2, "pay-3"), 1, "\x00at3")); err != nil {
		t.Fatal(err)
	}
	if err := s.AppendEvent(ctx, payment("L1", 3, "pay-4")); err != nil {
		t.Fatal(err)
	}
	// A snapshot of another format is not read.
	if err := s.AppendEvent(ctx, withSnapshot(payment("L1", 4, "pay-5"), 2, "format 2")); err != nil {
		t.Fatal(err)
	}
	// A refused append stores no snapshot: a stale one, with a status.
	stale := withSnapshot(payment("L1", 3, "pay-x"), 1, "stale")
	stale.SetStatus = "PAID_OFF"
	if err := s.AppendEvent(ctx, stale); !errors.Is(err, store.ErrVersionConflict) {
		t.Fatalf("stale append: %v", err)
	}
	lg := loadL1(t, s, 1)
	if sn := lg.Snapshot; sn == nil || sn.Seq != 3 || sn.Format != 1 || sn.AsOf != "2024-02-15" || sn.LastValueDate != "2024-02-14" ||
		string(sn.State) != "\x00at3" || !sn.RecordedAt.Equal(t0.Add(2*time.Hour)) {
		t.Fatalf("snapshot %+v", lg.Snapshot)
	}
	if !slices.Equal(seqs(lg.Events), []int64{4, 5}) || lg.Loan.Version != 5 || lg.Loan.Status != "ACTIVE" || lg.Loan.BorrowerID != "B1" ||
		lg.Request == nil || lg.Request.Seq != 4 {
		t.Fatalf("after the snapshot: events %v, loan %+v, request %+v", seqs(lg.Events), lg.Loan, lg.Request)
	}
	if e := lg.Events[0]; e.Kind != "REPAYMENT" || e.RequestID != "pay-4" || e.LoanID != "L1" {
		t.Fatalf("event after the snapshot %+v", e)
	}
	// Format 0 asks for no snapshot; format 2 finds its own.
	if lg := loadL1(t, s, 0); lg.Snapshot != nil || len(lg.Events) != 5 {
		t.Fatalf("without snapshots: %+v, %d events", lg.Snapshot, len(lg.Events))
	}
	if lg := loadL1(t, s, 2); lg.Snapshot == nil || lg.Snapshot.Seq != 5 || len(lg.Events) != 0 || lg.Loan.Version != 5 || lg.Loan.Currency != "CNY" {
		t.Fatalf("format 2: %+v, events %v, loan %+v", lg.Snapshot, seqs(lg.Events), lg.Loan)
	}
	latestSnapshotAndMarker(t, s)
}

// latestSnapshotAndMarker goes on from testSnapshots at L1's version 5:
// the latest snapshot wins, a snapshot must end at its event, a marker
// turns snapshots off, and another loan's snapshots are its own.
func latestSnapshotAndMarker(t *testing.T, s store.Store) {
	ctx := context.Background()
	// The latest snapshot wins, with a status change in the same append.
	last := withSnapshot(payment("L1", 5, "pay-6"), 1, "at6")
	last.SetStatus = "PAID_OFF"
	if err := s.AppendEvent(ctx, last); err != nil {
		t.Fatal(err)
	}
	if lg := loadL1(t, s, 1); lg.Snapshot == nil || lg.Snapshot.Seq != 6 || string(lg.Snapshot.State) != "at6" || len(lg.Events) != 0 ||
		lg.Loan.Version != 6 || lg.Loan.Status != "PAID_OFF" {
		t.Fatalf("latest snapshot: %+v, events %v, loan %+v", lg.Snapshot, seqs(lg.Events), lg.Loan)
	}
	// A snapshot must end at its event.
	bad := withSnapshot(payment("L1", 6, "pay-7"), 1, "x")
	bad.Snapshot.Seq = 3
	if err := s.AppendEvent(ctx, bad); err == nil {
		t.Fatal("a snapshot at another seq than its event was stored")
	}
	// A marker (an empty state) after a snapshot: the whole log again,
	// and no snapshot.
	if err := s.AppendEvent(ctx, withSnapshot(payment("L1", 6, "pay-8"), 1, "")); err != nil {
		t.Fatal(err)
	}
	if lg := loadL1(t, s, 1); lg.Snapshot != nil || len(lg.Events) != 7 || lg.Loan.Version != 7 || lg.Loan.BorrowerID != "B1" || lg.Loan.Status != "PAID_OFF" {
		t.Fatalf("after a marker: %+v, events %v, loan %+v", lg.Snapshot, seqs(lg.Events), lg.Loan)
	}
	// Another loan's snapshots are its own.
	if _, err := s.LoadLoan(ctx, store.LoadLoanParams{LoanID: "nope", SnapshotFormat: 1}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing loan: %v", err)
	}
	if lg, err := s.LoadLoan(ctx, store.LoadLoanParams{LoanID: "L2", SnapshotFormat: 1}); err != nil || lg.Snapshot != nil || len(lg.Events) != 2 {
		t.Fatalf("L2: %+v %v", lg, err)
	}
}
