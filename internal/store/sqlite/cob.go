package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/money"
	"github.com/loancore/loancore/internal/store"
)

// This file implements store.CloseOfBusiness.

const cobRunColumns = `business_date, status, loans_total, loans_done, failures, started_at, COALESCE(finished_at, ''),
	COALESCE(runner, '')`

func scanCOBRun(row scanner) (store.COBRun, error) {
	var r store.COBRun
	var date, started, finished string
	if err := row.Scan(&date, &r.Status, &r.LoansTotal, &r.LoansDone, &r.Failures, &started, &finished, &r.Runner); err != nil {
		return r, mapError(err)
	}
	var err error
	if r.BusinessDate, err = engine.ParseDate(date); err != nil {
		return r, err
	}
	if r.StartedAt, err = time.Parse(timeLayout, started); err != nil {
		return r, err
	}
	if finished != "" {
		r.FinishedAt, err = time.Parse(timeLayout, finished)
	}
	return r, err
}

// GetCOBRun implements store.CloseOfBusiness.
func (s *Store) GetCOBRun(ctx context.Context, p store.COBRunKey) (store.COBRun, error) {
	return scanCOBRun(s.db.QueryRowContext(ctx, `SELECT `+cobRunColumns+` FROM cob_runs WHERE business_date = ?`, p.BusinessDate.String()))
}

// LastCOBRun implements store.CloseOfBusiness.
func (s *Store) LastCOBRun(ctx context.Context) (store.COBRun, error) {
	return scanCOBRun(s.db.QueryRowContext(ctx, `SELECT `+cobRunColumns+` FROM cob_runs ORDER BY business_date DESC LIMIT 1`))
}

// EarliestDisbursement implements store.CloseOfBusiness. It reads every
// loan's log (no index leads to DISBURSEMENT events), which close of
// business does before its first run only.
func (s *Store) EarliestDisbursement(ctx context.Context) (engine.Date, error) {
	var d *string
	err := s.db.QueryRowContext(ctx, `SELECT min(value_date) FROM loan_events WHERE kind = ?`, store.KindDisbursement).Scan(&d)
	if err != nil {
		return engine.NoDate, mapError(err)
	}
	if d == nil {
		return engine.NoDate, store.ErrNotFound
	}
	return engine.ParseDate(*d)
}

// SaveCOBRun implements store.CloseOfBusiness. A save by a runner other
// than the date's is ignored.
func (s *Store) SaveCOBRun(ctx context.Context, r store.COBRun) error {
	_, err := s.db.ExecContext(ctx, saveCOBRunSQL+` WHERE cob_runs.loans_done <= excluded.loans_done AND cob_runs.runner IS excluded.runner`,
		cobRunArgs(r)...)
	return mapError(err)
}

// saveCOBRunSQL saves a run's record; the caller adds the update's
// condition.
const saveCOBRunSQL = `INSERT INTO cob_runs (business_date, status, loans_total, loans_done, failures, started_at, finished_at, runner)
	VALUES (?, ?, ?, ?, ?, ?, ?, NULLIF(?, ''))
	ON CONFLICT (business_date) DO UPDATE SET status = excluded.status, loans_total = excluded.loans_total,
		loans_done = excluded.loans_done, failures = excluded.failures, finished_at = excluded.finished_at`

// cobRunArgs are saveCOBRunSQL's arguments.
func cobRunArgs(r store.COBRun) []any {
	var finished any
	if !r.FinishedAt.IsZero() {
		finished = r.FinishedAt.UTC().Format(timeLayout)
	}
	return []any{r.BusinessDate.String(), r.Status, r.LoansTotal, r.LoansDone, r.Failures, r.StartedAt.UTC().Format(timeLayout), finished,
		r.Runner}
}

// TakeCOBRun implements store.CloseOfBusiness: SQLite runs one write
// transaction at a time, so the runner before has no write in flight.
func (s *Store) TakeCOBRun(ctx context.Context, r store.COBRun) error {
	return mapError(s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, saveCOBRunSQL+` WHERE cob_runs.loans_done <= excluded.loans_done`, cobRunArgs(r)...); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE cob_runs SET runner = NULLIF(?, '') WHERE business_date = ?`, r.Runner, r.BusinessDate.String())
		return err
	}))
}

// fence checks, in a write's transaction, that its runner still runs the
// date. No runner: no check.
func fence(ctx context.Context, tx *sql.Tx, d engine.Date, runner string) error {
	if runner == "" {
		return nil
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM cob_runs WHERE business_date = ? AND runner = ?`, d.String(), runner).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return store.ErrTakenOver
	}
	return nil
}

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

// blobOrNull is b as a BLOB, or NULL when empty: a state is there or not,
// and an empty BLOB would read back as a state.
func blobOrNull(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}
