package servicing_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/money"
	"github.com/loancore/loancore/internal/servicing"
	"github.com/loancore/loancore/internal/store"
	"github.com/loancore/loancore/internal/store/storetest"
)

// logTestLoan books loan L (twelveMonths) on store at 2024-06-01 04:00
// UTC and returns the service, whose clock stays at that instant, and the
// instant.
func logTestLoan(t *testing.T, db store.Store) (*servicing.Loans, time.Time) {
	t.Helper()
	booked := time.Date(2024, 6, 1, 4, 0, 0, 0, time.UTC)
	loans, err := servicing.NewLoans(servicing.NewLoansParams{Store: db, Now: func() time.Time { return booked }, Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := loans.CreateLoan(context.Background(), servicing.CreateLoanParams{RequestID: "c", RequestHash: "c", LoanID: "L", BorrowerID: "B", Terms: twelveMonths()}); err != nil {
		t.Fatal(err)
	}
	return loans, booked
}

// paymentAt is a repayment of 100.00 appended at version as recorded at at.
func paymentAt(version int64, requestID string, at time.Time) store.AppendEventParams {
	return store.AppendEventParams{LoanID: "L", ExpectedVersion: version,
		Event: store.EventRecord{LoanID: "L", Seq: version + 1, Kind: store.KindRepayment, ValueDate: "2024-02-15",
			RecordedAt: at, RequestID: requestID, Actor: "test", Amount: "100.00"},
		Request: store.RequestRecord{RequestID: requestID, Method: "RecordRepayment", RequestHash: requestID, LoanID: "L", Seq: version + 1, RecordedAt: at}}
}

// TestKnownAtKeepsAPrefixOfTheLog: a writer that read the log just after
// another's commit can record an instant earlier than that event's. As
// known then, the loan has neither: the later event was decided against
// the earlier one, so keeping it alone would fold a payment out of its
// context.
func TestKnownAtKeepsAPrefixOfTheLog(t *testing.T) {
	for name, open := range storetest.Stores {
		t.Run(name, func(t *testing.T) {
			db := open(t)
			loans, booked := logTestLoan(t, db)
			ctx := context.Background()
			first, second := booked.Add(2*time.Hour), booked.Add(time.Hour)
			for _, p := range []store.AppendEventParams{paymentAt(2, "p3", first), paymentAt(3, "p4", second)} {
				if err := db.AppendEvent(ctx, p); err != nil {
					t.Fatal(err)
				}
			}
			for _, c := range []struct {
				knownAt time.Time
				version int64
				paid    money.Amount
			}{
				{booked, 2, 0},
				{second.Add(time.Minute), 2, 0}, // p4 is recorded before this, p3 after
				{first, 4, 20000},
			} {
				v, err := loans.GetLoan(ctx, servicing.GetLoanParams{LoanID: "L", AsOf: engine.DateOf(2024, 2, 15), KnownAt: c.knownAt})
				if err != nil {
					t.Fatal(err)
				}
				paid := v.Installment[0].InterestPaid + v.Installment[0].PrincipalPaid
				if v.Version != c.version || paid != c.paid {
					t.Errorf("known at %s: version %d, paid %d; want %d, %d", c.knownAt.Format(time.TimeOnly), v.Version, paid, c.version, c.paid)
				}
			}
		})
	}
}

// TestCheckLog: a log is 1, 2, 3… with nothing missing or repeated. The
// stores refuse to write anything else (the primary key and the append's
// check of the event before); CheckLog is what every read does with the
// log it is given, so that a log broken some other way (by hand, by a
// restore) is refused instead of folded as if nothing were missing.
func TestCheckLog(t *testing.T) {
	log := func(seqs ...int64) []store.EventRecord {
		out := make([]store.EventRecord, len(seqs))
		for i, s := range seqs {
			out[i].Seq = s
		}
		return out
	}
	for _, c := range []struct {
		events []store.EventRecord
		want   string
	}{
		{log(1, 2, 3), ""},
		{log(1), ""},
		{log(1, 2, 4), "event 4 at position 3"},
		{log(1, 2, 2, 3), "event 2 at position 3"},
		{log(2, 3), "event 2 at position 1"},
		{log(1, 3, 2), "event 3 at position 2"},
		{nil, "no events"},
	} {
		err := servicing.CheckLog("L", c.events)
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), "loan L: broken log: "+c.want)) {
			t.Errorf("CheckLog(%v) = %v, want %q", c.events, err, c.want)
		}
	}
}

// countingStore is a real store that counts the appends it refused as
// stale, and the loans it read with their logs.
type countingStore struct {
	store.Store
	conflicts atomic.Int64
	loads     atomic.Int64
	// eventsRead counts the events loads returned; snapshotsRead the
	// loads that returned a snapshot, snapshotsWritten the appends that
	// stored one.
	eventsRead, snapshotsRead, snapshotsWritten atomic.Int64
}

func (s *countingStore) LoadLoan(ctx context.Context, p store.LoadLoanParams) (store.LoanLog, error) {
	s.loads.Add(1)
	lg, err := s.Store.LoadLoan(ctx, p)
	s.eventsRead.Add(int64(len(lg.Events)))
	if lg.Snapshot != nil {
		s.snapshotsRead.Add(1)
	}
	return lg, err
}

func (s *countingStore) AppendEvent(ctx context.Context, p store.AppendEventParams) error {
	err := s.Store.AppendEvent(ctx, p)
	if errors.Is(err, store.ErrVersionConflict) {
		s.conflicts.Add(1)
	}
	if err == nil && p.Snapshot != nil {
		s.snapshotsWritten.Add(1)
	}
	return err
}

// TestConcurrentWritesToOneLoanTakeTurns: one server's concurrent
// repayments to one loan all land, one after another, without one of them
// losing the store's version check (and backing off, and reading the log
// again).
func TestConcurrentWritesToOneLoanTakeTurns(t *testing.T) {
	for name, open := range storetest.Stores {
		t.Run(name, func(t *testing.T) {
			db := &countingStore{Store: open(t)}
			loans, _ := logTestLoan(t, db)
			ctx := context.Background()
			const writers, each = 8, 5
			var wg sync.WaitGroup
			for w := range writers {
				wg.Go(func() {
					for i := range each {
						_, err := loans.RecordRepayment(ctx, servicing.RecordRepaymentParams{RequestID: fmt.Sprintf("p%d-%d", w, i),
							RequestHash: "h", LoanID: "L", Amount: "1.00", ValueDate: engine.DateOf(2024, 2, 15)})
						if err != nil {
							t.Error(err)
						}
					}
				})
			}
			wg.Wait()
			v, err := loans.GetLoan(ctx, servicing.GetLoanParams{LoanID: "L", AsOf: engine.DateOf(2024, 2, 15)})
			if err != nil {
				t.Fatal(err)
			}
			if v.Version != 2+writers*each || db.conflicts.Load() != 0 {
				t.Fatalf("version %d after %d payments, %d appends lost the version check", v.Version, writers*each, db.conflicts.Load())
			}
		})
	}
}
