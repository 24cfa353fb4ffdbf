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

// loadResult is the outcome of one load in a group. read: the answer
// is the load's own. Otherwise (the zero loadResult) the group failed
// before it read this one, which is then read alone, so that its answer
// is not a failure of another's statement.
type loadResult struct {
	log  store.LoanLog
	err  error
	read bool
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
// that one and those after it are left unread, to be read alone.
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
		log, err := readLoanLog(res, p)
		if len(calls) > 1 && err != nil && !errors.Is(err, store.ErrNotFound) {
			break
		}
		out[i] = loadResult{log: log, err: err, read: true}
	}
	return out
}
