-- Notices close of business emits for a business date: reminders before a
-- due date, the first day overdue, a change of delinquency bucket, and the
-- pre-notice that must precede reporting a borrower as overdue to a
-- credit bureau. The id is stable (loan, kind, date, installment), so a
-- date closed again, or a sender that asks twice, never sees a notice
-- twice. The position remembers its bucket for the next date's comparison.
CREATE TABLE due_notices (
    notice_id          text PRIMARY KEY,
    notice_date        date NOT NULL,
    loan_id            text NOT NULL,
    kind               text NOT NULL,
    installment_number integer NOT NULL,
    due_date           date,
    amount             numeric(38, 4) NOT NULL,
    days_past_due      integer NOT NULL,
    bucket             smallint NOT NULL
);
CREATE INDEX due_notices_date_idx ON due_notices (notice_date, notice_id);
