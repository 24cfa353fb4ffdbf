-- The journal lines of the loans close of business folds (SavePositions,
-- issue 21) are kept as batches too, as the carried ones are (migration
-- 22): a row for a write's lines, up to 500, in loan id order. A line a
-- row in loan_accruals cost a folded loan ~6.5 us of COPY and the
-- sequencer ~2 us to read it back and count it into a span; a batch is
-- one row, fed as one span unread. A folded line may charge a late fee,
-- which a carried one never does: fees holds the batch's, NULL when every
-- line's is zero (every carried batch, and a folded batch with no fee).
-- loan_accruals keeps the lines written before, and SQLite a line a row.
ALTER TABLE accrual_batches ADD COLUMN fees numeric(38, 4)[];
ALTER TABLE accrual_batches ADD CONSTRAINT accrual_batches_fees_check
    CHECK (fees IS NULL OR cardinality(fees) = cardinality(loan_ids));
