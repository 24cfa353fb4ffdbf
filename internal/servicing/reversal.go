package servicing

import (
	"context"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/store"
)

// ReverseRepaymentParams are the inputs of ReverseRepayment.
type ReverseRepaymentParams struct {
	RequestID   string
	RequestHash string
	LoanID      string
	Seq         int64
	Reason      string
	Actor       string
}

// ReverseRepayment appends a reversal of a repayment; the fold then
// replays as if the payment had never been received. Nothing is deleted.
func (l *Loans) ReverseRepayment(ctx context.Context, p ReverseRepaymentParams) (RepaymentResult, error) {
	var e engine.InvalidError
	checkRequestID(&e, p.RequestID)
	if p.LoanID == "" {
		e.Add("loan_id", "required")
	}
	if p.Seq <= 0 {
		e.Add("seq", "required: the seq of the repayment event to reverse")
	}
	if p.Reason == "" {
		e.Add("reason", "required")
	}
	if err := e.Err(); err != nil {
		return RepaymentResult{}, err
	}
	return retryOnConflict(ctx, l.writers, p.LoanID, func() (RepaymentResult, error) { return l.reverseRepayment(ctx, p) })
}

func (l *Loans) reverseRepayment(ctx context.Context, p ReverseRepaymentParams) (RepaymentResult, error) {
	lg, prior, err := l.loadWithRequest(ctx, p.LoanID, p.RequestID, time.Time{})
	if prior != nil {
		if err := sameRequest(*prior, "ReverseRepayment", p.RequestHash); err != nil {
			return RepaymentResult{}, err
		}
		return l.repaymentResult(ctx, *prior)
	}
	if err != nil {
		return RepaymentResult{}, err
	}
	var target *store.EventRecord
	for i, ev := range lg.events {
		if ev.Seq == p.Seq {
			target = &lg.events[i]
		}
		if ev.Kind == store.KindReversal && ev.TargetSeq == p.Seq {
			return RepaymentResult{}, refuse(ReasonAlreadyReversed, "event %d was already reversed by event %d", p.Seq, ev.Seq)
		}
	}
	if target == nil {
		return RepaymentResult{}, store.ErrNotFound
	}
	if target.Kind != store.KindRepayment {
		return RepaymentResult{}, refuse(ReasonNotARepayment, "event %d is a %s, not a repayment", p.Seq, target.Kind)
	}
	// A signed agreement's figures were computed with this payment in:
	// reversing it would silently change them. Refuse.
	for _, ev := range lg.events {
		if ev.Kind == store.KindAgreementAccepted && target.ValueDate <= ev.ValueDate {
			d, _ := decodeAgreement(ev)
			return RepaymentResult{}, refuse(ReasonAgreementSigned, "repayment %d (value date %s) is before agreement %s, signed with effect from %s; reversing it would change the agreement's figures",
				p.Seq, target.ValueDate, d.AgreementID, ev.ValueDate)
		}
	}
	now := l.now().UTC()
	today := l.dateAt(now)
	before, err := l.view(lg, today, time.Time{})
	if err != nil {
		return RepaymentResult{}, err
	}
	seq := lg.loan.Version + 1
	ev := store.EventRecord{LoanID: p.LoanID, Seq: seq, Kind: store.KindReversal, ValueDate: target.ValueDate, RecordedAt: now,
		RequestID: p.RequestID, Actor: p.Actor, TargetSeq: p.Seq, Reason: p.Reason}
	after, err := lg.withEvent(ev)
	if err != nil {
		return RepaymentResult{}, err
	}
	view, err := l.view(after, today, time.Time{})
	if err != nil {
		return RepaymentResult{}, err
	}
	l.cache.drop(p.LoanID)
	err = l.store.AppendEvent(ctx, store.AppendEventParams{LoanID: p.LoanID, ExpectedVersion: lg.loan.Version, Event: ev,
		SetStatus: statusChange(lg.loan.Status, view.Status),
		Request:   store.RequestRecord{RequestID: p.RequestID, Method: "ReverseRepayment", RequestHash: p.RequestHash, LoanID: p.LoanID, Seq: seq, RecordedAt: now}})
	if err != nil {
		return RepaymentResult{}, err
	}
	view.KnownAt = now
	return RepaymentResult{Seq: seq, Allocation: paymentOf(before.state, p.Seq), Loan: view, ChangedSeqs: changedPayments(before.state, view.state, p.Seq)}, nil
}
