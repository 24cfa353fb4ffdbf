package postgres

import (
	"context"
	"sync"

	"github.com/jackc/pgx/v5"

	"github.com/loancore/loancore/internal/store"
)

// markerConn is the connection LoanVersionsSince runs on, kept for it
// alone rather than taken from the pool for each check: the read cache's
// check is one small statement a read waits for, and the pool's acquire
// and release around it cost loand more than the statement's own
// encoding. The read cache runs one check at a time, so one connection
// serves it (mu only guards against callers outside it). A connection
// that failed is closed and another dialled.
type markerConn struct {
	mu   sync.Mutex
	cfg  *pgx.ConnConfig
	conn *pgx.Conn
}

// get returns the open connection, dialling one if there is none; m.mu
// is held.
func (m *markerConn) get(ctx context.Context) (*pgx.Conn, error) {
	if m.conn != nil && !m.conn.IsClosed() {
		return m.conn, nil
	}
	conn, err := pgx.ConnectConfig(ctx, m.cfg.Copy())
	if err != nil {
		return nil, err
	}
	m.conn = conn
	return conn, nil
}

// close closes the connection if one is open; m.mu is held.
func (m *markerConn) close() {
	if m.conn != nil {
		_ = m.conn.Close(context.Background())
		m.conn = nil
	}
}

// MarkerUnchanged implements store.LocalMarker. PostgreSQL's own marker
// is a round trip away, never in loand's memory; but while the store is
// alone on the database (solo, member.go) its marker is its own count of
// writes, and a marker read then is unchanged while the store stays alone
// and writes no loan's log.
func (s *Store) MarkerUnchanged(since string) bool { return s.member.unchanged(since) }

// Alone reports whether the store is the only writer on its database now
// and its lease runs: its reads' checks are answered in memory
// (loancore_store_alone).
func (s *Store) Alone() bool { return s.member.alone() }

// LoanVersionsSince implements store.Loans: one statement, whose snapshot
// is the marker. While nothing moves, the marker is read alone first
// (`SELECT pg_current_snapshot()`, cheaper than the statement with the
// ids' array and the join), and the statement follows only if it moved;
// after a check that found it moved, the statement is sent at once, so a
// steady stream of writes costs one round trip a check, not two. Both
// run on the marker connection (markerConn). While the store is alone on
// the database (member.go), the marker is the solo one instead: since
// equal to it needs no statement, and any other since reads the versions.
// The first call starts the store's bid to be alone.
func (s *Store) LoanVersionsSince(ctx context.Context, since string, loanIDs []string) (store.MarkedVersions, error) {
	s.member.startPolling()
	// Alone, the marker is the solo one, read before the versions: a
	// write of this store in between moves it, and the next read asks
	// again.
	if solo := s.member.marker(); solo != "" {
		if since == solo {
			return store.MarkedVersions{Marker: solo}, nil
		}
		out, err := s.versionsOnMarkerConn(ctx, "", loanIDs)
		if err != nil {
			return store.MarkedVersions{}, err
		}
		out.Marker = solo
		return out, nil
	}
	return s.versionsOnMarkerConn(ctx, since, loanIDs)
}

// versionsOnMarkerConn is LoanVersionsSince on the marker connection.
func (s *Store) versionsOnMarkerConn(ctx context.Context, since string, loanIDs []string) (store.MarkedVersions, error) {
	m := &s.marker
	m.mu.Lock()
	defer m.mu.Unlock()
	// A kept connection can have died while idle (a server restart, the
	// network), which the pool would have noticed at acquire: the check
	// only reads, so it is tried once more on a new connection, unless
	// the caller has given up.
	var out store.MarkedVersions
	var err error
	for range 2 {
		var conn *pgx.Conn
		if conn, err = m.get(ctx); err != nil {
			return store.MarkedVersions{}, mapError(err)
		}
		if out, err = s.loanVersionsSinceOn(ctx, conn, since, loanIDs); err == nil {
			return out, nil
		}
		// pgx closes a connection whose query's context ended mid-way,
		// and one that failed may be broken: the next check dials again.
		m.close()
		if ctx.Err() != nil {
			break
		}
	}
	return store.MarkedVersions{}, err
}

// loanVersionsSinceOn is LoanVersionsSince on conn.
func (s *Store) loanVersionsSinceOn(ctx context.Context, conn *pgx.Conn, since string, loanIDs []string) (store.MarkedVersions, error) {
	if since != "" && !s.moved.Load() {
		var marker string
		if err := conn.QueryRow(ctx, `SELECT pg_current_snapshot()::text`).Scan(&marker); err != nil {
			return store.MarkedVersions{}, mapError(err)
		}
		if marker == since {
			return store.MarkedVersions{Marker: marker}, nil
		}
	}
	out, err := loanVersionsSince(ctx, conn, since, loanIDs)
	if err == nil && since != "" {
		s.moved.Store(out.Marker != since)
	}
	return out, err
}
