package servicing_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/money"
	"github.com/loancore/loancore/internal/servicing"
	"github.com/loancore/loancore/internal/store"
)

// TestRecalcReadsFromSnapshots: a loan with interest on the actual balance,
// paid every day or few days by random part-payments (with and without a
// penalty policy), is read by GetLoan (today and 45 days on) and written
// from its latest snapshot and the events after it — each taken up a day
// at a time — in one load each, never a replay, and every answer equals
// the fold of the whole log by a service with no snapshots. This is the
// shortcut that makes GetLoan of a daily-paid loan cost what a monthly
// one does (docs/benchmarks.md); before it, the events after a snapshot
// were appended to a fold already advanced past them, which a
// recalculating fold refuses, and every read replayed.
func TestRecalcReadsFromSnapshots(t *testing.T) { seeded(t, recalcReadsFromSnapshots) }

func recalcReadsFromSnapshots(t *testing.T, raw store.Store, seed uint64) {
	const every = 4
	rng := rand.New(rand.NewPCG(seed, 0x4ec41c))
	ctx := context.Background()
	db := &countingStore{Store: raw}
	now := time.Date(2024, 1, 15, 4, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	cold, err := servicing.NewLoans(servicing.NewLoansParams{Store: db, Now: clock, Location: time.UTC, CachedLoans: -1, SnapshotEvery: every})
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := servicing.NewLoans(servicing.NewLoansParams{Store: raw, Now: clock, Location: time.UTC, CachedLoans: -1, SnapshotEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	same := func(id, what string, got servicing.LoanView) {
		t.Helper()
		want, err := fresh.GetLoan(ctx, servicing.GetLoanParams{LoanID: id, AsOf: got.AsOf})
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != want.Status || got.Version != want.Version || got.Outstanding != want.Outstanding || got.Credit != want.Credit ||
			got.DaysPastDue != want.DaysPastDue || got.NextDueDate != want.NextDueDate ||
			fmt.Sprintf("%+v", got.Installment) != fmt.Sprintf("%+v", want.Installment) {
			t.Fatalf("seed %d: %s %s as of %s: the answer differs from the log's fold\n got %+v\nwant %+v", seed, id, what, got.AsOf, got, want)
		}
	}
	for i, penalty := range []bool{false, true} {
		now = time.Date(2024, 1, 15, 4, 0, 0, 0, time.UTC)
		terms := twelveMonths()
		terms.InterestAccrual, terms.DayCount, terms.InterestRecalculation = engine.Daily, engine.Act365Fixed, true
		terms.DisbursementDate = engine.DateOf(2024, 1, 15)
		if penalty {
			terms.HasPenalty, terms.Penalty = true, engine.PenaltyPolicy{GraceDays: 3, CompoundOverdueInterest: true}
		}
		c := terms.Currency
		id := fmt.Sprintf("R%d", i)
		if _, err := cold.CreateLoan(ctx, servicing.CreateLoanParams{RequestID: "c-" + id, RequestHash: "c", LoanID: id, BorrowerID: "B", Terms: terms}); err != nil {
			t.Fatal(err)
		}
		loads, writes, gets, refused, overdue := db.loads.Load(), 0, 0, 0, 0
		for k := range 60 {
			// Mostly every day or few days; now and then weeks apart, so
			// that installments fall overdue and penalty accrues.
			gap := 1 + rng.IntN(4)
			if rng.IntN(8) == 0 {
				gap = 20 + rng.IntN(25)
			}
			now = now.Add(time.Duration(gap) * 24 * time.Hour)
			amount := money.Amount(1 + rng.Int64N(40_000))
			res, err := cold.RecordRepayment(ctx, servicing.RecordRepaymentParams{RequestID: fmt.Sprintf("%s-p%d", id, k), RequestHash: "h",
				LoanID: id, Amount: amount.Format(c), ValueDate: engine.NoDate, Actor: "test"})
			var pre *servicing.PreconditionError
			if errors.As(err, &pre) {
				refused++
				continue // more than is owed, or paid off
			}
			if err != nil {
				t.Fatalf("seed %d: %s payment %d on %s: %v", seed, id, k, now.Format(time.DateOnly), err)
			}
			writes++
			if res.Loan.Outstanding.Penalty > 0 {
				overdue++
			}
			what := fmt.Sprintf("payment %d of %s", k, amount.Format(c))
			same(id, what, res.Loan)
			for _, asOf := range []engine.Date{res.Loan.AsOf, res.Loan.AsOf.AddDays(45)} {
				gets++
				read, err := cold.GetLoan(ctx, servicing.GetLoanParams{LoanID: id, AsOf: asOf})
				if err != nil {
					t.Fatal(err)
				}
				same(id, "GetLoan after "+what, read)
			}
		}
		// One load per write and per GetLoan: a snapshot that could not be
		// taken up would be followed by a second load of the whole log.
		// (A refusal decided from a snapshot is decided again: two.)
		if n := db.loads.Load() - loads; writes < 20 || n > int64(writes+gets+2*refused) {
			t.Fatalf("seed %d: %s: %d loads for %d payments, %d refusals and %d GetLoan: snapshots were read but not taken up", seed, id, n, writes, refused, gets)
		}
		if penalty && overdue == 0 {
			t.Fatalf("seed %d: %s: never overdue: the test does not exercise accrual", seed, id)
		}
		t.Logf("%s (penalty %v): %d payments (%d with penalty owed), %d refusals, %d GetLoan", id, penalty, writes, overdue, refused, gets)
	}
}
