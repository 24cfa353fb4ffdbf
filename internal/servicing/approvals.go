package servicing

import (
	"context"
	"errors"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/store"
)

// ForbiddenError is a call refused because of who is making it: a maker
// approving their own action, a checker whose roles may not approve it.
type ForbiddenError struct{ Message string }

func (e *ForbiddenError) Error() string { return e.Message }

// DecideActionParams are the inputs of ApproveAction and RejectAction.
type DecideActionParams struct {
	RequestID   string
	RequestHash string
	ActionID    string
	// Reason is why a rejection rejects; required to reject.
	Reason string
	// Checker is who decides: the authenticated subject. It may not be
	// the maker.
	Checker string
	// MayDecide reports whether the checker's roles may approve or reject
	// calls of a method ("WaiveAmounts"); the policy behind it lives above
	// servicing. nil refuses every decision.
	MayDecide func(method string) bool
}

// Decision is what ApproveAction or RejectAction did.
type Decision struct {
	Action ActionView
	// Seq is the event the decision appended: what approval executed, or
	// the ACTION_REJECTED.
	Seq int64
	// Loan is the loan after it, as of today (the later of today and an
	// agreement's effective date, for an approved acceptance).
	Loan LoanView
}

// ApproveAction approves a pending four-eyes action and executes it
// exactly as it was requested, once: its request is decided again on the
// loan's log as it is now, and its event appended with the checker as
// actor and the action's id. If the loan changed so that the request
// would now be refused, nothing is written: ACTION_NO_LONGER_APPLIES, and
// the action stays pending, to be rejected.
func (l *Loans) ApproveAction(ctx context.Context, p DecideActionParams) (Decision, error) {
	req := request{method: "ApproveAction", id: p.RequestID, hash: p.RequestHash}
	return idempotent(ctx, l, write[Decision]{req: req, invalid: writeChecks(p.RequestID, "action_id", p.ActionID).Err(),
		load:   l.actionLoader(p),
		answer: l.decisionAt,
		decide: func(ctx context.Context, lg loanLog, now time.Time) (Decision, error) {
			a, err := pendingFor(lg, p)
			if err != nil {
				return Decision{Action: a}, err
			}
			view, seq, err := l.execute(ctx, lg, a, req, p.Checker, now)
			var inv *engine.InvalidError
			var pre *PreconditionError
			if errors.As(err, &inv) || errors.As(err, &pre) {
				return Decision{Action: a}, refuse(ReasonActionNoLongerApplies,
					"action %s (%s) no longer applies to loan %s: %v; reject it", a.ActionID, a.Method, a.LoanID, err)
			}
			if err != nil {
				return Decision{Action: a}, err
			}
			return l.decided(ctx, lg, a.ActionID, seq, view)
		}})
}

// RejectAction rejects a pending four-eyes action: ACTION_REJECTED with
// the checker and the reason; the action is never executed.
func (l *Loans) RejectAction(ctx context.Context, p DecideActionParams) (Decision, error) {
	e := writeChecks(p.RequestID, "action_id", p.ActionID)
	if p.Reason == "" {
		e.Add("reason", "required")
	}
	req := request{method: "RejectAction", id: p.RequestID, hash: p.RequestHash}
	return idempotent(ctx, l, write[Decision]{req: req, invalid: e.Err(),
		load:   l.actionLoader(p),
		answer: l.decisionAt,
		decide: func(ctx context.Context, lg loanLog, now time.Time) (Decision, error) {
			a, err := pendingFor(lg, p)
			if err != nil {
				return Decision{Action: a}, err
			}
			ev, err := withActionID(store.EventRecord{LoanID: lg.loan.LoanID, Seq: lg.loan.Version + 1, Kind: store.KindActionRejected,
				ValueDate: l.dateAt(now).String(), RecordedAt: now, RequestID: p.RequestID, Actor: p.Checker, Reason: p.Reason}, a.ActionID)
			if err != nil {
				return Decision{Action: a}, err
			}
			view, err := l.appendReplayed(ctx, lg, ev, req, l.dateAt(now), actionRecord(a, store.ActionRejected, now))
			if err != nil {
				return Decision{Action: a}, err
			}
			return l.decided(ctx, lg, a.ActionID, ev.Seq, view)
		}})
}

// actionLoader reads the loan of the action a decision names, with the
// record of its request.
func (l *Loans) actionLoader(p DecideActionParams) func(context.Context, time.Time, bool) (loanLog, *store.RequestRecord, error) {
	return func(ctx context.Context, _ time.Time, _ bool) (loanLog, *store.RequestRecord, error) {
		rec, err := l.store.FindAction(ctx, store.ActionKey{ActionID: p.ActionID})
		if err != nil {
			return loanLog{}, nil, err
		}
		return l.loadWithRequest(ctx, rec.LoanID, p.RequestID, time.Time{})
	}
}

// pendingFor finds the action a decision names on its loan and checks the
// decision may be made: the action is pending, the checker is not its
// maker, and the checker's roles may decide its method.
func pendingFor(lg loanLog, p DecideActionParams) (ActionView, error) {
	a, err := findAction(lg, p.ActionID)
	switch {
	case err != nil:
		return a, err
	case a.Status != store.ActionPending:
		return a, refuse(ReasonActionNotPending, "action %s is %s; only a pending action can be approved or rejected", a.ActionID, a.Status)
	case p.Checker == a.Maker:
		return a, &ForbiddenError{Message: "the maker of action " + a.ActionID + " may not approve or reject it: a second person must"}
	case p.MayDecide == nil || !p.MayDecide(a.Method):
		return a, &ForbiddenError{Message: "the caller's roles may not approve or reject " + a.Method}
	}
	return a, nil
}

// actionRecord is the projection row of an action with a new status.
func actionRecord(a ActionView, status string, at time.Time) *store.ActionRecord {
	return &store.ActionRecord{ActionID: a.ActionID, LoanID: a.LoanID, Method: a.Method, Status: status, Maker: a.Maker, UpdatedAt: at}
}

// decided is a decision's answer: the action after the event seq that
// decided it, worked out from the log as known when that event was
// recorded (read again: decisions are rare, and the log then says
// exactly what a retry's answer will).
func (l *Loans) decided(ctx context.Context, lg loanLog, actionID string, seq int64, view LoanView) (Decision, error) {
	after, err := l.load(ctx, lg.loan.LoanID, view.KnownAt)
	if err != nil {
		return Decision{}, err
	}
	a, err := findAction(after, actionID)
	return Decision{Action: a, Seq: seq, Loan: view}, err
}

// decisionAt rebuilds the answer to a recorded decision from the log as
// it was then.
func (l *Loans) decisionAt(ctx context.Context, r store.RequestRecord) (Decision, error) {
	lg, err := l.load(ctx, r.LoanID, r.RecordedAt)
	if err != nil {
		return Decision{}, err
	}
	var id string
	for _, e := range lg.events {
		if e.Seq == r.Seq {
			id = ActionIDOf(e)
		}
	}
	a, err := findAction(lg, id)
	if err != nil {
		return Decision{}, err
	}
	asOf := l.dateAt(r.RecordedAt)
	if a.Method == "AcceptAgreement" && a.Status == store.ActionApproved {
		if ags, err := agreementsOf(lg, lg.fold(asOf), asOf); err == nil {
			if g, err := findAgreement(ags, a.held.AgreementID); err == nil {
				asOf = max(asOf, g.EffectiveDate)
			}
		}
	}
	return Decision{Action: a, Seq: r.Seq, Loan: l.view(lg, asOf, r.RecordedAt)}, nil
}
