package servicing

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/store"
	"github.com/loancore/loancore/internal/store/storetest"
)

// TestAPROfLoansBookedBefore: a loan whose terms document was written
// before the APR was kept in it (no apr_percent) shows the same APR as
// the same loan booked now, and as QuoteSchedule for its terms, on both
// stores, whether read by a replay of its log, from a snapshot by a
// server with an empty cache, or from the cache of the server that wrote
// to it last. Its stored row is not rewritten to get there.
func TestAPROfLoansBookedBefore(t *testing.T) {
	terms := monthlyTerms(360)
	terms.UpfrontFee = 2_400_00 // so the APR is not the contract rate
	q, err := QuoteSchedule(QuoteScheduleParams{Terms: terms, APRDecimals: DefaultAPRDecimals})
	if err != nil {
		t.Fatal(err)
	}
	if q.APR.Cmp(terms.AnnualRate) <= 0 {
		t.Fatalf("QuoteSchedule APR %v, want above the contract rate %v", q.APR, terms.AnnualRate)
	}
	for name, open := range storetest.Stores {
		t.Run(name, func(t *testing.T) {
			db := open(t)
			now := time.Date(2024, 6, 1, 4, 0, 0, 0, time.UTC)
			clock := func() time.Time { now = now.Add(time.Millisecond); return now }
			newServer := func() *Loans {
				l, err := NewLoans(NewLoansParams{Store: db, Now: clock, Location: time.UTC, SnapshotEvery: 1})
				if err != nil {
					t.Fatal(err)
				}
				return l
			}
			writer, ctx := newServer(), context.Background()
			if _, err := writer.CreateLoan(ctx, CreateLoanParams{RequestID: "new", RequestHash: "h", LoanID: "NEW", BorrowerID: "B", Terms: terms}); err != nil {
				t.Fatal(err)
			}
			// The old loan: what CreateLoan wrote before the APR was kept.
			old, err := newLoan(CreateLoanParams{RequestID: "old", LoanID: "OLD", BorrowerID: "B", Terms: terms}, request{method: "CreateLoan", id: "old", hash: "h"}, clock())
			if err != nil {
				t.Fatal(err)
			}
			if old.Loan.Terms, err = encodeTerms(terms, ""); err != nil {
				t.Fatal(err)
			}
			if err := db.CreateLoan(ctx, old); err != nil {
				t.Fatal(err)
			}
			for i, id := range []string{"NEW", "OLD"} {
				reads := map[string]func() (LoanView, error){
					"replay as of a past day": func() (LoanView, error) {
						return newServer().GetLoan(ctx, GetLoanParams{LoanID: id, AsOf: engine.DateOf(2024, 1, 20)})
					},
					"written, from the writer's cache": func() (LoanView, error) {
						r, err := writer.RecordRepayment(ctx, RecordRepaymentParams{RequestID: fmt.Sprintf("pay-%d", i), RequestHash: "h",
							LoanID: id, Amount: "100.00", ValueDate: engine.DateOf(2024, 2, 15)})
						return r.Loan, err
					},
					"today, from the snapshot": func() (LoanView, error) {
						return newServer().GetLoan(ctx, GetLoanParams{LoanID: id})
					},
				}
				for _, how := range []string{"replay as of a past day", "written, from the writer's cache", "today, from the snapshot"} {
					v, err := reads[how]()
					if err != nil {
						t.Fatalf("%s %s: %v", id, how, err)
					}
					if v.APR != q.APR {
						t.Errorf("%s %s: APR %v, want QuoteSchedule's %v", id, how, v.APR, q.APR)
					}
				}
			}
			rec, err := db.LoadLoan(ctx, store.LoadLoanParams{LoanID: "OLD"})
			if err != nil {
				t.Fatal(err)
			}
			if _, _, hasAPR, err := decodeTerms(rec.Loan.Terms); err != nil || hasAPR {
				t.Errorf("the old loan's terms document now has an APR (%v), or does not read: %v", hasAPR, err)
			}
		})
	}
}

// BenchmarkBookedAPR is what working out a loan's APR costs, once at
// booking (and on each store read of a loan booked before it was kept):
// a 360-installment schedule and its IRR, and the IRR alone from a
// schedule in hand, as a whole-log read of such a loan has one.
// go test ./internal/servicing -run '^$' -bench BookedAPR
func BenchmarkBookedAPR(b *testing.B) {
	terms := monthlyTerms(360)
	terms.UpfrontFee = 2_400_00
	b.Run("schedule+irr", func(b *testing.B) {
		for b.Loop() {
			if _, err := bookedAPR(terms); err != nil {
				b.Fatal(err)
			}
		}
	})
	s, err := engine.BuildSchedule(terms)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("irr", func(b *testing.B) {
		for b.Loop() {
			engine.ScheduleAPR(terms, s, DefaultAPRDecimals)
		}
	})
}
