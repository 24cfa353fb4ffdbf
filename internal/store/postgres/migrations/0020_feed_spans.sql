-- An event_feed row may stand for a span of consecutive positions
-- (issue 21): position .. position + span - 1 are the accrual journal
-- lines one transaction (xid) wrote, in the order the sequencer gave them
-- one row each before (loan_id, then business_date), up to 500 lines a
-- row. Close of business writes a journal line per loan per date, and a
-- feed row (with three index entries) per line cost the sequencer about
-- as much as the line itself; a row per 500 lines costs nearly nothing.
-- ReadFeed expands a span into the ACCRUAL entries it stands for, each at
-- its own position, so what a subscriber reads does not change. A span
-- row names its first line (loan_id, business_date); a span of one is a
-- row as before. Rows for events, notices and credit line events stay one
-- per entry. The feed's head is the last row's position + span - 1.
--
-- The rows already fed keep span 1 (each names one line); adding a column
-- with a constant default rewrites nothing.
ALTER TABLE event_feed ADD COLUMN span integer NOT NULL DEFAULT 1;
ALTER TABLE event_feed ADD CONSTRAINT event_feed_span_check CHECK (span >= 1);

-- The span rows alone, by position: a read filtered by loan looks into
-- each span in its range for the loans' lines, and finds the spans here
-- without reading the rows of every event. Few rows, so a cheap index.
CREATE INDEX event_feed_span_idx ON event_feed (position) WHERE span > 1;

-- A span is read from the journal by its writer's xid in the span's
-- order, from its first line: the xid index now carries the order too,
-- and serves the sequencer's range scans by xid as the (xid) one did.
-- Building it reads the whole journal once, and writes to the journal
-- wait for it (a migration is one transaction, so not CONCURRENTLY): on
-- a large journal, run the migration outside close of business.
DROP INDEX loan_accruals_xid_idx;
CREATE INDEX loan_accruals_xid_idx ON loan_accruals (xid, loan_id, business_date);
