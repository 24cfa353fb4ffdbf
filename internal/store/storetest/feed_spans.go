package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/money"
	"github.com/loancore/loancore/internal/store"
)

// spanLoans is how many loans testFeedSpans closes in one transaction:
// more than two of PostgreSQL's spans (500 lines a feed row), so reads
// cross from one span into the next of the same transaction.
const spanLoans = 1030

// spanHistory writes what testFeedSpans reads: spanLoans loans (ids of
// mixed case, so that byte order and a locale's differ), a close of
// business batch of all of them in one transaction with three notices, a
// payment, a batch of two lines and one of one. It returns the groups of
// keys the feed must hold (each group one transaction's rows, in any
// order) and a few loans chosen around the spans' edges.
func spanHistory(t *testing.T, s store.Store) (groups [][]string, chosen []string) {
	groups, sorted := spanLoansBooked(t, s)
	var batch []store.Position
	var group []string
	for _, id := range sorted {
		batch = append(batch, spanPosition(id, feedDay))
		group = append(group, "accrual/"+feedDay.String()+"/"+id)
	}
	for _, i := range []int{0, 499, 500} {
		n := notice(sorted[i], "FIRST_OVERDUE", feedDay, 1, feedDay-1, 106_619)
		batch[i].Notices = []store.Notice{n}
		group = append(group, "notice/"+n.ID)
	}
	savePositions(t, s, feedDay, batch...)
	groups = append(groups, group)
	return spanHistoryAfter(t, s, groups, sorted)
}

// spanLoansBooked books spanLoans loans (ids of mixed case, so that byte
// order and a locale's differ) and returns the groups of their events'
// keys and their ids in order.
func spanLoansBooked(t *testing.T, s store.Store) (groups [][]string, sorted []string) {
	ids := make([]string, spanLoans)
	for i := range ids {
		ids[i] = fmt.Sprintf("%c%04d", "Sk"[i%2], (i*7919)%spanLoans) // a permutation of the numbers
	}
	for _, id := range ids {
		createLoans(t, s, "B1", id)
		groups = append(groups, []string{id + "/1 ORIGINATION", id + "/2 DISBURSEMENT"})
	}
	return groups, slices.Sorted(slices.Values(ids))
}

// spanHistoryAfter writes what follows the close in spanHistory and
// carriedSpanHistory: a payment, a batch of two lines and one of one.
func spanHistoryAfter(t *testing.T, s store.Store, groups [][]string, sorted []string) ([][]string, []string) {
	appendAll(t, s, payment(sorted[1], 2, "pay-span"))
	groups = append(groups, []string{sorted[1] + "/3 REPAYMENT"})
	savePositions(t, s, feedDay+1, spanPosition(sorted[3], feedDay+1), spanPosition(sorted[2], feedDay+1))
	savePositions(t, s, feedDay+2, spanPosition(sorted[4], feedDay+2))
	groups = append(groups,
		[]string{"accrual/" + (feedDay + 1).String() + "/" + sorted[2], "accrual/" + (feedDay + 1).String() + "/" + sorted[3]},
		[]string{"accrual/" + (feedDay + 2).String() + "/" + sorted[4]})
	// Among the close's first loans the one paid after it and one of the
	// later two-line batch, the last of a 500-line span and the first of
	// the next, one in the middle and the very last.
	chosen := []string{sorted[1], sorted[2], sorted[499], sorted[500], sorted[777], sorted[spanLoans-1]}
	return groups, chosen
}

// carriedSpanHistory is spanHistory with the close's lines carried on in
// the store (CarryPositions, one page) from the day before's positions,
// each with a steady run whose daily amounts are its line's
// (carriedAccrual), which PostgreSQL journals as batches of 500 lines.
func carriedSpanHistory(t *testing.T, s store.Store) (groups [][]string, chosen []string) {
	groups, sorted := spanLoansBooked(t, s)
	var before []store.Position
	var group []string
	for _, id := range sorted {
		p := position(id, feedDay-1, store.Accrual{}, store.Accrual{}, 5, engine.M1)
		a := carriedAccrual(id, feedDay)
		p.Version, p.State = 2, []byte{1}
		p.Steady = &store.SteadyRun{Through: feedDay + 5, Penalty: a.Penalty, Compound: a.Compound, Policy: 7}
		before = append(before, p)
		group = append(group, "accrual/"+feedDay.String()+"/"+id)
	}
	savePositions(t, s, feedDay-1, before...)
	if n := carryAll(t, s, feedDay, 7, 2*spanLoans); n != spanLoans {
		t.Fatalf("carried %d of %d", n, spanLoans)
	}
	return spanHistoryAfter(t, s, append(groups, group), sorted)
}

// carriedAccrual is the line carriedSpanHistory carries on for a loan and
// date: spanAccrual's, with no late fee, which a carried line never has.
func carriedAccrual(id string, d engine.Date) store.Accrual {
	a := spanAccrual(id, d)
	a.Fees = 0
	return a
}

// spanPosition is a loan's position as of d with a journal line whose
// amounts say which loan and date it is (spanAccrual), so an entry read at
// the wrong position shows.
func spanPosition(id string, d engine.Date) store.Position {
	a := spanAccrual(id, d)
	return position(id, d, a, a, 5, engine.M1)
}

// spanAccrual is the journal line spanPosition writes for a loan and date.
func spanAccrual(id string, d engine.Date) store.Accrual {
	var n int
	if _, err := fmt.Sscanf(id[1:], "%d", &n); err != nil {
		panic(err)
	}
	return store.Accrual{Penalty: money.Amount(100 + n), Compound: money.Amount(d - day1), Fees: money.Amount(id[0])}
}

// testFeedSpans reads a close of business's many lines written in one
// transaction (which PostgreSQL keeps as spans, a feed row standing for
// many positions) every way a subscriber may: from positions inside
// spans and at their edges, one by one and in small pages that cross
// spans' edges, filtered by loan and by kind. Each
// read must be exactly the part of the whole feed it selects, and every
// journal line must carry its own amounts.
func testFeedSpans(t *testing.T, s store.Store) {
	groups, chosen := spanHistory(t, s)
	readSpans(t, s, groups, chosen, func(store.FeedEntry) store.Accrual { return store.Accrual{} })
}

// testFeedCarriedSpans is testFeedSpans with the close's lines carried on
// in the store (PostgreSQL keeps them as batches, migration 22).
func testFeedCarriedSpans(t *testing.T, s store.Store) {
	groups, chosen := carriedSpanHistory(t, s)
	readSpans(t, s, groups, chosen, func(e store.FeedEntry) store.Accrual {
		if e.Accrual.BusinessDate == feedDay {
			return carriedAccrual(e.LoanID, feedDay)
		}
		return store.Accrual{}
	})
	for _, id := range chosen {
		want := carriedAccrual(id, feedDay)
		if id == chosen[1] { // sorted[2], with a line of the next date too
			want = addAccrual(want, spanAccrual(id, feedDay+1))
		}
		if got, err := s.AccrualTotal(context.Background(), store.AccrualQuery{LoanID: id}); err != nil || got != want {
			t.Errorf("%s's journal: %+v, %v; want %+v", id, got, err, want)
		}
	}
}

// addAccrual is the sum of two lines.
func addAccrual(a, b store.Accrual) store.Accrual {
	return store.Accrual{Penalty: a.Penalty + b.Penalty, Compound: a.Compound + b.Compound, Fees: a.Fees + b.Fees}
}

// readSpans reads the feed of a span history every way testFeedSpans
// says; each line must carry its own amounts: carried's for its entry, or
// spanAccrual's when carried gives none.
func readSpans(t *testing.T, s store.Store, groups [][]string, chosen []string, carried func(store.FeedEntry) store.Accrual) {
	all := readAll(t, s, store.ReadFeedParams{Limit: 5000})
	inGroups(t, all, groups...)
	for _, e := range all {
		if e.Accrual == nil {
			continue
		}
		want := carried(e)
		if want == (store.Accrual{}) {
			want = spanAccrual(e.LoanID, e.Accrual.BusinessDate)
		}
		if e.Accrual.Accrual != want || e.BorrowerID != "B1" || e.Currency != "CNY" {
			t.Fatalf("%s at %d: %+v of %q; want %+v", feedKey(e), e.Position, *e.Accrual, e.BorrowerID, want)
		}
	}
	// One by one, and in pages that cross spans' edges, from just before
	// the close.
	from := slices.IndexFunc(all, func(e store.FeedEntry) bool { return e.Accrual != nil }) - 3
	for _, limit := range []int{1, 2, 7} {
		if got := readAll(t, s, store.ReadFeedParams{After: all[from].Position, Limit: limit}); !sameEntries(got, all[from+1:]) {
			t.Fatalf("read in pages of %d: %v, want %v", limit, keysOf(got), keysOf(all[from+1:]))
		}
	}
	checkPagesFromPositions(t, s, all, from)
	checkSpanFilters(t, s, all, chosen)
}

// checkPagesFromPositions reads one page after positions from all[from]
// on, in pages of 1, 2 and 7: each must be the entries that follow in
// the whole feed, complete through its last entry. The positions are
// those near the first entry of each run of one kind (the close's first
// line, its first notice) and every 500th after it (where PostgreSQL's
// spans begin and end), near the head and every 23rd; a page from every
// position costs the suite seconds more and tells nothing these do not.
func checkPagesFromPositions(t *testing.T, s store.Store, all []store.FeedEntry, from int) {
	t.Helper()
	ctx := context.Background()
	head := all[len(all)-1].Position
	run := make([]int, len(all)) // where each entry's run of one kind begins
	for i := range all {
		if run[i] = i; i > 0 && all[i].Kind == all[i-1].Kind {
			run[i] = run[i-1]
		}
	}
	for i := from; i < len(all); i++ {
		if k := (i - run[i] + 8) % 500; k >= 16 && len(all)-i > 16 && (i-from)%23 != 0 {
			continue
		}
		after := all[i].Position
		for _, limit := range []int{1, 2, 7} {
			page, err := s.ReadFeed(ctx, store.ReadFeedParams{After: after, Limit: limit})
			if err != nil {
				t.Fatal(err)
			}
			want := all[i+1 : min(i+1+limit, len(all))]
			through := head
			if len(want) == limit {
				through = want[len(want)-1].Position
			}
			if !sameEntries(page.Entries, want) || page.Through != through {
				t.Fatalf("after %d, %d: %v through %d, want %v through %d", after, limit, keysOf(page.Entries), page.Through,
					keysOf(want), through)
			}
		}
	}
}

// checkSpanFilters reads the feed by loan (loans inside the spans, at
// their edges, one with events after the close), by kind and by both,
// from the start and from inside the close's transaction: each read is
// the whole feed's entries that the filter selects.
func checkSpanFilters(t *testing.T, s store.Store, all []store.FeedEntry, chosen []string) {
	t.Helper()
	middle := all[slices.IndexFunc(all, func(e store.FeedEntry) bool { return e.LoanID == chosen[4] && e.Accrual != nil })].Position
	var notices []int64
	for _, e := range all {
		if e.Notice != nil {
			notices = append(notices, e.Position)
		}
	}
	noticeMiddle := middle // a carried close has no notices
	if len(notices) > 0 {
		noticeMiddle = notices[len(notices)/2]
	}
	for _, c := range []struct {
		name string
		p    store.ReadFeedParams
	}{
		{"the chosen loans", store.ReadFeedParams{LoanIDs: chosen}},
		{"the last loan", store.ReadFeedParams{LoanIDs: chosen[5:]}},
		{"a span's last loan and the next's first", store.ReadFeedParams{LoanIDs: chosen[2:4]}},
		{"the chosen loans' accruals", store.ReadFeedParams{LoanIDs: chosen, Kinds: []string{store.FeedAccrual}}},
		{"the chosen loans' notices and payments", store.ReadFeedParams{LoanIDs: chosen, Kinds: []string{store.FeedNotice, store.KindRepayment}}},
		{"the chosen loans, from inside a span", store.ReadFeedParams{LoanIDs: chosen, After: middle - 1}},
		{"the chosen loans, after one of their lines", store.ReadFeedParams{LoanIDs: chosen, After: middle}},
		{"accruals", store.ReadFeedParams{Kinds: []string{store.FeedAccrual}}},
		{"accruals from inside a span", store.ReadFeedParams{Kinds: []string{store.FeedAccrual}, After: middle}},
		{"notices", store.ReadFeedParams{Kinds: []string{store.FeedNotice}}},
		{"notices from among them", store.ReadFeedParams{Kinds: []string{store.FeedNotice}, After: noticeMiddle}},
		{"the chosen loans' notices, from among them", store.ReadFeedParams{LoanIDs: chosen, Kinds: []string{store.FeedNotice},
			After: noticeMiddle}},
		{"everything but accruals", store.ReadFeedParams{Kinds: []string{store.KindOrigination, store.KindDisbursement,
			store.KindRepayment, store.FeedNotice}}},
	} {
		var want []store.FeedEntry
		for _, e := range all {
			if e.Position > c.p.After && selects(c.p, e) {
				want = append(want, e)
			}
		}
		limits := []int{1, 2, 7, 5000}
		if len(c.p.LoanIDs) == 0 {
			limits = limits[2:] // a thousand entries and more: small pages are read above
		}
		for _, limit := range limits {
			c.p.Limit = limit
			if got := readAll(t, s, c.p); !sameEntries(got, want) {
				t.Fatalf("%s in pages of %d: %v, want %v", c.name, limit, keysOf(got), keysOf(want))
			}
		}
	}
}

// selects tells whether params select an entry, as the contract says.
func selects(p store.ReadFeedParams, e store.FeedEntry) bool {
	if len(p.Kinds) > 0 && !slices.Contains(p.Kinds, e.Kind) {
		return false
	}
	if len(p.LoanIDs) == 0 && len(p.CreditLineIDs) == 0 {
		return true
	}
	return slices.Contains(p.LoanIDs, e.LoanID) || (e.CreditLineID != "" && slices.Contains(p.CreditLineIDs, e.CreditLineID))
}

// sameEntries tells whether two reads hold the same entries at the same
// positions with the same content.
func sameEntries(a, b []store.FeedEntry) bool {
	return slices.EqualFunc(a, b, func(x, y store.FeedEntry) bool {
		return x.Position == y.Position && feedKey(x) == feedKey(y) && x.RecordedAt.Equal(y.RecordedAt) &&
			(x.Accrual == nil) == (y.Accrual == nil) && (x.Accrual == nil || *x.Accrual == *y.Accrual) &&
			x.BorrowerID == y.BorrowerID && x.Currency == y.Currency
	})
}

// keysOf is the entries' positions and keys, for a failure's message
// (the first 20).
func keysOf(entries []store.FeedEntry) []string {
	var out []string
	for _, e := range entries[:min(len(entries), 20)] {
		out = append(out, fmt.Sprintf("%d %s", e.Position, feedKey(e)))
	}
	return out
}
