package servicing

import (
	"bytes"
	"context"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/loancore/loancore/internal/store"
)

// This file holds a date's pipeline: its pages of loans read, folded and
// written in three stages that run at once.

// closeLoans closes the loans the date still has to do, a page at a
// time, in a pipeline of three stages that run at once: the next page is
// read while this one is folded, and the one before is written. The
// database and the folding so keep both cores busy, with at most five
// pages in memory (one in each stage and one in each channel between).
// Only the writing stage touches r.run until it ends.
func (r *dateRun) closeLoans(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pages := r.readPages(ctx)
	writes := make(chan foldedBatch, 1)
	written := make(chan error, 1)
	go func() { written <- r.writeBatches(ctx, cancel, writes) }()
	memo := &termsMemo{}
	err := func() error {
		for f := range pages {
			if f.err != nil {
				return f.err
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			if len(f.page.Loans) == 0 {
				continue
			}
			select {
			case writes <- r.foldBatch(ctx, f.page.Loans, memo):
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	}()
	close(writes)
	werr := <-written
	if werr != nil {
		// The writer's error is the cause; the fold then stopped on the
		// cancelled context.
		return werr
	}
	return err
}

// fetchedPage is a page read, or the error that ended the reading.
type fetchedPage struct {
	page store.COBPage
	err  error
}

// readPages reads the date's pages in order, one ahead of the fold, until
// the last, an error, or ctx ends: pages of the loans the carry left when
// it knows them all (dateRun.left), else pages of every loan after the
// last, each with those the date still has to do.
func (r *dateRun) readPages(ctx context.Context) <-chan fetchedPage {
	pages := make(chan fetchedPage, 1)
	go func() {
		defer close(pages)
		var known [][]byte
		left := leftPages(r.left, r.c.batch)
		for after := ""; ; {
			q := store.COBLoansParams{BusinessDate: r.d, AfterLoanID: after, Limit: r.c.batch, SnapshotFormat: r.c.loans.snapshotFormat(),
				KnownTerms: known}
			if r.leftKnown {
				if len(left) == 0 {
					return
				}
				q.LoanIDs, left = left[0], left[1:]
			}
			p, err := r.c.store.COBLoans(ctx, q)
			select {
			case pages <- fetchedPage{p, err}:
			case <-ctx.Done():
				return
			}
			if err != nil || p.Next == "" && !r.leftKnown {
				return
			}
			after, known = p.Next, pageTerms(p.Loans, known)
		}
	}()
	return pages
}

// leftPages cuts the loans the carry statements left (dateRun.left) into
// pages of up to size, by id, none across two statements' lists: a
// statement's list is from a range of ids of its own, and a page of
// loans from two ranges far apart would span every loan carried between
// them, which a store may read for the page (PostgreSQL reads the
// carried pages over a page's range: at 200,000 loans such a page read
// ~300 of them, 270 ms, against ~15 for a page within a range).
func leftPages(lists [][]string, size int) [][]string {
	lists = slices.DeleteFunc(slices.Clone(lists), func(ids []string) bool { return len(ids) == 0 })
	for _, ids := range lists {
		slices.Sort(ids)
	}
	slices.SortFunc(lists, func(a, b []string) int { return strings.Compare(a[0], b[0]) })
	var out [][]string
	for _, ids := range lists {
		for len(ids) > 0 {
			n := min(len(ids), size)
			out, ids = append(out, ids[:n]), ids[n:]
		}
	}
	return out
}

// maxKnownTerms is how many terms documents a page read tells the store
// it has: a book sold as a few products needs few, and each is compared
// with every loan's document the page reads.
const maxKnownTerms = 8

// pageTerms are the distinct terms documents of a page's loans, up to
// maxKnownTerms, for the next page's read (COBLoansParams.KnownTerms):
// the documents of the last page, else those known before when it read
// none. A document is the store's own bytes, shared, never changed.
func pageTerms(loans []store.COBLoan, before [][]byte) [][]byte {
	var out [][]byte
	for _, l := range loans {
		if len(out) == maxKnownTerms {
			break
		}
		if !slices.ContainsFunc(out, func(doc []byte) bool { return bytes.Equal(doc, l.Loan.Terms) }) {
			out = append(out, l.Loan.Terms)
		}
	}
	if len(out) == 0 {
		return before
	}
	return out
}

// foldedBatch is a page's positions, and how many of its loans could not
// be folded.
type foldedBatch struct {
	positions []store.Position
	failures  int64
}

// foldBatch folds a page of loans in parallel, one worker a core; a loan
// that cannot be folded is logged and counted, and left for the next run.
func (r *dateRun) foldBatch(ctx context.Context, batch []store.COBLoan, memo *termsMemo) foldedBatch {
	workers := max(1, runtime.GOMAXPROCS(0))
	positions := make([]store.Position, len(batch))
	failed := make([]error, len(batch))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(batch); i += workers {
				positions[i], failed[i] = r.c.position(ctx, batch[i], r.d, memo)
			}
		}()
	}
	wg.Wait()
	out := foldedBatch{positions: positions[:0]}
	for i, pos := range positions {
		if failed[i] != nil {
			out.failures++
			r.c.log.ErrorContext(ctx, "close of business: loan not closed", "business_date", r.d.String(),
				"loan_id", batch[i].Loan.LoanID, "error", failed[i])
			continue
		}
		out.positions = append(out.positions, pos)
	}
	return out
}

// writeBatches writes the folded batches in order, each with the run's
// progress after it. On the first error it cancels the run and drains the
// rest unwritten, so the fold never blocks on it.
func (r *dateRun) writeBatches(ctx context.Context, cancel context.CancelFunc, batches <-chan foldedBatch) error {
	var err error
	for b := range batches {
		if err != nil {
			continue
		}
		r.run.Failures += b.failures
		err = r.c.store.SavePositions(ctx, store.SavePositionsParams{BusinessDate: r.d, Positions: b.positions, RecordedAt: r.c.loans.now().UTC(),
			Runner: r.run.Runner})
		if err == nil {
			r.run.LoansDone += int64(len(b.positions))
			err = r.save(ctx)
		}
		if err != nil {
			cancel()
		}
	}
	return err
}
