package servicing

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/money"
	"github.com/loancore/loancore/internal/store"
)

// RepaymentResult is what RecordRepayment did.
type RepaymentResult struct {
	Seq        int64
	Allocation engine.PaymentResult
	Loan       LoanView
	// ChangedSeqs are later payments whose allocation this backdated
	// payment changed.
	ChangedSeqs []int64
	// Pending is the action holding a reversal for approval; nil when it
	// was executed.
	Pending *ActionView
}

// RecordRepaymentParams are the inputs of RecordRepayment.
type RecordRepaymentParams struct {
	RequestID   string
	RequestHash string
	LoanID      string
	// Amount is the decimal string as received; it is parsed in the
	// loan's currency.
	Amount string
	// ValueDate is NoDate for today.
	ValueDate engine.Date
	Actor     string
	// OnBehalfOf is the end user Actor acts for, recorded beside it; "" for none.
	OnBehalfOf string
}

// RecordRepayment records money received from the borrower, allocates it,
// and replays everything after its value date.
func (l *Loans) RecordRepayment(ctx context.Context, p RecordRepaymentParams) (RepaymentResult, error) {
	// Only the first read of the loan may leave the request's record
	// unread (loadToPay); every later one, after a lost race or a
	// duplicate, reads it.
	first := true
	return idempotent(ctx, l, write[RepaymentResult]{
		req:     request{method: "RecordRepayment", id: p.RequestID, hash: p.RequestHash},
		loanID:  p.LoanID,
		invalid: writeChecks(p.RequestID, "loan_id", p.LoanID).Err(),
		load: func(ctx context.Context, now time.Time, whole bool) (loanLog, *store.RequestRecord, error) {
			lookup := !first
			first = false
			return l.loadToPay(ctx, p.LoanID, p.RequestID, l.dateAt(now), whole, lookup)
		},
		answer: l.repaymentResult,
		decide: func(ctx context.Context, lg loanLog, now time.Time) (RepaymentResult, error) {
			res, err := l.pay(ctx, p, lg, now)
			if err != nil && (!lg.replayable() || lg.requestUnread) {
				return res, l.refusedFromFold(p.LoanID, err)
			}
			return res, err
		},
	})
}

// loadToPay reads the loan a payment is decided on as of today: unless
// whole asks for the whole log, a fold in hand — this process's cache
// entry, advanced to today, or the loan's latest snapshot and the events
// after it — and else the whole log, with the record of the request if it
// was made before (a cache entry cannot tell: see refusedFromFold).
//
// From the store, unless lookup asks for it, the request's record is not
// read either, as from the cache: a retry of a request already made is
// then told as a cache entry's is, by the store refusing its record again
// at the append (ErrDuplicate, so the next attempt reads it), or by a
// refusal or a loan not found becoming errStaleCache (the log is marked
// requestUnread). Almost every payment is new, and the lookup was a
// statement of every cold payment's read.
func (l *Loans) loadToPay(ctx context.Context, loanID, requestID string, today engine.Date, whole, lookup bool) (loanLog, *store.RequestRecord, error) {
	if whole {
		return l.loadWithRequest(ctx, loanID, requestID, time.Time{})
	}
	if lg, ok := l.cache.get(loanID); ok {
		// A later day's write advances the entry's fold (penalty accrual to
		// today) unless the log has an event dated after the fold's day,
		// which only a replay applies.
		if lg.foldedAsOf == today {
			l.observe.CacheLookup(true)
			return lg, nil, nil
		}
		if lg, ok = lg.advanced(today); ok {
			l.observe.CacheLookup(true)
			return lg, nil, nil
		}
		l.cache.drop(loanID)
	}
	if l.cache != nil {
		l.observe.CacheLookup(false)
	}
	if lookup {
		return l.loadNow(ctx, loanID, requestID, today)
	}
	lg, _, err := l.loadNow(ctx, loanID, "", today)
	if errors.Is(err, store.ErrNotFound) {
		// The request may have been made on another loan id.
		err = errStaleCache
	}
	lg.requestUnread = true
	return lg, nil, err
}

// refusedFromFold is the error of a payment decided from a fold in hand:
// a refusal becomes errStaleCache, to be decided again from the whole log,
// since the fold cannot tell it from a retry of a request that was
// accepted. Any error drops the loan's cache entry.
func (l *Loans) refusedFromFold(loanID string, err error) error {
	l.cache.drop(loanID)
	var inv *engine.InvalidError
	var pre *PreconditionError
	if errors.As(err, &inv) || errors.As(err, &pre) {
		return errStaleCache
	}
	return err
}

// pay decides a payment on the loan as read at now and appends it.
func (l *Loans) pay(ctx context.Context, p RecordRepaymentParams, lg loanLog, now time.Time) (RepaymentResult, error) {
	today := l.dateAt(now)
	amount, vd, err := checkPayment(p, lg.terms, today)
	if err != nil {
		return RepaymentResult{}, err
	}
	// The fold before the payment; only its figures are needed, not a view.
	before := lg.fold(today)
	if statusOf(before) == store.StatusPaidOff {
		return RepaymentResult{}, refuse(ReasonLoanPaidOff, "loan %s is PAID_OFF; nothing is owed", p.LoanID)
	}
	seq := lg.loan.Version + 1
	ev := store.EventRecord{LoanID: p.LoanID, Seq: seq, Kind: store.KindRepayment, ValueDate: vd.String(), RecordedAt: now,
		RequestID: p.RequestID, Actor: p.Actor, OnBehalfOf: p.OnBehalfOf, Amount: amount.Format(lg.terms.Currency)}
	after, view, changed, err := l.applyPayment(lg, before, ev, engine.Event{Seq: seq, Kind: engine.EventRepayment, ValueDate: vd, Amount: amount}, today)
	if err != nil {
		return RepaymentResult{}, err
	}
	if view.Credit > before.Credit && lg.terms.Overpayment != engine.KeepCredit {
		return RepaymentResult{}, overpaid(lg, amount, vd)
	}
	req := request{method: "RecordRepayment", id: p.RequestID, hash: p.RequestHash}
	err = l.store.AppendEvent(ctx, store.AppendEventParams{LoanID: p.LoanID, ExpectedVersion: lg.loan.Version, Event: ev,
		SetStatus: statusChange(lg.loan.Status, view.Status), Snapshot: l.snapshotToStore(lg, view.state, seq, today, vd),
		Request: req.record(p.LoanID, seq, now)})
	if err != nil {
		l.cache.drop(p.LoanID)
		return RepaymentResult{}, err
	}
	l.observe.RepaymentPosted(lg.terms.Currency.Code, amount)
	after.loan.Status = view.Status
	l.cache.put(cacheEntry(after, view.state, today))
	view.KnownAt = now
	return RepaymentResult{Seq: seq, Allocation: paymentOf(view.state, seq), Loan: view, ChangedSeqs: changed}, nil
}

// checkPayment parses a payment's amount in the loan's currency and its
// value date (NoDate: today), refusing one not greater than zero or dated
// in the future or before disbursement.
func checkPayment(p RecordRepaymentParams, terms engine.Terms, today engine.Date) (money.Amount, engine.Date, error) {
	var e engine.InvalidError
	amount, err := money.ParseAmount(p.Amount, terms.Currency)
	switch {
	case p.Amount == "":
		e.Add("amount", "required")
	case err != nil:
		e.Add("amount", "%v", err)
	case amount <= 0:
		e.Add("amount", "must be greater than zero")
	}
	vd := valueDate(&e, p.ValueDate, today, terms)
	return amount, vd, e.Err()
}

// applyPayment is the loan after a payment (ev, and eev as the fold reads
// it) and its view as of today. A payment dated on or after every earlier
// one changes none of them: it is appended to the fold before it, the one
// way a fold in hand takes it. A backdated one replays the whole log
// (errStaleCache from a fold in hand), and changed lists the later
// payments whose allocation it moved.
func (l *Loans) applyPayment(lg loanLog, before engine.LoanState, ev store.EventRecord, eev engine.Event, today engine.Date) (after loanLog, view LoanView, changed []int64, err error) {
	if st, ok := before.Append(lg.terms, eev); ok {
		// What is kept of the loan after the write is a cache entry made
		// from st, which needs none of the log's events: a whole log's
		// are left as they were read.
		after = lg
		after.loan.Version = ev.Seq
		return after, l.viewOf(after, st, today, time.Time{}), nil, nil
	}
	if !lg.replayable() {
		return lg, view, nil, errStaleCache
	}
	if after, err = lg.withEvent(ev); err != nil {
		return lg, view, nil, err
	}
	view = l.viewOf(after, after.fold(today), today, time.Time{})
	return after, view, changedPayments(before, view.state, ev.Seq), nil
}

// overpaid refuses a payment of amount with value date vd that is more
// than the loan owes then, naming the payoff (errStaleCache from a fold in
// hand, which cannot work it out).
func overpaid(lg loanLog, amount money.Amount, vd engine.Date) error {
	if !lg.replayable() {
		return errStaleCache
	}
	c := lg.terms.Currency
	// The payoff on the value date, before this payment.
	atDate := engine.FoldSchedule(lg.terms, lg.schedule, lg.evs, vd)
	payoff := atDate.PayoffAt(lg.terms)
	return refuse(ReasonPaymentExceedsPayoff, "amount %s exceeds the payoff amount %s on %s", amount.Format(c), payoff.Total().Format(c), vd)
}

// snapshotToStore is the snapshot a payment's event is stored with, or
// nil: a write that read the loan from the store and had to read a long
// stretch of its log, or replay past a snapshot, stores the fold it made,
// so that the next one that finds the loan in no cache does not do so
// again. vd is the payment's value date.
func (l *Loans) snapshotToStore(lg loanLog, st engine.LoanState, seq int64, today, vd engine.Date) *store.SnapshotRecord {
	// A loan that takes tranches keeps none: a fold in hand of it must
	// carry its tranches, which only its log has (loanLog.tranches).
	if lg.source == cachedFold || l.snapshotEvery == 0 || lg.terms.ApprovedAmount != 0 || !lg.pastSnapshot && lg.sinceSnapshot+1 < l.snapshotEvery {
		return nil
	}
	return snapshotOf(st, seq, today, max(lg.latestValueDate(), vd), lg.pastSnapshot)
}

// repaymentResult rebuilds the answer to a recorded repayment or reversal
// from the log as it was then: the same answer the first call gave.
func (l *Loans) repaymentResult(ctx context.Context, r store.RequestRecord) (RepaymentResult, error) {
	asOf := l.dateAt(r.RecordedAt)
	lg, err := l.load(ctx, r.LoanID, r.RecordedAt)
	if err != nil {
		return RepaymentResult{}, err
	}
	view := l.view(lg, asOf, r.RecordedAt)
	if held, err := heldAt(lg, r.Seq); held != nil || err != nil {
		return RepaymentResult{Seq: r.Seq, Loan: view, Pending: held}, err
	}
	prev := lg
	prev.events = slices.DeleteFunc(slices.Clone(lg.events), func(e store.EventRecord) bool { return e.Seq == r.Seq })
	prev.evs = slices.DeleteFunc(slices.Clone(lg.evs), func(e engine.Event) bool { return e.Seq == r.Seq })
	before := l.view(prev, asOf, r.RecordedAt)
	// A reversal answers with the allocation of the payment it reversed.
	subject, state := r.Seq, view.state
	for _, e := range lg.events {
		if e.Seq == r.Seq && e.Kind == store.KindReversal {
			subject, state = e.TargetSeq, before.state
		}
	}
	return RepaymentResult{Seq: r.Seq, Allocation: paymentOf(state, subject), Loan: view,
		ChangedSeqs: changedPayments(before.state, view.state, subject)}, nil
}

func paymentOf(st engine.LoanState, seq int64) engine.PaymentResult {
	for _, p := range st.Payments {
		if p.Seq == seq {
			return p
		}
	}
	return engine.PaymentResult{Seq: seq}
}

// changedPayments lists the payments other than seq whose allocation
// differs between two folds.
func changedPayments(before, after engine.LoanState, seq int64) []int64 {
	old := map[int64]engine.PaymentResult{}
	for _, p := range before.Payments {
		old[p.Seq] = p
	}
	var changed []int64
	for _, p := range after.Payments {
		if p.Seq == seq {
			continue
		}
		if o, ok := old[p.Seq]; !ok || !slices.Equal(o.Parts, p.Parts) || o.Credit != p.Credit {
			changed = append(changed, p.Seq)
		}
	}
	for _, p := range before.Payments {
		if p.Seq != seq && !slices.ContainsFunc(after.Payments, func(a engine.PaymentResult) bool { return a.Seq == p.Seq }) {
			changed = append(changed, p.Seq)
		}
	}
	slices.Sort(changed)
	return changed
}
