package postgres

import (
	"slices"
	"testing"
)

// TestGroupTakesOneAppendALoan: a group holds the leader's append first
// and at most one append a loan; the appends it leaves stay queued in
// their order. RETURNING names an event by loan and seq, so two appends
// of one loan in a group could not be told apart.
func TestGroupTakesOneAppendALoan(t *testing.T) {
	a1, a2, b, c, a3 := queued("A"), queued("A"), queued("B"), queued("C"), queued("A")
	g := &appendGroup{queue: []*groupedAppend{a1, b, a2, c, a3}}
	group := g.take(a2)
	if !slices.Equal(group, []*groupedAppend{a2, b, c}) || !slices.Equal(g.queue, []*groupedAppend{a1, a3}) {
		t.Fatalf("took %v, left %v; want [a2 b c], left [a1 a3]", names(group), names(g.queue))
	}
	if g.take(b) != nil {
		t.Fatal("an append no longer queued was taken again")
	}
}

func queued(loan string) *groupedAppend { return &groupedAppend{args: []any{loan}} }

func names(as []*groupedAppend) []any {
	out := make([]any, len(as))
	for i, a := range as {
		out[i] = a.args[0]
	}
	return out
}
