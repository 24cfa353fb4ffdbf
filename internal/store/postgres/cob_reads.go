package postgres

import (
	"context"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/money"
	"github.com/loancore/loancore/internal/store"
)

// This file implements the reads of what close of business wrote
// (store.CloseOfBusiness): a date's delinquent positions and their counts,
// a loan's journal total, and the notices due.

// delinquentSQL pages a date's delinquent positions: up to $5 of its rows
// (the delinquent index), and up to $5 of its carried positions
// (migration 24: its pages by key from the cursor's, unnested in order,
// which an incremental sort keeps, filtered by the arrays' days past
// due, bucket and risk class) each with its base row for what the
// arrays do not keep (a carried position's penalty and compound are its
// base's and the daily amounts of each day since), merged by loan id. A
// row brings its own figures: joined to its base too, as the carried
// ones are, it was probed twice, and a page of 100 of them answered
// 0.76 of the QPS (make bench-read).
var delinquentSQL = `WITH page AS (
	SELECT * FROM (
		SELECT p.loan_id, p.status, p.days_past_due, p.bucket, p.risk_class, p.principal, p.interest, p.penalty, p.compound
		FROM loan_positions p
		WHERE p.as_of = $1::date AND p.days_past_due > 0 AND p.loan_id > $2 AND ($3 = 0 OR p.bucket = $3) AND ($4 = 0 OR p.risk_class = $4)
		ORDER BY p.loan_id LIMIT $5) r
	UNION ALL
	SELECT k.loan_id, b.status, k.days_past_due, k.bucket, k.risk_class, b.principal, b.interest,
		b.penalty + ($1::date - k.base_date) * COALESCE(b.penalty_per_day, 0), b.compound + ($1::date - k.base_date) * COALESCE(b.compound_per_day, 0)
	FROM (
		SELECT u.loan_id, u.base_date, u.days_past_due, u.bucket, u.risk_class
		FROM (SELECT * FROM carried_positions c WHERE c.as_of = $1::date AND c.last_loan_id > $2
			AND c.first_loan_id >= ` + pageHolding("$1::date", "$2") + ` ORDER BY c.first_loan_id) c
		CROSS JOIN LATERAL unnest(c.loan_ids, c.base_dates, c.days_past_due, c.buckets, c.risk_classes) WITH ORDINALITY
			AS u(loan_id, base_date, days_past_due, bucket, risk_class, n)
		WHERE u.loan_id > $2 AND u.days_past_due > 0 AND ($3 = 0 OR u.bucket = $3) AND ($4 = 0 OR u.risk_class = $4)
		ORDER BY c.first_loan_id, u.n LIMIT $5) k
	JOIN loan_positions b ON b.loan_id = k.loan_id AND b.as_of = k.base_date
	ORDER BY loan_id LIMIT $5
)
SELECT k.loan_id, l.borrower_id, l.currency, k.status, k.days_past_due, k.bucket, k.risk_class, k.principal::text, k.interest::text,
	k.penalty::text, k.compound::text
FROM page k JOIN loans l ON l.loan_id = k.loan_id
ORDER BY k.loan_id`

// DelinquentPositions implements store.CloseOfBusiness (delinquentSQL).
func (s *Store) DelinquentPositions(ctx context.Context, p store.PositionQuery) ([]store.Position, error) {
	rows, err := s.pool.Query(ctx, delinquentSQL, p.AsOf.String(), p.AfterLoanID, int32(p.Bucket), int32(p.RiskClass), p.Limit)
	if err != nil {
		return nil, mapError(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Position, error) {
		pos := store.Position{AsOf: p.AsOf}
		var bucket, class int32
		var amounts [4]string
		if err := r.Scan(&pos.LoanID, &pos.BorrowerID, &pos.Currency, &pos.Status, &pos.DaysPastDue, &bucket, &class,
			&amounts[0], &amounts[1], &amounts[2], &amounts[3]); err != nil {
			return pos, err
		}
		pos.Bucket, pos.RiskClass = engine.Bucket(bucket), engine.RiskClass(class)
		c, err := currency(pos.Currency)
		if err != nil {
			return pos, err
		}
		for i, dst := range []*money.Amount{&pos.Outstanding.Principal, &pos.Outstanding.Interest, &pos.Outstanding.Penalty, &pos.Outstanding.Compound} {
			if *dst, err = money.ParseAmount(amounts[i], c); err != nil {
				return pos, fmt.Errorf("loan %s amount %s: %w", pos.LoanID, strconv.Quote(amounts[i]), err)
			}
		}
		return pos, nil
	})
	return out, mapError(err)
}

// CountDelinquent implements store.CloseOfBusiness: the date's rows (the
// partial index on delinquent positions narrows them) and the elements of
// its carried pages (migration 24), counted by bucket.
func (s *Store) CountDelinquent(ctx context.Context, p store.DelinquencyCountQuery) (map[engine.Bucket]int64, error) {
	rows, err := s.pool.Query(ctx, `SELECT bucket, sum(n)::bigint FROM (
			SELECT bucket, count(*) AS n FROM loan_positions WHERE as_of = $1::date AND days_past_due > 0 GROUP BY bucket
			UNION ALL
			SELECT u.bucket, count(*) FROM carried_positions c CROSS JOIN LATERAL unnest(c.days_past_due, c.buckets) AS u(days_past_due, bucket)
			WHERE c.as_of = $1::date AND u.days_past_due > 0 GROUP BY u.bucket
		) b GROUP BY bucket`, p.AsOf.String())
	if err != nil {
		return nil, mapError(err)
	}
	out := map[engine.Bucket]int64{}
	var bucket int32
	var n int64
	_, err = pgx.ForEachRow(rows, []any{&bucket, &n}, func() error {
		out[engine.Bucket(bucket)] = n
		return nil
	})
	return out, mapError(err)
}

// accrualTotalSQL is a loan's currency and its journal's sum
// (journalSumOf), 0 with no line.
var accrualTotalSQL = `SELECT l.currency, COALESCE(j.penalty, 0)::text, COALESCE(j.compound, 0)::text, COALESCE(j.fees, 0)::text
FROM loans l CROSS JOIN LATERAL (` + journalSumOf("l.loan_id") + `) j WHERE l.loan_id = $1`

// journalSumOf is a statement summing the journal lines of the loan
// whose id is loanID (an SQL expression of collation "C", the ids'):
// those in the batches whose range of ids holds the loan (a probe of
// their range index a date, migration 22) and those loan_accruals kept
// from before the batches (by its index by loan, migration 30), one row
// of penalty, compound and fees, NULL when there are none.
func journalSumOf(loanID string) string {
	return `SELECT sum(x.penalty) AS penalty, sum(x.compound) AS compound, sum(x.fees) AS fees FROM (
		SELECT b.penalties[i] AS penalty, b.compounds[i] AS compound, COALESCE(b.fees[i], 0) AS fees
		FROM accrual_batches b CROSS JOIN LATERAL array_position(b.loan_ids, ` + loanID + `) AS i
		WHERE loan_id_range(b.first_loan_id, b.last_loan_id, '[]') @> ` + loanID + ` AND i IS NOT NULL
		UNION ALL
		SELECT a.penalty, a.compound, a.fees FROM loan_accruals a WHERE a.loan_id = ` + loanID + `) x`
}

// AccrualTotal implements store.CloseOfBusiness.
func (s *Store) AccrualTotal(ctx context.Context, p store.AccrualQuery) (store.Accrual, error) {
	var cur, pen, comp, fees string
	err := s.pool.QueryRow(ctx, accrualTotalSQL, p.LoanID).Scan(&cur, &pen, &comp, &fees)
	if err != nil {
		return store.Accrual{}, mapError(err)
	}
	c, err := currency(cur)
	if err != nil {
		return store.Accrual{}, err
	}
	var a store.Accrual
	if a.Penalty, err = money.ParseAmount(pen, c); err != nil {
		return a, err
	}
	if a.Compound, err = money.ParseAmount(comp, c); err != nil {
		return a, err
	}
	a.Fees, err = money.ParseAmount(fees, c)
	return a, err
}

// dueNoticesSQL is DueNotices' statement for p, and its arguments.
func dueNoticesSQL(p store.NoticeQuery) (string, []any) {
	var q listing
	if p.FromCursor() {
		q.and("(n.notice_date, n.notice_id) > ($?::date, $?)", p.AfterDate.String(), p.AfterID)
	} else {
		q.and("n.notice_date >= $?::date", p.From.String())
	}
	q.and("n.notice_date <= $?::date", p.To.String())
	return q.sql(`SELECT n.notice_id, to_char(n.notice_date, 'YYYY-MM-DD'), n.loan_id, l.borrower_id, l.currency, n.kind,
		n.installment_number, COALESCE(to_char(n.due_date, 'YYYY-MM-DD'), ''), n.amount::text, n.days_past_due, n.bucket
		FROM due_notices n JOIN loans l ON l.loan_id = n.loan_id`, "n.notice_date, n.notice_id", p.Limit), q.args
}

// DueNotices implements store.CloseOfBusiness.
func (s *Store) DueNotices(ctx context.Context, p store.NoticeQuery) ([]store.Notice, error) {
	sql, args := dueNoticesSQL(p)
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, mapError(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Notice, error) {
		var n store.Notice
		var date, due, amount string
		var number, dpd, bucket int32
		if err := r.Scan(&n.ID, &date, &n.LoanID, &n.BorrowerID, &n.Currency, &n.Kind, &number, &due, &amount, &dpd, &bucket); err != nil {
			return n, err
		}
		n.InstallmentNumber, n.DaysPastDue, n.Bucket = int(number), int(dpd), engine.Bucket(bucket)
		var err error
		if n.Date, err = engine.ParseDate(date); err != nil {
			return n, err
		}
		n.DueDate = engine.NoDate
		if due != "" {
			if n.DueDate, err = engine.ParseDate(due); err != nil {
				return n, err
			}
		}
		c, err := currency(n.Currency)
		if err != nil {
			return n, err
		}
		n.Amount, err = money.ParseAmount(amount, c)
		return n, err
	})
	return out, mapError(err)
}
