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
