package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
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

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullableSeq(v int64) any {
	if v == 0 {
		return nil
	}
	return v
}

// insertEvent writes one event, with the request r on it if it is the
// event that answers r.
func insertEvent(ctx context.Context, tx *sql.Tx, e store.EventRecord, r store.RequestRecord) error {
	var method, hash any
	if r.Seq == e.Seq {
		method, hash = r.Method, r.RequestHash
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO loan_events
		(loan_id, seq, kind, value_date, recorded_at, request_id, actor, amount, target_seq, reason, method, request_hash, payload, on_behalf_of)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.LoanID, e.Seq, e.Kind, e.ValueDate, e.RecordedAt.UTC().Format(timeLayout), e.RequestID, e.Actor,
		nullable(e.Amount), nullableSeq(e.TargetSeq), e.Reason, method, hash, nullable(e.Payload), e.OnBehalfOf)
	return err
}

// CreateLoan implements store.Store.
func (s *Store) CreateLoan(ctx context.Context, p store.NewLoanRecord) error {
	return mapError(s.tx(ctx, func(tx *sql.Tx) error { return insertLoan(ctx, tx, p) }))
}

// insertLoan writes a new loan's row and first events in tx: CreateLoan's
// work, and a drawdown's beside the line's event.
func insertLoan(ctx context.Context, tx *sql.Tx, p store.NewLoanRecord) error {
	l := p.Loan
	if _, err := tx.ExecContext(ctx, `INSERT INTO loans (loan_id, borrower_id, currency, terms, status, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, l.LoanID, l.BorrowerID, l.Currency, string(l.Terms), l.Status,
		l.CreatedAt.UTC().Format(timeLayout)); err != nil {
		return err
	}
	for _, e := range p.Events {
		if err := insertEvent(ctx, tx, e, p.Request); err != nil {
			return err
		}
	}
	return nil
}

// AppendEvent implements store.Store. The write lock is taken when the
// transaction begins, so the version read here cannot move before the
// insert; the primary key (loan_id, seq) backs it up.
func (s *Store) AppendEvent(ctx context.Context, p store.AppendEventParams) error {
	if p.Event.Seq != p.ExpectedVersion+1 || p.Request.Seq != p.Event.Seq {
		return fmt.Errorf("sqlite: append of seq %d at version %d (request seq %d)", p.Event.Seq, p.ExpectedVersion, p.Request.Seq)
	}
	if p.Snapshot != nil && p.Snapshot.Seq != p.Event.Seq {
		return fmt.Errorf("sqlite: snapshot at seq %d with the event at %d", p.Snapshot.Seq, p.Event.Seq)
	}
	if l := p.Line; l != nil && (l.Event.Seq != l.ExpectedVersion+1 || l.Event.Seq < 2) {
		return fmt.Errorf("sqlite: line append of seq %d at version %d", l.Event.Seq, l.ExpectedVersion)
	}
	return mapError(s.tx(ctx, func(tx *sql.Tx) error {
		var last sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT max(seq) FROM loan_events WHERE loan_id = ?`, p.LoanID).Scan(&last); err != nil {
			return err
		}
		switch {
		case !last.Valid:
			return store.ErrNotFound
		case last.Int64 != p.ExpectedVersion:
			return store.ErrVersionConflict
		}
		if err := insertEvent(ctx, tx, p.Event, p.Request); err != nil {
			return err
		}
		if sn := p.Snapshot; sn != nil {
			if _, err := tx.ExecContext(ctx, `INSERT INTO loan_snapshots (loan_id, format, seq, as_of, last_value_date, state, recorded_at)
				VALUES (?, ?, ?, ?, ?, ?, ?)`, p.LoanID, sn.Format, sn.Seq, sn.AsOf, sn.LastValueDate, append([]byte{}, sn.State...),
				p.Event.RecordedAt.UTC().Format(timeLayout)); err != nil {
				return err
			}
		}
		if p.Agreement != nil {
			if err := upsertAgreement(ctx, tx, *p.Agreement); err != nil {
				return err
			}
		}
		if p.Action != nil {
			if err := upsertAction(ctx, tx, *p.Action); err != nil {
				return err
			}
		}
		if l := p.Line; l != nil {
			if err := appendLine(ctx, tx, l.ExpectedVersion, l.Event, store.RequestRecord{}, ""); err != nil {
				return err
			}
		}
		if p.SetStatus == "" {
			return nil
		}
		_, err := tx.ExecContext(ctx, `UPDATE loans SET status = ? WHERE loan_id = ?`, p.SetStatus, p.LoanID)
		return err
	}))
}

// loanColumns are the columns scanLoan reads from loans l; the version is
// the seq of the last event.
const loanColumns = `l.loan_id, l.borrower_id, l.currency, l.terms, l.status,
	(SELECT max(seq) FROM loan_events e WHERE e.loan_id = l.loan_id), l.created_at`

type scanner interface{ Scan(...any) error }

func scanLoan(row scanner) (store.LoanRecord, error) {
	var l store.LoanRecord
	var terms, created string
	if err := row.Scan(&l.LoanID, &l.BorrowerID, &l.Currency, &terms, &l.Status, &l.Version, &created); err != nil {
		return l, err
	}
	l.Terms = []byte(terms)
	t, err := time.Parse(timeLayout, created)
	l.CreatedAt = t
	return l, err
}

// loadLoanSQL reads a loan's row and its log, from its latest snapshot of
// a format (?2; 0 matches none) dated on or before ?3, or from the start
// when there is none or the latest is a marker (an empty state), in one
// statement, so one snapshot of the database. The rows start at the snapshot's own
// event, which carries the loan's and the snapshot's columns, or at the
// first event; the version is the last event's seq. f comes first in
// the join, and CROSS JOIN keeps SQLite from reordering it, so that the
// snapshot's seq bounds the log's key range: joined after the log, it
// filtered every event of the loan (TestLoadReadsFromSnapshot).
const loadLoanSQL = `WITH s AS (SELECT seq, as_of, last_value_date, state, recorded_at FROM loan_snapshots
		WHERE loan_id = ?1 AND format = ?2 AND as_of <= ?3 ORDER BY seq DESC LIMIT 1),
	f AS (SELECT COALESCE((SELECT seq FROM s WHERE length(state) > 0), 1) AS first)
	SELECT CASE WHEN e.seq = f.first THEN l.borrower_id END, CASE WHEN e.seq = f.first THEN l.currency END,
	CASE WHEN e.seq = f.first THEN l.terms END, CASE WHEN e.seq = f.first THEN l.status END, CASE WHEN e.seq = f.first THEN l.created_at END,
	s.seq, s.as_of, s.last_value_date, s.state, s.recorded_at,
	e.seq, e.kind, e.value_date, e.recorded_at, e.request_id, e.actor,
	COALESCE(e.amount, ''), COALESCE(e.target_seq, 0), e.reason, COALESCE(e.payload, ''), e.on_behalf_of
	FROM f CROSS JOIN loans l CROSS JOIN loan_events e ON e.loan_id = l.loan_id AND e.seq >= f.first
	LEFT JOIN s ON s.seq = e.seq AND length(s.state) > 0
	WHERE l.loan_id = ?1 ORDER BY e.seq`

// LoadLoan implements store.Store.
func (s *Store) LoadLoan(ctx context.Context, p store.LoadLoanParams) (store.LoanLog, error) {
	var out store.LoanLog
	if p.RequestID != "" {
		r, err := s.FindRequest(ctx, store.RequestKey{RequestID: p.RequestID})
		if err == nil {
			out.Request = &r
		} else if !errors.Is(err, store.ErrNotFound) {
			return out, err
		}
	}
	lg, err := s.loadLoan(ctx, p.LoanID, p.SnapshotFormat, "9999-12-31")
	lg.Request = out.Request
	return lg, err
}

// loadLoan reads a loan's row and its log, from its latest snapshot of a
// format dated on or before maxAsOf when it has one (loadLoanSQL).
func (s *Store) loadLoan(ctx context.Context, loanID string, format int, maxAsOf string) (store.LoanLog, error) {
	var out store.LoanLog
	rows, err := s.db.QueryContext(ctx, loadLoanSQL, loanID, format, maxAsOf)
	if err != nil {
		return out, mapError(err)
	}
	defer rows.Close()
	loan := store.LoanRecord{LoanID: loanID}
	var borrower, currency, terms, status, created, snapAsOf, snapLast, snapRecorded sql.NullString
	var snapSeq sql.NullInt64
	var snapState []byte
	for first := true; rows.Next(); first = false {
		e := store.EventRecord{LoanID: loanID}
		var recorded string
		if err := rows.Scan(&borrower, &currency, &terms, &status, &created, &snapSeq, &snapAsOf, &snapLast, &snapState, &snapRecorded,
			&e.Seq, &e.Kind, &e.ValueDate, &recorded, &e.RequestID, &e.Actor, &e.Amount, &e.TargetSeq, &e.Reason, &e.Payload, &e.OnBehalfOf); err != nil {
			return out, mapError(err)
		}
		if e.RecordedAt, err = time.Parse(timeLayout, recorded); err != nil {
			return out, mapError(err)
		}
		loan.Version = e.Seq
		if !first {
			out.Events = append(out.Events, e)
			continue
		}
		if !borrower.Valid {
			return out, fmt.Errorf("sqlite: loan %s: the log read starts at event %d without the loan's row", loanID, e.Seq)
		}
		loan.BorrowerID, loan.Currency, loan.Terms, loan.Status = borrower.String, currency.String, []byte(terms.String), status.String
		if loan.CreatedAt, err = time.Parse(timeLayout, created.String); err != nil {
			return out, mapError(err)
		}
		if !snapSeq.Valid {
			out.Events = append(out.Events, e)
			continue
		}
		// The snapshot's own event only carries the row: the snapshot
		// stands for it and everything before.
		sn := &store.SnapshotRecord{Seq: snapSeq.Int64, Format: format, AsOf: snapAsOf.String,
			LastValueDate: snapLast.String, State: snapState}
		if sn.RecordedAt, err = time.Parse(timeLayout, snapRecorded.String); err != nil {
			return out, mapError(err)
		}
		out.Snapshot = sn
	}
	if err := rows.Err(); err != nil {
		return out, mapError(err)
	}
	// Every loan is written with its first events: no rows, no loan.
	if loan.Version == 0 {
		return out, store.ErrNotFound
	}
	out.Loan = loan
	return out, nil
}

// FindRequest implements store.Store: on loans' and lines' logs.
func (s *Store) FindRequest(ctx context.Context, p store.RequestKey) (store.RequestRecord, error) {
	var r store.RequestRecord
	var recorded string
	err := s.db.QueryRowContext(ctx, findAnyRequestSQL, p.RequestID, p.RequestID).Scan(&r.RequestID, &r.Method, &r.RequestHash, &r.LoanID,
		&r.CreditLineID, &r.Seq, &recorded)
	if err == nil {
		r.RecordedAt, err = time.Parse(timeLayout, recorded)
	}
	return r, mapError(err)
}

// loanSummaryColumns are loanColumns with the terms document cut to its
// currency and principal (LoanQuery.Summary).
const loanSummaryColumns = `l.loan_id, l.borrower_id, l.currency,
	json_object('currency', json_extract(l.terms, '$.currency'), 'principal', json_extract(l.terms, '$.principal')), l.status,
	(SELECT max(seq) FROM loan_events e WHERE e.loan_id = l.loan_id), l.created_at`

// loanFilters is ListLoans' statement after its columns, and its
// arguments, for p's filters; set tells which are set (a bit each), one
// statement text for each set.
func loanFilters(p store.LoanQuery) (from string, args []any, set int) {
	var q listing
	q.and("l.loan_id > ?", p.AfterLoanID)
	if p.BorrowerID != "" {
		q.and("l.borrower_id = ?", p.BorrowerID)
		set |= 2
	}
	if p.Status != "" {
		q.and(status(p.BorrowerID != "", "l.status")+" = ?", p.Status)
		set |= 1
	}
	return q.sql(" FROM loans l", "l.loan_id", p.Limit), q.args, set
}

// ListLoans implements store.Store. The summary's statements are
// prepared once (parsing one cost a tenth of a page's CPU).
func (s *Store) ListLoans(ctx context.Context, p store.LoanQuery) ([]store.LoanRecord, error) {
	var rows *sql.Rows
	var err error
	from, args, set := loanFilters(p)
	if p.Summary {
		var stmt *sql.Stmt
		if stmt, err = s.prepareOnce(ctx, &s.summary[set], `SELECT `+loanSummaryColumns+from); err == nil {
			rows, err = stmt.QueryContext(ctx, args...)
		}
	} else {
		rows, err = s.db.QueryContext(ctx, `SELECT `+loanColumns+from, args...)
	}
	if err != nil {
		return nil, mapError(err)
	}
	defer rows.Close()
	var out []store.LoanRecord
	for rows.Next() {
		l, err := scanLoan(rows)
		if err != nil {
			return nil, mapError(err)
		}
		out = append(out, l)
	}
	return out, mapError(rows.Err())
}

// loanVersionsSQL reads the versions of the loans whose ids are in a JSON
// array: one statement text whatever the number of ids, so that it is
// parsed once per connection (Store.versions), not per check; parsing an
// IN list of the batch's length cost more than running it.
const loanVersionsSQL = `SELECT l.loan_id, (SELECT max(seq) FROM loan_events e WHERE e.loan_id = l.loan_id)
	FROM loans l WHERE l.loan_id IN (SELECT value FROM json_each(?))`

// LoanVersions implements store.Loans: one statement, as of one instant.
func (s *Store) LoanVersions(ctx context.Context, loanIDs []string) (map[string]int64, error) {
	if len(loanIDs) == 0 {
		return map[string]int64{}, nil
	}
	stmt, err := s.versionsStmt(ctx)
	if err != nil {
		return nil, mapError(err)
	}
	out, err := queryVersions(ctx, stmt, loanIDs)
	return out, mapError(err)
}

// queryVersions runs stmt, loanVersionsSQL prepared (on the pool or on
// the marker connection), for loanIDs: each existing loan's version.
func queryVersions(ctx context.Context, stmt *sql.Stmt, loanIDs []string) (map[string]int64, error) {
	out := make(map[string]int64, len(loanIDs))
	if len(loanIDs) == 0 {
		return out, nil
	}
	ids, err := json.Marshal(loanIDs)
	if err != nil {
		return nil, err
	}
	rows, err := stmt.QueryContext(ctx, string(ids))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var v int64
		if err := rows.Scan(&id, &v); err != nil {
			return nil, err
		}
		out[id] = v
	}
	return out, rows.Err()
}

// versionsStmt is loanVersionsSQL prepared, once: database/sql prepares it
// again on each connection it runs on, and keeps it there.
func (s *Store) versionsStmt(ctx context.Context) (*sql.Stmt, error) {
	return s.prepareOnce(ctx, &s.versions, loanVersionsSQL)
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
