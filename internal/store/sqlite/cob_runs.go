package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/store"
)

// This file implements close of business's runs (store.CloseOfBusiness):
// a date's record, who holds it, and the fence a runner's writes pass.

const cobRunColumns = `business_date, status, loans_total, loans_done, failures, started_at, COALESCE(finished_at, ''),
	COALESCE(runner, '')`

func scanCOBRun(row scanner) (store.COBRun, error) {
	var r store.COBRun
	var date, started, finished string
	if err := row.Scan(&date, &r.Status, &r.LoansTotal, &r.LoansDone, &r.Failures, &started, &finished, &r.Runner); err != nil {
		return r, mapError(err)
	}
	var err error
	if r.BusinessDate, err = engine.ParseDate(date); err != nil {
		return r, err
	}
	if r.StartedAt, err = time.Parse(timeLayout, started); err != nil {
		return r, err
	}
	if finished != "" {
		r.FinishedAt, err = time.Parse(timeLayout, finished)
	}
	return r, err
}

// GetCOBRun implements store.CloseOfBusiness.
func (s *Store) GetCOBRun(ctx context.Context, p store.COBRunKey) (store.COBRun, error) {
	return scanCOBRun(s.db.QueryRowContext(ctx, `SELECT `+cobRunColumns+` FROM cob_runs WHERE business_date = ?`, p.BusinessDate.String()))
}

// LastCOBRun implements store.CloseOfBusiness.
func (s *Store) LastCOBRun(ctx context.Context) (store.COBRun, error) {
	return scanCOBRun(s.db.QueryRowContext(ctx, `SELECT `+cobRunColumns+` FROM cob_runs ORDER BY business_date DESC LIMIT 1`))
}

// EarliestDisbursement implements store.CloseOfBusiness. It reads every
// loan's log (no index leads to DISBURSEMENT events), which close of
// business does before its first run only.
func (s *Store) EarliestDisbursement(ctx context.Context) (engine.Date, error) {
	var d *string
	err := s.db.QueryRowContext(ctx, `SELECT min(value_date) FROM loan_events WHERE kind = ?`, store.KindDisbursement).Scan(&d)
	if err != nil {
		return engine.NoDate, mapError(err)
	}
	if d == nil {
		return engine.NoDate, store.ErrNotFound
	}
	return engine.ParseDate(*d)
}

// SaveCOBRun implements store.CloseOfBusiness. A save by a runner other
// than the date's is ignored.
func (s *Store) SaveCOBRun(ctx context.Context, r store.COBRun) error {
	_, err := s.db.ExecContext(ctx, saveCOBRunSQL+` WHERE cob_runs.loans_done <= excluded.loans_done AND cob_runs.runner IS excluded.runner`,
		cobRunArgs(r)...)
	return mapError(err)
}

// saveCOBRunSQL saves a run's record; the caller adds the update's
// condition.
const saveCOBRunSQL = `INSERT INTO cob_runs (business_date, status, loans_total, loans_done, failures, started_at, finished_at, runner)
	VALUES (?, ?, ?, ?, ?, ?, ?, NULLIF(?, ''))
	ON CONFLICT (business_date) DO UPDATE SET status = excluded.status, loans_total = excluded.loans_total,
		loans_done = excluded.loans_done, failures = excluded.failures, finished_at = excluded.finished_at`

// cobRunArgs are saveCOBRunSQL's arguments.
func cobRunArgs(r store.COBRun) []any {
	var finished any
	if !r.FinishedAt.IsZero() {
		finished = r.FinishedAt.UTC().Format(timeLayout)
	}
	return []any{r.BusinessDate.String(), r.Status, r.LoansTotal, r.LoansDone, r.Failures, r.StartedAt.UTC().Format(timeLayout), finished,
		r.Runner}
}

// TakeCOBRun implements store.CloseOfBusiness: SQLite runs one write
// transaction at a time, so the runner before has no write in flight.
func (s *Store) TakeCOBRun(ctx context.Context, r store.COBRun) error {
	return mapError(s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, saveCOBRunSQL+` WHERE cob_runs.loans_done <= excluded.loans_done`, cobRunArgs(r)...); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE cob_runs SET runner = NULLIF(?, '') WHERE business_date = ?`, r.Runner, r.BusinessDate.String())
		return err
	}))
}

// fence checks, in a write's transaction, that its runner still runs the
// date. No runner: no check.
func fence(ctx context.Context, tx *sql.Tx, d engine.Date, runner string) error {
	if runner == "" {
		return nil
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM cob_runs WHERE business_date = ? AND runner = ?`, d.String(), runner).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return store.ErrTakenOver
	}
	return nil
}
