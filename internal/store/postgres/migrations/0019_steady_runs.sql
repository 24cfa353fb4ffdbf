-- A position says how long its loan stays steady (issue 21): through
-- steady_through, nothing recorded for the loan, each day's position is
-- the day before's with one more day past due (when past due) and
-- penalty_per_day and compound_per_day more outstanding and charged.
-- Close of business finds the run by folding the days ahead, under the
-- policy steady_policy names, and carries such loans on with one
-- INSERT … SELECT per page instead of reading, folding and writing each
-- (CarryPositions). NULL: no run, the loan is folded every date.
ALTER TABLE loan_positions ADD COLUMN steady_through date, ADD COLUMN penalty_per_day numeric(38, 4),
    ADD COLUMN compound_per_day numeric(38, 4), ADD COLUMN steady_policy bigint;
