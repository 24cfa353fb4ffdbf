package postgres

import (
	"context"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/store"
)

// This file implements store.CloseOfBusiness's PrunePositions.

// partitionPrefix is the name of a date's partition of loan_positions
// before its date's digits (partitionName).
const partitionPrefix = "loan_positions_p"

// partitionName is the name of date d's partition of loan_positions,
// loan_positions_pYYYYMMDD: a date's text is digits and dashes, so
// nothing to quote.
func partitionName(d engine.Date) string {
	return partitionPrefix + strings.ReplaceAll(d.String(), "-", "")
}

// keptBaseSQL is the earliest base of the carried positions of the first
// date on or after $1 that has any (NULL when none has). A carried
// position is carried from the day before's, so a loan carried on a date
// on or after $1 from a base before it is carried on that first date
// too, from the same base: that date's pages name every base before $1
// that a kept carried position reads.
const keptBaseSQL = `SELECT to_char(min(u.base), 'YYYY-MM-DD') FROM carried_positions c CROSS JOIN LATERAL unnest(c.base_dates) AS u(base)
	WHERE c.as_of = (SELECT min(as_of) FROM carried_positions WHERE as_of >= $1::date)`

// partitionsSQL names loan_positions' partitions.
const partitionsSQL = `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
	WHERE i.inhparent = 'loan_positions'::regclass`

// PrunePositions implements store.CloseOfBusiness: the dates before the
// first kept are dropped whole, each its partition (DROP TABLE, no dead
// rows left) and its carried pages, with the prune's record, in one
// transaction, so a reader sees the record whenever a date is gone. A
// drop locks loan_positions whole, after any reader of it (a page of
// close of business, a collection list), and every reader that comes
// after waits in the lock's queue behind the drop: so the prune waits
// no more than pruneLockTimeout and then fails, to be run again by the
// next close, rather than stall the readers behind it.
func (s *Store) PrunePositions(ctx context.Context, p store.PrunePositionsParams) (store.PruneResult, error) {
	r := store.PruneResult{KeptFrom: p.Before}
	var dropped []engine.Date
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SET LOCAL lock_timeout = '"+pruneLockTimeout+"'"); err != nil {
			return err
		}
		var err error
		if r.KeptFrom, dropped, err = datesToDrop(ctx, tx, p.Before); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM carried_positions WHERE as_of < $1::date`, r.KeptFrom.String())
		if err != nil || len(dropped) == 0 && tag.RowsAffected() == 0 {
			return err
		}
		for _, d := range dropped {
			if _, err := tx.Exec(ctx, "DROP TABLE "+partitionName(d)); err != nil {
				return err
			}
		}
		_, err = tx.Exec(ctx, `INSERT INTO position_prunes (kept_from, pruned_at, dates) VALUES ($1::date, now(), $2)
			ON CONFLICT (kept_from) DO NOTHING`, r.KeptFrom.String(), len(dropped))
		return err
	})
	if err != nil {
		return store.PruneResult{}, mapError(err)
	}
	for _, d := range dropped {
		s.partitions.Delete(d)
	}
	r.DatesDropped = len(dropped)
	return r, nil
}

// datesToDrop returns the first date a prune before before keeps
// (keptFrom) and the dates of the partitions it drops, the oldest
// prunePartitionsMax at most: a drop holds its partition's locks (the
// table's and its indexes') to the commit, and a book that turns
// retention on after years of dates would need more than the lock table
// holds (max_locks_per_transaction). The rest go at the next prunes.
func datesToDrop(ctx context.Context, tx pgx.Tx, before engine.Date) (keptFrom engine.Date, dropped []engine.Date, err error) {
	if keptFrom, err = keptFromBases(ctx, tx, before); err != nil {
		return keptFrom, nil, err
	}
	if dropped, err = partitionsBefore(ctx, tx, keptFrom); err != nil || len(dropped) <= prunePartitionsMax {
		return keptFrom, dropped, err
	}
	// Keep from the first partition beyond the most, and whatever base
	// its carried pages name: fewer partitions still.
	if keptFrom, err = keptFromBases(ctx, tx, dropped[prunePartitionsMax]); err != nil {
		return keptFrom, nil, err
	}
	dropped, err = partitionsBefore(ctx, tx, keptFrom)
	return keptFrom, dropped, err
}

// prunePartitionsMax is the most partitions one prune drops.
const prunePartitionsMax = 100

// keptFromBases is the first date kept when d is the first asked: d, or
// the earliest base of d's carried pages (keptBaseSQL) when earlier.
func keptFromBases(ctx context.Context, tx pgx.Tx, d engine.Date) (engine.Date, error) {
	var base *string
	if err := tx.QueryRow(ctx, keptBaseSQL, d.String()).Scan(&base); err != nil || base == nil {
		return d, err
	}
	b, err := engine.ParseDate(*base)
	if err != nil {
		return d, err
	}
	return min(b, d), nil
}

// pruneLockTimeout is how long PrunePositions waits for a lock, and so
// the longest a reader of positions waits behind it.
const pruneLockTimeout = "1s"

// partitionsBefore returns the dates before d that have a partition of
// loan_positions, oldest first.
func partitionsBefore(ctx context.Context, tx pgx.Tx, d engine.Date) ([]engine.Date, error) {
	rows, err := tx.Query(ctx, partitionsSQL)
	if err != nil {
		return nil, err
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	var dates []engine.Date
	for _, name := range names {
		digits, ok := strings.CutPrefix(name, partitionPrefix)
		if !ok || len(digits) != 8 {
			continue
		}
		pd, err := engine.ParseDate(digits[:4] + "-" + digits[4:6] + "-" + digits[6:])
		if err == nil && pd < d {
			dates = append(dates, pd)
		}
	}
	slices.Sort(dates)
	return dates, nil
}
