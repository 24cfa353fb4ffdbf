package engine

import (
	"math"
	"math/big"

	"github.com/loancore/loancore/internal/money"
)

// accrual is what penalty accrual needs for one fold, worked out once.
type accrual struct {
	t        *Terms
	num, den *big.Int
	// capA and capB make the cap's ceiling on day d
	// floor(capA × (d − disbursement) / capB): principal × cap/100 / 365
	// per day since disbursement.
	capA, capB *big.Int
	// perDay remembers DailyPenalty by base: the same few bases come back
	// on every run, and each is a big-number division.
	perDay penaltyMemo
	// scratch holds one run's daily amounts per installment: penalty,
	// compound, and the same held aside for grace.
	scratch []money.Amount
	// late says the terms have a late fee, posted at the end of each
	// grace as the runs pass it.
	late bool
	// day holds each installment's day's penalty and compound in the
	// current accrueTo call (dailyOf), in pairs; unknown until asked for.
	day []money.Amount
	// stepping says no payment or waiver comes between this accrual's
	// calls (StepDays), so the day's amounts stay known from one to the
	// next.
	stepping bool
}

// buffers returns zeroed per-installment slices for one run.
func (a *accrual) buffers(m int) (pens, comps, graceP, graceC []money.Amount) {
	if cap(a.scratch) < 4*m {
		a.scratch = make([]money.Amount, 4*m)
	}
	s := a.scratch[:4*m]
	clear(s)
	return s[:m:m], s[m : 2*m : 2*m], s[2*m : 3*m : 3*m], s[3*m:]
}

func newAccrual(t *Terms) *accrual {
	a := &accrual{t: t, late: t.hasLateFee()}
	a.num, a.den = t.Penalty.PenaltyDailyRate(t.AnnualRate)
	if t.Penalty.HasCap {
		a.capA = new(big.Int).Mul(big.NewInt(int64(t.Principal)), new(big.Int).SetUint64(t.Penalty.CapAnnualPercent.Units))
		a.capB = new(big.Int).Mul(new(big.Int).SetUint64(t.Penalty.CapAnnualPercent.Denominator()), big.NewInt(365))
	}
	return a
}

// daily returns one day's penalty and compound interest on what in has
// overdue at the end of the day.
func (a *accrual) daily(in *InstallmentState) (pen, comp money.Amount) {
	p := in.PrincipalDue - in.PrincipalPaid
	// Waived interest is no longer owed, so it bears nothing further.
	i := in.penaltyBearingInterest()
	if a.t.Penalty.Basis == OverduePrincipalAndInterest {
		// Overdue interest already bears penalty here; compound interest on
		// it as well would charge the same interest twice.
		return a.on(p + i), 0
	}
	pen = a.on(p)
	if a.t.Penalty.CompoundOverdueInterest {
		comp = a.on(i)
	}
	return pen, comp
}

// dailyOf is daily for installment i, worked out once per accrueTo call:
// what an installment has overdue changes only with payments and
// waivers, which the fold applies between calls, so every run of a call
// charges it the same day's amounts.
func (a *accrual) dailyOf(i int, in *InstallmentState) (pen, comp money.Amount) {
	if a.day[2*i] == unknownDay {
		a.day[2*i], a.day[2*i+1] = a.daily(in)
	}
	return a.day[2*i], a.day[2*i+1]
}

// unknownDay marks a day's amount not worked out yet: daily never
// charges a negative amount.
const unknownDay money.Amount = -1

// forgetDaily starts an accrueTo call over m installments: no day's
// amounts known yet.
func (a *accrual) forgetDaily(m int) {
	if cap(a.day) < 2*m {
		a.day = make([]money.Amount, 2*m)
	}
	a.day = a.day[:2*m]
	for i := range a.day {
		a.day[i] = unknownDay
	}
}

// on is one day's penalty-rate charge on base.
func (a *accrual) on(base money.Amount) money.Amount {
	if base <= 0 {
		return 0
	}
	v, ok := a.perDay.get(base)
	if !ok {
		v = DailyPenalty(base, a.num, a.den, a.t.Rounding.Mode)
		a.perDay.put(base, v)
	}
	return v
}

// memoSlots is how many bases a penaltyMemo keeps in its arrays: two an
// installment (overdue principal and interest) for a year of monthly
// installments, with room for the amounts part payments leave.
const memoSlots = 32

// penaltyMemo maps a base to its day's penalty for one fold. A fold
// meets few bases, so arrays beat a map: close of business builds an
// accrual for every loan it folds, and hashing into and growing a new
// map each time was a seventh of its CPU (pprof, make bench-cob). A day's
// charges ask for the installments' bases in the same order every day,
// so a search starts after the last base found and mostly ends at its
// first probe. Bases past memoSlots go to a map.
type penaltyMemo struct {
	// n slots hold bases; a search starts at slot next (0 ≤ next ≤ n).
	n, next    int
	keys, vals [memoSlots]money.Amount
	more       map[money.Amount]money.Amount
}

// get returns the penalty remembered for base, if any.
func (m *penaltyMemo) get(base money.Amount) (money.Amount, bool) {
	for k := range m.n {
		i := m.next + k
		if i >= m.n {
			i -= m.n
		}
		if m.keys[i] == base {
			m.next = i + 1
			return m.vals[i], true
		}
	}
	v, ok := m.more[base]
	return v, ok
}

// put remembers base's penalty; base is not remembered yet.
func (m *penaltyMemo) put(base, v money.Amount) {
	if m.n < memoSlots {
		m.keys[m.n], m.vals[m.n] = base, v
		m.n++
		m.next = m.n
		return
	}
	if m.more == nil {
		m.more = map[money.Amount]money.Amount{}
	}
	m.more[base] = v
}

// ceiling is the most the cap lets the loan have charged by the end of day d.
func (a *accrual) ceiling(d Date) *big.Int {
	x := new(big.Int).Mul(a.capA, big.NewInt(int64(d-a.t.DisbursementDate)))
	if x.Sign() <= 0 {
		return x.SetInt64(0)
	}
	return x.Quo(x, a.capB)
}

// costDueThrough is the contract interest and the fees of the
// installments due on or before d: the part of the cap's charges that is
// not penalty or compound (issue 20: the cap counts fees). A service fee
// counts from its installment's due date, as its interest does; a late fee
// from the day after the grace it ends (accrueTo posts it at the end of
// that day's run); a prepayment fee, kept on the installment current at
// the prepayment, from that installment's due date.
func (st *LoanState) costDueThrough(d Date) money.Amount {
	var s money.Amount
	for _, in := range st.Installments {
		if in.DueDate <= d {
			s += in.InterestDue + in.FeesDue
		}
	}
	return s
}

// fits reports whether charging extra more on day d keeps the charges within
// the cap, with interest the contract interest counted on d.
func (st *LoanState) fits(a *accrual, d Date, interest money.Amount, extra *big.Int) bool {
	x := new(big.Int).Add(big.NewInt(int64(interest)), big.NewInt(int64(st.charged)))
	x.Add(x, extra)
	return x.Cmp(a.ceiling(d)) <= 0
}

// room is what may still be charged on day d under the cap, at least 0.
func (st *LoanState) room(a *accrual, d Date) money.Amount {
	r := a.ceiling(d)
	r.Sub(r, big.NewInt(int64(st.costDueThrough(d))))
	r.Sub(r, big.NewInt(int64(st.charged)))
	switch {
	case r.Sign() <= 0:
		return 0
	case !r.IsInt64():
		return math.MaxInt64
	}
	return money.Amount(r.Int64())
}

// post charges penalty and compound on installment i on the last accrued
// day.
func (st *LoanState) post(i int, pen, comp money.Amount) {
	in := &st.Installments[i]
	in.PenaltyAccrued += pen
	in.CompoundAccrued += comp
	in.lastPenalty += pen
	in.lastCompound += comp
	st.charged += pen + comp
}

// postCapped charges what fits of one day's pens and comps under the cap
// on day d. What fits goes to penalty first, oldest installment first, and
// then to compound: the cap cuts compound interest before penalty.
func (st *LoanState) postCapped(a *accrual, d Date, pens, comps []money.Amount) {
	var want money.Amount
	for i := range pens {
		want += pens[i] + comps[i]
	}
	if want == 0 {
		return
	}
	room := st.room(a, d)
	if room < want && st.CappedOn == NoDate {
		st.CappedOn = d
	}
	for i := range pens {
		p := min(room, pens[i])
		room -= p
		st.post(i, p, 0)
	}
	for i := range comps {
		c := min(room, comps[i])
		room -= c
		st.post(i, 0, c)
	}
}

// accrueTo runs penalty accrual from the day after the last accrued day
// through end. Amounts overdue only change with payments, which the fold
// applies between calls, and at due dates and grace ends, which split the
// days into runs here; on a run each day's charge is the same rounded
// amount, so a run of n days charges n × that amount, exactly what n calls
// for one day each would. Only a day where the cap bites is done alone.
func (st *LoanState) accrueTo(a *accrual, end Date) {
	p := &a.t.Penalty
	grace := Date(p.GraceDays)
	pending := p.GraceMode != FromGraceEnd && p.GraceDays > 0
	var cur runCursor
	if end > st.accruedThrough+1 {
		cur = st.newRunCursor()
	}
	if !a.stepping {
		a.forgetDaily(len(st.Installments))
	}
	for st.accruedThrough < end {
		d0 := st.accruedThrough + 1
		d1 := st.runEnd(&cur, d0, end, grace)
		dc := st.dailyCharges(a, d0, grace, pending)
		n := money.Amount(d1 - d0 + 1)
		full := n
		if p.HasCap && dc.total > 0 {
			full = st.fullDays(a, d0, n, dc.total)
		}
		days := n
		if full < n {
			// The day after the full ones is the cap's: done alone.
			days = full + 1
		}
		d1 = d0 + Date(days) - 1
		st.chargeRun(&dc, days, full)
		if full < days {
			st.postCapped(a, d1, dc.pens, dc.comps)
		}
		st.accruedThrough = d1
		st.endGrace(a, d1)
		if a.late {
			// A late fee is decided at the end of its grace's last day, the
			// last day of a run: posted here, the cap counts it from the
			// next day, however the log's events split the runs.
			st.postLateFees(a.t, d1)
		}
	}
}

// runEnd is the last day, at most end, of the run of days that starts on
// d0. A run ends the day before a due date, on the due date and on the
// last day of a grace, because those are the only days after which what
// an installment is charged per day can change (payments aside, which the
// fold applies between calls); within a run every day charges the same.
//
// With the installments in due date order (r.sorted), the search starts
// at r.from, past the installments whose every boundary is behind, and
// stops at the first one due after the run's end found so far: a fold's
// runs go forward, so over a long call this is linear in the runs and
// installments together, not their product.
func (st *LoanState) runEnd(r *runCursor, d0, end, grace Date) Date {
	d1 := end
	if d0 >= end {
		return end
	}
	i := 0
	if r.sorted {
		for r.from < len(st.Installments) && st.Installments[r.from].DueDate+grace+1 <= d0 {
			r.from++
		}
		i = r.from
	}
	for ; i < len(st.Installments); i++ {
		due := st.Installments[i].DueDate
		if r.sorted && due-1 >= d1 {
			break
		}
		for _, b := range [3]Date{due, due + 1, due + grace + 1} {
			if b > d0 && b-1 < d1 {
				d1 = b - 1
			}
		}
	}
	return d1
}

// runCursor is where runEnd's search starts, over one accrueTo call.
type runCursor struct {
	// sorted says the installments are in due date order, as a schedule
	// makes them; from is the first whose last boundary is not behind.
	sorted bool
	from   int
}

// newRunCursor is a cursor over the installments of st.
func (st *LoanState) newRunCursor() runCursor {
	for i := 1; i < len(st.Installments); i++ {
		if st.Installments[i].DueDate < st.Installments[i-1].DueDate {
			return runCursor{}
		}
	}
	return runCursor{sorted: true}
}

// dayCharges are one day's charges on each installment over a run of days
// on which they do not change: penalty and compound interest charged, and
// the same held aside within grace. The slices are the accrual's scratch
// buffers, reused by the next run, because a fold can have many runs and
// each would otherwise allocate four slices.
type dayCharges struct {
	pens, comps, graceP, graceC []money.Amount
	// total is what one day charges beyond grace, on all installments.
	total money.Amount
}

// dailyCharges works out one day's charges of the run from d0: nothing on
// an installment not yet due; held aside within its grace, when pending
// (the policy charges the grace days if the grace ends unpaid); charged
// after. It also clears what the last accrued day charged, since the run's
// days are about to replace it.
func (st *LoanState) dailyCharges(a *accrual, d0, grace Date, pending bool) dayCharges {
	var dc dayCharges
	dc.pens, dc.comps, dc.graceP, dc.graceC = a.buffers(len(st.Installments))
	for i := range st.Installments {
		in := &st.Installments[i]
		in.lastPenalty, in.lastCompound = 0, 0
		if in.DueDate >= d0 {
			continue
		}
		if d0 <= in.DueDate+grace {
			// Within grace: held aside, charged at its end if unpaid.
			if pending {
				dc.graceP[i], dc.graceC[i] = a.dailyOf(i, in)
			}
			continue
		}
		dc.pens[i], dc.comps[i] = a.dailyOf(i, in)
		dc.total += dc.pens[i] + dc.comps[i]
	}
	return dc
}

// fullDays is how many days of the n-day run from d0 can charge total
// each in full under the cap. Day k of the run fits iff
// (X + k·total)·capB ≤ capA·(e + k), linear in k: the days that fit form
// an interval, so the run of full days from the first is found by
// bisection rather than day by day, since a run can be years long.
func (st *LoanState) fullDays(a *accrual, d0 Date, n, total money.Amount) money.Amount {
	interest := st.costDueThrough(d0)
	fit := func(k money.Amount) bool {
		extra := new(big.Int).Mul(big.NewInt(int64(k)), big.NewInt(int64(total)))
		return st.fits(a, d0+Date(k)-1, interest, extra)
	}
	if !fit(1) {
		return 0
	}
	lo, hi := money.Amount(1), n
	for lo < hi {
		mid := lo + (hi-lo+1)/2
		if fit(mid) {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo
}

// chargeRun charges the full days of a run of days at once: full × the
// day's amount is exactly what charging each day alone would add. Grace
// amounts are held for every day of the run, the cap's day too, because
// the cap applies to them when the grace ends and they are charged.
func (st *LoanState) chargeRun(dc *dayCharges, days, full money.Amount) {
	for i := range st.Installments {
		in := &st.Installments[i]
		in.gracePenalty += days * dc.graceP[i]
		in.graceCompound += days * dc.graceC[i]
		in.PenaltyAccrued += full * dc.pens[i]
		in.CompoundAccrued += full * dc.comps[i]
		st.charged += full * (dc.pens[i] + dc.comps[i])
		if full == days {
			in.lastPenalty, in.lastCompound = dc.pens[i], dc.comps[i]
		}
	}
}

// endGrace settles the grace of an installment whose grace ends on day d:
// paid by then, it owes no penalty for the grace days; otherwise, with
// FromDueDate, the penalty of those days, held aside until now, is charged
// on d (after d's other charges, under the cap).
func (st *LoanState) endGrace(a *accrual, d Date) {
	p := &a.t.Penalty
	if p.GraceDays == 0 {
		return
	}
	for i := range st.Installments {
		in := &st.Installments[i]
		if in.DueDate+Date(p.GraceDays) != d {
			continue
		}
		pen, comp := in.gracePenalty, in.graceCompound
		in.gracePenalty, in.graceCompound = 0, 0
		if in.PrincipalDue-in.PrincipalPaid+in.unpaidInterest() == 0 || pen+comp == 0 {
			continue
		}
		if !p.HasCap {
			st.post(i, pen, comp)
			continue
		}
		pens := make([]money.Amount, len(st.Installments))
		comps := make([]money.Amount, len(st.Installments))
		pens[i], comps[i] = pen, comp
		st.postCapped(a, d, pens, comps)
	}
}
