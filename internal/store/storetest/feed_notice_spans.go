package storetest

import (
	"cmp"
	"slices"
	"strings"
	"testing"

	"github.com/loancore/loancore/internal/store"
)

// noticeSpanHistory is spanHistory with a notice for every loan of the
// close and a second one for every third: 1,374 notices in one
// transaction, which PostgreSQL feeds as spans of 500 (migration 28), in
// (loan id, notice id) order. Among the chosen loans are those of the
// notices at the spans' edges.
func noticeSpanHistory(t *testing.T, s store.Store) (groups [][]string, chosen []string) {
	groups, sorted := spanLoansBooked(t, s)
	var batch []store.Position
	var group []string
	var notices []store.Notice
	for i, id := range sorted {
		p := spanPosition(id, feedDay)
		p.Notices = []store.Notice{spanNotice(id, "FIRST_OVERDUE")}
		if i%3 == 0 {
			p.Notices = append(p.Notices, spanNotice(id, "UPCOMING_DUE"))
		}
		group = append(group, "accrual/"+feedDay.String()+"/"+id)
		for _, n := range p.Notices {
			group = append(group, "notice/"+n.ID)
		}
		notices = append(notices, p.Notices...)
		batch = append(batch, p)
	}
	savePositions(t, s, feedDay, batch...)
	groups, chosen = spanHistoryAfter(t, s, append(groups, group), sorted)
	slices.SortFunc(notices, func(a, b store.Notice) int {
		return cmp.Or(strings.Compare(a.LoanID, b.LoanID), strings.Compare(a.ID, b.ID))
	})
	for _, i := range []int{0, 499, 500, 999, 1000, len(notices) - 1} {
		if !slices.Contains(chosen, notices[i].LoanID) {
			chosen = append(chosen, notices[i].LoanID)
		}
	}
	return groups, chosen
}

// spanNotice is a notice of the close in noticeSpanHistory, its amount
// saying whose it is (spanAccrual's penalty), so that a notice read at
// the wrong position shows.
func spanNotice(id, kind string) store.Notice {
	return notice(id, kind, feedDay, 1, feedDay-1, spanAccrual(id, feedDay).Penalty)
}

// testFeedNoticeSpans reads a close whose transaction wrote more than
// two spans of notices every way testFeedSpans reads one of journal
// lines; each notice must carry its own content.
func testFeedNoticeSpans(t *testing.T, s store.Store) {
	groups, chosen := noticeSpanHistory(t, s)
	readSpans(t, s, groups, chosen, func(store.FeedEntry) store.Accrual { return store.Accrual{} })
	all := readAll(t, s, store.ReadFeedParams{Limit: 5000})
	seen := 0
	for _, e := range all {
		if e.Notice == nil {
			continue
		}
		seen++
		want := spanAccrual(e.LoanID, feedDay).Penalty
		if n := e.Notice; n.LoanID != e.LoanID || n.Amount != want || n.Date != feedDay || e.BorrowerID != "B1" {
			t.Fatalf("%s at %d: %+v of %q; want loan %s, amount %d", feedKey(e), e.Position, *n, e.BorrowerID, e.LoanID, want)
		}
	}
	if want := spanLoans + (spanLoans+2)/3; seen != want {
		t.Fatalf("%d notices read, want %d", seen, want)
	}
}
