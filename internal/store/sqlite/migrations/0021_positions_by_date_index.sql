-- A date's positions by loan id (issue 21). Close of business carries the
-- day before's positions in pages by loan id; the primary key (loan_id,
-- as_of) read such a page as every kept date's row of each loan after the
-- cursor, and positions are never dropped, so a page grew with the dates
-- kept: two pages of 2,000 of 5,000 loans with a year of dates read in
-- 188-193 ms, 45 ms by this index (BenchmarkCarryPage).
CREATE INDEX loan_positions_date_idx ON loan_positions (as_of, loan_id);
