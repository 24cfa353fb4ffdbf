package servicing

import (
	"context"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/store"
)

// WriteOffLoanParams are the inputs of WriteOffLoan.
type WriteOffLoanParams struct {
	RequestID   string
	RequestHash string
	LoanID      string
	Reason      string
	// ValueDate is NoDate for today.
	ValueDate engine.Date
	Actor     string
	// OnBehalfOf is the end user Actor acts for, recorded beside it; "" for none.
	OnBehalfOf string
	// FourEyes holds the write-off for approval when it says so of what
	// the loan owes on its value date.
	FourEyes FourEyes
}

// WriteOffResult is what WriteOffLoan did.
type WriteOffResult struct {
	Seq  int64
	Loan LoanView
	// Pending is the action holding the write-off for approval; nil when
	// it was executed.
	Pending *ActionView
}

// WriteOffLoan writes a loan off (核销): penalty and compound interest stop
// after its value date and the loan is WRITTEN_OFF; later repayments are
// recoveries.
func (l *Loans) WriteOffLoan(ctx context.Context, p WriteOffLoanParams) (WriteOffResult, error) {
	req := request{method: "WriteOffLoan", id: p.RequestID, hash: p.RequestHash}
	return idempotent(ctx, l, write[WriteOffResult]{req: req, loanID: p.LoanID, invalid: checkOperatorRequest(p.RequestID, p.LoanID, p.Reason),
		answer: l.writeOffResult,
		decide: appendsReplayed(l, req, p.FourEyes, func(lg loanLog, now time.Time) (plan, error) { return l.writeOff(p, lg, now) },
			func(_ loanLog, seq int64, after LoanView, held *ActionView) WriteOffResult {
				return WriteOffResult{Seq: seq, Loan: after, Pending: held}
			})})
}

// writeOff is the plan of a write-off on the loan as read at now,
// refusing a loan written off already or paid off. It moves everything
// the loan owes on its value date.
func (l *Loans) writeOff(p WriteOffLoanParams, lg loanLog, now time.Time) (plan, error) {
	today := l.dateAt(now)
	var e engine.InvalidError
	vd := valueDate(&e, p.ValueDate, today, lg.terms)
	if err := e.Err(); err != nil {
		return plan{}, err
	}
	for _, ev := range lg.events {
		if ev.Kind == store.KindWriteOff {
			return plan{}, refuse(ReasonAlreadyWrittenOff, "loan %s was written off by event %d on %s", p.LoanID, ev.Seq, ev.ValueDate)
		}
	}
	if statusOf(lg.fold(today)) == store.StatusPaidOff {
		return plan{}, refuse(ReasonLoanPaidOff, "loan %s is PAID_OFF; nothing is owed", p.LoanID)
	}
	at := engine.FoldSchedule(lg.terms, lg.schedule, lg.evs, vd)
	owed := at.PayoffAt(lg.terms).Total()
	c := lg.terms.Currency
	return plan{event: store.EventRecord{LoanID: p.LoanID, Seq: lg.loan.Version + 1, Kind: store.KindWriteOff, ValueDate: vd.String(), RecordedAt: now,
		RequestID: p.RequestID, Actor: p.Actor, OnBehalfOf: p.OnBehalfOf, Reason: p.Reason},
		held:  heldRequest{Method: "WriteOffLoan", LoanID: p.LoanID, Reason: p.Reason, ValueDate: vd.String(), Amount: owed.Format(c)},
		moved: owed}, nil
}

// writeOffResult rebuilds the answer to a recorded write-off from the log
// as it was then.
func (l *Loans) writeOffResult(ctx context.Context, r store.RequestRecord) (WriteOffResult, error) {
	lg, err := l.load(ctx, r.LoanID, r.RecordedAt)
	if err != nil {
		return WriteOffResult{}, err
	}
	held, err := heldAt(lg, r.Seq)
	return WriteOffResult{Seq: r.Seq, Loan: l.view(lg, l.dateAt(r.RecordedAt), r.RecordedAt), Pending: held}, err
}
