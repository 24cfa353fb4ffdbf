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

// carryRanges are the pages between the page ends: they cover every loan
// id once, the first from the start and the last to the end.
func carryRanges(ends []string) []carryRange {
	out := make([]carryRange, 0, len(ends)+1)
	after := ""
	for _, end := range ends {
		out = append(out, carryRange{after, end})
		after = end
	}
	return append(out, carryRange{after, ""})
}

// carryLoans carries on, in the store, the loans whose position of the
// day before has a steady run that covers the date (CarryPositions),
// before the rest are folded; agreements broken by the date have moved
// their loans' versions already, so none of those is carried. Only with
// CarrySteady, which keeps the runs.
//
// The pages are disjoint ranges of loan ids (their ends found first,
// CarryPageEnds), taken in order by CarryWorkers workers at once, each
// page a statement of its own, so the database carries on as many cores.
// Only this goroutine touches r.run: the workers send how many each page
// carried, and the run's progress is saved after each page. A worker's
// error, or a save's, stops the others, and is what the run returns;
// the pages that committed before are counted all the same (runDate
// saves the count a stop left unsaved).
func (r *dateRun) carryLoans(ctx context.Context) error {
	if !r.c.carry {
		return nil
	}
	ends, err := r.c.store.CarryPageEnds(ctx, store.CarryPageEndsParams{BusinessDate: r.d, Every: r.c.carryPage})
	if err != nil {
		return err
	}
	pages := make(chan carryRange, len(ends)+1)
	for _, page := range carryRanges(ends) {
		pages <- page
	}
	close(pages)
	// One time for the date's carried lines: the clock is read here, not
	// by each worker.
	at := r.c.loans.now().UTC()
	// The workers stop on wctx; the progress is saved on ctx, so that a
	// worker's error is not hidden by the saves it cancelled.
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	carried := make(chan int64, r.c.carryWorkers)
	// stops gets each worker's error, the cause first: a worker sends its
	// own before it cancels the others.
	stops := make(chan error, r.c.carryWorkers)
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
	for n := range carried {
		r.run.LoansDone += n
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

// carryPage carries one page on, in statements of up to the page size
// (one, unless positions of the day before were added since its ends
// were found), and sends how many each carried. The lines it journals
// were recorded at.
func (r *dateRun) carryPage(ctx context.Context, page carryRange, at time.Time, carried chan<- int64) error {
	for after := page.after; ; {
		res, err := r.c.store.CarryPositions(ctx, store.CarryPositionsParams{BusinessDate: r.d, Policy: r.c.policy, AfterLoanID: after,
			ThroughLoanID: page.through, Limit: r.c.carryPage, RecordedAt: at})
		if err != nil {
			return err
		}
		if res.Carried > 0 {
			carried <- res.Carried
		}
		if res.Next == "" {
			return nil
		}
		after = res.Next
	}
}
