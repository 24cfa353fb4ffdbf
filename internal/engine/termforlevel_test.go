package engine

import (
	"math/rand/v2"
	"testing"

	"github.com/loancore/loancore/internal/money"
)

// termForLevelBisection is termForLevel as it was before its shortcut:
// the bisection alone, kept as the oracle the shortcut must agree with.
func termForLevelBisection(t *Terms, sg segment, level money.Amount) int {
	r := t.periodicRate()
	g := max(0, t.PrincipalGracePeriods-sg.firstIndex)
	free := max(0, t.freeRows()-sg.firstIndex)
	lo, hi := g+1, sg.count
	for lo < hi {
		mid := (lo + hi) / 2
		if levelInstallment(sg.principal, r, mid-g, max(0, free-g), t.Rounding) <= level {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return max(lo, 1)
}

// TestTermForLevelEqualsBisection: termForLevel's shortcut (no search when
// one installment fewer than the most allowed needs more than the level)
// gives the bisection's term, over seeded random rates, grace and
// interest-free periods, rounding, balances and levels — the levels
// drawn around the level installments of nearby terms, boundaries
// included, where a wrong inequality would show. The seed is printed;
// -seed or LOANCORE_ENGINE_SEED replays it.
func TestTermForLevelEqualsBisection(t *testing.T) {
	seed := testSeed(t)
	rng := rand.New(rand.NewPCG(seed, 0x7e4f))
	rates := []string{"0", "0.5", "3.65", "12", "18", "24", "36", "99.9"}
	modes := []money.RoundingMode{money.HalfUp, money.HalfEven, money.Down, money.Up}
	shortcuts := 0
	for range 4000 {
		terms := loan12k()
		terms.AnnualRate = fixtureRate(rates[rng.IntN(len(rates))])
		terms.PrincipalGracePeriods = rng.IntN(3)
		terms.InterestFreePeriods = rng.IntN(3)
		terms.Rounding = Rounding{Mode: modes[rng.IntN(len(modes))], Multiple: money.Amount([]int64{1, 1, 10, 100}[rng.IntN(4)])}
		sg := segment{principal: money.Amount(1 + rng.Int64N(5_000_000)), firstIndex: rng.IntN(4), count: 1 + rng.IntN(40)}
		g := max(0, terms.PrincipalGracePeriods-sg.firstIndex)
		free := max(0, terms.freeRows()-sg.firstIndex)
		m := g + 1 + rng.IntN(sg.count+2)
		level := levelInstallment(sg.principal, terms.periodicRate(), m-g, max(0, free-g), terms.Rounding)
		level += money.Amount(rng.IntN(3)-1) * terms.Rounding.Multiple
		if rng.IntN(10) == 0 {
			level = money.Amount(rng.Int64N(int64(sg.principal) + 1))
		}
		got, want := termForLevel(&terms, sg, level), termForLevelBisection(&terms, sg, level)
		if got != want {
			t.Fatalf("seed %d: termForLevel(principal %d, first index %d, count %d, level %d; rate %s, grace %d, free %d, rounding %+v) = %d, bisection %d",
				seed, sg.principal, sg.firstIndex, sg.count, level, terms.AnnualRate, terms.PrincipalGracePeriods, terms.InterestFreePeriods, terms.Rounding, got, want)
		}
		if got == sg.count && sg.count > g+1 {
			shortcuts++
		}
	}
	if shortcuts < 100 {
		t.Fatalf("seed %d: the shortcut's case came up %d times: the test does not exercise it", seed, shortcuts)
	}
}
