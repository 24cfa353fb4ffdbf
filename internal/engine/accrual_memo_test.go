package engine

import (
	"math/rand/v2"
	"testing"

	"github.com/loancore/loancore/internal/money"
)

// TestPenaltyMemoActsAsAMap checks penaltyMemo against a map, through
// its arrays and past them: every base put is found with its penalty,
// and a base never put is not.
func TestPenaltyMemoActsAsAMap(t *testing.T) {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 0))
	for _, n := range []int{0, 1, memoSlots - 1, memoSlots, memoSlots + 1, 5 * memoSlots} {
		var m penaltyMemo
		want := map[money.Amount]money.Amount{}
		for len(want) < n {
			base := money.Amount(r.Int64N(1_000_000) + 1)
			if _, ok := want[base]; ok {
				continue
			}
			want[base] = money.Amount(r.Int64N(10_000))
			m.put(base, want[base])
		}
		for base, v := range want {
			if got, ok := m.get(base); !ok || got != v {
				t.Fatalf("%d bases: get(%d) = %d, %v; want %d", n, base, got, ok, v)
			}
		}
		if got, ok := m.get(-1); ok {
			t.Fatalf("%d bases: get of a base never put = %d, true", n, got)
		}
	}
}
