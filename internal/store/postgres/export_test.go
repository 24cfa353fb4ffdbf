package postgres

import "github.com/jackc/pgx/v5/pgxpool"

// Pool is the store's pool, for tests that look at a connection's state.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// FeedLockSQL is the statement that begins a sequencer pass.
const FeedLockSQL = feedLockSQL

// SequenceSQL is a sequencer pass's statement.
const SequenceSQL = sequenceSQL

// ReadFeedSQL and ReadFeedLoansSQL are ReadFeed's statements.
const (
	ReadFeedSQL      = readFeedSQL
	ReadFeedLoansSQL = readFeedLoansSQL
)

// FenceSQL is the fence's statement: $1 a date, $2 its runner.
const FenceSQL = fenceSQL
