package servicing

import (
	"context"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/store"
)

// Operator actions (waivers and write-offs) are decided on the loan's
// whole log, as of a value date an operator may backdate, and recorded
// with the operator's reason.

// checkOperatorRequest checks what every operator action names: a request
// id, a loan and a reason for the log.
func checkOperatorRequest(requestID, loanID, reason string) error {
	e := writeChecks(requestID, "loan_id", loanID)
	if reason == "" {
		e.Add("reason", "required")
	}
	return e.Err()
}

// appendReplayed appends an event decided on the loan's whole log (a
// reversal, a waiver, a write-off, a four-eyes action's request or
// rejection) with its request's record and, when action is not nil, the
// action's projection row, and returns the loan after it as of today: a
// replay, since such an event may change what came before it. The loan's
// cache entry is dropped first: it was made before the event.
func (l *Loans) appendReplayed(ctx context.Context, lg loanLog, ev store.EventRecord, req request, today engine.Date, action *store.ActionRecord) (LoanView, error) {
	after, err := lg.withEvent(ev)
	if err != nil {
		return LoanView{}, err
	}
	view := l.viewOf(after, after.fold(today), today, time.Time{})
	l.cache.drop(lg.loan.LoanID)
	err = l.store.AppendEvent(ctx, store.AppendEventParams{LoanID: lg.loan.LoanID, ExpectedVersion: lg.loan.Version, Event: ev,
		SetStatus: statusChange(lg.loan.Status, view.Status), Request: req.record(lg.loan.LoanID, ev.Seq, ev.RecordedAt), Action: action})
	if err != nil {
		return LoanView{}, err
	}
	if ev.Kind == store.KindReversal {
		l.observe.RepaymentReversed(lg.terms.Currency.Code)
	}
	view.KnownAt = ev.RecordedAt
	return view, nil
}
