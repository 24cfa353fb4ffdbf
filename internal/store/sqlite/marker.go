package sqlite

import (
	"context"
	"database/sql"
	"strconv"
	"sync"

	"github.com/loancore/loancore/internal/store"
)

// markerConn is the connection LoanVersionsSince reads its change marker
// on, kept for that alone. SQLite's PRAGMA data_version, read twice on one
// connection, differs if any other connection, of this process or of
// another on the same file, committed in between, and is unchanged by the
// connection's own commits; this one never writes, so every write of the
// store (its pool's other connections) and of other processes moves it.
// It is a read of the shared WAL index in this process, not a round trip:
// a check that finds nothing changed costs microseconds.
type markerConn struct {
	mu   sync.Mutex
	conn *sql.Conn
	// gen counts the connections opened: a new connection's
	// data_version starts over, so the marker carries the generation.
	gen      int64
	version  *sql.Stmt
	versions *sql.Stmt
}

// LoanVersionsSince implements store.Loans: data_version on the marker
// connection, then, unless the marker equals since, loanVersionsSQL on the
// same connection. The marker is read first, so a commit between the two
// moves the next marker: the versions are at least as new as it.
func (s *Store) LoanVersionsSince(ctx context.Context, since string, loanIDs []string) (store.MarkedVersions, error) {
	m := &s.marker
	m.mu.Lock()
	defer m.mu.Unlock()
	out, err := m.read(ctx, s.db, since, loanIDs)
	if err != nil {
		// The connection may be broken: the next call opens another.
		m.close()
		return store.MarkedVersions{}, mapError(err)
	}
	return out, nil
}

// read is LoanVersionsSince on the open (or opened) marker connection;
// m.mu is held.
func (m *markerConn) read(ctx context.Context, db *sql.DB, since string, loanIDs []string) (store.MarkedVersions, error) {
	if err := m.open(ctx, db); err != nil {
		return store.MarkedVersions{}, err
	}
	// The PRAGMA reads the WAL index and waits on no writer: it runs
	// without the caller's cancellation, which would cost database/sql
	// and the driver a goroutine each to watch for it, more than the
	// PRAGMA itself.
	var dv int64
	if err := m.version.QueryRowContext(context.WithoutCancel(ctx)).Scan(&dv); err != nil {
		return store.MarkedVersions{}, err
	}
	out := store.MarkedVersions{Marker: strconv.FormatInt(m.gen, 10) + ":" + strconv.FormatInt(dv, 10)}
	if since != "" && out.Marker == since {
		return out, nil
	}
	versions, err := queryVersions(ctx, m.versions, loanIDs)
	if err != nil {
		return store.MarkedVersions{}, err
	}
	out.Versions = versions
	return out, nil
}

// open takes a connection from db for the marker, with its two
// statements, unless one is open.
func (m *markerConn) open(ctx context.Context, db *sql.DB) error {
	if m.conn != nil {
		return nil
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	version, err := conn.PrepareContext(ctx, `PRAGMA data_version`)
	if err != nil {
		_ = conn.Close()
		return err
	}
	versions, err := conn.PrepareContext(ctx, loanVersionsSQL)
	if err != nil {
		_ = version.Close()
		_ = conn.Close()
		return err
	}
	m.conn, m.version, m.versions = conn, version, versions
	m.gen++
	return nil
}

// close gives the marker connection back to the pool, its statements
// closed (database/sql drops a broken one); m.mu is held.
func (m *markerConn) close() {
	if m.conn == nil {
		return
	}
	_ = m.version.Close()
	_ = m.versions.Close()
	_ = m.conn.Close()
	m.conn, m.version, m.versions = nil, nil, nil
}
