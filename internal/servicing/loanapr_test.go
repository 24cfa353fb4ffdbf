package servicing

import (
	"context"
	"crypto/sha256"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/money"
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
			old, _, err := newLoan(CreateLoanParams{RequestID: "old", LoanID: "OLD", BorrowerID: "B", Terms: terms}, request{method: "CreateLoan", id: "old", hash: "h"}, clock())
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
			if _, _, err := bookedAPR(terms); err != nil {
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

// TestOldAPRsRememberedByDocument: bookedAPROf remembers the APR it works
// out for an older loan by its terms document, so two loans with
// different terms never share one, and a read after the first takes it
// from memory: the same figure as the schedule's.
func TestOldAPRsRememberedByDocument(t *testing.T) {
	long, short := monthlyTerms(360), monthlyTerms(12)
	long.UpfrontFee = 2_400_00
	for range 2 {
		for _, terms := range []engine.Terms{long, short} {
			doc, err := encodeTerms(terms, "")
			if err != nil {
				t.Fatal(err)
			}
			sched, err := engine.BuildSchedule(terms)
			if err != nil {
				t.Fatal(err)
			}
			want := engine.ScheduleAPR(terms, sched, DefaultAPRDecimals)
			got, err := bookedAPROf(doc, terms, money.Rate{}, false, nil)
			if err != nil || got != want {
				t.Fatalf("%d installments: APR %v (%v), want %v", terms.InstallmentCount, got, err, want)
			}
			if m, ok := oldAPRs.get(sha256.Sum256(doc)); !ok || m != want {
				t.Fatalf("%d installments: remembered %v %v", terms.InstallmentCount, m, ok)
			}
		}
	}
}

// TestCreateLoanAnswersAsGetLoan: CreateLoan's answer, folded on the
// schedule it built for the APR, is the loan GetLoan reads back as of the
// same day and instant, which builds the schedule from the stored
// document, on both stores.
func TestCreateLoanAnswersAsGetLoan(t *testing.T) {
	terms := monthlyTerms(360)
	terms.UpfrontFee = 2_400_00
	for name, open := range storetest.Stores {
		t.Run(name, func(t *testing.T) {
			now := time.Date(2024, 6, 1, 4, 0, 0, 0, time.UTC)
			l, err := NewLoans(NewLoansParams{Store: open(t), Now: func() time.Time { return now }, Location: time.UTC, CachedLoans: -1})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			created, err := l.CreateLoan(ctx, CreateLoanParams{RequestID: "c", RequestHash: "h", LoanID: "L", BorrowerID: "B", Terms: terms})
			if err != nil {
				t.Fatal(err)
			}
			read, err := l.GetLoan(ctx, GetLoanParams{LoanID: "L", AsOf: created.AsOf, KnownAt: created.KnownAt})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(created, read) {
				t.Errorf("CreateLoan answered\n%+v\nGetLoan reads\n%+v", created, read)
			}
		})
	}
}

// BenchmarkCreateLoanReadBack is the part of CreateLoan the schedule
// built for the APR saves: folding the new 360-installment loan for the
// answer from its stored record, building the schedule again (rebuilt,
// as before) or taking the one in hand (built).
func BenchmarkCreateLoanReadBack(b *testing.B) {
	now := time.Date(2024, 6, 1, 4, 0, 0, 0, time.UTC)
	rec, built, err := newLoan(CreateLoanParams{RequestID: "c", LoanID: "L", BorrowerID: "B", Terms: monthlyTerms(360)},
		request{method: "CreateLoan", id: "c", hash: "h"}, now)
	if err != nil {
		b.Fatal(err)
	}
	rec.Loan.Version = 2
	for name, in := range map[string]*builtSchedule{"rebuilt": nil, "built": &built} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				lg, err := logWith("L", rec.Loan, rec.Events, now, in)
				if err != nil || len(lg.schedule.Installments) != 360 {
					b.Fatal(err)
				}
				_ = lg.fold(engine.DateOf(2024, 6, 1))
			}
		})
	}
}
