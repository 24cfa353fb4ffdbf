package engine

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/loancore/loancore/internal/money"
)

// TestAdvanceToEqualsReplay: for random loans with and without penalty
// policies and random logs (payments, reversals, waivers, write-offs,
// restructuring agreements of every kind, interest freezes included),
// folded as of a day d1 on or after the log's last event, AdvanceTo a
// later d2 gives the replay as of d2, field by field; it changes neither
// its receiver nor what it shares; a payment appended to the advanced
// state equals the replay with it, so a cached fold may serve a later
// day's write; and it refuses an earlier date.
func TestAdvanceToEqualsReplay(t *testing.T) {
	seed := testSeed(t)
	rng := rand.New(rand.NewPCG(seed, 0xad7a))
	penalty, agreements, frozen, writtenOff, appended, withFees, lateFees := 0, 0, 0, 0, 0, 0, 0
	for n := 0; n < 800; n++ {
		c, ok := randomLogCase(rng)
		if !ok {
			continue
		}
		terms, s, events, d1, d2 := c.terms, c.sched, c.events, c.d1, c.d2
		fail := func(format string, args ...any) {
			t.Helper()
			c.fatalf(t, seed, format, args...)
		}
		st := FoldSchedule(terms, s, events, d1)
		before := fmt.Sprintf("%+v", st)
		if _, ok := st.AdvanceTo(terms, d1-1); ok && d1 > terms.DisbursementDate {
			fail("AdvanceTo an earlier date accepted")
		}
		adv, ok := st.AdvanceTo(terms, d2)
		if !ok {
			fail("AdvanceTo refused a fold made with the terms")
		}
		if fmt.Sprintf("%+v", st) != before {
			fail("AdvanceTo changed the state it was given")
		}
		replay := FoldSchedule(terms, s, events, d2)
		if got, want := describeFold(adv), describeFold(replay); got != want {
			fail("AdvanceTo\n got %s\nwant %s", got, want)
		}
		if adv.Outstanding() != replay.Outstanding() || adv.DaysPastDue() != replay.DaysPastDue() || adv.PayoffAt(terms) != replay.PayoffAt(terms) {
			fail("AdvanceTo: derived figures differ from the replay")
		}
		if terms.HasPenalty {
			penalty++
		}
		if len(terms.Charges) > 0 {
			// Money is conserved with fees: every payment is on a
			// component of an installment, or credit.
			checkConserved(t, events, replay)
			withFees++
		}
		if _, _, f := replay.Charged(); f > 0 {
			lateFees++
		}
		if len(replay.Agreements) > 0 {
			agreements++
		}
		if replay.frozen {
			frozen++
		}
		if replay.WrittenOffDate != NoDate {
			writtenOff++
		}
		// A later day's payment on the advanced state, as the cache makes
		// it: the same as the replay with it.
		if c.appendLater(rng, adv, fail) {
			appended++
		}
	}
	t.Logf("%d penalty loans, %d with agreements (%d frozen), %d written off, %d payments appended after advancing, %d with fees, %d charged late fees",
		penalty, agreements, frozen, writtenOff, appended, withFees, lateFees)
	if penalty < 200 || agreements < 100 || frozen < 5 || writtenOff < 30 || appended < 300 || withFees < 50 || lateFees < 50 {
		t.Fatalf("seed %d: the test does not exercise AdvanceTo enough", seed)
	}
}

// logCase is a random loan, its log, and two days to fold it as of: d1 on
// or after the log's last value date, d2 on or after d1.
type logCase struct {
	terms  Terms
	sched  Schedule
	events []Event
	d1, d2 Date
}

// fatalf fails the test with the case and the seed that drew it.
func (c logCase) fatalf(t testing.TB, seed uint64, format string, args ...any) {
	t.Helper()
	t.Fatalf("seed %d: %s\nterms %s penalty %v %+v\nevents %+v\nd1 %s d2 %s", seed, fmt.Sprintf(format, args...),
		describeTerms(c.terms), c.terms.HasPenalty, c.terms.Penalty, c.events, c.d1, c.d2)
}

// randomLogCase is a random loan and log of every kind TestAdvanceToEqualsReplay
// names, or false when the drawn agreement cannot be quoted on its loan.
func randomLogCase(rng *rand.Rand) (logCase, bool) {
	var terms Terms
	var s Schedule
	var events []Event
	switch rng.IntN(3) {
	case 0:
		var st LoanState
		var c Changes
		terms, s, events, st, c = restructureCase(rng)
		if _, err := QuoteRestructuring(terms, st, st.AsOf, c); err != nil {
			return logCase{}, false
		}
		events = append(events, agreementEvent(900, st.AsOf, c))
	case 1:
		terms, s, events = randomPenaltyLoan(rng)
		if rng.IntN(3) == 0 {
			// Late fees (issue 20): decided in the fold's walk, which
			// AdvanceTo and Append take up.
			lt := terms
			lt.Charges = append(randomServiceFees(rng, terms), randomLateFee(rng, terms))
			if lt.Validate() == nil {
				terms, s = lt, buildSchedule(&lt)
			}
		}
	default:
		for {
			terms = randomTerms(rng)
			terms.Prepayment = PrepaymentPolicy(1 + rng.IntN(3))
			if rng.IntN(3) == 0 {
				// Service fees in the fold (issue 20).
				terms.Charges = randomServiceFees(rng, terms)
				if rng.IntN(2) == 0 {
					terms.Charges = append(terms.Charges, randomPrepaymentFee(rng, terms))
				}
				if rng.IntN(2) == 0 {
					terms.Charges = append(terms.Charges, randomLateFee(rng, terms))
				}
			}
			if terms.Validate() == nil && terms.InstallmentCount <= 60 && terms.Principal <= 1_000_000_000 {
				break
			}
		}
		s = buildSchedule(&terms)
		span := int(s.MaturityDate-terms.DisbursementDate) + 60
		for seq := int64(3); seq < int64(3+rng.IntN(10)); seq++ {
			d := terms.DisbursementDate.AddDays(rng.IntN(span))
			amt := max(1, money.Amount(rng.Int64N(int64(s.InstallmentAmount)*3+2)))
			events = append(events, pay(seq, d, amt))
		}
	}
	// Some waivers and a write-off now and then, on any loan.
	span := int(s.MaturityDate-terms.DisbursementDate) + 60
	if rng.IntN(4) == 0 {
		w := waiver(800, terms.DisbursementDate.AddDays(rng.IntN(span)), money.Amount(rng.Int64N(5000)), money.Amount(rng.Int64N(5000)), money.Amount(rng.Int64N(5000)))
		if len(terms.Charges) > 0 {
			w.WaiveFees = money.Amount(rng.Int64N(5000))
		}
		events = append(events, w)
	}
	if rng.IntN(8) == 0 {
		events = append(events, writeOff(801, terms.DisbursementDate.AddDays(rng.IntN(span))))
	}
	last := terms.DisbursementDate
	for _, e := range events {
		last = max(last, e.ValueDate)
	}
	d1 := last.AddDays(rng.IntN(40))
	return logCase{terms: terms, sched: s, events: events, d1: d1, d2: d1.AddDays(rng.IntN(400))}, true
}

// appendLater pays a random amount on d2 into adv, a fold as of d2, as a
// cached or snapshotted fold takes a later day's payment, and fails unless
// the result is the replay with that payment. It reports whether Append
// took the payment.
func (c logCase) appendLater(rng *rand.Rand, adv LoanState, fail func(format string, args ...any)) bool {
	p := pay(1000, c.d2, max(1, money.Amount(rng.Int64N(int64(c.sched.InstallmentAmount)*2+2))))
	next, ok := adv.Append(c.terms, p)
	if !ok {
		return false
	}
	if got, want := describeFold(next), describeFold(FoldSchedule(c.terms, c.sched, append(c.events, p), c.d2)); got != want {
		fail("Append after AdvanceTo\n got %s\nwant %s", got, want)
	}
	return true
}

// describeFold prints a state field by field, with the plan an agreement
// installed by value rather than by address, so two folds compare as text.
func describeFold(st LoanState) string {
	plan := st.plan
	st.plan = nil
	if plan == nil {
		return fmt.Sprintf("%+v", st)
	}
	return fmt.Sprintf("%+v plan %+v", st, *plan)
}

// randomLateFee is a late fee of a random percent of the overdue amount,
// capped half the time, or a random fixed amount.
func randomLateFee(rng *rand.Rand, terms Terms) Charge {
	if rng.IntN(2) == 0 {
		return Charge{Kind: LateFee, Amount: money.Amount(1 + rng.Int64N(int64(terms.Principal)/100+1))}
	}
	c := Charge{Kind: LateFee, Percent: money.Rate{Units: uint64(1 + rng.IntN(1000)), Scale: 2}, Basis: OverdueAmount}
	if rng.IntN(2) == 0 {
		c.Cap = money.Amount(1 + rng.Int64N(10_000))
	}
	return c
}
