package postgres

import (
	"slices"
	"testing"
)

// TestGroupTakesOneCallAKey: a group holds the lead's call first and at
// most one call of a key (for appends, a loan: RETURNING names an event
// by loan and seq, so two appends of one loan in a group could not be
// told apart), and at most most calls; the calls it leaves stay queued in
// their order.
func TestGroupTakesOneCallAKey(t *testing.T) {
	g := &group[string, bool]{most: 3, apart: func(loan string) any { return loan }}
	a1, a2, b, c, a3, d := queued(g, "A"), queued(g, "A"), queued(g, "B"), queued(g, "C"), queued(g, "A"), queued(g, "D")
	calls := g.take(a2)
	if !slices.Equal(calls, []*grouped[string, bool]{a2, b, c}) || !slices.Equal(g.queue, []*grouped[string, bool]{a1, a3, d}) {
		t.Fatalf("took %v, left %v; want [A B C], left [A A D]", names(calls), names(g.queue))
	}
	if g.take(b) != nil {
		t.Fatal("a call no longer queued was taken again")
	}
	g.apart = nil
	if calls := g.take(a3); !slices.Equal(calls, []*grouped[string, bool]{a3, a1, d}) {
		t.Fatalf("without apart took %v; want [A A D]", names(calls))
	}
}

// queued puts a call on g's queue.
func queued(g *group[string, bool], call string) *grouped[string, bool] {
	c := &grouped[string, bool]{call: call}
	g.queue = append(g.queue, c)
	return c
}

func names(cs []*grouped[string, bool]) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.call
	}
	return out
}
