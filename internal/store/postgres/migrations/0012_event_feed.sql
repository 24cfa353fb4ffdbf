-- The event feed: every loan event, accrual journal line and notice, with
-- a global position in the order they became durable.
--
-- Concurrent transactions commit out of the order they started in, so a
-- position taken from a sequence as a row is written can be overtaken: a
-- reader that has seen 11 would never see a 10 committed after it. Here
-- positions are given after commit instead, by one sequencer at a time
-- (SequenceFeed, under an advisory lock), to the rows of transactions that
-- have ended: a row records its writer's transaction id (xid), and a pass
-- takes the rows whose xid is below the oldest transaction still running
-- (the xmin of its snapshot) and above the last xid it fed, in xid order.
-- Any transaction that can still write has an xid at or above that xmin,
-- so no row can appear below what a pass has fed. A feed row is written
-- once and never changed.
CREATE TABLE event_feed (
    position      bigint PRIMARY KEY,
    -- The writer's transaction; NULL for rows fed by this migration.
    xid           xid8,
    kind          text NOT NULL,
    loan_id       text NOT NULL,
    -- The row it names: a loan event (seq), an accrual line (business
    -- date) or a notice (notice id).
    seq           bigint,
    business_date date,
    notice_id     text
);
CREATE INDEX event_feed_loan_idx ON event_feed (loan_id, position);
CREATE INDEX event_feed_kind_idx ON event_feed (kind, position);

-- The writer's transaction on each source row: NULL on the rows written
-- before this migration (fed below), set on every row written after by
-- the column's default. Adding a nullable column and then a default
-- rewrites no table.
ALTER TABLE loan_events ADD COLUMN xid xid8;
ALTER TABLE loan_events ALTER COLUMN xid SET DEFAULT pg_current_xact_id();
CREATE INDEX loan_events_xid_idx ON loan_events (xid);
ALTER TABLE loan_accruals ADD COLUMN xid xid8;
ALTER TABLE loan_accruals ALTER COLUMN xid SET DEFAULT pg_current_xact_id();
CREATE INDEX loan_accruals_xid_idx ON loan_accruals (xid);
ALTER TABLE due_notices ADD COLUMN xid xid8;
ALTER TABLE due_notices ALTER COLUMN xid SET DEFAULT pg_current_xact_id();
CREATE INDEX due_notices_xid_idx ON due_notices (xid);

-- When close of business wrote a journal line or a notice, for the feed.
-- Rows from before take their run's start.
ALTER TABLE loan_accruals ADD COLUMN recorded_at timestamptz;
ALTER TABLE due_notices ADD COLUMN recorded_at timestamptz;
UPDATE loan_accruals a SET recorded_at = COALESCE(
    (SELECT r.started_at FROM cob_runs r WHERE r.business_date = a.business_date), now());
UPDATE due_notices n SET recorded_at = COALESCE(
    (SELECT r.started_at FROM cob_runs r WHERE r.business_date = n.notice_date), now());
ALTER TABLE loan_accruals ALTER COLUMN recorded_at SET NOT NULL;
ALTER TABLE due_notices ALTER COLUMN recorded_at SET NOT NULL;

-- What was written before the feed existed, in the order it was recorded.
INSERT INTO event_feed (position, kind, loan_id, seq, business_date, notice_id)
SELECT row_number() OVER (ORDER BY at, src, loan_id, seq, business_date, notice_id), kind, loan_id, seq, business_date, notice_id
FROM (
    SELECT recorded_at AS at, 1 AS src, kind, loan_id, seq, NULL::date AS business_date, NULL::text AS notice_id FROM loan_events
    UNION ALL
    SELECT recorded_at, 2, 'ACCRUAL', loan_id, NULL, business_date, NULL FROM loan_accruals
    UNION ALL
    SELECT recorded_at, 3, 'DUE_NOTICE', loan_id, NULL, NULL, notice_id FROM due_notices
) AS old;
