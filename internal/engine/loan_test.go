package engine

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/loancore/loancore/internal/money"
)

// loan12k is 12,000 CNY at 12% a year over 12 months from 2024-01-15:
// level installment 1066.19, first installment 946.19 principal + 120.00
// interest (12,000 × 1%), second 955.65 + 110.54.
func loan12k() Terms {
	return Terms{
		Currency:         fixtureCurrency("CNY"),
		Principal:        1_200_000,
		AnnualRate:       fixtureRate("12"),
		InstallmentCount: 12,
		Frequency:        Frequency{Unit: Month, Every: 1},
		Method:           EqualInstallment,
		DisbursementDate: DateOf(2024, 1, 15),
		FirstDueDate:     NoDate,
		InterestAccrual:  Periodic,
		DayCount:         Act360,
		Rounding:         Rounding{Mode: money.HalfUp, Multiple: 1},
	}
}

func pay(seq int64, d Date, amount money.Amount) Event {
	return Event{Seq: seq, Kind: EventRepayment, ValueDate: d, Amount: amount}
}

func TestFoldOnTimePayment(t *testing.T) {
	st := Fold(loan12k(), []Event{pay(3, DateOf(2024, 2, 15), 106619)}, DateOf(2024, 2, 20))
	in := st.Installments[0]
	if in.InterestPaid != 12000 || in.PrincipalPaid != 94619 || in.Unpaid() != 0 {
		t.Fatalf("installment 1 = %+v", in)
	}
	if o := st.Outstanding(); o.Principal != 1_105_381 || o.Interest != 0 {
		t.Fatalf("outstanding = %+v", o)
	}
	if st.DaysPastDue() != 0 || st.NextDueDate() != DateOf(2024, 3, 15) {
		t.Fatalf("dpd %d next %s", st.DaysPastDue(), st.NextDueDate())
	}
}

func TestFoldAllocationOrder(t *testing.T) {
	terms := loan12k()
	st := Fold(terms, []Event{pay(3, DateOf(2024, 2, 15), 10000)}, DateOf(2024, 2, 15))
	if in := st.Installments[0]; in.InterestPaid != 10000 || in.PrincipalPaid != 0 {
		t.Fatalf("interest first: %+v", in)
	}
	terms.Allocation = PrincipalFirst
	st = Fold(terms, []Event{pay(3, DateOf(2024, 2, 15), 10000)}, DateOf(2024, 2, 15))
	if in := st.Installments[0]; in.InterestPaid != 0 || in.PrincipalPaid != 10000 {
		t.Fatalf("principal first: %+v", in)
	}
}

func TestFoldOverdue(t *testing.T) {
	// Nothing paid; on 2024-03-20 installments 1 and 2 are overdue, the
	// oldest since 2024-02-15: 34 days.
	st := Fold(loan12k(), nil, DateOf(2024, 3, 20))
	if st.DaysPastDue() != 34 {
		t.Fatalf("dpd = %d", st.DaysPastDue())
	}
	if o := st.Outstanding(); o.Principal != 1_200_000 || o.Interest != 12000+11054 {
		t.Fatalf("outstanding = %+v", o)
	}
	// Oldest due first: 1066.19 settles installment 1 only.
	st = Fold(loan12k(), []Event{pay(3, DateOf(2024, 3, 20), 106619)}, DateOf(2024, 3, 20))
	if st.Installments[0].Unpaid() != 0 || st.Installments[1].Unpaid() != 106619 || st.DaysPastDue() != 5 {
		t.Fatalf("after paying one: %+v dpd %d", st.Installments[:2], st.DaysPastDue())
	}
}

func TestFoldPrepaymentReduceInstallment(t *testing.T) {
	terms := loan12k()
	terms.Prepayment = ReduceInstallment
	// On the first due date: the installment plus 5,000 of principal. The
	// balance 11,053.81 − 5,000 = 6,053.81 is re-amortised over the 11
	// remaining months at 1%: PMT = 6053.81 × 0.01 / (1 − 1.01^−11) = 583.91.
	st := Fold(terms, []Event{pay(3, DateOf(2024, 2, 15), 106619+500000)}, DateOf(2024, 2, 15))
	if len(st.Installments) != 12 {
		t.Fatalf("%d installments", len(st.Installments))
	}
	if r := st.Payments[0]; r.Prepaid != 500000 || r.Credit != 0 {
		t.Fatalf("payment = %+v", r)
	}
	if in := st.Installments[2]; in.PrincipalDue+in.InterestDue != 58391 {
		t.Fatalf("installment 3 = %+v, want total 583.91", in)
	}
	// Installment 2 carries the prepaid principal as paid and its own new
	// figures: interest 60.54 on 6,053.81, principal 583.91 − 60.54.
	if in := st.Installments[1]; in.PrincipalPaid != 500000 || in.InterestDue != 6054 || in.PrincipalDue != 500000+58391-6054 {
		t.Fatalf("installment 2 = %+v", in)
	}
	if o := st.Outstanding(); o.Principal != 605381 {
		t.Fatalf("outstanding = %+v", o)
	}
}

func TestFoldPrepaymentReduceTerm(t *testing.T) {
	// Same prepayment, same level 1066.19: 6,053.81 at 1% needs 6 months
	// (PMT(1%, 6) = 1044.66 ≤ 1066.19 < PMT(1%, 5) = 1247.35), so the
	// schedule ends with installment 7.
	st := Fold(loan12k(), []Event{pay(3, DateOf(2024, 2, 15), 106619+500000)}, DateOf(2024, 2, 15))
	if n := len(st.Installments); n != 7 {
		t.Fatalf("%d installments, want 7", n)
	}
	for _, in := range st.Installments[2:6] {
		if in.PrincipalDue+in.InterestDue != 106619 {
			t.Fatalf("installment %d total %d, want the level 106619", in.Number, in.PrincipalDue+in.InterestDue)
		}
	}
	if last := st.Installments[6]; last.PrincipalDue+last.InterestDue >= 106619 {
		t.Fatalf("last installment %+v should be smaller than the level", last)
	}
}

func TestFoldMidPeriodPrepaymentAndPayoff(t *testing.T) {
	events := []Event{pay(3, DateOf(2024, 2, 15), 106619)}
	// Payoff on 2024-03-01: principal 11,053.81 plus 15 days of interest
	// (2024-02-15 to 2024-03-01, a leap February):
	// 11053.81 × 12% × 15 / 360 = 55.27.
	st := Fold(loan12k(), events, DateOf(2024, 3, 1))
	p := st.PayoffAt(loan12k())
	if p.Principal != 1_105_381 || p.Interest != 5527 || p.Total() != 1_105_381+5527 {
		t.Fatalf("payoff = %+v", p)
	}
	// Paying exactly that settles the loan that day.
	st = Fold(loan12k(), append(events, pay(4, DateOf(2024, 3, 1), p.Total())), DateOf(2024, 3, 1))
	if st.PaidOffDate != DateOf(2024, 3, 1) || st.Outstanding().Total() != 0 || st.Credit != 0 {
		t.Fatalf("after payoff: %+v", st)
	}
	// A partial prepayment pays the accrued 55.27 first, then principal.
	st = Fold(loan12k(), append(events, pay(4, DateOf(2024, 3, 1), 200000)), DateOf(2024, 3, 1))
	if r := st.Payments[1]; r.Prepaid != 200000-5527 {
		t.Fatalf("prepaid = %d, want %d", r.Prepaid, 200000-5527)
	}
	// A second prepayment in the same period accrues only from the first.
	st2 := Fold(loan12k(), append(events, pay(4, DateOf(2024, 3, 1), 200000), pay(5, DateOf(2024, 3, 1), 100000)), DateOf(2024, 3, 1))
	if r := st2.Payments[2]; r.Prepaid != 100000 {
		t.Fatalf("same-day second prepayment paid interest again: %+v", r)
	}
}

func TestFoldOverpaymentBecomesCredit(t *testing.T) {
	st := Fold(loan12k(), []Event{pay(3, DateOf(2024, 1, 15), 1_200_000+1000)}, DateOf(2024, 1, 15))
	if st.Credit != 1000 || st.PaidOffDate != DateOf(2024, 1, 15) {
		t.Fatalf("credit %d paid off %s", st.Credit, st.PaidOffDate)
	}
}

func TestFoldReversalAndBackdating(t *testing.T) {
	p1 := pay(3, DateOf(2024, 2, 15), 106619)
	p2 := pay(4, DateOf(2024, 3, 15), 106619)
	asOf := DateOf(2024, 3, 20)
	base := Fold(loan12k(), []Event{p1, p2}, asOf)
	// Reversing the first payment: the second now settles installment 1.
	rev := Event{Seq: 5, Kind: EventReversal, ValueDate: asOf, Target: 3}
	st := Fold(loan12k(), []Event{p1, p2, rev}, asOf)
	if st.Installments[0].Unpaid() != 0 || st.Installments[1].Unpaid() != 106619 || len(st.Payments) != 1 {
		t.Fatalf("after reversal: %+v", st.Installments[:2])
	}
	if base.Installments[1].Unpaid() != 0 {
		t.Fatal("before reversal installment 2 should be paid")
	}
	// A backdated payment recorded last (seq 6) but valued before p2 is
	// applied before it.
	back := pay(6, DateOf(2024, 2, 1), 50000)
	st = Fold(loan12k(), []Event{p1, p2, back}, asOf)
	if st.Payments[0].Seq != 6 || st.Payments[1].Seq != 3 {
		t.Fatalf("order %d %d", st.Payments[0].Seq, st.Payments[1].Seq)
	}
}

// TestFoldConservesMoney: for random logs, every payment is either
// allocated or credited, principal paid plus outstanding principal is the
// principal, and the fold is independent of the order events are given in.
func TestFoldConservesMoney(t *testing.T) {
	seed := testSeed(t)
	rng := rand.New(rand.NewPCG(seed, 0xf01d))
	for checked := 0; checked < 2000; {
		terms := randomTerms(rng)
		terms.Prepayment = PrepaymentPolicy(1 + rng.IntN(3))
		terms.Allocation = AllocationOrder(1 + rng.IntN(2))
		if terms.Validate() != nil || terms.InstallmentCount > 60 || terms.Principal > 1_000_000_000 {
			continue
		}
		checked++
		s, _ := BuildSchedule(terms)
		var events []Event
		for seq := int64(3); seq < int64(3+rng.IntN(12)); seq++ {
			d := terms.DisbursementDate.AddDays(rng.IntN(int(s.MaturityDate-terms.DisbursementDate) + 30))
			amt := money.Amount(rng.Int64N(int64(s.InstallmentAmount)*3 + 2))
			if rng.IntN(8) == 0 {
				amt = terms.Principal
			}
			events = append(events, pay(seq, d, max(amt, 1)))
			if rng.IntN(6) == 0 {
				events = append(events, Event{Seq: seq + 100, Kind: EventReversal, ValueDate: d, Target: seq})
			}
		}
		asOf := s.MaturityDate.AddDays(rng.IntN(60))
		st := Fold(terms, events, asOf)
		var received, allocated, credit, principalPaid money.Amount
		for _, r := range st.Payments {
			received += r.Amount
			credit += r.Credit
			for _, p := range r.Parts {
				if p.Amount <= 0 {
					t.Fatalf("seed %d: non-positive part %+v", seed, p)
				}
				allocated += p.Amount
			}
		}
		for _, in := range st.Installments {
			principalPaid += in.PrincipalPaid
			if in.PrincipalPaid > in.PrincipalDue || in.InterestPaid > in.InterestDue || in.PrincipalDue < 0 || in.InterestDue < 0 {
				t.Fatalf("seed %d: overpaid component %+v\nterms %s", seed, in, describeTerms(terms))
			}
		}
		if received != allocated+credit || credit != st.Credit {
			t.Fatalf("seed %d: received %d, allocated %d + credit %d\nterms %s", seed, received, allocated, credit, describeTerms(terms))
		}
		if principalPaid+st.Outstanding().Principal != terms.Principal {
			t.Fatalf("seed %d: principal paid %d + outstanding %d != %d\nterms %s", seed, principalPaid, st.Outstanding().Principal, terms.Principal, describeTerms(terms))
		}
		// Same log, shuffled: same state.
		shuffled := append([]Event(nil), events...)
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		again := Fold(terms, shuffled, asOf)
		if again.Outstanding() != st.Outstanding() || again.Credit != st.Credit || len(again.Installments) != len(st.Installments) {
			t.Fatalf("seed %d: fold depends on arrival order", seed)
		}
	}
}

// TestFoldBulletPrepayment: a bullet loan keeps its single due date at
// maturity after a prepayment; the rest bears simple interest by days.
func TestFoldBulletPrepayment(t *testing.T) {
	terms := loan12k()
	terms.Method = Bullet
	terms.InstallmentCount = 6
	// Six months on 12,000 at 1% a month: 720.00 at 2024-07-15.
	st := Fold(terms, nil, DateOf(2024, 1, 15))
	if len(st.Installments) != 1 || st.Installments[0].InterestDue != 72000 || st.Installments[0].DueDate != DateOf(2024, 7, 15) {
		t.Fatalf("bullet = %+v", st.Installments)
	}
	// Paying 2,000 on 2024-03-15 (60 days): accrued 12000 × 12% × 60/360 =
	// 240.00 first, 1,760.00 principal; the 10,240.00 left bears interest
	// from 03-15 to 07-15 (122 days): 10240 × 12% × 122/360 = 416.43.
	st = Fold(terms, []Event{pay(3, DateOf(2024, 3, 15), 200000)}, DateOf(2024, 3, 15))
	in := st.Installments[0]
	if len(st.Installments) != 1 || in.DueDate != DateOf(2024, 7, 15) || in.PrincipalPaid != 176000 ||
		in.InterestPaid != 24000 || in.InterestDue != 24000+41643 || in.PrincipalDue != 1_200_000 {
		t.Fatalf("after prepayment: %+v", in)
	}
}

// TestAppendEqualsReplay: applying a payment to a folded state gives the
// same state as folding the whole log again, whenever Append accepts it;
// and Append refuses exactly the events that would move earlier payments
// (backdated, reversals) or that lie after the state's date.
func TestAppendEqualsReplay(t *testing.T) {
	seed := testSeed(t)
	rng := rand.New(rand.NewPCG(seed, 0xa99e))
	accepted := 0
	for checked := 0; checked < 2000; {
		terms := randomTerms(rng)
		terms.Prepayment = PrepaymentPolicy(1 + rng.IntN(3))
		terms.Allocation = AllocationOrder(1 + rng.IntN(2))
		terms.Overpayment = KeepCredit
		if rng.IntN(3) == 0 {
			// Late fees (issue 20): Append decides again those it posted
			// on or after the payment's date.
			terms.Charges = append(randomServiceFees(rng, terms), randomLateFee(rng, terms))
		}
		if terms.Validate() != nil || terms.InstallmentCount > 60 || terms.Principal > 1_000_000_000 {
			continue
		}
		checked++
		s, _ := BuildSchedule(terms)
		span := int(s.MaturityDate-terms.DisbursementDate) + 30
		asOf := terms.DisbursementDate.AddDays(rng.IntN(span))
		var events []Event
		st := FoldSchedule(terms, s, nil, asOf)
		for seq := int64(3); seq < int64(3+rng.IntN(15)); seq++ {
			e := pay(seq, terms.DisbursementDate.AddDays(rng.IntN(span)), max(1, money.Amount(rng.Int64N(int64(s.InstallmentAmount)*2+2))))
			if rng.IntN(8) == 0 && len(events) > 0 {
				e = Event{Seq: seq, Kind: EventReversal, ValueDate: e.ValueDate, Target: events[rng.IntN(len(events))].Seq}
			}
			snapshot := fmt.Sprintf("%+v", st)
			next, ok := st.Append(terms, e)
			if fmt.Sprintf("%+v", st) != snapshot {
				t.Fatalf("seed %d: Append changed the state it was given", seed)
			}
			events = append(events, e)
			replay := FoldSchedule(terms, s, events, asOf)
			last := NoDate
			if n := len(st.Payments); n > 0 {
				last = st.Payments[n-1].ValueDate
			}
			wantOK := e.Kind == EventRepayment && e.ValueDate <= asOf && (last == NoDate || e.ValueDate >= last)
			if ok != wantOK {
				t.Fatalf("seed %d: Append(%+v) = %v, want %v", seed, e, ok, wantOK)
			}
			if ok {
				accepted++
				if got, want := fmt.Sprintf("%+v", next), fmt.Sprintf("%+v", replay); got != want {
					t.Fatalf("seed %d: Append(%+v)\n got %s\nwant %s\nterms %s", seed, e, got, want, describeTerms(terms))
				}
			}
			st = replay
		}
	}
	if accepted < 1000 {
		t.Fatalf("seed %d: only %d appends accepted: the test does not exercise Append", seed, accepted)
	}
}

// TestAppendEqualsReplayWithPenalty: on loans with random penalty policies
// (grace days and modes, compound interest, bases, some capped) and random
// logs of payments with some waivers, write-offs and reversals, whenever
// Append accepts a payment its state equals the replay as of the same
// date, field by field and in every figure derived from it; Append
// refuses exactly what it must (another kind, a date after the state's, a
// date before the last payment or waiver applied); it changes neither its
// receiver nor an earlier result, even when applied twice to one state;
// and it accepts a substantial share of the payments it is offered.
func TestAppendEqualsReplayWithPenalty(t *testing.T) {
	seed := testSeed(t)
	rng := rand.New(rand.NewPCG(seed, 0xa99f))
	payments, accepted, capped, graced, writtenOff, lateFees := 0, 0, 0, 0, 0, 0
	for n := 0; n < 600; n++ {
		terms, s, _ := randomPenaltyLoan(rng)
		if rng.IntN(3) == 0 {
			// Late fees (issue 20): Append takes back those the final
			// accrual posted and decides them again.
			lt := terms
			lt.Charges = append(randomServiceFees(rng, terms), randomLateFee(rng, terms))
			if lt.Validate() == nil {
				terms, s = lt, buildSchedule(&lt)
				lateFees++
			}
		}
		if terms.Penalty.HasCap {
			capped++
		}
		if terms.Penalty.GraceDays > 0 {
			graced++
		}
		span := int(s.MaturityDate-terms.DisbursementDate) + 60
		asOf := terms.DisbursementDate.AddDays(rng.IntN(span))
		amount := func() money.Amount {
			if rng.IntN(10) == 0 {
				return terms.Principal * 2
			}
			return max(1, money.Amount(rng.Int64N(int64(s.InstallmentAmount)*2+2)))
		}
		fail := func(format string, args ...any) {
			t.Helper()
			t.Fatalf("seed %d: %s\nterms %s penalty %+v as of %s", seed, fmt.Sprintf(format, args...), describeTerms(terms), terms.Penalty, asOf)
		}
		var events []Event
		st := FoldSchedule(terms, s, nil, asOf)
		for seq := int64(3); seq < int64(3+rng.IntN(20)); seq++ {
			// Last payment or waiver applied, in the fold's order.
			last := terms.DisbursementDate
			if n := len(st.Payments); n > 0 {
				last = max(last, st.Payments[n-1].ValueDate)
			}
			if n := len(st.Waivers); n > 0 {
				last = max(last, st.Waivers[n-1].ValueDate)
			}
			pick := func() Date {
				switch rng.IntN(4) {
				case 0:
					return terms.DisbursementDate.AddDays(rng.IntN(span))
				case 1:
					// Around a due date and its grace end.
					in := s.Installments[rng.IntN(len(s.Installments))]
					return in.DueDate.AddDays(rng.IntN(terms.Penalty.GraceDays+4) - 1)
				}
				if asOf < last {
					return asOf
				}
				return last + Date(rng.IntN(int(asOf-last)+1))
			}
			e := pay(seq, pick(), amount())
			switch rng.IntN(14) {
			case 0:
				if len(events) > 0 {
					e = Event{Seq: seq, Kind: EventReversal, ValueDate: e.ValueDate, Target: events[rng.IntN(len(events))].Seq}
				}
			case 1:
				e = waiver(seq, e.ValueDate, amount(), amount(), amount())
			case 2:
				e = writeOff(seq, e.ValueDate)
			}
			before := fmt.Sprintf("%+v", st)
			next, ok := st.Append(terms, e)
			got := fmt.Sprintf("%+v", next)
			// A second Append to the same state, as a concurrent writer
			// would, disturbs neither the state nor the first result.
			st.Append(terms, pay(seq, pick(), amount()))
			if fmt.Sprintf("%+v", st) != before {
				fail("Append changed the state it was given")
			}
			if fmt.Sprintf("%+v", next) != got {
				fail("a second Append to the same state changed the first result")
			}
			events = append(events, e)
			replay := FoldSchedule(terms, s, events, asOf)
			wantOK := e.Kind == EventRepayment && e.ValueDate <= asOf && e.ValueDate >= last
			if ok != wantOK {
				fail("Append(%+v) = %v, want %v (last applied %s)", e, ok, wantOK, last)
			}
			if e.Kind == EventRepayment {
				payments++
			}
			if !ok {
				st = replay
				continue
			}
			accepted++
			if e.Kind == EventWriteOff || replay.WrittenOffDate != NoDate {
				writtenOff++
			}
			if want := fmt.Sprintf("%+v", replay); got != want {
				fail("Append(%+v)\n got %s\nwant %s", e, got, want)
			}
			// The same, spelled out: %+v would hide nothing, but the
			// figures a caller reads are what matters.
			if next.AsOf != replay.AsOf || next.Credit != replay.Credit || next.PaidOffDate != replay.PaidOffDate ||
				next.WrittenOffDate != replay.WrittenOffDate || next.CappedOn != replay.CappedOn ||
				next.Outstanding() != replay.Outstanding() || next.PayoffAt(terms) != replay.PayoffAt(terms) ||
				next.DaysPastDue() != replay.DaysPastDue() || next.NextDueDate() != replay.NextDueDate() ||
				fmt.Sprintf("%+v", next.Installments) != fmt.Sprintf("%+v", replay.Installments) ||
				fmt.Sprintf("%+v", next.Payments) != fmt.Sprintf("%+v", replay.Payments) ||
				fmt.Sprintf("%+v", next.Waivers) != fmt.Sprintf("%+v", replay.Waivers) ||
				next.open != replay.open {
				fail("Append(%+v): derived figures differ from the replay", e)
			}
			// Go on from the appended state: the next Append starts from
			// what this one kept.
			st = next
		}
	}
	t.Logf("%d of %d payments appended; %d capped loans, %d with grace, %d written-off appends, %d with late fees", accepted, payments, capped, graced, writtenOff, lateFees)
	if capped < 50 || graced < 50 || writtenOff < 10 || lateFees < 100 {
		t.Fatalf("seed %d: %d capped, %d with grace, %d written-off appends, %d with late fees: the test does not exercise them", seed, capped, graced, writtenOff, lateFees)
	}
	if accepted < 1000 || accepted*2 < payments {
		t.Fatalf("seed %d: only %d of %d payments appended: the test does not exercise Append", seed, accepted, payments)
	}
}

// TestAppendAllEqualsAppends: AppendAll of a run of events is Append of
// each in turn — the same state, on loans with and without a penalty
// policy — or false when Append refuses one of them; it leaves the state
// it was given as it was, even when it refuses an event after applying
// others; and runs of several payments are accepted often enough for the
// test to mean something.
func TestAppendAllEqualsAppends(t *testing.T) {
	seed := testSeed(t)
	rng := rand.New(rand.NewPCG(seed, 0xa9a0))
	accepted, refused := 0, 0
	for n := 0; n < 600; n++ {
		var terms Terms
		var s Schedule
		if n%2 == 0 {
			terms, s, _ = randomPenaltyLoan(rng)
		} else {
			if terms = randomTerms(rng); terms.Validate() != nil || terms.InstallmentCount > 60 {
				continue
			}
			s, _ = BuildSchedule(terms)
		}
		span := int(s.MaturityDate-terms.DisbursementDate) + 60
		asOf := terms.DisbursementDate.AddDays(rng.IntN(span))
		st := FoldSchedule(terms, s, nil, asOf)
		// Payments in date order up to asOf, now and then one out of order
		// or of another kind.
		var evs []Event
		d := terms.DisbursementDate
		for seq := int64(3); seq < int64(3+rng.IntN(8)); seq++ {
			if asOf > d {
				d += Date(rng.IntN(int(asOf-d) + 1))
			}
			e := pay(seq, d, max(1, money.Amount(rng.Int64N(int64(s.InstallmentAmount)+2))))
			switch rng.IntN(20) {
			case 0:
				e.ValueDate = terms.DisbursementDate
			case 1:
				e = writeOff(seq, d)
			}
			evs = append(evs, e)
		}
		before := fmt.Sprintf("%+v", st)
		got, ok := st.AppendAll(terms, evs)
		if fmt.Sprintf("%+v", st) != before {
			t.Fatalf("seed %d: AppendAll changed the state it was given", seed)
		}
		want, wantOK := st, true
		for _, e := range evs {
			if want, wantOK = want.Append(terms, e); !wantOK {
				break
			}
		}
		if ok != wantOK {
			t.Fatalf("seed %d: AppendAll(%+v) = %v, Appends %v\nterms %s", seed, evs, ok, wantOK, describeTerms(terms))
		}
		if !ok {
			refused++
			continue
		}
		if len(evs) > 1 {
			accepted++
		}
		if g, w := fmt.Sprintf("%+v", got), fmt.Sprintf("%+v", want); g != w {
			t.Fatalf("seed %d: AppendAll(%+v)\n got %s\nwant %s\nterms %s", seed, evs, g, w, describeTerms(terms))
		}
	}
	if accepted < 150 || refused == 0 {
		t.Fatalf("seed %d: %d runs of payments accepted, %d refused: the test does not exercise AppendAll", seed, accepted, refused)
	}
}
