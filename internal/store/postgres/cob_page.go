package postgres

import (
	"context"
	"crypto/md5"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/money"
	"github.com/loancore/loancore/internal/store"
)

// This file implements how close of business reads the loans a date still
// has to do (store.CloseOfBusiness): a page of them, each with what it was
// charged before, then their logs from their latest snapshots.

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

// CountPositions implements store.CloseOfBusiness: the date's rows (its
// partition alone) and the elements of its carried pages.
func (s *Store) CountPositions(ctx context.Context, p store.PositionCountQuery) (int64, error) {
	var n int64
	err := s.pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM loan_positions WHERE as_of = $1::date)
		+ (SELECT COALESCE(sum(cardinality(loan_ids)), 0) FROM carried_positions WHERE as_of = $1::date)`, p.AsOf.String()).Scan(&n)
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
