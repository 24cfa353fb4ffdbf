-- A position carries the fold it was made from (issue 21): the loan's
-- version when it was folded, and the fold's state as of the position's
-- date in the engine's snapshot form, or NULL when the next date may not
-- step it on. Close of business steps a loan whose version has not moved
-- since its previous date on from that state instead of replaying its
-- log. Positions written before have no state.
ALTER TABLE loan_positions ADD COLUMN loan_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE loan_positions ADD COLUMN state BLOB;
