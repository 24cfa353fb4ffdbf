-- Credit lines (as in the PostgreSQL store): a line's row and its
-- append-only log. The primary key (credit_line_id, seq) is the line's
-- optimistic lock; a drawdown writes the line's DRAWDOWN event and its
-- loan in one transaction. A request is recorded on the line event that
-- answers it; a drawdown's on its loan's event.
CREATE TABLE credit_lines (
    credit_line_id TEXT PRIMARY KEY,
    borrower_id    TEXT NOT NULL,
    currency       TEXT NOT NULL,
    revolving      INTEGER NOT NULL,
    expires_on     TEXT,
    terms          TEXT NOT NULL,
    status         TEXT NOT NULL,
    created_at     TEXT NOT NULL
) STRICT;
CREATE INDEX credit_lines_borrower_idx ON credit_lines (borrower_id, credit_line_id);

CREATE TABLE credit_line_events (
    credit_line_id TEXT NOT NULL,
    seq            INTEGER NOT NULL,
    kind           TEXT NOT NULL,
    value_date     TEXT NOT NULL,
    recorded_at    TEXT NOT NULL,
    request_id     TEXT NOT NULL,
    actor          TEXT NOT NULL,
    on_behalf_of   TEXT NOT NULL DEFAULT '',
    amount         TEXT,
    loan_id        TEXT,
    reason         TEXT NOT NULL DEFAULT '',
    method         TEXT,
    request_hash   TEXT,
    PRIMARY KEY (credit_line_id, seq),
    CHECK ((method IS NULL) = (request_hash IS NULL))
) STRICT;
CREATE UNIQUE INDEX credit_line_events_request_idx ON credit_line_events (request_id) WHERE request_hash IS NOT NULL;
-- A loan is drawn under one line, once; a line's later events may name
-- it again (a reversal on it).
CREATE UNIQUE INDEX credit_line_events_loan_idx ON credit_line_events (loan_id) WHERE kind = 'DRAWDOWN';
