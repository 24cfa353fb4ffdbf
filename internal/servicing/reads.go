package servicing

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/money"
	"github.com/loancore/loancore/internal/store"
)

// GetLoanParams are the inputs of GetLoan.
type GetLoanParams struct {
	LoanID string
	// AsOf is the value date of the figures; NoDate means today.
	AsOf engine.Date
	// KnownAt shows the loan as the system knew it then; zero means now.
	KnownAt time.Time
}

// GetLoan returns the loan as of a date, as known at an instant: the fold
// of its log, which for today or later, as known now, starts from the
// loan's latest snapshot when one can be taken up, or is not made at all
// when this process answered the same read at the loan's current version
// (the read cache).
func (l *Loans) GetLoan(ctx context.Context, p GetLoanParams) (LoanView, error) {
	today := l.Today()
	if p.AsOf == engine.NoDate {
		p.AsOf = today
	}
	if !p.KnownAt.IsZero() || p.AsOf < today {
		lg, err := l.load(ctx, p.LoanID, p.KnownAt)
		if err != nil {
			return LoanView{}, err
		}
		return l.view(lg, p.AsOf, p.KnownAt), nil
	}
	// As the log stands now, today or later: the latest snapshot and the
	// events after it serve as well as the whole log.
	if v, ok, err := l.cachedView(ctx, p.LoanID, p.AsOf); ok || err != nil {
		return v, err
	}
	lg, _, err := l.loadNow(ctx, p.LoanID, "", p.AsOf)
	if err != nil {
		return LoanView{}, err
	}
	return l.reads.put(l.view(lg, p.AsOf, time.Time{})), nil
}

// cachedView returns the read cache's view of the loan as of asOf, and
// true, if the loan is still at the version it was made at: nothing
// committed since the store's change marker the entry was confirmed at,
// or the loan's version read again and found the same (the entry is then
// confirmed at the new marker). A view of a date before today is never
// kept, so the business date rolling over misses it; every write, this
// process's or another's, and close of business's too, appends an event
// and so moves the version.
func (l *Loans) cachedView(ctx context.Context, loanID string, asOf engine.Date) (LoanView, bool, error) {
	e, ok := l.reads.get(loanID, asOf)
	if !ok {
		l.observe.ReadCacheLookup(ReadCacheMiss)
		return LoanView{}, false, nil
	}
	a, err := l.versions.check(ctx, loanID, e.marker)
	if err != nil {
		return LoanView{}, false, err
	}
	if !a.unchanged {
		if !a.exists || a.version != e.version {
			l.reads.drop(loanID)
			l.observe.ReadCacheLookup(ReadCacheStale)
			return LoanView{}, false, nil
		}
		if a.marker != e.marker {
			l.reads.confirm(loanID, e.version, a.marker)
		}
	}
	l.observe.ReadCacheLookup(ReadCacheHit)
	return e.view, true, nil
}

// ListLoansParams are the inputs of ListLoans.
type ListLoansParams struct {
	Status     string
	BorrowerID string
	PageSize   int
	PageToken  string
}

// Paging limits of list calls.
const (
	DefaultPageSize = 50
	MaxPageSize     = 500
)

// pageSize returns the page size a list call asked for, DefaultPageSize
// for 0, and adds a violation for one out of range.
func pageSize(e *engine.InvalidError, size int) int {
	switch {
	case size == 0:
		return DefaultPageSize
	case size < 0 || size > MaxPageSize:
		e.Add("page_size", "must be between 0 and %d", MaxPageSize)
	}
	return size
}

// ListLoans returns one page of loans ordered by id and the token of the
// next page ("" at the end). Each record's Terms is the summary of its
// document (store.LoanQuery.Summary): currency and principal, for
// PrincipalOf.
func (l *Loans) ListLoans(ctx context.Context, p ListLoansParams) ([]store.LoanRecord, string, error) {
	var e engine.InvalidError
	size := pageSize(&e, p.PageSize)
	after, err := l.tokens.read(ctx, &e, listLoans, p.PageToken)
	if err != nil {
		return nil, "", err
	}
	if p.Status != "" && p.Status != store.StatusActive && p.Status != store.StatusPaidOff && p.Status != store.StatusWrittenOff {
		e.Add("status", "unknown status %q", p.Status)
	}
	if err := e.Err(); err != nil {
		return nil, "", err
	}
	loans, err := l.store.ListLoans(ctx, store.LoanQuery{Status: p.Status, BorrowerID: p.BorrowerID, AfterLoanID: after, Limit: size + 1, Summary: true})
	if err != nil || len(loans) <= size {
		return loans, "", err
	}
	loans = loans[:size]
	next, err := l.tokens.issue(ctx, listLoans, loans[size-1].LoanID)
	return loans, next, err
}

// ListLoanEvents returns the loan's log, oldest first: the audit trail,
// and the loan's currency.
func (l *Loans) ListLoanEvents(ctx context.Context, loanID string) ([]store.EventRecord, money.Currency, error) {
	got, err := l.store.LoadLoan(ctx, store.LoadLoanParams{LoanID: loanID})
	if err != nil {
		return nil, money.Currency{}, err
	}
	cur, ok := money.LookupCurrency(got.Loan.Currency)
	if !ok {
		return nil, cur, fmt.Errorf("loan %s: unknown currency %q", loanID, got.Loan.Currency)
	}
	return got.Events, cur, nil
}

// ListLoanEventsParams are the inputs of LoanEventsPage.
type ListLoanEventsParams struct {
	LoanID    string
	PageSize  int
	PageToken string
}

// LoanEventsPage returns one page of the loan's log, oldest first, the
// loan's currency, and the token of the next page ("" at the end).
func (l *Loans) LoanEventsPage(ctx context.Context, p ListLoanEventsParams) ([]store.EventRecord, money.Currency, string, error) {
	var e engine.InvalidError
	if p.LoanID == "" {
		e.Add("loan_id", "required")
	}
	size := pageSize(&e, p.PageSize)
	position, err := l.tokens.read(ctx, &e, listLoanEvents, p.PageToken)
	if err != nil {
		return nil, money.Currency{}, "", err
	}
	after, _ := strconv.ParseInt(position, 10, 64)
	if err := e.Err(); err != nil {
		return nil, money.Currency{}, "", err
	}
	events, cur, err := l.ListLoanEvents(ctx, p.LoanID)
	if err != nil {
		return nil, cur, "", err
	}
	events = events[sort.Search(len(events), func(i int) bool { return events[i].Seq > after }):]
	if len(events) <= size {
		return events, cur, "", nil
	}
	events = events[:size]
	next, err := l.tokens.issue(ctx, listLoanEvents, strconv.FormatInt(events[size-1].Seq, 10))
	return events, cur, next, err
}

// PayoffQuote is the amount that settles a loan on a date.
type PayoffQuote struct {
	Terms  engine.Terms
	Date   engine.Date
	Payoff engine.Payoff
}

// QuotePayoff returns the exact amount that settles the loan on the date
// (NoDate: today), with interest only up to that date.
func (l *Loans) QuotePayoff(ctx context.Context, loanID string, date engine.Date) (PayoffQuote, error) {
	lg, err := l.load(ctx, loanID, time.Time{})
	if err != nil {
		return PayoffQuote{}, err
	}
	if date == engine.NoDate {
		date = l.Today()
	}
	if date < lg.terms.DisbursementDate {
		return PayoffQuote{}, &engine.InvalidError{Violations: []engine.FieldViolation{{Field: "payoff_date",
			Description: "must not be before the disbursement date " + lg.terms.DisbursementDate.String()}}}
	}
	st := engine.FoldSchedule(lg.terms, lg.schedule, lg.evs, date)
	return PayoffQuote{Terms: lg.terms, Date: date, Payoff: st.PayoffAt(lg.terms)}, nil
}
