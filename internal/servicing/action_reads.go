package servicing

import (
	"context"
	"fmt"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/store"
)

// ListPendingActionsParams are the inputs of ListPendingActions.
type ListPendingActionsParams struct {
	LoanID    string
	PageSize  int
	PageToken string
}

// ListPendingActions returns one page of the four-eyes actions waiting for
// approval, oldest first, optionally of one loan, and the next page's
// token ("" at the end).
func (l *Loans) ListPendingActions(ctx context.Context, p ListPendingActionsParams) ([]ActionView, string, error) {
	var e engine.InvalidError
	size := pageSize(&e, p.PageSize)
	after, err := l.tokens.read(ctx, &e, listActions, p.PageToken)
	if err != nil {
		return nil, "", err
	}
	if err := e.Err(); err != nil {
		return nil, "", err
	}
	rows, err := l.store.ListActions(ctx, store.ActionQuery{LoanID: p.LoanID, Statuses: []string{store.ActionPending},
		AfterActionID: after, Limit: size + 1})
	if err != nil {
		return nil, "", err
	}
	find := l.actionFinder(ctx)
	var out []ActionView
	for i, r := range rows {
		if i == size {
			next, err := l.tokens.issue(ctx, listActions, rows[size-1].ActionID)
			return out, next, err
		}
		a, err := find(r)
		if err != nil {
			return nil, "", err
		}
		// Decided since the row was read: no longer pending.
		if a.Status == store.ActionPending {
			out = append(out, a)
		}
	}
	return out, "", nil
}

// actionFinder returns a function that works out the action of a
// projection row from its loan's log, reading each loan once per page,
// and once more for a row newer than the log read (an action requested
// after that read); a row missing from a fresh read too is a projection
// that disagrees with the log, an internal error.
func (l *Loans) actionFinder(ctx context.Context) func(store.ActionRecord) (ActionView, error) {
	logs := map[string]loanLog{}
	return func(r store.ActionRecord) (ActionView, error) {
		for fresh := false; ; fresh = true {
			lg, ok := logs[r.LoanID]
			if !ok || fresh {
				var err error
				if lg, err = l.load(ctx, r.LoanID, time.Time{}); err != nil {
					return ActionView{}, err
				}
				logs[r.LoanID] = lg
			}
			a, err := findAction(lg, r.ActionID)
			if err == nil || fresh {
				if err != nil {
					err = fmt.Errorf("action %s: not in the log of loan %s: %w", r.ActionID, r.LoanID, err)
				}
				return a, err
			}
		}
	}
}
