package servicing

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/money"
	"github.com/loancore/loancore/internal/store"
)

// waiverPayload is how a waiver's amounts are written down in its event.
type waiverPayload struct {
	Penalty  string `json:"penalty"`
	Compound string `json:"compound"`
	Interest string `json:"interest"`
}

// WaiverAmounts returns the amounts a waiver event names, as written
// ("" for an event that is not a waiver or cannot be read).
func WaiverAmounts(e store.EventRecord) (penalty, compound, interest string) {
	var doc waiverPayload
	if e.Kind != store.KindWaiver || json.Unmarshal([]byte(e.Payload), &doc) != nil {
		return "", "", ""
	}
	return doc.Penalty, doc.Compound, doc.Interest
}

// decodeWaiver reads a waiver event's amounts.
func decodeWaiver(terms engine.Terms, e store.EventRecord) (penalty, compound, interest money.Amount, err error) {
	var w waiverPayload
	if err := json.Unmarshal([]byte(e.Payload), &w); err != nil {
		return 0, 0, 0, fmt.Errorf("event %d payload: %w", e.Seq, err)
	}
	parse := func(s string) money.Amount {
		if s == "" || err != nil {
			return 0
		}
		var a money.Amount
		a, err = money.ParseAmount(s, terms.Currency)
		return a
	}
	penalty, compound, interest = parse(w.Penalty), parse(w.Compound), parse(w.Interest)
	if err != nil {
		err = fmt.Errorf("event %d payload: %w", e.Seq, err)
	}
	return penalty, compound, interest, err
}

// operatorDate checks the value date of an operator action: default today,
// not in the future, not before disbursement.
func operatorDate(e *engine.InvalidError, vd, today engine.Date, terms engine.Terms) engine.Date {
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

// checkOperatorRequest checks what every operator action names: a request
// id, a loan and a reason for the log.
func checkOperatorRequest(requestID, loanID, reason string) error {
	var e engine.InvalidError
	checkRequestID(&e, requestID)
	if loanID == "" {
		e.Add("loan_id", "required")
	}
	if reason == "" {
		e.Add("reason", "required")
	}
	return e.Err()
}

// WaiveAmountsParams are the inputs of WaiveAmounts. Amounts are decimal
// strings in the loan's currency; empty means none.
type WaiveAmountsParams struct {
	RequestID   string
	RequestHash string
	LoanID      string
	Penalty     string
	Compound    string
	Interest    string
	Reason      string
	// ValueDate is NoDate for today.
	ValueDate engine.Date
	Actor     string
}

// WaiverResult is what WaiveAmounts did.
type WaiverResult struct {
	Seq    int64
	Waived engine.WaiverResult
	Loan   LoanView
}

// WaiveAmounts records an operator's waiver (减免) of penalty, compound
// interest and overdue contract interest as of a date. Asking to waive more
// of a component than is owed of it then is refused.
func (l *Loans) WaiveAmounts(ctx context.Context, p WaiveAmountsParams) (WaiverResult, error) {
	if err := checkOperatorRequest(p.RequestID, p.LoanID, p.Reason); err != nil {
		return WaiverResult{}, err
	}
	return retryOnConflict(ctx, l.writers, p.LoanID, func() (WaiverResult, error) { return l.waiveAmounts(ctx, p) })
}

func (l *Loans) waiveAmounts(ctx context.Context, p WaiveAmountsParams) (WaiverResult, error) {
	lg, prior, err := l.loadWithRequest(ctx, p.LoanID, p.RequestID, time.Time{})
	if prior != nil {
		if err := sameRequest(*prior, "WaiveAmounts", p.RequestHash); err != nil {
			return WaiverResult{}, err
		}
		return l.waiverResult(ctx, *prior)
	}
	if err != nil {
		return WaiverResult{}, err
	}
	now := l.now().UTC()
	today := l.dateAt(now)
	c := lg.terms.Currency
	var e engine.InvalidError
	amount := func(field, s string) money.Amount {
		if s == "" {
			return 0
		}
		a, err := money.ParseAmount(s, c)
		switch {
		case err != nil:
			e.Add(field, "%v", err)
		case a < 0:
			e.Add(field, "must not be negative")
		}
		return a
	}
	penalty, compound, interest := amount("penalty", p.Penalty), amount("compound", p.Compound), amount("interest", p.Interest)
	if e.Err() == nil && penalty+compound+interest == 0 {
		e.Add("penalty", "give at least one of penalty, compound and interest greater than zero")
	}
	vd := operatorDate(&e, p.ValueDate, today, lg.terms)
	if err := e.Err(); err != nil {
		return WaiverResult{}, err
	}
	before, err := l.view(lg, today, time.Time{})
	if err != nil {
		return WaiverResult{}, err
	}
	if before.Status == store.StatusPaidOff {
		return WaiverResult{}, refuse(ReasonLoanPaidOff, "loan %s is PAID_OFF; nothing is owed", p.LoanID)
	}
	// What is owed on the value date, before anything it brings: penalty
	// and compound charged through the day before, interest of the
	// installments due by then.
	at := engine.FoldSchedule(lg.terms, lg.schedule, lg.evs, vd)
	owed := at.PayoffAt(lg.terms)
	owedInterest := at.Outstanding().Interest
	if penalty > owed.Penalty || compound > owed.Compound || interest > owedInterest {
		return WaiverResult{}, refuse(ReasonWaiverExceedsOwed, "on %s the loan owes penalty %s, compound %s and overdue interest %s; a waiver cannot exceed them",
			vd, owed.Penalty.Format(c), owed.Compound.Format(c), owedInterest.Format(c))
	}
	doc, err := json.Marshal(waiverPayload{Penalty: penalty.Format(c), Compound: compound.Format(c), Interest: interest.Format(c)})
	if err != nil {
		return WaiverResult{}, err
	}
	seq := lg.loan.Version + 1
	ev := store.EventRecord{LoanID: p.LoanID, Seq: seq, Kind: store.KindWaiver, ValueDate: vd.String(), RecordedAt: now,
		RequestID: p.RequestID, Actor: p.Actor, Reason: p.Reason, Payload: string(doc)}
	view, err := l.appendOperatorEvent(ctx, lg, ev, "WaiveAmounts", p.RequestHash, today)
	if err != nil {
		return WaiverResult{}, err
	}
	return WaiverResult{Seq: seq, Waived: waiverOf(view.state, seq), Loan: view}, nil
}

// appendOperatorEvent appends an operator's event and returns the loan
// after it, as of today.
func (l *Loans) appendOperatorEvent(ctx context.Context, lg loanLog, ev store.EventRecord, method, hash string, today engine.Date) (LoanView, error) {
	after, err := lg.withEvent(ev)
	if err != nil {
		return LoanView{}, err
	}
	view, err := l.view(after, today, time.Time{})
	if err != nil {
		return LoanView{}, err
	}
	l.cache.drop(lg.loan.LoanID)
	err = l.store.AppendEvent(ctx, store.AppendEventParams{LoanID: lg.loan.LoanID, ExpectedVersion: lg.loan.Version, Event: ev,
		SetStatus: statusChange(lg.loan.Status, view.Status),
		Request:   store.RequestRecord{RequestID: ev.RequestID, Method: method, RequestHash: hash, LoanID: lg.loan.LoanID, Seq: ev.Seq, RecordedAt: ev.RecordedAt}})
	if err != nil {
		return LoanView{}, err
	}
	view.KnownAt = ev.RecordedAt
	return view, nil
}

func waiverOf(st engine.LoanState, seq int64) engine.WaiverResult {
	for _, w := range st.Waivers {
		if w.Seq == seq {
			return w
		}
	}
	return engine.WaiverResult{Seq: seq}
}

// waiverResult rebuilds the answer to a recorded waiver from the log as it
// was then.
func (l *Loans) waiverResult(ctx context.Context, r store.RequestRecord) (WaiverResult, error) {
	lg, err := l.load(ctx, r.LoanID, r.RecordedAt)
	if err != nil {
		return WaiverResult{}, err
	}
	view, err := l.view(lg, l.dateAt(r.RecordedAt), r.RecordedAt)
	if err != nil {
		return WaiverResult{}, err
	}
	return WaiverResult{Seq: r.Seq, Waived: waiverOf(view.state, r.Seq), Loan: view}, nil
}

// WriteOffLoanParams are the inputs of WriteOffLoan.
type WriteOffLoanParams struct {
	RequestID   string
	RequestHash string
	LoanID      string
	Reason      string
	// ValueDate is NoDate for today.
	ValueDate engine.Date
	Actor     string
}

// WriteOffResult is what WriteOffLoan did.
type WriteOffResult struct {
	Seq  int64
	Loan LoanView
}

// WriteOffLoan writes a loan off (核销): penalty and compound interest stop
// after its value date and the loan is WRITTEN_OFF; later repayments are
// recoveries.
func (l *Loans) WriteOffLoan(ctx context.Context, p WriteOffLoanParams) (WriteOffResult, error) {
	if err := checkOperatorRequest(p.RequestID, p.LoanID, p.Reason); err != nil {
		return WriteOffResult{}, err
	}
	return retryOnConflict(ctx, l.writers, p.LoanID, func() (WriteOffResult, error) { return l.writeOffLoan(ctx, p) })
}

func (l *Loans) writeOffLoan(ctx context.Context, p WriteOffLoanParams) (WriteOffResult, error) {
	lg, prior, err := l.loadWithRequest(ctx, p.LoanID, p.RequestID, time.Time{})
	if prior != nil {
		if err := sameRequest(*prior, "WriteOffLoan", p.RequestHash); err != nil {
			return WriteOffResult{}, err
		}
		lg, err := l.load(ctx, prior.LoanID, prior.RecordedAt)
		if err != nil {
			return WriteOffResult{}, err
		}
		view, err := l.view(lg, l.dateAt(prior.RecordedAt), prior.RecordedAt)
		return WriteOffResult{Seq: prior.Seq, Loan: view}, err
	}
	if err != nil {
		return WriteOffResult{}, err
	}
	now := l.now().UTC()
	today := l.dateAt(now)
	var e engine.InvalidError
	vd := operatorDate(&e, p.ValueDate, today, lg.terms)
	if err := e.Err(); err != nil {
		return WriteOffResult{}, err
	}
	for _, ev := range lg.events {
		if ev.Kind == store.KindWriteOff {
			return WriteOffResult{}, refuse(ReasonAlreadyWrittenOff, "loan %s was written off by event %d on %s", p.LoanID, ev.Seq, ev.ValueDate)
		}
	}
	before, err := l.view(lg, today, time.Time{})
	if err != nil {
		return WriteOffResult{}, err
	}
	if before.Status == store.StatusPaidOff {
		return WriteOffResult{}, refuse(ReasonLoanPaidOff, "loan %s is PAID_OFF; nothing is owed", p.LoanID)
	}
	seq := lg.loan.Version + 1
	ev := store.EventRecord{LoanID: p.LoanID, Seq: seq, Kind: store.KindWriteOff, ValueDate: vd.String(), RecordedAt: now,
		RequestID: p.RequestID, Actor: p.Actor, Reason: p.Reason}
	view, err := l.appendOperatorEvent(ctx, lg, ev, "WriteOffLoan", p.RequestHash, today)
	if err != nil {
		return WriteOffResult{}, err
	}
	return WriteOffResult{Seq: seq, Loan: view}, nil
}
