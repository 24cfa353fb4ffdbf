package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/loancore/loancore/internal/store"
)

var _ store.CreditLines = (*Store)(nil)

// lineEventArgs are the arguments of appendLineEventSQL: the event, and
// the request if it is recorded on it.
func lineEventArgs(e store.CreditLineEventRecord, r store.RequestRecord) []any {
	var method, hash any
	if r.RequestID != "" && r.CreditLineID == e.CreditLineID && r.Seq == e.Seq {
		method, hash = r.Method, r.RequestHash
	}
	return []any{e.CreditLineID, e.Seq, e.Kind, e.ValueDate, e.RecordedAt, e.RequestID, e.Actor, e.OnBehalfOf,
		nullable(e.Amount), nullable(e.LoanID), e.Reason, method, hash}
}

// appendLineEventSQL inserts a line event only right after the line's
// last one (or as its first, seq 1): the primary key refuses a second
// event at a seq — the line's optimistic lock — and the EXISTS a gap.
const appendLineEventSQL = `INSERT INTO credit_line_events
	(credit_line_id, seq, kind, value_date, recorded_at, request_id, actor, on_behalf_of, amount, loan_id, reason, method, request_hash)
	SELECT $1::text, $2::bigint, $3::text, $4::date, $5::timestamptz, $6::text, $7::text, $8::text, $9::numeric, $10::text, $11::text,
		$12::text, $13::text
	WHERE $2::bigint = 1 OR EXISTS (SELECT 1 FROM credit_line_events WHERE credit_line_id = $1::text AND seq = $2::bigint - 1)`

// OpenCreditLine implements store.CreditLines.
func (s *Store) OpenCreditLine(ctx context.Context, p store.NewCreditLineRecord) error {
	if p.Event.Seq != 1 {
		return fmt.Errorf("postgres: a line opens with seq 1, not %d", p.Event.Seq)
	}
	return mapError(pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		l := p.Line
		if _, err := tx.Exec(ctx, `INSERT INTO credit_lines (credit_line_id, borrower_id, currency, revolving, expires_on, terms, status, created_at)
			VALUES ($1, $2, $3, $4, $5::date, $6::jsonb, $7, $8)`,
			l.CreditLineID, l.BorrowerID, l.Currency, l.Revolving, nullable(l.ExpiresOn), string(l.Terms), l.Status, l.CreatedAt); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, appendLineEventSQL, lineEventArgs(p.Event, p.Request)...)
		return err
	}))
}

// appendLine appends e in tx and sets the line's status if status is not
// empty: ErrVersionConflict or ErrNotFound when the append wrote nothing.
func appendLine(ctx context.Context, tx pgx.Tx, e store.CreditLineEventRecord, r store.RequestRecord, status string) error {
	tag, err := tx.Exec(ctx, appendLineEventSQL, lineEventArgs(e, r)...)
	if err != nil {
		return err
	}
	if tag.RowsAffected() != 1 {
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM credit_lines WHERE credit_line_id = $1)`, e.CreditLineID).Scan(&exists); err != nil {
			return err
		}
		if !exists {
			return store.ErrNotFound
		}
		return store.ErrVersionConflict
	}
	if status != "" {
		_, err = tx.Exec(ctx, `UPDATE credit_lines SET status = $2 WHERE credit_line_id = $1`, e.CreditLineID, status)
	}
	return err
}

// AppendLineEvent implements store.CreditLines.
func (s *Store) AppendLineEvent(ctx context.Context, p store.AppendLineEventParams) error {
	if err := p.Check(); err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	return mapError(pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		return appendLine(ctx, tx, p.Event, p.Request, p.SetStatus)
	}))
}

// Drawdown implements store.CreditLines: the line's event first, so that
// a drawdown that lost the race on the line's seq waits for the winner's
// commit on the primary key and then fails before writing any of the
// loan; then the loan, as CreateLoan writes it. One transaction.
func (s *Store) Drawdown(ctx context.Context, p store.DrawdownRecord) error {
	if p.Event.Seq != p.ExpectedVersion+1 || p.Event.Seq < 2 || p.Event.LoanID != p.Loan.Loan.LoanID {
		return fmt.Errorf("postgres: drawdown of seq %d at version %d for loan %q", p.Event.Seq, p.ExpectedVersion, p.Event.LoanID)
	}
	return s.writeLog(ctx, func(fence int64) error {
		return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
			if err := appendLine(ctx, tx, p.Event, store.RequestRecord{}, ""); err != nil {
				return err
			}
			return insertLoan(ctx, tx, p.Loan, fence)
		})
	})
}

// lineEventColumns are the columns of credit_line_events e that
// lineEventDest receives.
const lineEventColumns = `e.seq, e.kind, to_char(e.value_date, 'YYYY-MM-DD'), e.recorded_at, e.request_id, e.actor, e.on_behalf_of,
	COALESCE(e.amount::text, ''), COALESCE(e.loan_id, ''), e.reason`

func lineEventDest(e *store.CreditLineEventRecord) []any {
	return []any{&e.Seq, &e.Kind, &e.ValueDate, &e.RecordedAt, &e.RequestID, &e.Actor, &e.OnBehalfOf, &e.Amount, &e.LoanID, &e.Reason}
}

// lineColumns are the columns scanLine reads from credit_lines l.
const lineColumns = `l.credit_line_id, l.borrower_id, l.currency, l.revolving, COALESCE(to_char(l.expires_on, 'YYYY-MM-DD'), ''),
	l.terms::text, l.status, (SELECT max(seq) FROM credit_line_events e WHERE e.credit_line_id = l.credit_line_id), l.created_at`

func scanLine(row pgx.Row) (store.CreditLineRecord, error) {
	var l store.CreditLineRecord
	var terms string
	err := row.Scan(&l.CreditLineID, &l.BorrowerID, &l.Currency, &l.Revolving, &l.ExpiresOn, &terms, &l.Status, &l.Version, &l.CreatedAt)
	l.Terms, l.CreatedAt = []byte(terms), l.CreatedAt.UTC()
	return l, err
}

// findAnyRequestSQL reads a request's record from the loan event or the
// line event that answers it.
const findAnyRequestSQL = `SELECT request_id, method, request_hash, loan_id, '', seq, recorded_at
	FROM loan_events WHERE request_id = $1 AND request_hash IS NOT NULL
	UNION ALL
	SELECT request_id, method, request_hash, '', credit_line_id, seq, recorded_at
	FROM credit_line_events WHERE request_id = $1 AND request_hash IS NOT NULL
	LIMIT 1`

// LoadCreditLine implements store.CreditLines: the row, the log and the
// request in one batch, one round trip, in one transaction so they agree.
func (s *Store) LoadCreditLine(ctx context.Context, p store.LoadCreditLineParams) (store.CreditLineLog, error) {
	var out store.CreditLineLog
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		b.Queue(`SELECT `+lineColumns+` FROM credit_lines l WHERE l.credit_line_id = $1`, p.CreditLineID)
		b.Queue(`SELECT `+lineEventColumns+` FROM credit_line_events e WHERE e.credit_line_id = $1 ORDER BY e.seq`, p.CreditLineID)
		b.Queue(findAnyRequestSQL, p.RequestID)
		res := tx.SendBatch(ctx, b)
		defer res.Close()
		line, err := scanLine(res.QueryRow())
		if err != nil {
			return err
		}
		rows, err := res.Query()
		if err != nil {
			return err
		}
		events, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.CreditLineEventRecord, error) {
			e := store.CreditLineEventRecord{CreditLineID: p.CreditLineID}
			err := r.Scan(lineEventDest(&e)...)
			e.RecordedAt = e.RecordedAt.UTC()
			return e, err
		})
		if err != nil {
			return err
		}
		var req store.RequestRecord
		err = res.QueryRow().Scan(&req.RequestID, &req.Method, &req.RequestHash, &req.LoanID, &req.CreditLineID, &req.Seq, &req.RecordedAt)
		if err == nil {
			req.RecordedAt = req.RecordedAt.UTC()
			out.Request = &req
		} else if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		out.Line, out.Events = line, events
		return nil
	})
	return out, mapError(err)
}

// ListCreditLines implements store.CreditLines.
func (s *Store) ListCreditLines(ctx context.Context, p store.CreditLineQuery) ([]store.CreditLineRecord, error) {
	var q listing
	q.and("l.credit_line_id > $?", p.AfterCreditLineID)
	if p.BorrowerID != "" {
		q.and("l.borrower_id = $?", p.BorrowerID)
	}
	rows, err := s.pool.Query(ctx, q.sql(`SELECT `+lineColumns+` FROM credit_lines l`, "l.credit_line_id", p.Limit), q.args...)
	if err != nil {
		return nil, mapError(err)
	}
	lines, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.CreditLineRecord, error) { return scanLine(r) })
	return lines, mapError(err)
}

// LineOfLoan implements store.CreditLines: the line whose DRAWDOWN names
// the loan.
func (s *Store) LineOfLoan(ctx context.Context, loanID string) (store.CreditLineRecord, error) {
	l, err := scanLine(s.pool.QueryRow(ctx, `SELECT `+lineColumns+` FROM credit_lines l
		JOIN credit_line_events d ON d.credit_line_id = l.credit_line_id AND d.kind = 'DRAWDOWN' WHERE d.loan_id = $1`, loanID))
	return l, mapError(err)
}

// linesToReviewSQL is LinesToReview's query, shaped so that it reads by
// index only, whatever the number of lines: the positions past due at
// the date joined to the drawdowns by loan (the positions' delinquent
// index, days_past_due > 0 spelled out so that the partial index
// applies; the drawdowns' loan index), and the FROZEN lines (a partial
// index, migration 0015) with their last freeze (the log's primary key,
// backwards); each candidate's status by the lines' primary key. The
// join lets the planner start from the smaller side: a book of cash
// loans has no drawdown, and looking each past-due position's drawdown
// up row by row (the shape before) cost a probe a position, 0.4 s at
// 200,000 positions with no line at all (2.5 s with a line each),
// against 0.5 ms (0.4 s) joined; with 100,000 lines and 1,000 of their
// loans past due the join merges both indexes, ~0.1 s either shape.
// Carried positions (migration 24) are found from the drawdowns: the
// date's carried page that may hold each drawdown's loan, by the pages'
// key, nothing for a book with no drawdown.
const linesToReviewSQL = `SELECT r.credit_line_id FROM (
		SELECT e.credit_line_id FROM loan_positions p JOIN credit_line_events e ON e.loan_id = p.loan_id AND e.kind = 'DRAWDOWN'
		WHERE p.as_of = $1::date AND p.days_past_due > 0 AND p.days_past_due >= $2
		UNION
		SELECT e.credit_line_id FROM credit_line_events e
		CROSS JOIN LATERAL (SELECT c.last_loan_id, c.loan_ids, c.days_past_due FROM carried_positions c
			WHERE c.as_of = $1::date AND c.first_loan_id <= e.loan_id COLLATE "C" ORDER BY c.first_loan_id DESC LIMIT 1) c
		CROSS JOIN LATERAL array_position(c.loan_ids, e.loan_id COLLATE "C") AS i
		WHERE e.kind = 'DRAWDOWN' AND c.last_loan_id >= e.loan_id COLLATE "C" AND c.days_past_due[i] >= GREATEST($2, 1)
		UNION
		SELECT l.credit_line_id FROM credit_lines l
		WHERE l.status = 'FROZEN' AND (SELECT f.actor FROM credit_line_events f
			WHERE f.credit_line_id = l.credit_line_id AND f.kind = 'FROZEN' ORDER BY f.seq DESC LIMIT 1) = $3
	) r
	WHERE r.credit_line_id > $4 AND (SELECT c.status FROM credit_lines c WHERE c.credit_line_id = r.credit_line_id) <> 'CLOSED'
	ORDER BY r.credit_line_id LIMIT $5`

// LinesToReview implements store.CreditLines.
func (s *Store) LinesToReview(ctx context.Context, p store.LineReviewQuery) ([]string, error) {
	rows, err := s.pool.Query(ctx, linesToReviewSQL, p.AsOf.String(), p.MinDaysPastDue, p.FrozenBy, p.AfterCreditLineID, p.Limit)
	if err != nil {
		return nil, mapError(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	return ids, mapError(err)
}
