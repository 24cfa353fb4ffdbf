-- Positions per business date, append-only (issue 21): a date's
-- positions are rows of their own, written once, instead of one row per
-- loan overwritten every date. A loan's previous position, which close of
-- business reads for what it had charged, is its latest row before the
-- date (the primary key's order). The PostgreSQL store keeps a partition
-- per date; here one table, keyed by (loan_id, as_of). The latest
-- positions of the old table move over.
CREATE TABLE loan_positions_by_date (
    loan_id          TEXT NOT NULL,
    as_of            TEXT NOT NULL,
    status           TEXT NOT NULL,
    days_past_due    INTEGER NOT NULL,
    bucket           INTEGER NOT NULL,
    risk_class       INTEGER NOT NULL,
    principal        TEXT NOT NULL,
    interest         TEXT NOT NULL,
    penalty          TEXT NOT NULL,
    compound         TEXT NOT NULL,
    penalty_charged  TEXT NOT NULL,
    compound_charged TEXT NOT NULL,
    fees_charged     TEXT NOT NULL,
    PRIMARY KEY (loan_id, as_of)
) STRICT, WITHOUT ROWID;
INSERT INTO loan_positions_by_date SELECT loan_id, as_of, status, days_past_due, bucket, risk_class, principal, interest, penalty, compound,
    penalty_charged, compound_charged, fees_charged FROM loan_positions;
DROP TABLE loan_positions;
ALTER TABLE loan_positions_by_date RENAME TO loan_positions;
CREATE INDEX loan_positions_delinquent_idx ON loan_positions (as_of, loan_id) WHERE days_past_due > 0;
