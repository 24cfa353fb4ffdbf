package servicing

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/money"
	"github.com/loancore/loancore/internal/store"
)

// Four-eyes (maker-checker, 双人复核): a write the policy marks is held,
// not executed. Its decision is made as usual — a request that would be
// refused is refused at once — and then, instead of its event, the loan's
// log gets an ACTION_REQUESTED event carrying the request as it will be
// executed (heldRequest), with the maker as its actor. The fold ignores
// it, so no figure changes. Approving it decides the request again on the
// log as it is then and appends its event with the checker as actor and
// the action's id in its payload; rejecting it appends ACTION_REJECTED.
// The actions projection (store.Actions) serves lookups by id and the
// list of what is pending.

// FourEyes says whether a call needs a second person: given the total it
// moves in the loan's currency, whether it is held for approval. The
// policy behind it lives above servicing; nil never holds.
type FourEyes func(total money.Amount, c money.Currency) bool

// heldRequest is the payload of ACTION_REQUESTED: the call as approval
// will execute it, its defaults resolved, and what it moves.
type heldRequest struct {
	ActionID    string `json:"action_id"`
	Method      string `json:"method"`
	LoanID      string `json:"loan_id,omitempty"`
	AgreementID string `json:"agreement_id,omitempty"`
	Penalty     string `json:"penalty,omitempty"`
	Compound    string `json:"compound,omitempty"`
	Interest    string `json:"interest,omitempty"`
	Fees        string `json:"fees,omitempty"`
	Seq         int64  `json:"seq,omitempty"`
	Reason      string `json:"reason,omitempty"`
	ValueDate   string `json:"value_date,omitempty"`
	SignedBy    string `json:"signed_by,omitempty"`
	// Amount is what the call moves, in the loan's currency.
	Amount string `json:"amount"`
}

// plan is a write decided but not yet appended: its event, the request
// as four-eyes would hold it, and the total it moves.
type plan struct {
	event store.EventRecord
	held  heldRequest
	moved money.Amount
}

// appendOrHold appends a plan's event decided on the loan's whole log,
// or, when fourEyes holds it, an ACTION_REQUESTED carrying it. It returns
// the loan after what it appended as of today, the event's seq, and the
// action when it held the call.
func (l *Loans) appendOrHold(ctx context.Context, lg loanLog, pl plan, req request, fourEyes FourEyes, now time.Time) (LoanView, int64, *ActionView, error) {
	if holds(fourEyes, pl, lg) {
		return l.hold(ctx, lg, pl, req, now)
	}
	view, err := l.appendReplayed(ctx, lg, pl.event, req, l.dateAt(now), nil)
	return view, pl.event.Seq, nil, err
}

// holds reports whether fourEyes holds the plan on the loan.
func holds(fourEyes FourEyes, pl plan, lg loanLog) bool {
	return fourEyes != nil && fourEyes(pl.moved, lg.terms.Currency)
}

// hold appends the ACTION_REQUESTED that holds a plan for approval, with
// the plan's maker and reason, and the action's projection row; it
// returns the loan after it as of today (no figure changed), the event's
// seq and the action, pending.
func (l *Loans) hold(ctx context.Context, lg loanLog, pl plan, req request, now time.Time) (LoanView, int64, *ActionView, error) {
	h := pl.held
	h.ActionID = newActionID(now)
	doc, err := json.Marshal(h)
	if err != nil {
		return LoanView{}, 0, nil, err
	}
	today := l.dateAt(now)
	ev := store.EventRecord{LoanID: lg.loan.LoanID, Seq: lg.loan.Version + 1, Kind: store.KindActionRequested, ValueDate: today.String(),
		RecordedAt: now, RequestID: req.id, Actor: pl.event.Actor, OnBehalfOf: pl.event.OnBehalfOf, Reason: pl.event.Reason, Payload: string(doc)}
	rec := &store.ActionRecord{ActionID: h.ActionID, LoanID: lg.loan.LoanID, Method: h.Method, Status: store.ActionPending, Maker: ev.Actor, UpdatedAt: now}
	view, err := l.appendReplayed(ctx, lg, ev, req, today, rec)
	if err != nil {
		return LoanView{}, 0, nil, err
	}
	after, err := lg.withEvent(ev)
	if err != nil {
		return LoanView{}, 0, nil, err
	}
	a, err := findAction(after, h.ActionID)
	return view, ev.Seq, &a, err
}

// appendsReplayed is the decision of a write decided on the loan's whole
// log that four-eyes may hold (a reversal, a waiver, a write-off): plan
// decides it, result makes the answer from the log it was decided on,
// the seq appended, the loan after it and the action if it was held.
func appendsReplayed[T any](l *Loans, req request, fourEyes FourEyes, decide func(lg loanLog, now time.Time) (plan, error),
	result func(lg loanLog, seq int64, after LoanView, held *ActionView) T) func(context.Context, loanLog, time.Time) (T, error) {
	return func(ctx context.Context, lg loanLog, now time.Time) (T, error) {
		var zero T
		pl, err := decide(lg, now)
		if err != nil {
			return zero, err
		}
		view, seq, held, err := l.appendOrHold(ctx, lg, pl, req, fourEyes, now)
		if err != nil {
			return zero, err
		}
		return result(lg, seq, view, held), nil
	}
}

// newActionID returns a server-assigned action id that sorts by creation
// time and never collides.
func newActionID(now time.Time) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("AC%014x%s", now.UnixMicro(), hex.EncodeToString(b[:]))
}

// actionRef is what every payload that belongs to an action carries: its
// id, under the same key in each kind's document.
type actionRef struct {
	ActionID string `json:"action_id,omitempty"`
}

// ActionIDOf returns the id of the four-eyes action an event belongs to
// (its request, its rejection or what its approval executed), or "".
func ActionIDOf(e store.EventRecord) string {
	var ref actionRef
	if e.Payload == "" || json.Unmarshal([]byte(e.Payload), &ref) != nil {
		return ""
	}
	return ref.ActionID
}

// withActionID is e with the action's id added to its payload, which is
// made for the purpose when e has none.
func withActionID(e store.EventRecord, actionID string) (store.EventRecord, error) {
	doc := map[string]any{}
	if e.Payload != "" {
		if err := json.Unmarshal([]byte(e.Payload), &doc); err != nil {
			return e, fmt.Errorf("event %d payload: %w", e.Seq, err)
		}
	}
	doc["action_id"] = actionID
	b, err := json.Marshal(doc)
	e.Payload = string(b)
	return e, err
}

// heldAt returns the action a request held, when the event it wrote (seq)
// is an ACTION_REQUESTED of lg: the answer a retry of that request gets.
func heldAt(lg loanLog, seq int64) (*ActionView, error) {
	for _, e := range lg.events {
		if e.Seq == seq && e.Kind == store.KindActionRequested {
			a, err := findAction(lg, ActionIDOf(e))
			return &a, err
		}
	}
	return nil, nil
}

// parseHeldDate reads a held request's value date.
func parseHeldDate(s string) (engine.Date, error) {
	if s == "" {
		return engine.NoDate, nil
	}
	return engine.ParseDate(s)
}
