package postgres

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Appends that arrive while others are being written go to PostgreSQL
// together: one statement, one round trip and one commit for all of them
// (group commit). On this machine a write's cost to PostgreSQL follows
// its round trips and commits more than its rows (docs/benchmarks.md,
// "The cold path"), and a repayment spends most of its time waiting on
// its append, so under load several wait at once. An append that finds
// no group being written is written at once, as before: one caller alone
// waits for nobody.
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
	// maxGroupsInFlight is how many groups may be written at once. One:
	// while a group is written, every append that arrives waits for the
	// next, so under load the groups grow instead of the statements
	// multiplying. make bench-ab, warm repayments at 8 clients: with two
	// in flight, 1.08× main's rate and PostgreSQL's CPU 0.79× a
	// repayment; with one, 1.31× and 0.53× (docs/benchmarks.md).
	maxGroupsInFlight = 1
	// maxGroupRows is the most appends one statement carries.
	maxGroupRows = 64
	// groupTimeout bounds a group's statement. It runs without its
	// callers' cancellation: one caller giving up must not fail the
	// others' writes.
	groupTimeout = 10 * time.Second
)

// groupAppendSQL is appendStatement for many events: the arrays hold one
// element per event, the fence last. The EXISTS and the fence are tested
// per row; a row that fails them or conflicts is not written, and
// RETURNING names those that were.
const groupAppendSQL = `INSERT INTO loan_events
	(loan_id, seq, kind, value_date, recorded_at, request_id, actor, amount, target_seq, reason, method, request_hash, payload, on_behalf_of)
	SELECT v.loan_id, v.seq, v.kind, v.value_date::date, v.recorded_at, v.request_id, v.actor, v.amount::numeric, v.target_seq,
		v.reason, v.method, v.request_hash, v.payload::jsonb, v.on_behalf_of
	FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::timestamptz[], $6::text[], $7::text[], $8::text[],
		$9::bigint[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::bigint[])
		AS v(loan_id, seq, kind, value_date, recorded_at, request_id, actor, amount, target_seq, reason, method, request_hash, payload,
			on_behalf_of, fence)
	WHERE EXISTS (SELECT 1 FROM loan_events p WHERE p.loan_id = v.loan_id AND p.seq = v.seq - 1) AND loancore_member(v.fence)
	ON CONFLICT DO NOTHING
	RETURNING loan_id, seq`

// appendGroup gathers the appends that wait while groups are written.
type appendGroup struct {
	pool *pgxpool.Pool
	mu   sync.Mutex
	// writing is how many groups are being written or gathered: the
	// leads out.
	writing int
	// queue is the appends waiting for a group.
	queue []*groupedAppend
	// groups and rows count the statements of more than one append and
	// the appends they carried (tests).
	groups, rows atomic.Int64
}

// groupedAppend is one append in a group: appendSQL's arguments, and
// where its outcome goes.
type groupedAppend struct {
	args []any
	// leading is whether its caller holds a lead, under mu (the caller
	// itself learns it from done): it is never handed a second.
	leading bool
	// done receives the lead (the caller is to write the next group) and
	// then, or instead, the outcome. It holds both, so a send never waits.
	done chan groupOutcome
}

// groupOutcome is what a group did for one of its appends.
type groupOutcome struct {
	lead bool
	appendResult
}

// appendResult is the outcome of one append in a group. decided is
// whether it is final: the append was written, or it went alone
// (appendSQL's own result, as without groups). Otherwise the caller
// writes it alone to learn why the group did not.
type appendResult struct {
	written, decided bool
	err              error
}

// write appends one event (appendSQL's arguments, fence last) in a
// group.
func (g *appendGroup) write(ctx context.Context, args []any) appendResult {
	a := &groupedAppend{args: args, done: make(chan groupOutcome, 2)}
	g.mu.Lock()
	g.queue = append(g.queue, a)
	leading := g.writing < maxGroupsInFlight
	if leading {
		g.writing++
		a.leading = true
	}
	g.mu.Unlock()
	for {
		if leading {
			if r, ok := g.lead(ctx, a); ok {
				return r
			}
		}
		out := <-a.done
		if !out.lead {
			return out.appendResult
		}
		leading = true
	}
}

// lead writes a group of the queue that holds mine, then hands the lead
// on; false if another lead took mine into its group first (the outcome
// then comes on done).
func (g *appendGroup) lead(ctx context.Context, mine *groupedAppend) (appendResult, bool) {
	g.mu.Lock()
	group := g.take(mine)
	if group == nil {
		mine.leading = false
		g.handOn()
		g.mu.Unlock()
		return appendResult{}, false
	}
	g.mu.Unlock()
	done := g.flush(ctx, group)
	g.mu.Lock()
	g.handOn()
	g.mu.Unlock()
	for i, a := range group[1:] {
		a.done <- groupOutcome{appendResult: done[i+1]}
	}
	return done[0], true
}

// handOn gives up a lead: to the first queued append whose caller waits,
// which writes the next group, or back if none does. Called with mu held.
func (g *appendGroup) handOn() {
	for _, a := range g.queue {
		if !a.leading {
			a.leading = true
			a.done <- groupOutcome{lead: true}
			return
		}
	}
	g.writing--
}

// take removes from the queue mine and, from its head, up to
// maxGroupRows-1 appends of other loans, and returns them, mine first;
// nil if mine is no longer queued. A group holds one append a loan, so
// that the event RETURNING names is the append that asked for it; a
// second append to a loan waits for the next group. Called with mu held.
func (g *appendGroup) take(mine *groupedAppend) []*groupedAppend {
	if !slices.Contains(g.queue, mine) {
		return nil
	}
	group := []*groupedAppend{mine}
	loans := map[any]bool{mine.args[0]: true}
	rest := g.queue[:0:0]
	for _, a := range g.queue {
		if a == mine || len(group) == maxGroupRows || loans[a.args[0]] {
			if a != mine {
				rest = append(rest, a)
			}
			continue
		}
		loans[a.args[0]] = true
		group = append(group, a)
	}
	g.queue = rest
	return group
}

// flush writes a group: a lone append with appendSQL (its result is
// final, as without groups), more with groupAppendSQL. It reports what
// it wrote, index by index; on an error nothing, and each caller then
// writes alone and meets the error, or not, itself.
func (g *appendGroup) flush(ctx context.Context, group []*groupedAppend) []appendResult {
	out := make([]appendResult, len(group))
	if len(group) == 1 {
		tag, err := g.pool.Exec(ctx, appendSQL, group[0].args...)
		out[0] = appendResult{written: err == nil && tag.RowsAffected() == 1, decided: true, err: err}
		return out
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), groupTimeout)
	defer cancel()
	g.groups.Add(1)
	g.rows.Add(int64(len(group)))
	rows, err := g.pool.Query(ctx, groupAppendSQL, groupColumns(group)...)
	if err != nil {
		return out
	}
	at := make(map[eventKey]int, len(group))
	for i, a := range group {
		at[eventKey{a.args[0].(string), a.args[1].(int64)}] = i
	}
	var k eventKey
	_, err = pgx.ForEachRow(rows, []any{&k.loanID, &k.seq}, func() error {
		if i, ok := at[k]; ok {
			out[i] = appendResult{written: true, decided: true}
		}
		return nil
	})
	if err != nil {
		clear(out)
	}
	return out
}

// eventKey names an event: its loan and seq.
type eventKey struct {
	loanID string
	seq    int64
}

// groupColumns turns the group's appendSQL arguments (eventArgs and the
// fence) into groupAppendSQL's arrays, column by column: text and
// bigints as pointers, nil for NULL.
func groupColumns(group []*groupedAppend) []any {
	cols := make([]any, len(group[0].args))
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
func column[T any](group []*groupedAppend, c int, conv func(any) T) []T {
	out := make([]T, len(group))
	for i, a := range group {
		out[i] = conv(a.args[c])
	}
	return out
}
