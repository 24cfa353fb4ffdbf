package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Appends that arrive while others are being written go to PostgreSQL
// together (group.go): one statement, one round trip and one commit for
// all of them (group commit). A repayment spends most of its time
// waiting on its append, so under load several wait at once.
//
// A group writes what each of its appends would have written alone, or
// nothing of it: a row whose condition fails (the loan not at the
// version, the fence refused) or that conflicts (a second event at the
// seq, a request id used before) is skipped (ON CONFLICT DO NOTHING), and
// its caller then writes it alone, which finds the same answer and
// reports it as it always has. So the group changes no outcome, only how
// many statements reach the database.

// Bounds of the group append.
const (
	// maxGroupRows is the most appends one statement carries.
	maxGroupRows = 64
	// groupTimeout bounds a group's statement. It runs without its
	// callers' cancellation: one caller giving up must not fail the
	// others' writes.
	groupTimeout = 10 * time.Second
)

// groupAppendSQL is appendStatement for many events: the arrays hold one
// element per event, the fence last. The previous event and the fence
// are tested per row; a row that fails them or conflicts is not written,
// and RETURNING names those that were by their loans (a group holds one
// append a loan).
//
// pgx prepares the statement once per connection, and after five runs
// PostgreSQL either plans it anew at every run (a custom plan, which sees
// the arguments) or keeps one generic plan until the tables' statistics
// change. Two things keep the generic plan, planned once, and sound:
//   - The arrays are unnested from a MATERIALIZED CTE, so no plan knows
//     their lengths: every plan then costs the same, and PostgreSQL keeps
//     the generic one. Unnested from the parameters, each custom plan saw
//     a group of a few rows, cheaper than the generic plan's guess of ten,
//     and PostgreSQL planned every group anew: 0.32 ms of planning a
//     group, more than its run (TestGroupAppendPlannedOnce).
//   - The previous event is probed row by row (a LATERAL subquery with a
//     LIMIT, which the planner cannot turn into a join), not with EXISTS.
//     Planned while loan_events was small and never analyzed (a new
//     database), EXISTS became a hash join over a sequential scan of the
//     whole log, kept as the log grew: in a cold make bench-payments a
//     group went from 0.26 to 5 ms and the rate fell by half within a
//     minute (TestGroupAppendProbesByIndex).
const groupAppendSQL = `WITH a AS MATERIALIZED (SELECT $1::text[] AS loan_ids, $2::bigint[] AS seqs, $3::text[] AS kinds,
		$4::text[] AS value_dates, $5::timestamptz[] AS recorded_ats, $6::text[] AS request_ids, $7::text[] AS actors,
		$8::text[] AS amounts, $9::bigint[] AS target_seqs, $10::text[] AS reasons, $11::text[] AS methods,
		$12::text[] AS request_hashes, $13::text[] AS payloads, $14::text[] AS on_behalf_ofs, $15::bigint[] AS fences)
	INSERT INTO loan_events
	(loan_id, seq, kind, value_date, recorded_at, request_id, actor, amount, target_seq, reason, method, request_hash, payload, on_behalf_of)
	SELECT v.loan_id, v.seq, v.kind, v.value_date::date, v.recorded_at, v.request_id, v.actor, v.amount::numeric, v.target_seq,
		v.reason, v.method, v.request_hash, v.payload::jsonb, v.on_behalf_of
	FROM a CROSS JOIN LATERAL unnest(a.loan_ids, a.seqs, a.kinds, a.value_dates, a.recorded_ats, a.request_ids, a.actors, a.amounts,
		a.target_seqs, a.reasons, a.methods, a.request_hashes, a.payloads, a.on_behalf_ofs, a.fences)
		AS v(loan_id, seq, kind, value_date, recorded_at, request_id, actor, amount, target_seq, reason, method, request_hash, payload,
			on_behalf_of, fence)
	CROSS JOIN LATERAL (SELECT 1 FROM loan_events p WHERE p.loan_id = v.loan_id AND p.seq = v.seq - 1 LIMIT 1) AS previous
	WHERE loancore_member(v.fence)
	ON CONFLICT DO NOTHING
	RETURNING loan_id`

// appendResult is the outcome of one append in a group. decided is
// whether it is final: the append was written, or it went alone
// (appendSQL's own result, as without groups). Otherwise the caller
// writes it alone to learn why the group did not.
type appendResult struct {
	written, decided bool
	err              error
}

// newAppendGroup is the group of a pool's plain appends: each call is
// appendSQL's arguments, the fence last; one a loan in a group, since
// RETURNING names the rows written by their loans (two appends of one
// loan, racing for one seq, could not be told apart).
func newAppendGroup(pool *pgxpool.Pool) *group[[]any, appendResult] {
	return &group[[]any, appendResult]{
		most:  maxGroupRows,
		apart: func(args []any) any { return args[0] },
		run:   func(ctx context.Context, calls [][]any) []appendResult { return writeAppends(ctx, pool, calls) },
	}
}

// writeAppends writes a group: a lone append with appendSQL (its result
// is final, as without groups), more with groupAppendSQL. It reports
// what it wrote, index by index; on an error nothing, and each caller
// then writes alone and meets the error, or not, itself.
func writeAppends(ctx context.Context, pool *pgxpool.Pool, group [][]any) []appendResult {
	out := make([]appendResult, len(group))
	if len(group) == 1 {
		written, err := execAppend(ctx, pool, appendSQL, group[0])
		out[0] = appendResult{written: written, decided: true, err: err}
		return out
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), groupTimeout)
	defer cancel()
	rows, err := pool.Query(ctx, groupAppendSQL, groupColumns(group)...)
	if err != nil {
		return out
	}
	var loanID string
	_, err = pgx.ForEachRow(rows, []any{&loanID}, func() error {
		for i, args := range group {
			if args[0] == loanID {
				out[i] = appendResult{written: true, decided: true}
				break
			}
		}
		return nil
	})
	if err != nil {
		clear(out)
	}
	return out
}

// execAppend runs one append's statement: whether it wrote the event.
func execAppend(ctx context.Context, pool *pgxpool.Pool, sql string, args []any) (bool, error) {
	tag, err := pool.Exec(ctx, sql, args...)
	return err == nil && tag.RowsAffected() == 1, err
}

// groupColumns turns the group's appendSQL arguments (eventArgs and the
// fence) into groupAppendSQL's arrays, column by column: text and
// bigints as pointers, nil for NULL.
func groupColumns(group [][]any) []any {
	cols := make([]any, len(group[0]))
	for c := range cols {
		switch c {
		case 4: // recorded_at
			cols[c] = column(group, c, func(v any) time.Time { return v.(time.Time) })
		case 1, 8, 14: // seq, target_seq, the fence
			cols[c] = column(group, c, func(v any) *int64 {
				if n, ok := v.(int64); ok {
					return &n
				}
				return nil
			})
		default:
			cols[c] = column(group, c, func(v any) *string {
				if s, ok := v.(string); ok {
					return &s
				}
				return nil
			})
		}
	}
	return cols
}

// column is argument c of every append of the group, converted.
func column[T any](group [][]any, c int, conv func(any) T) []T {
	out := make([]T, len(group))
	for i, args := range group {
		out[i] = conv(args[c])
	}
	return out
}
