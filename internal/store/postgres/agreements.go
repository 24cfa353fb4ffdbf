package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/loancore/loancore/internal/store"
)

// upsertAgreementSQL writes an agreement's projection row.
const upsertAgreementSQL = `INSERT INTO agreements (agreement_id, loan_id, status, updated_at)
	VALUES ($1, $2, $3, $4)
	ON CONFLICT (agreement_id) DO UPDATE SET status = EXCLUDED.status, updated_at = EXCLUDED.updated_at
	WHERE agreements.loan_id = EXCLUDED.loan_id`

// appendWithProjections appends an event and writes the agreement and
// action rows it changes in one transaction; false (and nothing written)
// when the append found the loan missing or moved on.
func (s *Store) appendWithProjections(ctx context.Context, sql string, args []any, p store.AppendEventParams) (bool, error) {
	written := false
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, sql, args...)
		if err != nil || tag.RowsAffected() != 1 {
			return err
		}
		if err := upsertProjections(ctx, tx, p); err != nil {
			return err
		}
		if l := p.Line; l != nil {
			if err := appendLine(ctx, tx, l.Event, store.RequestRecord{}, ""); err != nil {
				return err
			}
		}
		written = true
		return nil
	})
	return written, err
}

// FindAgreement implements store.Store.
func (s *Store) FindAgreement(ctx context.Context, p store.AgreementKey) (store.AgreementRecord, error) {
	var a store.AgreementRecord
	err := s.pool.QueryRow(ctx, `SELECT agreement_id, loan_id, status, updated_at FROM agreements WHERE agreement_id = $1`,
		p.AgreementID).Scan(&a.AgreementID, &a.LoanID, &a.Status, &a.UpdatedAt)
	a.UpdatedAt = a.UpdatedAt.UTC()
	return a, mapError(err)
}

// ListAgreements implements store.Store.
func (s *Store) ListAgreements(ctx context.Context, p store.AgreementQuery) ([]store.AgreementRecord, error) {
	q := ofLoan("agreement_id", p.AfterAgreementID, p.LoanID, p.Statuses)
	rows, err := s.pool.Query(ctx, q.sql(`SELECT agreement_id, loan_id, status, updated_at FROM agreements`, "agreement_id", p.Limit), q.args...)
	if err != nil {
		return nil, mapError(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.AgreementRecord, error) {
		var a store.AgreementRecord
		err := r.Scan(&a.AgreementID, &a.LoanID, &a.Status, &a.UpdatedAt)
		a.UpdatedAt = a.UpdatedAt.UTC()
		return a, err
	})
	return out, mapError(err)
}

// SaveAgreement implements store.Store.
func (s *Store) SaveAgreement(ctx context.Context, p store.AgreementRecord) error {
	tag, err := s.pool.Exec(ctx, `UPDATE agreements SET status = $3, updated_at = $4 WHERE agreement_id = $1 AND loan_id = $2`,
		p.AgreementID, p.LoanID, p.Status, p.UpdatedAt)
	if err != nil {
		return mapError(err)
	}
	if tag.RowsAffected() == 0 {
		return store.ErrNotFound
	}
	return nil
}
