package servicing_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/servicing"
	"github.com/loancore/loancore/internal/store/storetest"
)

// TestPageTokensCrossProcesses: a page token one process issued is read
// by another on the same database (the key is the database's), on both
// stores, so a client may page through any loand behind a balancer.
func TestPageTokensCrossProcesses(t *testing.T) {
	for name, open := range storetest.Stores {
		t.Run(name, func(t *testing.T) {
			db := open(t)
			ctx := context.Background()
			now := func() time.Time { return time.Date(2024, 6, 1, 4, 0, 0, 0, time.UTC) }
			a, _ := servicing.NewLoans(servicing.NewLoansParams{Store: db, Now: now, Location: time.UTC})
			b, _ := servicing.NewLoans(servicing.NewLoansParams{Store: db, Now: now, Location: time.UTC})
			for _, id := range []string{"L1", "L2", "L3"} {
				if _, err := a.CreateLoan(ctx, servicing.CreateLoanParams{RequestID: "c-" + id, RequestHash: id, LoanID: id, BorrowerID: "B",
					Terms: servicing.MonthlyTerms(12)}); err != nil {
					t.Fatal(err)
				}
			}
			first, next, err := a.ListLoans(ctx, servicing.ListLoansParams{PageSize: 2})
			if err != nil || len(first) != 2 || next == "" {
				t.Fatalf("first page: %d loans, %q, %v", len(first), next, err)
			}
			rest, end, err := b.ListLoans(ctx, servicing.ListLoansParams{PageSize: 2, PageToken: next})
			if err != nil || len(rest) != 1 || rest[0].LoanID != "L3" || end != "" {
				t.Fatalf("the other process's page: %+v, %q, %v", rest, end, err)
			}
			// A token is the same list's only.
			_, _, err = b.ListAgreements(ctx, servicing.ListAgreementsParams{PageToken: next})
			var inv *engine.InvalidError
			if !errors.As(err, &inv) || inv.Violations[0].Field != "page_token" {
				t.Fatalf("a ListLoans token in ListAgreements: %v", err)
			}
		})
	}
}
