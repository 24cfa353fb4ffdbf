package servicing_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/servicing"
	"github.com/loancore/loancore/internal/store"
)

// lookupStore counts the loads that read a request's record with the
// loan, and loses the answer of the append of one request after it
// committed, as a connection lost at the commit does.
type lookupStore struct {
	*countingStore
	lookups atomic.Int64
	lose    string
}

func (s *lookupStore) LoadLoan(ctx context.Context, p store.LoadLoanParams) (store.LoanLog, error) {
	if p.RequestID != "" {
		s.lookups.Add(1)
	}
	return s.countingStore.LoadLoan(ctx, p)
}

func (s *lookupStore) AppendEvent(ctx context.Context, p store.AppendEventParams) error {
	err := s.countingStore.AppendEvent(ctx, p)
	if err == nil && p.Request.RequestID == s.lose {
		return store.ErrUnavailable
	}
	return err
}

// TestColdRepaymentRetries: a repayment of a loan in no cache reads the
// loan without its request's record (one statement fewer per cold
// payment), and a retry is still answered as the first call was, never
// recorded twice: from a snapshot's fold and from a whole log (snapshots
// off), after later payments, after the loan was paid off (a refusal
// from the fold must not answer a retry), under another loan id, and
// after the first call's answer was lost; the same id with another body is
// ErrRequestConflict. On both stores.
func TestColdRepaymentRetries(t *testing.T) {
	for _, every := range []int{2, -1} {
		t.Run(fmt.Sprintf("snapshot_every=%d", every), func(t *testing.T) {
			eachStore(t, func(t *testing.T, opened store.Store) { coldRepaymentRetries(t, opened, every) })
		})
	}
}

func coldRepaymentRetries(t *testing.T, opened store.Store, every int) {
	ctx := context.Background()
	db := &lookupStore{countingStore: &countingStore{Store: opened}}
	now := time.Date(2024, 2, 1, 4, 0, 0, 0, time.UTC)
	loans, err := servicing.NewLoans(servicing.NewLoansParams{Store: db, Now: func() time.Time { return now }, Location: time.UTC,
		CachedLoans: -1, SnapshotEvery: every})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := loans.CreateLoan(ctx, servicing.CreateLoanParams{RequestID: "c", RequestHash: "c", LoanID: "L", BorrowerID: "B", Terms: twelveMonths()}); err != nil {
		t.Fatal(err)
	}
	pay := func(id, hash, loanID, amount string) (servicing.RepaymentResult, error) {
		return loans.RecordRepayment(ctx, servicing.RecordRepaymentParams{RequestID: id, RequestHash: hash, LoanID: loanID, Amount: amount, Actor: "test"})
	}
	first := map[string]servicing.RepaymentResult{}
	for k := range 5 {
		now = now.Add(24 * time.Hour)
		id := fmt.Sprintf("p%d", k)
		loads, lookups := db.loads.Load(), db.lookups.Load()
		res, err := pay(id, "h", "L", "100.00")
		if err != nil {
			t.Fatal(err)
		}
		if db.loads.Load()-loads != 1 || db.lookups.Load() != lookups {
			t.Fatalf("a new cold payment made %d loads, %d of them with the request's lookup; want 1, 0",
				db.loads.Load()-loads, db.lookups.Load()-lookups)
		}
		first[id] = res
	}
	version := first["p4"].Seq
	again := func(what, id, loanID string) {
		t.Helper()
		res, err := pay(id, "h", loanID, "100.00")
		if err != nil || res.Seq != first[id].Seq || !reflect.DeepEqual(res.Allocation, first[id].Allocation) {
			t.Fatalf("%s: retry of %s = seq %d, %v; want seq %d and the first allocation", what, id, res.Seq, err, first[id].Seq)
		}
		v, err := loans.GetLoan(ctx, servicing.GetLoanParams{LoanID: "L"})
		if err != nil || v.Version != version {
			t.Fatalf("%s: loan at version %d after a retry, want %d (%v)", what, v.Version, version, err)
		}
	}
	again("after later payments", "p1", "L")
	again("the latest", "p4", "L")
	again("under another loan id", "p1", "nope")
	if _, err := pay("p1", "other", "L", "100.00"); !errors.Is(err, servicing.ErrRequestConflict) {
		t.Fatalf("p1 with another body: %v, want ErrRequestConflict", err)
	}

	// The first call's answer is lost after its append committed.
	now = now.Add(24 * time.Hour)
	db.lose = "lost"
	if _, err := pay("lost", "h", "L", "100.00"); err == nil {
		t.Fatal("the lost answer came through")
	}
	db.lose = ""
	res, err := pay("lost", "h", "L", "100.00")
	if err != nil || res.Seq != version+1 {
		t.Fatalf("retry after a lost answer: seq %d, %v; want %d", res.Seq, err, version+1)
	}
	first["lost"], version = res, version+1
	again("after a lost answer", "lost", "L")

	// Paid off, the fold refuses any payment: retries are still answered.
	q, err := loans.QuotePayoff(ctx, "L", engine.NoDate)
	if err != nil {
		t.Fatal(err)
	}
	off := q.Payoff.Total().Format(q.Terms.Currency)
	if first["off"], err = pay("off", "h", "L", off); err != nil || first["off"].Loan.Status != store.StatusPaidOff {
		t.Fatalf("payoff: %v, status %s", err, first["off"].Loan.Status)
	}
	version++
	again("after the payoff", "p2", "L")
	res, err = pay("off", "h", "L", off)
	if err != nil || res.Seq != first["off"].Seq {
		t.Fatalf("retry of the payoff: seq %d, %v", res.Seq, err)
	}
	if _, err := pay("new", "h", "L", "1.00"); err == nil {
		t.Fatal("a new payment on a paid-off loan was accepted")
	}
}
