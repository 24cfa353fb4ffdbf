package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/store"
)

var feedCases = []testCase{
	{"FeedOrderAndContent", testFeedOrderAndContent},
	{"FeedFiltersAndThrough", testFeedFiltersAndThrough},
	{"FeedConcurrentWriters", testFeedConcurrentWriters},
	{"FeedConcurrentSequencers", testFeedConcurrentSequencers},
	{"FeedNegativeJournalLine", testFeedNegativeJournalLine},
	{"FeedCreditLineEvents", testFeedCreditLineEvents},
	{"FeedSpans", testFeedSpans},
	{"FeedCarriedSpans", testFeedCarriedSpans},
	{"FeedNoticeSpans", testFeedNoticeSpans},
}

// feedKey names what a feed entry is about, to compare entries.
func feedKey(e store.FeedEntry) string {
	switch {
	case e.Event != nil:
		return fmt.Sprintf("%s/%d %s", e.LoanID, e.Event.Seq, e.Kind)
	case e.Accrual != nil:
		return fmt.Sprintf("accrual/%s/%s", e.Accrual.BusinessDate, e.LoanID)
	case e.Notice != nil:
		return "notice/" + e.Notice.ID
	case e.LineEvent != nil:
		return fmt.Sprintf("line/%s/%d %s", e.CreditLineID, e.LineEvent.Seq, e.Kind)
	}
	return "empty " + e.Kind
}

// readAll sequences the feed, waiting its turn, and reads all of it after
// after in pages of limit, checking that positions only grow.
func readAll(t *testing.T, s store.Store, p store.ReadFeedParams) []store.FeedEntry {
	t.Helper()
	ctx := context.Background()
	head, err := s.SequenceFeed(ctx, store.SequenceFeedParams{Wait: true})
	if err != nil {
		t.Fatal(err)
	}
	var out []store.FeedEntry
	for pages := 0; ; pages++ {
		page, err := s.ReadFeed(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Entries {
			if e.Position <= p.After {
				t.Fatalf("position %d after %d", e.Position, p.After)
			}
			p.After = e.Position
		}
		out = append(out, page.Entries...)
		if page.Through < p.After || pages > 5000 {
			t.Fatalf("read through %d with an entry at %d (page %d)", page.Through, p.After, pages)
		}
		p.After = page.Through
		if len(page.Entries) < p.Limit {
			if page.Through < head {
				t.Fatalf("a short page through %d below the head %d", page.Through, head)
			}
			return out
		}
	}
}

// inGroups checks that entries are the groups of keys in order, each
// group (one transaction's rows) in any order.
func inGroups(t *testing.T, entries []store.FeedEntry, groups ...[]string) {
	t.Helper()
	var got []string
	for _, e := range entries {
		got = append(got, feedKey(e))
	}
	rest := got
	for _, g := range groups {
		if len(rest) < len(g) {
			t.Fatalf("feed %v, want the groups %v", got, groups)
		}
		chunk, want := slices.Clone(rest[:len(g)]), slices.Clone(g)
		sort.Strings(chunk)
		sort.Strings(want)
		if !slices.Equal(chunk, want) {
			t.Fatalf("feed %v, want the groups %v", got, groups)
		}
		rest = rest[len(g):]
	}
	if len(rest) > 0 {
		t.Fatalf("feed %v, want the groups %v", got, groups)
	}
}

// feedDay is written by feedHistory: L1 paid, L2 charged and noticed.
var feedDay = day1

// feedHistory writes loans L1 and L2, a payment of L1 and a close of
// business batch with a journal line and a notice of L2, and returns the
// groups of keys the feed must hold.
func feedHistory(t *testing.T, s store.Store) [][]string {
	createLoans(t, s, "B1", "L1", "L2")
	appendAll(t, s, payment("L1", 2, "pay-1"))
	stale := payment("L1", 2, "pay-stale")
	if err := s.AppendEvent(context.Background(), stale); !errors.Is(err, store.ErrVersionConflict) {
		t.Fatalf("a stale append: %v", err)
	}
	charged := store.Accrual{Penalty: 120, Compound: 3, Fees: 5000}
	pos := position("L2", feedDay, charged, charged, 5, engine.M1)
	pos.Notices = []store.Notice{notice("L2", "FIRST_OVERDUE", feedDay, 1, feedDay-1, 106_619)}
	savePositions(t, s, feedDay, pos)
	savePositions(t, s, feedDay, pos) // written again: nothing new
	return [][]string{
		{"L1/1 ORIGINATION", "L1/2 DISBURSEMENT"},
		{"L2/1 ORIGINATION", "L2/2 DISBURSEMENT"},
		{"L1/3 REPAYMENT"},
		{"accrual/" + feedDay.String() + "/L2", "notice/" + pos.Notices[0].ID},
	}
}

func testFeedOrderAndContent(t *testing.T, s store.Store) {
	groups := feedHistory(t, s)
	entries := readAll(t, s, store.ReadFeedParams{Limit: 3})
	inGroups(t, entries, groups...)
	want := payment("L1", 2, "pay-1").Event
	for _, e := range entries {
		if e.BorrowerID != "B1" || e.Currency != "CNY" {
			t.Errorf("%s: borrower %q currency %q", feedKey(e), e.BorrowerID, e.Currency)
		}
		switch {
		case e.Kind == store.KindRepayment:
			got := *e.Event
			if !got.RecordedAt.Equal(want.RecordedAt) {
				t.Errorf("repayment recorded at %v, want %v", got.RecordedAt, want.RecordedAt)
			}
			got.RecordedAt = want.RecordedAt
			if got.Amount == want.Amount+"00" { // numeric(38, 4)
				got.Amount = want.Amount
			}
			if got != want || !e.RecordedAt.Equal(want.RecordedAt) {
				t.Errorf("repayment %+v, want %+v", got, want)
			}
		case e.Kind == store.KindDisbursement && e.Event.OnBehalfOf != "customer-B1":
			t.Errorf("disbursement on behalf of %q", e.Event.OnBehalfOf)
		case e.Accrual != nil:
			if e.Kind != store.FeedAccrual || e.Accrual.Penalty != 120 || e.Accrual.Compound != 3 || e.Accrual.Fees != 5000 || e.Accrual.BusinessDate != feedDay ||
				!e.RecordedAt.Equal(t0.Add(24*time.Hour)) {
				t.Errorf("accrual %s %+v at %v", e.Kind, *e.Accrual, e.RecordedAt)
			}
		case e.Notice != nil:
			n := notice("L2", "FIRST_OVERDUE", feedDay, 1, feedDay-1, 106_619)
			if e.Kind != store.FeedNotice || *e.Notice != n || !e.RecordedAt.Equal(t0.Add(24*time.Hour)) {
				t.Errorf("notice %s %+v at %v, want %+v", e.Kind, *e.Notice, e.RecordedAt, n)
			}
		}
	}
}

// testFeedNegativeJournalLine reads back a journal line that gives some of
// the penalty back (a backdated payment lowered what earlier dates had
// charged): the feed must carry it with its sign, not fail on it.
func testFeedNegativeJournalLine(t *testing.T, s store.Store) {
	createLoans(t, s, "B1", "L2")
	savePositions(t, s, feedDay, position("L2", feedDay, store.Accrual{Penalty: 120, Compound: 3, Fees: 50}, store.Accrual{Penalty: 120, Compound: 3, Fees: 50}, 5, engine.M1))
	savePositions(t, s, feedDay+1, position("L2", feedDay+1, store.Accrual{Penalty: 100, Compound: 2}, store.Accrual{Penalty: -20, Compound: -1, Fees: -50}, 6, engine.M1))
	var lines []store.Accrual
	for _, e := range readAll(t, s, store.ReadFeedParams{Limit: 10}) {
		if e.Accrual != nil {
			lines = append(lines, e.Accrual.Accrual)
		}
	}
	want := []store.Accrual{{Penalty: 120, Compound: 3, Fees: 50}, {Penalty: -20, Compound: -1, Fees: -50}}
	if fmt.Sprint(lines) != fmt.Sprint(want) {
		t.Errorf("journal lines %v, want %v", lines, want)
	}
}

func testFeedFiltersAndThrough(t *testing.T, s store.Store) {
	feedHistory(t, s)
	all := readAll(t, s, store.ReadFeedParams{Limit: 100})
	if len(all) != 7 {
		t.Fatalf("the feed holds %d entries, want 7", len(all))
	}
	head := all[len(all)-1].Position
	ctx := context.Background()
	read := func(p store.ReadFeedParams) store.FeedPage {
		t.Helper()
		page, err := s.ReadFeed(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		return page
	}
	keys := func(page store.FeedPage) string {
		var out []string
		for _, e := range page.Entries {
			out = append(out, feedKey(e))
		}
		return fmt.Sprint(out)
	}
	if page := read(store.ReadFeedParams{Limit: 10, Kinds: []string{store.KindRepayment, store.FeedAccrual}}); keys(page) !=
		"[L1/3 REPAYMENT accrual/"+feedDay.String()+"/L2]" || page.Through != head {
		t.Errorf("repayments and accruals: %s through %d, want through the head %d", keys(page), page.Through, head)
	}
	if page := read(store.ReadFeedParams{Limit: 10, LoanIDs: []string{"L1", "L9"}}); len(page.Entries) != 3 || page.Through != head {
		t.Errorf("L1's: %s through %d", keys(page), page.Through)
	}
	if page := read(store.ReadFeedParams{Limit: 10, LoanIDs: []string{"L2"}, Kinds: []string{store.FeedNotice}}); len(page.Entries) != 1 ||
		page.Entries[0].Notice == nil {
		t.Errorf("L2's notices: %s", keys(page))
	}
	if page := read(store.ReadFeedParams{Limit: 2, After: all[0].Position}); len(page.Entries) != 2 ||
		page.Entries[0].Position != all[1].Position || page.Through != all[2].Position {
		t.Errorf("a full page after %d: %s through %d, want through %d", all[0].Position, keys(page), page.Through, all[2].Position)
	}
	if page := read(store.ReadFeedParams{Limit: 10, After: head}); len(page.Entries) != 0 || page.Through != head {
		t.Errorf("after the head: %s through %d", keys(page), page.Through)
	}
	if page := read(store.ReadFeedParams{Limit: 10, After: head + 5}); len(page.Entries) != 0 || page.Through != head+5 {
		t.Errorf("after a position to come: %s through %d", keys(page), page.Through)
	}
}

// testFeedConcurrentWriters pays loans from several writers at once while
// a sequencer and a reader run beside them: the reader, which only ever
// asks for what follows the last position it has, must end with every
// event exactly once. On a store whose transactions commit out of the
// order they start in, a position given before commit would lose some.
func testFeedConcurrentWriters(t *testing.T, s store.Store) {
	const writers, payments, lines = 8, 15, 4
	ids, lineIDs := loansAndLines(t, s, "W", writers, "CL", lines)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	seen := map[string]int{}
	var after int64
	// read reads a page and tells whether it was the last for now.
	read := func() bool {
		page, err := s.ReadFeed(context.Background(), store.ReadFeedParams{After: after, Limit: 7})
		if err != nil {
			t.Error(err)
			return true
		}
		for _, e := range page.Entries {
			if e.Position <= after {
				t.Errorf("position %d after %d", e.Position, after)
			}
			after = e.Position
			seen[feedKey(e)]++
		}
		after = max(after, page.Through)
		return len(page.Entries) < 7
	}
	var bg sync.WaitGroup
	bg.Add(2)
	go func() { // the sequencer
		defer bg.Done()
		for ctx.Err() == nil {
			if _, err := s.SequenceFeed(ctx, store.SequenceFeedParams{}); err != nil && ctx.Err() == nil {
				t.Error(err)
			}
		}
	}()
	go func() { // the reader
		defer bg.Done()
		for ctx.Err() == nil {
			read()
		}
	}()
	writeFeedConcurrently(t, s, ids, lineIDs, payments)
	stop()
	bg.Wait()
	if _, err := s.SequenceFeed(context.Background(), store.SequenceFeedParams{Wait: true}); err != nil {
		t.Fatal(err)
	}
	for !read() {
	}
	if want := writers*(2+payments) + lines*(1+payments); len(seen) != want {
		t.Errorf("the reader saw %d events, want %d", len(seen), want)
	}
	checkSeenOnce(t, seen, ids, lineIDs, payments)
}

// testFeedConcurrentSequencers runs four sequencers at once while loans
// and lines are written, one of them waiting for the others' passes
// (Wait) and three giving up when another is under way, as the loand
// processes on one database and the subscribers that stop at the head
// do: no pass fails, each head a pass returns is one the feed has
// reached, and every event is fed once.
func testFeedConcurrentSequencers(t *testing.T, s store.Store) {
	const writers, payments, lines, sequencers = 8, 20, 2, 4
	ids, lineIDs := loansAndLines(t, s, "S", writers, "SL", lines)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	var bg sync.WaitGroup
	for i := range sequencers {
		bg.Add(1)
		go func() {
			defer bg.Done()
			for ctx.Err() == nil {
				head, err := s.SequenceFeed(ctx, store.SequenceFeedParams{Wait: i == 0})
				if err != nil && ctx.Err() == nil {
					t.Errorf("sequencer %d: %v", i, err)
				}
				if err == nil && head < 0 {
					t.Errorf("sequencer %d: head %d", i, head)
				}
			}
		}()
	}
	writeFeedConcurrently(t, s, ids, lineIDs, payments)
	stop()
	bg.Wait()
	if _, err := s.SequenceFeed(context.Background(), store.SequenceFeedParams{Wait: true}); err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, e := range readAll(t, s, store.ReadFeedParams{LoanIDs: ids, CreditLineIDs: lineIDs, Limit: 50}) {
		seen[feedKey(e)]++
	}
	if want := writers*(2+payments) + lines*(1+payments); len(seen) != want {
		t.Errorf("the feed has %d events of these loans and lines, want %d", len(seen), want)
	}
	checkSeenOnce(t, seen, ids, lineIDs, payments)
}

// loansAndLines books n loans named loanPrefix0.. and opens m lines
// named linePrefix0.., all of borrower B1, for the concurrent feed tests
// to write to at once.
func loansAndLines(t *testing.T, s store.Store, loanPrefix string, n int, linePrefix string, m int) (ids, lineIDs []string) {
	ids = make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("%s%d", loanPrefix, i)
	}
	createLoans(t, s, "B1", ids...)
	lineIDs = make([]string, m)
	for i := range lineIDs {
		lineIDs[i] = fmt.Sprintf("%s%d", linePrefix, i)
		openLine(t, s, lineIDs[i], "B1")
	}
	return ids, lineIDs
}

// writeFeedConcurrently appends payments to each loan (versions 2 on) and
// freezes to each line (versions 1 on), every loan and line at once.
func writeFeedConcurrently(t *testing.T, s store.Store, ids, lineIDs []string, payments int64) {
	t.Helper()
	var w sync.WaitGroup
	for _, id := range ids {
		w.Add(1)
		go func() {
			defer w.Done()
			for v := int64(2); v < 2+payments; v++ {
				if err := s.AppendEvent(context.Background(), payment(id, v, fmt.Sprintf("%s-%d", id, v))); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	for _, id := range lineIDs { // line events interleaved with the loans'
		w.Add(1)
		go func() {
			defer w.Done()
			for v := int64(1); v < 1+payments; v++ {
				if err := s.AppendLineEvent(context.Background(), freeze(id, v, fmt.Sprintf("%s-%d", id, v))); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	w.Wait()
}

// checkSeenOnce checks the reader saw each loan's and line's events
// exactly once: origination, disbursement and the payments; opening and
// the freezes.
func checkSeenOnce(t *testing.T, seen map[string]int, ids, lineIDs []string, payments int) {
	t.Helper()
	for _, id := range lineIDs {
		for seq := 1; seq <= 1+payments; seq++ {
			kind := store.LineKindFrozen
			if seq == 1 {
				kind = store.LineKindOpened
			}
			if k := fmt.Sprintf("line/%s/%d %s%s", id, seq, store.FeedLinePrefix, kind); seen[k] != 1 {
				t.Errorf("%s seen %d times", k, seen[k])
			}
		}
	}
	for _, id := range ids {
		for seq := 1; seq <= 2+payments; seq++ {
			kind := store.KindRepayment
			if seq <= 2 {
				kind = []string{store.KindOrigination, store.KindDisbursement}[seq-1]
			}
			if k := fmt.Sprintf("%s/%d %s", id, seq, kind); seen[k] != 1 {
				t.Errorf("%s seen %d times", k, seen[k])
			}
		}
	}
}

// testFeedCreditLineEvents puts a line's life on the feed beside its
// loans': opened, frozen, a drawdown (with the loan it books, in one
// transaction) and a reversal on that loan that takes the line's seq. The
// line events carry their line, its borrower and currency, and the loan
// they name; the filters select them by line, by loan and by kind.
func testFeedCreditLineEvents(t *testing.T, s store.Store) {
	ctx := context.Background()
	createLoans(t, s, "B1", "L0")
	openLine(t, s, "CL1", "B1")
	if err := s.AppendLineEvent(ctx, freeze("CL1", 1, "f-1")); err != nil {
		t.Fatal(err)
	}
	if err := s.Drawdown(ctx, drawdown("CL1", 2, "L1")); err != nil {
		t.Fatal(err)
	}
	if err := s.AppendEvent(ctx, reversalOn("L1", 2, "CL1", 3, "rev")); err != nil {
		t.Fatal(err)
	}
	entries := readAll(t, s, store.ReadFeedParams{Limit: 2})
	inGroups(t, entries,
		[]string{"L0/1 ORIGINATION", "L0/2 DISBURSEMENT"},
		[]string{"line/CL1/1 CREDIT_LINE_OPENED"},
		[]string{"line/CL1/2 CREDIT_LINE_FROZEN"},
		[]string{"line/CL1/3 CREDIT_LINE_DRAWDOWN", "L1/1 ORIGINATION", "L1/2 DISBURSEMENT"},
		[]string{"line/CL1/4 CREDIT_LINE_REPAYMENT_REVERSED", "L1/3 REPAYMENT"})
	checkLineEntries(t, entries)
	keys := func(p store.ReadFeedParams) []string {
		t.Helper()
		p.Limit = 100
		var out []string
		for _, e := range readAll(t, s, p) {
			out = append(out, feedKey(e))
		}
		sort.Strings(out)
		return out
	}
	for _, c := range []struct {
		p    store.ReadFeedParams
		want []string
	}{
		{store.ReadFeedParams{CreditLineIDs: []string{"CL1", "CL9"}}, []string{"line/CL1/1 CREDIT_LINE_OPENED", "line/CL1/2 CREDIT_LINE_FROZEN",
			"line/CL1/3 CREDIT_LINE_DRAWDOWN", "line/CL1/4 CREDIT_LINE_REPAYMENT_REVERSED"}},
		{store.ReadFeedParams{CreditLineIDs: []string{"CL1"}, Kinds: []string{store.FeedLinePrefix + store.LineKindFrozen}},
			[]string{"line/CL1/2 CREDIT_LINE_FROZEN"}},
		// A loan's filter has the line events naming it; with a line's,
		// either matches.
		{store.ReadFeedParams{LoanIDs: []string{"L1"}}, []string{"L1/1 ORIGINATION", "L1/2 DISBURSEMENT", "L1/3 REPAYMENT",
			"line/CL1/3 CREDIT_LINE_DRAWDOWN", "line/CL1/4 CREDIT_LINE_REPAYMENT_REVERSED"}},
		{store.ReadFeedParams{LoanIDs: []string{"L0"}, CreditLineIDs: []string{"CL1"}, Kinds: []string{store.KindOrigination,
			store.FeedLinePrefix + store.LineKindOpened}}, []string{"L0/1 ORIGINATION", "line/CL1/1 CREDIT_LINE_OPENED"}},
		// A line kind is not a loan kind of the same name.
		{store.ReadFeedParams{Kinds: []string{store.LineKindDrawdown}}, nil},
	} {
		if got := keys(c.p); !slices.Equal(got, c.want) {
			t.Errorf("%+v: %v, want %v", c.p, got, c.want)
		}
	}
}

// checkLineEntries checks what testFeedCreditLineEvents' line entries
// carry: their line, borrower, currency and loan, and each event's own
// fields; a loan's entry names no line.
func checkLineEntries(t *testing.T, entries []store.FeedEntry) {
	t.Helper()
	for _, e := range entries {
		if e.LineEvent == nil {
			if e.CreditLineID != "" {
				t.Errorf("%s names the line %q", feedKey(e), e.CreditLineID)
			}
			continue
		}
		l := e.LineEvent
		if e.CreditLineID != "CL1" || e.BorrowerID != "B1" || e.Currency != "CNY" || l.CreditLineID != "CL1" ||
			e.Kind != store.FeedLinePrefix+l.Kind || e.LoanID != l.LoanID || !e.RecordedAt.Equal(l.RecordedAt) {
			t.Errorf("%s: entry %+v, event %+v", feedKey(e), e, *l)
		}
		switch l.Kind {
		case store.LineKindOpened:
			if !sameAmount(l.Amount, "1000") || l.RequestID != "open-CL1" || l.OnBehalfOf != "customer-B1" || l.LoanID != "" ||
				l.ValueDate != "2024-01-15" || !l.RecordedAt.Equal(t0.Truncate(time.Microsecond)) {
				t.Errorf("opened: %+v", *l)
			}
		case store.LineKindFrozen:
			if l.Reason != "overdue" || l.Actor != "op" || l.ValueDate != "2024-02-01" || l.Amount != "" {
				t.Errorf("frozen: %+v", *l)
			}
		case store.LineKindDrawdown, store.LineKindRepaymentReversed:
			if l.LoanID != "L1" {
				t.Errorf("%s names loan %q", l.Kind, l.LoanID)
			}
		}
	}
}
