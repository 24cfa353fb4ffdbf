package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/store"
)

// This file implements how close of business reads the loans a date still
// has to do (store.CloseOfBusiness): a page of them, then their logs.

// cobLoansWhere selects the active loans with no position on or after the
// date: those the date still has to do.
const cobLoansWhere = `FROM loans l WHERE l.status = 'ACTIVE'
	AND NOT EXISTS (SELECT 1 FROM loan_positions p WHERE p.loan_id = l.loan_id AND p.as_of >= ?)`

// CountCOBLoans implements store.CloseOfBusiness.
func (s *Store) CountCOBLoans(ctx context.Context, p store.COBLoansParams) (int64, error) {
	var n int64
	err := s.db.QueryRowContext(ctx, `SELECT count(*) `+cobLoansWhere, p.BusinessDate.String()).Scan(&n)
	return n, mapError(err)
}

// CountPositions implements store.CloseOfBusiness, on the index of
// positions by date.
func (s *Store) CountPositions(ctx context.Context, p store.PositionCountQuery) (int64, error) {
	var n int64
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM loan_positions WHERE as_of = ?`, p.AsOf.String()).Scan(&n)
	return n, mapError(err)
}

// COBLoans implements store.CloseOfBusiness: a keyset page of loans and
// their positions, then the logs of those not done, each from its latest
// snapshot when asked.
func (s *Store) COBLoans(ctx context.Context, p store.COBLoansParams) (store.COBPage, error) {
	page, err := s.cobPage(ctx, p)
	if err != nil || len(page.Loans) == 0 {
		return page, err
	}
	if err := s.chargedFromJournal(ctx, page.Loans); err != nil {
		return page, err
	}
	err = s.cobLogs(ctx, p, page.Loans)
	return page, err
}

// cobPage scans one keyset page of active loans with their latest
// positions (positions are kept per date) and keeps the loans whose
// latest position is before the date. It is apart from the
// log fetch because the cursor must move past every loan scanned, done or
// not, while only the loans kept need their logs: a page of loans done
// already comes back empty, with a cursor, rather than ending the run.
// Each loan's version comes with it, so that the logs of the loans whose
// previous position's state is at that version are not read
// (COBLoan.Stepped). A page of given loans (COBLoansParams.LoanIDs) scans
// those, named by a JSON array.
func (s *Store) cobPage(ctx context.Context, p store.COBLoansParams) (store.COBPage, error) {
	var page store.COBPage
	loans, args := `loan_id > ?`, []any{p.BusinessDate.String(), p.AfterLoanID, p.Limit}
	if len(p.LoanIDs) > 0 {
		ids, err := json.Marshal(p.LoanIDs)
		if err != nil {
			return page, err
		}
		loans, args[1] = `loan_id IN (SELECT value FROM json_each(?))`, string(ids)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT l.loan_id, l.borrower_id, l.currency, l.terms, l.status, l.created_at,
		COALESCE(p.as_of >= ?, 0), COALESCE(p.penalty_charged, '0'), COALESCE(p.compound_charged, '0'), COALESCE(p.fees_charged, '0'),
		COALESCE(p.as_of, ''), COALESCE(p.bucket, 0), COALESCE(p.loan_version, 0), p.state,
		COALESCE((SELECT max(seq) FROM loan_events WHERE loan_id = l.loan_id), 0)
		FROM (SELECT * FROM loans WHERE status = 'ACTIVE' AND `+loans+` ORDER BY loan_id LIMIT ?) l
		LEFT JOIN loan_positions p ON p.loan_id = l.loan_id
			AND p.as_of = (SELECT max(as_of) FROM loan_positions WHERE loan_id = l.loan_id) ORDER BY l.loan_id`, args...)
	if err != nil {
		return page, mapError(err)
	}
	defer rows.Close()
	scanned := 0
	for rows.Next() {
		l, done, err := scanCOBLoan(rows)
		if err != nil {
			return page, err
		}
		scanned++
		page.Next = l.Loan.LoanID
		if !done {
			page.Loans = append(page.Loans, l)
		}
	}
	if err := rows.Err(); err != nil {
		return page, mapError(err)
	}
	if scanned < p.Limit || len(p.LoanIDs) > 0 {
		page.Next = ""
	}
	return page, nil
}

// scanCOBLoan scans a row of cobPage's statement: the loan, and whether
// it is done at the date (then only its id is set).
func scanCOBLoan(rows *sql.Rows) (store.COBLoan, bool, error) {
	var l store.COBLoan
	var terms, created, pen, comp, fees, prevAsOf string
	var done bool
	var prevBucket int
	if err := rows.Scan(&l.Loan.LoanID, &l.Loan.BorrowerID, &l.Loan.Currency, &terms, &l.Loan.Status, &created, &done, &pen, &comp, &fees,
		&prevAsOf, &prevBucket, &l.PrevVersion, &l.PrevState, &l.Loan.Version); err != nil {
		return l, false, mapError(err)
	}
	if done {
		return l, true, nil
	}
	l.PrevAsOf, l.PrevBucket = engine.NoDate, engine.Bucket(prevBucket)
	if prevAsOf != "" {
		l.PrevAsOf, _ = engine.ParseDate(prevAsOf)
	}
	l.Loan.Terms = []byte(terms)
	var err error
	if l.Loan.CreatedAt, err = time.Parse(timeLayout, created); err == nil {
		l.Charged, err = parseAccrual(l.Loan.Currency, pen, comp, fees)
	}
	return l, false, err
}

// cobLogs reads the logs of the page's loans that are not stepped on
// from their previous state (COBLoan.Stepped) into them through loadLoan,
// one loan at a time: SQLite runs in the process, so a query per loan
// costs no round trip to a server, and sharing LoadLoan's query keeps one
// way of reading a log from its snapshot.
func (s *Store) cobLogs(ctx context.Context, p store.COBLoansParams, loans []store.COBLoan) error {
	for i := range loans {
		l := &loans[i]
		if l.Stepped() {
			continue
		}
		lg, err := s.loadLoan(ctx, l.Loan.LoanID, p.SnapshotFormat, p.BusinessDate.String())
		if err != nil {
			return err
		}
		l.Events, l.Snapshot, l.Loan.Version = lg.Events, lg.Snapshot, lg.Loan.Version
	}
	return nil
}
