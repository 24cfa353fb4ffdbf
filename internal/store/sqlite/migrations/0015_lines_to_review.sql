-- Close of business reads only the lines whose freeze could change on a
-- business date (as in the PostgreSQL store): the frozen ones are found
-- through this index; those of the loans past due through the positions'
-- delinquent index and the DRAWDOWN's loan index.
CREATE INDEX credit_lines_frozen_idx ON credit_lines (credit_line_id) WHERE status = 'FROZEN';
