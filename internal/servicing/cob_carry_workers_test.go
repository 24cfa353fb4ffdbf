package servicing_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/servicing"
	"github.com/loancore/loancore/internal/store"
	"github.com/loancore/loancore/internal/store/storetest"
)

// stopAfterPages stops a close of business (cancels its context) when
// the store has carried its pages-th page. A page begun is let finish,
// and none begins once stopped: the stop falls between pages, as a
// cancel reaching the store between statements does.
type stopAfterPages struct {
	store.CloseOfBusiness
	pages  int64
	cancel context.CancelFunc
	done   atomic.Int64
}

func (s *stopAfterPages) CarryPositions(ctx context.Context, p store.CarryPositionsParams) (store.CarryResult, error) {
	if err := ctx.Err(); err != nil {
		return store.CarryResult{}, err
	}
	r, err := s.CloseOfBusiness.CarryPositions(context.WithoutCancel(ctx), p)
	if err == nil && s.done.Add(1) == s.pages {
		s.cancel()
	}
	return r, err
}

// TestCarryStoppedHalfWayCountsExactly: a close of business stopped
// after a few pages of its carry (two workers, pages of two loans) has
// saved as done exactly the loans with their position of the date, and
// run again it completes the date with every loan counted once, and
// writes what a close replaying every loan writes.
func TestCarryStoppedHalfWayCountsExactly(t *testing.T) {
	for name, open := range storetest.Stores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			const n = 16
			carried, replayed := newCarrySide(t, open(t), 2, 2), newCarrySide(t, open(t), 0, 0)
			d := dateOf(carried.now).AddDays(-1)
			for _, s := range []*carrySide{carried, replayed} {
				createPenaltyLoans(t, s.loans, n, "L%02d")
				if _, err := s.cob.Run(ctx, servicing.RunParams{BusinessDate: d}); err != nil {
					t.Fatal(err)
				}
				s.now = s.now.Add(24 * time.Hour)
			}
			stopCtx, stop := context.WithCancel(ctx)
			defer stop()
			stopping := &stopAfterPages{CloseOfBusiness: carried.cs, pages: 3, cancel: stop}
			cob := servicing.NewClose(servicing.NewCloseParams{Store: stopping, Loans: carried.loans, BatchSize: 5, StepUnchanged: true,
				CarrySteady: true, CarryWorkers: 2, CarryPageSize: 2})
			if _, err := cob.Run(stopCtx, servicing.RunParams{BusinessDate: d + 1}); !errors.Is(err, context.Canceled) {
				t.Fatalf("the stopped run: %v", err)
			}
			run, err := carried.db.GetCOBRun(ctx, store.COBRunKey{BusinessDate: d + 1})
			if err != nil {
				t.Fatal(err)
			}
			todo, err := carried.db.CountCOBLoans(ctx, store.COBLoansParams{BusinessDate: d + 1})
			if err != nil {
				t.Fatal(err)
			}
			if run.Status != store.COBRunning || run.LoansDone != n-todo || run.LoansDone != carried.cs.carried.Load() || todo == 0 {
				t.Fatalf("stopped after %d pages with %d loans to do and %d carried: %+v", stopping.done.Load(), todo,
					carried.cs.carried.Load(), run)
			}
			for _, s := range []*carrySide{carried, replayed} {
				if _, err := s.cob.Run(ctx, servicing.RunParams{BusinessDate: d + 1}); err != nil {
					t.Fatal(err)
				}
			}
			sameClose(t, 0, carried.db, replayed.db, d+1, n)
			sameRuns(t, 0, d+1, carried.db, replayed.db)
			if run, err := carried.db.GetCOBRun(ctx, store.COBRunKey{BusinessDate: d + 1}); err != nil || run.LoansDone != n {
				t.Fatalf("taken up again: %+v, %v", run, err)
			}
		})
	}
}

// TestCarryTwoProcessesOneDate: two closes of business (two Close values,
// as two loand processes) run each date at once over one store, each
// carrying with two workers in pages of two. The one that starts last
// takes the date over (store.TakeCOBRun), and the other stops at its next
// write with store.ErrTakenOver, or ends first. Every date they write
// what one close writes on a store of its own (positions, journal,
// notices), and the loans they carried add up to the loans it carried: a
// position one of them carried the other did not write again, nor count.
func TestCarryTwoProcessesOneDate(t *testing.T) {
	seed := testSeed()
	for name, open := range storetest.Stores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			t.Logf("seed %d (replay with -seed=%d)", seed, seed)
			ctx := context.Background()
			const n = 16
			shared, alone := open(t), open(t)
			a, b, one := newCarrySide(t, shared, 2, 2), newCarrySide(t, shared, 2, 2), newCarrySide(t, alone, 2, 2)
			for _, s := range []*carrySide{a, one} {
				createPenaltyLoans(t, s.loans, n, "L%02d")
				s.payments = newDailyPayments(seed, 0x2b, n, 12, 4)
			}
			for day := range 30 {
				d := dateOf(a.now).AddDays(-1)
				a.payments.day(t, a.loans, day, dateOf(a.now))
				one.payments.day(t, one.loans, day, dateOf(one.now))
				if _, err := one.cob.Run(ctx, servicing.RunParams{BusinessDate: d}); err != nil {
					t.Fatal(err)
				}
				runAtOnce(t, seed, d, a, b)
				sameClose(t, seed, shared, alone, d, n)
				if got, want := a.cs.carried.Load()+b.cs.carried.Load(), one.cs.carried.Load(); got != want {
					t.Fatalf("seed %d: by %s the two closes carried %d + %d loan-dates, one alone %d", seed, d, a.cs.carried.Load(),
						b.cs.carried.Load(), want)
				}
				for _, s := range []*carrySide{a, b, one} {
					s.now = s.now.Add(24 * time.Hour)
				}
			}
			if one.cs.carried.Load() < 30*n/3 {
				t.Fatalf("%d of %d loan-dates carried: the test does not exercise carrying", one.cs.carried.Load(), 30*n)
			}
		})
	}
}

// runAtOnce runs the closes of d of both sides at once, and fails unless
// each ends well or was taken over (store.ErrTakenOver), one at least
// ends well, and the date is completed.
func runAtOnce(t *testing.T, seed uint64, d engine.Date, sides ...*carrySide) {
	t.Helper()
	errs := make([]error, len(sides))
	var wg sync.WaitGroup
	for i, s := range sides {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = s.cob.Run(context.Background(), servicing.RunParams{BusinessDate: d})
		}()
	}
	wg.Wait()
	ended := 0
	for _, err := range errs {
		if err == nil {
			ended++
		} else if !errors.Is(err, store.ErrTakenOver) {
			t.Fatalf("seed %d: closing %s twice at once: %v", seed, d, err)
		}
	}
	if ended == 0 {
		t.Fatalf("seed %d: closing %s twice at once: %v", seed, d, errors.Join(errs...))
	}
	if run, err := sides[0].db.GetCOBRun(context.Background(), store.COBRunKey{BusinessDate: d}); err != nil || run.Status != store.COBCompleted {
		t.Fatalf("seed %d: %s's run %+v, %v", seed, d, run, err)
	}
}
