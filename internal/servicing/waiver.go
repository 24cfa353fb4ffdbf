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

// WaiveAmountsParams are the inputs of WaiveAmounts. Amounts are decimal
// strings in the loan's currency; empty means none.
type WaiveAmountsParams struct {
	RequestID   string
	RequestHash string
	LoanID      string
	Penalty     string
	Compound    string
	Interest    string
	// Fees are the fees to waive, of installments due by the value date.
	Fees   string
	Reason string
	// ValueDate is NoDate for today.
	ValueDate engine.Date
	Actor     string
	// OnBehalfOf is the end user Actor acts for, recorded beside it; "" for none.
	OnBehalfOf string
	// FourEyes holds the waiver for approval when it says so of its total.
	FourEyes FourEyes
}

// WaiverResult is what WaiveAmounts did.
type WaiverResult struct {
	Seq    int64
	Waived engine.WaiverResult
	Loan   LoanView
	// Pending is the action holding the waiver for approval; nil when it
	// was executed.
	Pending *ActionView
}

// WaiveAmounts records an operator's waiver (减免) of penalty, compound
// interest and overdue contract interest as of a date. Asking to waive more
// of a component than is owed of it then is refused.
func (l *Loans) WaiveAmounts(ctx context.Context, p WaiveAmountsParams) (WaiverResult, error) {
	req := request{method: "WaiveAmounts", id: p.RequestID, hash: p.RequestHash}
	return idempotent(ctx, l, write[WaiverResult]{req: req, loanID: p.LoanID, invalid: checkOperatorRequest(p.RequestID, p.LoanID, p.Reason),
		answer: l.waiverResult,
		decide: appendsReplayed(l, req, p.FourEyes, func(lg loanLog, now time.Time) (plan, error) { return l.waiver(p, lg, now) },
			func(_ loanLog, seq int64, after LoanView, held *ActionView) WaiverResult {
				if held != nil {
					return WaiverResult{Seq: seq, Loan: after, Pending: held}
				}
				return WaiverResult{Seq: seq, Waived: waiverOf(after.state, seq), Loan: after}
			})})
}

// waiver is the plan of a waiver on the loan as read at now: its amounts
// parsed in the loan's currency and checked against what is owed on its
// value date, before anything that day brings.
func (l *Loans) waiver(p WaiveAmountsParams, lg loanLog, now time.Time) (plan, error) {
	today, c := l.dateAt(now), lg.terms.Currency
	var e engine.InvalidError
	penalty, compound, interest := waivedAmount(&e, "penalty", p.Penalty, c), waivedAmount(&e, "compound", p.Compound, c), waivedAmount(&e, "interest", p.Interest, c)
	fees := waivedAmount(&e, "fees", p.Fees, c)
	if e.Err() == nil && penalty+compound+interest+fees == 0 {
		e.Add("penalty", "give at least one of penalty, compound, interest and fees greater than zero")
	}
	vd := valueDate(&e, p.ValueDate, today, lg.terms)
	if err := e.Err(); err != nil {
		return plan{}, err
	}
	if statusOf(lg.fold(today)) == store.StatusPaidOff {
		return plan{}, refuse(ReasonLoanPaidOff, "loan %s is PAID_OFF; nothing is owed", p.LoanID)
	}
	// Penalty and compound charged through the day before, interest of the
	// installments due by then.
	at := engine.FoldSchedule(lg.terms, lg.schedule, lg.evs, vd)
	owed, owedInterest := at.PayoffAt(lg.terms), at.Outstanding().Interest
	if penalty > owed.Penalty || compound > owed.Compound || interest > owedInterest || fees > owed.Fees {
		return plan{}, refuse(ReasonWaiverExceedsOwed,
			"on %s the loan owes penalty %s, compound %s, overdue interest %s and fees %s; a waiver cannot exceed them",
			vd, owed.Penalty.Format(c), owed.Compound.Format(c), owedInterest.Format(c), owed.Fees.Format(c))
	}
	wp := waiverPayload{Penalty: penalty.Format(c), Compound: compound.Format(c), Interest: interest.Format(c)}
	var heldFees string
	if fees > 0 {
		// Only then, so waivers without fees are written as before.
		wp.Fees, heldFees = fees.Format(c), fees.Format(c)
	}
	doc, err := json.Marshal(wp)
	if err != nil {
		return plan{}, err
	}
	total := penalty + compound + interest + fees
	return plan{event: store.EventRecord{LoanID: p.LoanID, Seq: lg.loan.Version + 1, Kind: store.KindWaiver, ValueDate: vd.String(), RecordedAt: now,
		RequestID: p.RequestID, Actor: p.Actor, OnBehalfOf: p.OnBehalfOf, Reason: p.Reason, Payload: string(doc)},
		held: heldRequest{Method: "WaiveAmounts", LoanID: p.LoanID, Penalty: penalty.Format(c), Compound: compound.Format(c),
			Interest: interest.Format(c), Fees: heldFees, Reason: p.Reason, ValueDate: vd.String(), Amount: total.Format(c)},
		moved: total}, nil
}

// waivedAmount parses one amount of a waiver ("" is none), adding a
// violation of field for one that does not parse or is negative.
func waivedAmount(e *engine.InvalidError, field, s string, c money.Currency) money.Amount {
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
	view := l.view(lg, l.dateAt(r.RecordedAt), r.RecordedAt)
	held, err := heldAt(lg, r.Seq)
	if held != nil || err != nil {
		return WaiverResult{Seq: r.Seq, Loan: view, Pending: held}, err
	}
	return WaiverResult{Seq: r.Seq, Waived: waiverOf(view.state, r.Seq), Loan: view}, nil
}

// waiverPayload is how a waiver's amounts are written down in its event.
type waiverPayload struct {
	Penalty  string `json:"penalty"`
	Compound string `json:"compound"`
	Interest string `json:"interest"`
	// Fees is absent from waivers of no fees, and from every waiver
	// written before fees existed.
	Fees string `json:"fees,omitempty"`
}

// WaiverFees returns the fees a waiver event names, as written ("" for
// none, or an event that is not a waiver or cannot be read).
func WaiverFees(e store.EventRecord) string {
	var doc waiverPayload
	if e.Kind != store.KindWaiver || json.Unmarshal([]byte(e.Payload), &doc) != nil {
		return ""
	}
	return doc.Fees
}

// decodeWaiverFees reads the fees of a waiver event; zero for none.
func decodeWaiverFees(terms engine.Terms, e store.EventRecord) (money.Amount, error) {
	s := WaiverFees(e)
	if s == "" {
		return 0, nil
	}
	a, err := money.ParseAmount(s, terms.Currency)
	if err != nil {
		return 0, fmt.Errorf("event %d payload: fees: %w", e.Seq, err)
	}
	return a, nil
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
