-- Retention of positions (issue 21): a book keeps the positions of its
-- recent business dates only, dropping older dates' partitions and
-- carried pages (PrunePositions) rather than growing by a date's
-- positions every night. Each prune is recorded here, once, by the
-- first date it kept: from the first, a loan with no position kept (one
-- paid off long ago and reopened by a reversal) takes what it had been
-- charged from its journal, whose lines sum to it, rather than from a
-- position; close of business asks for that only when a prune has run.
CREATE TABLE position_prunes (
    kept_from  date PRIMARY KEY,
    pruned_at  timestamptz NOT NULL,
    dates      integer NOT NULL
);
-- The journal's sum for one loan reads by loan the lines that
-- loan_accruals kept from before the batches (migration 26): its key
-- leads by date.
CREATE INDEX loan_accruals_loan_idx ON loan_accruals (loan_id);
