package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/store"
)

// This file holds close of business's cases of the carry: a date's
// positions carried on to the next date unchanged, the loans it leaves
// for a fold, and a carry after a run.

// carryAll carries the positions of d on, in pages of limit, and returns
// how many it carried, failing the test on an error or a runaway cursor.
func carryAll(t *testing.T, s store.Store, d engine.Date, policy int64, limit int) int64 {
	t.Helper()
	var n int64
	for after, pages := "", 0; ; pages++ {
		r, err := s.CarryPositions(context.Background(), store.CarryPositionsParams{BusinessDate: d, Policy: policy, AfterLoanID: after,
			Limit: limit, RecordedAt: t0.Add(time.Duration(d-day1+1) * 24 * time.Hour)})
		if err != nil || pages > 100 {
			t.Fatalf("carry %s after %q: %v (page %d)", d, after, err, pages)
		}
		n += r.Carried
		if r.Next == "" {
			return n
		}
		after = r.Next
	}
}

// carryPagesOf carries testCarryPositions' loans on to d page by page, as
// several workers do: a page's end is the Every-th position of the day
// before after its start, and a page stops at its end, whatever its
// limit.
func carryPagesOf(t *testing.T, s store.Store, d engine.Date) {
	t.Helper()
	ctx := context.Background()
	for _, probe := range []struct {
		after string
		every int
		want  string
	}{{"", 1, "L1"}, {"", 3, "L3"}, {"L3", 3, "L6"}, {"L6", 3, ""}, {"L6", 1, "L7"}, {"L7", 1, ""}, {"", 7, "L7"}, {"", 8, ""}} {
		if end, err := s.CarryPageEnd(ctx, store.CarryPageEndParams{BusinessDate: d, AfterLoanID: probe.after, Every: probe.every}); err != nil ||
			end != probe.want {
			t.Fatalf("the end of a page of %d of %s's positions after %q: %q, %v; want %q", probe.every, d-1, probe.after, end, err, probe.want)
		}
	}
	for _, page := range []struct {
		after, through string
		limit          int
		carried        int64
		next           string
	}{
		{"", "L3", 2, 1, "L2"},  // L1 carried; L2's run has ended
		{"L2", "L3", 2, 0, ""},  // L3 (another policy) alone: the page ends there
		{"L3", "L5", 10, 0, ""}, // L4's version moved, L5 has no run; L6 is past the end
		{"L5", "L6", 1, 1, ""},  // L6, the page's end, carried: nothing left of the page
		{"L6", "", 10, 0, ""},   // L7 has its position of the date
	} {
		r, err := s.CarryPositions(ctx, store.CarryPositionsParams{BusinessDate: d, Policy: 7, AfterLoanID: page.after,
			ThroughLoanID: page.through, Limit: page.limit, RecordedAt: t0.Add(time.Duration(d-day1+1) * 24 * time.Hour)})
		if err != nil || r.Carried != page.carried || r.Next != page.next {
			t.Fatalf("carry %s after %q through %q, %d: %+v, %v; want %d carried, next %q", d, page.after, page.through, page.limit,
				r, err, page.carried, page.next)
		}
	}
}

// testCarryPositions: a position with a steady run is carried on to the
// next date in the store (issue 21): one more day past due when past due,
// the daily amounts added to what is outstanding and charged and
// journalled, its version, state and run kept, so the date after may
// carry it again, until its run ends. A loan is not carried when its run
// has ended, was found under another policy, its version has moved, it
// has no run, or it has its position of the date already. A page may
// end at a loan id (CarryPositionsParams.ThroughLoanID), one of the page
// ends CarryPageEnd finds, as the workers of a close split the date.
func testCarryPositions(t *testing.T, s store.Store) {
	ctx := context.Background()
	createLoans(t, s, "B1", "L1", "L2", "L3", "L4", "L5", "L6", "L7")
	first := store.Accrual{Penalty: 2040, Compound: 10}
	state := []byte{1, 0, 2, 0xff}
	steady := func(p store.Position, version int64, through engine.Date, policy int64) store.Position {
		p.Version, p.State = version, state
		p.Steady = &store.SteadyRun{Through: through, Penalty: 204, Compound: 1, Policy: policy}
		return p
	}
	current := steady(position("L6", day1, store.Accrual{}, store.Accrual{}, 0, engine.M0), 2, day1+5, 7)
	current.Steady.Penalty, current.Steady.Compound = 0, 0
	savePositions(t, s, day1, steady(position("L1", day1, first, first, 5, engine.M1), 2, day1+2, 7),
		steady(position("L2", day1, first, first, 5, engine.M1), 2, day1, 7),
		steady(position("L3", day1, first, first, 5, engine.M1), 2, day1+2, 8),
		steady(position("L4", day1, first, first, 5, engine.M1), 1, day1+2, 7),
		position("L5", day1, first, first, 5, engine.M1), current,
		steady(position("L7", day1, first, first, 5, engine.M1), 2, day1+2, 7))
	mine := store.Accrual{Penalty: 9, Compound: 9}
	savePositions(t, s, day1+1, position("L7", day1+1, first, mine, 9, engine.M1))
	carryPagesOf(t, s, day1+1)
	if n := carryAll(t, s, day1+1, 7, 2); n != 0 {
		t.Fatalf("carried %d again", n)
	}
	if got := fmt.Sprint(cobIDs(t, s, day1+1)); got != "[L2 L3 L4 L5]" {
		t.Fatalf("day1+1 still has %s to do", got)
	}
	want := position("L1", day1+1, store.Accrual{Penalty: 2244, Compound: 11}, store.Accrual{}, 6, engine.M1)
	want.Outstanding.Interest = 10_005 // the day before's, unchanged
	got, err := s.DelinquentPositions(ctx, store.PositionQuery{AsOf: day1 + 1, Limit: 10})
	if err != nil || len(got) != 2 || got[0].LoanID != "L1" || got[0].DaysPastDue != 6 || got[0].Bucket != engine.M1 ||
		got[0].RiskClass != engine.DefaultDelinquencyPolicy.RiskClass(5) ||
		got[0].Outstanding != want.Outstanding || got[0].Status != store.StatusActive || got[1].LoanID != "L7" || got[1].DaysPastDue != 9 {
		t.Fatalf("day1+1's delinquent positions %+v, %v; want L1 as %+v, then L7's own", got, err, want.Outstanding)
	}
	for id, want := range map[string]store.Accrual{"L1": {Penalty: 2244, Compound: 11}, "L6": {}, "L7": {Penalty: 2049, Compound: 19}} {
		if got, err := s.AccrualTotal(ctx, store.AccrualQuery{LoanID: id}); err != nil || got != want {
			t.Errorf("%s's journal: %+v, %v; want %+v", id, got, err, want)
		}
	}
	if n := carryAll(t, s, day1+2, 7, 10); n != 2 {
		t.Fatalf("carried %d on to day1+2, want L1 and L6 again", n)
	}
	if n := carryAll(t, s, day1+3, 7, 10); n != 1 {
		t.Fatalf("carried %d on to day1+3, want L6 only (L1's run ended)", n)
	}
	loans := cobLoans(t, s, day1+4, 0, 10)
	l1 := loans[0]
	if l1.Loan.LoanID != "L1" || l1.PrevAsOf != day1+2 || l1.Charged != (store.Accrual{Penalty: 2448, Compound: 12}) ||
		l1.PrevVersion != 2 || !slices.Equal(l1.PrevState, state) || !l1.Stepped() {
		t.Fatalf("L1 on day1+4: %+v", l1)
	}
}

// testCarryLeaves: each page of a carry names the loans of its range it
// left for the fold (CarryResult.Left): those whose position of the day
// before it did not carry, and the active loans with no position then,
// wherever they lie (before the first position, between two pages, after
// the last), so the pages of a date leave every active loan they did not
// carry, and no loan that is not active and has no position.
func testCarryLeaves(t *testing.T, s store.Store) {
	ctx := context.Background()
	createLoans(t, s, "B1", "L0", "L1", "L2", "L3", "L4", "L5", "L6", "L7")
	closed := payment("L6", 2, "pay-L6")
	closed.SetStatus = store.StatusPaidOff
	appendAll(t, s, closed)
	steady := func(id string, d engine.Date) store.Position {
		p := position(id, d, store.Accrual{}, store.Accrual{}, 3, engine.M1)
		p.Version, p.State = 2, []byte{1}
		p.Steady = &store.SteadyRun{Through: d + 5, Penalty: 7, Policy: 7}
		return p
	}
	// L0, L3, L6 and L7 have no position the day before (L6 is paid off);
	// L2 has one with no run. Each case closes a date of its own.
	for i, tc := range []struct {
		limit int
		left  []string // by page
	}{
		{10, []string{"[L0 L2 L3 L7]"}},
		{2, []string{"[L0 L2]", "[L3]", "[L7]"}},
		{1, []string{"[L0]", "[L2]", "[L3]", "[]", "[L7]"}},
	} {
		d := day1 + 1 + engine.Date(2*i)
		savePositions(t, s, d-1, steady("L1", d-1), position("L2", d-1, store.Accrual{}, store.Accrual{}, 3, engine.M1), steady("L4", d-1),
			steady("L5", d-1))
		var got []string
		var carried int64
		for after := ""; ; {
			r, err := s.CarryPositions(ctx, store.CarryPositionsParams{BusinessDate: d, Policy: 7, AfterLoanID: after, Limit: tc.limit,
				RecordedAt: t0})
			if err != nil {
				t.Fatal(err)
			}
			got, carried = append(got, fmt.Sprint(r.Left)), carried+r.Carried
			if r.Next == "" {
				break
			}
			after = r.Next
		}
		if carried != 3 || !slices.Equal(got, tc.left) {
			t.Errorf("pages of %d: carried %d, left %q; want 3, %q", tc.limit, carried, got, tc.left)
		}
	}
	// A page of the range that carried L5 already leaves it: a loan done
	// at the date may be left too.
	d := day1 + 20
	savePositions(t, s, d-1, steady("L1", d-1), steady("L4", d-1), steady("L5", d-1))
	for _, page := range []struct {
		after, through string
		want           string
	}{{"", "L1", "[L0]"}, {"L1", "L4", "[L2 L3]"}, {"L4", "L5", "[]"}, {"L5", "", "[L7]"}, {"L4", "", "[L5 L7]"}} {
		r, err := s.CarryPositions(ctx, store.CarryPositionsParams{BusinessDate: d, Policy: 7, AfterLoanID: page.after,
			ThroughLoanID: page.through, Limit: 10, RecordedAt: t0})
		if err != nil || fmt.Sprint(r.Left) != page.want {
			t.Errorf("the page after %q through %q left %v, %v; want %s", page.after, page.through, r.Left, err, page.want)
		}
	}
}

// testCarryAfterARun: when the day before was closed by a run (its
// record saved before its positions, as close of business does), a loan
// that records an event after the run's positions is not carried on,
// whichever way the store finds it (PostgreSQL looks only at the loans
// written to since the run began), and the others are; an event of a
// loan carried already changes nothing of the date's position.
func testCarryAfterARun(t *testing.T, s store.Store) {
	ctx := context.Background()
	createLoans(t, s, "B1", "L1", "L2", "L3")
	started := t0.Add(24 * time.Hour)
	if err := s.SaveCOBRun(ctx, store.COBRun{BusinessDate: day1, Status: store.COBRunning, LoansTotal: 3, StartedAt: started}); err != nil {
		t.Fatal(err)
	}
	savePositions(t, s, day1, steadyOnDay1("L1"), steadyOnDay1("L2"), steadyOnDay1("L3"))
	if err := s.SaveCOBRun(ctx, store.COBRun{BusinessDate: day1, Status: store.COBCompleted, LoansTotal: 3, LoansDone: 3, StartedAt: started,
		FinishedAt: started.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	appendAll(t, s, payment("L2", 2, "pay-L2"))
	r, err := s.CarryPositions(ctx, store.CarryPositionsParams{BusinessDate: day1 + 1, Policy: 7, Limit: 10, RecordedAt: t0})
	if err != nil || r.Carried != 2 || fmt.Sprint(r.Left) != "[L2]" {
		t.Fatalf("carried after L2's payment: %+v, %v; want L1 and L3, L2 left", r, err)
	}
	appendAll(t, s, payment("L3", 2, "pay-L3"))
	if got := fmt.Sprint(cobIDs(t, s, day1+1)); got != "[L2]" {
		t.Fatalf("the loans day1+1 still has to do: %s; want [L2] (L3 paid after its carry)", got)
	}
	if r, err := s.CarryPositions(ctx, store.CarryPositionsParams{BusinessDate: day1 + 2, Policy: 7, Limit: 10, RecordedAt: t0}); err != nil ||
		r.Carried != 1 || fmt.Sprint(r.Left) != "[L2 L3]" {
		t.Fatalf("day1+2, with no run recorded for day1+1: %+v, %v; want L1 carried, L2 (no position) and L3 left", r, err)
	}
}

// testCountPositions: a date's count is its loans' positions, folded
// (rows) and carried (elements of pages), and no other date's; a
// position written twice counts once, and a date with none counts 0.
func testCountPositions(t *testing.T, s store.Store) {
	ctx := context.Background()
	createLoans(t, s, "B1", "L1", "L2", "L3", "L4")
	savePositions(t, s, day1, steadyOnDay1("L1"), steadyOnDay1("L2"), steadyOnDay1("L3"))
	savePositions(t, s, day1, steadyOnDay1("L1"))
	if n := carryAll(t, s, day1+1, 7, 2); n != 3 {
		t.Fatalf("carried %d to day1+1, want L1, L2 and L3", n)
	}
	savePositions(t, s, day1+1, position("L4", day1+1, store.Accrual{}, store.Accrual{}, 0, engine.M0))
	for _, tc := range []struct {
		day  engine.Date
		want int64
	}{{day1 - 1, 0}, {day1, 3}, {day1 + 1, 4}, {day1 + 2, 0}} {
		if got, err := s.CountPositions(ctx, store.PositionCountQuery{AsOf: tc.day}); err != nil || got != tc.want {
			t.Errorf("CountPositions(%s) = %d, %v; want %d", tc.day, got, err, tc.want)
		}
	}
}
