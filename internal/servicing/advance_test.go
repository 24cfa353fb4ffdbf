package servicing

import (
	"testing"

	"github.com/loancore/loancore/internal/engine"
)

// TestAdvancedRefuses: a cached fold moves to a later day only when no
// event of the log is dated after the fold's day (a replay as of the later
// day would apply it), never back, and not without a fold in hand.
func TestAdvancedRefuses(t *testing.T) {
	terms := monthlyTerms(12)
	day := engine.DateOf(2024, 3, 1)
	st := engine.Fold(terms, nil, day)
	entry := loanLog{source: cachedFold, terms: terms, folded: &st, foldedAsOf: day, lastValueDate: day}
	for _, c := range []struct {
		name string
		lg   loanLog
		to   engine.Date
		ok   bool
	}{
		{"a later day", entry, day + 40, true},
		{"the same day", entry, day, true},
		{"an earlier day", entry, day - 1, false},
		{"an event dated after the fold", func() loanLog { lg := entry; lg.lastValueDate = day + 10; return lg }(), day + 40, false},
		{"no fold in hand", func() loanLog { lg := entry; lg.source, lg.folded = wholeLog, nil; return lg }(), day + 40, false},
	} {
		got, ok := c.lg.advanced(c.to)
		if ok != c.ok || ok && (got.foldedAsOf != c.to || got.folded.AsOf != c.to) || !ok && got.foldedAsOf != c.lg.foldedAsOf {
			t.Errorf("%s: advanced(%s) = %v as of %s", c.name, c.to, ok, got.foldedAsOf)
		}
	}
	if entry.folded.AsOf != day {
		t.Errorf("advanced changed the fold it was given")
	}
}
