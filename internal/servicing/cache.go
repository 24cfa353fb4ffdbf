package servicing

import "sync"

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
