package engine

import (
	"math/big"

	"github.com/loancore/loancore/internal/money"
)

// annuityFracBits is the binary fixed-point precision of the fast annuity
// path: 192 fraction bits (about 57 significant decimal digits), far beyond
// the 34 digits the contract asks for. The fast result is used only when it
// is provably on one side of the rounding boundary; otherwise the exact
// rational is computed.
const annuityFracBits = 192

// annuityGuardBits is how close (2^-annuityGuardBits of one rounding step) the
// fast quotient may come to a rounding boundary before the exact path takes
// over. The fast path's error is below 2^-70 of a step (see levelInstallment).
const annuityGuardBits = 60

// levelInstallment returns the level installment A of an annuity of
// principal p over m periods at periodic rate r, whose first free periods
// bear no interest, rounded to a multiple of rd.Multiple with rd.Mode.
//
// Paying A in each of the free periods reduces the balance by A; the rest
// is an ordinary annuity over k = m − free periods, so
//
//	p = A·(free + (1 − v^k)/r),  v = 1/(1+r)
//	A = p·N / (free·N + D·(1 − G)),  r = N/D, G = (D/(D+N))^k.
func levelInstallment(p money.Amount, r rate, m, free int, rd Rounding) money.Amount {
	mult := uint64(rd.Multiple)
	if r.num == 0 || free >= m {
		return money.Amount(divRound(uint64(p), uint64(m)*mult, rd.Mode)) * rd.Multiple
	}
	k := uint(m - free)
	N := new(big.Int).SetUint64(r.num)
	D := new(big.Int).SetUint64(r.den)

	// Fast path: G in binary fixed point. v = floor(D·2^F/(D+N)) has error
	// below one ulp; each truncated product adds below one ulp and at most
	// doubles the error it inherits, so G's error stays below 4k ulps
	// (< 2^13 ulps for k ≤ 1200). With 1 − G ≥ N/(D+N) > 2^-50 the relative
	// error of the denominator is below 2^-128, and A/multiple < 2^50, so
	// the quotient is off by less than 2^-78 — under the guard.
	one := new(big.Int).Lsh(big.NewInt(1), annuityFracBits)
	v := new(big.Int).Lsh(D, annuityFracBits)
	v.Quo(v, new(big.Int).Add(D, N))
	g := fixedPow(v, k)

	num := new(big.Int).Mul(big.NewInt(int64(p)), N)
	num.Lsh(num, annuityFracBits)
	den := new(big.Int).Sub(one, g)
	den.Mul(den, D)
	if free > 0 {
		fn := new(big.Int).Mul(big.NewInt(int64(free)), N)
		den.Add(den, fn.Lsh(fn, annuityFracBits))
	}
	den.Mul(den, new(big.Int).SetUint64(mult))

	var q, rem big.Int
	q.QuoRem(num, den, &rem)
	if !nearBoundary(&rem, den, rd.Mode) {
		if roundsUp(&rem, den, rd.Mode) {
			q.Add(&q, big.NewInt(1))
		}
		return money.Amount(q.Int64()) * rd.Multiple
	}
	return exactLevelInstallment(p, r, k, free, rd)
}

// exactLevelInstallment computes the level installment as an exact rational:
// A = p·N·(D+N)^k / ((free·N·(D+N)^k + D·((D+N)^k − D^k))·multiple).
func exactLevelInstallment(p money.Amount, r rate, k uint, free int, rd Rounding) money.Amount {
	N := new(big.Int).SetUint64(r.num)
	D := new(big.Int).SetUint64(r.den)
	dn := new(big.Int).Add(D, N)
	dnk := new(big.Int).Exp(dn, big.NewInt(int64(k)), nil)
	dk := new(big.Int).Exp(D, big.NewInt(int64(k)), nil)

	num := new(big.Int).Mul(big.NewInt(int64(p)), N)
	num.Mul(num, dnk)
	den := new(big.Int).Sub(dnk, dk)
	den.Mul(den, D)
	if free > 0 {
		fn := new(big.Int).Mul(big.NewInt(int64(free)), N)
		den.Add(den, fn.Mul(fn, dnk))
	}
	den.Mul(den, big.NewInt(int64(rd.Multiple)))
	return money.Amount(money.DivRoundBig(num, den, rd.Mode).Int64()) * rd.Multiple
}

// fixedPow returns x^k for a fixed-point x in [0, 1] with annuityFracBits
// fraction bits, truncating every product.
func fixedPow(x *big.Int, k uint) *big.Int {
	result := new(big.Int).Lsh(big.NewInt(1), annuityFracBits)
	base := new(big.Int).Set(x)
	for {
		if k&1 == 1 {
			result.Mul(result, base)
			result.Rsh(result, annuityFracBits)
		}
		k >>= 1
		if k == 0 {
			return result
		}
		base.Mul(base, base)
		base.Rsh(base, annuityFracBits)
	}
}

// nearBoundary reports whether the fraction rem/den is within the guard of a
// point where the rounding decision flips: 1/2 for the half modes, a whole
// number for the others.
func nearBoundary(rem, den *big.Int, mode money.RoundingMode) bool {
	guard := new(big.Int).Rsh(den, annuityGuardBits)
	var dist big.Int
	switch mode {
	case money.HalfUp, money.HalfEven:
		dist.Lsh(rem, 1)
		dist.Sub(&dist, den)
		dist.Abs(&dist)
		// |2·rem − den| < 2·guard ⇔ |rem/den − 1/2| < guard/den.
		return dist.Cmp(guard.Lsh(guard, 1)) < 0
	default:
		if rem.Cmp(guard) < 0 {
			return true
		}
		dist.Sub(den, rem)
		return dist.Cmp(guard) < 0
	}
}

// roundsUp decides whether a quotient with remainder rem/den, known to be
// away from the boundary, rounds up.
func roundsUp(rem, den *big.Int, mode money.RoundingMode) bool {
	if rem.Sign() == 0 {
		return false
	}
	switch mode {
	case money.Down:
		return false
	case money.Up, money.Ceiling:
		return true
	}
	var twice big.Int
	twice.Lsh(rem, 1)
	return twice.Cmp(den) > 0
}
