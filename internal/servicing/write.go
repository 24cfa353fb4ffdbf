package servicing

import (
	"context"
	"errors"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/store"
)

// request is the mutating request a write answers: the RPC that asked for
// it, the client's id for it and a hash of its body. Its record is kept on
// the event the write appends, so a retry finds it.
type request struct {
	method, id, hash string
}

// record is the request's record, kept on the event seq of loanID
// recorded at.
func (r request) record(loanID string, seq int64, at time.Time) store.RequestRecord {
	return store.RequestRecord{RequestID: r.id, Method: r.method, RequestHash: r.hash, LoanID: loanID, Seq: seq, RecordedAt: at}
}

// write is one idempotent write use case, as idempotent runs it: the
// request, its own violations, how to read the loan it writes, how to
// answer a retry, and the decision that appends its event.
type write[T any] struct {
	req request
	// loanID is the loan written to, whose turn in this process the write
	// takes (loanWriters); "" for a write that learns its loan from the
	// store (an agreement named by id), which supplies load.
	loanID string
	// invalid is what is wrong with the request itself, found before
	// anything is read; nil if nothing.
	invalid error
	// load reads the loan and, in the same round trip, the record of the
	// request if it was made before; nil reads the whole log of loanID.
	// whole asks for the whole log even where a fold in hand would do.
	load func(ctx context.Context, now time.Time, whole bool) (loanLog, *store.RequestRecord, error)
	// answer rebuilds the first call's answer, for a retry.
	answer func(ctx context.Context, r store.RequestRecord) (T, error)
	// decide checks the request against the loan as read at now and
	// appends its event.
	decide func(ctx context.Context, lg loanLog, now time.Time) (T, error)
}

// idempotent runs a write. An invalid request is refused before anything
// is read. Then, in this process's turn on the loan and again after a lost
// race (retryOnConflict), it reads the loan: a retry of a request already
// made is answered as the first call was (the same id with another body
// is ErrRequestConflict), anything else is decided. A decision made from a
// fold in hand that has to be made from the whole log (errStaleCache) is
// made again from it at once.
func idempotent[T any](ctx context.Context, l *Loans, w write[T]) (T, error) {
	var zero T
	if w.invalid != nil {
		return zero, w.invalid
	}
	if w.load == nil {
		w.load = func(ctx context.Context, _ time.Time, _ bool) (loanLog, *store.RequestRecord, error) {
			return l.loadWithRequest(ctx, w.loanID, w.req.id, time.Time{})
		}
	}
	attempt := func(whole bool) (T, error) {
		now := l.now().UTC()
		lg, prior, err := w.load(ctx, now, whole)
		if prior != nil {
			if err := sameRequest(*prior, w.req.method, w.req.hash); err != nil {
				return zero, err
			}
			return w.answer(ctx, *prior)
		}
		if err != nil {
			return zero, err
		}
		return w.decide(ctx, lg, now)
	}
	return retryOnConflict(ctx, l.writers, w.loanID, func() (T, error) {
		res, err := attempt(false)
		if errors.Is(err, errStaleCache) {
			return attempt(true)
		}
		return res, err
	})
}

// replay answers a retried request from the log as it was when the first
// one was recorded; a different body under the same id is refused.
func (l *Loans) replay(ctx context.Context, requestID, method, hash string) (store.RequestRecord, bool, error) {
	r, err := l.store.FindRequest(ctx, store.RequestKey{RequestID: requestID})
	if errors.Is(err, store.ErrNotFound) {
		return r, false, nil
	}
	if err != nil {
		return r, false, err
	}
	return r, true, sameRequest(r, method, hash)
}

// sameRequest refuses a request id reused for a different request.
func sameRequest(r store.RequestRecord, method, hash string) error {
	if r.Method != method || r.RequestHash != hash {
		return ErrRequestConflict
	}
	return nil
}

// writeChecks starts the violations of a write: a malformed request id, a
// missing id of what it writes to (field: "loan_id", "agreement_id"). The
// caller adds its own and takes Err.
func writeChecks(requestID, field, id string) *engine.InvalidError {
	e := &engine.InvalidError{}
	checkRequestID(e, requestID)
	if id == "" {
		e.Add(field, "required")
	}
	return e
}

// valueDate checks the value date of a payment or an operator action:
// default today, not in the future, not before disbursement.
func valueDate(e *engine.InvalidError, vd, today engine.Date, terms engine.Terms) engine.Date {
	if vd == engine.NoDate {
		vd = today
	}
	if vd > today {
		e.Add("value_date", "must not be in the future (today is %s)", today)
	} else if vd < terms.DisbursementDate {
		e.Add("value_date", "must not be before the disbursement date %s", terms.DisbursementDate)
	}
	return vd
}
