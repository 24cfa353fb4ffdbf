-- A position carries the fold it was made from (issue 21): the loan's
-- version (its last event's seq) when it was folded, and the fold's state
-- as of the position's date in the engine's snapshot form, or NULL when
-- the next date may not step it on (an event dated after the date, or a
-- state with no snapshot). Close of business steps a loan whose version
-- has not moved since its previous date on from that state, one day of
-- accrual, instead of reading and replaying its whole log. Positions
-- written before have no state: their loans are replayed once more.
ALTER TABLE loan_positions ADD COLUMN loan_version bigint NOT NULL DEFAULT 0, ADD COLUMN state bytea;
