package servicing_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/money"
	"github.com/loancore/loancore/internal/servicing"
	"github.com/loancore/loancore/internal/store"
)

// crashingStore is a real store that fails every SavePositions after the
// first n: a close of business killed half-way.
type crashingStore struct {
	store.CloseOfBusiness
	n int
}

var errCrash = errors.New("killed")

func (s *crashingStore) SavePositions(ctx context.Context, p store.SavePositionsParams) error {
	if s.n == 0 {
		return errCrash
	}
	s.n--
	return s.CloseOfBusiness.SavePositions(ctx, p)
}

// createPenaltyLoans books n loans with penaltyTerms(i), their ids
// idFormat of i, by request c<i>.
func createPenaltyLoans(t *testing.T, loans *servicing.Loans, n int, idFormat string) {
	t.Helper()
	for i := range n {
		if _, err := loans.CreateLoan(context.Background(), servicing.CreateLoanParams{RequestID: fmt.Sprintf("c%d", i), RequestHash: "h",
			LoanID: fmt.Sprintf(idFormat, i), BorrowerID: "B", Terms: penaltyTerms(i), Actor: "test"}); err != nil {
			t.Fatal(err)
		}
	}
}

func penaltyTerms(i int) engine.Terms {
	c, _ := money.LookupCurrency("CNY")
	rate, _ := money.ParseRate(fmt.Sprintf("%d.5", 4+i%10), engine.MaxRatePercent)
	return engine.Terms{Currency: c, Principal: money.Amount(1_000_000 + 37_000*int64(i)), AnnualRate: rate, InstallmentCount: 3 + i%4,
		Frequency: engine.Frequency{Unit: engine.Month, Every: 1}, Method: engine.Method(1 + i%5), DisbursementDate: engine.DateOf(2024, 1, 10+i%15),
		FirstDueDate: engine.NoDate, InterestAccrual: engine.Periodic, DayCount: engine.Act360, Rounding: engine.Rounding{Mode: money.HalfUp, Multiple: 1},
		HasPenalty: true, Penalty: engine.PenaltyPolicy{GraceDays: i % 4, CompoundOverdueInterest: i%2 == 0}}
}

// TestCloseOfBusinessResumesAndJournalsOnce: a run killed after some
// batches stays RUNNING; the next run finishes the rest and journals no
// loan twice. Closing 90 days one by one leaves, for every loan, journal
// lines that sum to exactly what GetLoan(as_of=day 90) has charged, and
// positions equal to it, even with a backdated payment recorded midway.
func TestCloseOfBusinessResumesAndJournalsOnce(t *testing.T) {
	eachStore(t, func(t *testing.T, db store.Store) {
		ctx := context.Background()
		now := time.Date(2024, 9, 1, 4, 0, 0, 0, time.UTC)
		loans, err := servicing.NewLoans(servicing.NewLoansParams{Store: db, Now: func() time.Time { now = now.Add(time.Microsecond); return now }})
		if err != nil {
			t.Fatal(err)
		}
		const n = 23
		createPenaltyLoans(t, loans, n, "L%02d")
		cs := db
		start := engine.DateOf(2024, 5, 1)
		crash := &crashingStore{CloseOfBusiness: cs, n: 2}
		killed := servicing.NewClose(servicing.NewCloseParams{Store: crash, Loans: loans, BatchSize: 5})
		if _, err := killed.Run(ctx, servicing.RunParams{BusinessDate: start}); !errors.Is(err, errCrash) {
			t.Fatalf("killed run: %v", err)
		}
		cob := servicing.NewClose(servicing.NewCloseParams{Store: cs, Loans: loans, BatchSize: 5})
		half, err := cob.GetRun(ctx, start)
		if err != nil || half.Status != store.COBRunning || half.LoansDone != 10 {
			t.Fatalf("after the kill: %+v %v", half, err)
		}
		var reports []store.COBRun
		run, err := cob.Run(ctx, servicing.RunParams{BusinessDate: start, Progress: func(p servicing.COBProgress) { reports = append(reports, p.Run) }})
		if err != nil || run.Status != store.COBCompleted || run.LoansDone != n || run.LoansTotal != n {
			t.Fatalf("resumed run: %+v %v", run, err)
		}
		if len(reports) < 4 || reports[0].LoansDone != 10 {
			t.Fatalf("progress of the resumed run: %+v", reports)
		}
		// Midway through the 90 days, a payment arrives dated back.
		mid := start + 45
		if _, err := cob.Run(ctx, servicing.RunParams{BusinessDate: mid}); err != nil {
			t.Fatal(err)
		}
		if _, err := loans.RecordRepayment(ctx, servicing.RecordRepaymentParams{RequestID: "late", RequestHash: "h", LoanID: "L03",
			Amount: "5000", ValueDate: start + 10, Actor: "test"}); err != nil {
			t.Fatal(err)
		}
		end := start + 89
		if _, err := cob.Run(ctx, servicing.RunParams{BusinessDate: end}); err != nil {
			t.Fatal(err)
		}
		for i := range n {
			id := fmt.Sprintf("L%02d", i)
			v, err := loans.GetLoan(ctx, servicing.GetLoanParams{LoanID: id, AsOf: end})
			if err != nil {
				t.Fatal(err)
			}
			want := servicing.Charged(v)
			got, err := cob.AccruedTotal(ctx, id)
			if err != nil || got != want {
				t.Fatalf("%s: journal sums to %+v, GetLoan(as_of=%s) charged %+v (%v)", id, got, end, want, err)
			}
			if want.Penalty == 0 {
				t.Fatalf("%s: no penalty by %s; the test checks nothing", id, end)
			}
		}
		page, _, _, err := cob.ListDelinquent(ctx, servicing.ListDelinquentParams{PageSize: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, pos := range page {
			v, _ := loans.GetLoan(ctx, servicing.GetLoanParams{LoanID: pos.LoanID, AsOf: end})
			if pos.DaysPastDue != v.DaysPastDue || pos.Outstanding.Penalty != v.Outstanding.Penalty || pos.Outstanding.Principal != v.Outstanding.Principal || pos.Bucket != v.Bucket {
				t.Fatalf("%s: position %+v, GetLoan %+v", pos.LoanID, pos, v.Outstanding)
			}
		}
	})
}

// TestCloseOfBusinessReportsAFailingLoan: a loan that cannot be folded
// (here, a terms document no server wrote) is counted and left for the next
// run; the other loans are closed, and the date stays open.
func TestCloseOfBusinessReportsAFailingLoan(t *testing.T) {
	eachStore(t, func(t *testing.T, db store.Store) {
		ctx := context.Background()
		now := time.Date(2024, 9, 1, 4, 0, 0, 0, time.UTC)
		loans, err := servicing.NewLoans(servicing.NewLoansParams{Store: db, Now: func() time.Time { now = now.Add(time.Microsecond); return now }})
		if err != nil {
			t.Fatal(err)
		}
		createPenaltyLoans(t, loans, 2, "L%d")
		bad := store.NewLoanRecord{
			Loan:    store.LoanRecord{LoanID: "L9", BorrowerID: "B", Currency: "CNY", Terms: []byte(`{"currency":"CNY"}`), Status: "ACTIVE", CreatedAt: now},
			Events:  []store.EventRecord{{LoanID: "L9", Seq: 1, Kind: store.KindOrigination, ValueDate: "2024-01-15", RecordedAt: now, RequestID: "c9", Actor: "test"}},
			Request: store.RequestRecord{RequestID: "c9", Method: "CreateLoan", RequestHash: "h", LoanID: "L9", Seq: 1, RecordedAt: now},
		}
		if err := db.CreateLoan(ctx, bad); err != nil {
			t.Fatal(err)
		}
		cob := servicing.NewClose(servicing.NewCloseParams{Store: db, Loans: loans})
		d := engine.DateOf(2024, 6, 1)
		_, err = cob.Run(ctx, servicing.RunParams{BusinessDate: d})
		var pre *servicing.PreconditionError
		if !errors.As(err, &pre) || pre.Reason != "COB_LOANS_FAILED" {
			t.Fatalf("run with a broken loan: %v", err)
		}
		run, err := cob.GetRun(ctx, d)
		if err != nil || run.Status != store.COBRunning || run.LoansDone != 2 || run.Failures != 1 || run.LoansTotal != 3 {
			t.Fatalf("run %+v %v", run, err)
		}
		// The others were closed: their journal lines are in.
		for _, id := range []string{"L0", "L1"} {
			if a, err := cob.AccruedTotal(ctx, id); err != nil || a.Penalty == 0 {
				t.Fatalf("%s not closed: %+v %v", id, a, err)
			}
		}
	})
}

// TestJournalTakesANegativeLine: a payment dated back lowers what earlier
// dates had charged, so the next date's journal line is negative; the
// journal still sums to exactly what the loan has charged (the SQLite
// store refused to read a negative line).
func TestJournalTakesANegativeLine(t *testing.T) {
	eachStore(t, func(t *testing.T, db store.Store) {
		ctx := context.Background()
		now := time.Date(2024, 5, 2, 4, 0, 0, 0, time.UTC)
		loans, err := servicing.NewLoans(servicing.NewLoansParams{Store: db, Now: func() time.Time { return now }, Location: time.UTC})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := loans.CreateLoan(ctx, servicing.CreateLoanParams{RequestID: "c", RequestHash: "h", LoanID: "L", BorrowerID: "B",
			Terms: penaltyTerms(0), Actor: "test"}); err != nil {
			t.Fatal(err)
		}
		cob := servicing.NewClose(servicing.NewCloseParams{Store: db, Loans: loans})
		first := engine.DateOf(2024, 5, 1)
		if _, err := cob.Run(ctx, servicing.RunParams{BusinessDate: first}); err != nil {
			t.Fatal(err)
		}
		before := chargedAsOf(t, loans, "L", first)
		// Everything overdue, paid back in February.
		if _, err := loans.RecordRepayment(ctx, servicing.RecordRepaymentParams{RequestID: "p", RequestHash: "h", LoanID: "L",
			Amount: "3000.00", ValueDate: engine.DateOf(2024, 2, 10), Actor: "test"}); err != nil {
			t.Fatal(err)
		}
		if _, err := cob.Run(ctx, servicing.RunParams{BusinessDate: first + 1}); err != nil {
			t.Fatal(err)
		}
		after := chargedAsOf(t, loans, "L", first+1)
		if after.Penalty >= before.Penalty {
			t.Fatalf("charged %+v on %s, %+v the day after: the journal line is not negative; the test checks nothing", before, first, after)
		}
		if got, err := cob.AccruedTotal(ctx, "L"); err != nil || got != after {
			t.Fatalf("journal sums to %+v (%v), the loan has charged %+v", got, err, after)
		}
	})
}

// TestJournalKeepsRestructuredCharges: a loan overdue with penalty and a
// late fee is restructured, its penalty and fees capitalised and its
// rows replaced. The charges are still charges made — now owed as
// principal — so the accrual journal takes nothing back: the next date's
// line is not negative, and the journal still sums to what the loan has
// charged (issue 20; before, the replaced rows' penalty and late fees
// left the count and the line went negative).
func TestJournalKeepsRestructuredCharges(t *testing.T) {
	eachStore(t, func(t *testing.T, db store.Store) {
		ctx := context.Background()
		now := time.Date(2024, 5, 2, 4, 0, 0, 0, time.UTC)
		loans, err := servicing.NewLoans(servicing.NewLoansParams{Store: db, Now: func() time.Time { now = now.Add(time.Millisecond); return now },
			Location: time.UTC, Restructuring: servicing.RestructuringPolicy{MaxExtensionMonths: 1000}})
		if err != nil {
			t.Fatal(err)
		}
		terms := penaltyTerms(0)
		terms.Charges = []engine.Charge{{Kind: engine.LateFee, Amount: 3_000}}
		if _, err := loans.CreateLoan(ctx, servicing.CreateLoanParams{RequestID: "c", RequestHash: "h", LoanID: "L", BorrowerID: "B",
			Terms: terms, Actor: "test"}); err != nil {
			t.Fatal(err)
		}
		cob := servicing.NewClose(servicing.NewCloseParams{Store: db, Loans: loans})
		first := engine.DateOf(2024, 5, 1)
		if _, err := cob.Run(ctx, servicing.RunParams{BusinessDate: first}); err != nil {
			t.Fatal(err)
		}
		before := chargedAsOf(t, loans, "L", first)
		if before.Penalty == 0 || before.Fees == 0 {
			t.Fatalf("charged %+v by %s: no penalty or late fee to restructure; the test checks nothing", before, first)
		}
		ch := servicing.ChangesInput{Changes: engine.Changes{Capitalisation: &engine.Capitalisation{IncludePenalty: true},
			Reamortisation: &engine.Reamortisation{Method: engine.EqualInstallment, InstallmentCount: 6,
				Frequency: engine.Frequency{Unit: engine.Month, Every: 1}, FirstDueDate: engine.DateOf(2024, 6, 2)}}}
		a, err := loans.ProposeAgreement(ctx, servicing.ProposeAgreementParams{RequestID: "p", RequestHash: "p", LoanID: "L", Changes: ch, Actor: "test"})
		if err != nil {
			t.Fatal(err)
		}
		acc, err := loans.AcceptAgreement(ctx, servicing.AcceptAgreementParams{RequestID: "a", RequestHash: "a", AgreementID: a.AgreementID, SignedBy: "B", Actor: "test"})
		if err != nil {
			t.Fatal(err)
		}
		if acc.Agreement.Quote.Capitalised == "0.00" {
			t.Fatalf("nothing capitalised: %+v", acc.Agreement.Quote)
		}
		if _, err := cob.Run(ctx, servicing.RunParams{BusinessDate: first + 1}); err != nil {
			t.Fatal(err)
		}
		after := chargedAsOf(t, loans, "L", first+1)
		if after.Penalty < before.Penalty || after.Compound < before.Compound || after.Fees < before.Fees {
			t.Errorf("charged %+v on %s, %+v after the restructuring: a negative journal line", before, first, after)
		}
		if got, err := cob.AccruedTotal(ctx, "L"); err != nil || got != after {
			t.Fatalf("journal sums to %+v (%v), the loan has charged %+v", got, err, after)
		}
	})
}

// chargedAsOf is what GetLoan as of d says loan id has charged.
func chargedAsOf(t *testing.T, loans *servicing.Loans, id string, d engine.Date) store.Accrual {
	t.Helper()
	v, err := loans.GetLoan(context.Background(), servicing.GetLoanParams{LoanID: id, AsOf: d})
	if err != nil {
		t.Fatal(err)
	}
	return servicing.Charged(v)
}
