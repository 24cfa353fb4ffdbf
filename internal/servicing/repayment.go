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
}

// RecordRepayment records money received from the borrower, allocates it,
// and replays everything after its value date.
func (l *Loans) RecordRepayment(ctx context.Context, p RecordRepaymentParams) (RepaymentResult, error) {
	var e engine.InvalidError
	checkRequestID(&e, p.RequestID)
	if p.LoanID == "" {
		e.Add("loan_id", "required")
	}
	if err := e.Err(); err != nil {
		return RepaymentResult{}, err
	}
	return retryOnConflict(ctx, l.writers, p.LoanID, func() (RepaymentResult, error) {
		res, err := l.recordRepayment(ctx, p, true)
		if errors.Is(err, errStaleCache) {
			return l.recordRepayment(ctx, p, false)
		}
		return res, err
	})
}

// recordRepayment is one attempt of RecordRepayment. With fromFold the
// decision may start from a fold in hand: a cache entry, or the latest
// snapshot and the events after it; without, from a replay of the whole
// log, which is how a refusal decided from a fold is decided again
// (errStaleCache).
func (l *Loans) recordRepayment(ctx context.Context, p RecordRepaymentParams, fromFold bool) (res RepaymentResult, err error) {
	now := l.now().UTC()
	today := l.dateAt(now)
	lg, cached := loanLog{}, false
	if fromFold {
		lg, cached = l.cache.get(p.LoanID)
		// An entry holds a fold as of one day and no log. A later day's
		// write advances the fold (penalty accrual to today) unless the
		// log has an event dated after that day, which only a replay
		// applies.
		if cached && lg.foldedAsOf != today {
			if lg, cached = lg.advanced(today); !cached {
				l.cache.drop(p.LoanID)
			}
		}
	}
	fromStore := !cached
	if fromStore {
		var prior *store.RequestRecord
		if fromFold {
			lg, prior, err = l.loadNow(ctx, p.LoanID, p.RequestID, today)
		} else {
			lg, prior, err = l.loadWithRequest(ctx, p.LoanID, p.RequestID, time.Time{})
		}
		if prior != nil {
			// A retry: answer as the first call did, whatever happened since.
			if err := sameRequest(*prior, "RecordRepayment", p.RequestHash); err != nil {
				return RepaymentResult{}, err
			}
			return l.repaymentResult(ctx, *prior)
		}
		if err != nil {
			return RepaymentResult{}, err
		}
		// A log taken up from a snapshot has a fold and no events, as a
		// cache entry has, and is used as one.
		cached = lg.events == nil
	}
	if cached {
		defer func() {
			// A refusal decided from the cache might be a retry of an
			// accepted request: decide again from the store.
			if err != nil {
				l.cache.drop(p.LoanID)
				var inv *engine.InvalidError
				var pre *PreconditionError
				if errors.As(err, &inv) || errors.As(err, &pre) {
					err = errStaleCache
				}
			}
		}()
	}
	var e engine.InvalidError
	amount, err := money.ParseAmount(p.Amount, lg.terms.Currency)
	switch {
	case p.Amount == "":
		e.Add("amount", "required")
	case err != nil:
		e.Add("amount", "%v", err)
	case amount <= 0:
		e.Add("amount", "must be greater than zero")
	}
	vd := p.ValueDate
	if vd == engine.NoDate {
		vd = today
	}
	if vd > today {
		e.Add("value_date", "must not be in the future (today is %s)", today)
	} else if vd < lg.terms.DisbursementDate {
		e.Add("value_date", "must not be before the disbursement date %s", lg.terms.DisbursementDate)
	}
	if err := e.Err(); err != nil {
		return RepaymentResult{}, err
	}
	// The fold before the payment; only its figures are needed, not a view.
	before := lg.fold(today)
	c := lg.terms.Currency
	if statusOf(before) == store.StatusPaidOff {
		return RepaymentResult{}, refuse(ReasonLoanPaidOff, "loan %s is PAID_OFF; nothing is owed", p.LoanID)
	}
	seq := lg.loan.Version + 1
	ev := store.EventRecord{LoanID: p.LoanID, Seq: seq, Kind: store.KindRepayment, ValueDate: vd.String(), RecordedAt: now,
		RequestID: p.RequestID, Actor: p.Actor, Amount: amount.Format(c)}
	eev := engine.Event{Seq: seq, Kind: engine.EventRepayment, ValueDate: vd, Amount: amount}
	// A payment dated on or after every earlier one changes none of them:
	// apply it to the fold in hand. A backdated one replays the log, which
	// a cache entry does not have.
	var view LoanView
	var changed []int64
	var after loanLog
	if st, ok := before.Append(lg.terms, eev); ok {
		after = lg
		after.loan.Version, after.folded = seq, nil
		view = l.viewOf(after, st, today, time.Time{})
	} else if cached {
		return RepaymentResult{}, errStaleCache
	} else {
		if after, err = lg.withEvent(ev); err != nil {
			return RepaymentResult{}, err
		}
		if view, err = l.view(after, today, time.Time{}); err != nil {
			return RepaymentResult{}, err
		}
		changed = changedPayments(before, view.state, seq)
	}
	if view.Credit > before.Credit && lg.terms.Overpayment != engine.KeepCredit {
		if cached {
			return RepaymentResult{}, errStaleCache
		}
		// The payoff on the value date, before this payment.
		atDate := engine.FoldSchedule(lg.terms, lg.schedule, lg.evs, vd)
		payoff := atDate.PayoffAt(lg.terms)
		return RepaymentResult{}, refuse(ReasonPaymentExceedsPayoff, "amount %s exceeds the payoff amount %s on %s", amount.Format(c), payoff.Total().Format(c), vd)
	}
	// A write that had to read a long stretch of the log, or replay past
	// a snapshot, stores the fold it made, so that the next one that finds
	// the loan in no cache does not do so again.
	var snap *store.SnapshotRecord
	if fromStore && l.snapshotEvery > 0 && (lg.pastSnapshot || lg.sinceSnapshot+1 >= l.snapshotEvery) {
		snap = snapshotOf(view.state, seq, today, max(lg.latestValueDate(), vd), lg.pastSnapshot)
	}
	err = l.store.AppendEvent(ctx, store.AppendEventParams{LoanID: p.LoanID, ExpectedVersion: lg.loan.Version, Event: ev,
		SetStatus: statusChange(lg.loan.Status, view.Status), Snapshot: snap,
		Request: store.RequestRecord{RequestID: p.RequestID, Method: "RecordRepayment", RequestHash: p.RequestHash, LoanID: p.LoanID, Seq: seq, RecordedAt: now}})
	if err != nil {
		l.cache.drop(p.LoanID)
		return RepaymentResult{}, err
	}
	after.loan.Status = view.Status
	l.cache.put(cacheEntry(after, view.state, today))
	view.KnownAt = now
	return RepaymentResult{Seq: seq, Allocation: paymentOf(view.state, seq), Loan: view, ChangedSeqs: changed}, nil
}

// repaymentResult rebuilds the answer to a recorded repayment or reversal
// from the log as it was then: the same answer the first call gave.
func (l *Loans) repaymentResult(ctx context.Context, r store.RequestRecord) (RepaymentResult, error) {
	asOf := l.dateAt(r.RecordedAt)
	lg, err := l.load(ctx, r.LoanID, r.RecordedAt)
	if err != nil {
		return RepaymentResult{}, err
	}
	view, err := l.view(lg, asOf, r.RecordedAt)
	if err != nil {
		return RepaymentResult{}, err
	}
	prev := lg
	prev.events = slices.DeleteFunc(slices.Clone(lg.events), func(e store.EventRecord) bool { return e.Seq == r.Seq })
	prev.evs = slices.DeleteFunc(slices.Clone(lg.evs), func(e engine.Event) bool { return e.Seq == r.Seq })
	before, err := l.view(prev, asOf, r.RecordedAt)
	if err != nil {
		return RepaymentResult{}, err
	}
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
