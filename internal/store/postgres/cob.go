package postgres

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/money"
	"github.com/loancore/loancore/internal/store"
)

// This file implements close of business's write of a batch
// (store.CloseOfBusiness): its positions, journal lines and notices, in
// one transaction.

// SavePositions implements store.CloseOfBusiness: the batch's notices,
// positions and journal lines in one transaction, under the run's fence
// (fence), leaving out the loans carried on to their date already
// (carriedAmong). It spans loans, but writes only data derived from
// their logs, never a loan's record. The positions are appended by COPY
// (cob_positions.go), into the partitions of the batch's dates, which
// the first write of a date creates; the journal lines of those it
// inserted go into accrual_batches (cob_journal.go).
func (s *Store) SavePositions(ctx context.Context, p store.SavePositionsParams) error {
	if len(p.Positions) == 0 {
		return nil
	}
	if err := s.positionPartitions(ctx, p.Positions); err != nil {
		return err
	}
	return mapError(pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := fence(ctx, tx, p.BusinessDate, p.Runner); err != nil {
			return err
		}
		carried, err := carriedAmong(ctx, tx, p.Positions)
		if err != nil {
			return err
		}
		var positions, notices [][]any
		var lines []journalLine
		for _, pos := range p.Positions {
			if carried[positionKey{pos.LoanID, pos.AsOf}] {
				continue
			}
			c, err := currency(pos.Currency)
			if err != nil {
				return fmt.Errorf("postgres: loan %s: %w", pos.LoanID, err)
			}
			positions = append(positions, positionRow(pos, c))
			lines = append(lines, journalLine{loanID: pos.LoanID, a: pos.AccruedToday, c: c})
			for _, n := range pos.Notices {
				notices = append(notices, noticeRow(n, c, p.RecordedAt))
			}
		}
		if err := writeNotices(ctx, tx, notices); err != nil {
			return err
		}
		inserted, err := writePositions(ctx, tx, positions)
		if err != nil {
			return err
		}
		return writeJournal(ctx, tx, p, charging(lines, inserted))
	}))
}

// charging are the lines of the positions inserted (inserted[i] for
// lines[i], or every one when inserted is nil) that charge anything.
func charging(lines []journalLine, inserted []bool) []journalLine {
	out := lines[:0]
	for i, l := range lines {
		if (inserted == nil || inserted[i]) && !l.a.IsZero() {
			out = append(out, l)
		}
	}
	return out
}

// positionKey names a loan's position of a date.
type positionKey struct {
	loanID string
	asOf   engine.Date
}

// carriedAmong are the positions of the batch whose loans were carried on
// to their date already (migration 24): their rows, lines and notices
// are not written, since a date's position of a loan is written once.
// One range of the carried pages of the batch's dates over its ids,
// hash-joined to them (= ANY of the ids was a scan of them an element:
// 12 ms a batch of 500).
func carriedAmong(ctx context.Context, tx pgx.Tx, ps []store.Position) (map[positionKey]bool, error) {
	ids, dates := make([]string, len(ps)), []string{}
	lo, hi := ps[0].LoanID, ps[0].LoanID
	for i, pos := range ps {
		ids[i] = pos.LoanID
		if d := pos.AsOf.String(); !slices.Contains(dates, d) {
			dates = append(dates, d)
		}
		lo, hi = min(lo, pos.LoanID), max(hi, pos.LoanID)
	}
	rows, err := tx.Query(ctx, `SELECT u.loan_id, to_char(c.as_of, 'YYYY-MM-DD')
		FROM carried_positions c CROSS JOIN LATERAL unnest(c.loan_ids) AS u(loan_id)
		JOIN (SELECT DISTINCT unnest($4::text[]) COLLATE "C" AS loan_id) b ON b.loan_id = u.loan_id
		WHERE c.as_of = ANY($1::date[]) AND c.last_loan_id >= $2 AND c.first_loan_id <= $3`,
		dates, lo, hi, ids)
	if err != nil {
		return nil, err
	}
	out := map[positionKey]bool{}
	var id, day string
	_, err = pgx.ForEachRow(rows, []any{&id, &day}, func() error {
		d, err := engine.ParseDate(day)
		out[positionKey{id, d}] = true
		return err
	})
	return out, err
}

// noticeCopyColumns are due_notices' columns COPY writes; xid takes its
// default, the writing transaction, as the journal's does.
var noticeCopyColumns = []string{"notice_id", "notice_date", "loan_id", "kind", "installment_number", "due_date", "amount",
	"days_past_due", "bucket", "recorded_at"}

// noticeRow is a notice as COPY sends it, its amount in the currency c.
func noticeRow(nt store.Notice, c money.Currency, at time.Time) []any {
	var due pgtype.Date
	if nt.DueDate != engine.NoDate {
		due = pgDate(nt.DueDate)
	}
	return []any{nt.ID, pgDate(nt.Date), nt.LoanID, nt.Kind, int32(nt.InstallmentNumber), due, numeric(nt.Amount, c),
		int32(nt.DaysPastDue), int16(nt.Bucket), at}
}

// writeNotices appends a batch's notices with COPY (copyOnce), keeping any
// already there: their ids are stable, so a batch written again writes
// none twice. An INSERT … ON CONFLICT DO NOTHING, which it was, inserts
// each row speculatively and confirms it by a WAL record of its own.
func writeNotices(ctx context.Context, tx pgx.Tx, rows [][]any) error {
	return copyOnce(ctx, tx, "due_notices", noticeCopyColumns, rows, func() error {
		_, err := tx.Exec(ctx, `INSERT INTO due_notices
			(notice_id, notice_date, loan_id, kind, installment_number, due_date, amount, days_past_due, bucket, recorded_at)
			SELECT * FROM unnest($1::text[], $2::date[], $3::text[], $4::text[], $5::int[], $6::date[], $7::numeric[], $8::int[],
				$9::smallint[], $10::timestamptz[])
			ON CONFLICT (notice_id) DO NOTHING`, rowsColumn[string](rows, 0), rowsColumn[pgtype.Date](rows, 1),
			rowsColumn[string](rows, 2), rowsColumn[string](rows, 3), rowsColumn[int32](rows, 4),
			rowsColumn[pgtype.Date](rows, 5), rowsColumn[pgAmount](rows, 6), rowsColumn[int32](rows, 7),
			rowsColumn[int16](rows, 8), rowsColumn[time.Time](rows, 9))
		return err
	})
}
