package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/money"
	"github.com/loancore/loancore/internal/store"
)

// feedHeadSQL is the highest position.
const feedHeadSQL = `SELECT COALESCE(max(position), 0) FROM event_feed`

// SequenceFeed implements store.Feed: the triggers of migrations 0012 and 0014 give
// each row its position as it is written, so there is nothing to do but
// report the head.
func (s *Store) SequenceFeed(ctx context.Context, _ store.SequenceFeedParams) (int64, error) {
	var head int64
	err := s.db.QueryRowContext(ctx, feedHeadSQL).Scan(&head)
	return head, mapError(err)
}

// readFeedSQL reads entries after ? up to the head ?, with what they
// name; readFeed adds the filters and the limit. A line event's row has
// a seq too: only a row without a line is a loan event's.
const readFeedSQL = `SELECT f.position, f.kind, f.loan_id, COALESCE(f.credit_line_id, ''),
	COALESCE(c.borrower_id, l.borrower_id), COALESCE(c.currency, l.currency),
	e.seq, e.value_date, e.recorded_at, e.request_id, e.actor, e.on_behalf_of, e.amount, e.target_seq, e.reason, e.payload,
	a.business_date, a.penalty, a.compound, a.fees, a.recorded_at,
	n.notice_id, n.notice_date, n.kind, n.installment_number, n.due_date, n.amount, n.days_past_due, n.bucket, n.recorded_at,
	ce.seq, ce.kind, ce.value_date, ce.recorded_at, ce.request_id, ce.actor, ce.on_behalf_of, ce.amount, ce.loan_id, ce.reason
FROM event_feed f LEFT JOIN loans l ON l.loan_id = f.loan_id
	LEFT JOIN credit_lines c ON c.credit_line_id = f.credit_line_id
	LEFT JOIN loan_events e ON f.seq IS NOT NULL AND f.credit_line_id IS NULL AND e.loan_id = f.loan_id AND e.seq = f.seq
	LEFT JOIN loan_accruals a ON f.business_date IS NOT NULL AND a.business_date = f.business_date AND a.loan_id = f.loan_id
	LEFT JOIN due_notices n ON f.notice_id IS NOT NULL AND n.notice_id = f.notice_id
	LEFT JOIN credit_line_events ce ON f.credit_line_id IS NOT NULL AND ce.credit_line_id = f.credit_line_id AND ce.seq = f.seq
WHERE f.position > ? AND f.position <= ?`

// ReadFeed implements store.Feed. The head is read first: every position
// at or below it had committed then, so the second read sees them all.
func (s *Store) ReadFeed(ctx context.Context, p store.ReadFeedParams) (store.FeedPage, error) {
	var page store.FeedPage
	if err := s.db.QueryRowContext(ctx, feedHeadSQL).Scan(&page.Through); err != nil {
		return page, mapError(err)
	}
	if page.Through <= p.After {
		page.Through = p.After
		return page, nil
	}
	q, args := readFeedSQL, []any{p.After, page.Through}
	q, args = inList(q, args, "f.kind", p.Kinds)
	q, args = ofLoansOrLines(q, args, p.LoanIDs, p.CreditLineIDs)
	rows, err := s.db.QueryContext(ctx, q+" ORDER BY f.position LIMIT ?", append(args, p.Limit)...)
	if err != nil {
		return page, mapError(err)
	}
	defer rows.Close()
	for rows.Next() {
		f, err := scanFeedRow(rows)
		if err != nil {
			return page, mapError(err)
		}
		page.Entries = append(page.Entries, f)
	}
	if err := rows.Err(); err != nil {
		return page, mapError(err)
	}
	if len(page.Entries) == p.Limit {
		page.Through = page.Entries[len(page.Entries)-1].Position
	}
	return page, nil
}

// inList adds "AND column IN (…)" for values, when there are any.
func inList(q string, args []any, column string, values []string) (string, []any) {
	if len(values) == 0 {
		return q, args
	}
	return q + " AND " + in(column, len(values)), appendStrings(args, values)
}

// ofLoansOrLines selects the entries of the loans or of the lines, when
// either is named: one filter, an entry matching either list.
func ofLoansOrLines(q string, args []any, loans, lines []string) (string, []any) {
	var or []string
	if len(loans) > 0 {
		or = append(or, in("f.loan_id", len(loans)))
		args = appendStrings(args, loans)
	}
	if len(lines) > 0 {
		or = append(or, in("f.credit_line_id", len(lines)))
		args = appendStrings(args, lines)
	}
	if len(or) == 0 {
		return q, args
	}
	return q + " AND (" + strings.Join(or, " OR ") + ")", args
}

// in is "column IN (?, …)" with n placeholders.
func in(column string, n int) string {
	return column + " IN (?" + strings.Repeat(", ?", n-1) + ")"
}

func appendStrings(args []any, values []string) []any {
	for _, v := range values {
		args = append(args, v)
	}
	return args
}

// feedRow receives readFeedSQL's nullable columns.
type feedRow struct {
	seq, targetSeq, number, dpd, bucket                      sql.NullInt64
	valueDate, eventAt, requestID, actor, onBehalf           sql.NullString
	amount, reason, payload                                  sql.NullString
	businessDate, penalty, compound, fees, accrualAt         sql.NullString
	noticeID, noticeDate, noticeKind, due, nAmount, noticeAt sql.NullString
	line                                                     lineRow
}

// lineRow receives a line event's columns, all NULL for other entries.
type lineRow struct {
	seq                                               sql.NullInt64
	kind, valueDate, at, requestID, actor, onBehalfOf sql.NullString
	amount, loanID, reason                            sql.NullString
}

// scanFeedRow reads one entry.
func scanFeedRow(rows *sql.Rows) (store.FeedEntry, error) {
	var f store.FeedEntry
	var x feedRow
	ln := &x.line
	err := rows.Scan(&f.Position, &f.Kind, &f.LoanID, &f.CreditLineID, &f.BorrowerID, &f.Currency,
		&x.seq, &x.valueDate, &x.eventAt, &x.requestID, &x.actor, &x.onBehalf, &x.amount, &x.targetSeq, &x.reason, &x.payload,
		&x.businessDate, &x.penalty, &x.compound, &x.fees, &x.accrualAt,
		&x.noticeID, &x.noticeDate, &x.noticeKind, &x.number, &x.due, &x.nAmount, &x.dpd, &x.bucket, &x.noticeAt,
		&ln.seq, &ln.kind, &ln.valueDate, &ln.at, &ln.requestID, &ln.actor, &ln.onBehalfOf, &ln.amount, &ln.loanID, &ln.reason)
	if err != nil {
		return f, err
	}
	c, ok := money.LookupCurrency(f.Currency)
	if !ok {
		return f, fmt.Errorf("sqlite: loan %s: unknown currency %q", f.LoanID, f.Currency)
	}
	switch {
	case x.seq.Valid:
		f.Event, err = x.event(f.LoanID, f.Kind)
		if err == nil {
			f.RecordedAt = f.Event.RecordedAt
		}
	case x.businessDate.Valid:
		if f.RecordedAt, err = time.Parse(timeLayout, x.accrualAt.String); err == nil {
			f.Accrual, err = x.accrual(c)
		}
	case x.noticeID.Valid:
		if f.RecordedAt, err = time.Parse(timeLayout, x.noticeAt.String); err == nil {
			f.Notice, err = x.notice(f, c)
		}
	case ln.seq.Valid:
		if f.RecordedAt, err = time.Parse(timeLayout, ln.at.String); err == nil {
			f.LineEvent = &store.CreditLineEventRecord{CreditLineID: f.CreditLineID, Seq: ln.seq.Int64, Kind: ln.kind.String,
				ValueDate: ln.valueDate.String, RecordedAt: f.RecordedAt, RequestID: ln.requestID.String, Actor: ln.actor.String,
				OnBehalfOf: ln.onBehalfOf.String, Amount: ln.amount.String, LoanID: ln.loanID.String, Reason: ln.reason.String}
		}
	}
	return f, err
}

func (x *feedRow) event(loanID, kind string) (*store.EventRecord, error) {
	at, err := time.Parse(timeLayout, x.eventAt.String)
	if err != nil {
		return nil, err
	}
	return &store.EventRecord{LoanID: loanID, Seq: x.seq.Int64, Kind: kind, ValueDate: x.valueDate.String, RecordedAt: at,
		RequestID: x.requestID.String, Actor: x.actor.String, OnBehalfOf: x.onBehalf.String, Amount: x.amount.String,
		TargetSeq: x.targetSeq.Int64, Reason: x.reason.String, Payload: x.payload.String}, nil
}

func (x *feedRow) accrual(c money.Currency) (*store.FeedAccrualLine, error) {
	d, err := engine.ParseDate(x.businessDate.String)
	if err != nil {
		return nil, err
	}
	l := &store.FeedAccrualLine{BusinessDate: d}
	if l.Penalty, err = money.ParseSignedAmount(x.penalty.String, c); err != nil {
		return nil, err
	}
	if l.Compound, err = money.ParseSignedAmount(x.compound.String, c); err != nil {
		return nil, err
	}
	l.Fees, err = money.ParseSignedAmount(x.fees.String, c)
	return l, err
}

func (x *feedRow) notice(f store.FeedEntry, c money.Currency) (*store.Notice, error) {
	n := &store.Notice{ID: x.noticeID.String, LoanID: f.LoanID, BorrowerID: f.BorrowerID, Currency: f.Currency, Kind: x.noticeKind.String,
		InstallmentNumber: int(x.number.Int64), DaysPastDue: int(x.dpd.Int64), Bucket: engine.Bucket(x.bucket.Int64), DueDate: engine.NoDate}
	var err error
	if n.Date, err = engine.ParseDate(x.noticeDate.String); err != nil {
		return nil, err
	}
	if x.due.Valid && x.due.String != "" {
		if n.DueDate, err = engine.ParseDate(x.due.String); err != nil {
			return nil, err
		}
	}
	n.Amount, err = money.ParseAmount(x.nAmount.String, c)
	return n, err
}
