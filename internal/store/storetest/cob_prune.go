package storetest

import (
	"context"
	"fmt"
	"testing"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/store"
)

// pruneCases check the retention of positions (PrunePositions).
var pruneCases = []testCase{
	{"PrunePositions", testPrunePositions},
}

// testPrunePositions: pruning the dates before day1-1 drops their
// positions (a date's delinquent list is then empty) and changes nothing
// close of business reads of a loan: a loan whose positions were all
// pruned (L1, its one position 400 days old, as a loan paid off long ago
// and reopened has) is charged its journal's sum, a loan with a kept
// position its own, a loan with none (L4) nothing; the positions carried
// from a base before day1-1 (L3's) still read it, and carry on to the
// next date as they did. The journal is untouched. Pruning again drops
// nothing more.
func testPrunePositions(t *testing.T, s store.Store) {
	ctx := context.Background()
	createLoans(t, s, "B1", "L1", "L2", "L3", "L4")
	old := store.Accrual{Penalty: 4_321, Compound: 17}
	a, b := store.Accrual{Penalty: 100, Compound: 3}, store.Accrual{Penalty: 11, Compound: 1, Fees: 500}
	base := store.Accrual{Penalty: 2_040, Compound: 10}
	steady := position("L3", day1-3, base, base, 5, engine.M1)
	steady.Version, steady.State = 2, []byte{1, 2}
	steady.Steady = &store.SteadyRun{Through: day1 + 2, Penalty: 204, Compound: 1, Policy: 7}
	savePositions(t, s, day1-400, position("L1", day1-400, old, old, 3, engine.M1))
	savePositions(t, s, day1-3, position("L2", day1-3, a, a, 2, engine.M1), steady)
	savePositions(t, s, day1-2, position("L2", day1-2, store.Accrual{Penalty: 111, Compound: 4, Fees: 500}, b, 3, engine.M1))
	for _, d := range []engine.Date{day1 - 2, day1 - 1} {
		if n := carryAll(t, s, d, 7, 10); n != 1 {
			t.Fatalf("carried %d on to %s, want L3", n, d)
		}
	}
	before := prunedView(t, s, day1)
	if got := delinquentIDs(t, s, store.PositionQuery{AsOf: day1 - 400, Limit: 10}); fmt.Sprint(got) != "[L1]" {
		t.Fatalf("day1-400's delinquent loans before the prune: %v", got)
	}
	r, err := s.PrunePositions(ctx, store.PrunePositionsParams{Before: day1 - 1})
	if err != nil || r.DatesDropped < 1 || r.KeptFrom > day1-1 || r.KeptFrom < day1-3 {
		t.Fatalf("prune before %s: %+v, %v; want day1-400 dropped at least, kept from day1-3 to day1-1", day1-1, r, err)
	}
	if got := delinquentIDs(t, s, store.PositionQuery{AsOf: day1 - 400, Limit: 10}); len(got) != 0 {
		t.Fatalf("day1-400's delinquent loans after the prune: %v", got)
	}
	// Read as of the day after: a store may remember what it found of a
	// date's loans before.
	after := prunedView(t, s, day1+1)
	for id, was := range before {
		now := after[id]
		if id == "L1" && now.prevAsOf == engine.NoDate {
			now.prevAsOf = was.prevAsOf // its one position pruned: its charges from its journal
		}
		if id == "L2" && r.KeptFrom > day1-2 && now.prevAsOf == engine.NoDate {
			now.prevAsOf = was.prevAsOf // both its positions pruned
		}
		if now != was {
			t.Errorf("%s after the prune: %+v; before %+v", id, now, was)
		}
	}
	if again, err := s.PrunePositions(ctx, store.PrunePositionsParams{Before: day1 - 1}); err != nil || again.DatesDropped != 0 ||
		again.KeptFrom != r.KeptFrom {
		t.Fatalf("the same prune again: %+v, %v; want nothing dropped, kept from %s", again, err, r.KeptFrom)
	}
	if n := carryAll(t, s, day1, 7, 10); n != 1 {
		t.Fatalf("carried %d on to day1 after the prune, want L3", n)
	}
	got, err := s.DelinquentPositions(ctx, store.PositionQuery{AsOf: day1, Limit: 10})
	want := store.Accrual{Penalty: 2_040 + 3*204, Compound: 13}
	if err != nil || len(got) != 1 || got[0].LoanID != "L3" || got[0].DaysPastDue != 8 || got[0].Outstanding.Penalty != want.Penalty ||
		got[0].Outstanding.Compound != want.Compound {
		t.Fatalf("day1's delinquent positions %+v, %v; want L3 8 days past due, owing %+v", got, err, want)
	}
	if got := accrualTotal(t, s, "L3"); got != want {
		t.Fatalf("L3's journal after day1's carry: %+v, want %+v", got, want)
	}
}

// prunedLoan is what close of business reads of a loan (COBLoans), and
// its journal's sum.
type prunedLoan struct {
	prevAsOf         engine.Date
	charged, journal store.Accrual
}

// prunedView reads testPrunePositions' loans as d's close would, by a
// page of all loans and one of given loans, which must agree.
func prunedView(t *testing.T, s store.Store, d engine.Date) map[string]prunedLoan {
	t.Helper()
	ctx := context.Background()
	given, err := s.COBLoans(ctx, store.COBLoansParams{BusinessDate: d, Limit: 10, LoanIDs: []string{"L1", "L2", "L3", "L4"}})
	if err != nil {
		t.Fatal(err)
	}
	view := map[string]prunedLoan{}
	for i, l := range cobLoans(t, s, d, 0, 10) {
		if i >= len(given.Loans) || given.Loans[i].Loan.LoanID != l.Loan.LoanID || given.Loans[i].Charged != l.Charged ||
			given.Loans[i].PrevAsOf != l.PrevAsOf {
			t.Fatalf("a page of all loans and one of given loans differ at %d: %+v and %+v", i, l, given.Loans)
		}
		view[l.Loan.LoanID] = prunedLoan{prevAsOf: l.PrevAsOf, charged: l.Charged, journal: accrualTotal(t, s, l.Loan.LoanID)}
	}
	if len(view) != 4 || len(given.Loans) != 4 {
		t.Fatalf("%s has %d loans to do (%d given), want L1-L4", d, len(view), len(given.Loans))
	}
	return view
}
