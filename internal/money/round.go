package money

import (
	"math/big"
	"math/bits"
)

// RoundingMode says which way a quotient that falls between two representable
// values goes. Contracts name one; HalfUp is the default.
type RoundingMode uint8

// The rounding modes. For the non-negative amounts of a schedule Up and
// Ceiling agree; they differ for negative values (Up is away from zero,
// Ceiling is towards +∞).
const (
	// HalfUp rounds to the nearest, ties away from zero (四舍五入).
	HalfUp RoundingMode = iota + 1
	// HalfEven rounds to the nearest, ties to the even neighbour (banker's).
	HalfEven
	// Down truncates towards zero.
	Down
	// Up rounds away from zero.
	Up
	// Ceiling rounds towards positive infinity.
	Ceiling
)

// String returns the mode's name.
func (m RoundingMode) String() string {
	switch m {
	case HalfUp:
		return "HALF_UP"
	case HalfEven:
		return "HALF_EVEN"
	case Down:
		return "DOWN"
	case Up:
		return "UP"
	case Ceiling:
		return "CEILING"
	}
	return "UNKNOWN"
}

// Valid reports whether m is one of the defined modes.
func (m RoundingMode) Valid() bool { return m >= HalfUp && m <= Ceiling }

// roundUpNonNeg decides, for a non-negative quotient q with remainder rem of
// divisor d (0 ≤ rem < d), whether the rounded result is q+1.
func roundUpNonNeg(mode RoundingMode, q uint64, rem, d uint64) bool {
	if rem == 0 {
		return false
	}
	switch mode {
	case Down:
		return false
	case Up, Ceiling:
		return true
	}
	// Compare 2·rem with d without overflow: rem < d, so d-rem > 0.
	half := rem > d-rem // 2·rem > d
	tie := rem == d-rem
	if half {
		return true
	}
	if tie {
		return mode == HalfUp || q&1 == 1
	}
	return false
}

// U128 is an unsigned 128-bit integer, enough for any product of an amount
// (< 2^50), a rate numerator (< 2^37) and a day count factor (< 2^31).
type U128 struct{ Hi, Lo uint64 }

// Mul64 returns a × b as a U128.
func Mul64(a, b uint64) U128 {
	hi, lo := bits.Mul64(a, b)
	return U128{hi, lo}
}

// MulSmall returns x × b and reports false if the product overflows 128 bits.
func (x U128) MulSmall(b uint64) (U128, bool) {
	h1, lo := bits.Mul64(x.Lo, b)
	h2, l2 := bits.Mul64(x.Hi, b)
	hi, carry := bits.Add64(h1, l2, 0)
	if h2 != 0 || carry != 0 {
		return U128{}, false
	}
	return U128{hi, lo}, true
}

// Add returns x + y and reports false on overflow.
func (x U128) Add(y U128) (U128, bool) {
	lo, c := bits.Add64(x.Lo, y.Lo, 0)
	hi, c2 := bits.Add64(x.Hi, y.Hi, c)
	return U128{hi, lo}, c2 == 0
}

// DivRound returns x / d rounded with mode, and reports false if d is zero
// or the result does not fit an int64.
func (x U128) DivRound(d uint64, mode RoundingMode) (int64, bool) {
	if d == 0 || x.Hi >= d {
		// The quotient would need more than 64 bits.
		return 0, false
	}
	q, rem := bits.Div64(x.Hi, x.Lo, d)
	if roundUpNonNeg(mode, q, rem, d) {
		q++
	}
	if q > 1<<63-1 {
		return 0, false
	}
	return int64(q), true
}

// Big returns x as a big.Int.
func (x U128) Big() *big.Int {
	b := new(big.Int).SetUint64(x.Hi)
	b.Lsh(b, 64)
	return b.Or(b, new(big.Int).SetUint64(x.Lo))
}

// RoundToMultiple rounds the non-negative amount a to a multiple of m minor
// units with mode: RoundToMultiple(530727, 100, HalfUp) = 530700.
func RoundToMultiple(a Amount, m Amount, mode RoundingMode) Amount {
	if m <= 1 {
		return a
	}
	q, rem := uint64(a)/uint64(m), uint64(a)%uint64(m)
	if roundUpNonNeg(mode, q, rem, uint64(m)) {
		q++
	}
	return Amount(q * uint64(m))
}

// DivRoundBig returns num / den rounded with mode for non-negative big
// integers, the exact path the engine falls back to when a fast
// approximation lands too close to a rounding boundary.
func DivRoundBig(num, den *big.Int, mode RoundingMode) *big.Int {
	var q, r big.Int
	q.QuoRem(num, den, &r)
	if r.Sign() == 0 || mode == Down {
		return &q
	}
	if mode == Up || mode == Ceiling {
		return q.Add(&q, big.NewInt(1))
	}
	r2 := new(big.Int).Lsh(&r, 1)
	switch r2.Cmp(den) {
	case 1:
		q.Add(&q, big.NewInt(1))
	case 0:
		if mode == HalfUp || q.Bit(0) == 1 {
			q.Add(&q, big.NewInt(1))
		}
	}
	return &q
}
