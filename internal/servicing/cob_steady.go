package servicing

import (
	"fmt"
	"hash/fnv"
	"time"

	"github.com/loancore/loancore/internal/engine"
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

// sameFigures reports whether two positions hold the same figures: those
// a steady run keeps or grows (store.SteadyRun.Next), and their date.
func sameFigures(a, b store.Position) bool {
	return a.AsOf == b.AsOf && a.Status == b.Status && a.DaysPastDue == b.DaysPastDue && a.Bucket == b.Bucket &&
		a.RiskClass == b.RiskClass && a.Outstanding == b.Outstanding && a.Charged == b.Charged
}

// steadyRun folds the days after the position's date d one by one, from
// the loan's state as of d (engine StepDays), and returns the run they
// make: through the last day whose position is the day before's carried
// on (store.SteadyRun.Next, the rule CarryPositions applies) and that
// gives no notice, nil when the day after d already differs. The caller
// vouches that no event of the log is dated after d (steppable). The
// amounts of a day are those the first day charged.
func (c *Close) steadyRun(lg loanLog, st engine.LoanState, cl store.COBLoan, at store.Position) *store.SteadyRun {
	d := at.AsOf
	run := store.SteadyRun{Through: d, Policy: c.policy}
	prev := cl
	prev.PrevAsOf, prev.PrevBucket = d, at.Bucket
	want := at
	st.StepDays(lg.terms, d+maxSteadyDays, func(next engine.LoanState) bool {
		t := next.AsOf
		v := c.loans.headOf(lg, next, t, time.Time{})
		got := figures(cl, &v, next)
		if t == d+1 {
			run.Penalty, run.Compound = got.Charged.Penalty-at.Charged.Penalty, got.Charged.Compound-at.Charged.Compound
			if run.Penalty < 0 || run.Compound < 0 {
				return false
			}
		}
		if want = run.Next(want); !sameFigures(got, want) || len(c.notices(prev, &v, t)) > 0 {
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
