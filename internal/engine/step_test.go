package engine

import (
	"math/rand/v2"
	"testing"
)

// TestStepToEqualsReplay: for random loans and logs of every kind
// TestAdvanceToEqualsReplay draws (penalty policies, late fees,
// agreements, freezes, write-offs), folded as of a day d1 on or after the
// log's last event, StepTo the next day, and day after day to a later d2
// as close of business steps a loan it closes every day, gives the replay
// as of that day, field by field; the same from the state's snapshot
// when it has one, and from its step state (EncodeStepState, as close of
// business stores it) but for the payments it leaves out; it does not change
// its receiver; a payment appended after stepping equals the replay with
// it; and it refuses an earlier date. testSeed prints the seed and how
// to replay it.
func TestStepToEqualsReplay(t *testing.T) {
	seed := testSeed(t)
	rng := rand.New(rand.NewPCG(seed, 0x57e9))
	penalty, snapshots, steps, lateFees, frozen := 0, 0, 0, 0, 0
	for n := 0; n < 250; n++ {
		c, ok := randomLogCase(rng)
		if !ok {
			continue
		}
		c.d2 = c.d1.AddDays(rng.IntN(60))
		fail := func(format string, args ...any) {
			t.Helper()
			c.fatalf(t, seed, format, args...)
		}
		st := FoldSchedule(c.terms, c.sched, c.events, c.d1)
		if _, ok := st.StepTo(c.terms, c.d1-1); ok {
			fail("StepTo an earlier date accepted")
		}
		if b, err := st.EncodeSnapshot(); err == nil {
			if st, err = DecodeSnapshot(b); err != nil {
				fail("snapshot: %v", err)
			}
			snapshots++
		}
		before := describeFold(st)
		cur, light := st, LoanState{}
		if b, err := st.EncodeStepState(); err == nil {
			if light, err = DecodeSnapshot(b); err != nil {
				fail("step state: %v", err)
			}
		}
		// StepDays visits each day as StepTo gives it.
		var days []string
		st.StepDays(c.terms, c.d2, func(s LoanState) bool { days = append(days, describeFold(s)); return true })
		if len(days) != int(c.d2-c.d1) {
			fail("StepDays visited %d days of %d", len(days), c.d2-c.d1)
		}
		for d := c.d1 + 1; d <= c.d2; d++ {
			next, ok := cur.StepTo(c.terms, d)
			if !ok {
				fail("StepTo refused %s", d)
			}
			if got := days[d-c.d1-1]; got != describeFold(next) {
				fail("StepDays on %s\n got %s\nwant %s", d, got, describeFold(next))
			}
			replay := FoldSchedule(c.terms, c.sched, c.events, d)
			if got, want := describeFold(next), describeFold(replay); got != want {
				fail("StepTo %s\n got %s\nwant %s", d, got, want)
			}
			cur = next
			steps++
			if light.AsOf == NoDate {
				continue
			}
			// The step state (EncodeStepState) steps the same, its
			// payments cut to the last.
			if light, ok = light.StepTo(c.terms, d); !ok {
				fail("StepTo refused the step state on %s", d)
			}
			if n := len(replay.Payments); n > 1 {
				replay.Payments = replay.Payments[n-1:]
			}
			if got, want := describeFold(light), describeFold(replay); got != want {
				fail("StepTo from the step state %s\n got %s\nwant %s", d, got, want)
			}
		}
		if describeFold(st) != before {
			fail("StepTo changed the state it was given")
		}
		if c.terms.HasPenalty {
			penalty++
		}
		if _, _, f := cur.Charged(); f > 0 {
			lateFees++
		}
		if cur.frozen {
			frozen++
		}
		c.appendLater(rng, cur, fail)
	}
	t.Logf("seed %d: %d penalty loans, %d from snapshots, %d steps, %d charged late fees, %d frozen", seed, penalty, snapshots, steps, lateFees, frozen)
	if penalty < 60 || snapshots < 80 || steps < 3000 || lateFees < 15 || frozen < 2 {
		t.Fatalf("seed %d: the test does not exercise StepTo enough", seed)
	}
}

// TestStepToRefusesRecalc: interest on the actual balance is accounted
// payment by payment; StepTo leaves it to AdvanceTo.
func TestStepToRefusesRecalc(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	terms, s, events := randomRecalcLoan(rng)
	st := FoldSchedule(terms, s, events, s.MaturityDate)
	if _, ok := st.StepTo(terms, s.MaturityDate+1); ok {
		t.Fatalf("StepTo stepped a recalc loan (%s)", describeTerms(terms))
	}
}
