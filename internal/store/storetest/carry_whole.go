package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/store"
)

// testCarryWholePages: the day before's carried positions, carried on
// again by a page whose range holds them all (PostgreSQL then copies the
// day before's page whole), one of them charging nothing: each is one
// more day past due, each journals its day's amounts and the one
// charging nothing none, and the active loan with no position is left.
// A loan paid after the day before's run began keeps its page from being
// copied: it is left, and the others are carried on one by one.
func testCarryWholePages(t *testing.T, s store.Store) {
	ctx := context.Background()
	createLoans(t, s, "B1", "L1", "L2", "L3", "L4", "L5")
	current := steadyOnDay1("L3")
	current.DaysPastDue, current.Bucket, current.RiskClass, current.Steady.Penalty = 0, engine.M0, 0, 0
	savePositions(t, s, day1, steadyOnDay1("L1"), steadyOnDay1("L2"), current, steadyOnDay1("L4"))
	// Each date's run is recorded before its carry, as close of business
	// records it: the next date's carry looks for events since.
	began := func(d engine.Date) {
		t.Helper()
		if err := s.SaveCOBRun(ctx, store.COBRun{BusinessDate: d, Status: store.COBRunning, LoansTotal: 5, StartedAt: t0}); err != nil {
			t.Fatal(err)
		}
	}
	carry := func(d engine.Date) store.CarryResult {
		t.Helper()
		began(d)
		r, err := s.CarryPositions(ctx, store.CarryPositionsParams{BusinessDate: d, Policy: 7, ThroughLoanID: "L5", Limit: 10,
			RecordedAt: t0.Add(time.Duration(d-day1) * 24 * time.Hour)})
		if err != nil {
			t.Fatalf("carry %s: %v", d, err)
		}
		return r
	}
	for _, step := range []struct {
		d          engine.Date
		carried    int64
		left, dpds string
		l1, l2     store.Accrual
		before     func()
	}{
		{d: day1 + 1, carried: 4, left: "[L5]", dpds: "[L1:4 L2:4 L4:4]", l1: store.Accrual{Penalty: 7}, l2: store.Accrual{Penalty: 7}},
		{d: day1 + 2, carried: 4, left: "[L5]", dpds: "[L1:5 L2:5 L4:5]", l1: store.Accrual{Penalty: 14}, l2: store.Accrual{Penalty: 14}},
		{d: day1 + 3, carried: 3, left: "[L2 L5]", dpds: "[L1:6 L4:6]", l1: store.Accrual{Penalty: 21}, l2: store.Accrual{Penalty: 14},
			before: func() { appendAll(t, s, payment("L2", 2, "pay-L2")) }},
	} {
		if step.before != nil {
			step.before()
		}
		if r := carry(step.d); r.Carried != step.carried || fmt.Sprint(r.Left) != step.left || r.Next != "" {
			t.Fatalf("carry %s: %+v; want %d carried, %s left", step.d, r, step.carried, step.left)
		}
		if got := fmt.Sprint(dpdsOf(t, s, step.d)); got != step.dpds {
			t.Fatalf("positions of %s: %s; want %s", step.d, got, step.dpds)
		}
		for id, want := range map[string]store.Accrual{"L1": step.l1, "L2": step.l2, "L3": {}} {
			if got := accrualTotal(t, s, id); got != want {
				t.Fatalf("after %s, %s's journal: %+v; want %+v", step.d, id, got, want)
			}
		}
	}
}
