package servicing

import (
	"sync"

	"github.com/loancore/loancore/internal/engine"
)

// logCache keeps the latest known log of recently written loans so that a
// repayment can be decided without reading the loan back. An entry is only
// ever a starting point for a write: the store's version check refuses an
// append computed from a stale entry (another process wrote first), the
// entry is dropped, and the retry reads the log afresh. Events are
// immutable, so an entry at version v equals the store's log up to v.
type logCache struct {
	mu      sync.Mutex
	entries map[string]loanLog
	limit   int
}

func newLogCache(limit int) *logCache {
	return &logCache{entries: make(map[string]loanLog), limit: limit}
}

func (c *logCache) get(loanID string) (loanLog, bool) {
	if c == nil {
		return loanLog{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	lg, ok := c.entries[loanID]
	return lg, ok
}

func (c *logCache) put(lg loanLog) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[lg.loan.LoanID]; !ok && len(c.entries) >= c.limit {
		// Evict an arbitrary entry: a miss only costs one read.
		for k := range c.entries {
			delete(c.entries, k)
			break
		}
	}
	c.entries[lg.loan.LoanID] = lg
}

func (c *logCache) drop(loanID string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, loanID)
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
