-- Credit lines (授信额度): a line's row and its append-only log, as a
-- loan's. The primary key (credit_line_id, seq) is the line's optimistic
-- lock: a drawdown inserts the line's DRAWDOWN event at the seq after the
-- version it was decided from, in the transaction that books the loan, so
-- of two concurrent drawdowns decided from one version the second collides
-- and books nothing. A request is recorded on the line event that answers
-- it (method, request_hash), as on loan events; a drawdown's is recorded
-- on its loan's event, and its line event names the loan.
CREATE TABLE credit_lines (
    credit_line_id text COLLATE "C" PRIMARY KEY,
    borrower_id    text COLLATE "C" NOT NULL,
    currency       text NOT NULL,
    revolving      boolean NOT NULL,
    expires_on     date,
    -- The drawdown template and its bounds; never changed.
    terms          jsonb NOT NULL,
    -- ACTIVE, FROZEN or CLOSED as of the last event: for listings only.
    status         text NOT NULL,
    created_at     timestamptz NOT NULL
);
CREATE INDEX credit_lines_borrower_idx ON credit_lines (borrower_id, credit_line_id);

CREATE TABLE credit_line_events (
    credit_line_id text COLLATE "C" NOT NULL,
    seq            bigint NOT NULL,
    kind           text NOT NULL,
    value_date     date NOT NULL,
    recorded_at    timestamptz NOT NULL,
    request_id     text COLLATE "C" NOT NULL,
    actor          text NOT NULL,
    on_behalf_of   text NOT NULL DEFAULT '',
    amount         numeric(38, 4),
    loan_id        text COLLATE "C",
    reason         text NOT NULL DEFAULT '',
    method         text,
    request_hash   text,
    PRIMARY KEY (credit_line_id, seq),
    CONSTRAINT credit_line_events_request_check CHECK ((method IS NULL) = (request_hash IS NULL))
);
CREATE UNIQUE INDEX credit_line_events_request_idx ON credit_line_events (request_id) WHERE request_hash IS NOT NULL;
-- A loan is drawn under one line, once; a line's later events may name
-- it again (a reversal on it).
CREATE UNIQUE INDEX credit_line_events_loan_idx ON credit_line_events (loan_id) WHERE kind = 'DRAWDOWN';
