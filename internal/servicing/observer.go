package servicing

import (
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/money"
)

// Observer is told what the use cases did, as it happens, for metrics:
// servicing counts nothing itself and imports no metrics library, so the
// use cases stay testable without one and loand chooses the exporter.
// Every method is called on the path of a call, so it must be cheap and
// never block; it must be safe for concurrent use.
type Observer interface {
	// RepaymentPosted: a repayment was appended to a loan's log (once per
	// repayment: a retry answered from the request's record is not
	// posted again). amount is in the currency's minor units.
	RepaymentPosted(currency string, amount money.Amount)
	// RepaymentReversed: a reversal was appended (executed, not held
	// for approval).
	RepaymentReversed(currency string)
	// CacheLookup: a repayment looked for its loan in the log cache and
	// found a fold it could use (hit) or not. Not called when the cache is
	// off.
	CacheLookup(hit bool)
	// ReadCacheLookup: GetLoan, as of today or later, looked for its
	// view in the read cache. Not called when the cache is off.
	ReadCacheLookup(r ReadCacheResult)
	// CloseOfBusinessDate: close of business ran one business date, to
	// its end (err nil) or not.
	CloseOfBusinessDate(r COBDateReport)
	// DelinquentLoans: after a business date completed, how many loans it
	// left in each delinquency bucket (M1…M7; M0 is not delinquent).
	DelinquentLoans(date engine.Date, byBucket map[engine.Bucket]int64)
	// PositionsPruned: after a run, the retention of positions
	// (NewCloseParams.KeepPositionDates) dropped datesDropped dates'
	// positions, or failed (err; the next run's prune does it). Not
	// called when retention is off.
	PositionsPruned(datesDropped int, err error)
}

// ReadCacheResult is what a read found in the read cache.
type ReadCacheResult int

// What a read found in the read cache.
const (
	// ReadCacheHit: a view at the loan's current version, answered
	// without reading the loan's log.
	ReadCacheHit ReadCacheResult = iota
	// ReadCacheStale: a view of an older version (the loan was written
	// since): folded again.
	ReadCacheStale
	// ReadCacheMiss: no view of the loan as of the date.
	ReadCacheMiss
)

// String is the result's metric label: hit, stale or miss.
func (r ReadCacheResult) String() string {
	switch r {
	case ReadCacheHit:
		return "hit"
	case ReadCacheStale:
		return "stale"
	}
	return "miss"
}

// COBDateReport is one business date's run as close of business saw it.
type COBDateReport struct {
	BusinessDate engine.Date
	// Loans is how many loans this run closed (a run that takes up a date
	// stopped half-way does only the rest); Failures how many loans or
	// agreements it could not.
	Loans, Failures int64
	// Carried is how many of Loans were carried on in the store (a steady
	// run), the rest folded.
	Carried int64
	// Took is how long the run of the date took, and Phases how long each
	// of its phases did, one after another (a phase the run stopped
	// before, 0).
	Took   time.Duration
	Phases COBPhases
	// Err is why the date did not complete; nil when it did.
	Err error
}

// COBPhases are the phases of a business date's run, in order: counting
// the loans to do (Count), checking the agreements (Agreements), carrying
// the steady loans on in the store (Carry), folding the rest (Fold) and
// reviewing the credit lines (Lines). Where a date's time goes, for the
// operator who sizes the night and for the engineer who makes it shorter.
type COBPhases struct {
	Count, Agreements, Carry, Fold, Lines time.Duration
}

// Each calls f with each phase's name (as the metrics label it) and
// duration, in order.
func (p COBPhases) Each(f func(name string, d time.Duration)) {
	f("count", p.Count)
	f("agreements", p.Agreements)
	f("carry", p.Carry)
	f("fold", p.Fold)
	f("lines", p.Lines)
}

// noObserver is the Observer of use cases built without one.
type noObserver struct{}

func (noObserver) RepaymentPosted(string, money.Amount)                 {}
func (noObserver) RepaymentReversed(string)                             {}
func (noObserver) CacheLookup(bool)                                     {}
func (noObserver) ReadCacheLookup(ReadCacheResult)                      {}
func (noObserver) CloseOfBusinessDate(COBDateReport)                    {}
func (noObserver) DelinquentLoans(engine.Date, map[engine.Bucket]int64) {}
func (noObserver) PositionsPruned(int, error)                           {}
