package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"time"

	"github.com/loancore/loancore/internal/store"
)

// upsertAgreement writes an agreement's projection row.
func upsertAgreement(ctx context.Context, tx *sql.Tx, a store.AgreementRecord) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO agreements (agreement_id, loan_id, status, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (agreement_id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at
		WHERE agreements.loan_id = excluded.loan_id`,
		a.AgreementID, a.LoanID, a.Status, a.UpdatedAt.UTC().Format(timeLayout))
	return err
}

func scanAgreement(row scanner) (store.AgreementRecord, error) {
	var a store.AgreementRecord
	var updated string
	if err := row.Scan(&a.AgreementID, &a.LoanID, &a.Status, &updated); err != nil {
		return a, err
	}
	t, err := time.Parse(timeLayout, updated)
	a.UpdatedAt = t
	return a, err
}

// FindAgreement implements store.Store.
func (s *Store) FindAgreement(ctx context.Context, p store.AgreementKey) (store.AgreementRecord, error) {
	a, err := scanAgreement(s.db.QueryRowContext(ctx,
		`SELECT agreement_id, loan_id, status, updated_at FROM agreements WHERE agreement_id = ?`, p.AgreementID))
	return a, mapError(err)
}

// ListAgreements implements store.Store.
func (s *Store) ListAgreements(ctx context.Context, p store.AgreementQuery) ([]store.AgreementRecord, error) {
	q := ofLoan("agreement_id", p.AfterAgreementID, p.LoanID, p.Statuses)
	rows, err := s.db.QueryContext(ctx, q.sql(`SELECT agreement_id, loan_id, status, updated_at FROM agreements`, "agreement_id", p.Limit), q.args...)
	if err != nil {
		return nil, mapError(err)
	}
	defer rows.Close()
	var out []store.AgreementRecord
	for rows.Next() {
		a, err := scanAgreement(rows)
		if err != nil {
			return nil, mapError(err)
		}
		out = append(out, a)
	}
	return out, mapError(rows.Err())
}

// SaveAgreement implements store.Store.
func (s *Store) SaveAgreement(ctx context.Context, p store.AgreementRecord) error {
	res, err := s.db.ExecContext(ctx, `UPDATE agreements SET status = ?, updated_at = ? WHERE agreement_id = ? AND loan_id = ?`,
		p.Status, p.UpdatedAt.UTC().Format(timeLayout), p.AgreementID, p.LoanID)
	if err != nil {
		return mapError(err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return cmp.Or(mapError(err), store.ErrNotFound)
	}
	return nil
}
