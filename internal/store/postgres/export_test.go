package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/store"
)

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

// GroupAppendSQL is the statement of a group of appends.
const GroupAppendSQL = groupAppendSQL

// FenceSQL is the fence's statement: $1 a date, $2 its runner.
const FenceSQL = fenceSQL

// SoloTimings are the solo protocol's periods, for OpenWithTimings.
type SoloTimings = soloTimings

// NewSoloTimings makes SoloTimings.
func NewSoloTimings(poll, retry, lease, until, join time.Duration) SoloTimings {
	return soloTimings{poll: poll, retry: retry, lease: lease, until: until, join: join}
}

// OpenWithTimings is Open with the solo protocol's periods.
func OpenWithTimings(ctx context.Context, url string, t SoloTimings) (*Store, error) {
	return OpenWith(ctx, url, Options{timings: &t})
}

// MemberPID is the backend pid of the store's member connection, 0 if it
// has none.
func (s *Store) MemberPID() uint32 {
	s.member.mu.Lock()
	defer s.member.mu.Unlock()
	if s.member.conn == nil {
		return 0
	}
	return s.member.conn.PgConn().PID()
}

// HoldPolls stops the store's protocol, as a hung process's would stop,
// until the returned func is called: its member session stays open.
func (s *Store) HoldPolls() (release func()) {
	s.member.mu.Lock()
	return s.member.mu.Unlock
}

// Poll is the period of the lease's renewal.
func (t soloTimings) Poll() time.Duration { return t.poll }

// Retry is how often a store not alone tries to be.
func (t soloTimings) Retry() time.Duration { return t.retry }

// LoadFromSnapshotSQL is the statement that loads a loan from its latest
// snapshot: $1 the loan, $2 the snapshot format.
var LoadFromSnapshotSQL = loadFromSnapshotSQL

// ListLoansSQL is ListLoans' statement (its summary's) for p's filters,
// and its arguments.
func ListLoansSQL(p store.LoanQuery) (string, []any) { return listLoansSQL(loanSummaryColumns, p) }

// DueNoticesSQL is DueNotices' statement for p, and its arguments.
func DueNoticesSQL(p store.NoticeQuery) (string, []any) { return dueNoticesSQL(p) }

// COBLogsSQL is the statement that reads a close of business page's
// logs: $1 the loans, $2 the snapshot format, $3 the business date.
var COBLogsSQL = cobLogsSQL

// Amount is an amount of units at scale as close of business sends it
// (pgAmount).
func Amount(units int64, scale int32) any { return pgAmount{units: units, scale: scale} }

// Amounts is Amount for a slice, as the journal's batches send them.
func Amounts(units []int64, scale int32) any {
	out := make([]pgAmount, len(units))
	for i, u := range units {
		out[i] = pgAmount{units: u, scale: scale}
	}
	return out
}

// COBLoansPageSQL is the page of given loans' statement, its latest
// positions looked for in the window.
var COBLoansPageSQL = cobLoansPageSQL

// PositionWindowDays is how many dates back a page looks first.
const PositionWindowDays = positionWindowDays

// PositionPartition creates the partition of loan_positions of date d,
// as a write of positions of d does.
func (s *Store) PositionPartition(ctx context.Context, d engine.Date) error {
	return s.positionPartition(ctx, d)
}
