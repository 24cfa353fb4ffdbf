package engine

import (
	"testing"

	"github.com/loancore/loancore/internal/money"
)

// BenchmarkLateFeeWrite is the engine's part of a payment on a loan with a
// late fee (issue 20): a 36-month 12,000.00 loan with a penalty policy (3
// grace days), a 72.00 service fee and a 5% late fee capped at 50.00,
// whose first 24 installments were each paid 5 days late (so each bore a
// late fee) and whose next 12 are overdue, plus a payment on 2027-01-20. "replay" folds the whole log with
// it, what every write on such a loan did before Append took late fees;
// "append" applies it to the fold as of that day, what a write with a
// cached fold or a snapshot does now.
func BenchmarkLateFeeWrite(b *testing.B) {
	terms := loan12k()
	terms.InstallmentCount = 36
	terms.HasPenalty, terms.Penalty = true, PenaltyPolicy{GraceDays: 3}.WithDefaults()
	terms.Charges = []Charge{{Kind: ServiceFee, Amount: 7_200},
		{Kind: LateFee, Percent: money.Rate{Units: 5}, Basis: OverdueAmount, Cap: 5_000}}
	sched := buildSchedule(&terms)
	var events []Event
	for k, in := range sched.Installments[:24] {
		events = append(events, pay(int64(k+3), in.DueDate.AddDays(5), in.Total+in.Fees+5_000+2_000))
	}
	asOf := DateOf(2027, 1, 20)
	p := pay(100, asOf, 10_000)
	st := FoldSchedule(terms, sched, events, asOf)
	if _, ok := st.Append(terms, p); !ok {
		b.Fatal("Append refused the payment")
	}
	all := append(append([]Event(nil), events...), p)
	b.Run("replay", func(b *testing.B) {
		for b.Loop() {
			FoldSchedule(terms, sched, all, asOf)
		}
	})
	b.Run("append", func(b *testing.B) {
		for b.Loop() {
			st.Append(terms, p)
		}
	})
}
