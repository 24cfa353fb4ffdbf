package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/store"
)

// This file implements store.CloseOfBusiness's PrunePositions, and what a
// page of close of business reads for a loan whose positions it pruned.

// PrunePositions implements store.CloseOfBusiness: the rows of the dates
// before p.Before are deleted, with the prune's record, in one
// transaction. A row here holds the whole position, a carried one too,
// so no kept row reads a pruned one: the dates kept start at p.Before.
func (s *Store) PrunePositions(ctx context.Context, p store.PrunePositionsParams) (store.PruneResult, error) {
	r := store.PruneResult{KeptFrom: p.Before}
	before := p.Before.String()
	err := s.tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT count(DISTINCT as_of) FROM loan_positions INDEXED BY loan_positions_date_idx
			WHERE as_of < ?`, before).Scan(&r.DatesDropped)
		if err != nil || r.DatesDropped == 0 {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM loan_positions WHERE as_of < ?`, before); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO position_prunes (kept_from, pruned_at, dates) VALUES (?, ?, ?)
			ON CONFLICT (kept_from) DO NOTHING`, before, time.Now().UTC().Format(timeLayout), r.DatesDropped)
		return err
	})
	if err != nil {
		return store.PruneResult{}, mapError(err)
	}
	return r, nil
}

// chargedFromJournal gives each loan of a page with no position what its
// journal lines sum to (COBLoan.Charged), once some positions were
// pruned: its latest position's charges, which a loan whose positions
// were all pruned has no row to read them from. Before any prune a loan
// with no position has no line either, and nothing is read.
func (s *Store) chargedFromJournal(ctx context.Context, loans []store.COBLoan) error {
	pruned := false
	for i := range loans {
		l := &loans[i]
		if l.PrevAsOf != engine.NoDate {
			continue
		}
		if !pruned {
			if err := s.db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM position_prunes)`).Scan(&pruned); err != nil || !pruned {
				return mapError(err)
			}
		}
		a, err := s.journalSum(ctx, l.Loan.LoanID, l.Loan.Currency)
		if err != nil {
			return err
		}
		l.Charged = a
	}
	return nil
}

// journalSum sums a loan's journal lines, kept in the loan's currency
// (code), exactly in Go: amounts are decimal text.
func (s *Store) journalSum(ctx context.Context, loanID, code string) (store.Accrual, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT penalty, compound, fees FROM loan_accruals INDEXED BY loan_accruals_loan_idx
		WHERE loan_id = ?`, loanID)
	if err != nil {
		return store.Accrual{}, mapError(err)
	}
	defer rows.Close()
	var total store.Accrual
	for rows.Next() {
		var pen, comp, fees string
		if err := rows.Scan(&pen, &comp, &fees); err != nil {
			return total, mapError(err)
		}
		a, err := parseAccrual(code, pen, comp, fees)
		if err != nil {
			return total, err
		}
		total.Penalty += a.Penalty
		total.Compound += a.Compound
		total.Fees += a.Fees
	}
	return total, mapError(rows.Err())
}
