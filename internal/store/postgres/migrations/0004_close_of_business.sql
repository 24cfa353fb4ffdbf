-- Close of business: one record per business date run, the accrual
-- journal (what each date added to each loan's penalty and compound
-- interest charged, written once: the key makes a second write of a day a
-- no-op; a backdated change to earlier days shows in the next line, so the
-- lines of a loan always sum to what it has been charged), and each
-- active loan's position as of the last closed date, which the collection
-- queries read. All of it is derived from the loan logs.
CREATE TABLE cob_runs (
    business_date date PRIMARY KEY,
    status        text NOT NULL,
    loans_total   bigint NOT NULL,
    loans_done    bigint NOT NULL,
    failures      bigint NOT NULL,
    started_at    timestamptz NOT NULL,
    finished_at   timestamptz
);

CREATE TABLE loan_accruals (
    business_date date NOT NULL,
    loan_id       text NOT NULL,
    penalty       numeric(38, 4) NOT NULL,
    compound      numeric(38, 4) NOT NULL,
    PRIMARY KEY (business_date, loan_id)
);

CREATE TABLE loan_positions (
    loan_id       text PRIMARY KEY,
    as_of         date NOT NULL,
    status        text NOT NULL,
    days_past_due integer NOT NULL,
    bucket        smallint NOT NULL,
    risk_class    smallint NOT NULL,
    principal     numeric(38, 4) NOT NULL,
    interest      numeric(38, 4) NOT NULL,
    penalty       numeric(38, 4) NOT NULL,
    compound      numeric(38, 4) NOT NULL,
    -- All penalty and compound interest charged to as_of, paid, waived or
    -- not: the next date's journal line is what this grew by.
    penalty_charged  numeric(38, 4) NOT NULL,
    compound_charged numeric(38, 4) NOT NULL
);
CREATE INDEX loan_positions_delinquent_idx ON loan_positions (as_of, loan_id) WHERE days_past_due > 0;
