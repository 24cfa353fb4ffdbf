package postgres

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// writersLockID is the advisory lock of the processes that write loans'
// logs: each holds it shared on its member connection for as long as it
// may write, and a process alone on the database holds it exclusively.
// docs/design.md §5, "Alone on the database".
const writersLockID int64 = 0x6c63777269746572 // "lcwriter"

// errNotMember is a write loancore_member (migration 27) refused: the
// writer's key is no longer held, its member session having ended. The
// write made nothing.
var errNotMember = errors.New("postgres: this store's member session ended; the write was not made")

// soloTimings are the protocol's periods. lease must be shorter than
// until, and poll a fraction of lease, or a busy moment takes the
// process out of solo reads.
type soloTimings struct {
	// poll is the period of the statement that renews the lease and
	// looks for a joiner while the process holds the lock exclusively.
	poll time.Duration
	// retry is how often a process not alone tries to be.
	retry time.Duration
	// lease is how long after a renewal was sent loand trusts it is
	// still alone.
	lease time.Duration
	// until is the lease a renewal records for joiners (loancore_solo),
	// counted from its run on PostgreSQL's clock.
	until time.Duration
	// join is a joiner's lock_timeout: a holder that has not yielded by
	// then is taken to be hung, and its member session is ended.
	join time.Duration
}

var defaultSoloTimings = soloTimings{
	poll: 100 * time.Millisecond, retry: time.Second,
	lease: time.Second, until: 1500 * time.Millisecond, join: 5 * time.Second,
}

// member is a Store's place among the processes on its database: a
// connection of its own that holds the writers' lock (shared to write,
// exclusive while alone) and the store's own key, which fences its
// writes. Reads look only at the atomics; mu guards the connection.
type member struct {
	cfg *pgx.ConnConfig
	t   soloTimings

	mu   sync.Mutex
	conn *pgx.Conn
	// exclusive is whether conn holds writersLockID exclusively. It
	// holds it shared exactly while the store has joined (key != 0).
	exclusive bool
	// entering is a transaction id taken when conn got the lock
	// exclusively: solo begins once every transaction up to it is over.
	entering string

	// key is the store's own lock, held exclusively on conn while it may
	// write; 0 when it has not joined (or lost conn).
	key atomic.Int64
	// gen moves before and after every write to a loan's log from this
	// store, and on entering and leaving solo: the solo marker.
	gen  atomic.Uint64
	solo atomic.Bool
	// leaseEnd is when solo reads end unless renewed (ns on base's
	// monotonic clock).
	leaseEnd atomic.Int64
	base     time.Time

	start, closing sync.Once
	stop, done     chan struct{}
}

func newMember(cfg *pgx.ConnConfig, t soloTimings) *member {
	return &member{cfg: cfg, t: t, base: time.Now(), stop: make(chan struct{}), done: make(chan struct{})}
}

// now is the time on m's monotonic clock.
func (m *member) now() int64 { return int64(time.Since(m.base)) }

// alone is whether the process is solo and its lease runs.
func (m *member) alone() bool { return m.solo.Load() && m.now() < m.leaseEnd.Load() }

// marker is the solo marker while the process is alone, else "": "s"
// and gen.
func (m *member) marker() string {
	if !m.alone() {
		return ""
	}
	return "s" + strconv.FormatUint(m.gen.Load(), 10)
}

// unchanged reports whether since is the solo marker now, without
// allocating: the process has been alone since it was read, and wrote
// no loan's log.
func (m *member) unchanged(since string) bool {
	if len(since) < 2 || since[0] != 's' || !m.alone() {
		return false
	}
	g, err := strconv.ParseUint(since[1:], 10, 64)
	return err == nil && g == m.gen.Load()
}

// writeKey returns the key that fences this store's writes, joining the
// writers first if it has not.
func (m *member) writeKey(ctx context.Context) (int64, error) {
	if k := m.key.Load(); k != 0 {
		return k, nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if k := m.key.Load(); k != 0 {
		return k, nil
	}
	// A kept connection may have died since its last use (its session
	// ended from outside, which is also why a write's fence failed):
	// joining is tried once more on a new one.
	var err error
	for range 2 {
		if err = m.join(ctx); err == nil {
			return m.key.Load(), nil
		}
		m.drop()
		if ctx.Err() != nil {
			break
		}
	}
	return 0, err
}

// forget drops the member connection after a write the fence refused:
// its session has ended, and the next write joins again. m.mu is not
// held.
func (m *member) forget(key int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.key.Load() == key {
		m.drop()
	}
}

// open returns the member connection, dialling one if there is none;
// m.mu is held. Its lock waits end after m.t.join, and its commits (the
// lease's renewals, to an unlogged table) do not wait for a flush.
func (m *member) open(ctx context.Context) (*pgx.Conn, error) {
	if m.conn != nil && !m.conn.IsClosed() {
		return m.conn, nil
	}
	m.drop()
	cfg := m.cfg.Copy()
	cfg.Tracer = nil
	cfg.RuntimeParams["lock_timeout"] = strconv.FormatInt(m.t.join.Milliseconds(), 10)
	cfg.RuntimeParams["synchronous_commit"] = "off"
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	m.conn = conn
	return conn, nil
}

// drop closes the member connection, which releases its locks, and
// leaves solo; m.mu is held.
func (m *member) drop() {
	m.leave()
	m.key.Store(0)
	m.exclusive, m.entering = false, ""
	if m.conn != nil {
		_ = m.conn.Close(context.Background())
		m.conn = nil
	}
}

// leave ends solo reads, if they run: from now on reads ask the store.
func (m *member) leave() {
	if m.solo.Load() {
		m.solo.Store(false)
		m.gen.Add(1)
	}
}

// join takes the writers' lock shared and the store's own key; m.mu is
// held. A process alone yields within a poll; one that does not within
// m.t.join is taken to be hung, and its member session is ended. Then,
// unless this store held the lock exclusively itself, it waits out the
// lease a vanished holder may still be reading under.
func (m *member) join(ctx context.Context) error {
	conn, err := m.open(ctx)
	if err != nil {
		return err
	}
	if err := m.lockShared(ctx, conn); err != nil {
		return err
	}
	if !m.exclusive {
		if err := m.waitLease(ctx, conn); err != nil {
			return err
		}
	}
	key, err := randomKey()
	if err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, key); err != nil {
		return err
	}
	m.key.Store(key)
	return nil
}

// lockShared takes writersLockID shared on conn, ending the session of a
// holder that does not yield.
func (m *member) lockShared(ctx context.Context, conn *pgx.Conn) error {
	for attempt := 0; ; attempt++ {
		_, err := conn.Exec(ctx, `SELECT pg_advisory_lock_shared($1)`, writersLockID)
		var pg *pgconn.PgError
		if err == nil {
			return nil
		}
		if attempt == 2 || !errors.As(err, &pg) || pg.Code != "55P03" { // lock_not_available
			return err
		}
		if _, err := conn.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_locks
			WHERE `+writersLockWhere+` AND mode = 'ExclusiveLock' AND granted AND pid <> pg_backend_pid()`); err != nil {
			return err
		}
	}
}

// writersLockWhere picks writersLockID's rows of pg_locks in this
// database: a bigint key shows as its two halves.
var writersLockWhere = fmt.Sprintf(`locktype = 'advisory' AND objsubid = 1 AND classid = %d AND objid = %d
	AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`, writersLockID>>32, writersLockID&0xffffffff)

// waitLease sleeps until the lease a holder recorded has run out: none
// recorded (a crash emptied the unlogged table) counts as a whole one.
func (m *member) waitLease(ctx context.Context, conn *pgx.Conn) error {
	var leftMS int64
	if err := conn.QueryRow(ctx, `SELECT COALESCE(ceil(EXTRACT(epoch FROM max(until) - clock_timestamp()) * 1000)::bigint, $1::bigint)
		FROM loancore_solo`, m.t.until.Milliseconds()).Scan(&leftMS); err != nil {
		return err
	}
	if leftMS <= 0 {
		return nil
	}
	select {
	case <-time.After(time.Duration(leftMS+10) * time.Millisecond):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func randomKey() (int64, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return 0, err
	}
	return int64(binary.BigEndian.Uint64(b[:])>>2) | 1, nil
}

// writeLog runs write, a write to a loan's log, behind the store's fence
// (its key, which write passes to loancore_member, reporting
// errNotMember when the fence made it write nothing): it joins the writers
// first if it has not, and moves the solo marker before and after, so
// that a read overlapping the write asks the store. A write the fence
// refused was not made: the store joins again and tries it once more.
func (s *Store) writeLog(ctx context.Context, write func(fence int64) error) error {
	for attempt := 0; ; attempt++ {
		key, err := s.member.writeKey(ctx)
		if err != nil {
			return mapError(err)
		}
		s.member.gen.Add(1)
		err = write(key)
		s.member.gen.Add(1)
		if attempt == 0 && errors.Is(err, errNotMember) {
			s.member.forget(key)
			continue
		}
		return mapError(err)
	}
}
