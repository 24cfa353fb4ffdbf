package servicing_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/servicing"
	"github.com/loancore/loancore/internal/store"
)

// TestFirstCloseOfBusinessDate: the first close of business may not close
// a date before the business calendar starts — the calendar start when
// one is set, else the earliest disbursement of any loan, else (no loan)
// yesterday — so that no nightly run has to catch up from 0001-01-01.
// Later runs are held by the date order instead. On both stores.
func TestFirstCloseOfBusinessDate(t *testing.T) {
	today := engine.DateOf(2024, 9, 1)
	tests := []struct {
		name  string
		start engine.Date
		loans bool
		// refused is the latest date refused and allowed the first
		// date allowed; the violation names allowed.
		refused, allowed engine.Date
	}{
		{"no loan", engine.NoDate, false, today - 2, today - 1},
		{"the earliest disbursement", engine.NoDate, true, engine.DateOf(2024, 1, 9), engine.DateOf(2024, 1, 10)},
		{"a calendar start after it", engine.DateOf(2024, 6, 1), true, engine.DateOf(2024, 5, 31), engine.DateOf(2024, 6, 1)},
		{"a calendar start before it", engine.DateOf(2023, 12, 1), true, engine.DateOf(2023, 11, 30), engine.DateOf(2023, 12, 1)},
		{"a calendar start and no loan", engine.DateOf(2024, 3, 1), false, engine.DateOf(2024, 2, 29), engine.DateOf(2024, 3, 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eachStore(t, func(t *testing.T, db store.Store) {
				ctx := context.Background()
				now := time.Date(2024, 9, 1, 4, 0, 0, 0, time.UTC)
				loans, err := servicing.NewLoans(servicing.NewLoansParams{Store: db, Now: func() time.Time { return now }, Location: time.UTC})
				if err != nil {
					t.Fatal(err)
				}
				if tt.loans {
					// Disbursed from 2024-01-10 to 2024-01-12.
					createPenaltyLoans(t, loans, 3, "L%d")
				}
				cob := servicing.NewClose(servicing.NewCloseParams{Store: db, Loans: loans, CalendarStart: tt.start})
				for _, d := range []engine.Date{engine.DateOf(1, 1, 1), tt.refused} {
					_, err := cob.Run(ctx, servicing.RunParams{BusinessDate: d})
					var inv *engine.InvalidError
					if !errors.As(err, &inv) || inv.Violations[0].Field != "business_date" ||
						!strings.Contains(inv.Violations[0].Description, "not be before "+tt.allowed.String()) {
						t.Fatalf("first run of %s: %v; want business_date refused before %s", d, err, tt.allowed)
					}
				}
				if _, err := db.LastCOBRun(ctx); !errors.Is(err, store.ErrNotFound) {
					t.Fatalf("a refused first run left a run: %v", err)
				}
				run, err := cob.Run(ctx, servicing.RunParams{BusinessDate: tt.allowed})
				if err != nil || run.BusinessDate != tt.allowed || run.Status != store.COBCompleted {
					t.Fatalf("first run of %s: %+v, %v", tt.allowed, run, err)
				}
			})
		})
	}
}
