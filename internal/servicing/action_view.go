package servicing

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/loancore/loancore/internal/money"
	"github.com/loancore/loancore/internal/store"
)

// ActionView is a four-eyes action and where it stands, worked out from
// its loan's log.
type ActionView struct {
	ActionID string
	LoanID   string
	// Method is the call held: WaiveAmounts, WriteOffLoan,
	// ReverseRepayment or AcceptAgreement.
	Method string
	// Status is store.ActionPending, ActionApproved or ActionRejected.
	Status          string
	Maker           string
	MakerOnBehalfOf string
	RequestedAt     time.Time
	RequestSeq      int64
	// RequestJSON is the request as approval executes it.
	RequestJSON string
	// Amount is what the call moves, in Currency.
	Amount   money.Amount
	Currency money.Currency
	// Checker approved or rejected it at DecidedAt; RejectReason says why
	// it was rejected; ExecutedSeq is the event approval appended.
	Checker      string
	DecidedAt    time.Time
	RejectReason string
	ExecutedSeq  int64
	// held is the request as ACTION_REQUESTED carries it.
	held heldRequest
}

// actionsOf works out a loan's four-eyes actions from its log, in the
// order they were requested.
func actionsOf(lg loanLog) ([]ActionView, error) {
	var out []ActionView
	byID := map[string]int{}
	for _, e := range lg.events {
		id := ActionIDOf(e)
		if id == "" {
			continue
		}
		if e.Kind == store.KindActionRequested {
			a, err := requestedAction(lg, e)
			if err != nil {
				return nil, err
			}
			byID[id] = len(out)
			out = append(out, a)
			continue
		}
		i, ok := byID[id]
		if !ok {
			return nil, fmt.Errorf("loan %s: event %d: no action %s requested before it", lg.loan.LoanID, e.Seq, id)
		}
		a := &out[i]
		a.Checker, a.DecidedAt, a.Status = e.Actor, e.RecordedAt, store.ActionApproved
		if e.Kind == store.KindActionRejected {
			a.Status, a.RejectReason = store.ActionRejected, e.Reason
		} else {
			a.ExecutedSeq = e.Seq
		}
	}
	return out, nil
}

// requestedAction is the action an ACTION_REQUESTED event holds, pending.
func requestedAction(lg loanLog, e store.EventRecord) (ActionView, error) {
	var h heldRequest
	if err := json.Unmarshal([]byte(e.Payload), &h); err != nil {
		return ActionView{}, fmt.Errorf("loan %s: event %d payload: %w", lg.loan.LoanID, e.Seq, err)
	}
	amount, err := money.ParseAmount(h.Amount, lg.terms.Currency)
	if err != nil {
		return ActionView{}, fmt.Errorf("loan %s: event %d amount: %w", lg.loan.LoanID, e.Seq, err)
	}
	return ActionView{ActionID: h.ActionID, LoanID: lg.loan.LoanID, Method: h.Method, Status: store.ActionPending, Maker: e.Actor,
		MakerOnBehalfOf: e.OnBehalfOf, RequestedAt: e.RecordedAt, RequestSeq: e.Seq, RequestJSON: e.Payload, Amount: amount,
		Currency: lg.terms.Currency, held: h}, nil
}

// findAction picks one action out of a loan's log; store.ErrNotFound if
// the log holds none of that id.
func findAction(lg loanLog, id string) (ActionView, error) {
	actions, err := actionsOf(lg)
	if err != nil {
		return ActionView{}, err
	}
	for _, a := range actions {
		if a.ActionID == id {
			return a, nil
		}
	}
	return ActionView{}, store.ErrNotFound
}
