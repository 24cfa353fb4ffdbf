-- Snapshots of loans' folds: derived data, not history. A write that has
-- read a long stretch of a loan's log stores the fold it made, in the
-- transaction that appends its event, so that the next write that finds
-- the loan in no cache reads the latest snapshot and the events after it
-- instead of the whole log. Rows are written, never changed; any of them
-- may be dropped without losing anything. format is the engine's
-- SnapshotFormat: a build reads only its own.
CREATE TABLE loan_snapshots (
    loan_id         text NOT NULL,
    format          integer NOT NULL,
    seq             bigint NOT NULL,
    as_of           date NOT NULL,
    last_value_date date NOT NULL,
    state           bytea NOT NULL,
    recorded_at     timestamptz NOT NULL,
    PRIMARY KEY (loan_id, format, seq)
);
