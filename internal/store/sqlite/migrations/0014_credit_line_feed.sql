-- Credit line events on the event feed (as in the PostgreSQL store). A
-- feed row names either a loan's row (loan_id with seq, business_date or
-- notice_id, as before) or a line's event (credit_line_id and seq;
-- loan_id the loan the event names — a DRAWDOWN's loan, the loan a
-- reversal or a capitalisation was on — or '' for none: SQLite cannot
-- drop the column's NOT NULL without rebuilding the table). A trigger
-- writes the feed row in the transaction that writes the line event, as
-- 0012's do for loans.
ALTER TABLE event_feed ADD COLUMN credit_line_id TEXT;
CREATE INDEX event_feed_credit_line_idx ON event_feed (credit_line_id, position) WHERE credit_line_id IS NOT NULL;

-- The line events written before, after everything fed so far, in the
-- order they were recorded.
INSERT INTO event_feed (kind, credit_line_id, loan_id, seq)
SELECT 'CREDIT_LINE_' || kind, credit_line_id, COALESCE(loan_id, ''), seq
FROM credit_line_events ORDER BY recorded_at, credit_line_id, seq;

CREATE TRIGGER credit_line_events_feed AFTER INSERT ON credit_line_events BEGIN
    INSERT INTO event_feed (kind, credit_line_id, loan_id, seq)
    VALUES ('CREDIT_LINE_' || NEW.kind, NEW.credit_line_id, COALESCE(NEW.loan_id, ''), NEW.seq);
END;
