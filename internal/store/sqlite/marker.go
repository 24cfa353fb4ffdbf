package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"io"
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
	gen int64
	// version is PRAGMA data_version prepared on the driver's connection
	// under conn and run there (conn.Raw), not through database/sql: a
	// check with nothing written is this statement alone, and
	// database/sql's statement, rows and scanning cost more than it.
	version  driver.StmtQueryContext
	versions *sql.Stmt
	// readVersion is m.queryVersion as a func value made once (Raw takes
	// one; a method value made per call would be allocated per call).
	readVersion func(driverConn any) error
	// dv is what readVersion read; dest its row's buffer.
	dv   int64
	dest []driver.Value
	// lastDV and lastMarker: the marker of the last data_version read,
	// so that an unchanged one is not formatted again.
	lastDV     int64
	lastMarker string
	// dbPath is the database file's; wal its WAL index mapped (the
	// marker without the PRAGMA), nil when it could not be, or no
	// longer is the file's (useWAL false). lastHeader and lastWALMarker
	// as lastDV and lastMarker.
	dbPath        string
	wal           *walIndex
	walTried      bool
	useWAL        bool
	lastHeader    [walHeaderWords / 2]uint32
	lastWALMarker string
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

// MarkerUnchanged implements store.LocalMarker: the WAL index's header,
// read now, is still the one since was made of. It never runs a
// statement: with the header unmapped, not consistent, or the marker
// connection closed (the mapping is read only while that connection holds
// the -shm open), it says false and LoanVersionsSince answers.
func (s *Store) MarkerUnchanged(since string) bool {
	m := &s.marker
	m.mu.Lock()
	defer m.mu.Unlock()
	if since == "" || m.conn == nil || !m.useWAL || m.lastWALMarker != since {
		return false
	}
	var h [walHeaderWords / 2]uint32
	return m.walHeader(&h) && h == m.lastHeader
}

// read is LoanVersionsSince on the open (or opened) marker connection;
// m.mu is held.
func (m *markerConn) read(ctx context.Context, db *sql.DB, since string, loanIDs []string) (store.MarkedVersions, error) {
	if err := m.open(ctx, db); err != nil {
		return store.MarkedVersions{}, err
	}
	marker, err := m.marker()
	if err != nil {
		return store.MarkedVersions{}, err
	}
	out := store.MarkedVersions{Marker: marker}
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

// marker reads the change marker: the WAL index's header when it is
// mapped and consistent, else PRAGMA data_version (a writer caught
// mid-way through rewriting the header, or no mapping). The two kinds
// never equal each other, so switching between them reads the versions
// once more. The marker connection is open; m.mu is held.
func (m *markerConn) marker() (string, error) {
	var h [walHeaderWords / 2]uint32
	if m.useWAL && m.walHeader(&h) {
		if m.lastWALMarker == "" || h != m.lastHeader {
			b := strconv.AppendInt(make([]byte, 0, 16+9*len(h)), m.gen, 10)
			b = append(b, ":w"...)
			for _, x := range h {
				b = strconv.AppendUint(append(b, ':'), uint64(x), 16)
			}
			m.lastHeader, m.lastWALMarker = h, string(b)
		}
		return m.lastWALMarker, nil
	}
	if err := m.conn.Raw(m.readVersion); err != nil {
		return "", err
	}
	if m.lastMarker == "" || m.dv != m.lastDV {
		m.lastDV, m.lastMarker = m.dv, strconv.FormatInt(m.gen, 10)+":"+strconv.FormatInt(m.dv, 10)
	}
	return m.lastMarker, nil
}

// walHeaderTries is how many times the header is read before the PRAGMA
// is asked instead: a writer rewrites it in well under a microsecond, so
// a read that caught it mid-way usually succeeds at once (SQLite's own
// readers retry likewise).
const walHeaderTries = 8

// walHeader reads the mapped header into h, retrying a read that caught
// a writer mid-way; false if none succeeded.
func (m *markerConn) walHeader(h *[walHeaderWords / 2]uint32) bool {
	for range walHeaderTries {
		if m.wal.header(h) {
			return true
		}
	}
	return false
}

// queryVersion runs the prepared PRAGMA data_version on the driver's
// connection (inside conn.Raw) into m.dv. The PRAGMA reads the WAL index
// and waits on no writer: it runs without a cancellable context, which
// would cost the driver a goroutine to watch for it, more than the
// PRAGMA itself.
func (m *markerConn) queryVersion(any) error {
	rows, err := m.version.QueryContext(context.Background(), nil)
	if err != nil {
		return err
	}
	err = rows.Next(m.dest)
	if cerr := rows.Close(); err == nil {
		err = cerr
	}
	if err == io.EOF {
		return fmt.Errorf("sqlite: PRAGMA data_version: no row")
	}
	if err != nil {
		return err
	}
	dv, ok := m.dest[0].(int64)
	if !ok {
		return fmt.Errorf("sqlite: PRAGMA data_version: got %T", m.dest[0])
	}
	m.dv = dv
	return nil
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
	err = conn.Raw(func(dc any) error {
		st, err := dc.(driver.ConnPrepareContext).PrepareContext(ctx, `PRAGMA data_version`)
		if err != nil {
			return err
		}
		q, ok := st.(driver.StmtQueryContext)
		if !ok {
			_ = st.Close()
			return fmt.Errorf("sqlite: the driver's statement has no QueryContext")
		}
		m.version = q
		return nil
	})
	if err != nil {
		_ = conn.Close()
		return err
	}
	versions, err := conn.PrepareContext(ctx, loanVersionsSQL)
	if err != nil {
		m.closeVersion(conn)
		_ = conn.Close()
		return err
	}
	m.conn, m.versions = conn, versions
	m.readVersion, m.dest = m.queryVersion, make([]driver.Value, 1)
	m.gen++
	m.lastMarker, m.lastWALMarker = "", ""
	m.mapWAL()
	return nil
}

// mapWAL maps the WAL index once, after the marker connection has begun
// a read (so the -shm file exists and is initialised, and stays so
// while the connection is open); after a reopen it keeps using the
// mapping only if the -shm file is still the one mapped. Failing that,
// the marker is the PRAGMA's. m.mu is held.
func (m *markerConn) mapWAL() {
	if m.wal != nil {
		m.useWAL = m.useWAL && m.wal.same(m.dbPath)
		return
	}
	if m.walTried || m.dbPath == "" {
		return
	}
	m.walTried = true
	if err := m.conn.Raw(m.readVersion); err != nil {
		return
	}
	if w, err := openWALIndex(m.dbPath); err == nil {
		m.wal, m.useWAL = w, true
	}
}

// closeVersion closes the driver's PRAGMA statement on conn, where it
// was prepared.
func (m *markerConn) closeVersion(conn *sql.Conn) {
	if m.version == nil {
		return
	}
	_ = conn.Raw(func(any) error { return m.version.(driver.Stmt).Close() })
	m.version = nil
}

// close gives the marker connection back to the pool, its statements
// closed (database/sql drops a broken one); m.mu is held.
func (m *markerConn) close() {
	if m.conn == nil {
		return
	}
	m.closeVersion(m.conn)
	_ = m.versions.Close()
	_ = m.conn.Close()
	m.conn, m.versions = nil, nil
}
