-- Snapshots of loans' folds: derived data, not history (see the PostgreSQL
-- store's migration of the same number). Written with the event they end
-- at, never changed; any may be dropped without losing anything.
CREATE TABLE loan_snapshots (
    loan_id         TEXT NOT NULL,
    format          INTEGER NOT NULL,
    seq             INTEGER NOT NULL,
    as_of           TEXT NOT NULL,
    last_value_date TEXT NOT NULL,
    state           BLOB NOT NULL,
    recorded_at     TEXT NOT NULL,
    PRIMARY KEY (loan_id, format, seq)
) STRICT;
