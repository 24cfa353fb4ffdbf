package servicing

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/money"
	"github.com/loancore/loancore/internal/store"
)

// lineWrite is one idempotent write to an existing line, as lineWrites
// runs it: the request, what is wrong with it, how to answer a retry and
// the decision that appends.
type lineWrite[T any] struct {
	req    request
	lineID string
	// invalid is what is wrong with the request itself; nil if nothing.
	invalid error
	// answer rebuilds the first call's answer from its record.
	answer func(ctx context.Context, r store.RequestRecord) (T, error)
	// decide checks the request against the line as of today and
	// appends.
	decide func(ctx context.Context, v CreditLineView, now time.Time) (T, error)
}

// runLineWrite runs a line write as idempotent runs a loan's: refuse an
// invalid request before reading; in this process's turn on the line,
// read it with the request's record; answer a retry as the first call
// was answered; else decide from the line as of today. A lost race on the
// line's version (another drawdown, a freeze, a new limit) is decided
// again from the line as it then is.
func runLineWrite[T any](ctx context.Context, c *CreditLines, w lineWrite[T]) (T, error) {
	var zero T
	if w.invalid != nil {
		return zero, w.invalid
	}
	return retryOnConflict(ctx, c.loans.writers, "credit-line/"+w.lineID, func() (T, error) {
		lg, err := c.loadLine(ctx, store.LoadCreditLineParams{CreditLineID: w.lineID, RequestID: w.req.id})
		if err != nil {
			return zero, err
		}
		if r := lg.Request; r != nil {
			if err := sameRequest(*r, w.req.method, w.req.hash); err != nil {
				return zero, err
			}
			return w.answer(ctx, *r)
		}
		now := c.loans.now().UTC()
		v, err := c.view(ctx, lg, c.loans.dateAt(now), time.Time{})
		if err != nil {
			return zero, err
		}
		return w.decide(ctx, v, now)
	})
}

// LineActionParams are the inputs of the line's operator actions:
// FreezeCreditLine, UnfreezeCreditLine and CloseCreditLine (Limit unset),
// and ChangeLimit.
type LineActionParams struct {
	RequestID    string
	RequestHash  string
	CreditLineID string
	// Limit is the new limit as the request spells it, parsed in the
	// line's currency.
	Limit      string
	Reason     string
	Actor      string
	OnBehalfOf string
}

// lineAction is one of the line's operator actions: the event kind it
// appends, the status it leaves and the check of the line's state.
type lineAction struct {
	method, kind, status string
	refuse               func(v CreditLineView, p LineActionParams) error
	// needsReason and needsLimit say which fields the request must have.
	needsReason, needsLimit bool
}

// closedRefusal refuses any change to a closed line.
func closedRefusal(v CreditLineView) error {
	if v.Status == LineClosed {
		return refuse(ReasonCreditLineClosed, "credit line %s is closed", v.CreditLineID)
	}
	return nil
}

var (
	freezeAction = lineAction{method: "FreezeCreditLine", kind: store.LineKindFrozen, status: store.LineStatusFrozen, needsReason: true,
		refuse: func(v CreditLineView, _ LineActionParams) error {
			if v.Status == LineFrozen {
				return refuse(ReasonCreditLineFrozen, "credit line %s is frozen already (%s)", v.CreditLineID, v.FrozenReason)
			}
			return closedRefusal(v)
		}}
	unfreezeAction = lineAction{method: "UnfreezeCreditLine", kind: store.LineKindUnfrozen, status: store.LineStatusActive, needsReason: true,
		refuse: func(v CreditLineView, _ LineActionParams) error {
			if err := closedRefusal(v); err != nil {
				return err
			}
			if v.Status != LineFrozen {
				return refuse(ReasonCreditLineNotFrozen, "credit line %s is %s, not frozen", v.CreditLineID, v.Status)
			}
			return nil
		}}
	closeAction = lineAction{method: "CloseCreditLine", kind: store.LineKindClosed, status: store.LineStatusClosed,
		refuse: func(v CreditLineView, _ LineActionParams) error { return closedRefusal(v) }}
	limitAction = lineAction{method: "ChangeLimit", kind: store.LineKindLimitChanged, needsLimit: true,
		refuse: func(v CreditLineView, _ LineActionParams) error { return closedRefusal(v) }}
)

// FreezeCreditLine stops drawdowns on a line.
func (c *CreditLines) FreezeCreditLine(ctx context.Context, p LineActionParams) (CreditLineView, error) {
	return c.act(ctx, freezeAction, p)
}

// UnfreezeCreditLine lets a frozen line be drawn again.
func (c *CreditLines) UnfreezeCreditLine(ctx context.Context, p LineActionParams) (CreditLineView, error) {
	return c.act(ctx, unfreezeAction, p)
}

// CloseCreditLine closes a line for good; its loans run on.
func (c *CreditLines) CloseCreditLine(ctx context.Context, p LineActionParams) (CreditLineView, error) {
	return c.act(ctx, closeAction, p)
}

// ChangeLimit sets a line's limit from today.
func (c *CreditLines) ChangeLimit(ctx context.Context, p LineActionParams) (CreditLineView, error) {
	return c.act(ctx, limitAction, p)
}

// act runs an operator action on a line: checked, appended with its
// request at the line's next seq, answered with the line after it.
func (c *CreditLines) act(ctx context.Context, a lineAction, p LineActionParams) (CreditLineView, error) {
	e := writeChecks(p.RequestID, "credit_line_id", p.CreditLineID)
	if a.needsReason && p.Reason == "" {
		e.Add("reason", "required")
	}
	if a.needsLimit && p.Limit == "" {
		e.Add("limit", "required, greater than zero")
	}
	req := request{method: a.method, id: p.RequestID, hash: p.RequestHash}
	return runLineWrite(ctx, c, lineWrite[CreditLineView]{req: req, lineID: p.CreditLineID, invalid: e.Err(), answer: c.answer,
		decide: func(ctx context.Context, v CreditLineView, now time.Time) (CreditLineView, error) {
			if err := a.refuse(v, p); err != nil {
				return v, err
			}
			limit, err := parseLineAmount("limit", p.Limit, v.Currency, a.needsLimit)
			if err != nil {
				return v, err
			}
			seq := v.Version + 1
			ev := store.CreditLineEventRecord{CreditLineID: v.CreditLineID, Seq: seq, Kind: a.kind, ValueDate: v.AsOf.String(), RecordedAt: now,
				RequestID: p.RequestID, Actor: p.Actor, OnBehalfOf: p.OnBehalfOf, Reason: p.Reason}
			if a.needsLimit {
				ev.Amount = limit.Format(v.Currency)
			}
			err = c.store.AppendLineEvent(ctx, store.AppendLineEventParams{CreditLineID: v.CreditLineID, ExpectedVersion: v.Version, Event: ev,
				Request:   store.RequestRecord{RequestID: req.id, Method: req.method, RequestHash: req.hash, CreditLineID: v.CreditLineID, Seq: seq, RecordedAt: now},
				SetStatus: a.status})
			if err != nil {
				return v, err
			}
			return c.GetCreditLine(ctx, GetCreditLineParams{CreditLineID: v.CreditLineID, AsOf: v.AsOf, KnownAt: now})
		}})
}

// DrawdownParams are the inputs of Drawdown.
type DrawdownParams struct {
	RequestID    string
	RequestHash  string
	CreditLineID string
	// Amount is as the request spells it, parsed in the line's currency.
	Amount string
	// InstallmentCount and Method override the template's within the
	// line's bounds; 0 keeps the template's.
	InstallmentCount int
	Method           engine.Method
	HasMethod        bool
	Actor            string
	OnBehalfOf       string
}

// Drawn is what Drawdown answers: the new loan and the line after it.
type Drawn struct {
	Loan LoanView
	Line CreditLineView
}

// Drawdown books a new loan under a line, dated today, if the line takes
// drawdowns and has the amount available. The line's DRAWDOWN event, at
// the version the decision was made from, and the loan are written in
// one transaction: a drawdown that lost the race to another is decided
// again from the line as it then is (LIMIT_EXCEEDED, say), and leaves no
// loan behind.
func (c *CreditLines) Drawdown(ctx context.Context, p DrawdownParams) (Drawn, error) {
	e := writeChecks(p.RequestID, "credit_line_id", p.CreditLineID)
	if p.Amount == "" {
		e.Add("amount", "required, greater than zero")
	}
	if p.InstallmentCount < 0 {
		e.Add("installment_count", "must not be negative")
	}
	req := request{method: "Drawdown", id: p.RequestID, hash: p.RequestHash}
	return runLineWrite(ctx, c, lineWrite[Drawn]{req: req, lineID: p.CreditLineID, invalid: e.Err(),
		answer: func(ctx context.Context, r store.RequestRecord) (Drawn, error) {
			return c.drawnBefore(ctx, p.CreditLineID, r)
		},
		decide: func(ctx context.Context, v CreditLineView, now time.Time) (Drawn, error) {
			rec, err := c.drawdownRecord(v, p, req, now)
			if err != nil {
				return Drawn{}, err
			}
			if err := c.store.Drawdown(ctx, rec); err != nil {
				return Drawn{}, err
			}
			return c.drawnBefore(ctx, v.CreditLineID, rec.Loan.Request)
		}})
}

// drawnBefore answers a drawdown from its record: the loan and the line
// as they were when it was booked. (The line is the request's: its hash
// covers the body, which names the line.)
func (c *CreditLines) drawnBefore(ctx context.Context, lineID string, r store.RequestRecord) (Drawn, error) {
	if r.LoanID == "" {
		return Drawn{}, ErrRequestConflict
	}
	asOf := c.loans.dateAt(r.RecordedAt)
	lv, err := c.loans.GetLoan(ctx, GetLoanParams{LoanID: r.LoanID, AsOf: asOf, KnownAt: r.RecordedAt})
	if err != nil {
		return Drawn{}, err
	}
	lg, err := c.loadLine(ctx, store.LoadCreditLineParams{CreditLineID: lineID})
	if err != nil {
		return Drawn{}, err
	}
	line, err := c.view(ctx, lg, asOf, r.RecordedAt)
	return Drawn{Loan: lv, Line: line}, err
}

// drawdownRecord decides a drawdown against the line as of today and
// returns what it writes: the line's event and the loan.
func (c *CreditLines) drawdownRecord(v CreditLineView, p DrawdownParams, req request, now time.Time) (store.DrawdownRecord, error) {
	amount, err := parseLineAmount("amount", p.Amount, v.Currency, true)
	if err != nil {
		return store.DrawdownRecord{}, err
	}
	if err := drawable(v, amount); err != nil {
		return store.DrawdownRecord{}, err
	}
	t := v.Template
	t.Principal, t.DisbursementDate, t.FirstDueDate = amount, v.AsOf, engine.NoDate
	var e engine.InvalidError
	if n := p.InstallmentCount; n != 0 {
		lo, hi := v.Bounds.MinInstallments, v.Bounds.MaxInstallments
		if lo == 0 {
			lo = t.InstallmentCount
		}
		if hi == 0 {
			hi = t.InstallmentCount
		}
		if n < lo || n > hi {
			e.Add("installment_count", "must be between %d and %d for this line", lo, hi)
		}
		t.InstallmentCount = n
	}
	if p.HasMethod {
		if !v.Bounds.allowedMethod(v.Template.Method, p.Method) {
			e.Add("method", "this line allows %s and the methods of its drawdown_bounds only", methodNames[v.Template.Method])
		}
		t.Method = p.Method
	}
	var inv *engine.InvalidError
	if err := t.Validate(); errors.As(err, &inv) {
		e.Violations = append(e.Violations, inv.Violations...)
	}
	if err := e.Err(); err != nil {
		return store.DrawdownRecord{}, err
	}
	loan, _, err := newLoan(CreateLoanParams{RequestID: p.RequestID, BorrowerID: v.BorrowerID, Terms: t, Actor: p.Actor, OnBehalfOf: p.OnBehalfOf}, req, now)
	if err != nil {
		return store.DrawdownRecord{}, err
	}
	seq := v.Version + 1
	return store.DrawdownRecord{CreditLineID: v.CreditLineID, ExpectedVersion: v.Version, Loan: loan,
		Event: store.CreditLineEventRecord{CreditLineID: v.CreditLineID, Seq: seq, Kind: store.LineKindDrawdown, ValueDate: v.AsOf.String(),
			RecordedAt: now, RequestID: p.RequestID, Actor: p.Actor, OnBehalfOf: p.OnBehalfOf, Amount: amount.Format(v.Currency),
			LoanID: loan.Loan.LoanID}}, nil
}

// drawable refuses a drawdown the line's state or limit forbids.
func drawable(v CreditLineView, amount money.Amount) error {
	switch v.Status {
	case LineClosed:
		return refuse(ReasonCreditLineClosed, "credit line %s is closed", v.CreditLineID)
	case LineFrozen:
		return refuse(ReasonCreditLineFrozen, "credit line %s is frozen (%s)", v.CreditLineID, v.FrozenReason)
	case LineExpired:
		return refuse(ReasonCreditLineExpired, "credit line %s expired on %s", v.CreditLineID, v.ExpiresOn)
	}
	if amount > v.Available {
		return refuse(ReasonLimitExceeded, "the drawdown of %s is more than the %s available on credit line %s (limit %s, used %s)",
			amount.Format(v.Currency), v.Available.Format(v.Currency), v.CreditLineID, v.Limit.Format(v.Currency), v.Used.Format(v.Currency))
	}
	return nil
}

// parseLineAmount parses an amount of a line request in the line's
// currency, which only the line knows: a violation of field if it does
// not parse or, when positive is set, is not above zero.
func parseLineAmount(field, s string, c money.Currency, positive bool) (money.Amount, error) {
	if s == "" && !positive {
		return 0, nil
	}
	a, err := money.ParseAmount(s, c)
	switch {
	case err != nil:
		return 0, &engine.InvalidError{Violations: []engine.FieldViolation{{Field: field,
			Description: fmt.Sprintf("%v (a decimal in %s, such as 1000.00)", err, c.Code)}}}
	case positive && a <= 0:
		return 0, &engine.InvalidError{Violations: []engine.FieldViolation{{Field: field, Description: "must be greater than zero"}}}
	}
	return a, nil
}
