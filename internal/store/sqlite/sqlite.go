package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/loancore/loancore/internal/store"
)

//go:embed migrations/*.sql
var migrations embed.FS

// timeLayout is fixed-width so that text order is time order.
const timeLayout = "2006-01-02T15:04:05.000000000Z"

// The store implements every interface of the contract.
var (
	_ store.Store           = (*Store)(nil)
	_ store.Loans           = (*Store)(nil)
	_ store.LocalMarker     = (*Store)(nil)
	_ store.Requests        = (*Store)(nil)
	_ store.Agreements      = (*Store)(nil)
	_ store.Actions         = (*Store)(nil)
	_ store.CloseOfBusiness = (*Store)(nil)
	_ store.Secrets         = (*Store)(nil)
	_ store.Feed            = (*Store)(nil)
)

// Store is a store.Store on one SQLite database file.
type Store struct {
	db *sql.DB
	// carryMu makes the carry's workers (CarryPositions) take turns here:
	// SQLite writes one transaction at a time, and waiting for each other
	// in its busy timeout could run out of it.
	carryMu sync.Mutex
	// versions is LoanVersions' statement, summary ListLoans' with
	// LoanQuery.Summary (one for each set of filters: loanFilters), each
	// prepared on first use.
	versionsMu sync.Mutex
	versions   *sql.Stmt
	summary    [4]*sql.Stmt
	// marker is LoanVersionsSince's connection (marker.go).
	marker markerConn
}

// Open opens (creating if needed) the database file at path. A path
// that names no file is refused: an empty one or ":memory:" would give
// each pooled connection a database of its own, so loans written on one
// would be missing from the next, and gone at exit; a "file:" URI is
// not a path either (loand sets the URI's parameters itself).
func Open(ctx context.Context, path string) (*Store, error) {
	if err := checkPath(path); err != nil {
		return nil, err
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("sqlite: %w", err)
		}
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(FULL)")
	// Writers take the write lock when they begin, so two transactions never
	// deadlock upgrading read locks.
	q.Add("_txlock", "immediate")
	// The path is escaped into the URI, so that a "?", "#" or "%" in it
	// is part of the file's name, not a parameter that changes the
	// database ("x.db?mode=memory") or a fragment dropped.
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	s := &Store{db: db}
	if abs, err := filepath.Abs(path); err == nil {
		s.marker.dbPath = abs
	}
	return s, nil
}

// checkPath refuses a path that names no database file.
func checkPath(path string) error {
	switch {
	case path == "":
		return errors.New("sqlite: empty path: name the database file, as in sqlite:./data/loancore.db " +
			"(with none, each connection would get a temporary database of its own)")
	case path == ":memory:" || strings.HasPrefix(path, "file:"):
		return fmt.Errorf("sqlite: %q is not a file path: name the database file, as in sqlite:./data/loancore.db "+
			"(an in-memory database would give each connection a database of its own)", path)
	}
	return nil
}

// Close closes the database.
func (s *Store) Close() error {
	s.marker.mu.Lock()
	s.marker.close()
	wal := s.marker.wal
	s.marker.wal, s.marker.useWAL = nil, false
	s.marker.mu.Unlock()
	err := s.db.Close()
	if wal != nil {
		// After the database: see walIndex on closing its file.
		wal.release()
	}
	return err
}

// Migrate applies the embedded migrations not yet applied, in order.
func (s *Store) Migrate(ctx context.Context) (applied []int, err error) {
	files, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)`); err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	for _, f := range files {
		name := f[strings.LastIndex(f, "/")+1:]
		num, _, _ := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if err != nil {
			return applied, fmt.Errorf("migration %s: name must start with its number", name)
		}
		body, err := migrations.ReadFile(f)
		if err != nil {
			return applied, err
		}
		err = s.tx(ctx, func(tx *sql.Tx) error {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, v).Scan(&n); err != nil || n > 0 {
				return err
			}
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`,
				v, time.Now().UTC().Format(timeLayout))
			if err == nil {
				applied = append(applied, v)
			}
			return err
		})
		if err != nil {
			return applied, fmt.Errorf("migrate %s: %w", name, err)
		}
	}
	return applied, nil
}

func (s *Store) tx(ctx context.Context, f func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := f(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// mapError turns database errors into store errors.
func mapError(err error) error {
	if err == nil || errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrVersionConflict) || errors.Is(err, store.ErrTakenOver) {
		return err
	}
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		if se.Code()&0xff == sqlite3.SQLITE_FULL {
			// The disk (or the database's page limit) is full: the
			// statement or its transaction was rolled back.
			return fmt.Errorf("%w: %v", store.ErrFull, err)
		}
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			if strings.Contains(se.Error(), "loan_events.") || strings.Contains(se.Error(), "credit_line_events.") {
				return store.ErrVersionConflict
			}
			return store.ErrDuplicate
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE:
			return store.ErrDuplicate
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return store.ErrNotFound
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return store.ErrVersionConflict
		}
	}
	return fmt.Errorf("sqlite: %w", err)
}

// prepareOnce returns *stmt, preparing query into it first if it is nil;
// a failed prepare is tried again on the next call.
func (s *Store) prepareOnce(ctx context.Context, stmt **sql.Stmt, query string) (*sql.Stmt, error) {
	s.versionsMu.Lock()
	defer s.versionsMu.Unlock()
	if *stmt == nil {
		prepared, err := s.db.PrepareContext(ctx, query)
		if err != nil {
			return nil, err
		}
		*stmt = prepared
	}
	return *stmt, nil
}

// Ping reads one row of the database file, for loand's health checks:
// it fails while the file cannot be read.
func (s *Store) Ping(ctx context.Context) error {
	var n int
	return mapError(s.db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master`).Scan(&n))
}

// Migrations lists the embedded migrations and whether each is applied,
// without changing anything: for `loand migrate status` and --dry-run.
func (s *Store) Migrations(ctx context.Context) ([]store.Migration, error) {
	ms, err := store.ReadMigrations(migrations, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var n int
	err = s.db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`).Scan(&n)
	if err != nil || n == 0 {
		return ms, mapError(err)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT version, applied_at FROM schema_migrations`)
	if err != nil {
		return nil, mapError(err)
	}
	defer rows.Close()
	applied := map[int]time.Time{}
	for rows.Next() {
		var v int
		var at string
		if err := rows.Scan(&v, &at); err != nil {
			return nil, mapError(err)
		}
		applied[v], _ = time.Parse(timeLayout, at) // zero if unreadable: still applied
	}
	if err := rows.Err(); err != nil {
		return nil, mapError(err)
	}
	return store.MarkApplied(ms, applied), nil
}

// nullable is s, or NULL when empty: optional columns (an event's amount
// or payload, a line event's loan, a line's expiry) hold NULL when unset.
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// nullableSeq is v, or NULL when 0: an event that targets no other one
// holds NULL.
func nullableSeq(v int64) any {
	if v == 0 {
		return nil
	}
	return v
}
