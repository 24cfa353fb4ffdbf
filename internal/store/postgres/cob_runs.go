package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/store"
)

// This file implements close of business's runs (store.CloseOfBusiness):
// a date's record, who holds it, and the fence a runner's writes pass.

const cobRunColumns = `to_char(business_date, 'YYYY-MM-DD'), status, loans_total, loans_done, failures, started_at, finished_at,
	COALESCE(runner, '')`

func scanCOBRun(row pgx.Row) (store.COBRun, error) {
	var r store.COBRun
	var date string
	var finished *time.Time
	if err := row.Scan(&date, &r.Status, &r.LoansTotal, &r.LoansDone, &r.Failures, &r.StartedAt, &finished, &r.Runner); err != nil {
		return r, mapError(err)
	}
	d, err := engine.ParseDate(date)
	r.BusinessDate, r.StartedAt = d, r.StartedAt.UTC()
	if finished != nil {
		r.FinishedAt = finished.UTC()
	}
	return r, err
}

// GetCOBRun implements store.CloseOfBusiness.
func (s *Store) GetCOBRun(ctx context.Context, p store.COBRunKey) (store.COBRun, error) {
	return scanCOBRun(s.pool.QueryRow(ctx, `SELECT `+cobRunColumns+` FROM cob_runs WHERE business_date = $1::date`, p.BusinessDate.String()))
}

// LastCOBRun implements store.CloseOfBusiness.
func (s *Store) LastCOBRun(ctx context.Context) (store.COBRun, error) {
	return scanCOBRun(s.pool.QueryRow(ctx, `SELECT `+cobRunColumns+` FROM cob_runs ORDER BY business_date DESC LIMIT 1`))
}

// EarliestDisbursement implements store.CloseOfBusiness. It reads every
// loan's log (no index leads to DISBURSEMENT events), which close of
// business does before its first run only.
func (s *Store) EarliestDisbursement(ctx context.Context) (engine.Date, error) {
	var d *string
	err := s.pool.QueryRow(ctx, `SELECT to_char(min(value_date), 'YYYY-MM-DD') FROM loan_events WHERE kind = $1`, store.KindDisbursement).Scan(&d)
	if err != nil {
		return engine.NoDate, mapError(err)
	}
	if d == nil {
		return engine.NoDate, store.ErrNotFound
	}
	return engine.ParseDate(*d)
}

// SaveCOBRun implements store.CloseOfBusiness. The first save of a date
// records its run's events horizon (migration 23), which later saves
// keep: the next date's carry probes the events of the loans written to
// since. A save by a runner other than the date's is ignored.
func (s *Store) SaveCOBRun(ctx context.Context, r store.COBRun) error {
	_, err := s.pool.Exec(ctx, saveCOBRunSQL+` WHERE cob_runs.loans_done <= $4 AND cob_runs.runner IS NOT DISTINCT FROM NULLIF($8, '')`,
		cobRunArgs(r)...)
	return mapError(err)
}

// saveCOBRunSQL saves a run's record; the caller adds the update's
// condition. The xmax a completed run records (migration 29) is the
// first save's as completed: the insert's value is set exactly when the
// status is COMPLETED, and an update keeps the one recorded before.
const saveCOBRunSQL = `INSERT INTO cob_runs (business_date, status, loans_total, loans_done, failures, started_at, finished_at,
		events_horizon, runner, finished_xmax)
	VALUES ($1::date, $2, $3, $4, $5, $6, $7, pg_snapshot_xmin(pg_current_snapshot()), NULLIF($8, ''),
		CASE WHEN $2 = '` + store.COBCompleted + `' THEN pg_snapshot_xmax(pg_current_snapshot()) END)
	ON CONFLICT (business_date) DO UPDATE SET status = $2, loans_total = $3, loans_done = $4, failures = $5, finished_at = $7,
		finished_xmax = CASE WHEN EXCLUDED.finished_xmax IS NOT NULL THEN COALESCE(cob_runs.finished_xmax, EXCLUDED.finished_xmax) END`

// cobRunArgs are saveCOBRunSQL's arguments.
func cobRunArgs(r store.COBRun) []any {
	var finished any
	if !r.FinishedAt.IsZero() {
		finished = r.FinishedAt
	}
	return []any{r.BusinessDate.String(), r.Status, r.LoansTotal, r.LoansDone, r.Failures, r.StartedAt, finished, r.Runner}
}

// TakeCOBRun implements store.CloseOfBusiness, in one transaction: the
// record saved if the date has none, its row locked FOR UPDATE (which
// waits for the key-share locks the writes of the runner before hold,
// carry statements and SavePositions' transactions), then the runner and
// the record set, the counts only if they do not go back (SaveCOBRun).
// Locking the row before setting it matters: an update of columns that
// are not a key takes a lock a key-share lock does not wait for.
func (s *Store) TakeCOBRun(ctx context.Context, r store.COBRun) error {
	return mapError(pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		a, b := cobRunArgs(r), &pgx.Batch{}
		b.Queue(saveCOBRunSQL+` WHERE false`, a...)
		b.Queue(`SELECT 1 FROM cob_runs WHERE business_date = $1::date FOR UPDATE`, r.BusinessDate.String())
		b.Queue(`UPDATE cob_runs SET runner = NULLIF($2, '') WHERE business_date = $1::date`, r.BusinessDate.String(), r.Runner)
		b.Queue(`UPDATE cob_runs SET status = $2, loans_total = $3, loans_done = $4, failures = $5, finished_at = $6
			WHERE business_date = $1::date AND loans_done <= $4`, a[0], a[1], a[2], a[3], a[4], a[6])
		return tx.SendBatch(ctx, b).Close()
	}))
}

// fenceSQL locks the row of a date's run ($1) for key share when its
// runner is $2, and counts it: 0 when another run took the date over.
const fenceSQL = `SELECT count(*) FROM (SELECT 1 FROM cob_runs WHERE business_date = $1::date AND runner = $2 FOR KEY SHARE) f`

// fence checks, in a write's transaction, that its runner still runs the
// date, and holds the lock TakeCOBRun waits for until the write ends. No
// runner: no check.
func fence(ctx context.Context, tx pgx.Tx, d engine.Date, runner string) error {
	if runner == "" {
		return nil
	}
	var n int
	if err := tx.QueryRow(ctx, fenceSQL, d.String(), runner).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return store.ErrTakenOver
	}
	return nil
}
