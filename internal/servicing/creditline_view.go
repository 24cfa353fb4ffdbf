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

// Line statuses as a view shows them: the row's three, and EXPIRED, which
// comes with time (after expires_on) rather than with an event.
const (
	LineActive  = store.LineStatusActive
	LineFrozen  = store.LineStatusFrozen
	LineClosed  = store.LineStatusClosed
	LineExpired = "EXPIRED"
)

// CreditLineView is a line as of a date, as known at an instant.
type CreditLineView struct {
	CreditLineID string
	BorrowerID   string
	Currency     money.Currency
	Revolving    bool
	ExpiresOn    engine.Date
	// Template is the drawdown template; its Principal and
	// DisbursementDate mean nothing (each drawdown sets its own).
	Template engine.Terms
	Bounds   DrawdownBounds
	// Limit is the limit as of AsOf; Drawn everything drawn; Used what
	// counts against the limit (revolving: the loans' outstanding
	// principal; non-revolving: Drawn); Available is Limit − Used, never
	// below zero.
	Limit, Drawn, Used, Available money.Amount
	Status                        string
	FrozenReason                  string
	// FrozenBy is the actor of the freeze in force ("" when not frozen):
	// close of business unfreezes only what it froze.
	FrozenBy  string
	Loans     []LineLoanView
	Events    []store.CreditLineEventRecord
	Version   int64
	AsOf      engine.Date
	KnownAt   time.Time
	CreatedAt time.Time
}

// LineLoanView is one loan drawn under a line, as of the line's date.
type LineLoanView struct {
	LoanID string
	// Amount is what the loan drew: its drawdown and later tranches.
	Amount               money.Amount
	DrawnOn              engine.Date
	OutstandingPrincipal money.Amount
	Status               string
	DaysPastDue          int
}

// lineFold is the fold of a line's own log: everything about it that
// does not need its loans.
type lineFold struct {
	limit, drawn money.Amount
	status       string
	frozenReason string
	frozenBy     string
	draws        []LineLoanView
}

// foldLine folds a line's events (already limited to what was known and
// dated by the view's instants), oldest first.
func foldLine(cur money.Currency, events []store.CreditLineEventRecord) (lineFold, error) {
	f := lineFold{status: LineActive}
	for _, e := range events {
		var amount money.Amount
		if e.Amount != "" {
			a, err := money.ParseAmount(e.Amount, cur)
			if err != nil {
				return f, fmt.Errorf("credit line %s event %d amount %q: %w", e.CreditLineID, e.Seq, e.Amount, err)
			}
			amount = a
		}
		switch e.Kind {
		case store.LineKindOpened, store.LineKindLimitChanged:
			f.limit = amount
		case store.LineKindFrozen:
			f.status, f.frozenReason, f.frozenBy = LineFrozen, e.Reason, e.Actor
		case store.LineKindUnfrozen:
			f.status, f.frozenReason, f.frozenBy = LineActive, "", ""
		case store.LineKindClosed:
			f.status = LineClosed
		case store.LineKindDrawdown:
			on, err := engine.ParseDate(e.ValueDate)
			if err != nil {
				return f, fmt.Errorf("credit line %s event %d: %w", e.CreditLineID, e.Seq, err)
			}
			f.drawn += amount
			f.draws = append(f.draws, LineLoanView{LoanID: e.LoanID, Amount: amount, DrawnOn: on})
		case store.LineKindTrancheDrawn:
			// A later tranche of a loan drawn under the line: drawn, and
			// counted in the loan's amount.
			f.drawn += amount
			for i := range f.draws {
				if f.draws[i].LoanID == e.LoanID {
					f.draws[i].Amount += amount
				}
			}
		}
	}
	return f, nil
}

// GetCreditLineParams are the inputs of GetCreditLine.
type GetCreditLineParams struct {
	CreditLineID string
	// AsOf is the value date of the figures; NoDate means today.
	AsOf engine.Date
	// KnownAt shows the line (and its loans) as the system knew them
	// then; zero means now.
	KnownAt time.Time
}

// GetCreditLine returns a line as of a date, as known at an instant: the
// fold of its log and of its loans' logs at the same two instants.
func (c *CreditLines) GetCreditLine(ctx context.Context, p GetCreditLineParams) (CreditLineView, error) {
	lg, err := c.loadLine(ctx, store.LoadCreditLineParams{CreditLineID: p.CreditLineID})
	if err != nil {
		return CreditLineView{}, err
	}
	if p.AsOf == engine.NoDate {
		p.AsOf = c.loans.Today()
	}
	return c.view(ctx, lg, p.AsOf, p.KnownAt)
}

// view folds a line's log read from the store as of asOf, known at
// knownAt (zero: everything read), and its loans at the same instants.
func (c *CreditLines) view(ctx context.Context, lg store.CreditLineLog, asOf engine.Date, knownAt time.Time) (CreditLineView, error) {
	row := lg.Line
	template, bounds, err := decodeLineDoc(row.Terms)
	if err != nil {
		return CreditLineView{}, err
	}
	v := CreditLineView{CreditLineID: row.CreditLineID, BorrowerID: row.BorrowerID, Currency: template.Currency, Revolving: row.Revolving,
		ExpiresOn: engine.NoDate, Template: template, Bounds: bounds, AsOf: asOf, KnownAt: knownAt, CreatedAt: row.CreatedAt}
	if row.ExpiresOn != "" {
		if v.ExpiresOn, err = engine.ParseDate(row.ExpiresOn); err != nil {
			return v, fmt.Errorf("credit line %s expires_on: %w", row.CreditLineID, err)
		}
	}
	for i, e := range lg.Events {
		// The opening is always shown, as a loan's origination is.
		if i > 0 && ((!knownAt.IsZero() && e.RecordedAt.After(knownAt)) || e.ValueDate > asOf.String()) {
			continue
		}
		v.Events = append(v.Events, e)
		v.Version = e.Seq
	}
	f, err := foldLine(v.Currency, v.Events)
	if err != nil {
		return v, err
	}
	v.Limit, v.Drawn, v.Status, v.FrozenReason, v.FrozenBy, v.Loans = f.limit, f.drawn, f.status, f.frozenReason, f.frozenBy, f.draws
	if v.Status != LineClosed && v.ExpiresOn != engine.NoDate && asOf > v.ExpiresOn {
		v.Status = LineExpired
	}
	if err := c.addLoans(ctx, &v); err != nil {
		return v, err
	}
	v.Available = max(0, v.Limit-v.Used)
	return v, nil
}

// addLoans folds each of the line's loans as of the view's instants and
// sets Used: the loans' outstanding principal for a revolving line,
// everything drawn for another.
func (c *CreditLines) addLoans(ctx context.Context, v *CreditLineView) error {
	v.Used = v.Drawn
	var outstanding money.Amount
	for i := range v.Loans {
		lv, err := c.loans.GetLoan(ctx, GetLoanParams{LoanID: v.Loans[i].LoanID, AsOf: v.AsOf, KnownAt: v.KnownAt})
		if err != nil {
			return fmt.Errorf("credit line %s loan %s: %w", v.CreditLineID, v.Loans[i].LoanID, err)
		}
		v.Loans[i].OutstandingPrincipal, v.Loans[i].Status, v.Loans[i].DaysPastDue = lv.Outstanding.Principal, lv.Status, lv.DaysPastDue
		outstanding += lv.Outstanding.Principal
	}
	if v.Revolving {
		v.Used = outstanding
	}
	return nil
}

// ListCreditLinesParams are the inputs of ListCreditLines.
type ListCreditLinesParams struct {
	BorrowerID string
	PageSize   int
	PageToken  string
}

// listCreditLines names the list in its page tokens.
const listCreditLines = "credit-lines"

// ListCreditLines returns one page of lines ordered by id and the token of
// the next page ("" at the end).
func (c *CreditLines) ListCreditLines(ctx context.Context, p ListCreditLinesParams) ([]store.CreditLineRecord, string, error) {
	var e engine.InvalidError
	size := pageSize(&e, p.PageSize)
	after, err := c.loans.tokens.read(ctx, &e, listCreditLines, p.PageToken)
	if err != nil {
		return nil, "", err
	}
	if err := e.Err(); err != nil {
		return nil, "", err
	}
	lines, err := c.store.ListCreditLines(ctx, store.CreditLineQuery{BorrowerID: p.BorrowerID, AfterCreditLineID: after, Limit: size + 1})
	if err != nil || len(lines) <= size {
		return lines, "", err
	}
	lines = lines[:size]
	next, err := c.loans.tokens.issue(ctx, listCreditLines, lines[size-1].CreditLineID)
	return lines, next, err
}

// loadLine reads a line's row and log; a line that does not exist is
// ErrNotFound naming it, so the API says which line is missing.
func (c *CreditLines) loadLine(ctx context.Context, p store.LoadCreditLineParams) (store.CreditLineLog, error) {
	lg, err := c.store.LoadCreditLine(ctx, p)
	if errors.Is(err, store.ErrNotFound) {
		return lg, fmt.Errorf("credit line %s: %w", p.CreditLineID, store.ErrNotFound)
	}
	return lg, err
}
