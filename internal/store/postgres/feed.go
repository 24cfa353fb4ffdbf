package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/money"
	"github.com/loancore/loancore/internal/store"
)

// feedLockID is the advisory lock one sequencer pass holds ("feed").
const feedLockID = 0x66656564

// spanMax is the most accrual lines one feed row stands for (migration
// 0020), as the statements' text. A span is read from the journal from
// its first line, skipping the lines before the reader's position, so a
// bigger span would make a reader resuming inside it skip more; 500
// lines a row costs the sequencer a row per 500 lines written (a close
// of business's page of folded loans is one row, a page of carried ones
// 40).
const spanMax = "500"

// sequenceSQL is one pass of the sequencer (see migrations 0012, 0014 and
// 0020): the rows of ended transactions with an xid above the last one
// fed, in xid order, after the last position, and the head it reaches; -1
// when the pass's lock statement (feedLockSQL, before it in the same
// transaction) did not get the lock, for then another pass is running and
// this one feeds nothing. One statement, so the xmin it reads and the rows
// it sees come from one snapshot (pg_current_snapshot is the statement's):
// every transaction below that xmin had ended when the snapshot was taken,
// so its rows are in it. The last feed row's xid is the highest fed, since
// a pass feeds in xid order.
//
// A transaction's accrual lines are consecutive in that order (its events
// before them, its notices and line events after), so they are fed as
// spans: a row for each spanMax of them, in (loan_id,
// business_date) order, naming its first line and how many it stands for
// (its notices likewise since migration 28, in (loan_id, notice_id)
// order, read first as the lines are);
// a batch of lines (accrual_batches: the carry's, migration 22, and
// since migration 26 the fold's too) is a span already, fed as a row of
// its own (batched), its lines not read. loan_accruals holds the lines
// written before migration 26.
// Positions are the running sum of the rows' spans. The lines are read
// first (fresh, MATERIALIZED), with the pass's range as values (InitPlan
// parameters, so the index scan's bounds), and only then numbered:
// numbered in the same query, and joined to h for the range, a plan kept
// from an empty journal read the xid index whole, for the window's order,
// filtering each line by the range, so every pass read the entire
// journal (0.2 s a pass over 400,000 lines, 4 of the 6 s of a close of
// 200,000 loans).
const sequenceSQL = `WITH h AS (
	SELECT COALESCE((SELECT xid FROM event_feed ORDER BY position DESC LIMIT 1), '0'::xid8) AS after,
		pg_snapshot_xmin(pg_current_snapshot()) AS upto,
		` + feedHead + ` AS pos
	WHERE current_setting('loancore.feed_locked', true) = 'true'
), fresh AS MATERIALIZED (
	SELECT a.xid, a.loan_id, a.business_date FROM loan_accruals a
	WHERE a.xid > (SELECT after FROM h) AND a.xid < (SELECT upto FROM h)
), lines AS (
	SELECT a.xid, a.loan_id, a.business_date, row_number() OVER w - 1 AS n, count(*) OVER (PARTITION BY a.xid) AS total
	FROM fresh a
	WINDOW w AS (PARTITION BY a.xid ORDER BY a.loan_id, a.business_date)
), fresh_notices AS MATERIALIZED (
	SELECT n.xid, n.loan_id, n.notice_id FROM due_notices n
	WHERE n.xid > (SELECT after FROM h) AND n.xid < (SELECT upto FROM h)
), notices AS (
	SELECT n.xid, n.loan_id, n.notice_id, row_number() OVER w - 1 AS k, count(*) OVER (PARTITION BY n.xid) AS total
	FROM fresh_notices n
	WINDOW w AS (PARTITION BY n.xid ORDER BY n.loan_id, n.notice_id)
), src AS (
	SELECT e.xid, 1 AS src, 1::bigint AS span, e.kind, e.loan_id, e.seq, NULL::date AS business_date, NULL::text AS notice_id,
		NULL::text AS credit_line_id, false AS batched
		FROM loan_events e, h WHERE e.xid > h.after AND e.xid < h.upto
	UNION ALL
	SELECT l.xid, 2, least(l.total - l.n, ` + spanMax + `), 'ACCRUAL', l.loan_id, NULL, l.business_date, NULL, NULL, false
		FROM lines l WHERE l.n % ` + spanMax + ` = 0
	UNION ALL
	SELECT b.xid, 2, cardinality(b.loan_ids), 'ACCRUAL', b.first_loan_id, NULL, b.business_date, NULL, NULL, true
		FROM accrual_batches b, h WHERE b.xid > h.after AND b.xid < h.upto
	UNION ALL
	SELECT n.xid, 3, least(n.total - n.k, ` + spanMax + `), 'DUE_NOTICE', n.loan_id, NULL, NULL, n.notice_id, NULL, false
		FROM notices n WHERE n.k % ` + spanMax + ` = 0
	UNION ALL
	SELECT c.xid, 4, 1, 'CREDIT_LINE_' || c.kind, c.loan_id, c.seq, NULL, NULL, c.credit_line_id, false
		FROM credit_line_events c, h WHERE c.xid > h.after AND c.xid < h.upto
), fed AS (
	INSERT INTO event_feed (position, span, xid, kind, loan_id, seq, business_date, notice_id, credit_line_id, batched)
	SELECT h.pos + sum(src.span) OVER (ORDER BY src.xid, src.src, src.credit_line_id, src.loan_id, src.seq, src.business_date, src.notice_id
			ROWS UNBOUNDED PRECEDING) - src.span + 1,
		src.span, src.xid, src.kind, src.loan_id, src.seq, src.business_date, src.notice_id, src.credit_line_id, src.batched
	FROM src, h
	RETURNING position + span - 1 AS last
)
SELECT COALESCE((SELECT max(last) FROM fed), (SELECT pos FROM h), -1)`

// feedLockSQL and feedWaitLockSQL take the advisory lock a pass holds
// until its transaction ends (the first gives up at once if another pass
// holds it, the second waits), and say whether it has it in a setting of
// the transaction's own that sequenceSQL reads. Each is a statement of
// its own so that the pass's snapshot, taken when sequenceSQL starts,
// sees what the previous pass committed.
//
// Each also lets the pass commit without waiting for its WAL to be
// flushed (synchronous_commit off for this transaction only). A pass
// whose commit is lost in a crash is done again, over the same rows, in
// the same order and from the same position, so a reader that saw its
// positions before the crash sees the same content at them after: every
// row a pass feeds was written by a transaction that committed
// synchronously before the pass's snapshot, so it survives the crash, and
// no row can be written later under an xid below the pass's xmin
// (docs/design.md §7, "The sequencer's commits"). The pass's own flush
// was one commit a pass on this VM, where each flush is dear.
//
// And each turns sequential scans off for the pass. sequenceSQL is a
// prepared statement with no parameter, planned once per connection and
// kept until a table's statistics change: planned while a source table
// was empty and vacuumed (a new database: its reltuples say 0, which the
// planner trusts), it read that table by a sequential scan at every pass
// after, all of the journal once close of business had written a date
// (a pass over 300,000 lines: 87 ms against 0.2 ms; 7 of the 10 s
// PostgreSQL spent in a close of 200,000 loans). With them off it is
// planned to read each source by its xid index, the range a pass takes,
// whatever the tables' sizes when it was planned.
const (
	feedLockSQL     = `SELECT set_config('loancore.feed_locked', got::text, true), ` + passSettings + ` FROM pg_try_advisory_xact_lock($1) AS got`
	feedWaitLockSQL = `SELECT set_config('loancore.feed_locked', 'true', true), ` + passSettings + ` FROM pg_advisory_xact_lock($1)`
	// passSettings are the pass's transaction's own settings, above.
	passSettings = `set_config('synchronous_commit', 'off', true), set_config('enable_seqscan', 'off', true)`
)

// feedHead is the highest position, 0 for none: the end of the last
// row's span (a row may stand for many journal lines). A pass numbers on
// from it, and ReadFeed reads up to it.
const feedHead = `COALESCE((SELECT position + span - 1 FROM event_feed ORDER BY position DESC LIMIT 1), 0)`

// feedHeadSQL reads the head alone.
const feedHeadSQL = `SELECT ` + feedHead

// SequenceFeed implements store.Feed: one pass, under a transaction's
// advisory lock so passes never overlap (their positions would collide).
// The lock statement and the pass go in one pipeline, one round trip
// (the sequencer runs many passes a second while loans are being
// written), and make one transaction: statements sent together before a
// Sync run in one implicit transaction, which commits at the Sync, so
// the lock is held until the pass's rows are committed. With Wait, it
// first waits for every transaction that began before the call to end
// (xids are the whole cluster's, so this includes other databases'),
// since a pass can feed a committed row only once everything older has
// ended.
func (s *Store) SequenceFeed(ctx context.Context, p store.SequenceFeedParams) (int64, error) {
	if p.Wait {
		if err := s.waitForOlder(ctx); err != nil {
			return 0, mapError(err)
		}
	}
	lock := feedLockSQL
	if p.Wait {
		lock = feedWaitLockSQL
	}
	b := &pgx.Batch{}
	b.Queue(lock, int64(feedLockID))
	b.Queue(sequenceSQL)
	res := s.pool.SendBatch(ctx, b)
	var locked string
	var head int64
	err := res.QueryRow().Scan(&locked, nil, nil) // the settings' values
	if err == nil {
		err = res.QueryRow().Scan(&head)
	}
	if cerr := res.Close(); err == nil {
		err = cerr
	}
	if err == nil && head < 0 {
		// Another pass was running: report the head it has reached.
		err = s.pool.QueryRow(ctx, feedHeadSQL).Scan(&head)
	}
	return head, mapError(err)
}

// waitForOlder returns once the oldest transaction still running began
// after the call did: every transaction with an xid below the xmax of
// the call's first snapshot has then ended.
func (s *Store) waitForOlder(ctx context.Context) error {
	var ok bool
	q := `WITH t AS (SELECT $1::xid8 AS target) SELECT pg_snapshot_xmin(pg_current_snapshot()) >= t.target FROM t`
	var target string
	if err := s.pool.QueryRow(ctx, `SELECT pg_snapshot_xmax(pg_current_snapshot())::text`).Scan(&target); err != nil {
		return err
	}
	for pause := time.Millisecond; ; pause = min(2*pause, 50*time.Millisecond) {
		if err := s.pool.QueryRow(ctx, q, target).Scan(&ok); err != nil || ok {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pause):
		}
	}
}

// readFeedSQL reads up to $4 entries after $1 up to the head $2, of the
// kinds $3, with what they name, and readFeedLoansSQL up to $5 of those
// of the loans $4 or lines $6 (either not empty). Both end in
// feedEntriesSQL: the page of entries is chosen first (a MATERIALIZED
// CTE, which the planner cannot flatten) and only then joined: flattened, the planner sized the joins
// by the whole range up to the head and hashed entire tables for a page
// of 500, so a subscriber catching up on N events read O(N²) rows.
//
// readFeedSQL takes the first $4 rows overlapping (After, head], the one
// holding After+1 included (a row starts at most spanMax-1 before it;
// without a kind filter positions are dense, so none beyond After+$4),
// in position order, and expands each span into its lines: the
// journal's lines of its xid from its first, in the span's order,
// skipping those at or before After (an index range of (xid, loan_id,
// business_date); the skip is under spanMax), a notice span's notices
// likewise (by (xid, loan_id, notice_id)), or a batch's (batched,
// migration 22) from its arrays, each line's ordinal its offset in the
// span, with its amounts and time (batch_*). Every row gives an entry,
// so $4 rows are enough for $4 entries, and only the rows with fewer than
// $4 entries before them in the page are expanded (a running sum of
// spans, less the first row's skip): a page of ACCRUAL entries would
// otherwise expand up to $4 spans of 500 for 500 entries.
const readFeedSQL = `WITH f AS MATERIALIZED (
	SELECT r.position + x.k AS position, r.kind, x.loan_id, r.seq, x.business_date, x.notice_id, r.credit_line_id,
		x.batch_penalty, x.batch_compound, x.batch_fees, x.batch_at
	FROM (SELECT * FROM (SELECT r.*,
				sum(span) OVER w - span - greatest($1 + 1 - first_value(position) OVER w, 0) AS before
			FROM (SELECT position, span, xid, kind, loan_id, seq, business_date, notice_id, credit_line_id, batched FROM event_feed
				WHERE position > $1::bigint - ` + spanMax + ` AND position + span - 1 > $1 AND position <= $2
					AND (cardinality($3::text[]) = 0 OR kind = ANY($3::text[]))
					AND (cardinality($3::text[]) > 0 OR position <= $1 + $4)
				ORDER BY position LIMIT $4) r
			WINDOW w AS (ORDER BY position ROWS UNBOUNDED PRECEDING)) r
		WHERE r.before < $4) r
	CROSS JOIN LATERAL (
		SELECT 0::bigint AS k, r.loan_id COLLATE "C" AS loan_id, r.business_date, r.notice_id COLLATE "C" AS notice_id,
			NULL::numeric AS batch_penalty, NULL::numeric AS batch_compound, NULL::numeric AS batch_fees, NULL::timestamptz AS batch_at
		WHERE r.span = 1 AND NOT r.batched
		UNION ALL
		SELECT greatest($1 + 1 - r.position, 0) + row_number() OVER (ORDER BY a.loan_id, a.business_date) - 1, a.loan_id, a.business_date,
			NULL, NULL, NULL, NULL, NULL
		FROM (SELECT a.loan_id, a.business_date FROM loan_accruals a
			WHERE r.span > 1 AND r.kind = 'ACCRUAL' AND NOT r.batched AND a.xid = r.xid
				AND (a.loan_id, a.business_date) >= (r.loan_id COLLATE "C", r.business_date)
			ORDER BY a.loan_id, a.business_date
			OFFSET greatest($1 + 1 - r.position, 0) LIMIT least(r.span - greatest($1 + 1 - r.position, 0), $4)) a
		UNION ALL
		SELECT greatest($1 + 1 - r.position, 0) + row_number() OVER (ORDER BY n.loan_id, n.notice_id) - 1, n.loan_id, NULL, n.notice_id,
			NULL, NULL, NULL, NULL
		FROM (SELECT n.loan_id, n.notice_id FROM due_notices n
			WHERE r.span > 1 AND r.kind = 'DUE_NOTICE' AND n.xid = r.xid
				AND (n.loan_id, n.notice_id) >= (r.loan_id COLLATE "C", r.notice_id COLLATE "C")
			ORDER BY n.loan_id, n.notice_id
			OFFSET greatest($1 + 1 - r.position, 0) LIMIT least(r.span - greatest($1 + 1 - r.position, 0), $4)) n
		UNION ALL
		SELECT u.i - 1, u.loan_id, r.business_date, NULL, u.penalty, u.compound, b.fees[u.i], b.recorded_at
		FROM accrual_batches b CROSS JOIN LATERAL unnest(b.loan_ids, b.penalties, b.compounds) WITH ORDINALITY AS u(loan_id, penalty, compound, i)
		WHERE r.batched AND b.business_date = r.business_date AND b.first_loan_id = r.loan_id COLLATE "C"
			AND u.i > greatest($1 + 1 - r.position, 0) AND u.i <= greatest($1 + 1 - r.position, 0) + $4) x
	ORDER BY r.position, x.k LIMIT $4
)` + feedEntriesSQL

// readFeedLoansSQL reads the entries of the loans $4 and the lines $6:
// r, the rows of one entry naming them (by their indexes by loan and by
// line), s, those loans' lines in the spans of the range, and sn, their
// notices in the notice spans, found as s finds lines. s takes
// the spans by their partial index, in position order, and looks into
// each for the loans' lines between its first line and the next span's
// of the same xid (the next row, if it is one), each line at the span's
// position + its rank in the span; sorted incrementally by span, it
// stops reading spans once it has $5 lines. bt, the loans' lines in the
// batches of the range (migrations 22 and 26): each asked loan within a batch's
// first and last id is looked up in its ids (array_position), the line
// at the batch's position + its ordinal - 1. Three plans are avoided on
// purpose, each measured at 200,000 lines in one xid:
//   - the span's first line is a filter, not a row comparison, which the
//     planner took as the index bound: a range to the xid's end a span
//     instead of a probe of (xid, loan) a loan asked for;
//   - OFFSET 0 keeps that probe per span: else the planner may join the
//     journal by loan, for which there is no index, reading all of it;
//   - the rank counts an ordered index range under spanMax: as a bitmap
//     scan it took 20–60 ms a line, shown in no node by EXPLAIN ANALYZE.
const readFeedLoansSQL = `WITH r AS MATERIALIZED (
	SELECT position, kind, loan_id, seq, business_date, notice_id, credit_line_id, NULL::numeric AS batch_penalty,
		NULL::numeric AS batch_compound, NULL::numeric AS batch_fees, NULL::timestamptz AS batch_at
	FROM event_feed
	WHERE position > $1 AND position <= $2 AND span = 1 AND NOT batched
		AND (cardinality($3::text[]) = 0 OR kind = ANY($3::text[]))
		AND (loan_id = ANY($4::text[]) OR credit_line_id = ANY($6::text[]))
	ORDER BY position LIMIT $5
), s AS MATERIALIZED (
	SELECT r.position + k.rank AS position, r.kind, x.loan_id, NULL::bigint AS seq, x.business_date, NULL::text AS notice_id,
		NULL::text AS credit_line_id, NULL::numeric AS batch_penalty, NULL::numeric AS batch_compound, NULL::numeric AS batch_fees,
		NULL::timestamptz AS batch_at
	FROM event_feed r
		LEFT JOIN event_feed nx ON nx.position = r.position + r.span AND nx.xid = r.xid AND nx.kind = 'ACCRUAL'
		CROSS JOIN LATERAL (SELECT a.loan_id, a.business_date FROM loan_accruals a
			WHERE a.xid = r.xid AND a.loan_id = ANY($4::text[])
				AND (a.loan_id > r.loan_id COLLATE "C" OR (a.loan_id = r.loan_id AND a.business_date >= r.business_date))
				AND (nx.position IS NULL OR (a.loan_id, a.business_date) < (nx.loan_id COLLATE "C", nx.business_date))
			OFFSET 0) x
		CROSS JOIN LATERAL (SELECT count(*) AS rank FROM (SELECT 1 FROM loan_accruals b
			WHERE b.xid = r.xid AND (b.loan_id, b.business_date) >= (r.loan_id COLLATE "C", r.business_date)
				AND (b.loan_id, b.business_date) < (x.loan_id, x.business_date)
			ORDER BY b.loan_id, b.business_date LIMIT ` + spanMax + `) b) k
	WHERE r.span > 1 AND r.kind = 'ACCRUAL' AND NOT r.batched AND r.position > $1::bigint - ` + spanMax + ` AND r.position <= $2
		AND r.position + k.rank > $1 AND (cardinality($3::text[]) = 0 OR r.kind = ANY($3::text[]))
	ORDER BY r.position, x.loan_id, x.business_date LIMIT $5
), sn AS MATERIALIZED (
	SELECT r.position + k.rank AS position, r.kind, x.loan_id, NULL::bigint AS seq, NULL::date AS business_date, x.notice_id,
		NULL::text AS credit_line_id, NULL::numeric AS batch_penalty, NULL::numeric AS batch_compound, NULL::numeric AS batch_fees,
		NULL::timestamptz AS batch_at
	FROM event_feed r
		LEFT JOIN event_feed nx ON nx.position = r.position + r.span AND nx.xid = r.xid AND nx.kind = 'DUE_NOTICE'
		CROSS JOIN LATERAL (SELECT n.loan_id, n.notice_id FROM due_notices n
			WHERE n.xid = r.xid AND n.loan_id = ANY($4::text[])
				AND (n.loan_id > r.loan_id COLLATE "C" OR (n.loan_id = r.loan_id AND n.notice_id >= r.notice_id COLLATE "C"))
				AND (nx.position IS NULL OR (n.loan_id, n.notice_id) < (nx.loan_id COLLATE "C", nx.notice_id COLLATE "C"))
			OFFSET 0) x
		CROSS JOIN LATERAL (SELECT count(*) AS rank FROM (SELECT 1 FROM due_notices b
			WHERE b.xid = r.xid AND (b.loan_id, b.notice_id) >= (r.loan_id COLLATE "C", r.notice_id COLLATE "C")
				AND (b.loan_id, b.notice_id) < (x.loan_id, x.notice_id)
			ORDER BY b.loan_id, b.notice_id LIMIT ` + spanMax + `) b) k
	WHERE r.span > 1 AND r.kind = 'DUE_NOTICE' AND r.position > $1::bigint - ` + spanMax + ` AND r.position <= $2
		AND r.position + k.rank > $1 AND (cardinality($3::text[]) = 0 OR r.kind = ANY($3::text[]))
	ORDER BY r.position, x.loan_id, x.notice_id LIMIT $5
), bt AS MATERIALIZED (
	SELECT r.position + x.i - 1 AS position, r.kind, x.loan_id, NULL::bigint AS seq, r.business_date, NULL::text AS notice_id,
		NULL::text AS credit_line_id, b.penalties[x.i], b.compounds[x.i], b.fees[x.i], b.recorded_at
	FROM event_feed r
		JOIN accrual_batches b ON b.business_date = r.business_date AND b.first_loan_id = r.loan_id COLLATE "C"
		CROSS JOIN LATERAL (SELECT l.loan_id COLLATE "C" AS loan_id, array_position(b.loan_ids, l.loan_id COLLATE "C") AS i
			FROM unnest($4::text[]) AS l(loan_id)
			WHERE l.loan_id COLLATE "C" BETWEEN b.first_loan_id AND b.last_loan_id OFFSET 0) x
	WHERE r.batched AND r.position > $1::bigint - ` + spanMax + ` AND r.position <= $2 AND x.i IS NOT NULL AND r.position + x.i - 1 > $1
		AND (cardinality($3::text[]) = 0 OR r.kind = ANY($3::text[]))
	ORDER BY r.position, x.i LIMIT $5
), f AS MATERIALIZED (
	SELECT * FROM r UNION ALL SELECT * FROM s UNION ALL SELECT * FROM sn UNION ALL SELECT * FROM bt ORDER BY position LIMIT $5
)` + feedEntriesSQL

// feedEntriesSQL joins the page of entries f to what they name. A line
// event's row has a seq too: only a row without a line is a loan event's.
// A line of a batch brings its amounts and time with it (batch_at is
// set; batch_fees is NULL in a batch that charges no fee), read with the
// batch's ids: joined per entry instead, each would
// read the batch's arrays whole again.
const feedEntriesSQL = `
SELECT f.position, f.kind, COALESCE(f.loan_id, ''), COALESCE(f.credit_line_id, ''),
	COALESCE(c.borrower_id, l.borrower_id), COALESCE(c.currency, l.currency),
	e.seq, to_char(e.value_date, 'YYYY-MM-DD'), e.recorded_at, e.request_id, e.actor, e.on_behalf_of, e.amount::text,
	e.target_seq, e.reason, e.payload::text,
	to_char(COALESCE(a.business_date, CASE WHEN f.batch_at IS NOT NULL THEN f.business_date END), 'YYYY-MM-DD'),
	COALESCE(a.penalty, f.batch_penalty)::text, COALESCE(a.compound, f.batch_compound)::text,
	COALESCE(a.fees, CASE WHEN f.batch_at IS NOT NULL THEN COALESCE(f.batch_fees, 0) END)::text, COALESCE(a.recorded_at, f.batch_at),
	n.notice_id, to_char(n.notice_date, 'YYYY-MM-DD'), n.kind, n.installment_number, to_char(n.due_date, 'YYYY-MM-DD'),
	n.amount::text, n.days_past_due, n.bucket, n.recorded_at,
	ce.seq, ce.kind, to_char(ce.value_date, 'YYYY-MM-DD'), ce.recorded_at, ce.request_id, ce.actor, ce.on_behalf_of,
	ce.amount::text, ce.loan_id, ce.reason
FROM f LEFT JOIN loans l ON l.loan_id = f.loan_id
	LEFT JOIN credit_lines c ON c.credit_line_id = f.credit_line_id
	LEFT JOIN loan_events e ON f.seq IS NOT NULL AND f.credit_line_id IS NULL AND e.loan_id = f.loan_id AND e.seq = f.seq
	LEFT JOIN loan_accruals a ON f.business_date IS NOT NULL AND f.batch_at IS NULL AND a.business_date = f.business_date
		AND a.loan_id = f.loan_id
	LEFT JOIN due_notices n ON f.notice_id IS NOT NULL AND n.notice_id = f.notice_id
	LEFT JOIN credit_line_events ce ON f.credit_line_id IS NOT NULL AND ce.credit_line_id = f.credit_line_id AND ce.seq = f.seq
ORDER BY f.position`

// ReadFeed implements store.Feed. The head is read first: every position
// at or below it had committed then, so the second read sees them all.
func (s *Store) ReadFeed(ctx context.Context, p store.ReadFeedParams) (store.FeedPage, error) {
	var page store.FeedPage
	if err := s.pool.QueryRow(ctx, feedHeadSQL).Scan(&page.Through); err != nil {
		return page, mapError(err)
	}
	if page.Through <= p.After {
		page.Through = p.After
		return page, nil
	}
	var rows pgx.Rows
	var err error
	if len(p.LoanIDs) > 0 || len(p.CreditLineIDs) > 0 {
		rows, err = s.pool.Query(ctx, readFeedLoansSQL, p.After, page.Through, orEmpty(p.Kinds), orEmpty(p.LoanIDs), p.Limit,
			orEmpty(p.CreditLineIDs))
	} else {
		rows, err = s.pool.Query(ctx, readFeedSQL, p.After, page.Through, orEmpty(p.Kinds), p.Limit)
	}
	if err != nil {
		return page, mapError(err)
	}
	page.Entries, err = pgx.CollectRows(rows, scanFeedRow)
	if err != nil {
		return page, mapError(err)
	}
	if len(page.Entries) == p.Limit {
		page.Through = page.Entries[len(page.Entries)-1].Position
	}
	return page, nil
}

// orEmpty is values, or an empty array for nil: a NULL array's
// cardinality is NULL, not 0.
func orEmpty(values []string) []string {
	if values == nil {
		return []string{}
	}
	return values
}

// feedRow receives readFeedSQL's nullable columns.
type feedRow struct {
	seq, targetSeq                                 *int64
	valueDate, requestID, actor, onBehalf          *string
	amount, reason, payload                        *string
	eventAt, accrualAt, noticeAt                   *time.Time
	businessDate, penalty, compound, fees          *string
	noticeID, noticeDate, noticeKind, due, nAmount *string
	number, dpd, bucket                            *int32
	line                                           lineRow
}

// lineRow receives a line event's columns, all NULL for other entries.
type lineRow struct {
	seq                                           *int64
	kind, valueDate, requestID, actor, onBehalfOf *string
	amount, loanID, reason                        *string
	at                                            *time.Time
}

// scanFeedRow reads one entry.
func scanFeedRow(r pgx.CollectableRow) (store.FeedEntry, error) {
	var f store.FeedEntry
	var x feedRow
	ln := &x.line
	err := r.Scan(&f.Position, &f.Kind, &f.LoanID, &f.CreditLineID, &f.BorrowerID, &f.Currency,
		&x.seq, &x.valueDate, &x.eventAt, &x.requestID, &x.actor, &x.onBehalf, &x.amount, &x.targetSeq, &x.reason, &x.payload,
		&x.businessDate, &x.penalty, &x.compound, &x.fees, &x.accrualAt,
		&x.noticeID, &x.noticeDate, &x.noticeKind, &x.number, &x.due, &x.nAmount, &x.dpd, &x.bucket, &x.noticeAt,
		&ln.seq, &ln.kind, &ln.valueDate, &ln.at, &ln.requestID, &ln.actor, &ln.onBehalfOf, &ln.amount, &ln.loanID, &ln.reason)
	if err != nil {
		return f, err
	}
	c, err := currency(f.Currency)
	if err != nil {
		return f, err
	}
	switch {
	case x.seq != nil:
		f.Event = x.event(f.LoanID, f.Kind)
		f.RecordedAt = f.Event.RecordedAt
	case x.businessDate != nil:
		f.RecordedAt = x.accrualAt.UTC()
		f.Accrual, err = x.accrual(c)
	case x.noticeID != nil:
		f.RecordedAt = x.noticeAt.UTC()
		f.Notice, err = x.notice(f, c)
	case ln.seq != nil:
		f.LineEvent = ln.event(f.CreditLineID)
		f.RecordedAt = f.LineEvent.RecordedAt
	}
	return f, err
}

func (x *lineRow) event(lineID string) *store.CreditLineEventRecord {
	e := &store.CreditLineEventRecord{CreditLineID: lineID, Seq: *x.seq, Kind: *x.kind, ValueDate: *x.valueDate,
		RecordedAt: x.at.UTC(), RequestID: *x.requestID, Actor: *x.actor, OnBehalfOf: *x.onBehalfOf, Reason: *x.reason}
	if x.amount != nil {
		e.Amount = *x.amount
	}
	if x.loanID != nil {
		e.LoanID = *x.loanID
	}
	return e
}

func (x *feedRow) event(loanID, kind string) *store.EventRecord {
	e := &store.EventRecord{LoanID: loanID, Seq: *x.seq, Kind: kind, ValueDate: *x.valueDate, RecordedAt: x.eventAt.UTC(),
		RequestID: *x.requestID, Actor: *x.actor, OnBehalfOf: *x.onBehalf, Reason: *x.reason}
	if x.amount != nil {
		e.Amount = *x.amount
	}
	if x.targetSeq != nil {
		e.TargetSeq = *x.targetSeq
	}
	if x.payload != nil {
		e.Payload = *x.payload
	}
	return e
}

func (x *feedRow) accrual(c money.Currency) (*store.FeedAccrualLine, error) {
	d, err := engine.ParseDate(*x.businessDate)
	if err != nil {
		return nil, err
	}
	l := &store.FeedAccrualLine{BusinessDate: d}
	if l.Penalty, err = money.ParseSignedAmount(*x.penalty, c); err != nil {
		return nil, err
	}
	if l.Compound, err = money.ParseSignedAmount(*x.compound, c); err != nil {
		return nil, err
	}
	l.Fees, err = money.ParseSignedAmount(*x.fees, c)
	return l, err
}

func (x *feedRow) notice(f store.FeedEntry, c money.Currency) (*store.Notice, error) {
	n := &store.Notice{ID: *x.noticeID, LoanID: f.LoanID, BorrowerID: f.BorrowerID, Currency: f.Currency, Kind: *x.noticeKind,
		InstallmentNumber: int(*x.number), DaysPastDue: int(*x.dpd), Bucket: engine.Bucket(*x.bucket), DueDate: engine.NoDate}
	var err error
	if n.Date, err = engine.ParseDate(*x.noticeDate); err != nil {
		return nil, err
	}
	if x.due != nil {
		if n.DueDate, err = engine.ParseDate(*x.due); err != nil {
			return nil, err
		}
	}
	n.Amount, err = money.ParseAmount(*x.nAmount, c)
	return n, err
}
