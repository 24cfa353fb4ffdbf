-- Loans, their event logs and the request records that make retries safe
-- (the same model as the PostgreSQL store). Amounts are decimal text,
-- dates 'YYYY-MM-DD', timestamps fixed-width RFC 3339 UTC text.
CREATE TABLE loans (
    loan_id     TEXT PRIMARY KEY,
    borrower_id TEXT NOT NULL,
    currency    TEXT NOT NULL,
    terms       TEXT NOT NULL,
    status      TEXT NOT NULL,
    version     INTEGER NOT NULL,
    created_at  TEXT NOT NULL
) STRICT;
CREATE INDEX loans_borrower_idx ON loans (borrower_id, loan_id);
CREATE INDEX loans_status_idx ON loans (status, loan_id);

CREATE TABLE loan_events (
    loan_id     TEXT NOT NULL REFERENCES loans (loan_id),
    seq         INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    value_date  TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    request_id  TEXT NOT NULL,
    actor       TEXT NOT NULL,
    amount      TEXT,
    target_seq  INTEGER,
    reason      TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (loan_id, seq)
) STRICT;

CREATE TABLE requests (
    request_id   TEXT PRIMARY KEY,
    method       TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    loan_id      TEXT NOT NULL REFERENCES loans (loan_id),
    seq          INTEGER NOT NULL,
    recorded_at  TEXT NOT NULL
) STRICT;
