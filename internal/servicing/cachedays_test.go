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

// TestCacheServesLaterDays: the fold one day's repayment leaves in the log
// cache serves the loan's next repayment on a later day, advanced to that
// day (penalty and compound interest accrued) rather than read back with
// the log; and every answer equals what a service without a cache folds
// from the log, with and without a penalty policy, on both stores.
func TestCacheServesLaterDays(t *testing.T) { seeded(t, cacheServesLaterDays) }

func cacheServesLaterDays(t *testing.T, raw store.Store, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 0xcac4e))
	ctx := context.Background()
	db := &countingStore{Store: raw}
	now := time.Date(2024, 1, 20, 4, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	cached, err := servicing.NewLoans(servicing.NewLoansParams{Store: db, Now: clock, Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := servicing.NewLoans(servicing.NewLoansParams{Store: raw, Now: clock, Location: time.UTC, CachedLoans: -1})
	if err != nil {
		t.Fatal(err)
	}
	for i, penalty := range []bool{false, true} {
		terms := twelveMonths()
		if penalty {
			terms.HasPenalty, terms.Penalty = true, engine.PenaltyPolicy{GraceDays: 3, CompoundOverdueInterest: true}
		}
		c := terms.Currency
		id := fmt.Sprintf("L%d", i)
		if _, err := cached.CreateLoan(ctx, servicing.CreateLoanParams{RequestID: "c-" + id, RequestHash: "c", LoanID: id, BorrowerID: "B", Terms: terms}); err != nil {
			t.Fatal(err)
		}
		loads, writes, overdue := db.loads.Load(), 0, 0
		for k := range 24 {
			now = now.Add(time.Duration(1+rng.IntN(75)) * 24 * time.Hour)
			amount := money.Amount(1 + rng.Int64N(150_000))
			res, err := cached.RecordRepayment(ctx, servicing.RecordRepaymentParams{RequestID: fmt.Sprintf("%s-p%d", id, k), RequestHash: "h",
				LoanID: id, Amount: amount.Format(c), Actor: "test"})
			var pre *servicing.PreconditionError
			if errors.As(err, &pre) {
				continue // more than is owed, or paid off
			}
			if err != nil {
				t.Fatalf("seed %d: %s payment %d on %s: %v", seed, id, k, now.Format(time.DateOnly), err)
			}
			writes++
			got := res.Loan
			if got.Outstanding.Penalty > 0 {
				overdue++
			}
			want, err := fresh.GetLoan(ctx, servicing.GetLoanParams{LoanID: id, AsOf: got.AsOf})
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != want.Status || got.Version != want.Version || got.Outstanding != want.Outstanding || got.Credit != want.Credit ||
				got.DaysPastDue != want.DaysPastDue || got.NextDueDate != want.NextDueDate ||
				fmt.Sprintf("%+v", got.Installment) != fmt.Sprintf("%+v", want.Installment) {
				t.Fatalf("seed %d: %s (penalty %v) payment %d of %s on %s: the answer differs from the log's fold\n got %+v\nwant %+v",
					seed, id, penalty, k, amount.Format(c), got.AsOf, got, want)
			}
		}
		if penalty && overdue == 0 {
			t.Fatalf("seed %d: %s: never overdue with penalty accrued: the test does not exercise accrual", seed, id)
		}
		// The first payment reads the log; a refused one reads it again (a
		// refusal decided from the cache is decided again from the store)
		// and so does the payment after it, the entry being dropped. The
		// others must not.
		if n := db.loads.Load() - loads; writes < 8 || n > 1+2*int64(24-writes) {
			t.Fatalf("seed %d: %s: %d loads for %d payments on later days: the cache did not serve them", seed, id, n, writes)
		}
	}
}

// TestCacheReplaysPastAFutureEvent: an agreement signed today with an
// effective date ahead is in the log before its day. A repayment today
// caches the loan; a repayment after the effective date must not advance
// that cached fold past the agreement (which only a replay applies), so
// its answer is the log's fold, with the agreement's plan.
func TestCacheReplaysPastAFutureEvent(t *testing.T) {
	eachStore(t, func(t *testing.T, raw store.Store) {
		ctx := context.Background()
		now := time.Date(2024, 3, 1, 4, 0, 0, 0, time.UTC)
		clock := func() time.Time { return now }
		cached, _ := servicing.NewLoans(servicing.NewLoansParams{Store: raw, Now: clock, Location: time.UTC})
		fresh, _ := servicing.NewLoans(servicing.NewLoansParams{Store: raw, Now: clock, Location: time.UTC, CachedLoans: -1})
		if _, err := cached.CreateLoan(ctx, servicing.CreateLoanParams{RequestID: "c", RequestHash: "c", LoanID: "L", BorrowerID: "B", Terms: twelveMonths()}); err != nil {
			t.Fatal(err)
		}
		effective := engine.DateOf(2024, 3, 20)
		a, err := cached.ProposeAgreement(ctx, servicing.ProposeAgreementParams{RequestID: "p", RequestHash: "p", LoanID: "L", EffectiveDate: effective,
			Changes: servicing.ChangesInput{Changes: engine.Changes{TermExtension: &engine.TermExtension{ExtraInstallments: 6}}}, Actor: "test"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cached.AcceptAgreement(ctx, servicing.AcceptAgreementParams{RequestID: "a", RequestHash: "a", AgreementID: a.AgreementID, SignedBy: "B", Actor: "test"}); err != nil {
			t.Fatal(err)
		}
		pay := func(id string) servicing.LoanView {
			t.Helper()
			res, err := cached.RecordRepayment(ctx, servicing.RecordRepaymentParams{RequestID: id, RequestHash: id, LoanID: "L", Amount: "100.00", Actor: "test"})
			if err != nil {
				t.Fatal(err)
			}
			return res.Loan
		}
		pay("p1") // today, before the effective date: the loan is cached
		now = now.AddDate(0, 0, 30)
		got := pay("p2")
		want, err := fresh.GetLoan(ctx, servicing.GetLoanParams{LoanID: "L", AsOf: got.AsOf})
		if err != nil {
			t.Fatal(err)
		}
		if len(want.Installment) <= 12 || got.AgreementID != a.AgreementID ||
			fmt.Sprintf("%+v", got.Installment) != fmt.Sprintf("%+v", want.Installment) || got.Outstanding != want.Outstanding {
			t.Fatalf("after the effective date: %d installments (the log's fold has %d), agreement %q\n got %+v\nwant %+v",
				len(got.Installment), len(want.Installment), got.AgreementID, got.Installment, want.Installment)
		}
	})
}
