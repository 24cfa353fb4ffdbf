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
	"github.com/loancore/loancore/internal/store/storetest"
)

// TestQuoteEqualsExecution: for random loans (some with a penalty
// policy), random payments and random agreements, the loan after
// AcceptAgreement has, from the quote's first installment on, exactly the
// quote's rows; the quote frozen at proposal is the quote asked for; and
// a retried acceptance changes nothing. On both stores; the seed is
// printed (replay with -seed).
func TestQuoteEqualsExecution(t *testing.T) { seeded(t, quoteEqualsExecution) }

func quoteEqualsExecution(t *testing.T, db store.Store, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 0xacce))
	ctx := context.Background()
	now := time.Date(2024, 1, 10, 2, 0, 0, 0, time.UTC)
	clock := func() time.Time { now = now.Add(time.Millisecond); return now }
	// Lenient rules: this test is about execution, not eligibility.
	loans, err := servicing.NewLoans(servicing.NewLoansParams{Store: db, Now: clock, Location: time.UTC,
		Restructuring: servicing.RestructuringPolicy{MaxExtensionMonths: 1000}})
	if err != nil {
		t.Fatal(err)
	}
	cny, _ := money.LookupCurrency("CNY")
	cases, accepted := 60, 0
	if testing.Short() {
		cases = 20
	}
	for n := range cases {
		fail := func(format string, args ...any) {
			t.Helper()
			t.Fatalf("seed %d case %d: %s", seed, n, fmt.Sprintf(format, args...))
		}
		rate, _ := money.ParseRate([]string{"4.35", "12", "24", "0", "7.2"}[rng.IntN(5)], engine.MaxRatePercent)
		disb := engine.DateOf(2024, 1, 10)
		terms := engine.Terms{
			Currency: cny, Principal: money.Amount(100_000 + rng.Int64N(5_000_000)), AnnualRate: rate,
			InstallmentCount: 3 + rng.IntN(24), Frequency: engine.Frequency{Unit: engine.Month, Every: 1},
			Method: engine.Method(1 + rng.IntN(5)), DisbursementDate: disb, FirstDueDate: engine.NoDate,
			InterestAccrual: engine.Accrual(1 + rng.IntN(2)), DayCount: engine.Act360, Rounding: engine.Rounding{Mode: money.HalfUp, Multiple: 1},
			Allocation: engine.AllocationOrder(1 + rng.IntN(4)), Prepayment: engine.PrepaymentPolicy(1 + rng.IntN(2)),
			Overpayment: engine.KeepCredit,
		}
		if rng.IntN(2) == 0 {
			terms.HasPenalty = true
			terms.Penalty = engine.PenaltyPolicy{CompoundOverdueInterest: rng.IntN(2) == 0, GraceDays: rng.IntN(4)}.WithDefaults()
		}
		id := fmt.Sprintf("Q%d", n)
		now = time.Date(2024, 1, 10, 2, 0, 0, 0, time.UTC)
		if _, err := loans.CreateLoan(ctx, servicing.CreateLoanParams{RequestID: id + "-c", RequestHash: "c", LoanID: id,
			BorrowerID: "B", Terms: terms, Actor: "t"}); err != nil {
			fail("create: %v", err)
		}
		// Some payments, then a few months on.
		day := disb
		for k := range rng.IntN(5) {
			day = day.AddDays(10 + rng.IntN(50))
			now = time.Date(2024, 1, 10, 2, 0, 0, 0, time.UTC).AddDate(0, 0, int(day-disb))
			amt := money.Amount(1 + rng.Int64N(int64(terms.Principal)/int64(terms.InstallmentCount)*2))
			if _, err := loans.RecordRepayment(ctx, servicing.RecordRepaymentParams{RequestID: fmt.Sprintf("%s-p%d", id, k), RequestHash: "p",
				LoanID: id, Amount: amt.Format(cny), Actor: "t"}); err != nil {
				var pre *servicing.PreconditionError
				if errors.As(err, &pre) {
					break
				}
				fail("repayment: %v", err)
			}
		}
		day = day.AddDays(rng.IntN(60))
		now = time.Date(2024, 1, 10, 2, 0, 0, 0, time.UTC).AddDate(0, 0, int(day-disb))
		ch := randomChanges(rng, day)
		q, err := loans.QuoteRestructuring(ctx, servicing.QuoteRestructuringParams{LoanID: id, Changes: ch})
		var inv *engine.InvalidError
		var pre *servicing.PreconditionError
		if errors.As(err, &inv) || errors.As(err, &pre) {
			continue
		}
		if err != nil {
			fail("quote: %v", err)
		}
		a, err := loans.ProposeAgreement(ctx, servicing.ProposeAgreementParams{RequestID: id + "-prop", RequestHash: "prop", LoanID: id, Changes: ch, Actor: "t"})
		if err != nil {
			fail("propose: %v", err)
		}
		if fmt.Sprint(a.Quote) != fmt.Sprint(q) {
			fail("frozen quote %+v\nquote %+v", a.Quote, q)
		}
		acceptance, err := loans.AcceptAgreement(ctx, servicing.AcceptAgreementParams{RequestID: id + "-acc", RequestHash: "acc", AgreementID: a.AgreementID, SignedBy: "B"})
		acc, v := acceptance.Agreement, acceptance.Loan
		if err != nil {
			fail("accept: %v (changes %+v)", err, ch)
		}
		if again, err := loans.AcceptAgreement(ctx, servicing.AcceptAgreementParams{RequestID: id + "-acc", RequestHash: "acc", AgreementID: a.AgreementID, SignedBy: "B"}); err != nil || again.Loan.Version != v.Version {
			fail("retried accept: version %d then %d (%v)", v.Version, again.Loan.Version, err)
		}
		accepted++
		if acc.Status != servicing.AgreementActive && acc.Status != servicing.AgreementCompleted {
			fail("status %s", acc.Status)
		}
		first := q.Installments[0].Number
		var rows []servicing.InstallmentView
		for _, in := range v.Installment {
			if in.Number >= first {
				rows = append(rows, in)
			}
		}
		if len(rows) != len(q.Installments) {
			fail("%d installments after acceptance, %d quoted (changes %+v)", len(rows), len(q.Installments), ch)
		}
		for i, r := range q.Installments {
			in := rows[i]
			got := servicing.QuoteRow{Number: in.Number, StartDate: r.StartDate, DueDate: in.DueDate.String(),
				Principal: (in.PrincipalDue - in.PrincipalPaid).Format(cny), Interest: (in.InterestDue - in.InterestPaid - in.InterestWaived).Format(cny),
				Total: r.Total, BalanceAfter: r.BalanceAfter}
			if got != r {
				fail("row %d executed %+v, quoted %+v (changes %+v)", i, got, r, ch)
			}
		}
	}
	t.Logf("%d of %d random agreements accepted", accepted, cases)
	if accepted < cases/4 {
		t.Fatalf("seed %d: only %d of %d agreements accepted", seed, accepted, cases)
	}
}

// randomChanges draws an agreement for a loan as of day.
func randomChanges(rng *rand.Rand, day engine.Date) servicing.ChangesInput {
	var in servicing.ChangesInput
	c := &in.Changes
	switch rng.IntN(7) {
	case 0:
		c.TermExtension = &engine.TermExtension{ExtraInstallments: 1 + rng.IntN(12)}
	case 1:
		c.InterestFreezePlan = &engine.InterestFreezePlan{InstallmentCount: 1 + rng.IntN(60), FirstDueDate: day.AddDays(1 + rng.IntN(40))}
		if rng.IntN(2) == 0 {
			c.InterestFreezePlan.AnnualRate, _ = money.ParseRate([]string{"3", "0.5", "7.25"}[rng.IntN(3)], engine.MaxRatePercent)
		}
	case 2:
		c.Reamortisation = &engine.Reamortisation{Method: engine.Method(1 + rng.IntN(5)), InstallmentCount: 1 + rng.IntN(36),
			Frequency: engine.Frequency{Unit: engine.Month, Every: 1}, FirstDueDate: day.AddDays(1 + rng.IntN(40))}
	case 3:
		rate, _ := money.ParseRate([]string{"3", "6.5", "0"}[rng.IntN(3)], engine.MaxRatePercent)
		c.RateChange = &engine.RateChange{AnnualRate: rate}
	case 4:
		c.Capitalisation = &engine.Capitalisation{IncludePenalty: rng.IntN(2) == 0}
		c.TermExtension = &engine.TermExtension{ExtraInstallments: 1 + rng.IntN(6)}
	case 5:
		c.PaymentHoliday = &engine.PaymentHoliday{FromInstallment: 1 + rng.IntN(12), Count: 1 + rng.IntN(3), Interest: engine.HolidayInterest(1 + rng.IntN(2))}
	}
	if rng.IntN(2) == 0 || in.Changes == (engine.Changes{}) {
		in.Waiver = &servicing.WaiverInput{Penalty: "1000000", Compound: "1000000", Interest: []string{"", "10", "1000000"}[rng.IntN(3)]}
	}
	return in
}

// TestEligibilityRules: one agreement at a time; a deferral needs
// installments of the previous plan paid on time; a loan may sign only so
// many agreements. Each refusal is a PreconditionError naming its rule.
func TestEligibilityRules(t *testing.T) {
	ctx := context.Background()
	db := storetest.Stores["sqlite"](t)
	now := time.Date(2024, 8, 1, 4, 0, 0, 0, time.UTC)
	clock := func() time.Time { now = now.Add(time.Millisecond); return now }
	newLoans := func(p servicing.RestructuringPolicy) *servicing.Loans {
		l, err := servicing.NewLoans(servicing.NewLoansParams{Store: db, Now: clock, Restructuring: p})
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	strict := newLoans(servicing.RestructuringPolicy{MaxAgreementsPerLoan: 1})
	loans := newLoans(servicing.RestructuringPolicy{MinOnTimeBetweenDeferrals: 2})
	if _, err := loans.CreateLoan(ctx, servicing.CreateLoanParams{RequestID: "c", RequestHash: "c", LoanID: "EL", BorrowerID: "B", Terms: twelveMonths()}); err != nil {
		t.Fatal(err)
	}
	reason := func(err error) string {
		t.Helper()
		var pre *servicing.PreconditionError
		if !errors.As(err, &pre) {
			t.Fatalf("want a PreconditionError, got %v", err)
		}
		return string(pre.Reason)
	}
	ext := servicing.ChangesInput{Changes: engine.Changes{TermExtension: &engine.TermExtension{ExtraInstallments: 2}}}
	sign := func(l *servicing.Loans, id string, c servicing.ChangesInput) error {
		a, err := l.ProposeAgreement(ctx, servicing.ProposeAgreementParams{RequestID: id + "-p", RequestHash: id, LoanID: "EL", Changes: c})
		if err != nil {
			return err
		}
		_, err = l.AcceptAgreement(ctx, servicing.AcceptAgreementParams{RequestID: id + "-a", RequestHash: id, AgreementID: a.AgreementID, SignedBy: "B"})
		return err
	}
	if err := sign(loans, "first", ext); err != nil {
		t.Fatal(err)
	}
	_, err := loans.QuoteRestructuring(ctx, servicing.QuoteRestructuringParams{LoanID: "EL", Changes: ext})
	if r := reason(err); r != "AGREEMENT_ACTIVE" {
		t.Fatalf("reason %s", r)
	}
	// Nothing paid on the new plan: close of business on 10-16 finds the
	// 08-15, 09-15 and 10-15 installments missed and breaks it.
	now = time.Date(2024, 10, 20, 4, 0, 0, 0, time.UTC)
	cob := servicing.NewClose(servicing.NewCloseParams{Store: db, Loans: loans})
	if _, err := cob.Run(ctx, servicing.RunParams{BusinessDate: engine.DateOf(2024, 10, 16)}); err != nil {
		t.Fatal(err)
	}
	_, err = loans.QuoteRestructuring(ctx, servicing.QuoteRestructuringParams{LoanID: "EL", Changes: ext})
	if r := reason(err); r != "MIN_ON_TIME_INSTALLMENTS" {
		t.Fatalf("reason %s", r)
	}
	_, err = strict.QuoteRestructuring(ctx, servicing.QuoteRestructuringParams{LoanID: "EL", Changes: ext})
	if r := reason(err); r != "MAX_AGREEMENTS_PER_LOAN" {
		t.Fatalf("reason %s", r)
	}
	// A waiver is no deferral: allowed.
	waiver := servicing.ChangesInput{Waiver: &servicing.WaiverInput{Interest: "10.00"}}
	if _, err := loans.QuoteRestructuring(ctx, servicing.QuoteRestructuringParams{LoanID: "EL", Changes: waiver}); err != nil {
		t.Fatal(err)
	}
	// A freeze plan longer than the server allows names its rule.
	short := newLoans(servicing.RestructuringPolicy{MaxFreezeInstallments: 12})
	_, err = short.QuoteRestructuring(ctx, servicing.QuoteRestructuringParams{LoanID: "EL", Changes: servicing.ChangesInput{Changes: engine.Changes{
		InterestFreezePlan: &engine.InterestFreezePlan{InstallmentCount: 24, FirstDueDate: engine.DateOf(2024, 11, 1)}}}})
	if r := reason(err); r != "MAX_FREEZE_INSTALLMENTS" {
		t.Fatalf("reason %s", r)
	}
}

// TestCompletedAgreement: an agreement whose plan is paid is COMPLETED at
// once; close of business records it in the projection, so it stops
// checking it, and listings by status find it either way.
func TestCompletedAgreement(t *testing.T) {
	ctx := context.Background()
	db := storetest.Stores["sqlite"](t)
	now := time.Date(2024, 8, 1, 4, 0, 0, 0, time.UTC)
	loans, err := servicing.NewLoans(servicing.NewLoansParams{Store: db, Now: func() time.Time { now = now.Add(time.Millisecond); return now }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := loans.CreateLoan(ctx, servicing.CreateLoanParams{RequestID: "c", RequestHash: "c", LoanID: "CP", BorrowerID: "B", Terms: twelveMonths()}); err != nil {
		t.Fatal(err)
	}
	a, err := loans.ProposeAgreement(ctx, servicing.ProposeAgreementParams{RequestID: "p", RequestHash: "p", LoanID: "CP",
		Changes: servicing.ChangesInput{Changes: engine.Changes{InterestFreezePlan: &engine.InterestFreezePlan{InstallmentCount: 2, FirstDueDate: engine.DateOf(2024, 9, 1)}}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := loans.AcceptAgreement(ctx, servicing.AcceptAgreementParams{RequestID: "a", RequestHash: "a", AgreementID: a.AgreementID, SignedBy: "B"}); err != nil {
		t.Fatal(err)
	}
	for i, r := range a.Quote.Installments {
		now = time.Date(2024, time.Month(9+i), 1, 4, 0, 0, 0, time.UTC)
		if _, err := loans.RecordRepayment(ctx, servicing.RecordRepaymentParams{RequestID: fmt.Sprintf("r%d", i), RequestHash: "r", LoanID: "CP", Amount: r.Total}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := loans.GetAgreement(ctx, a.AgreementID)
	if err != nil || got.Status != servicing.AgreementCompleted {
		t.Fatalf("after the plan is paid: %s %v", got.Status, err)
	}
	list, _, err := loans.ListAgreements(ctx, servicing.ListAgreementsParams{Status: servicing.AgreementCompleted})
	if err != nil || len(list) != 1 {
		t.Fatalf("completed before close of business: %d %v", len(list), err)
	}
	cob := servicing.NewClose(servicing.NewCloseParams{Store: db, Loans: loans})
	now = time.Date(2024, 10, 3, 4, 0, 0, 0, time.UTC)
	if _, err := cob.Run(ctx, servicing.RunParams{BusinessDate: engine.DateOf(2024, 10, 2)}); err != nil {
		t.Fatal(err)
	}
	if rec, err := db.FindAgreement(ctx, store.AgreementKey{AgreementID: a.AgreementID}); err != nil || rec.Status != servicing.AgreementCompleted {
		t.Fatalf("projection after close of business: %+v %v", rec, err)
	}
	list, _, err = loans.ListAgreements(ctx, servicing.ListAgreementsParams{Status: servicing.AgreementCompleted})
	if err != nil || len(list) != 1 {
		t.Fatalf("completed after close of business: %d %v", len(list), err)
	}
}
