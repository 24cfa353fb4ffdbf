package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/money"
	"github.com/loancore/loancore/internal/store"
)

// This file implements close of business's writes of positions
// (store.CloseOfBusiness): a batch's positions, journal lines and
// notices, and the positions carried on from the day before.

// SavePositions implements store.CloseOfBusiness.
func (s *Store) SavePositions(ctx context.Context, p store.SavePositionsParams) error {
	at := p.RecordedAt.UTC().Format(timeLayout)
	return mapError(s.tx(ctx, func(tx *sql.Tx) error {
		if err := fence(ctx, tx, p.BusinessDate, p.Runner); err != nil {
			return err
		}
		for _, pos := range p.Positions {
			if err := savePosition(ctx, tx, p.BusinessDate, pos, at); err != nil {
				return err
			}
		}
		return nil
	}))
}

// savePosition writes a position, its journal line and its notices, each
// once.
func savePosition(ctx context.Context, tx *sql.Tx, d engine.Date, pos store.Position, at string) error {
	c, ok := money.LookupCurrency(pos.Currency)
	if !ok {
		return fmt.Errorf("sqlite: loan %s: unknown currency %q", pos.LoanID, pos.Currency)
	}
	for _, nt := range pos.Notices {
		var due any
		if nt.DueDate != engine.NoDate {
			due = nt.DueDate.String()
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO due_notices
			(notice_id, notice_date, loan_id, kind, installment_number, due_date, amount, days_past_due, bucket, recorded_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (notice_id) DO NOTHING`,
			nt.ID, nt.Date.String(), nt.LoanID, nt.Kind, nt.InstallmentNumber, due, nt.Amount.Format(c), nt.DaysPastDue, int(nt.Bucket),
			at); err != nil {
			return err
		}
	}
	if a := pos.AccruedToday; !a.IsZero() {
		if _, err := tx.ExecContext(ctx, `INSERT INTO loan_accruals (business_date, loan_id, penalty, compound, fees, recorded_at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (business_date, loan_id) DO NOTHING`,
			d.String(), pos.LoanID, a.Penalty.Format(c), a.Compound.Format(c), a.Fees.Format(c), at); err != nil {
			return err
		}
	}
	var through, perPenalty, perCompound, policy any
	if r := pos.Steady; r != nil {
		through, perPenalty, perCompound, policy = r.Through.String(), r.Penalty.Format(c), r.Compound.Format(c), r.Policy
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO loan_positions
		(loan_id, as_of, status, days_past_due, bucket, risk_class, principal, interest, penalty, compound, penalty_charged, compound_charged, fees_charged,
			loan_version, state, steady_through, penalty_per_day, compound_per_day, steady_policy)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (loan_id, as_of) DO NOTHING`,
		pos.LoanID, pos.AsOf.String(), pos.Status, pos.DaysPastDue, int(pos.Bucket), int(pos.RiskClass),
		pos.Outstanding.Principal.Format(c), pos.Outstanding.Interest.Format(c), pos.Outstanding.Penalty.Format(c), pos.Outstanding.Compound.Format(c),
		pos.Charged.Penalty.Format(c), pos.Charged.Compound.Format(c), pos.Charged.Fees.Format(c), pos.Version, blobOrNull(pos.State),
		through, perPenalty, perCompound, policy)
	return err
}

// carrySQL reads a page of the day before's positions (by loan id after
// the cursor, through the page's end when there is one) with what CarryPositions needs to decide and carry each:
// the loan's currency and version, and whether the date has its position.
const carrySQL = `SELECT p.loan_id, l.borrower_id, l.currency, p.status, p.days_past_due, p.bucket, p.risk_class, p.principal, p.interest,
	p.penalty, p.compound, p.penalty_charged, p.compound_charged, p.fees_charged, p.loan_version, p.state,
	COALESCE(p.steady_through, ''), COALESCE(p.penalty_per_day, '0'), COALESCE(p.compound_per_day, '0'), COALESCE(p.steady_policy, 0),
	COALESCE((SELECT max(seq) FROM loan_events WHERE loan_id = p.loan_id), 0),
	EXISTS (SELECT 1 FROM loan_positions q WHERE q.loan_id = p.loan_id AND q.as_of = ?)
	FROM loan_positions p JOIN loans l ON l.loan_id = p.loan_id
	WHERE p.as_of = ? AND p.loan_id > ? AND (? = '' OR p.loan_id <= ?) ORDER BY p.loan_id LIMIT ?`

// CarryPositions implements store.CloseOfBusiness. SQLite keeps amounts
// as text, which its arithmetic would turn into floating point, so the
// page is read here, each steady position carried on in integers, and
// written back as SavePositions writes, in one transaction. Pages carried
// at once in this process take turns (carryMu).
func (s *Store) CarryPositions(ctx context.Context, p store.CarryPositionsParams) (store.CarryResult, error) {
	s.carryMu.Lock()
	defer s.carryMu.Unlock()
	var r store.CarryResult
	at := p.RecordedAt.UTC().Format(timeLayout)
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if err := fence(ctx, tx, p.BusinessDate, p.Runner); err != nil {
			return err
		}
		page, err := scanCarryPage(ctx, tx, p)
		if err != nil {
			return err
		}
		// The page's range ends at its last loan scanned when it is full,
		// else at its end, if it has one.
		through := p.ThroughLoanID
		if page.scanned == p.Limit {
			through = page.last
			if page.last != p.ThroughLoanID {
				r.Next = page.last
			}
		}
		if r.Left, err = unpositioned(ctx, tx, p, through, page.left); err != nil {
			return err
		}
		for _, pos := range page.carried {
			if err := savePosition(ctx, tx, p.BusinessDate, pos, at); err != nil {
				return err
			}
		}
		r.Carried = int64(len(page.carried))
		return nil
	})
	return r, mapError(err)
}

// carryPage is what a page of the carry scanned: the positions to carry,
// the loans it did not carry, its last loan and how many it scanned.
type carryPage struct {
	carried []store.Position
	left    []string
	last    string
	scanned int
}

// scanCarryPage reads a page of the day before's positions (carrySQL)
// and carries on those it may.
func scanCarryPage(ctx context.Context, tx *sql.Tx, p store.CarryPositionsParams) (carryPage, error) {
	var page carryPage
	rows, err := tx.QueryContext(ctx, carrySQL, p.BusinessDate.String(), (p.BusinessDate - 1).String(), p.AfterLoanID,
		p.ThroughLoanID, p.ThroughLoanID, p.Limit)
	if err != nil {
		return page, err
	}
	defer rows.Close()
	for rows.Next() {
		pos, ok, err := scanCarried(rows, p)
		if err != nil {
			return page, err
		}
		page.scanned++
		page.last = pos.LoanID
		if ok {
			page.carried = append(page.carried, pos)
		} else {
			page.left = append(page.left, pos.LoanID)
		}
	}
	return page, rows.Err()
}

// unpositioned adds to left the active loans after the page's start,
// through through ("" for the end), with no position the day before the
// date, and sorts them: the loans a page leaves (CarryResult.Left).
func unpositioned(ctx context.Context, tx *sql.Tx, p store.CarryPositionsParams, through string, left []string) ([]string, error) {
	// The end is a bound of the index's range only when it is in the
	// statement alone: in an OR it would be a filter over every loan after.
	end, args := "", []any{p.AfterLoanID, (p.BusinessDate - 1).String()}
	if through != "" {
		end, args = "AND loan_id <= ?", append(args, through)
	}
	rows, err := tx.QueryContext(ctx, `SELECT loan_id FROM loans l WHERE status = 'ACTIVE' AND loan_id > ?
		AND NOT EXISTS (SELECT 1 FROM loan_positions q WHERE q.loan_id = l.loan_id AND q.as_of = ?) `+end, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		left = append(left, id)
	}
	slices.Sort(left)
	return left, rows.Err()
}

// carryPageEndSQL is the loan id Every positions after the cursor among
// the day before's: it steps over the date's index entries, not over
// every kept date's rows of those loans.
const carryPageEndSQL = `SELECT loan_id FROM loan_positions WHERE as_of = ? AND loan_id > ?
	ORDER BY loan_id LIMIT 1 OFFSET ?`

// CarryPageEnd implements store.CloseOfBusiness.
func (s *Store) CarryPageEnd(ctx context.Context, p store.CarryPageEndParams) (string, error) {
	var end string
	err := s.db.QueryRowContext(ctx, carryPageEndSQL, (p.BusinessDate - 1).String(), p.AfterLoanID, p.Every-1).Scan(&end)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return end, mapError(err)
}

// scanCarried reads a row of carrySQL and, when the loan is to be
// carried (a steady run of the policy covering the date, its version
// unchanged, no position at the date yet), its position of the date.
func scanCarried(rows *sql.Rows, p store.CarryPositionsParams) (store.Position, bool, error) {
	var pos store.Position
	var bucket, class int
	var amounts [7]string
	var through, perPenalty, perCompound string
	var policy, version int64
	var done bool
	if err := rows.Scan(&pos.LoanID, &pos.BorrowerID, &pos.Currency, &pos.Status, &pos.DaysPastDue, &bucket, &class,
		&amounts[0], &amounts[1], &amounts[2], &amounts[3], &amounts[4], &amounts[5], &amounts[6], &pos.Version, &pos.State,
		&through, &perPenalty, &perCompound, &policy, &version, &done); err != nil {
		return pos, false, err
	}
	if done || through == "" || through < p.BusinessDate.String() || policy != p.Policy || version != pos.Version {
		return pos, false, nil
	}
	c, ok := money.LookupCurrency(pos.Currency)
	if !ok {
		return pos, false, fmt.Errorf("sqlite: loan %s: unknown currency %q", pos.LoanID, pos.Currency)
	}
	var parsed [9]money.Amount
	for i, text := range append(amounts[:], perPenalty, perCompound) {
		var err error
		if parsed[i], err = money.ParseAmount(text, c); err != nil {
			return pos, false, fmt.Errorf("sqlite: loan %s: %w", pos.LoanID, err)
		}
	}
	run := &store.SteadyRun{Penalty: parsed[7], Compound: parsed[8], Policy: policy}
	run.Through, _ = engine.ParseDate(through)
	pos.AsOf, pos.Bucket, pos.RiskClass, pos.Steady = p.BusinessDate-1, engine.Bucket(bucket), engine.RiskClass(class), run
	pos.Outstanding = engine.Outstanding{Principal: parsed[0], Interest: parsed[1], Penalty: parsed[2], Compound: parsed[3]}
	pos.Charged = store.Accrual{Penalty: parsed[4], Compound: parsed[5], Fees: parsed[6]}
	return run.Next(pos), true, nil
}

// blobOrNull is b as a BLOB, or NULL when empty: a state is there or not,
// and an empty BLOB would read back as a state.
func blobOrNull(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}
