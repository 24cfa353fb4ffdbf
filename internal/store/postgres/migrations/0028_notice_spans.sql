-- A transaction's due notices are fed as spans too (issue 21), as its
-- accrual lines have been since migration 0020: a feed row for each 500
-- of them, in (loan_id, notice_id) order, naming its first notice and
-- how many it stands for. Close of business gives about one notice per
-- loan it folds on a date (a due date, a grace's end, a reminder), and a
-- feed row (with its index entries) per notice cost the sequencer ~8 us
-- a notice, most of its work in a close. ReadFeed expands a span into
-- the DUE_NOTICE entries it stands for, each at its own position, so
-- what a subscriber reads does not change; the rows already fed keep a
-- span of 1, each naming its notice.
--
-- A span is read from due_notices by its writer's xid in the span's
-- order, from its first notice: the xid index carries the order, and
-- serves the sequencer's range scans by xid as the (xid) one did.
-- Building it reads the notices once, and writes of notices wait for it
-- (a migration is one transaction): run it outside close of business.
DROP INDEX due_notices_xid_idx;
CREATE INDEX due_notices_xid_idx ON due_notices (xid, loan_id, notice_id);
