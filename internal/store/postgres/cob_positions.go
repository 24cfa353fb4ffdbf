package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/money"
	"github.com/loancore/loancore/internal/store"
)

// positionColumns are loan_positions' columns, in the order COPY sends
// them.
var positionColumns = []string{"loan_id", "as_of", "status", "days_past_due", "bucket", "risk_class", "principal", "interest",
	"penalty", "compound", "penalty_charged", "compound_charged", "fees_charged", "loan_version", "state",
	"steady_through", "penalty_per_day", "compound_per_day", "steady_policy"}

// positionRow is a position as COPY sends it: amounts as binary numerics,
// as the journal's are.
func positionRow(pos store.Position, c money.Currency) []any {
	o, ch := pos.Outstanding, pos.Charged
	row := []any{pos.LoanID, pgDate(pos.AsOf), pos.Status, int32(pos.DaysPastDue), int16(pos.Bucket), int16(pos.RiskClass),
		numeric(o.Principal, c), numeric(o.Interest, c), numeric(o.Penalty, c), numeric(o.Compound, c),
		numeric(ch.Penalty, c), numeric(ch.Compound, c), numeric(ch.Fees, c), pos.Version, pos.State,
		pgtype.Date{}, pgtype.Numeric{}, pgtype.Numeric{}, pgtype.Int8{}}
	if r := pos.Steady; r != nil {
		row[15], row[16], row[17] = pgDate(r.Through), numeric(r.Penalty, c), numeric(r.Compound, c)
		row[18] = pgtype.Int8{Int64: r.Policy, Valid: true}
	}
	return row
}

// pgDate is a business date as PostgreSQL's date.
func pgDate(d engine.Date) pgtype.Date {
	y, m, day := d.YMD()
	return pgtype.Date{Time: time.Date(y, time.Month(m), day, 0, 0, 0, 0, time.UTC), Valid: true}
}

// writePositions appends a batch's positions with COPY, and says which
// it inserted: nil for all of them. A date's position of a loan is
// written once: one already there (the batch written again, or a date run
// by two processes at once) makes COPY fail as a whole, and the savepoint
// takes it back for an INSERT … ON CONFLICT DO NOTHING a row, which keeps
// the first; inserted[i] then says whether rows[i] went in, so that only
// its line is journalled (writeJournal).
func writePositions(ctx context.Context, tx pgx.Tx, rows [][]any) (inserted []bool, err error) {
	err = copyOnce(ctx, tx, "loan_positions", positionColumns, rows, func() error {
		b := &pgx.Batch{}
		for _, r := range rows {
			b.Queue(`INSERT INTO loan_positions (loan_id, as_of, status, days_past_due, bucket, risk_class, principal, interest, penalty,
				compound, penalty_charged, compound_charged, fees_charged, loan_version, state, steady_through, penalty_per_day,
				compound_per_day, steady_policy)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
				ON CONFLICT (loan_id, as_of) DO NOTHING`, r...)
		}
		br := tx.SendBatch(ctx, b)
		inserted = make([]bool, len(rows))
		for i := range rows {
			tag, err := br.Exec()
			if err != nil {
				_ = br.Close()
				return err
			}
			inserted[i] = tag.RowsAffected() == 1
		}
		return br.Close()
	})
	return inserted, err
}

// rowsColumn is column i of COPY's rows, for the INSERT that stands in
// for a COPY that met a key already there.
func rowsColumn[T any](rows [][]any, i int) []T {
	out := make([]T, len(rows))
	for r, row := range rows {
		out[r] = row[i].(T)
	}
	return out
}

// copyOnce appends rows to an append-only table by COPY in a savepoint,
// and when a row's key is there already (COPY fails as a whole) takes
// the savepoint back and calls insert, which must skip such rows.
func copyOnce(ctx context.Context, tx pgx.Tx, table string, columns []string, rows [][]any, insert func() error) error {
	if len(rows) == 0 {
		return nil
	}
	sp, err := tx.Begin(ctx)
	if err != nil {
		return err
	}
	_, err = sp.CopyFrom(ctx, pgx.Identifier{table}, columns, pgx.CopyFromRows(rows))
	if err == nil {
		return sp.Commit(ctx)
	}
	if !isUniqueViolation(err) {
		return err
	}
	if err := sp.Rollback(ctx); err != nil {
		return err
	}
	return insert()
}

// isUniqueViolation reports whether err is PostgreSQL's unique_violation:
// a row whose key is there already, which the append-only writes of close
// of business meet when a date is written again (copyOnce), and a
// partition two processes create at once.
func isUniqueViolation(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && pg.Code == "23505"
}

// positionPartitions creates the partitions of the batch's dates that
// this process has not seen yet: loan_positions is partitioned by
// business date (migration 17), and a row of a date with no partition is
// refused. IF NOT EXISTS lets several processes create one, and an
// error saying another created it meanwhile is no error.
func (s *Store) positionPartitions(ctx context.Context, positions []store.Position) error {
	for _, pos := range positions {
		if err := s.positionPartition(ctx, pos.AsOf); err != nil {
			return err
		}
	}
	return nil
}

// positionPartition creates the partition of a date unless this process
// has seen it (positionPartitions).
func (s *Store) positionPartition(ctx context.Context, d engine.Date) error {
	if _, ok := s.partitions.Load(d); ok {
		return nil
	}
	_, err := s.pool.Exec(ctx, fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s PARTITION OF loan_positions
		FOR VALUES FROM ('%s') TO ('%s')`, partitionName(d), d.String(), (d+1).String()))
	var pg *pgconn.PgError
	if err != nil && !isUniqueViolation(err) && !(errors.As(err, &pg) && pg.Code == "42P07") {
		return mapError(err)
	}
	s.partitions.Store(d, true)
	return nil
}

// pageHolding is where a range read of a date's (day) carried pages
// that must hold loan id lo and those after it starts: the first id of
// the last page that starts at or before lo, one backward probe of the
// pages' key, or the empty string when none does. A date's pages are disjoint ranges of
// ids, so no page before that one holds lo or an id after it. Bounded by
// their last ids alone, such reads started at the date's first page and
// read every page before lo, a heap fetch each to check its end (1,858
// pages a date at 1,000,000 loans: 7.7 ms a read at the end of the book
// against 0.2 ms), and the planner, misjudging how many match, chose a
// sequential scan of the whole table instead.
func pageHolding(day, lo string) string {
	return `COALESCE((SELECT max(h.first_loan_id) FROM carried_positions h WHERE h.as_of = ` + day + ` AND h.first_loan_id <= ` + lo +
		`), '')`
}

// carryLimitedSQL carries a page of the day before's positions ($1 the
// date, $2 the cursor, $3 the page's size, $6 the page's last loan id,
// empty for none) on to the date: those with a steady run of the policy $4 that
// covers the date, whose loan has recorded no event since (a probe of the
// events' key above the position's version). The day before's positions
// are its rows and the elements of its carried pages (migration 24;
// carryScanLimited). Only the loans with an event at or above the day
// before's run's events horizon ($7, migration 23: one range of
// the events' xid index, hashed) are probed: any other loan's events were
// all seen by that run, whose positions record them. A day before with
// no horizon (NULL) probes every loan. The horizon is a value when the
// statement is planned, not a subquery: with a bound unknown to it the
// planner guessed a third of the events and read them all at every page
// (a close of 1,000,000 loans' carry 9 -> 27 s).
//
// Each position scanned is judged once (carryJudged), and the loans left
// are those judged not to be carried, rather than the scan looked up
// again among the carried ones, hashed.
// The carried positions go into carried_positions, up to spanMax a row
// in loan id order, each naming its base (the row it was carried from,
// or that row's base); their journal lines into accrual_batches, a row
// for those of a row of positions that charge anything (migration 22),
// each one row the sequencer feeds as a span. Both rows of a group are
// built by one aggregate over one sort, in the order of a subquery
// sorted by (row, loan id), whose order the grouping keeps, so that each
// array is in loan id order: an ORDER BY in each aggregate sorted each
// row's rows once an array, nine times (a quarter of the statement, by
// EXPLAIN ANALYZE of a page of 20,000). TestCarriedPagesInLoanIDOrder
// checks the order.
// Nothing is written unless $8 is empty or still the date's runner,
// under a key-share lock of its run's row (migration 24), which a later
// run's TakeCOBRun waits for. A loan with a position of the date already
// (a run taken up again) is left: the rows of the date in the page's
// range and its carried pages' elements, each read by one range, hashed.
// It answers whether the fence let it write, how many it carried, the
// page's last loan scanned, how many the page scanned and the loans it
// left (CarryResult.Left): those scanned and not carried, and the active
// loans of its range with no position the day before, found by an
// index-only range of the loans' (status, loan_id) against the page's
// scan, hashed. The range's end is an index bound, or none for the last
// page (a branch of its own, which a page with an end does not run): an
// end in an OR was a filter, and each page read the index to the last
// loan (a page of 20,000 read 60,000 entries in the tenth of eleven).
var carryLimitedSQL = `WITH ` + carryFence + `, ` + carryScanLimited + `, ` + carryDone("(SELECT scanned FROM bound)") + `,
` + carryRecent("true") + `, ` + carryJudged + `, car AS (
	SELECT p.loan_id, p.base_date, ` + carriedDays + `, p.bucket, p.risk_class, p.loan_version, p.steady_through, p.penalty_per_day,
		p.compound_per_day, p.penalty_per_day <> 0 OR p.compound_per_day <> 0 AS charges,
		(row_number() OVER (ORDER BY p.loan_id) - 1) / ` + spanMax + ` AS page
	FROM judged p WHERE p.carry
), grouped AS MATERIALIZED (
	SELECT ` + groupedArrays + `
	FROM (SELECT * FROM car ORDER BY page, loan_id) c GROUP BY page
), pos AS (
	INSERT INTO ` + carriedRow + `
	SELECT ` + groupedRow + ` FROM grouped
), journal AS (
	INSERT INTO accrual_batches (business_date, first_loan_id, last_loan_id, loan_ids, penalties, compounds, recorded_at)
	SELECT $1::date, first_charged, last_charged, charged_ids, penalties, compounds, $5 FROM grouped WHERE charged_ids IS NOT NULL
), left_ AS (
	SELECT loan_id FROM judged WHERE NOT carry
	UNION ALL
	SELECT l.loan_id FROM loans l WHERE l.status = 'ACTIVE' AND l.loan_id > $2 AND l.loan_id <= (SELECT last FROM bound)
		AND l.loan_id NOT IN (SELECT loan_id FROM scan)
	UNION ALL
	SELECT l.loan_id FROM loans l WHERE (SELECT last FROM bound) IS NULL AND l.status = 'ACTIVE' AND l.loan_id > $2
		AND l.loan_id NOT IN (SELECT loan_id FROM scan)
)
SELECT (SELECT ok FROM fence), (SELECT count(*) FROM judged WHERE carry), COALESCE((SELECT scanned FROM bound), ''),
	(SELECT count(*) FROM scan), ARRAY(SELECT loan_id FROM left_ ORDER BY loan_id)`

// carryScanLimited is the scan of carryLimitedSQL: the first $3 positions
// after the cursor, by loan id, through the page's end ($6) when it has
// one, and the range's end: the last of them when there are $3 (more
// may follow), else the page's end, else none.
var carryScanLimited = `rows_ AS (
	SELECT p.loan_id, p.as_of AS base_date, p.days_past_due, p.bucket, p.risk_class, p.loan_version, p.steady_through,
		p.penalty_per_day, p.compound_per_day, p.steady_policy
	FROM loan_positions p WHERE p.as_of = $1::date - 1 AND p.loan_id > $2 AND ($6::text = '' OR p.loan_id <= $6::text)
	ORDER BY p.loan_id LIMIT $3
), pages AS (
	SELECT * FROM carried_positions c WHERE c.as_of = $1::date - 1 AND c.last_loan_id > $2 AND ($6::text = '' OR c.first_loan_id <= $6::text)
		AND c.first_loan_id >= ` + pageHolding("$1::date - 1", "$2") + `
	ORDER BY c.first_loan_id LIMIT $3
), scan AS MATERIALIZED (
	SELECT * FROM rows_
	UNION ALL
	SELECT ` + carriedElement + `
	FROM pages c CROSS JOIN LATERAL ` + carriedElements + `
	WHERE u.loan_id > $2 AND ($6::text = '' OR u.loan_id <= $6::text)
	ORDER BY loan_id LIMIT $3
), bound AS (
	SELECT CASE WHEN count(*) = $3 THEN max(loan_id) WHEN $6::text <> '' THEN $6::text END AS last, max(loan_id) AS scanned FROM scan
)`

// carriedElements unnests a carried page c's arrays as u, and
// carriedElement is an element as a row of the day before's positions.
const (
	carriedElements = `unnest(c.loan_ids, c.base_dates, c.days_past_due, c.buckets, c.risk_classes, c.loan_versions,
		c.steady_through, c.penalties_per_day, c.compounds_per_day)
		AS u(loan_id, base_date, days_past_due, bucket, risk_class, loan_version, steady_through, penalty_per_day, compound_per_day)`
	carriedElement = `u.loan_id, u.base_date, u.days_past_due, u.bucket, u.risk_class, u.loan_version, u.steady_through, u.penalty_per_day,
		u.compound_per_day, c.steady_policy`
)

// carryFence is the carry statements' fence: ok when no runner is
// given ($8) or it is still the date's, under a key-share lock of its
// run's row (migration 24), which a later run's TakeCOBRun waits for.
const carryFence = `fence AS MATERIALIZED (
	SELECT $8::text = '' OR EXISTS (SELECT 1 FROM cob_runs WHERE business_date = $1::date AND runner = $8 FOR KEY SHARE) AS ok
)`

// carryDone is the loans of the range from the cursor ($2) through upto
// that have a position of the date already (a run taken up again): its
// rows and its carried pages' elements, each read by one range.
func carryDone(upto string) string {
	return `done AS MATERIALIZED (
	SELECT q.loan_id FROM loan_positions q WHERE q.as_of = $1::date AND q.loan_id > $2 AND q.loan_id <= ` + upto + `
	UNION ALL
	SELECT u.loan_id FROM carried_positions c CROSS JOIN LATERAL unnest(c.loan_ids) AS u(loan_id)
	WHERE c.as_of = $1::date AND c.last_loan_id > $2 AND c.first_loan_id <= ` + upto + `
		AND c.first_loan_id >= ` + pageHolding("$1::date", "$2") + `
)`
}

// carryRecent is the loans that recorded an event at or above the day
// before's events horizon ($7, migration 23), one range of the events'
// xid index, among those the condition on e.loan_id keeps.
func carryRecent(among string) string {
	return `recent AS MATERIALIZED (
	SELECT DISTINCT e.loan_id FROM loan_events e WHERE e.xid >= $7::text::xid8 AND ` + among + `
)`
}

// carryJudged judges each position scanned once: carry is whether it is
// carried on (false when unknown), by its run, its policy, whether the
// date has it done already and whether its loan recorded an event since.
const carryJudged = `judged AS MATERIALIZED (
	SELECT p.*, COALESCE((SELECT ok FROM fence) AND p.steady_through >= $1::date AND p.steady_policy = $4
		AND p.loan_id NOT IN (SELECT loan_id FROM done)
		AND ($7::text IS NOT NULL AND p.loan_id NOT IN (SELECT loan_id FROM recent)
			OR NOT EXISTS (SELECT 1 FROM loan_events e WHERE e.loan_id = p.loan_id AND e.seq > p.loan_version)), false) AS carry
	FROM scan p
)`

// carriedRow is the columns of a carried_positions row as INSERT names
// them, groupedArrays an aggregate's arrays of them and of the charging
// ones' journal lines (grouped), groupedRow a group as a row, and
// carriedDays a position's days past due the day after.
const (
	carriedRow = `carried_positions (as_of, first_loan_id, last_loan_id, steady_policy, loan_ids, base_dates, days_past_due, buckets,
		risk_classes, loan_versions, steady_through, penalties_per_day, compounds_per_day)`
	groupedArrays = `min(loan_id) AS first_loan_id, max(loan_id) AS last_loan_id, array_agg(loan_id) AS loan_ids,
		array_agg(base_date) AS base_dates, array_agg(days_past_due) AS days_past_due, array_agg(bucket) AS buckets,
		array_agg(risk_class) AS risk_classes, array_agg(loan_version) AS loan_versions, array_agg(steady_through) AS steady_through,
		array_agg(penalty_per_day) AS penalties_per_day, array_agg(compound_per_day) AS compounds_per_day,
		min(loan_id) FILTER (WHERE charges) AS first_charged, max(loan_id) FILTER (WHERE charges) AS last_charged,
		array_agg(loan_id) FILTER (WHERE charges) AS charged_ids, array_agg(penalty_per_day) FILTER (WHERE charges) AS penalties,
		array_agg(compound_per_day) FILTER (WHERE charges) AS compounds`
	groupedRow = `$1::date, first_loan_id, last_loan_id, $4, loan_ids, base_dates, days_past_due, buckets, risk_classes, loan_versions,
		steady_through, penalties_per_day, compounds_per_day`
	carriedDays = `CASE WHEN p.days_past_due > 0 THEN p.days_past_due + 1 ELSE 0 END AS days_past_due`
)

// CarryPositions implements store.CloseOfBusiness: one statement a page,
// in the database, with no row sent to loand and none back. A page with
// an end is carried by carryWholeSQL, or, when its range holds more than
// Limit positions, by carryLimitedSQL a Limit at a time, as a page without
// one.
func (s *Store) CarryPositions(ctx context.Context, p store.CarryPositionsParams) (store.CarryResult, error) {
	var r store.CarryResult
	if err := s.positionPartition(ctx, p.BusinessDate); err != nil {
		return r, err
	}
	var horizon *string
	err := s.pool.QueryRow(ctx, `SELECT events_horizon::text FROM cob_runs WHERE business_date = $1::date - 1`,
		p.BusinessDate.String()).Scan(&horizon)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return r, mapError(err)
	}
	args := []any{pgx.QueryExecModeCacheDescribe, p.BusinessDate.String(), p.AfterLoanID, p.Limit, p.Policy, p.RecordedAt,
		p.ThroughLoanID, horizon, p.Runner}
	var allowed, fits bool
	if p.ThroughLoanID != "" {
		err = s.pool.QueryRow(ctx, carryWholeSQL, args...).Scan(&allowed, &fits, &r.Carried, &r.Left)
		if err != nil {
			return store.CarryResult{}, mapError(err)
		}
		if !allowed {
			return store.CarryResult{}, store.ErrTakenOver
		}
		if fits {
			return r, nil
		}
	}
	var scanned int64
	err = s.pool.QueryRow(ctx, carryLimitedSQL, args...).Scan(&allowed, &r.Carried, &r.Next, &scanned, &r.Left)
	if err != nil {
		return store.CarryResult{}, mapError(err)
	}
	if !allowed {
		return store.CarryResult{}, store.ErrTakenOver
	}
	if scanned < int64(p.Limit) || r.Next == p.ThroughLoanID {
		r.Next = ""
	}
	return r, nil
}

// activeLoanSQL finds the $2-th active loan after a loan id ($1): an
// index-only scan of the loans' (status, loan_id), which vacuum keeps
// all-visible (a loan's row changes only when its status does).
const activeLoanSQL = `SELECT loan_id FROM loans WHERE status = 'ACTIVE' AND loan_id > $1 ORDER BY loan_id OFFSET $2 - 1 LIMIT 1`

// activeLoanAfter is the n-th active loan after a loan id, by id, or ""
// when there are fewer.
func (s *Store) activeLoanAfter(ctx context.Context, after string, n int) (string, error) {
	var id string
	err := s.pool.QueryRow(ctx, activeLoanSQL, pgx.QueryExecModeCacheDescribe, after, n).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	return id, mapError(err)
}

// CarryPageEnd implements store.CloseOfBusiness: it counts active loans
// (activeLoanAfter), where counting the day before's positions, just
// written, read the heap for every one (0.8-1.3 s over 200,000
// positions). The day before's positions are of active loans, bar those
// closed since, so a page holds about Every of them.
func (s *Store) CarryPageEnd(ctx context.Context, p store.CarryPageEndParams) (string, error) {
	return s.activeLoanAfter(ctx, p.AfterLoanID, p.Every)
}
