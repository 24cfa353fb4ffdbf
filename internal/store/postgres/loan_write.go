package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/loancore/loancore/internal/store"
)

// This file implements the writes of a loan's log (store.Loans): a new
// loan's row and first events, and an event appended behind the last.

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
		nullable(e.Amount), nullableSeq(e.TargetSeq), e.Reason, method, hash, nullable(e.Payload), e.OnBehalfOf}
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
	if err := p.Check(); err != nil {
		return fmt.Errorf("postgres: %w", err)
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
