package servicing

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/store"
)

// ListNoticesParams are the inputs of ListNotices.
type ListNoticesParams struct {
	From, To  engine.Date
	PageSize  int
	PageToken string
}

// ListNotices returns one page of the notices dated From..To, by date and
// id, and the token of the next page ("" at the end).
func (c *Close) ListNotices(ctx context.Context, p ListNoticesParams) ([]store.Notice, string, error) {
	var e engine.InvalidError
	if p.From == engine.NoDate {
		e.Add("from_date", "required: a date as YYYY-MM-DD")
	}
	if p.To == engine.NoDate {
		p.To = p.From
	}
	if p.To < p.From {
		e.Add("to_date", "must not be before from_date")
	}
	size := pageSize(&e, p.PageSize)
	position, err := c.loans.tokens.read(ctx, &e, listNotices, p.PageToken)
	if err != nil {
		return nil, "", err
	}
	afterDate, afterID := engine.NoDate, ""
	if position != "" {
		// The server signed it, so it is a date and an id.
		date, id, _ := strings.Cut(position, "|")
		afterDate, _ = engine.ParseDate(date)
		afterID = id
	}
	if err := e.Err(); err != nil {
		return nil, "", err
	}
	got, err := c.store.DueNotices(ctx, store.NoticeQuery{From: p.From, To: p.To, AfterDate: afterDate, AfterID: afterID, Limit: size + 1})
	if err != nil || len(got) <= size {
		return got, "", err
	}
	got = got[:size]
	last := got[size-1]
	next, err := c.loans.tokens.issue(ctx, listNotices, last.Date.String()+"|"+last.ID)
	return got, next, err
}

// AccruedTotal returns the sum of a loan's journal lines: after a date is
// closed, what the loan had been charged by then.
func (c *Close) AccruedTotal(ctx context.Context, loanID string) (store.Accrual, error) {
	return c.store.AccrualTotal(ctx, store.AccrualQuery{LoanID: loanID})
}

// GetRun returns the run of a business date.
func (c *Close) GetRun(ctx context.Context, d engine.Date) (store.COBRun, error) {
	if d == engine.NoDate {
		return store.COBRun{}, &engine.InvalidError{Violations: []engine.FieldViolation{{Field: "business_date", Description: "required"}}}
	}
	r, err := c.store.GetCOBRun(ctx, store.COBRunKey{BusinessDate: d})
	if errors.Is(err, store.ErrNotFound) {
		return r, fmt.Errorf("close of business has not run for %s: %w", d, store.ErrNotFound)
	}
	return r, err
}

// ListDelinquentParams are the inputs of ListDelinquent.
type ListDelinquentParams struct {
	// AsOf is a completed business date; NoDate means the last one.
	AsOf      engine.Date
	Bucket    engine.Bucket
	RiskClass engine.RiskClass
	PageSize  int
	// PageToken continues a listing.
	PageToken string
}

// ListDelinquent returns one page of the loans past due at a closed
// business date — the collection team's work list — and the token of
// the next page ("" at the end).
func (c *Close) ListDelinquent(ctx context.Context, p ListDelinquentParams) ([]store.Position, engine.Date, string, error) {
	var e engine.InvalidError
	size := pageSize(&e, p.PageSize)
	after, err := c.loans.tokens.read(ctx, &e, listDelinquents, p.PageToken)
	if err != nil {
		return nil, engine.NoDate, "", err
	}
	if err := e.Err(); err != nil {
		return nil, engine.NoDate, "", err
	}
	last, err := c.store.LastCOBRun(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return nil, engine.NoDate, "", refuse(ReasonCOBNeverRan, "close of business has never run")
	} else if err != nil {
		return nil, engine.NoDate, "", err
	}
	asOf := p.AsOf
	if asOf == engine.NoDate {
		asOf = last.BusinessDate
	}
	// Only the last closed date is listed: a date's positions are all
	// there only once its run completed, and though positions are now
	// kept per date (issue 21), the retention policy
	// (NewCloseParams.KeepPositionDates) drops earlier dates'. Listing
	// the dates kept, and refusing the pruned ones by a reason of their
	// own, would change the API's promise (the proto says the last date
	// only): left for the team to ask for.
	if asOf != last.BusinessDate || last.Status != store.COBCompleted {
		return nil, asOf, "", refuse(ReasonCOBNotClosed, "positions are for the last closed business date; %s is not it (last run %s, %s)", asOf, last.BusinessDate, last.Status)
	}
	got, err := c.store.DelinquentPositions(ctx, store.PositionQuery{AsOf: asOf, Bucket: p.Bucket, RiskClass: p.RiskClass, AfterLoanID: after, Limit: size + 1})
	if err != nil || len(got) <= size {
		return got, asOf, "", err
	}
	got = got[:size]
	next, err := c.loans.tokens.issue(ctx, listDelinquents, got[size-1].LoanID)
	return got, asOf, next, err
}
