package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/loancore/loancore/internal/store"
)

// This file implements the reads of loans (store.Loans, store.Requests):
// a loan's log from its latest snapshot, a request's record, a page of
// loans, and the loans' versions.

// loanColumns are the columns scanLoan reads from loans l; the version is
// the seq of the last event.
const loanColumns = `l.loan_id, l.borrower_id, l.currency, l.terms::text, l.status,
	(SELECT max(seq) FROM loan_events e WHERE e.loan_id = l.loan_id), l.created_at`

func scanLoan(row pgx.Row) (store.LoanRecord, error) {
	var l store.LoanRecord
	var terms string
	err := row.Scan(&l.LoanID, &l.BorrowerID, &l.Currency, &terms, &l.Status, &l.Version, &l.CreatedAt)
	l.Terms = []byte(terms)
	l.CreatedAt = l.CreatedAt.UTC()
	return l, err
}

// loadLoanSQL reads a loan's row and its whole log in one statement, so
// one snapshot of the database. The loan's columns ride on the first
// event's row only (NULL on the others, which cost no decoding); the
// version is the last event's seq.
const loadLoanSQL = `SELECT ` + loanOnFirstRow + `, NULL::bigint, NULL::text, NULL::text, NULL::bytea, NULL::timestamptz, ` + eventColumns + `
	FROM loans l CROSS JOIN (SELECT 1::bigint AS first) f JOIN loan_events e ON e.loan_id = l.loan_id
	WHERE l.loan_id = $1 ORDER BY e.seq`

// loadFromSnapshotSQL is loadLoanSQL from the loan's latest snapshot of a
// format ($2): the rows start at the snapshot's own event, which carries
// the loan's and the snapshot's columns, or at the first event if there is
// none or the latest is a marker (an empty state: see
// store.SnapshotRecord). A snapshot is written with its event and
// never changed, so whichever one the statement finds agrees with the
// events it reads. (Whole-log reads keep loadLoanSQL: looking for a
// snapshot costs them ~12%.)
var loadFromSnapshotSQL = `WITH s AS (SELECT seq, as_of, last_value_date, state, recorded_at
		FROM loan_snapshots WHERE loan_id = $1 AND format = $2 ORDER BY seq DESC LIMIT 1)
	SELECT ` + loanOnFirstRow + `, ` + snapshotColumns + `, ` + eventColumns + `
	FROM loans l LEFT JOIN s ON octet_length(s.state) > 0 CROSS JOIN LATERAL (SELECT COALESCE(s.seq, 1) AS first) f
	` + logFrom("l.loan_id", "f.first") + `
	WHERE l.loan_id = $1 ORDER BY e.seq`

// logFrom is the events of a loan (loan, an SQL expression) from seq first
// on, as e: a LATERAL subquery that OFFSET 0 keeps from being flattened
// into a join, so that whatever the statistics when a connection's plan
// was made, the log is read by its primary key from first on. Joined
// directly, a plan made over a small log read every event of the loan and
// dropped those before first, or hashed a page's loans against a scan of
// the whole log (TestLoadProbesFromSnapshot, TestCOBLogsProbeByIndex).
func logFrom(loan, first string) string {
	return `CROSS JOIN LATERAL (SELECT * FROM loan_events e WHERE e.loan_id = ` + loan + ` AND e.seq >= ` + first + ` OFFSET 0) e`
}

// loanOnFirstRow are the columns of the loan l on the row of the first
// event read (f.first) only.
const loanOnFirstRow = `CASE WHEN e.seq = f.first THEN l.borrower_id END, CASE WHEN e.seq = f.first THEN l.currency END,
	CASE WHEN e.seq = f.first THEN l.terms::text END, CASE WHEN e.seq = f.first THEN l.status END,
	CASE WHEN e.seq = f.first THEN l.created_at END`

// snapshotColumns are the columns of the snapshot s that snapshotRow
// reads, on the row of its own event e only.
const snapshotColumns = `CASE WHEN e.seq = s.seq THEN s.seq END, CASE WHEN e.seq = s.seq THEN to_char(s.as_of, 'YYYY-MM-DD') END,
	CASE WHEN e.seq = s.seq THEN to_char(s.last_value_date, 'YYYY-MM-DD') END, CASE WHEN e.seq = s.seq THEN s.state END,
	CASE WHEN e.seq = s.seq THEN s.recorded_at END`

// snapshotRow receives snapshotColumns.
type snapshotRow struct {
	seq        *int64
	asOf, last *string
	state      []byte
	recordedAt *time.Time
}

func (r *snapshotRow) dest() []any { return []any{&r.seq, &r.asOf, &r.last, &r.state, &r.recordedAt} }

// record is the snapshot the row carries, or nil.
func (r *snapshotRow) record(format int) *store.SnapshotRecord {
	if r.seq == nil {
		return nil
	}
	return &store.SnapshotRecord{Seq: *r.seq, Format: format, AsOf: *r.asOf, LastValueDate: *r.last, State: r.state, RecordedAt: r.recordedAt.UTC()}
}

// eventDest receives eventColumns into e.
func eventDest(e *store.EventRecord) []any {
	return []any{&e.Seq, &e.Kind, &e.ValueDate, &e.RecordedAt, &e.RequestID, &e.Actor, &e.Amount, &e.TargetSeq, &e.Reason, &e.Payload, &e.OnBehalfOf}
}

// eventColumns are the columns of loan_events e that eventDest receives.
const eventColumns = `e.seq, e.kind, to_char(e.value_date, 'YYYY-MM-DD'), e.recorded_at, e.request_id, e.actor,
	COALESCE(e.amount::text, ''), COALESCE(e.target_seq, 0), e.reason, COALESCE(e.payload::text, ''), e.on_behalf_of`

// LoadLoan implements store.Store: the loan and its log (or its latest
// snapshot and the log after it) in one statement, and the request record,
// if one is asked for, beside it in the same batch: one round trip, which
// the loads that arrive together share (loadgroup.go).
func (s *Store) LoadLoan(ctx context.Context, p store.LoadLoanParams) (store.LoanLog, error) {
	if r := s.loads.do(ctx, p); r.read {
		return r.log, r.err
	}
	r := loadLoans(ctx, s.pool, []store.LoadLoanParams{p})[0]
	return r.log, r.err
}

// queueLoad queues LoadLoan's statements for p.
func queueLoad(b *pgx.Batch, p store.LoadLoanParams) {
	if p.SnapshotFormat != 0 {
		b.Queue(loadFromSnapshotSQL, p.LoanID, p.SnapshotFormat)
	} else {
		b.Queue(loadLoanSQL, p.LoanID)
	}
	if p.RequestID != "" {
		b.Queue(findRequestSQL, p.RequestID)
	}
}

// readLoanLog reads the results of queueLoad's statements for p from res.
func readLoanLog(res pgx.BatchResults, p store.LoadLoanParams) (store.LoanLog, error) {
	var out store.LoanLog
	rows, err := res.Query()
	if err != nil {
		return out, mapError(err)
	}
	loan := store.LoanRecord{LoanID: p.LoanID}
	var events []store.EventRecord
	var borrower, currency, terms, status *string
	var created *time.Time
	var snap snapshotRow
	for rows.Next() {
		e := store.EventRecord{LoanID: p.LoanID}
		if err := rows.Scan(append(append([]any{&borrower, &currency, &terms, &status, &created}, snap.dest()...), eventDest(&e)...)...); err != nil {
			rows.Close()
			return out, mapError(err)
		}
		if len(events) == 0 && out.Snapshot == nil {
			if borrower == nil {
				rows.Close()
				return out, fmt.Errorf("postgres: loan %s: the log read starts at event %d without the loan's row", p.LoanID, e.Seq)
			}
			loan.BorrowerID, loan.Currency, loan.Terms, loan.Status, loan.CreatedAt = *borrower, *currency, []byte(*terms), *status, created.UTC()
			if out.Snapshot = snap.record(p.SnapshotFormat); out.Snapshot != nil {
				// The snapshot's own event only carries the row: the
				// snapshot stands for it and everything before.
				loan.Version = e.Seq
				continue
			}
		}
		e.RecordedAt = e.RecordedAt.UTC()
		events = append(events, e)
	}
	if err := rows.Err(); err != nil {
		return out, mapError(err)
	}
	if p.RequestID != "" {
		var req store.RequestRecord
		if err := res.QueryRow().Scan(&req.RequestID, &req.Method, &req.RequestHash, &req.LoanID, &req.Seq, &req.RecordedAt); err == nil {
			req.RecordedAt = req.RecordedAt.UTC()
			out.Request = &req
		} else if !errors.Is(err, pgx.ErrNoRows) {
			return out, mapError(err)
		}
	}
	// Every loan is written with its first events: no rows, no loan.
	if len(events) == 0 && out.Snapshot == nil {
		return out, store.ErrNotFound
	}
	if n := len(events); n > 0 {
		loan.Version = events[n-1].Seq
	}
	out.Loan, out.Events = loan, events
	return out, nil
}

// findRequestSQL reads the record of a request from the event that
// answers it.
const findRequestSQL = `SELECT request_id, method, request_hash, loan_id, seq, recorded_at
	FROM loan_events WHERE request_id = $1 AND request_hash IS NOT NULL`

// FindRequest implements store.Store: on loans' and lines' logs.
func (s *Store) FindRequest(ctx context.Context, p store.RequestKey) (store.RequestRecord, error) {
	var r store.RequestRecord
	err := s.pool.QueryRow(ctx, findAnyRequestSQL, p.RequestID).Scan(&r.RequestID, &r.Method, &r.RequestHash, &r.LoanID, &r.CreditLineID, &r.Seq, &r.RecordedAt)
	r.RecordedAt = r.RecordedAt.UTC()
	return r, mapError(err)
}

// loanSummaryColumns are loanColumns with the terms document cut to its
// currency and principal (LoanQuery.Summary).
const loanSummaryColumns = `l.loan_id, l.borrower_id, l.currency,
	jsonb_build_object('currency', l.terms->'currency', 'principal', l.terms->'principal')::text, l.status,
	(SELECT max(seq) FROM loan_events e WHERE e.loan_id = l.loan_id), l.created_at`

// listLoansSQL is ListLoans' statement of columns for p's filters, and
// its arguments.
func listLoansSQL(columns string, p store.LoanQuery) (string, []any) {
	var q listing
	q.and("l.loan_id > $?", p.AfterLoanID)
	if p.Status != "" {
		q.and("l.status = $?", p.Status)
	}
	if p.BorrowerID != "" {
		q.and("l.borrower_id = $?", p.BorrowerID)
	}
	return q.sql(`SELECT `+columns+` FROM loans l`, "l.loan_id", p.Limit), q.args
}

// ListLoans implements store.Store.
func (s *Store) ListLoans(ctx context.Context, p store.LoanQuery) ([]store.LoanRecord, error) {
	columns := loanColumns
	if p.Summary {
		columns = loanSummaryColumns
	}
	sql, args := listLoansSQL(columns, p)
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, mapError(err)
	}
	loans, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.LoanRecord, error) { return scanLoan(r) })
	return loans, mapError(err)
}

// LoanVersions implements store.Loans: one statement, each loan's last
// seq by a backward step on the primary key's index, so its cost is the
// round trip however long the logs.
func (s *Store) LoanVersions(ctx context.Context, loanIDs []string) (map[string]int64, error) {
	out := make(map[string]int64, len(loanIDs))
	if len(loanIDs) == 0 {
		return out, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT l.loan_id, (SELECT max(seq) FROM loan_events e WHERE e.loan_id = l.loan_id)
		FROM loans l WHERE l.loan_id = ANY($1::text[])`, loanIDs)
	if err != nil {
		return nil, mapError(err)
	}
	var id string
	var v int64
	if _, err := pgx.ForEachRow(rows, []any{&id, &v}, func() error { out[id] = v; return nil }); err != nil {
		return nil, mapError(err)
	}
	return out, nil
}

// loanVersionsSinceSQL reads the change marker, the snapshot the
// statement runs in (pg_current_snapshot: the transactions committed and
// in progress), and the named loans' versions in that same snapshot
// unless the marker equals $1. A transaction that becomes visible leaves
// the snapshot's list of those in progress, or moves its horizon (xmax)
// past one assigned since, and neither goes back: equal snapshot texts
// mean no commit in between, in any session. The marker is not the WAL
// position, which moves when the commit record is written, before the
// transaction is visible: a read between the two would mark stale
// versions with the new position. With the marker unchanged the loans'
// index is not touched (ANY of NULL matches nothing); the left join
// still gives the marker's row.
const loanVersionsSinceSQL = `WITH m AS MATERIALIZED (SELECT pg_current_snapshot()::text AS marker)
	SELECT m.marker, l.loan_id, (SELECT max(seq) FROM loan_events e WHERE e.loan_id = l.loan_id)
	FROM m LEFT JOIN loans l ON l.loan_id = ANY(CASE WHEN m.marker = $1 THEN NULL ELSE $2::text[] END)`

// loanVersionsSince is loanVersionsSinceSQL on conn.
func loanVersionsSince(ctx context.Context, conn *pgx.Conn, since string, loanIDs []string) (store.MarkedVersions, error) {
	rows, err := conn.Query(ctx, loanVersionsSinceSQL, since, loanIDs)
	if err != nil {
		return store.MarkedVersions{}, mapError(err)
	}
	var out store.MarkedVersions
	var id *string
	var v *int64
	if _, err := pgx.ForEachRow(rows, []any{&out.Marker, &id, &v}, func() error {
		if id != nil && v != nil {
			if out.Versions == nil {
				out.Versions = make(map[string]int64, len(loanIDs))
			}
			out.Versions[*id] = *v
		}
		return nil
	}); err != nil {
		return store.MarkedVersions{}, mapError(err)
	}
	if out.Versions == nil && (since == "" || out.Marker != since) {
		out.Versions = map[string]int64{}
	}
	return out, nil
}
