-- Restructuring agreements live in their loan's log (the AGREEMENT_*
-- events); this is a projection of them for lookups by agreement id and
-- listings by status across loans. It is written in the transaction that
-- appends the event that changes an agreement, so it never disagrees with
-- the log about which loan holds an agreement; statuses that change with
-- time alone (EXPIRED, COMPLETED) are worked out from the log when read.
CREATE TABLE agreements (
    agreement_id text PRIMARY KEY,
    loan_id      text NOT NULL,
    status       text NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX agreements_loan_idx ON agreements (loan_id, agreement_id);
CREATE INDEX agreements_status_idx ON agreements (status, agreement_id);
