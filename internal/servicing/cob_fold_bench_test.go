package servicing

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/money"
	"github.com/loancore/loancore/internal/store"
)

// BenchmarkCOBFold folds one loan for a close of business, in memory (no
// database): a 36-month loan with a penalty policy and 40 repayments in its
// log, replayed whole (from=log, as before snapshots) or taken up from a
// snapshot at its 36th event with the 4 events after it (from=snapshot),
// or stepped on from the state its position of the day before kept
// (from=state: nothing recorded since; the fold alone, not the state's
// encoding for the next date).
// go test ./internal/servicing -run '^$' -bench COBFold
func BenchmarkCOBFold(b *testing.B) {
	terms, loan := benchPenaltyLoan(b, 36, 42)
	events := []store.EventRecord{{LoanID: "L", Seq: 1, Kind: store.KindOrigination, ValueDate: "2024-01-15"},
		{LoanID: "L", Seq: 2, Kind: store.KindDisbursement, ValueDate: "2024-01-15", Amount: "12000.00"}}
	for i := range 40 {
		// Paid a little late and a little short, now and then.
		d := engine.DateOf(2024, 2, 15).AddMonths(i / 2).AddDays(3 * (i % 2))
		events = append(events, store.EventRecord{LoanID: "L", Seq: int64(3 + i), Kind: store.KindRepayment, ValueDate: d.String(),
			Amount: money.Amount(19_000 + 500*(i%3)).Format(terms.Currency)})
	}
	// Closed five days after the last payment.
	business := engine.DateOf(2024, 2, 15).AddMonths(19).AddDays(3 + 5)
	c := benchClose(b, NewCloseParams{})
	ctx := context.Background()
	// The snapshot a repayment would have stored with event 38.
	const at = 38
	lg, err := logOf("L", loan, events[:at], time.Time{})
	if err != nil {
		b.Fatal(err)
	}
	snapAsOf := lg.latestValueDate()
	sn := snapshotOf(lg.fold(snapAsOf), at, snapAsOf, snapAsOf, false)
	if sn == nil {
		b.Fatal("no snapshot")
	}
	full := store.COBLoan{Loan: loan, Events: events}
	fromSnapshot := store.COBLoan{Loan: loan, Events: events[at:], Snapshot: sn}
	_, want, err := c.fold(ctx, full, business, nil)
	if err != nil {
		b.Fatal(err)
	}
	// The state the position of the day before kept (StepUnchanged).
	_, state := benchStateBefore(b, c, full, business)
	stepped := store.COBLoan{Loan: loan, PrevAsOf: business - 1, PrevVersion: 42, PrevState: state}
	for name, cl := range map[string]store.COBLoan{"from=log": full, "from=snapshot": fromSnapshot, "from=state": stepped} {
		// memo=none decodes the terms for each fold; memo=run as a run of
		// close of business does, once for the loans that share them.
		for memoName, memo := range map[string]*termsMemo{"none": nil, "run": {}} {
			b.Run(name+"/memo="+memoName, func(b *testing.B) {
				for b.Loop() {
					_, st, err := c.fold(ctx, cl, business, memo)
					if err != nil || fmt.Sprint(st.Outstanding()) != fmt.Sprint(want.Outstanding()) {
						b.Fatal(err, st.Outstanding(), want.Outstanding())
					}
				}
			})
		}
	}
}

// benchPenaltyLoan is a months-installment loan with a penalty policy and
// compound interest, as the close of business benchmarks fold, and its
// stored row at version.
func benchPenaltyLoan(b *testing.B, months int, version int64) (engine.Terms, store.LoanRecord) {
	b.Helper()
	terms := monthlyTerms(months)
	terms.HasPenalty, terms.Penalty = true, engine.PenaltyPolicy{GraceDays: 3, CompoundOverdueInterest: true}
	doc, err := encodeTerms(terms, "")
	if err != nil {
		b.Fatal(err)
	}
	return terms, store.LoanRecord{LoanID: "L", BorrowerID: "B", Currency: "CNY", Terms: doc, Status: store.StatusActive, Version: version}
}

// benchClose is a Close with no store, on Loans with none, for folding
// pages in memory.
func benchClose(b *testing.B, p NewCloseParams) *Close {
	b.Helper()
	loans, err := NewLoans(NewLoansParams{Location: time.UTC})
	if err != nil {
		b.Fatal(err)
	}
	p.Loans = loans
	return NewClose(p)
}

// benchStateBefore is cl's fold as of the day before d and its step state,
// as the position of that day keeps it.
func benchStateBefore(b *testing.B, c *Close, cl store.COBLoan, d engine.Date) (engine.LoanState, []byte) {
	b.Helper()
	_, prev, err := c.fold(context.Background(), cl, d-1, nil)
	if err != nil {
		b.Fatal(err)
	}
	state, err := prev.EncodeStepState()
	if err != nil {
		b.Fatal(err)
	}
	return prev, state
}
