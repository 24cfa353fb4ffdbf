package servicing

import (
	"context"
	"sync"
	"time"

	"github.com/loancore/loancore/internal/store"
)

// carryRange is one page of a date's carry: the day before's positions
// after one loan id through another ("" for the start or the end).
type carryRange struct{ after, through string }

// carryLoans carries on, in the store, the loans whose position of the
// day before has a steady run that covers the date (CarryPositions),
// before the rest are folded; agreements broken by the date have moved
// their loans' versions already, so none of those is carried. Only with
// CarrySteady, which keeps the runs.
//
// The pages are disjoint ranges of loan ids, each end found while the
// pages before it are carried (carryPages), taken in order by
// CarryWorkers workers at once, each page a statement of its own, so
// the database carries on as many cores. Only this goroutine touches
// r.run: the workers send what each page carried and left (keepLeft),
// and the run's progress is saved after each page. An error stops the
// others, and is what the run returns; the pages that committed before
// are counted all the same (runDate saves the count a stop left
// unsaved).
func (r *dateRun) carryLoans(ctx context.Context) error {
	if !r.c.carry {
		return nil
	}
	// The workers stop on wctx; the progress is saved on ctx, so that a
	// worker's error is not hidden by the saves it cancelled.
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// stops gets each worker's error, and the page finder's, the cause
	// first: each sends its own before it cancels the others.
	stops := make(chan error, r.c.carryWorkers+1)
	pages := r.carryPages(wctx, cancel, stops)
	// One time for the date's carried lines: the clock is read here, not
	// by each worker.
	at := r.c.loans.now().UTC()
	carried := make(chan store.CarryResult, r.c.carryWorkers)
	var wg sync.WaitGroup
	for range r.c.carryWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for page := range pages {
				err := wctx.Err()
				if err == nil {
					err = r.carryPage(wctx, page, at, carried)
				}
				if err != nil {
					stops <- err
					cancel()
					return
				}
			}
		}()
	}
	go func() {
		wg.Wait()
		close(carried)
	}()
	var saveErr error
	r.leftKnown = true
	for res := range carried {
		r.keepLeft(res.Left)
		if res.Carried == 0 {
			continue
		}
		r.run.LoansDone += res.Carried
		r.carried += res.Carried
		if saveErr == nil {
			if saveErr = r.save(ctx); saveErr != nil {
				cancel()
			}
		}
	}
	if saveErr != nil {
		// The cause: the workers then stopped on the cancelled context.
		return saveErr
	}
	select {
	case err := <-stops:
		return err
	default:
		return nil
	}
}

// carryPages finds the date's pages one ahead of the workers that take
// them (CarryPageEnd: a probe of the day before's positions' key), the
// first from the start and the last to the end, and closes the channel
// after the last, or on an error, which it sends to stops before it
// cancels the workers.
func (r *dateRun) carryPages(ctx context.Context, cancel context.CancelFunc, stops chan<- error) <-chan carryRange {
	pages := make(chan carryRange)
	go func() {
		defer close(pages)
		for after := ""; ; {
			end, err := r.c.store.CarryPageEnd(ctx, store.CarryPageEndParams{BusinessDate: r.d, AfterLoanID: after, Every: r.c.carryPage})
			if err != nil {
				stops <- err
				cancel()
				return
			}
			select {
			case pages <- carryRange{after, end}:
			case <-ctx.Done():
				return
			}
			if end == "" {
				return
			}
			after = end
		}
	}()
	return pages
}

// carryPage carries one page on, in statements of up to twice the page
// size, and sends what each carried and left. The lines it journals were
// recorded at. A page holds the page size of active loans (CarryPageEnd),
// and the day before's positions in its range are those and the loans
// closed since: room for twice as many keeps such a page one statement,
// which a store may then carry as a whole (PostgreSQL copies the day
// before's carried pages that lie whole in it).
func (r *dateRun) carryPage(ctx context.Context, page carryRange, at time.Time, carried chan<- store.CarryResult) error {
	for after := page.after; ; {
		res, err := r.c.store.CarryPositions(ctx, store.CarryPositionsParams{BusinessDate: r.d, Policy: r.c.policy, AfterLoanID: after,
			ThroughLoanID: page.through, Limit: 2 * r.c.carryPage, RecordedAt: at, Runner: r.run.Runner})
		if err != nil {
			return err
		}
		if res.Carried > 0 || len(res.Left) > 0 {
			carried <- res
		}
		if res.Next == "" {
			return nil
		}
		after = res.Next
	}
}

// keepLeft adds the loans a carry page left to those the fold will read
// by id, until there are more than NewCloseParams.CarryLeftMax, or more
// than half the loans the date had to do: a date with more, such as the
// first (no position the day before, so every loan is left) or one when
// most loans reach a due date, scans the loans for them instead. Reading
// by id pays when few are left, where a scan reads many loans for each
// it folds; with half or more left, the scan reads at most two for each,
// and the ids would cost memory for little (~170 bytes each at loand's
// peak: the first close of 1,000,000 loans peaked at 266-284 MiB keeping
// them all, 108-112 scanning).
func (r *dateRun) keepLeft(ids []string) {
	if !r.leftKnown {
		return
	}
	n := len(ids)
	for _, kept := range r.left {
		n += len(kept)
	}
	if n > r.c.leftMax || int64(n) > (r.run.LoansTotal-r.doneAtStart)/2 {
		r.left, r.leftKnown = nil, false
		return
	}
	r.left = append(r.left, ids)
}
