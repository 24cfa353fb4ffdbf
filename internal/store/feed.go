package store

import (
	"context"
	"time"

	"github.com/loancore/loancore/internal/engine"
)

// Feed is the event feed: every loan event, accrual journal line,
// notice and credit line event, each with a global position. Positions grow in the order the
// rows they name became durable and are never reused (they may skip), so
// a reader that has read position N and asks for what follows N never
// misses a row below N that it has not read. How a store assigns them is
// its own: in the transaction that writes the row when transactions
// commit one at a time (SQLite), or by a sequencer over the transactions
// that have ended (PostgreSQL, where concurrent transactions commit out
// of the order they started in).
type Feed interface {
	// SequenceFeed gives positions to the rows written since its last
	// call by transactions that have ended, and returns the highest
	// position. A store whose rows get their position as they are written
	// only returns it. With Wait false a call may return at once, having
	// done nothing, if another call is sequencing; with Wait true it
	// waits its turn, so the rows committed before it began have
	// positions when it returns.
	SequenceFeed(ctx context.Context, p SequenceFeedParams) (head int64, err error)
	// ReadFeed returns up to Limit entries after After, by position, of
	// the kinds asked for (none asked: all) and of the loans or lines
	// asked for (none asked: all), and the position the read is complete
	// through.
	ReadFeed(ctx context.Context, p ReadFeedParams) (FeedPage, error)
}

// SequenceFeedParams are the inputs of Feed.SequenceFeed.
type SequenceFeedParams struct {
	// Wait makes the call wait for another sequencer instead of leaving
	// the work to it.
	Wait bool
}

// ReadFeedParams are the inputs of Feed.ReadFeed.
type ReadFeedParams struct {
	// After is the last position the reader has; 0 for the beginning.
	After int64
	// Limit is the most entries to return.
	Limit int
	// Kinds, when not empty, selects entries of these kinds: event kinds
	// (KindRepayment …), FeedAccrual and FeedNotice.
	Kinds []string
	// LoanIDs and CreditLineIDs, when either is not empty, select the
	// entries of these loans and those of these lines: an entry is
	// selected if its LoanID is one of LoanIDs or its CreditLineID one of
	// CreditLineIDs (a line event naming a loan matches either way). A
	// line's loans' own events carry no CreditLineID: name the loans to
	// have them.
	LoanIDs       []string
	CreditLineIDs []string
}

// FeedPage is one read of the feed.
type FeedPage struct {
	Entries []FeedEntry
	// Through is the position the read is complete through: every entry
	// the params select at or below it is in Entries (or was before
	// After). It is the last entry's position when the page is full, else
	// the feed's head when the read began.
	Through int64
}

// The feed kinds of the rows that are not loan events.
const (
	// FeedAccrual is a line of the accrual journal.
	FeedAccrual = "ACCRUAL"
	// FeedNotice is a notice close of business emitted.
	FeedNotice = "DUE_NOTICE"
	// FeedLinePrefix begins the feed kind of a credit line's event,
	// followed by its kind (FeedLinePrefix+LineKindFrozen): line and loan
	// event kinds are separate vocabularies, and a kind filter must not
	// take one for the other.
	FeedLinePrefix = "CREDIT_LINE_"
)

// FeedEntry is one row of the feed: exactly one of Event, Accrual, Notice
// and LineEvent is set, as Kind says.
type FeedEntry struct {
	Position int64
	// Kind is the loan event's kind, FeedAccrual, FeedNotice, or
	// FeedLinePrefix and the line event's kind.
	Kind string
	// LoanID is the loan the entry is about; for a line event the loan
	// it names, or "".
	LoanID string
	// CreditLineID is the line of a line event; "" for the rest.
	CreditLineID string
	// BorrowerID and Currency are the loan's, or the line's.
	BorrowerID string
	Currency   string
	Event      *EventRecord
	Accrual    *FeedAccrualLine
	Notice     *Notice
	LineEvent  *CreditLineEventRecord
	// RecordedAt is when close of business wrote an accrual line or a
	// notice (an event carries its own).
	RecordedAt time.Time
}

// FeedAccrualLine is a journal line as the feed carries it.
type FeedAccrualLine struct {
	BusinessDate engine.Date
	Accrual
}
