package sqlite

import (
	"context"
	"fmt"
	"strings"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/money"
	"github.com/loancore/loancore/internal/store"
)

// This file implements the reads of what close of business wrote
// (store.CloseOfBusiness): a date's delinquent positions and their counts,
// a loan's journal total, and the notices due.

// The statements that read a date's delinquent positions name their
// partial index (INDEXED BY, which fails the statement rather than plan
// it without the index): it holds only the positions past due, while
// the date's whole index (migration 0021) matches the same terms and,
// planned without statistics, was taken instead, reading every position
// of the date (TestDelinquentReadsItsIndex).
const delinquentPositionsSQL = `SELECT p.loan_id, l.borrower_id, l.currency, p.status, p.days_past_due, p.bucket, p.risk_class,
	p.principal, p.interest, p.penalty, p.compound
	FROM loan_positions p INDEXED BY loan_positions_delinquent_idx JOIN loans l ON l.loan_id = p.loan_id
	WHERE p.as_of = ? AND p.days_past_due > 0 AND p.loan_id > ? AND (? = 0 OR p.bucket = ?) AND (? = 0 OR p.risk_class = ?)
	ORDER BY p.loan_id LIMIT ?`

// countDelinquentSQL counts a date's delinquent positions by bucket.
const countDelinquentSQL = `SELECT bucket, count(*) FROM loan_positions INDEXED BY loan_positions_delinquent_idx
	WHERE as_of = ? AND days_past_due > 0 GROUP BY bucket`

// DelinquentPositions implements store.CloseOfBusiness.
func (s *Store) DelinquentPositions(ctx context.Context, p store.PositionQuery) ([]store.Position, error) {
	rows, err := s.db.QueryContext(ctx, delinquentPositionsSQL,
		p.AsOf.String(), p.AfterLoanID, int(p.Bucket), int(p.Bucket), int(p.RiskClass), int(p.RiskClass), p.Limit)
	if err != nil {
		return nil, mapError(err)
	}
	defer rows.Close()
	var out []store.Position
	for rows.Next() {
		pos := store.Position{AsOf: p.AsOf}
		var bucket, class int
		var amounts [4]string
		if err := rows.Scan(&pos.LoanID, &pos.BorrowerID, &pos.Currency, &pos.Status, &pos.DaysPastDue, &bucket, &class,
			&amounts[0], &amounts[1], &amounts[2], &amounts[3]); err != nil {
			return nil, mapError(err)
		}
		pos.Bucket, pos.RiskClass = engine.Bucket(bucket), engine.RiskClass(class)
		c, ok := money.LookupCurrency(pos.Currency)
		if !ok {
			return nil, fmt.Errorf("sqlite: loan %s: unknown currency %q", pos.LoanID, pos.Currency)
		}
		for i, dst := range []*money.Amount{&pos.Outstanding.Principal, &pos.Outstanding.Interest, &pos.Outstanding.Penalty, &pos.Outstanding.Compound} {
			if *dst, err = money.ParseAmount(strings.TrimSpace(amounts[i]), c); err != nil {
				return nil, fmt.Errorf("sqlite: loan %s: %w", pos.LoanID, err)
			}
		}
		out = append(out, pos)
	}
	return out, mapError(rows.Err())
}

// CountDelinquent implements store.CloseOfBusiness.
func (s *Store) CountDelinquent(ctx context.Context, p store.DelinquencyCountQuery) (map[engine.Bucket]int64, error) {
	rows, err := s.db.QueryContext(ctx, countDelinquentSQL, p.AsOf.String())
	if err != nil {
		return nil, mapError(err)
	}
	defer rows.Close()
	out := map[engine.Bucket]int64{}
	for rows.Next() {
		var bucket int
		var n int64
		if err := rows.Scan(&bucket, &n); err != nil {
			return nil, mapError(err)
		}
		out[engine.Bucket(bucket)] = n
	}
	return out, mapError(rows.Err())
}

// parseAccrual reads stored penalty, compound and fee amounts.
func parseAccrual(code, penalty, compound, fees string) (store.Accrual, error) {
	var a store.Accrual
	c, ok := money.LookupCurrency(code)
	if !ok {
		return a, fmt.Errorf("sqlite: unknown currency %q", code)
	}
	var err error
	if a.Penalty, err = money.ParseSignedAmount(penalty, c); err != nil {
		return a, err
	}
	if a.Compound, err = money.ParseSignedAmount(compound, c); err != nil {
		return a, err
	}
	a.Fees, err = money.ParseSignedAmount(fees, c)
	return a, err
}

// AccrualTotal implements store.CloseOfBusiness. Journal amounts are decimal
// text, summed exactly in Go.
func (s *Store) AccrualTotal(ctx context.Context, p store.AccrualQuery) (store.Accrual, error) {
	var code string
	if err := s.db.QueryRowContext(ctx, `SELECT currency FROM loans WHERE loan_id = ?`, p.LoanID).Scan(&code); err != nil {
		return store.Accrual{}, mapError(err)
	}
	return s.journalSum(ctx, p.LoanID, code)
}

// DueNotices implements store.CloseOfBusiness.
func (s *Store) DueNotices(ctx context.Context, p store.NoticeQuery) ([]store.Notice, error) {
	var q listing
	if p.FromCursor() {
		q.and("(n.notice_date, n.notice_id) > (?, ?)", p.AfterDate.String(), p.AfterID)
	} else {
		q.and("n.notice_date >= ?", p.From.String())
	}
	q.and("n.notice_date <= ?", p.To.String())
	rows, err := s.db.QueryContext(ctx, q.sql(`SELECT n.notice_id, n.notice_date, n.loan_id, l.borrower_id, l.currency, n.kind,
		n.installment_number, COALESCE(n.due_date, ''), n.amount, n.days_past_due, n.bucket
		FROM due_notices n JOIN loans l ON l.loan_id = n.loan_id`, "n.notice_date, n.notice_id", p.Limit), q.args...)
	if err != nil {
		return nil, mapError(err)
	}
	defer rows.Close()
	var out []store.Notice
	for rows.Next() {
		var n store.Notice
		var date, due, amount string
		var bucket int
		if err := rows.Scan(&n.ID, &date, &n.LoanID, &n.BorrowerID, &n.Currency, &n.Kind, &n.InstallmentNumber, &due, &amount, &n.DaysPastDue, &bucket); err != nil {
			return nil, mapError(err)
		}
		n.Bucket = engine.Bucket(bucket)
		if n.Date, err = engine.ParseDate(date); err != nil {
			return nil, err
		}
		n.DueDate = engine.NoDate
		if due != "" {
			if n.DueDate, err = engine.ParseDate(due); err != nil {
				return nil, err
			}
		}
		c, ok := money.LookupCurrency(n.Currency)
		if !ok {
			return nil, fmt.Errorf("sqlite: unknown currency %q", n.Currency)
		}
		if n.Amount, err = money.ParseAmount(amount, c); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, mapError(rows.Err())
}
