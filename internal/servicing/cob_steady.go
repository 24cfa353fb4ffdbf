package servicing

import (
	"fmt"
	"hash/fnv"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/money"
	"github.com/loancore/loancore/internal/store"
)

// A steady run (issue 21): most overdue loans change on most dates only
// by a day's penalty and compound interest, one more day past due, and
// no notice. Close of business finds how long that lasts by folding the
// days ahead when it folds a loan (steadyRun), keeps it with the
// position (store.SteadyRun), and on the following dates carries such a
// loan on in the store (store CarryPositions) instead of reading,
// folding and writing it. A run is only what the fold gave, day by day:
// it ends the day before anything else would change (a due date, a
// grace's end, a late fee, a bucket edge, a reminder, the cap), and a
// loan that records anything leaves it (its version moves).

// maxSteadyDays bounds how far ahead a fold looks: a run longer than a
// month costs a longer look, once a month, for nothing more.
const maxSteadyDays = 31

// steadyFormat is the version of the look ahead, part of the policy
// fingerprint: a loand that would find other runs must not carry on
// those an older one found.
const steadyFormat = 1

// policyFingerprint names the policy a run holds under: what besides the
// loan's log decides its position and notices of a date.
func (c *Close) policyFingerprint() int64 {
	h := fnv.New64a()
	fmt.Fprintf(h, "%d|%+v|%+v|%d|%d|%d", steadyFormat, c.loans.delinquency, c.loans.restructuring, c.reminderDays, c.prenoticeDays,
		c.loans.snapshotFormat())
	return int64(h.Sum64() >> 1)
}

// dayFigures are what a position of a date holds that a run must keep
// steady or grow by the day.
type dayFigures struct {
	status      string
	dpd         int
	bucket      engine.Bucket
	risk        engine.RiskClass
	outstanding engine.Outstanding
	charged     store.Accrual
}

// figuresOf is a view's figures.
func figuresOf(v LoanView, st engine.LoanState) dayFigures {
	return dayFigures{status: v.Status, dpd: v.DaysPastDue, bucket: v.Bucket, risk: v.RiskClass, outstanding: v.Outstanding,
		charged: charged(st)}
}

// onFrom is f, a position of date d, as a steady run makes it k days
// later with the daily amounts of run.
func (f dayFigures) onFrom(k int, run store.SteadyRun) dayFigures {
	if f.dpd > 0 {
		f.dpd += k
	}
	pen, comp := money.Amount(k)*run.Penalty, money.Amount(k)*run.Compound
	f.outstanding.Penalty += pen
	f.outstanding.Compound += comp
	f.charged.Penalty += pen
	f.charged.Compound += comp
	return f
}

// steadyRun folds the days after d one by one, from the loan's state as
// of d (engine StepDays), and returns the run they make: through the last
// day whose position is d's carried on (dayFigures.onFrom) and that gives
// no notice, nil when the day after already differs. The caller vouches
// that no event of the log is dated after d (steppable). The amounts of a
// day are those the first day charged.
func (c *Close) steadyRun(lg loanLog, st engine.LoanState, cl store.COBLoan, d engine.Date, at dayFigures) *store.SteadyRun {
	run := store.SteadyRun{Through: d, Policy: c.policy}
	prev := cl
	prev.PrevAsOf, prev.PrevBucket = d, at.bucket
	st.StepDays(lg.terms, d+maxSteadyDays, func(next engine.LoanState) bool {
		t := next.AsOf
		v := c.loans.headOf(lg, next, t, time.Time{})
		got := figuresOf(v, next)
		if t == d+1 {
			run.Penalty, run.Compound = got.charged.Penalty-at.charged.Penalty, got.charged.Compound-at.charged.Compound
			if run.Penalty < 0 || run.Compound < 0 {
				return false
			}
		}
		if got != at.onFrom(int(t-d), run) || len(c.notices(prev, v, t)) > 0 {
			return false
		}
		run.Through, prev.PrevAsOf = t, t
		return true
	})
	if run.Through == d {
		return nil
	}
	return &run
}
