package engine

import (
	"cmp"
	"math/bits"
	"slices"

	"github.com/loancore/loancore/internal/money"
)

// The APR's fast path. solveAPRExact's Newton iteration in 128-bit big.Int
// fixed point costs ~800 µs and ~6,000 allocations for 360 installments,
// forty times the schedule itself. This path finds the same rounded APR
// with 64-bit integers and no allocation per flow, and proves it:
//
//  1. Newton's method on the discount factor v = 1/(1+i) in 63-bit fixed
//     point, where the flows' worth Σ a·v^t is a polynomial (convex and
//     increasing), the powers are built by one multiplication per flow, and
//     a bracket of the root catches any step that leaves it. Its answer is
//     only a candidate: k units of the last decimal.
//  2. A certificate: the APR rounds half-up to k exactly when the root lies
//     in [k−½, k+½) units, that is when the flows discounted at the rate of
//     k−½ are worth at least the amount advanced and at the rate of k+½ less
//     (their worth falls as the rate rises). Both rates are exact
//     rationals; the worth at the first is bounded from below by rounding
//     every factor down, at the second from above by rounding every factor
//     up, and the products with the amounts are exact. Two such bounds that
//     fall on the right sides of the amount advanced prove k.
//
// When the bounds cannot tell — the root within about 10^-15 of its size
// from a rounding boundary, an exact tie among them — exactSide compares
// the worth at the boundary with the amount advanced in big integers,
// which it can for whole periods and for one common fraction at simple
// interest; a tie then rounds up, as HALF_UP says (solveAPRExact, rising
// to the root from below, rounded it down). What neither can place, and
// amounts, periods or rates beyond the ranges the 64-bit arithmetic is
// written for, solveAPR leaves to solveAPRExact as before.

// q63One is 1 in the fast path's fixed point: a number in [0, 1] is a
// uint64 counting units of 2^-63.
const q63One uint64 = 1 << 63

// roundDir is the direction fixed-point results are rounded in: down gives
// lower bounds, up upper bounds. Its value is what q63Mul adds to the
// remainder so that any remainder carries into bit 63 when rounding up.
type roundDir uint64

const (
	roundDown roundDir = 0
	roundUp   roundDir = roundDir(q63One - 1)
)

// q63Mul returns a·b rounded in dir; a and b at most q63One, so is the
// result.
func q63Mul(a, b uint64, dir roundDir) uint64 {
	hi, lo := bits.Mul64(a, b)
	return (hi<<1 | lo>>63) + ((lo&(q63One-1))+uint64(dir))>>63
}

// q63Pow returns x^n by squaring, every product rounded in dir, so a bound
// of x gives a bound of x^n in the same direction.
func q63Pow(x uint64, n int, dir roundDir) uint64 {
	r := q63One
	for n > 0 {
		if n&1 == 1 {
			r = q63Mul(r, x, dir)
		}
		n >>= 1
		if n > 0 {
			x = q63Mul(x, x, dir)
		}
	}
	return r
}

// q63Ratio returns num/den rounded in dir, for num ≤ den, den > 0.
func q63Ratio(num, den uint64, dir roundDir) uint64 {
	q, rem := bits.Div64(num>>1, num<<63, den)
	if dir == roundUp && rem != 0 {
		q++
	}
	return q
}

// q63Root returns about v^(1/b) for v in (0, 1], by integer Newton steps
// from above: from 1 − (1−v)/b, which is above the root (Bernoulli's
// inequality) and close to it. It gives up on v below 2^-40, a rate beyond
// 2^40 per unit period.
func q63Root(v uint64, b int) (uint64, bool) {
	if b == 1 {
		return v, true
	}
	if v < 1<<23 {
		return 0, false
	}
	x := q63One - (q63One-v)/uint64(b)
	for range 64 {
		// x ≥ the root, so x^(b−1) ≥ v^((b−1)/b) ≥ v and v/x^(b−1) ≤ 1.
		p := q63Pow(x, b-1, roundDown)
		if v>>1 >= p {
			return 0, false
		}
		y, _ := bits.Div64(v>>1, v<<63, p)
		hi, lo := bits.Mul64(uint64(b-1), x)
		lo, c := bits.Add64(lo, y, 0)
		next, _ := bits.Div64(hi+c, lo, uint64(b))
		if next >= x {
			return x, true
		}
		x = next
	}
	return 0, false
}

// q63RootBound returns a bound of v^(1/b) in the direction dir: an r whose
// b-th power, rounded up, is at most v (so r is below the root), or whose
// b-th power, rounded down, is at least v (above it).
func q63RootBound(v uint64, b int, dir roundDir) (uint64, bool) {
	x, ok := q63Root(v, b)
	if !ok {
		return 0, false
	}
	for step := uint64(1); step < 1<<20; step <<= 1 {
		if dir == roundDown {
			if q63Pow(x, b, roundUp) <= v {
				return x, true
			}
			x -= step
			continue
		}
		if x >= q63One {
			return q63One, true
		}
		if q63Pow(x, b, roundDown) >= v {
			return x, true
		}
		x += step
	}
	return 0, false
}

// u128 is an unsigned 128-bit integer: the sums of amounts times discount
// factors, exact.
type u128 struct{ hi, lo uint64 }

func (a u128) add(b u128) u128 {
	lo, c := bits.Add64(a.lo, b.lo, 0)
	hi, _ := bits.Add64(a.hi, b.hi, c)
	return u128{hi, lo}
}

// sub returns a − b for a ≥ b.
func (a u128) sub(b u128) u128 {
	lo, c := bits.Sub64(a.lo, b.lo, 0)
	hi, _ := bits.Sub64(a.hi, b.hi, c)
	return u128{hi, lo}
}

func (a u128) cmp(b u128) int {
	if a.hi != b.hi {
		return cmp.Compare(a.hi, b.hi)
	}
	return cmp.Compare(a.lo, b.lo)
}

// shr returns a >> s.
func (a u128) shr(s uint) u128 {
	switch {
	case s == 0:
		return a
	case s >= 64:
		return u128{0, a.hi >> (s - 64)}
	}
	return u128{a.hi >> s, a.lo>>s | a.hi<<(64-s)}
}

func (a u128) bitLen() int {
	if a.hi != 0 {
		return 64 + bits.Len64(a.hi)
	}
	return bits.Len64(a.lo)
}

// Limits of the fast path; beyond them solveAPRExact answers.
const (
	// fastAPRMaxPeriods keeps t·2^16 weights and the derivative's sums
	// within their integers.
	fastAPRMaxPeriods = 1 << 20
	// fastAPRMaxSum keeps the exact sums Σ a·v^t below 2^126.
	fastAPRMaxSum = 1 << 62
	// fastAPRWeightBits are the fraction bits of a flow's time in the
	// derivative's weights.
	fastAPRWeightBits = 16
	// fastAPRTolerance is when Newton stops, in units of 2^-63 of v: the
	// step after one this small is negligible (the convergence is
	// quadratic), and the certificate, not this, decides the answer.
	fastAPRTolerance = 1 << 12
)

// fastAPR is a set of flows prepared for the fast path.
type fastAPR struct {
	flows    []timedFlow // sorted by periods
	method   APRMethod
	advanced money.Amount
	total    money.Amount // of the flows
	adv      u128         // the amount advanced × 2^63
	// shift brings a·v^t × 2^63 below 2^63 for the derivative's sum.
	shift uint
	// perUnit is the APR's units of its last decimal per unit of the
	// periodic rate, perUnitN/perUnitD: periods per year × 100 × 10^decimals.
	perUnitN, perUnitD uint64
}

// newFastAPR prepares the flows, or reports false when they are outside the
// fast path's ranges.
func newFastAPR(advanced money.Amount, flows []timedFlow, method APRMethod, unit Frequency, decimals int) (fastAPR, bool) {
	if !slices.IsSortedFunc(flows, func(a, b timedFlow) int { return cmp.Compare(a.span.periods, b.span.periods) }) {
		flows = slices.Clone(flows)
		slices.SortStableFunc(flows, func(a, b timedFlow) int { return cmp.Compare(a.span.periods, b.span.periods) })
	}
	if advanced <= 0 || len(flows) == 0 || flows[len(flows)-1].span.periods >= fastAPRMaxPeriods || flows[0].span.periods < 0 {
		return fastAPR{}, false
	}
	var sum, largest money.Amount
	for _, fl := range flows {
		sp := fl.span
		if fl.amount <= 0 || fl.amount >= fastAPRMaxSum-sum || sp.fracDays < 0 || sp.fracDays != 0 && sp.fracDays >= sp.fracBase {
			return fastAPR{}, false
		}
		sum += fl.amount
		largest = max(largest, fl.amount)
	}
	p := fastAPR{
		flows: flows, method: method, advanced: advanced, total: sum,
		adv:   u128{uint64(advanced) >> 1, uint64(advanced) << 63},
		shift: uint(max(bits.Len64(uint64(largest)), fastAPRWeightBits)),
	}
	p.perUnitN, p.perUnitD = aprPerUnit(unit, decimals)
	return p, true
}

// fastSolveAPR returns the APR in units of its last decimal, rounded
// half-up and proved so, or false when the fast path cannot prove it.
// guess is a periodic rate near the answer (the contract rate), or zero.
func fastSolveAPR(advanced money.Amount, flows []timedFlow, method APRMethod, unit Frequency, decimals int, guess rate) (uint64, bool) {
	p, ok := newFastAPR(advanced, flows, method, unit, decimals)
	if !ok {
		return 0, false
	}
	switch {
	case p.total < advanced:
		return 0, false // a negative rate: the exact solver's business
	case p.total == advanced:
		return 0, true // i = 0 is the root, exactly
	}
	v0 := q63One
	if guess.num != 0 && guess.den != 0 && guess.num < q63One && guess.den < q63One {
		v0 = q63Ratio(guess.den, guess.den+guess.num, roundDown)
	}
	v, ok := p.newton(v0)
	if !ok {
		return 0, false
	}
	units, ok := p.unitsAt(v)
	if !ok {
		return 0, false
	}
	return p.settle(units)
}

// rootSide is where the root lies against a boundary rate: below it, at
// or above it, or unknown (the fast path cannot tell).
type rootSide int8

const (
	sideUnknown rootSide = iota
	sideBelow
	sideAtOrAbove
)

// settle returns the APR rounded half-up, from a candidate k: the root
// lies in [k − ½, k + ½) units. A candidate one off (the Newton answer a
// hair over a boundary) moves to its neighbour; a boundary the bounds and
// the exact comparison cannot place leaves it to the exact solver. There
// is no lower boundary to check at 0: the flows total more than the
// amount advanced, so the root is positive.
func (p *fastAPR) settle(k uint64) (uint64, bool) {
	for range 3 {
		switch p.side(2*k+1, sideBelow) {
		case sideUnknown:
			return 0, false
		case sideAtOrAbove:
			k++
			continue
		}
		if k == 0 {
			return 0, true
		}
		switch p.side(2*k-1, sideAtOrAbove) {
		case sideUnknown:
			return 0, false
		case sideBelow:
			k--
			continue
		}
		return k, true
	}
	return 0, false
}

// side places the root against the rate of halfUnits/2 units: by a bound
// of the flows' worth there — an upper bound below the amount advanced
// puts the root below, a lower bound at or above it puts it at or above
// (the worth falls as the rate rises) — trying the expected side's bound
// first; by exactSide when neither bound decides (an exact tie, or a root
// within about 10^-15 of the boundary).
func (p *fastAPR) side(halfUnits uint64, expect rootSide) rootSide {
	other := sideBelow
	if expect == sideBelow {
		other = sideAtOrAbove
	}
	for _, s := range [2]rootSide{expect, other} {
		if s == sideBelow {
			if w, ok := p.worthAt(halfUnits, roundUp); ok && w.cmp(p.adv) < 0 {
				return sideBelow
			}
		} else if w, ok := p.worthAt(halfUnits, roundDown); ok && w.cmp(p.adv) >= 0 {
			return sideAtOrAbove
		}
	}
	return p.exactSide(halfUnits)
}

// unitsAt converts a discount factor to the APR in units of its last
// decimal, rounded to nearest: (1/v − 1) × perUnit.
func (p *fastAPR) unitsAt(v uint64) (uint64, bool) {
	if v == 0 {
		return 0, false
	}
	hi, lo := bits.Mul64(q63One-v, 2*p.perUnitN)
	if hi >= v {
		return 0, false
	}
	x, _ := bits.Div64(hi, lo, v) // 2 × units × perUnitD
	if x >= 1<<62 {
		return 0, false
	}
	return (x + p.perUnitD) / (2 * p.perUnitD), true
}

// certify reports whether the bounds alone prove that the APR rounds
// half-up to units: an upper bound of the flows' worth at units + ½ below
// the amount advanced, and a lower bound at units − ½ at least it. The
// tests hold the bounds to it: they must never prove a neighbour.
func (p *fastAPR) certify(units uint64) bool {
	above, ok := p.worthAt(2*units+1, roundUp)
	if !ok || above.cmp(p.adv) >= 0 {
		return false
	}
	if units == 0 {
		return true
	}
	below, ok := p.worthAt(2*units-1, roundDown)
	return ok && below.cmp(p.adv) >= 0
}

// worthAt bounds the flows' worth (× 2^63) discounted at the APR of
// halfUnits/2 units of its last decimal, from below or above as dir says.
// The periodic rate is halfUnits·perUnitD / (2·perUnitN), exactly.
func (p *fastAPR) worthAt(halfUnits uint64, dir roundDir) (u128, bool) {
	hi, num := bits.Mul64(halfUnits, p.perUnitD)
	den := 2 * p.perUnitN
	if hi != 0 || num >= q63One || den >= q63One {
		return u128{}, false
	}
	d := discount{v: q63Ratio(den, den+num, dir), dir: dir, method: p.method, exact: true, iNum: num, iDen: den}
	s0, _, ok := p.worth(&d, false)
	return s0, ok
}

// newton finds about the v at which the flows are worth the amount
// advanced, from v0, keeping the root bracketed: f(v) = worth − advanced
// is negative left of the root and positive right of it. A step that
// leaves the bracket, or that crosses the root and is not half the one two
// steps before (an oscillation, which fractions of a period below one can
// cause: v^f is then concave), is replaced by bisection.
func (p *fastAPR) newton(v uint64) (uint64, bool) {
	lo, hi := uint64(0), q63One
	var prev [2]uint64 // the last two steps' sizes
	prevSide := 0
	for k := range 200 {
		d := discount{v: v, dir: roundDown, method: p.method}
		s0, s1, ok := p.worth(&d, true)
		if !ok {
			return 0, false
		}
		c := s0.cmp(p.adv)
		if c == 0 {
			return v, true
		}
		var step uint64
		next := v
		if c < 0 { // worth too little: v is left of the root
			lo = v
			step, ok = newtonStep(p.adv.sub(s0), v, s1, p.shift-fastAPRWeightBits)
			ok = ok && step < hi-v
			next += step
		} else {
			hi = v
			step, ok = newtonStep(s0.sub(p.adv), v, s1, p.shift-fastAPRWeightBits)
			ok = ok && step < v-lo
			next -= step
		}
		// Monotone convergence from one side may be slow at first; only
		// steps that cross the root and do not shrink are cut short.
		if !ok || k >= 2 && c != prevSide && step > prev[0]/2 {
			next = lo + (hi-lo)/2
			step = max(next, v) - min(next, v)
		}
		if step <= fastAPRTolerance || hi-lo <= fastAPRTolerance {
			return next, true
		}
		prev[0], prev[1], prevSide = prev[1], step, c
		v = next
	}
	return 0, false
}

// newtonStep returns the size of Newton's step in v, f·v/Σ(a·v^t·t) in
// fixed point, from f (× 2^63) and the weighted sum s1 (× 2^(63−shift),
// with weights × 2^16, so the divisor is s1·2^sh for sh = shift − 16). The
// divisor is brought to 64 bits and f shifted with it. It reports false
// when the step does not fit, which the caller treats as a step out of
// the bracket.
func newtonStep(f u128, v uint64, s1 u128, sh uint) (uint64, bool) {
	var den uint64
	switch n := s1.bitLen() + int(sh) - 64; {
	case n <= 0:
		den = s1.lo << sh
	case n >= int(sh):
		den, f = s1.shr(uint(n)-sh).lo, f.shr(uint(n))
	default:
		den, f = s1.lo<<(sh-uint(n)), f.shr(uint(n))
	}
	if den == 0 || f.hi != 0 {
		return 0, false
	}
	hi, lo := bits.Mul64(f.lo, v)
	if hi >= den {
		return 0, false
	}
	q, _ := bits.Div64(hi, lo, den)
	return q, true
}

// discount is the discounting at one rate, rounded in one direction: the
// factor v = 1/(1+i) per unit period and, for a fraction of one, either
// the exact rate iNum/iDen (the certificate's boundaries) or v alone (the
// Newton iterates, where no bound is needed).
type discount struct {
	v          uint64
	dir        roundDir
	method     APRMethod
	exact      bool
	iNum, iDen uint64
	// The last fraction's factor and the b-th roots of v by base: an
	// irregular first period gives every flow the same fraction.
	lastDays, lastBase int
	lastW              uint64
	roots              [2]struct {
		base int
		r    uint64
	}
}

// worth returns Σ a·d(t) (× 2^63) of the flows, with d rounded in d.dir,
// and when deriv is set the weighted sum Σ (a·d(t) × 2^63 >> shift)·t·2^16
// for Newton's step. The flows are sorted, so each v^t is the one before
// times v^(gap): one multiplication per flow of a regular schedule.
func (p *fastAPR) worth(d *discount, deriv bool) (s0, s1 u128, ok bool) {
	vt, t := q63One, 0
	gap, vgap := 1, d.v
	for _, fl := range p.flows {
		if n := fl.span.periods - t; n > 0 {
			if n != gap {
				gap, vgap = n, q63Pow(d.v, n, d.dir)
			}
			vt = q63Mul(vt, vgap, d.dir)
			t = fl.span.periods
		}
		w := vt
		var weight uint64
		if fl.span.fracDays != 0 {
			f, ok := d.frac(fl.span)
			if !ok {
				return s0, s1, false
			}
			w = q63Mul(w, f, d.dir)
			if deriv {
				weight = d.fracWeight(fl.span)
			}
		}
		hi, lo := bits.Mul64(uint64(fl.amount), w)
		s0 = s0.add(u128{hi, lo})
		if deriv {
			weight += uint64(t) << fastAPRWeightBits
			wh, wl := bits.Mul64(u128{hi, lo}.shr(p.shift).lo, weight)
			s1 = s1.add(u128{wh, wl})
		}
	}
	return s0, s1, true
}

// frac returns the discount over a fraction days/base of a unit period:
// 1/(1 + f·i) at simple interest (US actuarial), v^f at compound interest.
func (d *discount) frac(sp span) (uint64, bool) {
	if sp.fracDays == d.lastDays && sp.fracBase == d.lastBase {
		return d.lastW, true
	}
	var w uint64
	if d.method == USActuarial {
		var ok bool
		if w, ok = d.simple(uint64(sp.fracDays), uint64(sp.fracBase)); !ok {
			return 0, false
		}
	} else {
		r, ok := d.root(sp.fracBase)
		if !ok {
			return 0, false
		}
		w = q63Pow(r, sp.fracDays, d.dir)
	}
	d.lastDays, d.lastBase, d.lastW = sp.fracDays, sp.fracBase, w
	return w, true
}

// fracWeight is the fraction's part of a flow's weight in Newton's
// derivative (× 2^16): v·d/dv of its discount over d. At compound
// interest it is the fraction days/base; at simple interest
// days / (days + (base − days)·v), which is days/base only near v = 1.
func (d *discount) fracWeight(sp span) uint64 {
	days, base := uint64(sp.fracDays), uint64(sp.fracBase)
	if d.method != USActuarial {
		return days << fastAPRWeightBits / base
	}
	hi, lo := bits.Mul64(base-days, d.v)
	den := u128{hi, lo}.add(u128{days >> 1, days << 63}).shr(fastAPRWeightBits).lo
	w, _ := bits.Div64(days>>1, days<<63, den)
	return w
}

// simple returns 1/(1 + (days/base)·i): at the exact rate, base·iDen /
// (base·iDen + days·iNum); from v alone, v·base / (v·base + days·(1−v)),
// both terms scaled down together by 2^10 to fit (only Newton uses it).
func (d *discount) simple(days, base uint64) (uint64, bool) {
	if d.exact {
		h1, n := bits.Mul64(base, d.iDen)
		h2, m := bits.Mul64(days, d.iNum)
		den, c := bits.Add64(n, m, 0)
		if h1|h2|c != 0 || den >= q63One {
			return 0, false
		}
		return q63Ratio(n, den, d.dir), true
	}
	ah, al := bits.Mul64(d.v, base)
	bh, bl := bits.Mul64(q63One-d.v, days)
	num, den := u128{ah, al}.shr(10).lo, u128{ah, al}.add(u128{bh, bl}).shr(10).lo
	if den == 0 {
		return 0, false
	}
	return q63Ratio(num, den, d.dir), true
}

// root returns v^(1/base), bounded in d.dir at an exact rate, about it
// otherwise; kept for the two bases a yearly unit period can have.
func (d *discount) root(base int) (uint64, bool) {
	for _, r := range d.roots {
		if r.base == base {
			return r.r, true
		}
	}
	var r uint64
	var ok bool
	if d.exact {
		r, ok = q63RootBound(d.v, base, d.dir)
	} else {
		r, ok = q63Root(d.v, base)
	}
	if !ok {
		return 0, false
	}
	if d.roots[0].base == 0 {
		d.roots[0].base, d.roots[0].r = base, r
	} else {
		d.roots[1].base, d.roots[1].r = base, r
	}
	return r, true
}
