-- A request is recorded on the event that answers it (as in the
-- PostgreSQL store): the event's primary key (loan_id, seq) is the
-- optimistic lock and the unique request id makes retries safe. Replaces
-- the requests table and loans.version (a loan's version is the seq of its
-- last event); loans.status is written only when it changes.
ALTER TABLE loan_events ADD COLUMN method TEXT;
ALTER TABLE loan_events ADD COLUMN request_hash TEXT;
UPDATE loan_events SET method = r.method, request_hash = r.request_hash
FROM requests r WHERE r.loan_id = loan_events.loan_id AND r.seq = loan_events.seq;
CREATE UNIQUE INDEX loan_events_request_idx ON loan_events (request_id) WHERE request_hash IS NOT NULL;
DROP TABLE requests;
ALTER TABLE loans DROP COLUMN version;
