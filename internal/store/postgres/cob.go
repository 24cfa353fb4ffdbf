package postgres

import (
	"context"
	"crypto/md5"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/money"
	"github.com/loancore/loancore/internal/store"
)

// This file implements store.CloseOfBusiness.

const cobRunColumns = `to_char(business_date, 'YYYY-MM-DD'), status, loans_total, loans_done, failures, started_at, finished_at,
	COALESCE(runner, '')`

func scanCOBRun(row pgx.Row) (store.COBRun, error) {
	var r store.COBRun
	var date string
	var finished *time.Time
	if err := row.Scan(&date, &r.Status, &r.LoansTotal, &r.LoansDone, &r.Failures, &r.StartedAt, &finished, &r.Runner); err != nil {
		return r, mapError(err)
	}
	d, err := engine.ParseDate(date)
	r.BusinessDate, r.StartedAt = d, r.StartedAt.UTC()
	if finished != nil {
		r.FinishedAt = finished.UTC()
	}
	return r, err
}

// GetCOBRun implements store.CloseOfBusiness.
func (s *Store) GetCOBRun(ctx context.Context, p store.COBRunKey) (store.COBRun, error) {
	return scanCOBRun(s.pool.QueryRow(ctx, `SELECT `+cobRunColumns+` FROM cob_runs WHERE business_date = $1::date`, p.BusinessDate.String()))
}

// LastCOBRun implements store.CloseOfBusiness.
func (s *Store) LastCOBRun(ctx context.Context) (store.COBRun, error) {
	return scanCOBRun(s.pool.QueryRow(ctx, `SELECT `+cobRunColumns+` FROM cob_runs ORDER BY business_date DESC LIMIT 1`))
}

// EarliestDisbursement implements store.CloseOfBusiness. It reads every
// loan's log (no index leads to DISBURSEMENT events), which close of
// business does before its first run only.
func (s *Store) EarliestDisbursement(ctx context.Context) (engine.Date, error) {
	var d *string
	err := s.pool.QueryRow(ctx, `SELECT to_char(min(value_date), 'YYYY-MM-DD') FROM loan_events WHERE kind = $1`, store.KindDisbursement).Scan(&d)
	if err != nil {
		return engine.NoDate, mapError(err)
	}
	if d == nil {
		return engine.NoDate, store.ErrNotFound
	}
	return engine.ParseDate(*d)
}

// SaveCOBRun implements store.CloseOfBusiness. The first save of a date
// records its run's events horizon (migration 23), which later saves
// keep: the next date's carry probes the events of the loans written to
// since. A save by a runner other than the date's is ignored.
func (s *Store) SaveCOBRun(ctx context.Context, r store.COBRun) error {
	_, err := s.pool.Exec(ctx, saveCOBRunSQL+` WHERE cob_runs.loans_done <= $4 AND cob_runs.runner IS NOT DISTINCT FROM NULLIF($8, '')`,
		cobRunArgs(r)...)
	return mapError(err)
}

// saveCOBRunSQL saves a run's record; the caller adds the update's
// condition. The xmax a completed run records (migration 29) is the
// first save's as completed: the insert's value is set exactly when the
// status is COMPLETED, and an update keeps the one recorded before.
const saveCOBRunSQL = `INSERT INTO cob_runs (business_date, status, loans_total, loans_done, failures, started_at, finished_at,
		events_horizon, runner, finished_xmax)
	VALUES ($1::date, $2, $3, $4, $5, $6, $7, pg_snapshot_xmin(pg_current_snapshot()), NULLIF($8, ''),
		CASE WHEN $2 = '` + store.COBCompleted + `' THEN pg_snapshot_xmax(pg_current_snapshot()) END)
	ON CONFLICT (business_date) DO UPDATE SET status = $2, loans_total = $3, loans_done = $4, failures = $5, finished_at = $7,
		finished_xmax = CASE WHEN EXCLUDED.finished_xmax IS NOT NULL THEN COALESCE(cob_runs.finished_xmax, EXCLUDED.finished_xmax) END`

// cobRunArgs are saveCOBRunSQL's arguments.
func cobRunArgs(r store.COBRun) []any {
	var finished any
	if !r.FinishedAt.IsZero() {
		finished = r.FinishedAt
	}
	return []any{r.BusinessDate.String(), r.Status, r.LoansTotal, r.LoansDone, r.Failures, r.StartedAt, finished, r.Runner}
}

// TakeCOBRun implements store.CloseOfBusiness, in one transaction: the
// record saved if the date has none, its row locked FOR UPDATE (which
// waits for the key-share locks the writes of the runner before hold,
// carry statements and SavePositions' transactions), then the runner and
// the record set, the counts only if they do not go back (SaveCOBRun).
// Locking the row before setting it matters: an update of columns that
// are not a key takes a lock a key-share lock does not wait for.
func (s *Store) TakeCOBRun(ctx context.Context, r store.COBRun) error {
	return mapError(pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		a, b := cobRunArgs(r), &pgx.Batch{}
		b.Queue(saveCOBRunSQL+` WHERE false`, a...)
		b.Queue(`SELECT 1 FROM cob_runs WHERE business_date = $1::date FOR UPDATE`, r.BusinessDate.String())
		b.Queue(`UPDATE cob_runs SET runner = NULLIF($2, '') WHERE business_date = $1::date`, r.BusinessDate.String(), r.Runner)
		b.Queue(`UPDATE cob_runs SET status = $2, loans_total = $3, loans_done = $4, failures = $5, finished_at = $6
			WHERE business_date = $1::date AND loans_done <= $4`, a[0], a[1], a[2], a[3], a[4], a[6])
		return tx.SendBatch(ctx, b).Close()
	}))
}

// fenceSQL locks the row of a date's run ($1) for key share when its
// runner is $2, and counts it: 0 when another run took the date over.
const fenceSQL = `SELECT count(*) FROM (SELECT 1 FROM cob_runs WHERE business_date = $1::date AND runner = $2 FOR KEY SHARE) f`

// fence checks, in a write's transaction, that its runner still runs the
// date, and holds the lock TakeCOBRun waits for until the write ends. No
// runner: no check.
func fence(ctx context.Context, tx pgx.Tx, d engine.Date, runner string) error {
	if runner == "" {
		return nil
	}
	var n int
	if err := tx.QueryRow(ctx, fenceSQL, d.String(), runner).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return store.ErrTakenOver
	}
	return nil
}

// cobLoansWhere selects the active loans with no position on or after
// $1: those the date still has to do. A loan's carried positions are the
// elements of its dates' pages (migration 24), unnested and anti-joined.
const cobLoansWhere = `FROM loans l WHERE l.status = 'ACTIVE'
	AND NOT EXISTS (SELECT 1 FROM loan_positions p WHERE p.loan_id = l.loan_id AND p.as_of >= $1::date)
	AND NOT EXISTS (SELECT 1 FROM carried_positions c CROSS JOIN LATERAL unnest(c.loan_ids) AS u(loan_id)
		WHERE c.as_of >= $1::date AND u.loan_id = l.loan_id)`

// CountCOBLoans implements store.CloseOfBusiness.
func (s *Store) CountCOBLoans(ctx context.Context, p store.COBLoansParams) (int64, error) {
	var n int64
	err := s.pool.QueryRow(ctx, `SELECT count(*) `+cobLoansWhere, p.BusinessDate.String()).Scan(&n)
	return n, mapError(err)
}

// cobLogsSQL reads the logs of a page of loans ($1), each from its latest
// snapshot of a format ($2; 0 matches none) dated on or before the
// business date ($3), whose columns ride on the row of its own event, or
// from its first event when it has none or the latest is a marker; each
// loan's log by its key (logFrom).
var cobLogsSQL = `SELECT ` + snapshotColumns + `, e.loan_id, ` + eventColumns + `
	FROM unnest($1::text[]) AS ids(loan_id)
	LEFT JOIN LATERAL (SELECT seq, as_of, last_value_date, state, recorded_at FROM loan_snapshots
		WHERE loan_id = ids.loan_id AND format = $2 AND as_of <= $3::date ORDER BY seq DESC LIMIT 1) s ON octet_length(s.state) > 0
	` + logFrom("ids.loan_id", "COALESCE(s.seq, 1)") + `
	ORDER BY e.loan_id, e.seq`

// COBLoans implements store.CloseOfBusiness: a keyset page of loans (an
// index range, whatever the table's size), their positions, then the logs
// of those not done in one query, each from its latest snapshot when asked.
func (s *Store) COBLoans(ctx context.Context, p store.COBLoansParams) (store.COBPage, error) {
	page, err := s.cobPage(ctx, p)
	if err != nil || len(page.Loans) == 0 {
		return page, err
	}
	err = s.cobLogs(ctx, p, page.Loans)
	return page, err
}

// cobPage reads one keyset page of the active loans the date still has
// to do (no position on or after it), with their latest positions. It
// looks at a window of the next cobWindowPages × Limit active loans (an
// index-only range of (status, loan_id)) and takes out those with a
// position on or after the date by one range scan of those dates'
// partitions over the window's ids, hashed: after CarryPositions, which
// leaves most loans of a date done, a probe of the partition per done
// loan cost three times as much (1.6–2.0 s against 0.5–0.6 s of
// PostgreSQL's time over 200,000 loans, 93% done, issue 21). While a
// window holds none to do, the next, twice as large (up to
// cobWindowMaxPages × Limit), is looked at in the same call. A page thus
// holds up to Limit loans of one window, or none at the end.
// The latest position is joined LATERAL (LIMIT 1 keeps the planner from
// flattening it back into a join), a primary-key probe per loan of the
// page in each date's partition, newest first, until one has it: a plain
// LEFT JOIN let the cached generic plan, made while loan_positions was
// empty, scan and sort the whole table for every page, so a first run's
// pages grew slower as it wrote positions (quadratic: 28 of 42 s at
// 200,000 loans). For the same reason the statement is planned at every
// call (QueryExecModeCacheDescribe, an unnamed statement), with the
// table's size as it is then, rather than cached as a generic plan: a
// plan made while the table was empty probes it by a sequential scan.
// The logs are read apart (cobLogs), for the loans that need one.
// A loan whose terms document is one the caller knew is not sent its
// text again: converting jsonb to text and sending it was a large part
// of the page. The documents are compared by the md5 of their text
// (loans.terms_md5, migration 25): a known document is text the store
// gave, and jsonb's text is canonical. Comparing the documents
// themselves (jsonb equality) cost 12 us a loan.
// Each loan's version (its last event's seq, a probe of the events' key)
// comes with it, so that the logs of the loans whose previous position's
// state is at that version are not read at all (COBLoan.Stepped).
func (s *Store) cobPage(ctx context.Context, p store.COBLoansParams) (store.COBPage, error) {
	known := make([]string, len(p.KnownTerms))
	for i, doc := range p.KnownTerms {
		known[i] = fmt.Sprintf("%x", md5.Sum(doc))
	}
	// A window with none to do is followed by one twice its size, up to
	// cobWindowMaxPages pages' worth: the loans left after the carry come
	// in runs of ids (booked the same day, they reach a due date
	// together), and the done ones between cost a statement a window.
	for window := cobWindowPages * p.Limit; ; window = min(2*window, cobWindowMaxPages*p.Limit) {
		page, err := s.cobWindow(ctx, p, known, window)
		if err != nil || len(page.Loans) > 0 || page.Next == "" {
			return page, err
		}
		p.AfterLoanID = page.Next
	}
}

// cobWindow reads the loans to do among the window of loans after the
// cursor: up to Limit, with the page's Next ("" after the last window).
func (s *Store) cobWindow(ctx context.Context, p store.COBLoansParams, known []string, window int) (store.COBPage, error) {
	var page store.COBPage
	var edge cobWindow
	sql, args := cobPageSQL, []any{pgx.QueryExecModeCacheDescribe, p.BusinessDate.String(), p.AfterLoanID, p.Limit, known, window}
	if len(p.LoanIDs) > 0 {
		sql, args = cobLoansPageSQL, []any{pgx.QueryExecModeCacheDescribe, p.BusinessDate.String(), p.LoanIDs, p.Limit, known}
	}
	var older map[string]int // the flagged loans' places in the page
	err := s.scanCOBLoans(ctx, sql, args, &edge, p.KnownTerms, func(l store.COBLoan, old bool) {
		if old {
			if older == nil {
				older = map[string]int{}
			}
			older[l.Loan.LoanID] = len(page.Loans)
		}
		page.Loans = append(page.Loans, l)
	})
	if err == nil && len(older) > 0 {
		err = s.olderCOBLoans(ctx, p, known, older, page.Loans)
	}
	if err != nil {
		return page, err
	}
	switch {
	case len(p.LoanIDs) > 0:
		// Given loans: the page is all of them.
	case len(page.Loans) == p.Limit:
		page.Next = page.Loans[len(page.Loans)-1].Loan.LoanID
	case len(page.Loans) > 0:
		if edge.loans == window {
			page.Next = edge.last
		}
	default:
		// No row to carry the window's end: it is the window-th active
		// loan after the cursor, as a carry page's end is.
		page.Next, err = s.activeLoanAfter(ctx, p.AfterLoanID, window)
	}
	return page, err
}

// scanCOBLoans runs a page statement and hands each loan to add, with
// whether it may have a position older than the page looked at.
func (s *Store) scanCOBLoans(ctx context.Context, sql string, args []any, edge *cobWindow, knownTerms [][]byte,
	add func(l store.COBLoan, older bool)) error {
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return mapError(err)
	}
	defer rows.Close()
	for rows.Next() {
		l, older, err := scanCOBLoan(rows, edge, knownTerms)
		if err != nil {
			return err
		}
		add(l, older)
	}
	return mapError(rows.Err())
}

// olderCOBLoans reads the loans of at again with their latest positions
// looked for in every date kept (cobLoansOlderSQL), and puts each in
// loans at its place (at: loan id → index): the loans a page read with
// none in its window that may have an older one (cobPageSelect).
func (s *Store) olderCOBLoans(ctx context.Context, p store.COBLoansParams, known []string, at map[string]int, loans []store.COBLoan) error {
	if older, err := s.olderPositions(ctx, p.BusinessDate); err != nil || !older {
		return err
	}
	ids := make([]string, 0, len(at))
	for id := range at {
		ids = append(ids, id)
	}
	var edge cobWindow
	args := []any{pgx.QueryExecModeCacheDescribe, p.BusinessDate.String(), ids, len(ids), known}
	return s.scanCOBLoans(ctx, cobLoansOlderSQL, args, &edge, p.KnownTerms, func(l store.COBLoan, _ bool) {
		if i, ok := at[l.Loan.LoanID]; ok {
			loans[i] = l
		}
	})
}

// olderPositions reports whether any position is older than the window
// of date d's pages, or some were pruned (PrunePositions): only then may
// a loan a page flagged have one, or have had one whose charges its
// journal now holds. A
// book's first close flags every loan (none has a position yet, and no
// run rules them out), and reading each page again cost as much as
// reading it. Planned with d's window at every call (a custom plan), so
// a book with no older date plans no partition; a date that has some
// keeps that answer.
func (s *Store) olderPositions(ctx context.Context, d engine.Date) (bool, error) {
	if _, ok := s.olderDates.Load(d); ok {
		return true, nil
	}
	var older bool
	err := s.pool.QueryRow(ctx, olderPositionsSQL, pgx.QueryExecModeCacheDescribe, d.String()).Scan(&older)
	if older {
		s.olderDates.Store(d, true)
	}
	return older, mapError(err)
}

// olderPositionsSQL asks whether any position is older than date $1's
// window (olderPositions).
var olderPositionsSQL = fmt.Sprintf(`SELECT EXISTS (SELECT 1 FROM loan_positions WHERE as_of < $1::date - %d)
	OR EXISTS (SELECT 1 FROM position_prunes)`, positionWindowDays)

// cobWindowPages is how many pages' worth of loans a COBLoans page looks
// at first for the loans to do among them, and cobWindowMaxPages how many
// at most when windows before it had none.
const (
	cobWindowPages    = 8
	cobWindowMaxPages = 128
)

// cobWindow is the window of loans a COBLoans page looked at: its last
// loan id and how many it held (fewer than asked: the last window).
type cobWindow struct {
	last  string
	loans int
}

// scanCOBLoan scans one row of cobPageSQL: the window's end into edge,
// the loan and whether it may have a position older than the window
// into the results.
func scanCOBLoan(rows pgx.Rows, edge *cobWindow, knownTerms [][]byte) (l store.COBLoan, older bool, err error) {
	var pen, comp, fees, prevAsOf string
	var terms *string
	var knownAt *int32
	var prevBucket int32
	if err := rows.Scan(&edge.last, &edge.loans, &l.Loan.LoanID, &l.Loan.BorrowerID, &l.Loan.Currency, &knownAt, &terms, &l.Loan.Status,
		&l.Loan.CreatedAt, &pen, &comp, &fees, &prevAsOf, &prevBucket, &l.PrevVersion, &l.PrevState, &l.Loan.Version, &older); err != nil {
		return l, false, mapError(err)
	}
	l.PrevAsOf, l.PrevBucket = engine.NoDate, engine.Bucket(prevBucket)
	if prevAsOf != "" {
		l.PrevAsOf, _ = engine.ParseDate(prevAsOf)
	}
	if l.Loan.Terms, err = termsOf(terms, knownAt, knownTerms); err != nil {
		return l, false, err
	}
	l.Charged, err = parseAccrual(l.Loan.Currency, pen, comp, fees)
	return l, older, err
}

// cobPageSQL is cobPage's statement: $1 the date, $2 the cursor, $3 the
// page's size, $4 the terms documents the caller knew, $5 the window's
// size. The window is an index-only scan of (status, loan_id); the loans
// done among them, a range of the primary key of the partitions on or
// after $1, and the elements of the carried pages of those dates that
// overlap the window (migration 24), each hashed (NOT IN over a NOT NULL
// column).
var cobPageSQL = `WITH win AS MATERIALIZED (
	SELECT loan_id FROM loans WHERE status = 'ACTIVE' AND loan_id > $2 ORDER BY loan_id LIMIT $5
), edge AS MATERIALIZED (
	SELECT max(loan_id) AS last, count(*)::int AS loans FROM win
), todo AS MATERIALIZED (
	SELECT loan_id FROM win WHERE loan_id NOT IN (SELECT q.loan_id FROM loan_positions q
		WHERE q.as_of >= $1::date AND q.loan_id > $2 AND q.loan_id <= (SELECT last FROM edge))
		AND loan_id NOT IN (SELECT u.loan_id FROM carried_positions c CROSS JOIN LATERAL unnest(c.loan_ids) AS u(loan_id)
			WHERE c.as_of >= $1::date AND c.last_loan_id > $2 AND c.first_loan_id <= (SELECT last FROM edge))
	ORDER BY loan_id LIMIT $3
)` + cobPrior + cobPageSelect(true) + ` ORDER BY l.loan_id`

// cobLoansPageSQL is the page of given loans (COBLoansParams.LoanIDs, $2,
// no more than the page's size, by id): those active whose latest
// position, read for the page anyway, is before the date $1, and that
// have neither a row on or after it (the page's latest position of a
// loan carried the day before reads its base row alone) nor an element
// of the date's carried pages: a range of each over the ids' range
// (given: their least and greatest, worked out once rather than by an
// aggregate over the ids at each of five uses), hashed (NOT IN over a
// NOT NULL column). A NOT EXISTS probe of the
// date's partition was planned as an anti-join that read the whole
// partition, new and still without statistics, for every page (45 ms a
// page of 500 over 200,000 loans). $3 is the page's size and $4 the terms documents the caller
// knew, as in cobPageSQL; there is no window, so no edge.
var cobLoansPageSQL = cobLoansPage(true)

// positionWindowDays is how many dates back a page looks for each loan's
// latest position (cobPageSelect): more than the longest steady run a
// position keeps (31 days, servicing's maxSteadyDays), so that a loan
// carried the day before finds its base in it.
const positionWindowDays = 35

// cobLoansOlderSQL is cobLoansPageSQL looking for each loan's latest
// position in every date kept: for the loans a page flags (olderCOBLoans).
var cobLoansOlderSQL = cobLoansPage(false)

// cobLoansPage is cobLoansPageSQL, its latest positions looked for in
// the last positionWindowDays dates or, with window false, in all.
func cobLoansPage(window bool) string {
	return `WITH edge AS (
	SELECT ''::text AS last, 0 AS loans
), given AS MATERIALIZED (
	SELECT min(x) AS lo, max(x) AS hi FROM unnest($2::text[]) AS x
), todo AS MATERIALIZED (
	SELECT w.loan_id FROM loans w WHERE w.loan_id = ANY($2::text[]) AND w.status = 'ACTIVE'
		AND w.loan_id NOT IN (SELECT u.loan_id FROM carried_positions c CROSS JOIN LATERAL unnest(c.loan_ids) AS u(loan_id)
			WHERE c.as_of = $1::date AND c.last_loan_id >= (SELECT lo FROM given) AND c.first_loan_id <= (SELECT hi FROM given)
				AND c.first_loan_id >= ` + pageHolding("$1::date", "(SELECT lo FROM given)") + `)
		AND w.loan_id NOT IN (SELECT q.loan_id FROM loan_positions q WHERE q.as_of >= $1::date
			AND q.loan_id >= (SELECT lo FROM given) AND q.loan_id <= (SELECT hi FROM given))
	ORDER BY w.loan_id LIMIT $3
)` + cobPrior + cobPageSelect(window) + ` WHERE q.as_of IS NULL OR q.as_of < $1::date ORDER BY l.loan_id`
}

// cobPrior is, for cobPageSelect, the elements of the day before's
// carried pages (migration 24) over the range of the page's loans
// (todo; span, its least and greatest, worked out once), each loan with
// its base: one range of the pages' key, a page's arrays read once for
// all its loans there. Looking each loan up in the
// page that may hold it read that page's ids (~6.5 kB, compressed) for
// every loan: ~10 us a loan.
var cobPrior = `, span AS MATERIALIZED (
	SELECT min(loan_id) AS lo, max(loan_id) AS hi FROM todo
), prior AS MATERIALIZED (
	SELECT u.loan_id, u.base FROM carried_positions c CROSS JOIN LATERAL unnest(c.loan_ids, c.base_dates) AS u(loan_id, base)
	WHERE c.as_of = $1::date - 1 AND c.last_loan_id >= (SELECT lo FROM span) AND c.first_loan_id <= (SELECT hi FROM span)
		AND c.first_loan_id >= ` + pageHolding("$1::date - 1", "(SELECT lo FROM span)") + `
)
`

// cobPageSelect is what cobPageSQL and cobLoansPageSQL read of each loan
// to do, before the ORDER BY. A loan's latest position is either a row
// of loan_positions or an element of a carried page (migration 24), which
// names its base row. Most loans folded on a date were carried until the
// day before (y, from cobPrior, hashed), and their base is then the
// latest row at or before the base date (p), one probe of that date's
// partition (the later ones are pruned at run time). Else p is the
// loan's latest row, probing each date's partition newest first until
// one has it (LIMIT 1 keeps the planner from flattening it into a join,
// see cobPage), and k the latest of the carried positions based on p
// before the day before (none looked for when y has the loan: the
// series is empty, where a join condition would have run it all the
// same): they follow p day after day from the day after it, so the
// first date down from the end of p's run whose page holds the loan is
// the latest, found by the page a date that may hold it (the
// last starting at or before it, by the pages' key; a loan folded the
// day before has no run left to look at). A carried position's charges
// are p's and its run's daily amounts for each day since; its state is
// p's, which a carried row of before migration 24 names (state_from: one
// probe of that date's partition).
//
// With window, p and that state are looked for in the last
// positionWindowDays dates only, a bound the planner prunes partitions
// by: unbounded, every page planned and opened a probe of every kept
// date's partition (31 ms of planning a page with 370 dates, against 1.2
// with 5; close of business ran 3 times as slowly). The last column then
// flags a loan with no position in the window that may have an older
// one (olderCOBLoans reads it again without the window): one carried
// the day before (its base outside the window), or one that may have
// existed when the date before the window was closed. A loan whose
// first event's transaction is at or above the xmax that date's
// completed run recorded (migration 29) was seen by no run of it or
// before, so it has no older position: the new loans, which are most of
// those with none in the window. A state older than the window is not
// looked for: the loan's log is read instead (COBLoan.PrevState empty).
//
// Without window, a loan with no position at all (p) takes its charges
// from its journal (j, its lines' sum, journalSumOf, what its latest
// position had charged): its positions may have been pruned
// (PrunePositions). A loan with a position reads none (the one-time
// filter on p).
func cobPageSelect(window bool) string {
	bound, stateBound, older := "", "", "false"
	charged, journal := [3]string{"j.penalty::text", "j.compound::text", "j.fees::text"}, journalSumJoin
	if window {
		charged, journal = [3]string{"'0'", "'0'", "'0'"}, ""
		from := fmt.Sprintf("$1::date - %d", positionWindowDays)
		bound, stateBound = " AND as_of >= "+from, " AND s.as_of >= "+from
		older = fmt.Sprintf(`CASE WHEN p.loan_id IS NOT NULL THEN false WHEN y.base IS NOT NULL THEN true
		ELSE NOT EXISTS (SELECT 1 FROM cob_runs r JOIN loan_events e ON e.loan_id = l.loan_id AND e.seq = 1
			WHERE r.business_date = $1::date - %d AND e.xid >= r.finished_xmax) END`, positionWindowDays+1)
	}
	return `SELECT edge.last, edge.loans, l.loan_id, l.borrower_id, l.currency,
	array_position($4::text[], l.terms_md5), CASE WHEN array_position($4::text[], l.terms_md5) IS NULL THEN l.terms::text END,
	l.status, l.created_at,
	COALESCE((p.penalty_charged + COALESCE(q.as_of - p.as_of, 0) * COALESCE(p.penalty_per_day, 0))::text, ` + charged[0] + `, '0'),
	COALESCE((p.compound_charged + COALESCE(q.as_of - p.as_of, 0) * COALESCE(p.compound_per_day, 0))::text, ` + charged[1] + `, '0'),
	COALESCE(p.fees_charged::text, ` + charged[2] + `, '0'),
	COALESCE(to_char(q.as_of, 'YYYY-MM-DD'), ''), COALESCE(p.bucket, 0), COALESCE(p.loan_version, 0),
	COALESCE(p.state, (SELECT s.state FROM loan_positions s WHERE s.loan_id = l.loan_id AND s.as_of = p.state_from` + stateBound + `)),
	COALESCE((SELECT max(seq) FROM loan_events WHERE loan_id = l.loan_id), 0), ` + older + `
	FROM todo CROSS JOIN edge
	JOIN loans l ON l.loan_id = todo.loan_id
	LEFT JOIN prior y ON y.loan_id = l.loan_id
	LEFT JOIN LATERAL (SELECT * FROM loan_positions WHERE loan_id = l.loan_id AND as_of <= COALESCE(y.base, $1::date)` + bound + `
		ORDER BY as_of DESC LIMIT 1) p ON true
	LEFT JOIN LATERAL (SELECT c.as_of FROM generate_series(CASE WHEN y.base IS NULL THEN LEAST(p.steady_through, $1::date - 2) - p.as_of - 1 END,
		0, -1) AS g(n)
		CROSS JOIN LATERAL (SELECT c.as_of, c.last_loan_id, c.loan_ids FROM carried_positions c
			WHERE c.as_of = p.as_of + 1 + g.n AND c.first_loan_id <= l.loan_id ORDER BY c.first_loan_id DESC LIMIT 1) c
		WHERE c.last_loan_id >= l.loan_id AND l.loan_id = ANY(c.loan_ids) LIMIT 1) k ON true
	CROSS JOIN LATERAL (SELECT COALESCE(CASE WHEN y.base IS NOT NULL THEN $1::date - 1 END, k.as_of, p.as_of) AS as_of) q` + journal
}

// journalSumJoin is, for cobPageSelect without its window, the sum of
// the journal lines of a loan with no position (j).
var journalSumJoin = `
	LEFT JOIN LATERAL (` + journalSumOf("l.loan_id") + ` WHERE p.loan_id IS NULL) j ON true`

// termsOf is a loan's terms document as cobPage read it: its text, or,
// when it equals a document the caller knew, that one's bytes (at the
// 1-based index array_position gave).
func termsOf(text *string, known *int32, docs [][]byte) ([]byte, error) {
	switch {
	case text != nil:
		return []byte(*text), nil
	case known != nil && *known >= 1 && int(*known) <= len(docs):
		return docs[*known-1], nil
	}
	return nil, fmt.Errorf("postgres: a loan's terms neither read nor known (%v)", known)
}

// parseAccrual parses charged penalty, compound interest and late fees
// that the query read as text, so that numeric's exact digits reach the
// money parser; the loan's currency says how many decimals they may have.
func parseAccrual(code, penalty, compound, fees string) (store.Accrual, error) {
	var a store.Accrual
	c, err := currency(code)
	if err == nil {
		a.Penalty, err = money.ParseAmount(penalty, c)
	}
	if err == nil {
		a.Compound, err = money.ParseAmount(compound, c)
	}
	if err == nil {
		a.Fees, err = money.ParseAmount(fees, c)
	}
	return a, err
}

// cobLogs reads the logs of the page's loans that are not stepped on
// from their previous state (COBLoan.Stepped) into them in one query
// (cobLogsSQL) rather than one per loan, since each query is a round trip
// to the server; each log starts from the loan's latest snapshot when the
// format is asked for.
func (s *Store) cobLogs(ctx context.Context, p store.COBLoansParams, loans []store.COBLoan) error {
	ids := make([]string, 0, len(loans))
	index := make(map[string]int, len(loans))
	for i, l := range loans {
		if !l.Stepped() {
			ids, index[l.Loan.LoanID] = append(ids, l.Loan.LoanID), i
		}
	}
	if len(ids) == 0 {
		return nil
	}
	rows, err := s.pool.Query(ctx, cobLogsSQL, ids, p.SnapshotFormat, p.BusinessDate.String())
	if err != nil {
		return mapError(err)
	}
	defer rows.Close()
	var snap snapshotRow
	for rows.Next() {
		var e store.EventRecord
		if err := rows.Scan(append(append(snap.dest(), &e.LoanID), eventDest(&e)...)...); err != nil {
			return mapError(err)
		}
		l := &loans[index[e.LoanID]]
		l.Loan.Version = e.Seq
		if sn := snap.record(p.SnapshotFormat); sn != nil {
			// The snapshot's own event only carries it.
			l.Snapshot = sn
			continue
		}
		e.RecordedAt = e.RecordedAt.UTC()
		l.Events = append(l.Events, e)
	}
	return mapError(rows.Err())
}

// currency looks up a stored currency code.
func currency(code string) (money.Currency, error) {
	c, ok := money.LookupCurrency(code)
	if !ok {
		return c, fmt.Errorf("unknown currency %q", code)
	}
	return c, nil
}

// SavePositions implements store.CloseOfBusiness: the batch's notices,
// positions and journal lines in one transaction, under the run's fence
// (fence), leaving out the loans carried on to their date already
// (carriedAmong). It spans loans, but writes only data derived from
// their logs, never a loan's record. The positions are appended by COPY
// (cob_positions.go), into the partitions of the batch's dates, which
// the first write of a date creates; the journal lines of those it
// inserted go into accrual_batches (cob_journal.go).
func (s *Store) SavePositions(ctx context.Context, p store.SavePositionsParams) error {
	if len(p.Positions) == 0 {
		return nil
	}
	if err := s.positionPartitions(ctx, p.Positions); err != nil {
		return err
	}
	return mapError(pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := fence(ctx, tx, p.BusinessDate, p.Runner); err != nil {
			return err
		}
		carried, err := carriedAmong(ctx, tx, p.Positions)
		if err != nil {
			return err
		}
		var positions, notices [][]any
		var lines []journalLine
		for _, pos := range p.Positions {
			if carried[positionKey{pos.LoanID, pos.AsOf}] {
				continue
			}
			c, err := currency(pos.Currency)
			if err != nil {
				return fmt.Errorf("postgres: loan %s: %w", pos.LoanID, err)
			}
			positions = append(positions, positionRow(pos, c))
			lines = append(lines, journalLine{loanID: pos.LoanID, a: pos.AccruedToday, c: c})
			for _, n := range pos.Notices {
				notices = append(notices, noticeRow(n, c, p.RecordedAt))
			}
		}
		if err := writeNotices(ctx, tx, notices); err != nil {
			return err
		}
		inserted, err := writePositions(ctx, tx, positions)
		if err != nil {
			return err
		}
		return writeJournal(ctx, tx, p, charging(lines, inserted))
	}))
}

// charging are the lines of the positions inserted (inserted[i] for
// lines[i], or every one when inserted is nil) that charge anything.
func charging(lines []journalLine, inserted []bool) []journalLine {
	out := lines[:0]
	for i, l := range lines {
		if (inserted == nil || inserted[i]) && !l.a.IsZero() {
			out = append(out, l)
		}
	}
	return out
}

// positionKey names a loan's position of a date.
type positionKey struct {
	loanID string
	asOf   engine.Date
}

// carriedAmong are the positions of the batch whose loans were carried on
// to their date already (migration 24): their rows, lines and notices
// are not written, since a date's position of a loan is written once.
// One range of the carried pages of the batch's dates over its ids,
// hash-joined to them (= ANY of the ids was a scan of them an element:
// 12 ms a batch of 500).
func carriedAmong(ctx context.Context, tx pgx.Tx, ps []store.Position) (map[positionKey]bool, error) {
	ids, dates := make([]string, len(ps)), []string{}
	lo, hi := ps[0].LoanID, ps[0].LoanID
	for i, pos := range ps {
		ids[i] = pos.LoanID
		if d := pos.AsOf.String(); !slices.Contains(dates, d) {
			dates = append(dates, d)
		}
		lo, hi = min(lo, pos.LoanID), max(hi, pos.LoanID)
	}
	rows, err := tx.Query(ctx, `SELECT u.loan_id, to_char(c.as_of, 'YYYY-MM-DD')
		FROM carried_positions c CROSS JOIN LATERAL unnest(c.loan_ids) AS u(loan_id)
		JOIN (SELECT DISTINCT unnest($4::text[]) COLLATE "C" AS loan_id) b ON b.loan_id = u.loan_id
		WHERE c.as_of = ANY($1::date[]) AND c.last_loan_id >= $2 AND c.first_loan_id <= $3`,
		dates, lo, hi, ids)
	if err != nil {
		return nil, err
	}
	out := map[positionKey]bool{}
	var id, day string
	_, err = pgx.ForEachRow(rows, []any{&id, &day}, func() error {
		d, err := engine.ParseDate(day)
		out[positionKey{id, d}] = true
		return err
	})
	return out, err
}

// noticeCopyColumns are due_notices' columns COPY writes; xid takes its
// default, the writing transaction, as the journal's does.
var noticeCopyColumns = []string{"notice_id", "notice_date", "loan_id", "kind", "installment_number", "due_date", "amount",
	"days_past_due", "bucket", "recorded_at"}

// noticeRow is a notice as COPY sends it, its amount in the currency c.
func noticeRow(nt store.Notice, c money.Currency, at time.Time) []any {
	var due pgtype.Date
	if nt.DueDate != engine.NoDate {
		due = pgDate(nt.DueDate)
	}
	return []any{nt.ID, pgDate(nt.Date), nt.LoanID, nt.Kind, int32(nt.InstallmentNumber), due, numeric(nt.Amount, c),
		int32(nt.DaysPastDue), int16(nt.Bucket), at}
}

// writeNotices appends a batch's notices with COPY (copyOnce), keeping any
// already there: their ids are stable, so a batch written again writes
// none twice. An INSERT … ON CONFLICT DO NOTHING, which it was, inserts
// each row speculatively and confirms it by a WAL record of its own.
func writeNotices(ctx context.Context, tx pgx.Tx, rows [][]any) error {
	return copyOnce(ctx, tx, "due_notices", noticeCopyColumns, rows, func() error {
		_, err := tx.Exec(ctx, `INSERT INTO due_notices
			(notice_id, notice_date, loan_id, kind, installment_number, due_date, amount, days_past_due, bucket, recorded_at)
			SELECT * FROM unnest($1::text[], $2::date[], $3::text[], $4::text[], $5::int[], $6::date[], $7::numeric[], $8::int[],
				$9::smallint[], $10::timestamptz[])
			ON CONFLICT (notice_id) DO NOTHING`, rowsColumn[string](rows, 0), rowsColumn[pgtype.Date](rows, 1),
			rowsColumn[string](rows, 2), rowsColumn[string](rows, 3), rowsColumn[int32](rows, 4),
			rowsColumn[pgtype.Date](rows, 5), rowsColumn[pgAmount](rows, 6), rowsColumn[int32](rows, 7),
			rowsColumn[int16](rows, 8), rowsColumn[time.Time](rows, 9))
		return err
	})
}

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
