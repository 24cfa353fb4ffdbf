package postgres

import (
	"cmp"
	"context"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/loancore/loancore/internal/money"
	"github.com/loancore/loancore/internal/store"
)

// journalLine is a folded loan's journal line of the date SavePositions
// writes, its amounts in the loan's currency.
type journalLine struct {
	loanID string
	a      store.Accrual
	c      money.Currency
}

// batchMax is the most lines an accrual_batches row holds (its CHECK).
const batchMax = 500

// writeJournal appends a batch's journal lines to accrual_batches
// (migration 26), as the carry does: a row for up to batchMax lines, in
// loan id order, which the sequencer feeds as one span without reading
// it. The caller passes only the lines of the positions it inserted:
// a date's position of a loan is written once (loan_positions' key), so
// its line is too, with no key of the journal's own to refuse a second
// (the batch written again, or a date run by two processes at once). A
// loan twice in lines (positions of two dates in one write, which the
// journal keys by the write's date) keeps its first line, as the key of
// loan_accruals, which held a line a row, did. Across writes only the
// positions' key guards: a write of positions of a date other than its
// own, which close of business never makes, could journal a loan's line
// of its date twice.
func writeJournal(ctx context.Context, tx pgx.Tx, p store.SavePositionsParams, lines []journalLine) error {
	slices.SortStableFunc(lines, func(x, y journalLine) int { return cmp.Compare(x.loanID, y.loanID) })
	lines = slices.CompactFunc(lines, func(x, y journalLine) bool { return x.loanID == y.loanID })
	b := &pgx.Batch{}
	for chunk := range slices.Chunk(lines, batchMax) {
		ids := make([]string, len(chunk))
		penalties, compounds := make([]pgAmount, len(chunk)), make([]pgAmount, len(chunk))
		var fees []pgAmount // NULL unless a line charges a fee
		if slices.ContainsFunc(chunk, func(l journalLine) bool { return l.a.Fees != 0 }) {
			fees = make([]pgAmount, len(chunk))
		}
		for i, l := range chunk {
			ids[i], penalties[i], compounds[i] = l.loanID, numeric(l.a.Penalty, l.c), numeric(l.a.Compound, l.c)
			if fees != nil {
				fees[i] = numeric(l.a.Fees, l.c)
			}
		}
		b.Queue(`INSERT INTO accrual_batches (business_date, first_loan_id, last_loan_id, loan_ids, penalties, compounds, fees, recorded_at)
			VALUES ($1::date, $2, $3, $4::text[], $5::numeric[], $6::numeric[], $7::numeric[], $8)`,
			pgDate(p.BusinessDate), ids[0], ids[len(ids)-1], ids, penalties, compounds, fees, p.RecordedAt)
	}
	if b.Len() == 0 {
		return nil
	}
	return tx.SendBatch(ctx, b).Close()
}
