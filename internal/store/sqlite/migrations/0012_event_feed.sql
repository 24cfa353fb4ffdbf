-- The event feed (as in the PostgreSQL store): every loan event, accrual
-- journal line and notice, with a global position in the order they
-- became durable. SQLite lets one writer at a time commit (loand begins
-- every write transaction IMMEDIATE), so a position taken as a row is
-- written is already in commit order: triggers write the feed row in the
-- same transaction as the row it names. AUTOINCREMENT never reuses a
-- position, not even one a rolled-back transaction had.
CREATE TABLE event_feed (
    position      INTEGER PRIMARY KEY AUTOINCREMENT,
    kind          TEXT NOT NULL,
    loan_id       TEXT NOT NULL,
    -- The row it names: a loan event (seq), an accrual line (business
    -- date) or a notice (notice id).
    seq           INTEGER,
    business_date TEXT,
    notice_id     TEXT
) STRICT;
CREATE INDEX event_feed_loan_idx ON event_feed (loan_id, position);
CREATE INDEX event_feed_kind_idx ON event_feed (kind, position);

-- When close of business wrote a journal line or a notice, for the feed.
-- Rows from before take their run's start.
ALTER TABLE loan_accruals ADD COLUMN recorded_at TEXT NOT NULL DEFAULT '';
ALTER TABLE due_notices ADD COLUMN recorded_at TEXT NOT NULL DEFAULT '';
UPDATE loan_accruals SET recorded_at = COALESCE(
    (SELECT r.started_at FROM cob_runs r WHERE r.business_date = loan_accruals.business_date),
    strftime('%Y-%m-%dT%H:%M:%f000000Z', 'now'));
UPDATE due_notices SET recorded_at = COALESCE(
    (SELECT r.started_at FROM cob_runs r WHERE r.business_date = due_notices.notice_date),
    strftime('%Y-%m-%dT%H:%M:%f000000Z', 'now'));

-- What was written before the feed existed, in the order it was recorded.
INSERT INTO event_feed (kind, loan_id, seq, business_date, notice_id)
SELECT kind, loan_id, seq, business_date, notice_id FROM (
    SELECT recorded_at AS at, 1 AS src, kind, loan_id, seq, NULL AS business_date, NULL AS notice_id FROM loan_events
    UNION ALL
    SELECT recorded_at, 2, 'ACCRUAL', loan_id, NULL, business_date, NULL FROM loan_accruals
    UNION ALL
    SELECT recorded_at, 3, 'DUE_NOTICE', loan_id, NULL, NULL, notice_id FROM due_notices
) ORDER BY at, src, loan_id, seq, business_date, notice_id;

CREATE TRIGGER loan_events_feed AFTER INSERT ON loan_events BEGIN
    INSERT INTO event_feed (kind, loan_id, seq) VALUES (NEW.kind, NEW.loan_id, NEW.seq);
END;
CREATE TRIGGER loan_accruals_feed AFTER INSERT ON loan_accruals BEGIN
    INSERT INTO event_feed (kind, loan_id, business_date) VALUES ('ACCRUAL', NEW.loan_id, NEW.business_date);
END;
CREATE TRIGGER due_notices_feed AFTER INSERT ON due_notices BEGIN
    INSERT INTO event_feed (kind, loan_id, notice_id) VALUES ('DUE_NOTICE', NEW.loan_id, NEW.notice_id);
END;
