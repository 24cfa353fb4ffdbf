package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/loancore/loancore/internal/store"
)

//go:embed migrations/*.sql
var migrations embed.FS

// The store implements every interface of the contract.
var (
	_ store.Store           = (*Store)(nil)
	_ store.Loans           = (*Store)(nil)
	_ store.Requests        = (*Store)(nil)
	_ store.Agreements      = (*Store)(nil)
	_ store.Actions         = (*Store)(nil)
	_ store.CloseOfBusiness = (*Store)(nil)
	_ store.Secrets         = (*Store)(nil)
	_ store.Feed            = (*Store)(nil)
)

// Store is a store.Store on a pgx connection pool.
type Store struct {
	pool *pgxpool.Pool
	// partitions are the business dates whose loan_positions partition
	// this process has seen created (engine.Date → true), until it
	// pruned them.
	partitions sync.Map
	// olderDates are the business dates whose close has found positions
	// older than its page's window (olderPositions): the answer stays
	// true, since a prune that takes them away leaves its record, which
	// olderPositions counts too.
	olderDates sync.Map
	// moved is whether LoanVersionsSince's last check found the marker
	// moved: then the next asks for the versions in its one statement
	// rather than reading the marker alone first.
	moved atomic.Bool
	// marker is the connection LoanVersionsSince runs on (marker.go).
	marker markerConn
	// member is the store's place among the database's writers, and
	// its solo reads (member.go).
	member *member
	// appends writes the plain appends that arrive together in one
	// statement (appendgroup.go).
	appends *group[[]any, appendResult]
	// loads reads the loans asked for together in one round trip
	// (loadgroup.go).
	loads *group[store.LoadLoanParams, loadResult]
}

// Open connects to the database at url (postgres://…).
func Open(ctx context.Context, url string) (*Store, error) { return OpenWith(ctx, url, Options{}) }

// Options configure OpenWith.
type Options struct {
	// Tracer, if not nil, traces every statement (loand's OpenTelemetry
	// tracer, when tracing is on).
	Tracer pgx.QueryTracer
	// timings replaces defaultSoloTimings (tests).
	timings *soloTimings
}

func (o Options) solo() soloTimings {
	if o.timings != nil {
		return *o.timings
	}
	return defaultSoloTimings
}

// OpenWith is Open with options.
func OpenWith(ctx context.Context, url string, o Options) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	cfg.ConnConfig.Tracer = o.Tracer
	jitOff(cfg.ConnConfig)
	cfg.AfterConnect = func(_ context.Context, c *pgx.Conn) error {
		registerAmount(c.TypeMap())
		return nil
	}
	if _, set := cfg.ConnConfig.RuntimeParams["application_name"]; !set {
		cfg.ConnConfig.RuntimeParams["application_name"] = applicationName
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return &Store{pool: pool, marker: markerConn{cfg: cfg.ConnConfig.Copy()}, member: newMember(cfg.ConnConfig.Copy(), o.solo()),
		appends: newAppendGroup(pool), loads: newLoadGroup(pool)}, nil
}

// applicationName names loand's sessions to PostgreSQL, unless the URL
// names them (?application_name=…): a store alone on its database reads
// from memory only while every client session there is one of
// loancore's (docs/design.md §5, "Alone on the database").
const applicationName = "loancore"

// jitOff turns PostgreSQL's JIT compilation off for loand's sessions,
// unless the URL sets it (?jit=on): loand's statements are short, and
// where the planner's cost passed jit_above_cost (a carry statement over
// 20,000 positions of a 3,000,000-loan book, by its estimates) compiling
// it took 100-160 ms of a statement that runs in 25 ms without
// (EXPLAIN ANALYZE, issue 21), every statement again. The setting goes
// with the connection's start-up, so it is no round trip.
func jitOff(c *pgx.ConnConfig) {
	if _, set := c.RuntimeParams["jit"]; !set {
		c.RuntimeParams["jit"] = "off"
	}
}

// Close releases the pool, the marker connection and the member
// connection.
func (s *Store) Close() {
	s.member.close()
	s.marker.mu.Lock()
	s.marker.close()
	s.marker.mu.Unlock()
	s.pool.Close()
}

// migrationLockID is the advisory lock that serialises concurrent
// migrators (several loand starting at once).
const migrationLockID = 0x6c6f616e636f7265 // "loancore"

// Migrate applies the embedded migrations not yet applied, in order, each
// in its own transaction. Migrations are forward-only. The whole run,
// schema_migrations' creation included, holds a session-level advisory
// lock on one connection: migrators starting together on a new database
// take turns, and the first to hold it creates the table the others then
// find. (Taking a transaction's lock per migration left the CREATE TABLE
// outside it, and concurrent creators failed.)
func (s *Store) Migrate(ctx context.Context) (applied []int, err error) {
	files, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, int64(migrationLockID)); err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	defer func() {
		// A lock left held would stop every later migrator until this
		// connection ended: if it cannot be released, end it.
		bg := context.WithoutCancel(ctx)
		if _, err := conn.Exec(bg, `SELECT pg_advisory_unlock($1)`, int64(migrationLockID)); err != nil {
			_ = conn.Conn().Close(bg)
		}
	}()
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	for _, f := range files {
		v, done, err := applyMigration(ctx, conn.Conn(), f)
		if err != nil {
			return applied, err
		}
		if done {
			applied = append(applied, v)
		}
	}
	return applied, nil
}

// applyMigration applies one migration file in a transaction on conn, if
// schema_migrations does not list it, and records it there; it reports
// the migration's version and whether it applied it.
func applyMigration(ctx context.Context, conn *pgx.Conn, f string) (int, bool, error) {
	v, err := migrationVersion(f)
	if err != nil {
		return 0, false, err
	}
	sql, err := migrations.ReadFile(f)
	if err != nil {
		return v, false, err
	}
	applied := false
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		var done bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = $1)`, v).Scan(&done); err != nil || done {
			return err
		}
		if _, err := tx.Exec(ctx, string(sql)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version) VALUES ($1)`, v)
		applied = err == nil
		return err
	})
	if err != nil {
		return v, false, fmt.Errorf("migrate %s: %w", f, err)
	}
	return v, applied, nil
}

// migrationVersion reads the number a migration file name starts with.
func migrationVersion(path string) (int, error) {
	name := path[strings.LastIndex(path, "/")+1:]
	num, _, _ := strings.Cut(name, "_")
	v, err := strconv.Atoi(num)
	if err != nil {
		return 0, fmt.Errorf("migration %s: name must start with its number", name)
	}
	return v, nil
}

// mapError turns database errors into store errors; anything else is
// returned wrapped, to be logged and reported as INTERNAL without its text.
func mapError(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return store.ErrNotFound
	}
	if errors.Is(err, context.Canceled) {
		// The caller gave up: pgconn calls it a timeout too, but the
		// database is not the cause, and the caller's error must stay
		// context.Canceled.
		return fmt.Errorf("postgres: %w", err)
	}
	if errors.Is(err, errNotMember) {
		// The member session was lost twice in a row: as a lost
		// connection, nothing was written.
		return fmt.Errorf("%w: %v", store.ErrUnavailable, err)
	}
	var connect *pgconn.ConnectError
	if errors.As(err, &connect) || pgconn.SafeToRetry(err) || pgconn.Timeout(err) || connectionLost(err) {
		// Nothing reached the database, it did not answer in time, or
		// the connection broke during the call.
		return fmt.Errorf("%w: %v", store.ErrUnavailable, err)
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		if pg.Severity == "FATAL" || pg.Severity == "PANIC" || strings.HasPrefix(pg.Code, "08") {
			// The server ended the session (a shutdown, a crash of
			// another backend, pg_terminate_backend) or the connection
			// failed: nothing of the transaction committed.
			return fmt.Errorf("%w: %v", store.ErrUnavailable, err)
		}
		switch pg.Code {
		case "23505": // unique_violation
			if pg.ConstraintName == "loan_events_pkey" || pg.ConstraintName == "credit_line_events_pkey" {
				return store.ErrVersionConflict
			}
			return store.ErrDuplicate
		case "40001", "40P01": // serialization_failure, deadlock_detected
			return store.ErrVersionConflict
		case "57P01", "57P02", "57P03", "53300": // shutting down, too many connections
			return fmt.Errorf("%w: %v", store.ErrUnavailable, err)
		case "55P03": // lock_not_available: a holder of the writers' lock that would not yield
			return fmt.Errorf("%w: %v", store.ErrUnavailable, err)
		case "23503": // foreign_key_violation: the loan is not there
			return store.ErrNotFound
		case "53100": // disk_full
			return fmt.Errorf("%w: %v", store.ErrFull, err)
		}
	}
	return fmt.Errorf("postgres: %w", err)
}

// connectionLost reports an error of a connection that broke while a
// call was using it: the server crashed or went away, or the network did.
// The transaction did not commit or, if the break came during COMMIT,
// nobody can tell; either way a retry with the request's id lands once,
// so the caller is told to retry, not that the server failed.
func connectionLost(err error) bool {
	var netErr net.Error
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, pgconn.ErrConnClosed) ||
		errors.As(err, &netErr)
}

func nullableAmount(s string) any {
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

// insertEventSQL writes one event; $11 and $12 (method, request hash) are
// set on the event that answers a request and NULL on the others; $13 is
// the payload or NULL; $14 the end user the actor acted for, or "".
const insertEventSQL = `INSERT INTO loan_events
	(loan_id, seq, kind, value_date, recorded_at, request_id, actor, amount, target_seq, reason, method, request_hash, payload, on_behalf_of)
	VALUES ($1, $2, $3, $4::date, $5, $6, $7, $8::numeric, $9, $10, $11, $12, $13::jsonb, $14)`

// eventArgs are the arguments of insertEventSQL: the event, and the request
// if it is the event that answers it.
func eventArgs(e store.EventRecord, r store.RequestRecord) []any {
	var method, hash any
	if r.Seq == e.Seq {
		method, hash = r.Method, r.RequestHash
	}
	return []any{e.LoanID, e.Seq, e.Kind, e.ValueDate, e.RecordedAt, e.RequestID, e.Actor,
		nullableAmount(e.Amount), nullableSeq(e.TargetSeq), e.Reason, method, hash, nullableAmount(e.Payload), e.OnBehalfOf}
}

// CreateLoan implements store.Store.
func (s *Store) CreateLoan(ctx context.Context, p store.NewLoanRecord) error {
	return s.writeLog(ctx, func(fence int64) error {
		return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error { return insertLoan(ctx, tx, p, fence) })
	})
}

// insertLoan writes a new loan's row and first events in tx: CreateLoan's
// work, and a drawdown's beside the line's event. The row's statement
// passes the writer's fence.
func insertLoan(ctx context.Context, tx pgx.Tx, p store.NewLoanRecord, fence int64) error {
	l := p.Loan
	tag, err := tx.Exec(ctx, `INSERT INTO loans (loan_id, borrower_id, currency, terms, status, created_at)
		SELECT $1, $2, $3, $4::jsonb, $5, $6 WHERE loancore_member($7)`,
		l.LoanID, l.BorrowerID, l.Currency, string(l.Terms), l.Status, l.CreatedAt, fence)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return errNotMember
	}
	for _, e := range p.Events {
		if _, err := tx.Exec(ctx, insertEventSQL, eventArgs(e, p.Request)...); err != nil {
			return err
		}
	}
	return nil
}

// appendStatement inserts an event only right after the loan's last one:
// the primary key (loan_id, seq) refuses a second event at a seq, which is
// the optimistic lock, and the EXISTS refuses a gap. Its last parameter,
// numbered fence, is the writer's fence key (loancore_member).
func appendStatement(fence int) string {
	return fmt.Sprintf(`INSERT INTO loan_events
	(loan_id, seq, kind, value_date, recorded_at, request_id, actor, amount, target_seq, reason, method, request_hash, payload, on_behalf_of)
	SELECT $1::text, $2::bigint, $3::text, $4::date, $5::timestamptz, $6::text, $7::text, $8::numeric, $9::bigint, $10::text, $11::text, $12::text, $13::jsonb,
		$14::text
	WHERE EXISTS (SELECT 1 FROM loan_events WHERE loan_id = $1::text AND seq = $2::bigint - 1) AND loancore_member($%d::bigint)`, fence)
}

// appendSQL is the append alone.
var appendSQL = appendStatement(15)

// appendWithStatusSQL is appendSQL that also sets the loan's status, for
// the rare event that changes it.
var appendWithStatusSQL = `WITH e AS (` + appendStatement(16) + ` RETURNING loan_id)
UPDATE loans SET status = $15 FROM e WHERE loans.loan_id = e.loan_id`

// insertSnapshotSQL stores a snapshot at the event e just appended, with
// the snapshot's columns from $15 (after the event's) or, after a status,
// from $16: nothing when the append wrote nothing.
const insertSnapshotSQL = `INSERT INTO loan_snapshots (loan_id, format, seq, as_of, last_value_date, state, recorded_at)
	SELECT e.loan_id, $%[1]d::integer, e.seq, $%[2]d::date, $%[3]d::date, $%[4]d::bytea, $5::timestamptz FROM e`

// appendWithSnapshotSQL is appendSQL that also stores a snapshot; the
// second form also sets the loan's status.
var appendWithSnapshotSQL = [2]string{
	`WITH e AS (` + appendStatement(19) + ` RETURNING loan_id, seq) ` + fmt.Sprintf(insertSnapshotSQL, 15, 16, 17, 18),
	`WITH e AS (` + appendStatement(20) + ` RETURNING loan_id, seq), s AS (` + fmt.Sprintf(insertSnapshotSQL, 16, 17, 18, 19) + `)
UPDATE loans SET status = $15 FROM e WHERE loans.loan_id = e.loan_id`,
}

// AppendEvent implements store.Store: one INSERT (appendSQL), one
// round trip; with a status or a snapshot, one statement still.
func (s *Store) AppendEvent(ctx context.Context, p store.AppendEventParams) error {
	if p.Event.Seq != p.ExpectedVersion+1 || p.Request.Seq != p.Event.Seq {
		return fmt.Errorf("postgres: append of seq %d at version %d (request seq %d)", p.Event.Seq, p.ExpectedVersion, p.Request.Seq)
	}
	if p.Snapshot != nil && p.Snapshot.Seq != p.Event.Seq {
		return fmt.Errorf("postgres: snapshot at seq %d with the event at %d", p.Snapshot.Seq, p.Event.Seq)
	}
	if l := p.Line; l != nil && (l.Event.Seq != l.ExpectedVersion+1 || l.Event.Seq < 2) {
		return fmt.Errorf("postgres: line append of seq %d at version %d", l.Event.Seq, l.ExpectedVersion)
	}
	var written, exists bool
	err := s.writeLog(ctx, func(fence int64) (err error) {
		if written, err = s.appendEvent(ctx, p, fence); err == nil && !written {
			exists, err = s.whyNotWritten(ctx, p.LoanID, fence)
		}
		return err
	})
	switch {
	case err != nil || written:
		return err
	case !exists:
		return store.ErrNotFound
	}
	return store.ErrVersionConflict
}

// whyNotWritten tells an append that wrote nothing why, in one
// statement: errNotMember if its fence refused it (no session holds key;
// a key once lost is never held again, so asking after the write tells
// what the write found), else whether the loan exists (if it does, it is
// not at the version the append expected).
func (s *Store) whyNotWritten(ctx context.Context, loanID string, key int64) (exists bool, err error) {
	var free bool
	if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM loans WHERE loan_id = $1), pg_try_advisory_xact_lock_shared($2)`,
		loanID, key).Scan(&exists, &free); err != nil {
		return false, err
	}
	if free {
		return false, errNotMember
	}
	return exists, nil
}

// appendEvent is AppendEvent's statement, or its transaction when
// projections go with it, behind the fence; whether it wrote the event.
func (s *Store) appendEvent(ctx context.Context, p store.AppendEventParams, fence int64) (bool, error) {
	args := eventArgs(p.Event, p.Request)
	sql, withStatus := appendSQL, 0
	if p.SetStatus != "" {
		sql, args, withStatus = appendWithStatusSQL, append(args, p.SetStatus), 1
	}
	if sn := p.Snapshot; sn != nil {
		sql = appendWithSnapshotSQL[withStatus]
		// A marker's empty state is stored empty, not NULL.
		args = append(args, sn.Format, sn.AsOf, sn.LastValueDate, append([]byte{}, sn.State...))
	}
	args = append(args, fence)
	if p.Agreement != nil || p.Action != nil || p.Line != nil {
		return s.appendWithProjections(ctx, sql, args, p)
	}
	if sql == appendSQL {
		// The plain append, most of them: with those that arrive
		// together. One the group did not write goes alone below, to
		// meet its conflict or error as it would have.
		if r := s.appends.do(ctx, args); r.decided {
			return r.written, r.err
		}
	}
	return execAppend(ctx, s.pool, sql, args)
}

// loanColumns are the columns scanLoan reads from loans l; the version is
// the seq of the last event.
const loanColumns = `l.loan_id, l.borrower_id, l.currency, l.terms::text, l.status,
	(SELECT max(seq) FROM loan_events e WHERE e.loan_id = l.loan_id), l.created_at`

func scanLoan(row pgx.Row) (store.LoanRecord, error) {
	var l store.LoanRecord
	var terms string
	err := row.Scan(&l.LoanID, &l.BorrowerID, &l.Currency, &terms, &l.Status, &l.Version, &l.CreatedAt)
	l.Terms = []byte(terms)
	l.CreatedAt = l.CreatedAt.UTC()
	return l, err
}

// loadLoanSQL reads a loan's row and its whole log in one statement, so
// one snapshot of the database. The loan's columns ride on the first
// event's row only (NULL on the others, which cost no decoding); the
// version is the last event's seq.
const loadLoanSQL = `SELECT ` + loanOnFirstRow + `, NULL::bigint, NULL::text, NULL::text, NULL::bytea, NULL::timestamptz, ` + eventColumns + `
	FROM loans l CROSS JOIN (SELECT 1::bigint AS first) f JOIN loan_events e ON e.loan_id = l.loan_id
	WHERE l.loan_id = $1 ORDER BY e.seq`

// loadFromSnapshotSQL is loadLoanSQL from the loan's latest snapshot of a
// format ($2): the rows start at the snapshot's own event, which carries
// the loan's and the snapshot's columns, or at the first event if there is
// none or the latest is a marker (an empty state: see
// store.SnapshotRecord). A snapshot is written with its event and
// never changed, so whichever one the statement finds agrees with the
// events it reads. (Whole-log reads keep loadLoanSQL: looking for a
// snapshot costs them ~12%.)
var loadFromSnapshotSQL = `WITH s AS (SELECT seq, as_of, last_value_date, state, recorded_at
		FROM loan_snapshots WHERE loan_id = $1 AND format = $2 ORDER BY seq DESC LIMIT 1)
	SELECT ` + loanOnFirstRow + `, ` + snapshotColumns + `, ` + eventColumns + `
	FROM loans l LEFT JOIN s ON octet_length(s.state) > 0 CROSS JOIN LATERAL (SELECT COALESCE(s.seq, 1) AS first) f
	` + logFrom("l.loan_id", "f.first") + `
	WHERE l.loan_id = $1 ORDER BY e.seq`

// logFrom is the events of a loan (loan, an SQL expression) from seq first
// on, as e: a LATERAL subquery that OFFSET 0 keeps from being flattened
// into a join, so that whatever the statistics when a connection's plan
// was made, the log is read by its primary key from first on. Joined
// directly, a plan made over a small log read every event of the loan and
// dropped those before first, or hashed a page's loans against a scan of
// the whole log (TestLoadProbesFromSnapshot, TestCOBLogsProbeByIndex).
func logFrom(loan, first string) string {
	return `CROSS JOIN LATERAL (SELECT * FROM loan_events e WHERE e.loan_id = ` + loan + ` AND e.seq >= ` + first + ` OFFSET 0) e`
}

// loanOnFirstRow are the columns of the loan l on the row of the first
// event read (f.first) only.
const loanOnFirstRow = `CASE WHEN e.seq = f.first THEN l.borrower_id END, CASE WHEN e.seq = f.first THEN l.currency END,
	CASE WHEN e.seq = f.first THEN l.terms::text END, CASE WHEN e.seq = f.first THEN l.status END,
	CASE WHEN e.seq = f.first THEN l.created_at END`

// snapshotColumns are the columns of the snapshot s that snapshotRow
// reads, on the row of its own event e only.
const snapshotColumns = `CASE WHEN e.seq = s.seq THEN s.seq END, CASE WHEN e.seq = s.seq THEN to_char(s.as_of, 'YYYY-MM-DD') END,
	CASE WHEN e.seq = s.seq THEN to_char(s.last_value_date, 'YYYY-MM-DD') END, CASE WHEN e.seq = s.seq THEN s.state END,
	CASE WHEN e.seq = s.seq THEN s.recorded_at END`

// snapshotRow receives snapshotColumns.
type snapshotRow struct {
	seq        *int64
	asOf, last *string
	state      []byte
	recordedAt *time.Time
}

func (r *snapshotRow) dest() []any { return []any{&r.seq, &r.asOf, &r.last, &r.state, &r.recordedAt} }

// record is the snapshot the row carries, or nil.
func (r *snapshotRow) record(format int) *store.SnapshotRecord {
	if r.seq == nil {
		return nil
	}
	return &store.SnapshotRecord{Seq: *r.seq, Format: format, AsOf: *r.asOf, LastValueDate: *r.last, State: r.state, RecordedAt: r.recordedAt.UTC()}
}

// eventDest receives eventColumns into e.
func eventDest(e *store.EventRecord) []any {
	return []any{&e.Seq, &e.Kind, &e.ValueDate, &e.RecordedAt, &e.RequestID, &e.Actor, &e.Amount, &e.TargetSeq, &e.Reason, &e.Payload, &e.OnBehalfOf}
}

// eventColumns are the columns of loan_events e that eventDest receives.
const eventColumns = `e.seq, e.kind, to_char(e.value_date, 'YYYY-MM-DD'), e.recorded_at, e.request_id, e.actor,
	COALESCE(e.amount::text, ''), COALESCE(e.target_seq, 0), e.reason, COALESCE(e.payload::text, ''), e.on_behalf_of`

// LoadLoan implements store.Store: the loan and its log (or its latest
// snapshot and the log after it) in one statement, and the request record,
// if one is asked for, beside it in the same batch: one round trip, which
// the loads that arrive together share (loadgroup.go).
func (s *Store) LoadLoan(ctx context.Context, p store.LoadLoanParams) (store.LoanLog, error) {
	if r := s.loads.do(ctx, p); r.read {
		return r.log, r.err
	}
	r := loadLoans(ctx, s.pool, []store.LoadLoanParams{p})[0]
	return r.log, r.err
}

// queueLoad queues LoadLoan's statements for p.
func queueLoad(b *pgx.Batch, p store.LoadLoanParams) {
	if p.SnapshotFormat != 0 {
		b.Queue(loadFromSnapshotSQL, p.LoanID, p.SnapshotFormat)
	} else {
		b.Queue(loadLoanSQL, p.LoanID)
	}
	if p.RequestID != "" {
		b.Queue(findRequestSQL, p.RequestID)
	}
}

// readLoanLog reads the results of queueLoad's statements for p from res.
func readLoanLog(res pgx.BatchResults, p store.LoadLoanParams) (store.LoanLog, error) {
	var out store.LoanLog
	rows, err := res.Query()
	if err != nil {
		return out, mapError(err)
	}
	loan := store.LoanRecord{LoanID: p.LoanID}
	var events []store.EventRecord
	var borrower, currency, terms, status *string
	var created *time.Time
	var snap snapshotRow
	for rows.Next() {
		e := store.EventRecord{LoanID: p.LoanID}
		if err := rows.Scan(append(append([]any{&borrower, &currency, &terms, &status, &created}, snap.dest()...), eventDest(&e)...)...); err != nil {
			rows.Close()
			return out, mapError(err)
		}
		if len(events) == 0 && out.Snapshot == nil {
			if borrower == nil {
				rows.Close()
				return out, fmt.Errorf("postgres: loan %s: the log read starts at event %d without the loan's row", p.LoanID, e.Seq)
			}
			loan.BorrowerID, loan.Currency, loan.Terms, loan.Status, loan.CreatedAt = *borrower, *currency, []byte(*terms), *status, created.UTC()
			if out.Snapshot = snap.record(p.SnapshotFormat); out.Snapshot != nil {
				// The snapshot's own event only carries the row: the
				// snapshot stands for it and everything before.
				loan.Version = e.Seq
				continue
			}
		}
		e.RecordedAt = e.RecordedAt.UTC()
		events = append(events, e)
	}
	if err := rows.Err(); err != nil {
		return out, mapError(err)
	}
	if p.RequestID != "" {
		var req store.RequestRecord
		if err := res.QueryRow().Scan(&req.RequestID, &req.Method, &req.RequestHash, &req.LoanID, &req.Seq, &req.RecordedAt); err == nil {
			req.RecordedAt = req.RecordedAt.UTC()
			out.Request = &req
		} else if !errors.Is(err, pgx.ErrNoRows) {
			return out, mapError(err)
		}
	}
	// Every loan is written with its first events: no rows, no loan.
	if len(events) == 0 && out.Snapshot == nil {
		return out, store.ErrNotFound
	}
	if n := len(events); n > 0 {
		loan.Version = events[n-1].Seq
	}
	out.Loan, out.Events = loan, events
	return out, nil
}

// findRequestSQL reads the record of a request from the event that
// answers it.
const findRequestSQL = `SELECT request_id, method, request_hash, loan_id, seq, recorded_at
	FROM loan_events WHERE request_id = $1 AND request_hash IS NOT NULL`

// FindRequest implements store.Store: on loans' and lines' logs.
func (s *Store) FindRequest(ctx context.Context, p store.RequestKey) (store.RequestRecord, error) {
	var r store.RequestRecord
	err := s.pool.QueryRow(ctx, findAnyRequestSQL, p.RequestID).Scan(&r.RequestID, &r.Method, &r.RequestHash, &r.LoanID, &r.CreditLineID, &r.Seq, &r.RecordedAt)
	r.RecordedAt = r.RecordedAt.UTC()
	return r, mapError(err)
}

// loanSummaryColumns are loanColumns with the terms document cut to its
// currency and principal (LoanQuery.Summary).
const loanSummaryColumns = `l.loan_id, l.borrower_id, l.currency,
	jsonb_build_object('currency', l.terms->'currency', 'principal', l.terms->'principal')::text, l.status,
	(SELECT max(seq) FROM loan_events e WHERE e.loan_id = l.loan_id), l.created_at`

// listLoansSQL is ListLoans' statement of columns for p's filters, and
// its arguments.
func listLoansSQL(columns string, p store.LoanQuery) (string, []any) {
	var q listing
	q.and("l.loan_id > $?", p.AfterLoanID)
	if p.Status != "" {
		q.and("l.status = $?", p.Status)
	}
	if p.BorrowerID != "" {
		q.and("l.borrower_id = $?", p.BorrowerID)
	}
	return q.sql(`SELECT `+columns+` FROM loans l`, "l.loan_id", p.Limit), q.args
}

// ListLoans implements store.Store.
func (s *Store) ListLoans(ctx context.Context, p store.LoanQuery) ([]store.LoanRecord, error) {
	columns := loanColumns
	if p.Summary {
		columns = loanSummaryColumns
	}
	sql, args := listLoansSQL(columns, p)
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, mapError(err)
	}
	loans, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.LoanRecord, error) { return scanLoan(r) })
	return loans, mapError(err)
}

// LoanVersions implements store.Loans: one statement, each loan's last
// seq by a backward step on the primary key's index, so its cost is the
// round trip however long the logs.
func (s *Store) LoanVersions(ctx context.Context, loanIDs []string) (map[string]int64, error) {
	out := make(map[string]int64, len(loanIDs))
	if len(loanIDs) == 0 {
		return out, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT l.loan_id, (SELECT max(seq) FROM loan_events e WHERE e.loan_id = l.loan_id)
		FROM loans l WHERE l.loan_id = ANY($1::text[])`, loanIDs)
	if err != nil {
		return nil, mapError(err)
	}
	var id string
	var v int64
	if _, err := pgx.ForEachRow(rows, []any{&id, &v}, func() error { out[id] = v; return nil }); err != nil {
		return nil, mapError(err)
	}
	return out, nil
}

// loanVersionsSinceSQL reads the change marker, the snapshot the
// statement runs in (pg_current_snapshot: the transactions committed and
// in progress), and the named loans' versions in that same snapshot
// unless the marker equals $1. A transaction that becomes visible leaves
// the snapshot's list of those in progress, or moves its horizon (xmax)
// past one assigned since, and neither goes back: equal snapshot texts
// mean no commit in between, in any session. The marker is not the WAL
// position, which moves when the commit record is written, before the
// transaction is visible: a read between the two would mark stale
// versions with the new position. With the marker unchanged the loans'
// index is not touched (ANY of NULL matches nothing); the left join
// still gives the marker's row.
const loanVersionsSinceSQL = `WITH m AS MATERIALIZED (SELECT pg_current_snapshot()::text AS marker)
	SELECT m.marker, l.loan_id, (SELECT max(seq) FROM loan_events e WHERE e.loan_id = l.loan_id)
	FROM m LEFT JOIN loans l ON l.loan_id = ANY(CASE WHEN m.marker = $1 THEN NULL ELSE $2::text[] END)`

// loanVersionsSince is loanVersionsSinceSQL on conn.
func loanVersionsSince(ctx context.Context, conn *pgx.Conn, since string, loanIDs []string) (store.MarkedVersions, error) {
	rows, err := conn.Query(ctx, loanVersionsSinceSQL, since, loanIDs)
	if err != nil {
		return store.MarkedVersions{}, mapError(err)
	}
	var out store.MarkedVersions
	var id *string
	var v *int64
	if _, err := pgx.ForEachRow(rows, []any{&out.Marker, &id, &v}, func() error {
		if id != nil && v != nil {
			if out.Versions == nil {
				out.Versions = make(map[string]int64, len(loanIDs))
			}
			out.Versions[*id] = *v
		}
		return nil
	}); err != nil {
		return store.MarkedVersions{}, mapError(err)
	}
	if out.Versions == nil && (since == "" || out.Marker != since) {
		out.Versions = map[string]int64{}
	}
	return out, nil
}

// Ping asks the database for one row, for loand's health checks: it
// fails while the database cannot be reached or will not answer.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	return mapError(s.pool.QueryRow(ctx, `SELECT 1`).Scan(&one))
}

// Migrations lists the embedded migrations and whether each is applied,
// without changing anything (no lock, no table created): for `loand
// migrate status` and `--dry-run`.
func (s *Store) Migrations(ctx context.Context) ([]store.Migration, error) {
	ms, err := store.ReadMigrations(migrations, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var exists bool
	if err := s.pool.QueryRow(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&exists); err != nil || !exists {
		return ms, mapError(err)
	}
	rows, err := s.pool.Query(ctx, `SELECT version, applied_at FROM schema_migrations`)
	if err != nil {
		return nil, mapError(err)
	}
	applied := map[int]time.Time{}
	var v int32
	var at time.Time
	if _, err := pgx.ForEachRow(rows, []any{&v, &at}, func() error { applied[int(v)] = at; return nil }); err != nil {
		return nil, mapError(err)
	}
	return store.MarkApplied(ms, applied), nil
}
