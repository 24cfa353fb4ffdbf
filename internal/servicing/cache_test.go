package servicing_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/money"
	"github.com/loancore/loancore/internal/servicing"
	"github.com/loancore/loancore/internal/store"
	"github.com/loancore/loancore/internal/store/storetest"
)

// TestTwoServersOneLoan: two servers with their own caches write to one loan
// in turn; neither loses the other's payments, and a refusal decided from a
// stale cache is decided again from the store.
func TestTwoServersOneLoan(t *testing.T) {
	for name, open := range storetest.Stores {
		t.Run(name, func(t *testing.T) {
			db := open(t)
			now := time.Date(2024, 6, 1, 4, 0, 0, 0, time.UTC)
			clock := func() time.Time { now = now.Add(time.Millisecond); return now }
			a, _ := servicing.NewLoans(servicing.NewLoansParams{Store: db, Now: clock, Location: time.UTC})
			b, _ := servicing.NewLoans(servicing.NewLoansParams{Store: db, Now: clock, Location: time.UTC})
			ctx := context.Background()
			cny, _ := money.LookupCurrency("CNY")
			if _, err := a.CreateLoan(ctx, servicing.CreateLoanParams{RequestID: "c", RequestHash: "c", LoanID: "L", BorrowerID: "B", Terms: twelveMonths()}); err != nil {
				t.Fatal(err)
			}
			servers := []*servicing.Loans{a, b, a, b, a}
			for i, s := range servers {
				_, err := s.RecordRepayment(ctx, servicing.RecordRepaymentParams{RequestID: fmt.Sprintf("p%d", i), RequestHash: "h",
					LoanID: "L", Amount: "100.00", ValueDate: engine.DateOf(2024, 2, 15)})
				if err != nil {
					t.Fatalf("payment %d: %v", i, err)
				}
			}
			v, err := b.GetLoan(ctx, servicing.GetLoanParams{LoanID: "L", AsOf: engine.DateOf(2024, 2, 15)})
			if err != nil {
				t.Fatal(err)
			}
			if v.Version != 7 || v.Installment[0].InterestPaid+v.Installment[0].PrincipalPaid != 50000 {
				t.Fatalf("version %d, paid %d", v.Version, v.Installment[0].InterestPaid+v.Installment[0].PrincipalPaid)
			}
			// B pays the loan off; A, whose cache predates that, must not
			// refuse a retry of B's accepted request: it answers it.
			payoff, _ := b.QuotePayoff(ctx, "L", engine.DateOf(2024, 2, 15))
			req := servicing.RecordRepaymentParams{RequestID: "payoff", RequestHash: "h", LoanID: "L",
				Amount: payoff.Payoff.Total().Format(cny), ValueDate: engine.DateOf(2024, 2, 15)}
			first, err := b.RecordRepayment(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			again, err := a.RecordRepayment(ctx, req)
			if err != nil || again.Seq != first.Seq || again.Loan.Status != store.StatusPaidOff {
				t.Fatalf("retry through the other server: %v seq %d/%d", err, again.Seq, first.Seq)
			}
		})
	}
}
