-- Identifiers compare byte by byte. Keyset pages (ListLoans,
-- ListAgreements, close of business, due notices) then come in one order
-- whatever the database's default collation, the same order as the SQLite
-- store's; and the indexes on them cannot be invalidated by an operating
-- system update that changes a locale's collation rules, as glibc 2.28
-- did. Byte comparisons are also the cheapest. Changing a column's
-- collation rebuilds its indexes (not the table), under an exclusive lock:
-- on a large existing database, run `loand migrate` in a quiet window.
ALTER TABLE loans
    ALTER COLUMN loan_id TYPE text COLLATE "C",
    ALTER COLUMN borrower_id TYPE text COLLATE "C";
ALTER TABLE loan_events
    ALTER COLUMN loan_id TYPE text COLLATE "C",
    ALTER COLUMN request_id TYPE text COLLATE "C";
ALTER TABLE loan_snapshots ALTER COLUMN loan_id TYPE text COLLATE "C";
ALTER TABLE loan_accruals ALTER COLUMN loan_id TYPE text COLLATE "C";
ALTER TABLE loan_positions ALTER COLUMN loan_id TYPE text COLLATE "C";
ALTER TABLE due_notices
    ALTER COLUMN notice_id TYPE text COLLATE "C",
    ALTER COLUMN loan_id TYPE text COLLATE "C";
ALTER TABLE agreements
    ALTER COLUMN agreement_id TYPE text COLLATE "C",
    ALTER COLUMN loan_id TYPE text COLLATE "C";
