-- Close of business reads only the lines whose freeze could change on a
-- business date (LinesToReview): those of the loans past due, found from
-- the positions through the DRAWDOWN's loan index, and the frozen ones,
-- found here, to see whether their freeze is close of business's to
-- lift. Frozen lines are few; the rest of credit_lines is never scanned.
CREATE INDEX credit_lines_frozen_idx ON credit_lines (credit_line_id) WHERE status = 'FROZEN';
