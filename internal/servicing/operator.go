package servicing

import (
	"context"
	"errors"
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
	line, err := l.lineTouched(ctx, lg, ev, view, today)
	if err != nil {
		return LoanView{}, err
	}
	l.cache.drop(lg.loan.LoanID)
	err = l.store.AppendEvent(ctx, store.AppendEventParams{LoanID: lg.loan.LoanID, ExpectedVersion: lg.loan.Version, Event: ev,
		SetStatus: statusChange(lg.loan.Status, view.Status), Request: req.record(lg.loan.LoanID, ev.Seq, ev.RecordedAt), Action: action,
		Line: line})
	if err != nil {
		return LoanView{}, err
	}
	if ev.Kind == store.KindReversal {
		l.observe.RepaymentReversed(lg.terms.Currency.Code)
	}
	view.KnownAt = ev.RecordedAt
	return view, nil
}

// lineTouched is the line event a loan's event appends with it, or nil.
// A write that puts principal back into use on a revolving line — a
// reversal (the payment did not happen), an agreement that capitalises
// arrears — takes the line's next
// seq, in the transaction of the loan's event, so that a drawdown decided
// from the line before it loses the race on the line's version and is
// decided again with it. It is never refused for the limit (it records a
// fact or a signed contract), so it may leave the line over its limit
// (used above limit, nothing available) until the borrower repays. A
// reversal always takes the seq; another event only when it raises the
// principal outstanding today. A break (AGREEMENT_BROKEN) is checked too,
// though today it never does: it keeps the plan and reinstates at most
// waived charges (grpcapi TestBrokenAgreementOnARevolvingLine). after is
// the loan after ev as of today.
func (l *Loans) lineTouched(ctx context.Context, lg loanLog, ev store.EventRecord, after LoanView, today engine.Date) (*store.LineEventAppend, error) {
	kind, ok := lineKindOf[ev.Kind]
	if !ok {
		return nil, nil
	}
	before := l.viewOf(lg, lg.fold(today), today, time.Time{})
	restored := after.Outstanding.Principal - before.Outstanding.Principal
	if ev.Kind != store.KindReversal && restored <= 0 {
		return nil, nil
	}
	line, err := l.store.LineOfLoan(ctx, lg.loan.LoanID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !line.Revolving) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &store.LineEventAppend{ExpectedVersion: line.Version, Event: store.CreditLineEventRecord{CreditLineID: line.CreditLineID,
		Seq: line.Version + 1, Kind: kind, ValueDate: ev.ValueDate, RecordedAt: ev.RecordedAt,
		RequestID: ev.RequestID, Actor: ev.Actor, OnBehalfOf: ev.OnBehalfOf, Amount: restored.Format(lg.terms.Currency), LoanID: lg.loan.LoanID,
		Reason: ev.Reason}}, nil
}

// lineKindOf is the line event of each loan event that may put principal
// back into use.
var lineKindOf = map[string]string{
	store.KindReversal:          store.LineKindRepaymentReversed,
	store.KindAgreementAccepted: store.LineKindPrincipalCapitalised,
	store.KindAgreementBroken:   store.LineKindPrincipalCapitalised,
}
