package servicing

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/store"
)

// LoanStore is what the loan use cases need of a store: loans and their
// logs, the requests recorded on them, the agreements projection, and the
// server's secrets.
type LoanStore interface {
	store.Loans
	store.Requests
	store.Agreements
	// Actions is the projection of four-eyes actions.
	store.Actions
	// Secrets keeps the key that signs page tokens.
	store.Secrets
	// LineOfLoan finds the credit line a loan was drawn under: a
	// reversal on its loan takes the line's next seq (lineTouched).
	LineOfLoan(ctx context.Context, loanID string) (store.CreditLineRecord, error)
	// LoadCreditLine reads the line of a loan a tranche draws on.
	LoadCreditLine(ctx context.Context, p store.LoadCreditLineParams) (store.CreditLineLog, error)
}

// Loans runs the loan use cases over a LoanStore.
type Loans struct {
	store         LoanStore
	delinquency   engine.DelinquencyPolicy
	restructuring RestructuringPolicy
	now           func() time.Time
	loc           *time.Location
	cache         *logCache
	// reads keeps GetLoan's latest views as of today or later, and
	// versions checks that one is still the loan's (readcache.go); nil
	// with the log cache off.
	reads    *readCache
	versions *versionCheck
	writers  *loanWriters
	// snapshotEvery is how many events beyond its latest snapshot a write
	// must have read for it to store a new one; 0 turns snapshots off.
	snapshotEvery int
	log           *slog.Logger
	// tokens signs the page tokens of every list, close of business's
	// too.
	tokens *pageTokens
	// observe is told what the use cases did (metrics).
	observe Observer
}

// Defaults of NewLoansParams, and of loand's --cached-loans and
// --snapshot-every.
const (
	// DefaultCachedLoans is how many loans each cache keeps.
	DefaultCachedLoans = 10_000
	// DefaultSnapshotEvery is how many events a write reads beyond the
	// latest snapshot before it stores a new one.
	DefaultSnapshotEvery = 8
)

// NewLoansParams configure NewLoans.
type NewLoansParams struct {
	Store LoanStore
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Location is the business time zone that decides "today"; nil means
	// Asia/Shanghai.
	Location *time.Location
	// CachedLoans is how many loans' logs to keep in memory for writes,
	// and how many loans' views for reads; 0 means DefaultCachedLoans,
	// negative turns both caches off.
	CachedLoans int
	// SnapshotEvery: a repayment that read at least this many events of
	// its loan's log beyond the latest stored snapshot (because the loan
	// was in no cache) stores the fold it made as a new snapshot, with its
	// event; the next such write reads that snapshot and the events after
	// it instead of the whole log. 0 means DefaultSnapshotEvery; negative
	// turns snapshots off (none is read or written).
	SnapshotEvery int
	// Logger receives a line for a stored snapshot that cannot be read
	// (the write then replays the log); nil means slog.Default().
	Logger *slog.Logger
	// Delinquency sets the buckets and risk classes; the zero value means
	// engine.DefaultDelinquencyPolicy.
	Delinquency engine.DelinquencyPolicy
	// Restructuring sets the eligibility rules of agreements and the
	// classification of restructured loans; zero fields take defaults.
	Restructuring RestructuringPolicy
	// Observer is told of repayments, reversals and cache lookups; nil
	// tells no one.
	Observer Observer
}

// NewLoans returns the loan use cases.
func NewLoans(p NewLoansParams) (*Loans, error) {
	l := &Loans{store: p.Store, now: p.Now, loc: p.Location, delinquency: p.Delinquency, restructuring: p.Restructuring.WithDefaults(),
		writers: newLoanWriters(), tokens: &pageTokens{secrets: p.Store}, observe: p.Observer}
	if l.observe == nil {
		l.observe = noObserver{}
	}
	if err := l.restructuring.Validate(); err != nil {
		return nil, err
	}
	if l.delinquency == (engine.DelinquencyPolicy{}) {
		l.delinquency = engine.DefaultDelinquencyPolicy
	} else if err := l.delinquency.Validate(); err != nil {
		return nil, fmt.Errorf("delinquency policy: %w", err)
	}
	switch {
	case p.CachedLoans == 0:
		l.cache, l.reads = newLogCache(DefaultCachedLoans), newReadCache(DefaultCachedLoans)
	case p.CachedLoans > 0:
		l.cache, l.reads = newLogCache(p.CachedLoans), newReadCache(p.CachedLoans)
	}
	if l.reads != nil {
		l.versions = &versionCheck{store: p.Store}
	}
	switch {
	case p.SnapshotEvery == 0:
		l.snapshotEvery = DefaultSnapshotEvery
	case p.SnapshotEvery > 0:
		l.snapshotEvery = p.SnapshotEvery
	}
	if l.log = p.Logger; l.log == nil {
		l.log = slog.Default()
	}
	if l.now == nil {
		l.now = time.Now
	}
	if l.loc == nil {
		loc, err := time.LoadLocation("Asia/Shanghai")
		if err != nil {
			return nil, err
		}
		l.loc = loc
	}
	return l, nil
}

// dateAt returns the business date of an instant.
func (l *Loans) dateAt(t time.Time) engine.Date {
	y, m, d := t.In(l.loc).Date()
	return engine.DateOf(y, int(m), d)
}

// Today returns the current business date.
func (l *Loans) Today() engine.Date { return l.dateAt(l.now()) }
