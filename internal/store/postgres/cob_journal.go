package postgres

import (
	"context"
	"math/big"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/loancore/loancore/internal/money"
	"github.com/loancore/loancore/internal/store"
)

// journalColumns are the accrual journal's columns COPY writes; xid takes
// its default, the writing transaction, as for any other write (the feed
// sequences by it).
var journalColumns = []string{"business_date", "loan_id", "penalty", "compound", "fees", "recorded_at"}

// journalRow is one journal line as COPY sends it: amounts as numeric in
// binary (the minor units and the currency's exponent), so no digit is
// formatted or parsed on the way.
func journalRow(p store.SavePositionsParams, loanID string, a store.Accrual, c money.Currency) []any {
	return []any{pgDate(p.BusinessDate), loanID,
		numeric(a.Penalty, c), numeric(a.Compound, c), numeric(a.Fees, c), p.RecordedAt}
}

// numeric is an amount as PostgreSQL's numeric, exactly.
func numeric(a money.Amount, c money.Currency) pgtype.Numeric {
	return pgtype.Numeric{Int: big.NewInt(int64(a)), Exp: -int32(c.MinorUnits), Valid: true}
}

// writeJournal appends a batch's journal lines with COPY, the cheapest
// way into a table: the journal is append-only, and a line is written
// once. A line already there (the batch written again, or a date run by
// two processes at once) makes COPY fail as a whole; the savepoint takes
// it back and the lines go in by INSERT … ON CONFLICT DO NOTHING, which
// keeps the first line of each (business date, loan), as before.
func writeJournal(ctx context.Context, tx pgx.Tx, rows [][]any) error {
	return copyOnce(ctx, tx, "loan_accruals", journalColumns, rows, func() error {
		_, err := tx.Exec(ctx, `INSERT INTO loan_accruals (business_date, loan_id, penalty, compound, fees, recorded_at)
			SELECT u.d, u.l, u.pe, u.co, u.fe, u.at
			FROM unnest($1::date[], $2::text[], $3::numeric[], $4::numeric[], $5::numeric[], $6::timestamptz[]) AS u(d, l, pe, co, fe, at)
			ON CONFLICT (business_date, loan_id) DO NOTHING`, journalColumn[pgtype.Date](rows, 0), journalColumn[string](rows, 1),
			journalColumn[pgtype.Numeric](rows, 2), journalColumn[pgtype.Numeric](rows, 3), journalColumn[pgtype.Numeric](rows, 4),
			journalColumn[time.Time](rows, 5))
		return err
	})
}

// journalColumn is column i of COPY's rows, for the INSERT.
func journalColumn[T any](rows [][]any, i int) []T {
	out := make([]T, len(rows))
	for r, row := range rows {
		out[r] = row[i].(T)
	}
	return out
}
