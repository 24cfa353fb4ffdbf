-- Positions per business date, append-only (issue 21). Close of business
-- used to upsert each loan's one position row every date: an UPDATE of
-- every active loan, the costliest write of a run. A date's positions are
-- now rows of their own, written once by COPY, in a partition per
-- business date (loan_positions_pYYYYMMDD, created by the first write of
-- the date), so a date's readers (as_of = the date) read its partition
-- alone and an old date can be dropped whole (DROP TABLE) rather than
-- deleted row by row. A loan's previous position, which close of
-- business reads for what it had charged, is its latest row before the
-- date: one probe of (loan_id, as_of) per partition, newest first. The
-- latest positions of the old table move over, each to its date's
-- partition.
ALTER TABLE loan_positions RENAME TO loan_positions_0016;
ALTER INDEX loan_positions_delinquent_idx RENAME TO loan_positions_0016_delinquent_idx;
CREATE TABLE loan_positions (
    loan_id          text COLLATE "C" NOT NULL,
    as_of            date NOT NULL,
    status           text NOT NULL,
    days_past_due    integer NOT NULL,
    bucket           smallint NOT NULL,
    risk_class       smallint NOT NULL,
    principal        numeric(38, 4) NOT NULL,
    interest         numeric(38, 4) NOT NULL,
    penalty          numeric(38, 4) NOT NULL,
    compound         numeric(38, 4) NOT NULL,
    penalty_charged  numeric(38, 4) NOT NULL,
    compound_charged numeric(38, 4) NOT NULL,
    fees_charged     numeric(38, 4) NOT NULL,
    PRIMARY KEY (loan_id, as_of)
) PARTITION BY RANGE (as_of);
CREATE INDEX loan_positions_delinquent_idx ON loan_positions (as_of, loan_id) WHERE days_past_due > 0;
DO $$
DECLARE d date;
BEGIN
    FOR d IN SELECT DISTINCT as_of FROM loan_positions_0016 LOOP
        EXECUTE format('CREATE TABLE %I PARTITION OF loan_positions FOR VALUES FROM (%L) TO (%L)',
            'loan_positions_p' || to_char(d, 'YYYYMMDD'), d, d + 1);
    END LOOP;
END $$;
INSERT INTO loan_positions (loan_id, as_of, status, days_past_due, bucket, risk_class, principal, interest, penalty, compound,
    penalty_charged, compound_charged, fees_charged)
SELECT loan_id, as_of, status, days_past_due, bucket, risk_class, principal, interest, penalty, compound,
    penalty_charged, compound_charged, fees_charged
FROM loan_positions_0016;
DROP TABLE loan_positions_0016;
