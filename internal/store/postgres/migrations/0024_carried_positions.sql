-- The positions close of business carries on in the store
-- (CarryPositions, issue 21) are kept as pages, as their journal lines
-- are (migration 22): a row for up to 500 carried positions of one date,
-- in loan id order, what each differs in kept in arrays. A row a carried
-- position (a heap tuple and two index entries) cost the carry about
-- what a plain UPDATE of the row costs, most of a steady date's close.
--
-- A carried position of a loan is its base position, a row of
-- loan_positions at base_dates[i] (the last date the loan was folded),
-- one day on for each day since: days past due and the daily amounts
-- are kept here, the rest (status, principal, interest, the charged and
-- outstanding totals, the state) is the base's, with the daily penalty
-- and compound added once a day since (store.SteadyRun.Next). Readers
-- take a loan's position of a date from its row there, else from its
-- element here. A date's position of a loan is still written once: the
-- close writes a date's rows and pages under the run's fence (runner
-- below) and skips the loans with either.
CREATE TABLE carried_positions (
    as_of             date NOT NULL,
    first_loan_id     text COLLATE "C" NOT NULL,
    last_loan_id      text COLLATE "C" NOT NULL,
    steady_policy     bigint NOT NULL,
    loan_ids          text[] COLLATE "C" NOT NULL,
    base_dates        date[] NOT NULL,
    days_past_due     integer[] NOT NULL,
    buckets           smallint[] NOT NULL,
    risk_classes      smallint[] NOT NULL,
    loan_versions     bigint[] NOT NULL,
    steady_through    date[] NOT NULL,
    penalties_per_day numeric(38, 4)[] NOT NULL,
    compounds_per_day numeric(38, 4)[] NOT NULL,
    PRIMARY KEY (as_of, first_loan_id),
    CHECK (cardinality(loan_ids) BETWEEN 1 AND 500 AND cardinality(base_dates) = cardinality(loan_ids)
        AND cardinality(days_past_due) = cardinality(loan_ids) AND cardinality(buckets) = cardinality(loan_ids)
        AND cardinality(risk_classes) = cardinality(loan_ids) AND cardinality(loan_versions) = cardinality(loan_ids)
        AND cardinality(steady_through) = cardinality(loan_ids) AND cardinality(penalties_per_day) = cardinality(loan_ids)
        AND cardinality(compounds_per_day) = cardinality(loan_ids))
);

-- The run of a date that writes its positions now: each run of a date
-- takes it over when it starts (store.CloseOfBusiness.TakeCOBRun), after
-- the writes of the one before have ended, and each page a run writes
-- first checks, under a key-share lock of the run's row, that it is
-- still the date's runner. Two processes closing one date at once so
-- never write a loan's position twice, which the primary key guaranteed
-- for rows but cannot for the elements of carried_positions.
ALTER TABLE cob_runs ADD COLUMN runner text;
-- The runner is a key column (a column of a unique index), so taking a
-- date over is a key update: a key-share lock taken after it, by a write
-- of the runner before that began earlier, finds the row updated and
-- reads the new runner; after a non-key update it would lock the old
-- row and write on.
CREATE UNIQUE INDEX cob_runs_runner_idx ON cob_runs (business_date, runner);
