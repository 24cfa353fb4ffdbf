-- Close of business (as in the PostgreSQL store): one record per business date run, the accrual
-- journal (what each date added to each loan's penalty and compound
-- interest charged, written once: the key makes a second write of a day a
-- no-op; a backdated change to earlier days shows in the next line, so the
-- lines of a loan always sum to what it has been charged), and each
-- active loan's position as of the last closed date, which the collection
-- queries read. All of it is derived from the loan logs.
CREATE TABLE cob_runs (
    business_date TEXT PRIMARY KEY,
    status        TEXT NOT NULL,
    loans_total   INTEGER NOT NULL,
    loans_done    INTEGER NOT NULL,
    failures      INTEGER NOT NULL,
    started_at    TEXT NOT NULL,
    finished_at   TEXT
) STRICT;

CREATE TABLE loan_accruals (
    business_date TEXT NOT NULL,
    loan_id       TEXT NOT NULL,
    penalty       TEXT NOT NULL,
    compound      TEXT NOT NULL,
    PRIMARY KEY (business_date, loan_id)
) STRICT;

CREATE TABLE loan_positions (
    loan_id       TEXT PRIMARY KEY,
    as_of         TEXT NOT NULL,
    status        TEXT NOT NULL,
    days_past_due INTEGER NOT NULL,
    bucket        INTEGER NOT NULL,
    risk_class    INTEGER NOT NULL,
    principal     TEXT NOT NULL,
    interest      TEXT NOT NULL,
    penalty       TEXT NOT NULL,
    compound      TEXT NOT NULL,
    -- All penalty and compound interest charged to as_of, paid, waived or
    -- not: the next date's journal line is what this grew by.
    penalty_charged  TEXT NOT NULL,
    compound_charged TEXT NOT NULL
) STRICT;
CREATE INDEX loan_positions_delinquent_idx ON loan_positions (as_of, loan_id) WHERE days_past_due > 0;
