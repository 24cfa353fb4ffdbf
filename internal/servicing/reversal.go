package servicing

import (
	"context"
	"fmt"
	"time"

	"github.com/loancore/loancore/internal/money"
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
	// OnBehalfOf is the end user Actor acts for, recorded beside it; "" for none.
	OnBehalfOf string
	// FourEyes holds the reversal for approval when it says so of the
	// payment it reverses.
	FourEyes FourEyes
}

// ReverseRepayment appends a reversal of a repayment; the fold then
// replays as if the payment had never been received. Nothing is deleted.
func (l *Loans) ReverseRepayment(ctx context.Context, p ReverseRepaymentParams) (RepaymentResult, error) {
	e := writeChecks(p.RequestID, "loan_id", p.LoanID)
	if p.Seq <= 0 {
		e.Add("seq", "required: the seq of the repayment event to reverse")
	}
	if p.Reason == "" {
		e.Add("reason", "required")
	}
	req := request{method: "ReverseRepayment", id: p.RequestID, hash: p.RequestHash}
	return idempotent(ctx, l, write[RepaymentResult]{req: req, loanID: p.LoanID, invalid: e.Err(), answer: l.repaymentResult,
		decide: appendsReplayed(l, req, p.FourEyes, func(lg loanLog, now time.Time) (plan, error) { return reversal(p, lg, now) },
			func(lg loanLog, seq int64, after LoanView, held *ActionView) RepaymentResult {
				if held != nil {
					return RepaymentResult{Seq: seq, Loan: after, Pending: held}
				}
				// A reversal answers with the allocation of the payment it
				// reversed, as it stood before.
				before := lg.fold(after.AsOf)
				return RepaymentResult{Seq: seq, Allocation: paymentOf(before, p.Seq), Loan: after,
					ChangedSeqs: changedPayments(before, after.state, p.Seq)}
			})})
}

// reversal is the plan of a reversal on the loan as read at now. It moves
// the payment it reverses.
func reversal(p ReverseRepaymentParams, lg loanLog, now time.Time) (plan, error) {
	target, err := reversible(lg, p.Seq)
	if err != nil {
		return plan{}, err
	}
	c := lg.terms.Currency
	amount, err := money.ParseAmount(target.Amount, c)
	if err != nil {
		return plan{}, fmt.Errorf("loan %s: event %d amount: %w", p.LoanID, p.Seq, err)
	}
	return plan{event: store.EventRecord{LoanID: p.LoanID, Seq: lg.loan.Version + 1, Kind: store.KindReversal, ValueDate: target.ValueDate,
		RecordedAt: now, RequestID: p.RequestID, Actor: p.Actor, OnBehalfOf: p.OnBehalfOf, TargetSeq: p.Seq, Reason: p.Reason},
		held:  heldRequest{Method: "ReverseRepayment", LoanID: p.LoanID, Seq: p.Seq, Reason: p.Reason, Amount: amount.Format(c)},
		moved: amount}, nil
}

// reversible returns the repayment seq of the loan's log, refusing one
// that is reversed already or is no repayment, and one a signed
// agreement's figures were computed with: reversing it would silently
// change them.
func reversible(lg loanLog, seq int64) (store.EventRecord, error) {
	var target *store.EventRecord
	for i, ev := range lg.events {
		if ev.Seq == seq {
			target = &lg.events[i]
		}
		if ev.Kind == store.KindReversal && ev.TargetSeq == seq {
			return store.EventRecord{}, refuse(ReasonAlreadyReversed, "event %d was already reversed by event %d", seq, ev.Seq)
		}
	}
	if target == nil {
		return store.EventRecord{}, store.ErrNotFound
	}
	if target.Kind != store.KindRepayment {
		return store.EventRecord{}, refuse(ReasonNotARepayment, "event %d is a %s, not a repayment", seq, target.Kind)
	}
	for _, ev := range lg.events {
		if ev.Kind == store.KindAgreementAccepted && target.ValueDate <= ev.ValueDate {
			d, _ := decodeAgreement(ev)
			return store.EventRecord{}, refuse(ReasonAgreementSigned,
				"repayment %d (value date %s) is before agreement %s, signed with effect from %s; reversing it would change the agreement's figures",
				seq, target.ValueDate, d.AgreementID, ev.ValueDate)
		}
	}
	return *target, nil
}
