package servicing

import (
	"github.com/loancore/loancore/internal/engine"
)

// logCache keeps the latest known log of recently written loans so that a
// repayment can be decided without reading the loan back. An entry is only
// ever a starting point for a write: the store's version check refuses an
// append computed from a stale entry (another process wrote first), the
// entry is dropped, and the retry reads the log afresh. Events are
// immutable, so an entry at version v equals the store's log up to v.
type logCache struct {
	entries *boundedMap[string, loanLog]
}

func newLogCache(limit int) *logCache {
	return &logCache{entries: newBoundedMap[string, loanLog](limit)}
}

func (c *logCache) get(loanID string) (loanLog, bool) {
	if c == nil {
		return loanLog{}, false
	}
	return c.entries.get(loanID)
}

func (c *logCache) put(lg loanLog) {
	if c != nil {
		c.entries.put(lg.loan.LoanID, lg, nil)
	}
}

func (c *logCache) drop(loanID string) {
	if c != nil {
		c.entries.drop(loanID)
	}
}

// cacheEntry is what the log cache keeps of a loan after a write: its row,
// terms and schedule, the fold as of today with only its last payment and
// the log's latest value date — all that the next write needs when it is
// not backdated (Append), today or, advanced, on a later day. It
// keeps neither the log nor the earlier payments, so a write costs the
// same however long the loan's history; a backdated write reads the log
// from the store.
func cacheEntry(lg loanLog, st engine.LoanState, today engine.Date) loanLog {
	// An entry made from an entry has no evs and keeps its date. Either
	// way evs may lack the payment just appended: dated today at the
	// latest, it is never after the fold's day.
	lg.lastValueDate = lg.latestValueDate()
	st = trimmed(st)
	lg.source, lg.events, lg.evs = cachedFold, nil, nil
	lg.folded, lg.foldedAsOf = &st, today
	lg.sinceSnapshot, lg.pastSnapshot = 0, false
	return lg
}
