-- The journal lines of the loans close of business carries on in the
-- store (CarryPositions, issue 21) are kept as batches: a row for up to
-- 500 lines of one carry statement, the loans' ids and daily amounts in
-- arrays, in loan id order. A line a row (heap tuple, primary key and
-- xid index entries) cost the carry about a fifth of its PostgreSQL
-- time, and the sequencer read every line back to count it into spans;
-- a batch is written once and fed as one span. The journal is still one
-- line per (business date, loan): a carried loan's line is in a batch
-- and nowhere else, since the carry writes lines only for the positions
-- it inserted, and a date's position of a loan is written once. Lines
-- of folded loans stay in loan_accruals. A carried line has no late fee.
CREATE TABLE accrual_batches (
    business_date date NOT NULL,
    first_loan_id text COLLATE "C" NOT NULL,
    last_loan_id  text COLLATE "C" NOT NULL,
    loan_ids      text[] COLLATE "C" NOT NULL,
    penalties     numeric(38, 4)[] NOT NULL,
    compounds     numeric(38, 4)[] NOT NULL,
    recorded_at   timestamptz NOT NULL,
    xid           xid8 NOT NULL DEFAULT pg_current_xact_id(),
    PRIMARY KEY (business_date, first_loan_id),
    CHECK (cardinality(loan_ids) BETWEEN 1 AND 500 AND cardinality(penalties) = cardinality(loan_ids)
        AND cardinality(compounds) = cardinality(loan_ids))
);

-- The sequencer reads a pass's batches by xid, as the other sources.
CREATE INDEX accrual_batches_xid_idx ON accrual_batches (xid, first_loan_id);

-- A loan's lines (AccrualTotal, a feed read by loan) are in the batches
-- whose range of ids holds it: a range of text in byte order, as the ids
-- compare.
CREATE TYPE loan_id_range AS RANGE (subtype = text, collation = "C");
CREATE INDEX accrual_batches_range_idx ON accrual_batches USING gist (loan_id_range(first_loan_id, last_loan_id, '[]'));

-- A feed row that stands for a batch's lines (its business date and
-- first loan name it, its span is the batch's size) says so; adding a
-- column with a constant default rewrites nothing.
ALTER TABLE event_feed ADD COLUMN batched boolean NOT NULL DEFAULT false;
CREATE INDEX event_feed_batch_idx ON event_feed (position) WHERE batched;
