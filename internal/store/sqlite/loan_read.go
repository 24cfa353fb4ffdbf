package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/loancore/loancore/internal/store"
)

// This file implements the reads of loans (store.Loans, store.Requests):
// a loan's log from its latest snapshot, a request's record, a page of
// loans, and the loans' versions.

// loanColumns are the columns scanLoan reads from loans l; the version is
// the seq of the last event.
const loanColumns = `l.loan_id, l.borrower_id, l.currency, l.terms, l.status,
	(SELECT max(seq) FROM loan_events e WHERE e.loan_id = l.loan_id), l.created_at`

type scanner interface{ Scan(...any) error }

func scanLoan(row scanner) (store.LoanRecord, error) {
	var l store.LoanRecord
	var terms, created string
	if err := row.Scan(&l.LoanID, &l.BorrowerID, &l.Currency, &terms, &l.Status, &l.Version, &created); err != nil {
		return l, err
	}
	l.Terms = []byte(terms)
	t, err := time.Parse(timeLayout, created)
	l.CreatedAt = t
	return l, err
}

// loadLoanSQL reads a loan's row and its log, from its latest snapshot of
// a format (?2; 0 matches none) dated on or before ?3, or from the start
// when there is none or the latest is a marker (an empty state), in one
// statement, so one snapshot of the database. The rows start at the snapshot's own
// event, which carries the loan's and the snapshot's columns, or at the
// first event; the version is the last event's seq. f comes first in
// the join, and CROSS JOIN keeps SQLite from reordering it, so that the
// snapshot's seq bounds the log's key range: joined after the log, it
// filtered every event of the loan (TestLoadReadsFromSnapshot).
const loadLoanSQL = `WITH s AS (SELECT seq, as_of, last_value_date, state, recorded_at FROM loan_snapshots
		WHERE loan_id = ?1 AND format = ?2 AND as_of <= ?3 ORDER BY seq DESC LIMIT 1),
	f AS (SELECT COALESCE((SELECT seq FROM s WHERE length(state) > 0), 1) AS first)
	SELECT CASE WHEN e.seq = f.first THEN l.borrower_id END, CASE WHEN e.seq = f.first THEN l.currency END,
	CASE WHEN e.seq = f.first THEN l.terms END, CASE WHEN e.seq = f.first THEN l.status END, CASE WHEN e.seq = f.first THEN l.created_at END,
	s.seq, s.as_of, s.last_value_date, s.state, s.recorded_at,
	e.seq, e.kind, e.value_date, e.recorded_at, e.request_id, e.actor,
	COALESCE(e.amount, ''), COALESCE(e.target_seq, 0), e.reason, COALESCE(e.payload, ''), e.on_behalf_of
	FROM f CROSS JOIN loans l CROSS JOIN loan_events e ON e.loan_id = l.loan_id AND e.seq >= f.first
	LEFT JOIN s ON s.seq = e.seq AND length(s.state) > 0
	WHERE l.loan_id = ?1 ORDER BY e.seq`

// LoadLoan implements store.Store.
func (s *Store) LoadLoan(ctx context.Context, p store.LoadLoanParams) (store.LoanLog, error) {
	var out store.LoanLog
	if p.RequestID != "" {
		r, err := s.FindRequest(ctx, store.RequestKey{RequestID: p.RequestID})
		if err == nil {
			out.Request = &r
		} else if !errors.Is(err, store.ErrNotFound) {
			return out, err
		}
	}
	lg, err := s.loadLoan(ctx, p.LoanID, p.SnapshotFormat, "9999-12-31")
	lg.Request = out.Request
	return lg, err
}

// loadLoan reads a loan's row and its log, from its latest snapshot of a
// format dated on or before maxAsOf when it has one (loadLoanSQL).
func (s *Store) loadLoan(ctx context.Context, loanID string, format int, maxAsOf string) (store.LoanLog, error) {
	var out store.LoanLog
	rows, err := s.db.QueryContext(ctx, loadLoanSQL, loanID, format, maxAsOf)
	if err != nil {
		return out, mapError(err)
	}
	defer rows.Close()
	loan := store.LoanRecord{LoanID: loanID}
	var borrower, currency, terms, status, created, snapAsOf, snapLast, snapRecorded sql.NullString
	var snapSeq sql.NullInt64
	var snapState []byte
	for first := true; rows.Next(); first = false {
		e := store.EventRecord{LoanID: loanID}
		var recorded string
		if err := rows.Scan(&borrower, &currency, &terms, &status, &created, &snapSeq, &snapAsOf, &snapLast, &snapState, &snapRecorded,
			&e.Seq, &e.Kind, &e.ValueDate, &recorded, &e.RequestID, &e.Actor, &e.Amount, &e.TargetSeq, &e.Reason, &e.Payload, &e.OnBehalfOf); err != nil {
			return out, mapError(err)
		}
		if e.RecordedAt, err = time.Parse(timeLayout, recorded); err != nil {
			return out, mapError(err)
		}
		loan.Version = e.Seq
		if !first {
			out.Events = append(out.Events, e)
			continue
		}
		if !borrower.Valid {
			return out, fmt.Errorf("sqlite: loan %s: the log read starts at event %d without the loan's row", loanID, e.Seq)
		}
		loan.BorrowerID, loan.Currency, loan.Terms, loan.Status = borrower.String, currency.String, []byte(terms.String), status.String
		if loan.CreatedAt, err = time.Parse(timeLayout, created.String); err != nil {
			return out, mapError(err)
		}
		if !snapSeq.Valid {
			out.Events = append(out.Events, e)
			continue
		}
		// The snapshot's own event only carries the row: the snapshot
		// stands for it and everything before.
		sn := &store.SnapshotRecord{Seq: snapSeq.Int64, Format: format, AsOf: snapAsOf.String,
			LastValueDate: snapLast.String, State: snapState}
		if sn.RecordedAt, err = time.Parse(timeLayout, snapRecorded.String); err != nil {
			return out, mapError(err)
		}
		out.Snapshot = sn
	}
	if err := rows.Err(); err != nil {
		return out, mapError(err)
	}
	// Every loan is written with its first events: no rows, no loan.
	if loan.Version == 0 {
		return out, store.ErrNotFound
	}
	out.Loan = loan
	return out, nil
}

// FindRequest implements store.Store: on loans' and lines' logs.
func (s *Store) FindRequest(ctx context.Context, p store.RequestKey) (store.RequestRecord, error) {
	var r store.RequestRecord
	var recorded string
	err := s.db.QueryRowContext(ctx, findAnyRequestSQL, p.RequestID, p.RequestID).Scan(&r.RequestID, &r.Method, &r.RequestHash, &r.LoanID,
		&r.CreditLineID, &r.Seq, &recorded)
	if err == nil {
		r.RecordedAt, err = time.Parse(timeLayout, recorded)
	}
	return r, mapError(err)
}

// loanSummaryColumns are loanColumns with the terms document cut to its
// currency and principal (LoanQuery.Summary).
const loanSummaryColumns = `l.loan_id, l.borrower_id, l.currency,
	json_object('currency', json_extract(l.terms, '$.currency'), 'principal', json_extract(l.terms, '$.principal')), l.status,
	(SELECT max(seq) FROM loan_events e WHERE e.loan_id = l.loan_id), l.created_at`

// loanFilters is ListLoans' statement after its columns, and its
// arguments, for p's filters; set tells which are set (a bit each), one
// statement text for each set.
func loanFilters(p store.LoanQuery) (from string, args []any, set int) {
	var q listing
	q.and("l.loan_id > ?", p.AfterLoanID)
	if p.BorrowerID != "" {
		q.and("l.borrower_id = ?", p.BorrowerID)
		set |= 2
	}
	if p.Status != "" {
		q.and(status(p.BorrowerID != "", "l.status")+" = ?", p.Status)
		set |= 1
	}
	return q.sql(" FROM loans l", "l.loan_id", p.Limit), q.args, set
}

// ListLoans implements store.Store. The summary's statements are
// prepared once (parsing one cost a tenth of a page's CPU).
func (s *Store) ListLoans(ctx context.Context, p store.LoanQuery) ([]store.LoanRecord, error) {
	var rows *sql.Rows
	var err error
	from, args, set := loanFilters(p)
	if p.Summary {
		var stmt *sql.Stmt
		if stmt, err = s.prepareOnce(ctx, &s.summary[set], `SELECT `+loanSummaryColumns+from); err == nil {
			rows, err = stmt.QueryContext(ctx, args...)
		}
	} else {
		rows, err = s.db.QueryContext(ctx, `SELECT `+loanColumns+from, args...)
	}
	if err != nil {
		return nil, mapError(err)
	}
	defer rows.Close()
	var out []store.LoanRecord
	for rows.Next() {
		l, err := scanLoan(rows)
		if err != nil {
			return nil, mapError(err)
		}
		out = append(out, l)
	}
	return out, mapError(rows.Err())
}

// loanVersionsSQL reads the versions of the loans whose ids are in a JSON
// array: one statement text whatever the number of ids, so that it is
// parsed once per connection (Store.versions), not per check; parsing an
// IN list of the batch's length cost more than running it.
const loanVersionsSQL = `SELECT l.loan_id, (SELECT max(seq) FROM loan_events e WHERE e.loan_id = l.loan_id)
	FROM loans l WHERE l.loan_id IN (SELECT value FROM json_each(?))`

// LoanVersions implements store.Loans: one statement, as of one instant.
func (s *Store) LoanVersions(ctx context.Context, loanIDs []string) (map[string]int64, error) {
	if len(loanIDs) == 0 {
		return map[string]int64{}, nil
	}
	stmt, err := s.versionsStmt(ctx)
	if err != nil {
		return nil, mapError(err)
	}
	out, err := queryVersions(ctx, stmt, loanIDs)
	return out, mapError(err)
}

// queryVersions runs stmt, loanVersionsSQL prepared (on the pool or on
// the marker connection), for loanIDs: each existing loan's version.
func queryVersions(ctx context.Context, stmt *sql.Stmt, loanIDs []string) (map[string]int64, error) {
	out := make(map[string]int64, len(loanIDs))
	if len(loanIDs) == 0 {
		return out, nil
	}
	ids, err := json.Marshal(loanIDs)
	if err != nil {
		return nil, err
	}
	rows, err := stmt.QueryContext(ctx, string(ids))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var v int64
		if err := rows.Scan(&id, &v); err != nil {
			return nil, err
		}
		out[id] = v
	}
	return out, rows.Err()
}

// versionsStmt is loanVersionsSQL prepared, once: database/sql prepares it
// again on each connection it runs on, and keeps it there.
func (s *Store) versionsStmt(ctx context.Context) (*sql.Stmt, error) {
	return s.prepareOnce(ctx, &s.versions, loanVersionsSQL)
}
