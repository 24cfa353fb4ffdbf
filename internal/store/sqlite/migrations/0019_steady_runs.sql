-- A position says how long its loan stays steady (issue 21): through
-- steady_through, nothing recorded for the loan, each day's position is
-- the day before's with one more day past due (when past due) and
-- penalty_per_day and compound_per_day more outstanding and charged,
-- under the policy steady_policy names. Close of business carries such
-- loans on (CarryPositions) instead of folding them. NULL: no run.
ALTER TABLE loan_positions ADD COLUMN steady_through TEXT;
ALTER TABLE loan_positions ADD COLUMN penalty_per_day TEXT;
ALTER TABLE loan_positions ADD COLUMN compound_per_day TEXT;
ALTER TABLE loan_positions ADD COLUMN steady_policy INTEGER;
