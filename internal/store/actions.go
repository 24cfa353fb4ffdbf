package store

import (
	"context"
	"time"
)

// Actions is the projection of four-eyes actions (calls held for a second
// person's approval): which loan's log holds each one, the call held, its
// maker and its status as of its last event. The log is the truth — an
// ACTION_REQUESTED event, then the event its approval executed or an
// ACTION_REJECTED — and the rows serve lookups by id and the list of
// what is pending across loans. Rows are written with their event
// (AppendEventParams.Action).
type Actions interface {
	// FindAction returns an action's projection row. ErrNotFound if
	// unknown.
	FindAction(ctx context.Context, p ActionKey) (ActionRecord, error)
	// ListActions returns action rows ordered by id, filtered, at most
	// Limit.
	ListActions(ctx context.Context, p ActionQuery) ([]ActionRecord, error)
}

// ActionRecord is a four-eyes action's row in the actions projection.
type ActionRecord struct {
	ActionID string
	LoanID   string
	// Method is the call held, e.g. "WaiveAmounts".
	Method string
	// Status is PENDING_APPROVAL, APPROVED or REJECTED.
	Status    string
	Maker     string
	UpdatedAt time.Time
}

// ActionKey names one action, for Actions.FindAction.
type ActionKey struct{ ActionID string }

// ActionQuery is the input of Actions.ListActions.
type ActionQuery struct {
	LoanID string
	// Statuses keeps rows with any of these statuses; empty keeps all.
	Statuses []string
	// AfterActionID continues a listing after this id.
	AfterActionID string
	Limit         int
}
