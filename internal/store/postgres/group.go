package postgres

import (
	"context"
	"sync"
	"sync/atomic"
)

// A group runs the calls that arrive together as one: the appends of
// several repayments in one statement and one commit (appendgroup.go),
// the loads of several loans in one round trip (loadgroup.go). On this
// machine a statement's cost to PostgreSQL follows its round trips and
// commits more than its rows (docs/benchmarks.md, "The cold path"), and
// under load several callers wait on the database at once. A call that
// finds no group being run goes at once, alone: a lone caller waits for
// nobody. One group runs at a time (per kind): while it does, every call
// that arrives waits for the next, so under load the groups grow instead
// of the statements multiplying.

// group gathers calls of type T, answered with R, while a group runs.
type group[T, R any] struct {
	// run runs a group's calls, mine first: their results, index by
	// index. It runs a lone call as it would be without groups. A zero
	// R tells its caller that the group did not decide its call, which
	// the caller then makes alone; so does every call of a group whose
	// run panicked.
	run func(ctx context.Context, calls []T) []R
	// apart, if not nil, keys the calls that may not share a group: a
	// group takes one call of a key, the others wait for the next.
	apart func(T) any
	// most is how many calls a group takes at most.
	most int

	mu sync.Mutex
	// running is whether a group is being taken or run: the lead is out.
	running bool
	queue   []*grouped[T, R]
	// groups and calls count the groups of more than one call and the
	// calls they carried (loancore_store_groups_total).
	groups, calls atomic.Int64
}

// grouped is a call in a group's queue. Every call queued is its
// caller's, waiting, except the lead's own until the lead takes it.
type grouped[T, R any] struct {
	call T
	// done receives the lead (the caller is to run the next group) or
	// the result, once; it holds it, so the send never waits. The lead's
	// own call, which waits for nothing, has none.
	done chan outcome[R]
}

// outcome is the lead, or what a group did for one of its calls.
type outcome[R any] struct {
	lead   bool
	result R
}

// do runs call in a group and returns its result.
func (g *group[T, R]) do(ctx context.Context, call T) R {
	c := &grouped[T, R]{call: call}
	g.mu.Lock()
	leading := !g.running
	if !leading {
		c.done = make(chan outcome[R], 1)
	}
	g.queue = append(g.queue, c)
	g.running = true
	g.mu.Unlock()
	if !leading {
		if out := <-c.done; !out.lead {
			return out.result
		}
	}
	return g.lead(ctx, c)
}

// lead runs a group of the queue, mine first, then hands the lead on.
// Only the lead takes calls from the queue, so mine is still there.
func (g *group[T, R]) lead(ctx context.Context, mine *grouped[T, R]) R {
	g.mu.Lock()
	calls := g.take(mine)
	g.mu.Unlock()
	items := make([]T, len(calls))
	for i, c := range calls {
		items[i] = c.call
	}
	if len(calls) > 1 {
		g.groups.Add(1)
		g.calls.Add(int64(len(calls)))
	}
	results, panicked := g.runGuarded(ctx, items)
	g.mu.Lock()
	g.handOn()
	g.mu.Unlock()
	for i, c := range calls[1:] {
		c.done <- outcome[R]{result: results[i+1]}
	}
	if panicked != nil {
		panic(panicked)
	}
	return results[0]
}

// runGuarded is run, except that if it panics every call's result is
// the zero R (undecided: each caller makes its call alone), and the
// panic is returned to be raised again in the lead's own call once the
// others are answered and the lead handed on. A panic that left the lead
// out would stop every later call of the kind for good.
func (g *group[T, R]) runGuarded(ctx context.Context, items []T) (results []R, panicked any) {
	defer func() {
		if p := recover(); p != nil {
			results, panicked = make([]R, len(items)), p
		}
	}()
	return g.run(ctx, items), nil
}

// handOn gives up the lead: to the first queued call, whose caller runs
// the next group, or back if none is queued. Called with mu held.
func (g *group[T, R]) handOn() {
	if len(g.queue) == 0 {
		g.running = false
		return
	}
	g.queue[0].done <- outcome[R]{lead: true}
}

// take removes from the queue mine and, from its head, up to most-1
// other calls (one a key of apart), and returns them, mine first. Called
// with mu held.
func (g *group[T, R]) take(mine *grouped[T, R]) []*grouped[T, R] {
	calls := []*grouped[T, R]{mine}
	if len(g.queue) == 1 {
		// Mine alone, as every call is when few come at once.
		clear(g.queue)
		g.queue = g.queue[:0]
		return calls
	}
	keys := map[any]bool{g.key(mine): true}
	rest := g.queue[:0:0]
	for _, c := range g.queue {
		switch {
		case c == mine:
		case len(calls) == g.most || keys[g.key(c)]:
			rest = append(rest, c)
		default:
			keys[g.key(c)] = true
			calls = append(calls, c)
		}
	}
	g.queue = rest
	return calls
}

// key is what keeps c from sharing a group with another call of the
// same key: apart's key of it, or c itself when nothing is kept apart.
func (g *group[T, R]) key(c *grouped[T, R]) any {
	if g.apart == nil {
		return c
	}
	return g.apart(c.call)
}

// AppendGroups is how many statements of more than one append the store
// has written, and the appends they carried (loancore_store_groups_total).
func (s *Store) AppendGroups() (groups, appends int64) {
	return s.appends.groups.Load(), s.appends.calls.Load()
}

// LoadGroups is how many round trips of more than one load the store has
// made, and the loads they carried.
func (s *Store) LoadGroups() (groups, loads int64) {
	return s.loads.groups.Load(), s.loads.calls.Load()
}
