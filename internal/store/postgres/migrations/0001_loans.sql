-- Loans, their event logs and the request records that make retries safe.
-- The loans row carries the immutable terms plus projection columns
-- (status, version) that queries filter on; history lives in loan_events and
-- is only ever appended to.
CREATE TABLE loans (
    loan_id     text PRIMARY KEY,
    borrower_id text NOT NULL,
    currency    text NOT NULL,
    terms       jsonb NOT NULL,
    status      text NOT NULL,
    version     bigint NOT NULL,
    created_at  timestamptz NOT NULL
);
CREATE INDEX loans_borrower_idx ON loans (borrower_id, loan_id);
CREATE INDEX loans_status_idx ON loans (status, loan_id);

CREATE TABLE loan_events (
    loan_id     text NOT NULL REFERENCES loans (loan_id),
    seq         bigint NOT NULL,
    kind        text NOT NULL,
    value_date  date NOT NULL,
    recorded_at timestamptz NOT NULL,
    request_id  text NOT NULL,
    actor       text NOT NULL,
    amount      numeric(38, 4),
    target_seq  bigint,
    reason      text NOT NULL DEFAULT '',
    PRIMARY KEY (loan_id, seq)
);

CREATE TABLE requests (
    request_id   text PRIMARY KEY,
    method       text NOT NULL,
    request_hash text NOT NULL,
    loan_id      text NOT NULL REFERENCES loans (loan_id),
    seq          bigint NOT NULL,
    recorded_at  timestamptz NOT NULL
);
