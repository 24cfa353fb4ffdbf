package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/loancore/loancore/internal/store"
)

// This file implements the writes of a loan's log (store.Loans): a new
// loan's row and first events, and an event appended behind the last.

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
	if err := p.Check(); err != nil {
		return fmt.Errorf("sqlite: %w", err)
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
