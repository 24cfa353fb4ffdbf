package servicing

import (
	"context"
	"fmt"
	"time"

	"github.com/loancore/loancore/internal/store"
)

// execute decides a held request again on the loan's log as it is now and
// appends its event, with checker as actor (on behalf of no one), the
// approval's request, and the action's id in its payload, the action's
// projection row APPROVED in the same append. It returns the loan after
// it and the event's seq.
func (l *Loans) execute(ctx context.Context, lg loanLog, a ActionView, req request, checker string, now time.Time) (LoanView, int64, error) {
	h := a.held
	vd, err := parseHeldDate(h.ValueDate)
	if err != nil {
		return LoanView{}, 0, fmt.Errorf("action %s: value date: %w", a.ActionID, err)
	}
	var pl plan
	switch h.Method {
	case "WaiveAmounts":
		pl, err = l.waiver(WaiveAmountsParams{RequestID: req.id, LoanID: h.LoanID, Penalty: h.Penalty, Compound: h.Compound,
			Interest: h.Interest, Fees: h.Fees, Reason: h.Reason, ValueDate: vd, Actor: checker}, lg, now)
	case "WriteOffLoan":
		pl, err = l.writeOff(WriteOffLoanParams{RequestID: req.id, LoanID: h.LoanID, Reason: h.Reason, ValueDate: vd, Actor: checker}, lg, now)
	case "ReverseRepayment":
		pl, err = reversal(ReverseRepaymentParams{RequestID: req.id, LoanID: h.LoanID, Seq: h.Seq, Reason: h.Reason, Actor: checker}, lg, now)
	case "AcceptAgreement":
		return l.executeAcceptance(ctx, lg, a, req, checker, now)
	default:
		return LoanView{}, 0, fmt.Errorf("action %s: no way to execute %q", a.ActionID, h.Method)
	}
	if err != nil {
		return LoanView{}, 0, err
	}
	ev, err := withActionID(pl.event, a.ActionID)
	if err != nil {
		return LoanView{}, 0, err
	}
	view, err := l.appendReplayed(ctx, lg, ev, req, l.dateAt(now), actionRecord(a, store.ActionApproved, now))
	return view, ev.Seq, err
}

// executeAcceptance executes a held AcceptAgreement: the acceptance is
// decided again (the quote made again must still equal the frozen one)
// and appended with the agreement's and the action's rows.
func (l *Loans) executeAcceptance(ctx context.Context, lg loanLog, a ActionView, req request, checker string, now time.Time) (LoanView, int64, error) {
	h := a.held
	g, ev, err := l.acceptance(AcceptAgreementParams{RequestID: req.id, AgreementID: h.AgreementID, SignedBy: h.SignedBy, Actor: checker}, lg, now)
	if err != nil {
		return LoanView{}, 0, err
	}
	doc := g.doc()
	doc.SignedBy, doc.ActionID = h.SignedBy, a.ActionID
	w, err := l.appendAgreementEvent(ctx, lg, ev, doc, AgreementActive, req, max(l.dateAt(now), g.EffectiveDate),
		actionRecord(a, store.ActionApproved, now))
	return w.loan, ev.Seq, err
}
