package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/money"
	"github.com/loancore/loancore/internal/store"
)

// This file holds close of business's cases of its reads: a date's
// delinquent positions and their counts, the notices due, and the earliest
// disbursement.

// delinquentIDs are the ids of the positions q selects.
func delinquentIDs(t *testing.T, s store.Store, q store.PositionQuery) []string {
	t.Helper()
	got, err := s.DelinquentPositions(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, p := range got {
		ids = append(ids, p.LoanID)
	}
	return ids
}

func testDelinquentPositions(t *testing.T, s store.Store) {
	createLoans(t, s, "B1", "L1", "L2", "L3", "L4")
	c := store.Accrual{Penalty: 1234, Compound: 56}
	savePositions(t, s, day1, position("L1", day1, store.Accrual{}, store.Accrual{}, 0, engine.M0), position("L2", day1, c, c, 10, engine.M1),
		position("L3", day1, c, c, 45, engine.M2), position("L4", day1, c, c, 100, engine.M4))
	for _, tc := range []struct {
		q    store.PositionQuery
		want string
	}{
		{store.PositionQuery{AsOf: day1, Limit: 10}, "[L2 L3 L4]"},
		{store.PositionQuery{AsOf: day1, Bucket: engine.M2, Limit: 10}, "[L3]"},
		{store.PositionQuery{AsOf: day1, RiskClass: engine.RiskSubstandard, Limit: 10}, "[L4]"},
		{store.PositionQuery{AsOf: day1, AfterLoanID: "L2", Limit: 10}, "[L3 L4]"},
		{store.PositionQuery{AsOf: day1, Limit: 1}, "[L2]"},
		{store.PositionQuery{AsOf: day1 - 1, Limit: 10}, "[]"},
	} {
		if got := fmt.Sprint(delinquentIDs(t, s, tc.q)); got != tc.want {
			t.Errorf("DelinquentPositions(%+v) = %s, want %s", tc.q, got, tc.want)
		}
	}
	got, err := s.DelinquentPositions(context.Background(), store.PositionQuery{AsOf: day1, Bucket: engine.M2, Limit: 10})
	if err != nil || len(got) != 1 {
		t.Fatalf("L3: %+v %v", got, err)
	}
	want := position("L3", day1, c, c, 45, engine.M2)
	if p := got[0]; p.LoanID != "L3" || p.BorrowerID != "B1" || p.Currency != "CNY" || p.AsOf != day1 || p.Status != "ACTIVE" ||
		p.DaysPastDue != 45 || p.Bucket != engine.M2 || p.RiskClass != engine.RiskSpecialMention || p.Outstanding != want.Outstanding {
		t.Fatalf("L3's position %+v, want %+v", p, want)
	}
}

// notice is a notice of a loan on date d about installment number.
func notice(loanID, kind string, d engine.Date, number int, due engine.Date, amount money.Amount) store.Notice {
	return store.Notice{ID: fmt.Sprintf("%s:%s:%s:%d", loanID, kind, d, number), Date: d, LoanID: loanID, BorrowerID: "B1", Currency: "CNY",
		Kind: kind, InstallmentNumber: number, DueDate: due, Amount: amount, DaysPastDue: 1, Bucket: engine.M1}
}

func testDueNotices(t *testing.T, s store.Store) {
	createLoans(t, s, "B1", "L1", "L2")
	upcoming := notice("L1", "UPCOMING_DUE", day1, 2, day1+3, 106_619)
	prenotice := notice("L1", "CREDIT_REPORT_PRENOTICE", day1, 0, engine.NoDate, 106_619)
	other := notice("L2", "FIRST_OVERDUE", day1+1, 1, day1, 50)
	later := notice("L1", "BUCKET_CHANGE", day1+2, 0, engine.NoDate, 7)
	withNotices := func(p store.Position, ns ...store.Notice) store.Position { p.Notices = ns; return p }
	zero := store.Accrual{}
	batch := withNotices(position("L1", day1, zero, zero, 1, engine.M1), upcoming, prenotice)
	savePositions(t, s, day1, batch)
	savePositions(t, s, day1, batch) // a notice is kept once, by id
	savePositions(t, s, day1+1, withNotices(position("L2", day1+1, zero, zero, 1, engine.M1), other))
	savePositions(t, s, day1+2, withNotices(position("L1", day1+2, zero, zero, 1, engine.M1), later))
	list := func(q store.NoticeQuery) []store.Notice {
		t.Helper()
		got, err := s.DueNotices(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got := list(store.NoticeQuery{From: day1, To: day1 + 1, AfterDate: engine.NoDate, Limit: 10}); !slices.Equal(got, []store.Notice{prenotice, upcoming, other}) {
		t.Fatalf("notices of two dates, by date and id:\n got %+v\nwant %+v", got, []store.Notice{prenotice, upcoming, other})
	}
	if got := list(store.NoticeQuery{From: day1, To: day1 + 2, AfterDate: engine.NoDate, Limit: 2}); !slices.Equal(got, []store.Notice{prenotice, upcoming}) {
		t.Fatalf("a page of 2: %+v", got)
	}
	if got := list(store.NoticeQuery{From: day1, To: day1 + 2, AfterDate: day1, AfterID: upcoming.ID, Limit: 10}); !slices.Equal(got, []store.Notice{other, later}) {
		t.Fatalf("after %s: %+v", upcoming.ID, got)
	}
	if got := list(store.NoticeQuery{From: day1 + 3, To: day1 + 9, AfterDate: engine.NoDate, Limit: 10}); len(got) != 0 {
		t.Fatalf("no notices yet: %+v", got)
	}
}

// testDueNoticesCursorAtTheEdges: a cursor before the range's first date
// reads the range from its start; one at its last notice reads nothing.
func testDueNoticesCursorAtTheEdges(t *testing.T, s store.Store) {
	createLoans(t, s, "B1", "L1", "L2")
	withNotices := func(p store.Position, ns ...store.Notice) store.Position { p.Notices = ns; return p }
	first := notice("L1", "UPCOMING_DUE", day1, 2, day1+3, 106_619)
	second := notice("L2", "FIRST_OVERDUE", day1+1, 1, day1, 50)
	savePositions(t, s, day1, withNotices(position("L1", day1, store.Accrual{}, store.Accrual{}, 1, engine.M1), first))
	savePositions(t, s, day1+1, withNotices(position("L2", day1+1, store.Accrual{}, store.Accrual{}, 1, engine.M1), second))
	for _, tc := range []struct {
		q    store.NoticeQuery
		want []store.Notice
	}{
		{store.NoticeQuery{From: day1 + 1, To: day1 + 1, AfterDate: day1, AfterID: "~", Limit: 10}, []store.Notice{second}},
		{store.NoticeQuery{From: day1, To: day1 + 1, AfterDate: day1 - 5, AfterID: "", Limit: 10}, []store.Notice{first, second}},
		{store.NoticeQuery{From: day1, To: day1 + 1, AfterDate: day1 + 1, AfterID: second.ID, Limit: 10}, nil},
		{store.NoticeQuery{From: day1, To: day1, AfterDate: day1, AfterID: "", Limit: 10}, []store.Notice{first}},
	} {
		got, err := s.DueNotices(context.Background(), tc.q)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("DueNotices(%+v) = %+v, %v; want %+v", tc.q, got, err, tc.want)
		}
	}
}

// testEarliestDisbursement: the earliest value date of a disbursement of
// any loan, whatever its status or later events; none before any loan.
func testEarliestDisbursement(t *testing.T, s store.Store) {
	ctx := context.Background()
	if d, err := s.EarliestDisbursement(ctx); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("with no loan: %s, %v; want ErrNotFound", d, err)
	}
	for id, disbursed := range map[string]string{"L1": "2024-03-05", "L2": "2023-11-30", "L3": "2024-01-15"} {
		l := loan(id, "B1")
		// The origination dated earlier: only the disbursement counts.
		l.Events[0].ValueDate = "2023-01-01"
		l.Events[1].ValueDate = disbursed
		if err := s.CreateLoan(ctx, l); err != nil {
			t.Fatal(err)
		}
	}
	// A repayment dated earlier than any disbursement does not count
	// either (the store takes what it is given).
	p := payment("L1", 2, "pay-early")
	p.Event.ValueDate = "2020-01-01"
	appendAll(t, s, p)
	if d, err := s.EarliestDisbursement(ctx); err != nil || d != engine.DateOf(2023, 11, 30) {
		t.Fatalf("earliest disbursement %s, %v; want 2023-11-30", d, err)
	}
}

// testCountDelinquent: the delinquent positions of a date by bucket,
// current loans and other dates left out.
func testCountDelinquent(t *testing.T, s store.Store) {
	createLoans(t, s, "B1", "L1", "L2", "L3", "L4", "L5")
	c := store.Accrual{Penalty: 1234, Compound: 56}
	savePositions(t, s, day1, position("L1", day1, store.Accrual{}, store.Accrual{}, 0, engine.M0), position("L2", day1, c, c, 10, engine.M1),
		position("L3", day1, c, c, 20, engine.M1), position("L4", day1, c, c, 100, engine.M4))
	savePositions(t, s, day1-1, position("L5", day1-1, c, c, 45, engine.M2))
	for _, tc := range []struct {
		day  engine.Date
		want string
	}{{day1, "map[M1:2 M4:1]"}, {day1 - 1, "map[M2:1]"}, {day1 + 1, "map[]"}} {
		got, err := s.CountDelinquent(context.Background(), store.DelinquencyCountQuery{AsOf: tc.day})
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != tc.want {
			t.Errorf("CountDelinquent(%s) = %v, want %s", tc.day, got, tc.want)
		}
	}
}
