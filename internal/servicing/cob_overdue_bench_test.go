package servicing

import (
	"context"
	"testing"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/store"
)

// BenchmarkCOBPositionOverdue is close of business's work for one loan of
// make bench-cob, in memory: a 12-month loan disbursed 11 months before
// the business date, nothing paid (10 installments overdue), penalty and
// compound interest, its whole log of two events read with no snapshot.
// memo=run is a run's loans sharing one terms document, as the bench's
// do; memo=none decodes it for every loan. from=state is the loan stepped
// on from its state of the day before, as a daily close (StepUnchanged)
// steps a loan with a longer log: with two events it is replayed
// instead (stepMinEvents), which this measures the reason for.
// go test ./internal/servicing -run '^$' -bench COBPositionOverdue
func BenchmarkCOBPositionOverdue(b *testing.B) {
	terms, loan := benchPenaltyLoan(b, 12, 2)
	disb := terms.DisbursementDate.String()
	cl := store.COBLoan{Loan: loan, PrevAsOf: engine.NoDate, Events: []store.EventRecord{
		{LoanID: "L", Seq: 1, Kind: store.KindOrigination, ValueDate: disb},
		{LoanID: "L", Seq: 2, Kind: store.KindDisbursement, ValueDate: disb, Amount: "12000.00"}}}
	c := benchClose(b, NewCloseParams{StepUnchanged: true})
	d := terms.DisbursementDate.AddMonths(11) - 1
	ctx := context.Background()
	// Its state of the day before, as a position keeps it for a longer
	// log (stepMinEvents): what stepping this loan would cost.
	prev, state := benchStateBefore(b, c, cl, d)
	b.Run("from=state", func(b *testing.B) {
		st := store.COBLoan{Loan: loan, PrevAsOf: d - 1, PrevVersion: 2, PrevState: state, Charged: charged(prev)}
		memo := &termsMemo{}
		for b.Loop() {
			pos, err := c.position(ctx, st, d, memo)
			if err != nil || pos.DaysPastDue == 0 || pos.AccruedToday.IsZero() {
				b.Fatal(err, pos.DaysPastDue)
			}
		}
	})
	// carry=on folds the days ahead too (CarrySteady), to keep the run
	// the next dates carry the loan on by: on the 10th day after a due
	// date, the 20 days up to the next (the business date itself is the
	// day before one, whose run would be empty); carry=off is the fold
	// alone on that date.
	carry := benchClose(b, NewCloseParams{StepUnchanged: true, CarrySteady: true})
	for name, c := range map[string]*Close{"carry=on": carry, "carry=off": c} {
		b.Run("memo=run/"+name, func(b *testing.B) {
			memo := &termsMemo{}
			for b.Loop() {
				pos, err := c.position(ctx, cl, d+11, memo)
				if err != nil || (pos.Steady == nil) == (c == carry) {
					b.Fatal(err, pos.Steady)
				}
			}
		})
	}
	for name, memo := range map[string]*termsMemo{"memo=none": nil, "memo=run": {}} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				pos, err := c.position(ctx, cl, d, memo)
				if err != nil || pos.DaysPastDue == 0 {
					b.Fatal(err, pos.DaysPastDue)
				}
			}
		})
	}
}
