package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/loancore/loancore/internal/store"
)

// upsertAction writes an action's projection row; the loan it belongs to
// never changes.
func upsertAction(ctx context.Context, tx *sql.Tx, a store.ActionRecord) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO actions (action_id, loan_id, method, status, maker, updated_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (action_id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at
		WHERE actions.loan_id = excluded.loan_id`,
		a.ActionID, a.LoanID, a.Method, a.Status, a.Maker, a.UpdatedAt.UTC().Format(timeLayout))
	return err
}

const actionColumns = `action_id, loan_id, method, status, maker, updated_at`

func scanAction(row scanner) (store.ActionRecord, error) {
	var a store.ActionRecord
	var updated string
	if err := row.Scan(&a.ActionID, &a.LoanID, &a.Method, &a.Status, &a.Maker, &updated); err != nil {
		return a, err
	}
	t, err := time.Parse(timeLayout, updated)
	a.UpdatedAt = t
	return a, err
}

// FindAction implements store.Actions.
func (s *Store) FindAction(ctx context.Context, p store.ActionKey) (store.ActionRecord, error) {
	a, err := scanAction(s.db.QueryRowContext(ctx, `SELECT `+actionColumns+` FROM actions WHERE action_id = ?`, p.ActionID))
	return a, mapError(err)
}

// ListActions implements store.Actions.
func (s *Store) ListActions(ctx context.Context, p store.ActionQuery) ([]store.ActionRecord, error) {
	q := ofLoan("action_id", p.AfterActionID, p.LoanID, p.Statuses)
	rows, err := s.db.QueryContext(ctx, q.sql(`SELECT `+actionColumns+` FROM actions`, "action_id", p.Limit), q.args...)
	if err != nil {
		return nil, mapError(err)
	}
	defer rows.Close()
	var out []store.ActionRecord
	for rows.Next() {
		a, err := scanAction(rows)
		if err != nil {
			return nil, mapError(err)
		}
		out = append(out, a)
	}
	return out, mapError(rows.Err())
}
