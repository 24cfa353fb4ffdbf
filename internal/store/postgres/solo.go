package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// startPolling starts, once, the loop that makes the store solo while it
// is alone on the database: the read cache's first check starts it.
func (m *member) startPolling() { m.start.Do(func() { go m.run() }) }

// close stops the loop and closes the member connection, releasing the
// store's locks. A second close does nothing.
func (m *member) close() {
	m.closing.Do(func() { close(m.stop) })
	m.start.Do(func() { close(m.done) })
	<-m.done
	m.mu.Lock()
	m.drop()
	m.mu.Unlock()
}

func (m *member) run() {
	defer close(m.done)
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-m.stop:
			return
		case <-timer.C:
		}
		timer.Reset(m.poll())
	}
}

// poll runs one step of the protocol and returns the wait before the
// next: a poll while the lock is held exclusively, else a retry. Any
// failure drops the connection, and solo with it.
func (m *member) poll() time.Duration {
	m.mu.Lock()
	defer m.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), m.t.lease)
	defer cancel()
	err := m.step(ctx)
	switch {
	case err != nil:
		m.drop()
		return m.t.retry
	case m.exclusive:
		return m.t.poll
	}
	return m.t.retry
}

func (m *member) step(ctx context.Context) error {
	conn, err := m.open(ctx)
	if err != nil {
		return err
	}
	if !m.exclusive {
		return m.tryAlone(ctx, conn)
	}
	return m.renew(ctx, conn)
}

// tryAlone takes the writers' lock exclusively if no other session holds
// it, and then a transaction id of its own, after which solo waits until
// every transaction with an id up to it is over: a writer that left may
// not have committed a write its fence passed. (Not the snapshot's list
// of transactions in progress: it leaves out those at or past its xmax,
// the latest completed id plus one, which may be in progress too.)
func (m *member) tryAlone(ctx context.Context, conn *pgx.Conn) error {
	var alone bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, writersLockID).Scan(&alone); err != nil || !alone {
		return err
	}
	m.exclusive = true
	if err := conn.QueryRow(ctx, `SELECT pg_current_xact_id()::text`).Scan(&m.entering); err != nil {
		return err
	}
	return m.renew(ctx, conn)
}

// renewSQL records the lease for joiners and asks whether one waits, or
// a session of a client that is not loancore's is on the database: a
// loand from before the writers' fence (migration 27) writes without
// joining, so solo waits until there is none.
var renewSQL = `WITH u AS (INSERT INTO loancore_solo (id, until)
	VALUES (1, clock_timestamp() + $1::bigint * interval '1 millisecond')
	ON CONFLICT (id) DO UPDATE SET until = EXCLUDED.until)
SELECT EXISTS (SELECT 1 FROM pg_locks WHERE ` + writersLockWhere + ` AND NOT granted)
	OR EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend'
		AND application_name IS DISTINCT FROM '` + applicationName + `')`

// renew renews the lease, yields to a joiner, and begins solo once the
// transactions up to the entering id are over; the lease is counted
// from when the renewal was sent.
func (m *member) renew(ctx context.Context, conn *pgx.Conn) error {
	sent := m.now()
	var joiner bool // or a foreign session
	if err := conn.QueryRow(ctx, renewSQL, m.t.until.Milliseconds()).Scan(&joiner); err != nil {
		return err
	}
	if joiner {
		return m.yield(ctx, conn)
	}
	if m.entering != "" {
		var over bool
		if err := conn.QueryRow(ctx, `SELECT pg_snapshot_xmin(pg_current_snapshot()) > $1::xid8`, m.entering).Scan(&over); err != nil || !over {
			return err
		}
		m.entering = ""
		m.leaseEnd.Store(sent + int64(m.t.lease))
		m.gen.Add(1)
		m.solo.Store(true)
		return nil
	}
	m.leaseEnd.Store(sent + int64(m.t.lease))
	return nil
}

// yield leaves solo, then tells joiners no lease runs, then releases the
// exclusive hold (a writer keeps its shared one): the joiner's first
// write comes after all three.
func (m *member) yield(ctx context.Context, conn *pgx.Conn) error {
	m.leave()
	if _, err := conn.Exec(ctx, `UPDATE loancore_solo SET until = clock_timestamp()`); err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_unlock($1)`, writersLockID); err != nil {
		return err
	}
	m.exclusive, m.entering = false, ""
	return nil
}
