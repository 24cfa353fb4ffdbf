package engine

import (
	"math/big"

	"github.com/loancore/loancore/internal/money"
)

// aprTieBits bounds the size of the integers exactSide works with, so that
// a boundary it cannot place quickly goes to the exact solver instead.
const aprTieBits = 1 << 20

// exactSide places the root against the rate of halfUnits/2 units exactly,
// in integers, for flows it can: whole unit periods, or all the same
// fraction of one at simple interest (US actuarial), when the fast path's
// bounds cannot (an exact tie, which rounds up, or a root within ~10^-15
// of the boundary). At the rate i = N/D, v = D/E with E = D + N, the flows
// are worth at least the amount advanced A when
//
//	F · Σ a·D^t·E^(T−t) ≥ A·E^T
//
// for T the last flow's periods and F the common fraction's factor
// base·D / (base·D + days·N) (1 without one), cleared of its denominator.
// Compound fractions v^f are irrational at a rational rate, so they (and
// flows with different fractions) are left unknown.
func (p *fastAPR) exactSide(halfUnits uint64) rootSide {
	return exactSide(p.advanced, p.flows, p.method, p.perUnitN, p.perUnitD, halfUnits)
}

// exactSide is the comparison above for flows sorted by periods and an
// APR of perUnitN/perUnitD units per unit of the periodic rate; the exact
// solver settles its ties with it too.
func exactSide(advanced money.Amount, flows []timedFlow, method APRMethod, perUnitN, perUnitD, halfUnits uint64) rootSide {
	first := flows[0].span
	for _, fl := range flows {
		if fl.span.fracDays != first.fracDays || fl.span.fracBase != first.fracBase {
			return sideUnknown
		}
	}
	if first.fracDays != 0 && method != USActuarial {
		return sideUnknown
	}
	n, d := new(big.Int).SetUint64(halfUnits), new(big.Int).SetUint64(perUnitN)
	n.Mul(n, new(big.Int).SetUint64(perUnitD))
	d.Lsh(d, 1)
	g := new(big.Int).GCD(nil, nil, n, d)
	n.Quo(n, g)
	d.Quo(d, g)
	e := new(big.Int).Add(d, n)
	last := flows[len(flows)-1].span.periods
	if last*e.BitLen() > aprTieBits {
		return sideUnknown
	}
	sum, dt := new(big.Int), big.NewInt(1) // Σ a·D^t·E^(t_now − t), D^t_now
	var step, term big.Int
	t := 0
	for _, fl := range flows {
		if gap := fl.span.periods - t; gap > 0 {
			step.Exp(e, big.NewInt(int64(gap)), nil)
			sum.Mul(sum, &step)
			dt.Mul(dt, step.Exp(d, big.NewInt(int64(gap)), nil))
			t = fl.span.periods
		}
		sum.Add(sum, term.Mul(dt, big.NewInt(int64(fl.amount))))
	}
	want := new(big.Int).Exp(e, big.NewInt(int64(last)), nil)
	want.Mul(want, big.NewInt(int64(advanced)))
	if first.fracDays != 0 {
		based := new(big.Int).Mul(big.NewInt(int64(first.fracBase)), d)
		sum.Mul(sum, based)
		want.Mul(want, based.Add(based, new(big.Int).Mul(big.NewInt(int64(first.fracDays)), n)))
	}
	if sum.Cmp(want) >= 0 {
		return sideAtOrAbove
	}
	return sideBelow
}
