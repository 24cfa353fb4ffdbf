package postgres

// carryWholeSQL carries a page with an end ($6, the page's last loan
// id; the other parameters are carryLimitedSQL's): every position of
// the day before in its range, in no order, since the range is what
// CarryPageEnd found, about a page's worth, with the day before's
// carried pages that lie whole in the range and whose every element is
// carried on (whole) copied as they are. When the range holds more than
// $3 positions (loans closed since, say) it writes nothing and says so
// (its second answer, fits): the caller then carries the range with
// carryLimitedSQL, $3 at a time, as the contract has it.
//
// Loan ids are handed out as loans are booked, so a carried page
// (500 loans of consecutive ids) mostly holds loans booked together,
// whose steady runs end together: on most dates every element of most
// pages is carried, and then the page's next row is the same arrays but
// days past due, one more where there are any. Its row is copied (its
// compressed arrays are not opened), one more day past due is one
// array of 500 integers rebuilt, and its journal line is the page's own
// ids and daily amounts (one array of each built only for a page where
// some elements charge nothing and others do). Unnesting, judging,
// numbering and grouping each element (what the other elements still
// go through) was ~6 us a loan (EXPLAIN ANALYZE of a page of 20,000),
// most of the carry statements' time, at 1,000,000 loans most of
// PostgreSQL's on a steady date.
//
// A page is whole when it lies in the range, was found under the policy
// $4, every element's run covers the date ($1 <= ALL(steady_through)),
// and no loan in its range of ids has a row the day before (which would
// be judged, and might be carried into a page overlapping this one), is
// done at the date or recorded an event since the day before's horizon
// ($7; no page is whole without one). Those tests are by the page's
// range of ids, so a loan booked since with an id among the page's (its
// events are recent) keeps it from being whole too; each page looks the
// loans with events since up by its range, not hashed, so they are read
// for the statement's range alone.
// The day before's rows are read by their key in order, up to one more
// than the range may hold: with no order the planner read them by a
// bitmap of the whole range, or the whole partition when it had no
// statistics (the first date after a close that wrote every loan's row:
// its carry took twice as long as before this statement).
// Every other position (the rows, the other pages' elements) is judged
// one by one (carryJudged), and pages are made of those carried, up to
// spanMax a page, as carryLimitedSQL makes them, but never across a whole
// page: the pages of a date stay disjoint ranges of ids in loan id
// order, which every reader of them relies on. A page is those of a
// spanMax of them (n, their count so far) between the same two whole
// pages (seg, the whole pages' count so far), both counted by one window
// over one sort: a page may so hold fewer where a whole page cuts it.
//
// The loans left are those judged and not carried, and the active loans
// of the range with no position scanned: between the whole pages (gaps,
// an index range each) against the scan, hashed, and inside a whole
// page's range only where the range holds more active loans than the
// page (a count of that index range). Every element of a whole page is
// an active loan: a loan changes status by an event, which would have
// kept its page from being whole.
var carryWholeSQL = `WITH ` + carryFence + `, pages AS MATERIALIZED (
	SELECT * FROM carried_positions c WHERE c.as_of = $1::date - 1 AND c.last_loan_id > $2 AND c.first_loan_id <= $6::text
		AND c.first_loan_id >= ` + pageHolding("$1::date - 1", "$2") + `
), ` + carryDone("$6::text") + `, ` + carryRecent("e.loan_id > $2 AND e.loan_id <= $6::text") + `, whole AS MATERIALIZED (
	SELECT c.*, (SELECT count(*) FILTER (WHERE t.p <> 0 OR t.k <> 0) FROM unnest(c.penalties_per_day, c.compounds_per_day) AS t(p, k))
		AS charged
	FROM pages c
	WHERE (SELECT ok FROM fence) AND $7::text IS NOT NULL AND c.first_loan_id > $2 AND c.last_loan_id <= $6::text
		AND c.steady_policy = $4 AND $1::date <= ALL(c.steady_through)
		AND NOT EXISTS (SELECT 1 FROM loan_positions q WHERE q.as_of = $1::date - 1 AND q.loan_id >= c.first_loan_id
			AND q.loan_id <= c.last_loan_id)
		AND NOT EXISTS (SELECT 1 FROM done d WHERE d.loan_id >= c.first_loan_id AND d.loan_id <= c.last_loan_id)
		AND NOT EXISTS (SELECT 1 FROM recent r WHERE r.loan_id >= c.first_loan_id AND r.loan_id <= c.last_loan_id)
), scan AS MATERIALIZED (
	(SELECT p.loan_id, p.as_of AS base_date, p.days_past_due, p.bucket, p.risk_class, p.loan_version, p.steady_through,
		p.penalty_per_day, p.compound_per_day, p.steady_policy
	FROM loan_positions p WHERE p.as_of = $1::date - 1 AND p.loan_id > $2 AND p.loan_id <= $6::text
	ORDER BY p.loan_id LIMIT $3 + 1)
	UNION ALL
	SELECT ` + carriedElement + `
	FROM pages c CROSS JOIN LATERAL ` + carriedElements + `
	WHERE c.first_loan_id NOT IN (SELECT first_loan_id FROM whole) AND u.loan_id > $2 AND u.loan_id <= $6::text
), size AS MATERIALIZED (
	SELECT (SELECT count(*) FROM scan) + (SELECT COALESCE(sum(cardinality(loan_ids)), 0) FROM whole) AS scanned
), copied AS (
	SELECT * FROM whole WHERE (SELECT scanned FROM size) <= $3
), ` + carryJudged + `, car AS (
	SELECT x.*, (x.n - 1) / ` + spanMax + ` AS page
	FROM (SELECT m.*, count(*) FILTER (WHERE m.whole) OVER w AS seg, count(*) FILTER (WHERE NOT m.whole) OVER w AS n FROM (
		SELECT p.loan_id, p.base_date, ` + carriedDays + `, p.bucket, p.risk_class, p.loan_version, p.steady_through,
			p.penalty_per_day, p.compound_per_day, p.penalty_per_day <> 0 OR p.compound_per_day <> 0 AS charges, false AS whole
		FROM judged p WHERE p.carry AND (SELECT scanned FROM size) <= $3
		UNION ALL
		SELECT w.first_loan_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, true FROM whole w) m
		WINDOW w AS (ORDER BY m.loan_id ROWS UNBOUNDED PRECEDING)) x
	WHERE NOT x.whole
), grouped AS MATERIALIZED (
	SELECT ` + groupedArrays + `
	FROM (SELECT * FROM car ORDER BY seg, page, loan_id) c GROUP BY seg, page
), pos AS (
	INSERT INTO ` + carriedRow + `
	SELECT ` + groupedRow + ` FROM grouped
	UNION ALL
	SELECT $1::date, w.first_loan_id, w.last_loan_id, w.steady_policy, w.loan_ids, w.base_dates,
		ARRAY(SELECT CASE WHEN t.d > 0 THEN t.d + 1 ELSE 0 END FROM unnest(w.days_past_due) WITH ORDINALITY AS t(d, n) ORDER BY t.n),
		w.buckets, w.risk_classes, w.loan_versions, w.steady_through, w.penalties_per_day, w.compounds_per_day
	FROM copied w
), journal AS (
	INSERT INTO accrual_batches (business_date, first_loan_id, last_loan_id, loan_ids, penalties, compounds, recorded_at)
	SELECT $1::date, first_charged, last_charged, charged_ids, penalties, compounds, $5::timestamptz FROM grouped WHERE charged_ids IS NOT NULL
	UNION ALL
	SELECT $1::date, w.first_loan_id, w.last_loan_id, w.loan_ids, w.penalties_per_day, w.compounds_per_day, $5::timestamptz
	FROM copied w WHERE w.charged = cardinality(w.loan_ids)
	UNION ALL
	SELECT $1::date, j.first_loan_id, j.last_loan_id, j.loan_ids, j.penalties, j.compounds, $5::timestamptz
	FROM copied w CROSS JOIN LATERAL (
		SELECT min(t.id) AS first_loan_id, max(t.id) AS last_loan_id, array_agg(t.id ORDER BY t.n) AS loan_ids,
			array_agg(t.p ORDER BY t.n) AS penalties, array_agg(t.k ORDER BY t.n) AS compounds
		FROM unnest(w.loan_ids, w.penalties_per_day, w.compounds_per_day) WITH ORDINALITY AS t(id, p, k, n)
		WHERE t.p <> 0 OR t.k <> 0) j
	WHERE w.charged > 0 AND w.charged < cardinality(w.loan_ids)
), gaps AS (
	SELECT COALESCE(lag(w.last_loan_id) OVER (ORDER BY w.first_loan_id), $2) AS after, w.first_loan_id AS before FROM whole w
), left_ AS (
	SELECT loan_id FROM judged WHERE NOT carry
	UNION ALL
	SELECT l.loan_id FROM gaps g CROSS JOIN LATERAL (SELECT l.loan_id FROM loans l
		WHERE l.status = 'ACTIVE' AND l.loan_id > g.after AND l.loan_id < g.before) l
	WHERE l.loan_id NOT IN (SELECT loan_id FROM scan)
	UNION ALL
	SELECT l.loan_id FROM loans l WHERE l.status = 'ACTIVE' AND l.loan_id > COALESCE((SELECT max(last_loan_id) FROM whole), $2)
		AND l.loan_id <= $6::text AND l.loan_id NOT IN (SELECT loan_id FROM scan)
	UNION ALL
	SELECT l.loan_id FROM whole w CROSS JOIN LATERAL (SELECT l.loan_id FROM loans l
		WHERE (SELECT count(*) FROM loans a WHERE a.status = 'ACTIVE' AND a.loan_id >= w.first_loan_id AND a.loan_id <= w.last_loan_id)
			> cardinality(w.loan_ids)
			AND l.status = 'ACTIVE' AND l.loan_id >= w.first_loan_id AND l.loan_id <= w.last_loan_id AND l.loan_id <> ALL(w.loan_ids)) l
)
SELECT (SELECT ok FROM fence), (SELECT scanned FROM size) <= $3,
	(SELECT count(*) FROM judged WHERE carry) + (SELECT COALESCE(sum(cardinality(loan_ids)), 0) FROM whole),
	ARRAY(SELECT loan_id FROM left_ ORDER BY loan_id)`
