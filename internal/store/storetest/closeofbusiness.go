package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/money"
	"github.com/loancore/loancore/internal/store"
)

// closeOfBusinessCases check what close of business keeps: its runs, the
// loans a date still has to do, the journal written once per date and
// loan, the positions of each date and the notices.
var closeOfBusinessCases = []testCase{
	{"COBRuns", testCOBRuns},
	{"COBRunCountOnlyGrows", testCOBRunCountOnlyGrows},
	{"COBRunTakenOver", testCOBRunTakenOver},
	{"COBLoansPagesAndCounts", testCOBLoansPagesAndCounts},
	{"COBLoansFromSnapshots", testCOBLoansFromSnapshots},
	{"COBLoansPastDone", testCOBLoansPastDone},
	{"SavePositionsJournalsOnce", testSavePositionsJournalsOnce},
	{"SavePositionsPartlyJournalled", testSavePositionsPartlyJournalled},
	{"PositionsKeptPerDate", testPositionsKeptPerDate},
	{"COBLoansSteppedFromState", testCOBLoansSteppedFromState},
	{"CarryPositions", testCarryPositions},
	{"CarryLeaves", testCarryLeaves},
	{"CarryAfterARun", testCarryAfterARun},
	{"CarryWholePages", testCarryWholePages},
	{"CountPositions", testCountPositions},
	{"COBLoansGiven", testCOBLoansGiven},
	{"COBLoansOlderPositions", testCOBLoansOlderPositions},
	{"DelinquentPositions", testDelinquentPositions},
	{"CountDelinquent", testCountDelinquent},
	{"DueNotices", testDueNotices},
	{"DueNoticesCursorAtTheEdges", testDueNoticesCursorAtTheEdges},
	{"EarliestDisbursement", testEarliestDisbursement},
}

// day1 is the first business date the suite closes.
var day1 = engine.DateOf(2024, 2, 20)

// position is a loan's position as of d: charged and accrued so much
// penalty and compound, dpd days past due in bucket.
func position(loanID string, d engine.Date, charged, accrued store.Accrual, dpd int, bucket engine.Bucket) store.Position {
	return store.Position{LoanID: loanID, BorrowerID: "B1", Currency: "CNY", AsOf: d, Status: store.StatusActive,
		DaysPastDue: dpd, Bucket: bucket, RiskClass: engine.DefaultDelinquencyPolicy.RiskClass(dpd),
		Outstanding: engine.Outstanding{Principal: 1_000_000, Interest: 10_000 + money.Amount(dpd), Penalty: charged.Penalty, Compound: charged.Compound},
		Charged:     charged, AccruedToday: accrued}
}

// savePositions saves one batch of a date, or fails the test.
func savePositions(t *testing.T, s store.Store, d engine.Date, ps ...store.Position) {
	t.Helper()
	if err := s.SavePositions(context.Background(), store.SavePositionsParams{BusinessDate: d, Positions: ps, RecordedAt: t0.Add(time.Duration(d-day1+1) * 24 * time.Hour)}); err != nil {
		t.Fatalf("save positions of %s: %v", d, err)
	}
}

func testCOBRuns(t *testing.T, s store.Store) {
	ctx := context.Background()
	if _, err := s.GetCOBRun(ctx, store.COBRunKey{BusinessDate: day1}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a date never run: %v", err)
	}
	if _, err := s.LastCOBRun(ctx); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("no run yet: %v", err)
	}
	started := t0.Add(24 * time.Hour)
	run := store.COBRun{BusinessDate: day1, Status: store.COBRunning, LoansTotal: 10, LoansDone: 4, Failures: 1, StartedAt: started}
	save := func(r store.COBRun) {
		t.Helper()
		if err := s.SaveCOBRun(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	same := func(got, want store.COBRun) bool {
		return got.BusinessDate == want.BusinessDate && got.Status == want.Status && got.LoansTotal == want.LoansTotal &&
			got.LoansDone == want.LoansDone && got.Failures == want.Failures && got.StartedAt.Equal(want.StartedAt) &&
			got.FinishedAt.Equal(want.FinishedAt)
	}
	save(run)
	if got, err := s.GetCOBRun(ctx, store.COBRunKey{BusinessDate: day1}); err != nil || !same(got, run) || !got.FinishedAt.IsZero() {
		t.Fatalf("running: got %+v %v, want %+v", got, err, run)
	}
	run.Status, run.LoansDone, run.Failures, run.FinishedAt = store.COBCompleted, 10, 0, started.Add(time.Hour)
	save(run)
	if got, err := s.GetCOBRun(ctx, store.COBRunKey{BusinessDate: day1}); err != nil || !same(got, run) {
		t.Fatalf("replaced: got %+v %v, want %+v", got, err, run)
	}
	next := store.COBRun{BusinessDate: day1 + 1, Status: store.COBRunning, StartedAt: started.Add(24 * time.Hour)}
	save(next)
	// The last run is the latest business date, not the latest saved.
	save(store.COBRun{BusinessDate: day1 - 1, Status: store.COBCompleted, StartedAt: started, FinishedAt: started})
	if got, err := s.LastCOBRun(ctx); err != nil || !same(got, next) {
		t.Fatalf("last run: got %+v %v, want %+v", got, err, next)
	}
	if got, err := s.GetCOBRun(ctx, store.COBRunKey{BusinessDate: day1}); err != nil || !same(got, run) {
		t.Fatalf("an earlier date: got %+v %v, want %+v", got, err, run)
	}
}

// testCOBRunCountOnlyGrows: a save of a run with fewer loans done than
// its record says (one cut off by a cancellation, committed after a later
// save) changes nothing; one with as many or more replaces the record.
func testCOBRunCountOnlyGrows(t *testing.T, s store.Store) {
	ctx := context.Background()
	started := t0.Add(24 * time.Hour)
	for _, tc := range []struct {
		done, failures int64
		want           int64
		wantFailures   int64
	}{{6, 1, 6, 1}, {4, 0, 6, 1}, {6, 0, 6, 0}, {9, 2, 9, 2}} {
		r := store.COBRun{BusinessDate: day1, Status: store.COBRunning, LoansTotal: 16, LoansDone: tc.done, Failures: tc.failures, StartedAt: started}
		if err := s.SaveCOBRun(ctx, r); err != nil {
			t.Fatal(err)
		}
		got, err := s.GetCOBRun(ctx, store.COBRunKey{BusinessDate: day1})
		if err != nil || got.LoansDone != tc.want || got.Failures != tc.wantFailures {
			t.Fatalf("after a save of %d done: %+v, %v; want %d done, %d failures", tc.done, got, err, tc.want, tc.wantFailures)
		}
	}
}

// steadyOnDay1 is a loan's position of day1, 3 days past due, with a
// steady run of policy 7 through day1+5 charging 7 of penalty a day.
func steadyOnDay1(id string) store.Position {
	p := position(id, day1, store.Accrual{}, store.Accrual{}, 3, engine.M1)
	p.Version, p.State = 2, []byte{1}
	p.Steady = &store.SteadyRun{Through: day1 + 5, Penalty: 7, Policy: 7}
	return p
}

// testCOBRunTakenOver: a run that takes a date over (TakeCOBRun) becomes
// its runner, keeping the loans done so far; the writes of the runner
// before it are then refused with ErrTakenOver and change nothing (a
// carry's page, a batch of positions), and its saves of the run are
// ignored. The new runner carries on and writes, and skips what the one
// before wrote.
func testCOBRunTakenOver(t *testing.T, s store.Store) {
	ctx := context.Background()
	createLoans(t, s, "B1", "L1", "L2", "L3")
	savePositions(t, s, day1, steadyOnDay1("L1"), steadyOnDay1("L2"), steadyOnDay1("L3"))
	d, started := day1+1, t0.Add(48*time.Hour)
	take := func(runner string, done int64) {
		t.Helper()
		if err := s.TakeCOBRun(ctx, store.COBRun{BusinessDate: d, Status: store.COBRunning, LoansTotal: 3, LoansDone: done,
			StartedAt: started, Runner: runner}); err != nil {
			t.Fatal(err)
		}
	}
	carry := func(runner, through string) (store.CarryResult, error) {
		return s.CarryPositions(ctx, store.CarryPositionsParams{BusinessDate: d, Policy: 7, ThroughLoanID: through, Limit: 10,
			RecordedAt: started, Runner: runner})
	}
	take("A", 0)
	if r, err := carry("A", "L1"); err != nil || r.Carried != 1 {
		t.Fatalf("A's carry of L1: %+v, %v", r, err)
	}
	if err := s.SaveCOBRun(ctx, store.COBRun{BusinessDate: d, Status: store.COBRunning, LoansTotal: 3, LoansDone: 1, StartedAt: started,
		Runner: "A"}); err != nil {
		t.Fatal(err)
	}
	take("B", 0)
	if got, err := s.GetCOBRun(ctx, store.COBRunKey{BusinessDate: d}); err != nil || got.Runner != "B" || got.LoansDone != 1 {
		t.Fatalf("the run taken over by B: %+v, %v; want B's, 1 done", got, err)
	}
	if r, err := carry("A", ""); !errors.Is(err, store.ErrTakenOver) || r.Carried != 0 {
		t.Fatalf("A's carry after B took the date over: %+v, %v; want ErrTakenOver", r, err)
	}
	l3 := position("L3", d, store.Accrual{Penalty: 50}, store.Accrual{Penalty: 50}, 4, engine.M1)
	if err := s.SavePositions(ctx, store.SavePositionsParams{BusinessDate: d, Positions: []store.Position{l3}, RecordedAt: started,
		Runner: "A"}); !errors.Is(err, store.ErrTakenOver) {
		t.Fatalf("A's positions after B took the date over: %v; want ErrTakenOver", err)
	}
	if err := s.SaveCOBRun(ctx, store.COBRun{BusinessDate: d, Status: store.COBCompleted, LoansTotal: 3, LoansDone: 3, StartedAt: started,
		Runner: "A"}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.GetCOBRun(ctx, store.COBRunKey{BusinessDate: d}); err != nil || got.Status != store.COBRunning || got.LoansDone != 1 {
		t.Fatalf("the run after A's save: %+v, %v; want B's record unchanged", got, err)
	}
	if r, err := carry("B", ""); err != nil || r.Carried != 2 || len(r.Left) != 1 || r.Left[0] != "L1" {
		t.Fatalf("B's carry: %+v, %v; want L2 and L3 carried, L1 (carried by A) left", r, err)
	}
	if got := fmt.Sprint(dpdsOf(t, s, d)); got != "[L1:4 L2:4 L3:4]" {
		t.Fatalf("positions of %s: %s", d, got)
	}
	for id, want := range map[string]store.Accrual{"L1": {Penalty: 7}, "L2": {Penalty: 7}, "L3": {Penalty: 7}} {
		if got, err := s.AccrualTotal(ctx, store.AccrualQuery{LoanID: id}); err != nil || got != want {
			t.Errorf("%s's journal: %+v, %v; want %+v", id, got, err, want)
		}
	}
}

// dpdsOf are the delinquent positions of d as "loan:days past due".
func dpdsOf(t *testing.T, s store.Store, d engine.Date) []string {
	t.Helper()
	ps, err := s.DelinquentPositions(context.Background(), store.PositionQuery{AsOf: d, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = fmt.Sprintf("%s:%d", p.LoanID, p.DaysPastDue)
	}
	return out
}

// cobLoans follows COBLoans' pages of limit loans for date d and format
// to the end, and returns the loans of all of them.
func cobLoans(t *testing.T, s store.Store, d engine.Date, format, limit int) []store.COBLoan {
	t.Helper()
	var out []store.COBLoan
	for after, pages := "", 0; ; pages++ {
		page, err := s.COBLoans(context.Background(), store.COBLoansParams{BusinessDate: d, AfterLoanID: after, Limit: limit, SnapshotFormat: format})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Loans) > limit || pages > 100 {
			t.Fatalf("a page of %d loans for a limit of %d (page %d)", len(page.Loans), limit, pages)
		}
		out = append(out, page.Loans...)
		if page.Next == "" {
			return out
		}
		after = page.Next
	}
}

// cobIDs are the ids of the loans a date still has to do, in pages of 2.
func cobIDs(t *testing.T, s store.Store, d engine.Date) []string {
	t.Helper()
	var ids []string
	for _, l := range cobLoans(t, s, d, 0, 2) {
		ids = append(ids, l.Loan.LoanID)
	}
	return ids
}

// countCOB counts the loans a date still has to do, or fails the test.
func countCOB(t *testing.T, s store.Store, d engine.Date) int64 {
	t.Helper()
	n, err := s.CountCOBLoans(context.Background(), store.COBLoansParams{BusinessDate: d})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func testCOBLoansPagesAndCounts(t *testing.T, s store.Store) {
	createLoans(t, s, "B1", "L1", "L2", "L3", "L4", "L5")
	paidOff := payment("L3", 2, "pay-L3")
	paidOff.SetStatus = store.StatusPaidOff
	appendAll(t, s, paidOff, payment("L4", 2, "pay-L4"))
	if n, ids := countCOB(t, s, day1), cobIDs(t, s, day1); n != 4 || fmt.Sprint(ids) != "[L1 L2 L4 L5]" {
		t.Fatalf("active loans to do: %d, %v", n, ids)
	}
	all := cobLoans(t, s, day1, 0, 10)
	l1, l4 := all[0], all[2]
	if l := l1.Loan; l.LoanID != "L1" || l.BorrowerID != "B1" || l.Currency != "CNY" || l.Status != "ACTIVE" || l.Version != 2 ||
		!l.CreatedAt.Equal(t0) || string(l.Terms) != `{"principal": "12000.00"}` && string(l.Terms) != `{"principal":"12000.00"}` {
		t.Fatalf("L1's row %+v", l)
	}
	if l1.Snapshot != nil || !slices.Equal(seqs(l1.Events), []int64{1, 2}) || l1.PrevAsOf != engine.NoDate || l1.Charged != (store.Accrual{}) {
		t.Fatalf("L1 with no position: %+v", l1)
	}
	if e := l4.Events[2]; l4.Loan.Version != 3 || e.Kind != "REPAYMENT" || e.Amount != "1066.19" && e.Amount != "1066.1900" ||
		e.RequestID != "pay-L4" || !e.RecordedAt.Equal(t0.Add(2*time.Hour)) {
		t.Fatalf("L4's log: version %d, %+v", l4.Loan.Version, l4.Events)
	}
	charged := store.Accrual{Penalty: 204, Compound: 1, Fees: 5000}
	savePositions(t, s, day1, position("L1", day1, charged, charged, 5, engine.M1), position("L2", day1, charged, charged, 5, engine.M1))
	if n, ids := countCOB(t, s, day1), cobIDs(t, s, day1); n != 2 || fmt.Sprint(ids) != "[L4 L5]" {
		t.Fatalf("after L1 and L2 are done: %d, %v", n, ids)
	}
	if n, ids := countCOB(t, s, day1+1), cobIDs(t, s, day1+1); n != 4 || fmt.Sprint(ids) != "[L1 L2 L4 L5]" {
		t.Fatalf("the next date: %d, %v", n, ids)
	}
	next := cobLoans(t, s, day1+1, 0, 10)[0]
	if next.PrevAsOf != day1 || next.PrevBucket != engine.M1 || next.Charged != charged || len(next.Events) != 2 {
		t.Fatalf("L1 on the next date: %+v", next)
	}
}

// testCOBLoansPastDone: the loans a date still has to do are found among
// many done (as after CarryPositions), a page holding no more than its
// limit, and no loan to do is skipped or given twice, whatever the page's
// size and wherever the done loans lie: runs of them longer than a page,
// and than several (a store may look at a window of loans at a time).
func testCOBLoansPastDone(t *testing.T, s store.Store) {
	var ids, want []string
	var done []store.Position
	for i := 1; i <= 60; i++ {
		id := fmt.Sprintf("L%02d", i)
		ids = append(ids, id)
		if i == 1 || i == 9 || i == 10 || i == 43 || i == 60 {
			want = append(want, id)
		} else {
			done = append(done, position(id, day1, store.Accrual{}, store.Accrual{}, 0, engine.M0))
		}
	}
	createLoans(t, s, "B1", ids...)
	savePositions(t, s, day1, done...)
	for _, limit := range []int{1, 2, 3, 5, 100} {
		var got []string
		for _, l := range cobLoans(t, s, day1, 0, limit) {
			got = append(got, l.Loan.LoanID)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("the loans to do in pages of %d: %v; want %v", limit, got, want)
		}
	}
	if n := countCOB(t, s, day1); n != int64(len(want)) {
		t.Fatalf("%d loans to do counted; want %d", n, len(want))
	}
}

func testCOBLoansFromSnapshots(t *testing.T, s store.Store) {
	createLoans(t, s, "B1", "L1", "L2")
	// A snapshot dated 2024-02-15 at seq 3, then one more event.
	appendAll(t, s, withSnapshot(payment("L1", 2, "pay-1"), 1, "at3"), payment("L1", 3, "pay-2"))
	loans := cobLoans(t, s, day1, 1, 10)
	l1, l2 := loans[0], loans[1]
	if sn := l1.Snapshot; sn == nil || sn.Seq != 3 || string(sn.State) != "at3" || sn.AsOf != "2024-02-15" || sn.LastValueDate != "2024-02-14" ||
		!sn.RecordedAt.Equal(t0.Add(2*time.Hour)) || !slices.Equal(seqs(l1.Events), []int64{4}) || l1.Loan.Version != 4 {
		t.Fatalf("L1 from its snapshot: %+v, events %v, version %d", l1.Snapshot, seqs(l1.Events), l1.Loan.Version)
	}
	if l2.Snapshot != nil || !slices.Equal(seqs(l2.Events), []int64{1, 2}) {
		t.Fatalf("L2 has no snapshot: %+v, events %v", l2.Snapshot, seqs(l2.Events))
	}
	// A snapshot dated after the business date is not taken up.
	if l := cobLoans(t, s, engine.DateOf(2024, 2, 14), 1, 10)[0]; l.Snapshot != nil || !slices.Equal(seqs(l.Events), []int64{1, 2, 3, 4}) {
		t.Fatalf("L1 before its snapshot's date: %+v, events %v", l.Snapshot, seqs(l.Events))
	}
	// Format 0 asks for none; a marker turns them off.
	if l := cobLoans(t, s, day1, 0, 10)[0]; l.Snapshot != nil || len(l.Events) != 4 {
		t.Fatalf("L1 without snapshots: %+v, %d events", l.Snapshot, len(l.Events))
	}
	appendAll(t, s, withSnapshot(payment("L1", 4, "pay-3"), 1, ""))
	if l := cobLoans(t, s, day1, 1, 10)[0]; l.Snapshot != nil || len(l.Events) != 5 || l.Loan.Version != 5 {
		t.Fatalf("L1 after a marker: %+v, %d events, version %d", l.Snapshot, len(l.Events), l.Loan.Version)
	}
}

// accrualTotal sums a loan's journal, or fails the test.
func accrualTotal(t *testing.T, s store.Store, loanID string) store.Accrual {
	t.Helper()
	a, err := s.AccrualTotal(context.Background(), store.AccrualQuery{LoanID: loanID})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func testSavePositionsJournalsOnce(t *testing.T, s store.Store) {
	createLoans(t, s, "B1", "L1", "L2")
	savePositions(t, s, day1) // an empty batch writes nothing
	first := store.Accrual{Penalty: 204, Compound: 1, Fees: 5000}
	batch := []store.Position{position("L1", day1, first, first, 5, engine.M1), position("L2", day1, store.Accrual{}, store.Accrual{}, 0, engine.M0)}
	savePositions(t, s, day1, batch...)
	// The same batch again (a run resumed) journals nothing more.
	savePositions(t, s, day1, batch...)
	if a, b := accrualTotal(t, s, "L1"), accrualTotal(t, s, "L2"); a != first || b != (store.Accrual{}) {
		t.Fatalf("journals after one date: L1 %+v, L2 %+v", a, b)
	}
	// A backdated payment lowered what was charged: a negative line.
	lower := store.Accrual{Penalty: 100, Compound: 1, Fees: 5000}
	savePositions(t, s, day1+1, position("L1", day1+1, lower, store.Accrual{Penalty: -104}, 6, engine.M1))
	if a := accrualTotal(t, s, "L1"); a != lower {
		t.Fatalf("after a negative line: %+v, want %+v", a, lower)
	}
	// A date that charged only a late fee (a grace ended) is a line too.
	fee := store.Accrual{Penalty: 100, Compound: 1, Fees: 5300}
	savePositions(t, s, day1+2, position("L1", day1+2, fee, store.Accrual{Fees: 300}, 7, engine.M1))
	if a := accrualTotal(t, s, "L1"); a != fee {
		t.Fatalf("after a fee-only line: %+v, want %+v", a, fee)
	}
	// A position never goes back to an earlier date.
	savePositions(t, s, day1, position("L1", day1, first, first, 5, engine.M1))
	got, err := s.DelinquentPositions(context.Background(), store.PositionQuery{AsOf: day1 + 2, Limit: 10})
	if err != nil || len(got) != 1 || got[0].LoanID != "L1" || got[0].DaysPastDue != 7 || got[0].Outstanding.Penalty != 100 {
		t.Fatalf("L1's latest position: %+v %v", got, err)
	}
	if _, err := s.AccrualTotal(context.Background(), store.AccrualQuery{LoanID: "nope"}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("journal of a missing loan: %v", err)
	}
}

// testSavePositionsPartlyJournalled writes a batch some of whose lines
// are journalled already (a date run by two processes at once): the new
// lines are written, the old ones kept, none twice.
func testSavePositionsPartlyJournalled(t *testing.T, s store.Store) {
	createLoans(t, s, "B1", "L1", "L2", "L3")
	one := store.Accrual{Penalty: 204, Compound: 1}
	two := store.Accrual{Penalty: 7, Fees: 5000}
	savePositions(t, s, day1, position("L2", day1, one, one, 5, engine.M1))
	savePositions(t, s, day1, position("L1", day1, two, two, 5, engine.M1), position("L2", day1, two, two, 5, engine.M1),
		position("L3", day1, one, one, 5, engine.M1))
	for id, want := range map[string]store.Accrual{"L1": two, "L2": one, "L3": one} {
		if got := accrualTotal(t, s, id); got != want {
			t.Errorf("%s's journal: %+v, want %+v", id, got, want)
		}
	}
}

// testPositionsKeptPerDate: a date's positions are rows of their own,
// written once (issue 21). A later date's position does not replace an
// earlier one's; a loan's position of a date written again keeps the
// first, while the new loans of the same batch are written; and close of
// business takes a loan's previous position from its latest date.
func testPositionsKeptPerDate(t *testing.T, s store.Store) {
	ctx := context.Background()
	createLoans(t, s, "B1", "L1", "L2")
	one, two := store.Accrual{Penalty: 204, Compound: 1}, store.Accrual{Penalty: 408, Compound: 2, Fees: 5000}
	savePositions(t, s, day1, position("L1", day1, one, one, 5, engine.M1))
	savePositions(t, s, day1+1, position("L1", day1+1, two, store.Accrual{Penalty: 204, Compound: 1, Fees: 5000}, 31, engine.M2))
	// L1's position of day1+1 again, changed, beside L2's first.
	savePositions(t, s, day1+1, position("L1", day1+1, one, one, 6, engine.M1), position("L2", day1+1, one, one, 3, engine.M1))
	for d, want := range map[engine.Date]string{day1: "L1:5", day1 + 1: "L1:31 L2:3", day1 + 2: ""} {
		got, err := s.DelinquentPositions(ctx, store.PositionQuery{AsOf: d, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, p := range got {
			ids = append(ids, fmt.Sprintf("%s:%d", p.LoanID, p.DaysPastDue))
		}
		if strings.Join(ids, " ") != want {
			t.Errorf("positions of %s: %v, want %s", d, ids, want)
		}
	}
	if n, err := s.CountDelinquent(ctx, store.DelinquencyCountQuery{AsOf: day1}); err != nil || n[engine.M1] != 1 || len(n) != 1 {
		t.Errorf("day1's count %v, %v", n, err)
	}
	if n := countCOB(t, s, day1+1); n != 0 {
		t.Errorf("day1+1 still has %d loans to do", n)
	}
	loans := cobLoans(t, s, day1+2, 0, 10)
	if len(loans) != 2 || loans[0].PrevAsOf != day1+1 || loans[0].Charged != two || loans[0].PrevBucket != engine.M2 ||
		loans[1].Charged != one || loans[1].PrevAsOf != day1+1 {
		t.Fatalf("day1+2's loans %+v", loans)
	}
}

// testCOBLoansSteppedFromState: a position keeps the version and state it
// was folded with, and the next date's page leaves out the log of a loan
// whose state is at its version (nothing recorded since), with the
// version still set; a loan whose version moved, or whose position has
// no state, comes with its log. A page told of terms documents the
// caller has gives the loans the same document.
func testCOBLoansSteppedFromState(t *testing.T, s store.Store) {
	createLoans(t, s, "B1", "L1", "L2", "L3")
	zero := store.Accrual{}
	withState := func(p store.Position, version int64, state []byte) store.Position {
		p.Version, p.State = version, state
		return p
	}
	state := []byte{1, 0, 2, 0xff}
	savePositions(t, s, day1, withState(position("L1", day1, zero, zero, 1, engine.M1), 2, state),
		withState(position("L2", day1, zero, zero, 1, engine.M1), 1, state), withState(position("L3", day1, zero, zero, 1, engine.M1), 2, nil))
	loans := cobLoans(t, s, day1+1, 0, 10)
	if len(loans) != 3 {
		t.Fatalf("%d loans", len(loans))
	}
	// Told of its terms document, the page gives each loan the same text.
	known, err := s.COBLoans(context.Background(), store.COBLoansParams{BusinessDate: day1 + 1, Limit: 10,
		KnownTerms: [][]byte{[]byte(`{"other": 1}`), loans[1].Loan.Terms}})
	if err != nil || len(known.Loans) != 3 || string(known.Loans[0].Loan.Terms) != string(loans[0].Loan.Terms) {
		t.Fatalf("with the terms known: %+v, %v", known.Loans, err)
	}
	for i, want := range []struct {
		stepped bool
		events  int
		state   []byte
	}{{true, 0, state}, {false, 2, state}, {false, 2, nil}} {
		l := loans[i]
		if l.Stepped() != want.stepped || len(l.Events) != want.events || l.Loan.Version != 2 || !slices.Equal(l.PrevState, want.state) ||
			(want.state == nil) != (l.PrevState == nil) {
			t.Errorf("%s: stepped %v, %d events, version %d, state %v (previous version %d)", l.Loan.LoanID, l.Stepped(), len(l.Events),
				l.Loan.Version, l.PrevState, l.PrevVersion)
		}
	}
}

// testCOBLoansGiven: a page of given loans (COBLoansParams.LoanIDs) holds
// those of them the date still has to do, by id, as a page of all loans
// would give them, and has no next page.
func testCOBLoansGiven(t *testing.T, s store.Store) {
	createLoans(t, s, "B1", "L1", "L2", "L3", "L4", "L5", "L6", "L7")
	closed := payment("L4", 2, "pay-L4")
	closed.SetStatus = store.StatusPaidOff
	appendAll(t, s, closed)
	charged := store.Accrual{Penalty: 204, Compound: 1}
	// L6 and L7 carried on to day1 (a position of their own there, or an
	// element of a page of carried positions), then L6 done at day1+1.
	steady := func(id string) store.Position {
		p := position(id, day1-1, charged, charged, 4, engine.M1)
		p.Version, p.State = 2, []byte{1}
		p.Steady = &store.SteadyRun{Through: day1 + 5, Penalty: 7, Policy: 7}
		return p
	}
	savePositions(t, s, day1-1, steady("L6"), steady("L7"))
	if n := carryAll(t, s, day1, 7, 10); n != 2 {
		t.Fatalf("carried %d of L6 and L7", n)
	}
	savePositions(t, s, day1, position("L1", day1, charged, charged, 5, engine.M1), position("L3", day1, charged, charged, 5, engine.M1))
	savePositions(t, s, day1+1, position("L1", day1+1, charged, charged, 6, engine.M1), position("L6", day1+1, charged, charged, 6, engine.M1))
	all := cobLoans(t, s, day1+1, 0, 10)
	page, err := s.COBLoans(context.Background(), store.COBLoansParams{BusinessDate: day1 + 1, Limit: 10, AfterLoanID: "L9",
		LoanIDs: []string{"L1", "L3", "L4", "L5", "L6", "L7", "L8"}})
	if err != nil || page.Next != "" || len(page.Loans) != 3 {
		t.Fatalf("given loans: %+v, %v; want L3, L5 and L7", page, err)
	}
	if l7 := page.Loans[2]; l7.PrevAsOf != day1 || l7.Charged != (store.Accrual{Penalty: 211, Compound: 1}) {
		t.Errorf("L7, carried on to day1: %+v", l7)
	}
	for i, want := range []store.COBLoan{all[1], all[2], all[3]} {
		got := page.Loans[i]
		if got.Loan.LoanID != want.Loan.LoanID || got.PrevAsOf != want.PrevAsOf || got.Charged != want.Charged ||
			got.Loan.Version != want.Loan.Version || !slices.Equal(seqs(got.Events), seqs(want.Events)) ||
			string(got.Loan.Terms) != string(want.Loan.Terms) {
			t.Errorf("given %s: %+v; a page of all loans gives %+v", want.Loan.LoanID, got, want)
		}
	}
}

// testCOBLoansOlderPositions: a loan's latest position is found however
// old it is (a loan paid off long ago and reopened, or one that failed to
// fold for weeks), whether or not the dates in between have completed
// runs, and a loan booked after them has none; a page of all loans and
// one of given loans agree. (PostgreSQL's page looks at the last weeks'
// dates first: cobPageSelect.)
func testCOBLoansOlderPositions(t *testing.T, s store.Store) {
	createLoans(t, s, "B1", "L1", "L2", "L3")
	charged := store.Accrual{Penalty: 4_321, Compound: 17}
	savePositions(t, s, day1-400, position("L1", day1-400, charged, charged, 3, engine.M1))
	savePositions(t, s, day1-90, position("L2", day1-90, charged, charged, 95, engine.M4))
	savePositions(t, s, day1-2, position("L3", day1-2, charged, charged, 9, engine.M1))
	check := func(when string, want map[string]engine.Date) {
		t.Helper()
		all := cobLoans(t, s, day1, 0, 10)
		given, err := s.COBLoans(context.Background(), store.COBLoansParams{BusinessDate: day1, Limit: 10,
			LoanIDs: []string{"L1", "L2", "L3", "L4"}})
		if err != nil {
			t.Fatal(err)
		}
		for _, page := range [][]store.COBLoan{all, given.Loans} {
			if len(page) != len(want) {
				t.Fatalf("%s: %d loans, want %d", when, len(page), len(want))
			}
			for _, l := range page {
				d, ok := want[l.Loan.LoanID]
				charges := charged
				if d == engine.NoDate {
					charges = store.Accrual{}
				}
				if !ok || l.PrevAsOf != d || l.Charged != charges {
					t.Errorf("%s: %s's previous position of %s, charged %+v; want %s, %+v", when, l.Loan.LoanID, l.PrevAsOf, l.Charged, d, charges)
				}
			}
		}
	}
	check("no run recorded", map[string]engine.Date{"L1": day1 - 400, "L2": day1 - 90, "L3": day1 - 2})
	for d := day1 - 100; d < day1; d++ {
		if err := s.SaveCOBRun(context.Background(), store.COBRun{BusinessDate: d, Status: store.COBCompleted, StartedAt: t0,
			FinishedAt: t0}); err != nil {
			t.Fatal(err)
		}
	}
	createLoans(t, s, "B1", "L4")
	check("the dates before run", map[string]engine.Date{"L1": day1 - 400, "L2": day1 - 90, "L3": day1 - 2, "L4": engine.NoDate})
}
