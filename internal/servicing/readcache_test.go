package servicing_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/servicing"
	"github.com/loancore/loancore/internal/store"
	"github.com/loancore/loancore/internal/store/storetest"
)

// TestReadCacheNeverStale: two servers on one store, each with its own
// caches, as two loand processes on one database. A reads the loan as of
// today, B pays it, A reads it again: A must see B's payment every time,
// and a read of an unchanged loan must not read its log again.
func TestReadCacheNeverStale(t *testing.T) {
	for name, open := range storetest.Stores {
		t.Run(name, func(t *testing.T) {
			db := &countingStore{Store: open(t)}
			b, read := twoServers(t, db)
			ctx := context.Background()
			for i := range 5 {
				before := read()
				loads := db.loads.Load()
				if again := read(); again.Version != before.Version || db.loads.Load() != loads {
					t.Fatalf("round %d: an unchanged loan read again: version %d then %d, %d loads", i, before.Version, again.Version, db.loads.Load()-loads)
				}
				if _, err := b.RecordRepayment(ctx, servicing.RecordRepaymentParams{RequestID: fmt.Sprintf("p%d", i), RequestHash: "h",
					LoanID: "L", Amount: "100.00", ValueDate: engine.DateOf(2024, 3, 1)}); err != nil {
					t.Fatal(err)
				}
				after := read()
				if after.Version != before.Version+1 || after.Outstanding == before.Outstanding {
					t.Fatalf("round %d: stale read after the other server's payment: version %d, was %d", i, after.Version, before.Version)
				}
			}
		})
	}
}

// TestReadCacheDateRolls: a view kept as of today is not today's view
// tomorrow, though nothing was written: the penalty and days past due of
// an overdue loan grow with the date.
func TestReadCacheDateRolls(t *testing.T) {
	db := &countingStore{Store: storetest.SQLite(t)}
	now := time.Date(2024, 3, 1, 4, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	a, _ := servicing.NewLoans(servicing.NewLoansParams{Store: db, Now: clock, Location: time.UTC})
	ctx := context.Background()
	if _, err := a.CreateLoan(ctx, servicing.CreateLoanParams{RequestID: "c", RequestHash: "c", LoanID: "L", BorrowerID: "B", Terms: twelveMonths()}); err != nil {
		t.Fatal(err)
	}
	first, err := a.GetLoan(ctx, servicing.GetLoanParams{LoanID: "L"})
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(24 * time.Hour)
	next, err := a.GetLoan(ctx, servicing.GetLoanParams{LoanID: "L"})
	if err != nil {
		t.Fatal(err)
	}
	if next.AsOf != first.AsOf+1 || next.DaysPastDue != first.DaysPastDue+1 {
		t.Fatalf("the day after: as of %s, %d days past due; the day before %s, %d", next.AsOf, next.DaysPastDue, first.AsOf, first.DaysPastDue)
	}
}

// TestReadCacheConcurrentReadsShareChecks: reads of unchanged loans from
// many goroutines, while another server pays them, are answered mostly
// from the cache, and each sees every payment made before it started.
func TestReadCacheConcurrentReadsShareChecks(t *testing.T) {
	db := &countingStore{Store: storetest.SQLite(t)}
	now := time.Date(2024, 3, 1, 4, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	a, _ := servicing.NewLoans(servicing.NewLoansParams{Store: db, Now: clock, Location: time.UTC})
	b, _ := servicing.NewLoans(servicing.NewLoansParams{Store: db, Now: clock, Location: time.UTC})
	ctx := context.Background()
	const loans, readers, reads = 4, 16, 50
	for i := range loans {
		id := fmt.Sprint("L", i)
		if _, err := a.CreateLoan(ctx, servicing.CreateLoanParams{RequestID: id, RequestHash: "c", LoanID: id, BorrowerID: "B", Terms: twelveMonths()}); err != nil {
			t.Fatal(err)
		}
	}
	errs := make(chan error, readers)
	for r := range readers {
		go func() {
			for n := range reads {
				id := fmt.Sprint("L", (r+n)%loans)
				seen, err := db.LoanVersions(ctx, []string{id})
				if err != nil {
					errs <- err
					return
				}
				v, err := a.GetLoan(ctx, servicing.GetLoanParams{LoanID: id})
				if err == nil && v.Version < seen[id] {
					err = fmt.Errorf("%s: read version %d after the store had %d", id, v.Version, seen[id])
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for i := range 20 {
		if _, err := b.RecordRepayment(ctx, servicing.RecordRepaymentParams{RequestID: fmt.Sprint("p", i), RequestHash: "h",
			LoanID: fmt.Sprint("L", i%loans), Amount: "10.00", ValueDate: engine.DateOf(2024, 3, 1)}); err != nil {
			t.Fatal(err)
		}
	}
	for range readers {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if loads := db.loads.Load(); loads > readers*reads/2 {
		t.Errorf("%d loan reads for %d reads of %d loans and 20 payments: the cache answered few", loads, readers*reads, loans)
	}
}

// twoServers books loan L through b, one of two services over db, as two
// loand processes on one database, and returns b and a read of L as of
// 2024-03-01 through the other, a.
func twoServers(t *testing.T, db store.Store) (*servicing.Loans, func() servicing.LoanView) {
	t.Helper()
	clock := func() time.Time { return time.Date(2024, 3, 1, 4, 0, 0, 0, time.UTC) }
	a, _ := servicing.NewLoans(servicing.NewLoansParams{Store: db, Now: clock, Location: time.UTC})
	b, _ := servicing.NewLoans(servicing.NewLoansParams{Store: db, Now: clock, Location: time.UTC})
	ctx := context.Background()
	if _, err := b.CreateLoan(ctx, servicing.CreateLoanParams{RequestID: "c", RequestHash: "c", LoanID: "L", BorrowerID: "B", Terms: twelveMonths()}); err != nil {
		t.Fatal(err)
	}
	return b, func() servicing.LoanView {
		t.Helper()
		v, err := a.GetLoan(ctx, servicing.GetLoanParams{LoanID: "L"})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}
