-- Notices close of business emits for a business date (as in the
-- PostgreSQL store): reminders before a due date, the first day overdue, a
-- change of delinquency bucket, and the pre-notice that must precede
-- reporting a borrower as overdue to a credit bureau. The id is stable, so
-- no notice is ever written twice.
CREATE TABLE due_notices (
    notice_id          TEXT PRIMARY KEY,
    notice_date        TEXT NOT NULL,
    loan_id            TEXT NOT NULL,
    kind               TEXT NOT NULL,
    installment_number INTEGER NOT NULL,
    due_date           TEXT,
    amount             TEXT NOT NULL,
    days_past_due      INTEGER NOT NULL,
    bucket             INTEGER NOT NULL
) STRICT;
CREATE INDEX due_notices_date_idx ON due_notices (notice_date, notice_id);
