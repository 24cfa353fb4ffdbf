package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/loancore/loancore/internal/store"
)

// Loads that arrive while others are being read go to PostgreSQL
// together (group.go): their statements in one batch, one round trip. A
// cold repayment reads its loan and then appends; under load several
// wait on their reads at once.

// maxGroupLoads is the most loads one round trip carries.
const maxGroupLoads = 32

// loadResult is the outcome of one load in a group. alone: the group
// failed before it read this one, which is then read alone, so that its
// answer is its own and not a failure of another's statement.
type loadResult struct {
	log   store.LoanLog
	err   error
	alone bool
}

// newLoadGroup is the group of a pool's loads.
func newLoadGroup(pool *pgxpool.Pool) *group[store.LoadLoanParams, loadResult] {
	return &group[store.LoadLoanParams, loadResult]{
		most: maxGroupLoads,
		run: func(ctx context.Context, calls []store.LoadLoanParams) []loadResult {
			return loadLoans(ctx, pool, calls)
		},
	}
}

// loadLoans reads the loans of calls in one batch. A lone load runs in
// its caller's context, as without groups; a group's without its
// callers' cancellation, bounded by groupTimeout. The batch's statements
// run in one implicit transaction, so after one fails the rest fail too:
// that one and those after it are marked to be read alone.
func loadLoans(ctx context.Context, pool *pgxpool.Pool, calls []store.LoadLoanParams) []loadResult {
	out := make([]loadResult, len(calls))
	if len(calls) > 1 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), groupTimeout)
		defer cancel()
	}
	b := &pgx.Batch{}
	for _, p := range calls {
		queueLoad(b, p)
	}
	res := pool.SendBatch(ctx, b)
	defer res.Close()
	for i, p := range calls {
		out[i].log, out[i].err = readLoanLog(res, p)
		if len(calls) > 1 && out[i].err != nil && !errors.Is(out[i].err, store.ErrNotFound) {
			for j := i; j < len(calls); j++ {
				out[j] = loadResult{alone: true}
			}
			break
		}
	}
	return out
}
