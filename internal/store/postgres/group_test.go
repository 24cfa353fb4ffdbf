package postgres

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"
)

// TestGroupTakesOneCallAKey: a group holds the lead's call first and at
// most one call of a key (for appends, a loan: RETURNING names an event
// by its loan, so two appends of one loan in a group could not be told
// apart), and at most most calls; the calls it leaves stay queued in
// their order.
func TestGroupTakesOneCallAKey(t *testing.T) {
	g := &group[string, bool]{most: 3, apart: func(loan string) any { return loan }}
	a1, a2, b, c, a3, d := queued(g, "A"), queued(g, "A"), queued(g, "B"), queued(g, "C"), queued(g, "A"), queued(g, "D")
	calls := g.take(a2)
	if !slices.Equal(calls, []*grouped[string, bool]{a2, b, c}) || !slices.Equal(g.queue, []*grouped[string, bool]{a1, a3, d}) {
		t.Fatalf("took %v, left %v; want [A B C], left [A A D]", names(calls), names(g.queue))
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

// TestGroupPanicAnswersTheOthers: when a group's run panics, the lead's
// call panics, every other call of the group gets the zero result
// (undecided: its caller makes it alone), and the lead is handed on, so
// later calls still run. Calls 1-3 queue behind call 0's group, which
// holds until they have; their group then panics.
func TestGroupPanicAnswersTheOthers(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	g := &group[int, int]{most: 8, run: func(_ context.Context, calls []int) []int {
		if calls[0] == 0 {
			close(started)
			<-release
		} else if len(calls) > 1 {
			panic("run failed")
		}
		out := make([]int, len(calls))
		for i, c := range calls {
			out[i] = c + 100
		}
		return out
	}}
	results := make([]int, 4)
	panics := 0
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			defer func() {
				if recover() != nil {
					mu.Lock()
					panics++
					mu.Unlock()
				}
			}()
			results[i] = g.do(context.Background(), i)
		})
		if i == 0 {
			<-started
		}
	}
	waitQueued(t, g, 3)
	close(release)
	wg.Wait()
	zeros := 0
	for _, r := range results[1:] {
		if r == 0 {
			zeros++
		}
	}
	// Calls 1-3: one led the group and panicked (its result never set),
	// the other two got the zero result.
	if results[0] != 100 || panics != 1 || zeros != 3 {
		t.Fatalf("results %v, %d panics: want call 0 answered 100, one lead panicking and the other two undecided (0)", results, panics)
	}
	if r := g.do(context.Background(), 7); r != 107 {
		t.Fatalf("after the panic a lone call got %d, want 107: the lead was not handed on", r)
	}
}

// waitQueued waits until g's queue holds n calls.
func waitQueued(t *testing.T, g *group[int, int], n int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		g.mu.Lock()
		got := len(g.queue)
		g.mu.Unlock()
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the queue holds %d calls after 5 s, want %d", got, n)
		}
	}
}
