package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/money"
	"github.com/loancore/loancore/internal/store"
)

// positionColumns are loan_positions' columns, in the order COPY sends
// them.
var positionColumns = []string{"loan_id", "as_of", "status", "days_past_due", "bucket", "risk_class", "principal", "interest",
	"penalty", "compound", "penalty_charged", "compound_charged", "fees_charged", "loan_version", "state"}

// positionRow is a position as COPY sends it: amounts as binary numerics,
// as the journal's are.
func positionRow(pos store.Position, c money.Currency) []any {
	o, ch := pos.Outstanding, pos.Charged
	return []any{pos.LoanID, pgDate(pos.AsOf), pos.Status, int32(pos.DaysPastDue), int16(pos.Bucket), int16(pos.RiskClass),
		numeric(o.Principal, c), numeric(o.Interest, c), numeric(o.Penalty, c), numeric(o.Compound, c),
		numeric(ch.Penalty, c), numeric(ch.Compound, c), numeric(ch.Fees, c), pos.Version, pos.State}
}

// pgDate is a business date as PostgreSQL's date.
func pgDate(d engine.Date) pgtype.Date {
	y, m, day := d.YMD()
	return pgtype.Date{Time: time.Date(y, time.Month(m), day, 0, 0, 0, 0, time.UTC), Valid: true}
}

// writePositions appends a batch's positions with COPY. A date's position
// of a loan is written once: one already there (the batch written again,
// or a date run by two processes at once) makes COPY fail as a whole, and
// the savepoint takes it back for an INSERT … ON CONFLICT DO NOTHING a
// row, which keeps the first, as the journal does.
func writePositions(ctx context.Context, tx pgx.Tx, rows [][]any) error {
	return copyOnce(ctx, tx, "loan_positions", positionColumns, rows, func() error {
		b := &pgx.Batch{}
		for _, r := range rows {
			b.Queue(`INSERT INTO loan_positions (loan_id, as_of, status, days_past_due, bucket, risk_class, principal, interest, penalty,
				compound, penalty_charged, compound_charged, fees_charged, loan_version, state)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
				ON CONFLICT (loan_id, as_of) DO NOTHING`, r...)
		}
		return tx.SendBatch(ctx, b).Close()
	})
}

// copyOnce appends rows to an append-only table by COPY in a savepoint,
// and when a row's key is there already (COPY fails as a whole) takes
// the savepoint back and calls insert, which must skip such rows.
func copyOnce(ctx context.Context, tx pgx.Tx, table string, columns []string, rows [][]any, insert func() error) error {
	if len(rows) == 0 {
		return nil
	}
	sp, err := tx.Begin(ctx)
	if err != nil {
		return err
	}
	_, err = sp.CopyFrom(ctx, pgx.Identifier{table}, columns, pgx.CopyFromRows(rows))
	if err == nil {
		return sp.Commit(ctx)
	}
	var pg *pgconn.PgError
	if !errors.As(err, &pg) || pg.Code != "23505" {
		return err
	}
	if err := sp.Rollback(ctx); err != nil {
		return err
	}
	return insert()
}

// positionPartitions creates the partitions of the batch's dates that
// this process has not seen yet: loan_positions is partitioned by
// business date (migration 17), and a row of a date with no partition is
// refused. IF NOT EXISTS lets several processes create one, and an
// error saying another created it meanwhile is no error.
func (s *Store) positionPartitions(ctx context.Context, positions []store.Position) error {
	for _, pos := range positions {
		if _, ok := s.partitions.Load(pos.AsOf); ok {
			continue
		}
		// A date's text is digits and dashes: nothing to quote.
		name := "loan_positions_p" + strings.ReplaceAll(pos.AsOf.String(), "-", "")
		_, err := s.pool.Exec(ctx, fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s PARTITION OF loan_positions
			FOR VALUES FROM ('%s') TO ('%s')`, name, pos.AsOf.String(), (pos.AsOf+1).String()))
		var pg *pgconn.PgError
		if err != nil && !(errors.As(err, &pg) && (pg.Code == "42P07" || pg.Code == "23505")) {
			return mapError(err)
		}
		s.partitions.Store(pos.AsOf, true)
	}
	return nil
}
