package engine

import (
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/loancore/loancore/internal/money"
)

// TestDailyPenalty64 checks the machine-word path of DailyPenalty against
// the big.Int one it stands in for, on random bases and rates, on
// remainders exactly half the divisor (the ties each mode breaks its own
// way) and on products at the edge of 128 bits: wherever it answers, it
// answers the same, in every rounding mode.
func TestDailyPenalty64(t *testing.T) {
	modes := []money.RoundingMode{money.HalfUp, money.HalfEven, money.Down, money.Up, money.Ceiling}
	rng := rand.New(rand.NewPCG(21, 1))
	check := func(base uint64, num, den *big.Int) {
		t.Helper()
		for _, mode := range modes {
			got, ok := dailyPenalty64(base, num, den, mode)
			if !ok {
				continue
			}
			n := new(big.Int).Mul(new(big.Int).SetUint64(base), num)
			want := money.DivRoundBig(n, den, mode)
			if !want.IsInt64() || got != money.Amount(want.Int64()) {
				t.Fatalf("%d × %s / %s, mode %v: %d, want %s", base, num, den, mode, got, want)
			}
		}
	}
	answered := 0
	for range 200_000 {
		base := rng.Uint64N(1 << uint(1+rng.IntN(62)))
		num := new(big.Int).SetUint64(rng.Uint64N(1 << uint(1+rng.IntN(63))))
		den := new(big.Int).SetUint64(1 + rng.Uint64N(1<<uint(1+rng.IntN(63))))
		check(base, num, den)
		if _, ok := dailyPenalty64(base, num, den, money.HalfUp); ok {
			answered++
		}
		// A tie: base × num = (2k+1) × den/2 with den even.
		d := 2 * (1 + rng.Uint64N(1<<30))
		k := rng.Uint64N(1 << 20)
		check((2*k+1)*(d/2), big.NewInt(1), new(big.Int).SetUint64(d))
	}
	if answered < 50_000 {
		t.Errorf("the fast path answered %d of 200,000: it is hardly taken", answered)
	}
	// A penalty rate as PenaltyDailyRate makes it, on the bench's loan.
	rate, _ := money.ParseRate("12", MaxRatePercent)
	num, den := PenaltyPolicy{MarkupPercent: money.Rate{Units: 50}}.PenaltyDailyRate(rate)
	for base := uint64(1); base < 2_000_000; base += 997 {
		check(base, num, den)
	}
	// Products that need all 128 bits, and quotients past 63.
	max := new(big.Int).SetUint64(^uint64(0))
	check(1<<63-1, max, max)
	check(1<<63-1, max, big.NewInt(2))
	if _, ok := dailyPenalty64(1<<62, big.NewInt(4), big.NewInt(1), money.HalfUp); ok {
		t.Error("a quotient of 2^64 answered in 64 bits")
	}
}
