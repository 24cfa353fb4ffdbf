package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/loancore/loancore/internal/store"
)

// upsertActionSQL writes an action's projection row; the loan it belongs
// to never changes.
const upsertActionSQL = `INSERT INTO actions (action_id, loan_id, method, status, maker, updated_at)
	VALUES ($1, $2, $3, $4, $5, $6)
	ON CONFLICT (action_id) DO UPDATE SET status = EXCLUDED.status, updated_at = EXCLUDED.updated_at
	WHERE actions.loan_id = EXCLUDED.loan_id`

// upsertProjections writes the agreement and the action rows an append
// carries, in its transaction.
func upsertProjections(ctx context.Context, tx pgx.Tx, p store.AppendEventParams) error {
	if a := p.Agreement; a != nil {
		if _, err := tx.Exec(ctx, upsertAgreementSQL, a.AgreementID, a.LoanID, a.Status, a.UpdatedAt); err != nil {
			return err
		}
	}
	if a := p.Action; a != nil {
		if _, err := tx.Exec(ctx, upsertActionSQL, a.ActionID, a.LoanID, a.Method, a.Status, a.Maker, a.UpdatedAt); err != nil {
			return err
		}
	}
	return nil
}

const actionColumns = `action_id, loan_id, method, status, maker, updated_at`

func scanAction(row pgx.Row) (store.ActionRecord, error) {
	var a store.ActionRecord
	err := row.Scan(&a.ActionID, &a.LoanID, &a.Method, &a.Status, &a.Maker, &a.UpdatedAt)
	a.UpdatedAt = a.UpdatedAt.UTC()
	return a, err
}

// FindAction implements store.Actions.
func (s *Store) FindAction(ctx context.Context, p store.ActionKey) (store.ActionRecord, error) {
	a, err := scanAction(s.pool.QueryRow(ctx, `SELECT `+actionColumns+` FROM actions WHERE action_id = $1`, p.ActionID))
	return a, mapError(err)
}

// ListActions implements store.Actions.
func (s *Store) ListActions(ctx context.Context, p store.ActionQuery) ([]store.ActionRecord, error) {
	q := ofLoan("action_id", p.AfterActionID, p.LoanID, p.Statuses)
	rows, err := s.pool.Query(ctx, q.sql(`SELECT `+actionColumns+` FROM actions`, "action_id", p.Limit), q.args...)
	if err != nil {
		return nil, mapError(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.ActionRecord, error) { return scanAction(r) })
	return out, mapError(err)
}
