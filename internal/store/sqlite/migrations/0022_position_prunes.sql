-- Retention of positions (issue 21): a book keeps the positions of its
-- recent business dates only (PrunePositions deletes the older dates'
-- rows). Each prune is recorded here, once, by the first date it kept:
-- from the first, a loan with no position kept (one paid off long ago
-- and reopened by a reversal) takes what it had been charged from its
-- journal, whose lines sum to it, rather than from a position.
CREATE TABLE position_prunes (
    kept_from TEXT PRIMARY KEY,
    pruned_at TEXT NOT NULL,
    dates     INTEGER NOT NULL
) STRICT;
-- The journal's sum for one loan reads its lines by loan: the key leads
-- by date.
CREATE INDEX loan_accruals_loan_idx ON loan_accruals (loan_id);
