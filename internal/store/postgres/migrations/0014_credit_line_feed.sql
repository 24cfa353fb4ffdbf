-- Credit line events on the event feed (issue 19). A feed row names
-- either a loan's row (loan_id with seq, business_date or notice_id, as
-- before) or a line's event (credit_line_id and seq; loan_id too when the
-- event names a loan: a DRAWDOWN's loan, the loan a reversal or a
-- capitalisation was on). Line events get their positions as loan events
-- do: the writer's xid on the row, fed by the sequencer after commit.
ALTER TABLE event_feed ADD COLUMN credit_line_id text COLLATE "C";
ALTER TABLE event_feed ALTER COLUMN loan_id DROP NOT NULL;
ALTER TABLE event_feed ADD CONSTRAINT event_feed_names_check CHECK (loan_id IS NOT NULL OR credit_line_id IS NOT NULL);
CREATE INDEX event_feed_credit_line_idx ON event_feed (credit_line_id, position) WHERE credit_line_id IS NOT NULL;

-- As in 0012: NULL on the rows written before (fed below), the writer's
-- transaction on every row after.
ALTER TABLE credit_line_events ADD COLUMN xid xid8;
ALTER TABLE credit_line_events ALTER COLUMN xid SET DEFAULT pg_current_xact_id();
CREATE INDEX credit_line_events_xid_idx ON credit_line_events (xid);

-- The line events written before, after everything fed so far, in the
-- order they were recorded: positions above the head, so a subscriber
-- that has read up to it misses none. They take the xid of the last row
-- fed, since the sequencer's next pass starts after the last feed row's
-- xid: NULL there would make it feed again every row written since 0012.
INSERT INTO event_feed (position, xid, kind, credit_line_id, loan_id, seq)
SELECT h.pos + row_number() OVER (ORDER BY e.recorded_at, e.credit_line_id, e.seq),
	h.xid, 'CREDIT_LINE_' || e.kind, e.credit_line_id, e.loan_id, e.seq
FROM credit_line_events e,
	(SELECT COALESCE(max(position), 0) AS pos,
		(SELECT xid FROM event_feed ORDER BY position DESC LIMIT 1) AS xid FROM event_feed) AS h;
