package servicing_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/money"
	"github.com/loancore/loancore/internal/servicing"
	"github.com/loancore/loancore/internal/store"
)

// TestCloseOfBusinessReportsPhases: each date's report says how many
// loans the run closed and how many of them it carried on in the store
// (as the store counted them), and how long each phase took, the phases
// together no longer than the run: the first date folds every loan, the
// next carries most of them on.
func TestCloseOfBusinessReportsPhases(t *testing.T) {
	eachStore(t, func(t *testing.T, db store.Store) {
		ctx := context.Background()
		obs := &cobReports{}
		s := newObservedCarrySide(t, db, 2, 0, obs)
		const n = 12
		createPenaltyLoans(t, s.loans, n, "L%02d")
		d := dateOf(s.now).AddDays(-1)
		for i := range 2 {
			before := s.cs.carried.Load()
			if _, err := s.cob.Run(ctx, servicing.RunParams{BusinessDate: d + engine.Date(i)}); err != nil {
				t.Fatal(err)
			}
			r := obs.last(t)
			if r.BusinessDate != d+engine.Date(i) || r.Loans != n || r.Carried != s.cs.carried.Load()-before || r.Err != nil {
				t.Fatalf("date %d's report: %+v; want %d loans, %d carried", i, r, n, s.cs.carried.Load()-before)
			}
			var sum time.Duration
			r.Phases.Each(func(name string, took time.Duration) {
				if took <= 0 {
					t.Errorf("date %d: phase %s took %v", i, name, took)
				}
				sum += took
			})
			if sum > r.Took {
				t.Fatalf("date %d: phases took %v in all, more than the run's %v", i, sum, r.Took)
			}
			s.now = s.now.Add(24 * time.Hour)
		}
		if r := obs.last(t); r.Carried == 0 {
			t.Fatalf("the second date carried none: %+v", r)
		}
	})
}

// cobReports keeps the close of business reports it is told of.
type cobReports struct {
	mu      sync.Mutex
	reports []servicing.COBDateReport
}

func (o *cobReports) last(t *testing.T) servicing.COBDateReport {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.reports) == 0 {
		t.Fatal("no close of business report")
	}
	return o.reports[len(o.reports)-1]
}

func (o *cobReports) CloseOfBusinessDate(r servicing.COBDateReport) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.reports = append(o.reports, r)
}

func (*cobReports) RepaymentPosted(string, money.Amount)                 {}
func (*cobReports) RepaymentReversed(string)                             {}
func (*cobReports) CacheLookup(bool)                                     {}
func (*cobReports) ReadCacheLookup(servicing.ReadCacheResult)            {}
func (*cobReports) DelinquentLoans(engine.Date, map[engine.Bucket]int64) {}
func (*cobReports) PositionsPruned(int, error)                           {}
