package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"sync"
	"testing"

	"github.com/loancore/loancore/internal/store"
)

// loanCases check the loan aggregate: a loan's row and its append-only
// log, the version check every append makes, the status projection and
// the listing of loans.
var loanCases = []testCase{
	{"CreateAndGet", testCreateAndGet},
	{"VersionConflict", testVersionConflict},
	{"ConcurrentAppendsOneWins", testConcurrentAppendsOneWins},
	{"StatusProjection", testStatusProjection},
	{"EventPayload", testEventPayload},
	{"ListLoansPagesAndFilters", testListLoansPagesAndFilters},
	{"ListLoansFilterSets", testListLoansFilterSets},
	{"IdsOrderByteByByte", testIdsOrderByteByByte},
	{"LoanVersions", testLoanVersions},
	{"LoanVersionsSince", testLoanVersionsSince},
	{"MarkerUnchanged", testMarkerUnchanged},
	{"ListLoansSummary", testListLoansSummary},
}

// pagedLoanIDs lists every loan's id, limit to a page, following each
// page's last id as the next page's start.
func pagedLoanIDs(t *testing.T, s store.Store, limit int) []string {
	t.Helper()
	var ids []string
	for after := ""; ; {
		page, err := s.ListLoans(context.Background(), store.LoanQuery{AfterLoanID: after, Limit: limit})
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range page {
			ids = append(ids, l.LoanID)
		}
		if len(page) < limit {
			return ids
		}
		after = page[len(page)-1].LoanID
	}
}

func testCreateAndGet(t *testing.T, s store.Store) {
	ctx := context.Background()
	if err := s.CreateLoan(ctx, loan("L1", "B1")); err != nil {
		t.Fatal(err)
	}
	lg, err := s.LoadLoan(ctx, store.LoadLoanParams{LoanID: "L1", RequestID: "create-L1"})
	if err != nil {
		t.Fatal(err)
	}
	got, events := lg.Loan, lg.Events
	if lg.Request == nil || lg.Request.Seq != 2 {
		t.Fatalf("request record = %+v", lg.Request)
	}
	if got.LoanID != "L1" || got.Currency != "CNY" || got.BorrowerID != "B1" || got.Version != 2 || got.Status != "ACTIVE" || !got.CreatedAt.Equal(t0) || string(got.Terms) != `{"principal": "12000.00"}` && string(got.Terms) != `{"principal":"12000.00"}` {
		t.Fatalf("got %+v", got)
	}
	if len(events) != 2 {
		t.Fatalf("events %v", events)
	}
	if e := events[0]; e.LoanID != "L1" || e.Seq != 1 || e.Kind != "ORIGINATION" || e.RequestID != "create-L1" || e.Actor != "test" || e.OnBehalfOf != "" || e.Amount != "" {
		t.Fatalf("event %+v", e)
	}
	if e := events[1]; e.Seq != 2 || e.Kind != "DISBURSEMENT" || e.ValueDate != "2024-01-15" || e.OnBehalfOf != "customer-B1" || !e.RecordedAt.Equal(t0) || e.Amount != "12000.00" && e.Amount != "12000.0000" {
		t.Fatalf("event %+v", e)
	}
	if _, err := s.LoadLoan(ctx, store.LoadLoanParams{LoanID: "nope"}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing loan: %v", err)
	}
}

func testVersionConflict(t *testing.T, s store.Store) {
	ctx := context.Background()
	if err := s.CreateLoan(ctx, loan("L1", "B1")); err != nil {
		t.Fatal(err)
	}
	if err := s.AppendEvent(ctx, payment("L1", 1, "stale")); !errors.Is(err, store.ErrVersionConflict) {
		t.Fatalf("stale version: %v", err)
	}
	if err := s.AppendEvent(ctx, payment("L1", 5, "ahead")); !errors.Is(err, store.ErrVersionConflict) {
		t.Fatalf("a version ahead of the log (a gap): %v", err)
	}
	lg, _ := s.LoadLoan(ctx, store.LoadLoanParams{LoanID: "L1"})
	if lg.Loan.Version != 2 || len(lg.Events) != 2 {
		t.Fatalf("refused appends wrote: version %d, %d events", lg.Loan.Version, len(lg.Events))
	}
	if _, err := s.FindRequest(ctx, store.RequestKey{RequestID: "stale"}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a refused append left its request: %v", err)
	}
	if err := s.AppendEvent(ctx, payment("nope", 2, "x")); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing loan: %v", err)
	}
}

func testConcurrentAppendsOneWins(t *testing.T, s store.Store) {
	ctx := context.Background()
	if err := s.CreateLoan(ctx, loan("L1", "B1")); err != nil {
		t.Fatal(err)
	}
	const writers = 8
	var wg sync.WaitGroup
	errs := make([]error, writers)
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.AppendEvent(ctx, payment("L1", 2, fmt.Sprintf("w-%d", i)))
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case errors.Is(err, store.ErrVersionConflict):
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	lg, _ := s.LoadLoan(ctx, store.LoadLoanParams{LoanID: "L1"})
	if won != 1 || len(lg.Events) != 3 {
		t.Fatalf("%d writers won, %d events; want exactly one", won, len(lg.Events))
	}
}

func testStatusProjection(t *testing.T, s store.Store) {
	ctx := context.Background()
	if err := s.CreateLoan(ctx, loan("L1", "B1")); err != nil {
		t.Fatal(err)
	}
	if err := s.AppendEvent(ctx, payment("L1", 2, "pay-1")); err != nil {
		t.Fatal(err)
	}
	paid := payment("L1", 3, "pay-2")
	paid.SetStatus = "PAID_OFF"
	if err := s.AppendEvent(ctx, paid); err != nil {
		t.Fatal(err)
	}
	lg, err := s.LoadLoan(ctx, store.LoadLoanParams{LoanID: "L1", RequestID: "pay-2"})
	if err != nil || lg.Loan.Status != "PAID_OFF" || lg.Loan.Version != 4 || lg.Request == nil || lg.Request.Seq != 4 {
		t.Fatalf("after a status change: %+v %+v %v", lg.Loan, lg.Request, err)
	}
	// A refused append changes no status.
	stale := payment("L1", 3, "pay-3")
	stale.SetStatus = "ACTIVE"
	if err := s.AppendEvent(ctx, stale); !errors.Is(err, store.ErrVersionConflict) {
		t.Fatalf("stale append: %v", err)
	}
	got, err := s.ListLoans(ctx, store.LoanQuery{Status: "PAID_OFF", Limit: 10})
	if err != nil || len(got) != 1 || got[0].Version != 4 {
		t.Fatalf("status filter: %+v %v", got, err)
	}
}

func testEventPayload(t *testing.T, s store.Store) {
	ctx := context.Background()
	if err := s.CreateLoan(ctx, loan("L1", "B1")); err != nil {
		t.Fatal(err)
	}
	w := payment("L1", 2, "waive-1")
	w.Event.Kind, w.Event.Amount, w.Event.Reason = "WAIVER", "", "hardship"
	w.Event.Payload = `{"penalty":"20.40","interest":"0.00"}`
	w.Event.OnBehalfOf = "borrower B1 (app 2.3)"
	if err := s.AppendEvent(ctx, w); err != nil {
		t.Fatal(err)
	}
	lg, err := s.LoadLoan(ctx, store.LoadLoanParams{LoanID: "L1"})
	if err != nil {
		t.Fatal(err)
	}
	e := lg.Events[2]
	// PostgreSQL's jsonb may respace the document; its content is what counts.
	if e.Kind != "WAIVER" || e.Amount != "" || e.Reason != "hardship" || e.OnBehalfOf != "borrower B1 (app 2.3)" ||
		e.Payload != `{"penalty":"20.40","interest":"0.00"}` && e.Payload != `{"penalty": "20.40", "interest": "0.00"}` {
		t.Fatalf("waiver event %+v", e)
	}
	if lg.Events[1].Payload != "" {
		t.Fatalf("an event without payload reads %q", lg.Events[1].Payload)
	}
}

func testListLoansPagesAndFilters(t *testing.T, s store.Store) {
	ctx := context.Background()
	for i := range 7 {
		if err := s.CreateLoan(ctx, loan(fmt.Sprintf("L%02d", i), fmt.Sprintf("B%d", i%2))); err != nil {
			t.Fatal(err)
		}
	}
	if ids := pagedLoanIDs(t, s, 3); fmt.Sprint(ids) != "[L00 L01 L02 L03 L04 L05 L06]" {
		t.Fatalf("pages gave %v", ids)
	}
	b1, err := s.ListLoans(ctx, store.LoanQuery{BorrowerID: "B1", Limit: 10})
	if err != nil || len(b1) != 3 {
		t.Fatalf("borrower filter: %d %v", len(b1), err)
	}
	none, err := s.ListLoans(ctx, store.LoanQuery{Status: "PAID_OFF", Limit: 10})
	if err != nil || len(none) != 0 {
		t.Fatalf("status filter: %d %v", len(none), err)
	}
}

// Every set of filters, summary or not, after a key: the stores write a
// statement for each (so that each is read by its index).
func testListLoansFilterSets(t *testing.T, s store.Store) {
	ctx := context.Background()
	for i := range 7 {
		if err := s.CreateLoan(ctx, loan(fmt.Sprintf("L%02d", i), fmt.Sprintf("B%d", i%2))); err != nil {
			t.Fatal(err)
		}
	}
	for _, summary := range []bool{false, true} {
		for _, tc := range []struct {
			q    store.LoanQuery
			want string
		}{
			{store.LoanQuery{BorrowerID: "B1", Status: store.StatusActive, AfterLoanID: "L01"}, "[L03 L05]"},
			{store.LoanQuery{BorrowerID: "B0", Status: "PAID_OFF"}, "[]"},
			{store.LoanQuery{Status: store.StatusActive, AfterLoanID: "L04"}, "[L05 L06]"},
			{store.LoanQuery{BorrowerID: "B0", AfterLoanID: "L02"}, "[L04 L06]"},
		} {
			tc.q.Limit, tc.q.Summary = 10, summary
			page, err := s.ListLoans(ctx, tc.q)
			ids := []string{}
			for _, l := range page {
				ids = append(ids, l.LoanID)
			}
			if err != nil || fmt.Sprint(ids) != tc.want {
				t.Errorf("ListLoans(%+v) = %v, %v; want %s", tc.q, ids, err, tc.want)
			}
		}
	}
}

// Keyset pages follow the ids' bytes on every store, whatever the
// database's collation: a locale's order ("_-5 a-3 b-1 B-2 Z-4"
// in en-US) would differ between the stores and can change under
// an operating system update. The PostgreSQL tests run on an ICU
// en-US database where the server has ICU.
func testIdsOrderByteByByte(t *testing.T, s store.Store) {
	ctx := context.Background()
	for _, id := range []string{"b-1", "B-2", "a-3", "Z-4", "_-5"} {
		if err := s.CreateLoan(ctx, loan(id, "B1")); err != nil {
			t.Fatal(err)
		}
	}
	if ids := pagedLoanIDs(t, s, 2); fmt.Sprint(ids) != "[B-2 Z-4 _-5 a-3 b-1]" {
		t.Fatalf("pages gave %v", ids)
	}
}

// testLoanVersions checks the read cache's freshness check: each named
// loan's version is its last event's seq, moves with every append, and a
// loan that does not exist is left out rather than reported at 0.
func testLoanVersions(t *testing.T, s store.Store) {
	ctx := context.Background()
	createLoans(t, s, "B1", "L1", "L2")
	appendAll(t, s, payment("L2", 2, "p1"), payment("L2", 3, "p2"))
	got, err := s.LoanVersions(ctx, []string{"L1", "L2", "nope"})
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]int64{"L1": 2, "L2": 4}; !maps.Equal(got, want) {
		t.Fatalf("versions %v, want %v", got, want)
	}
	appendAll(t, s, payment("L1", 2, "p3"))
	if got, err = s.LoanVersions(ctx, []string{"L1"}); err != nil || !maps.Equal(got, map[string]int64{"L1": 3}) {
		t.Fatalf("after an append: %v, %v", got, err)
	}
	if got, err = s.LoanVersions(ctx, nil); err != nil || len(got) != 0 {
		t.Fatalf("no ids: %v, %v", got, err)
	}
	// More ids than one statement of a store may bind: all answered.
	ids := make([]string, 1200)
	for i := range ids {
		ids[i] = fmt.Sprintf("X%d", i)
	}
	ids[1100] = "L2"
	if got, err = s.LoanVersions(ctx, ids); err != nil || !maps.Equal(got, map[string]int64{"L2": 4}) {
		t.Fatalf("1,200 ids: %v, %v", got, err)
	}
}

// testLoanVersionsSince checks the change marker: asked with no marker,
// or with one that is no longer current, the store gives the versions as
// LoanVersions does; after an append the marker must move, so that a
// reader holding versions confirmed at the old one asks again. Equal
// markers with nothing written cannot be required here: PostgreSQL's is
// the whole cluster's, and other scenarios write to it meanwhile (the
// SQLite store's own test checks that one).
func testLoanVersionsSince(t *testing.T, s store.Store) {
	ctx := context.Background()
	createLoans(t, s, "B1", "L1", "L2")
	first, err := s.LoanVersionsSince(ctx, "", []string{"L1", "L2", "nope"})
	if err != nil || first.Marker == "" || !maps.Equal(first.Versions, map[string]int64{"L1": 2, "L2": 2}) {
		t.Fatalf("no marker yet: %+v, %v", first, err)
	}
	again, err := s.LoanVersionsSince(ctx, first.Marker, []string{"L1"})
	checkVersionsSince(t, "again", first.Marker, again, err, map[string]int64{"L1": 2})
	appendAll(t, s, payment("L1", 2, "p1"))
	after, err := s.LoanVersionsSince(ctx, again.Marker, []string{"L1", "L2"})
	if err != nil || after.Marker == again.Marker || !maps.Equal(after.Versions, map[string]int64{"L1": 3, "L2": 2}) {
		t.Fatalf("after an append: %+v (marker before %q), %v", after, again.Marker, err)
	}
	// Asked again at once: a store may answer from the marker alone or
	// read the versions (PostgreSQL does the latter right after a check
	// that found the marker moved); either way, right.
	next, err := s.LoanVersionsSince(ctx, after.Marker, []string{"L1"})
	checkVersionsSince(t, "next", after.Marker, next, err, map[string]int64{"L1": 3})
	none, err := s.LoanVersionsSince(ctx, "", nil)
	if err != nil || none.Marker == "" || len(none.Versions) != 0 {
		t.Fatalf("no ids: %+v, %v", none, err)
	}
}

// testMarkerUnchanged checks the marker's in-memory answer: never
// "unchanged" for no marker, nor for a marker read before a write that
// has committed since (a read cache would answer stale). A store may
// always say false (PostgreSQL's marker is never in memory), so "true"
// for an unchanged marker is not required here; SQLite's own test checks
// it.
func testMarkerUnchanged(t *testing.T, s store.Store) {
	ctx := context.Background()
	createLoans(t, s, "B1", "L1")
	if s.MarkerUnchanged("") {
		t.Fatal(`MarkerUnchanged("") says unchanged`)
	}
	before, err := s.LoanVersionsSince(ctx, "", []string{"L1"})
	if err != nil {
		t.Fatal(err)
	}
	appendAll(t, s, payment("L1", 2, "p1"))
	if s.MarkerUnchanged(before.Marker) {
		t.Fatalf("the marker read before a payment (%q) says unchanged after it", before.Marker)
	}
}

// checkVersionsSince checks an answer to LoanVersionsSince asked at since:
// a marker always, and the versions want, which a store may leave out
// (nil) only when the marker has not moved.
func checkVersionsSince(t *testing.T, name, since string, got store.MarkedVersions, err error, want map[string]int64) {
	t.Helper()
	switch {
	case err != nil || got.Marker == "":
		t.Fatalf("%s: %+v, %v", name, got, err)
	case got.Marker == since && got.Versions != nil && !maps.Equal(got.Versions, want):
		t.Fatalf("unchanged marker, wrong versions: %+v", got)
	case got.Marker != since && !maps.Equal(got.Versions, want):
		t.Fatalf("a new marker needs the versions: %+v", got)
	}
}

// testListLoansSummary: with Summary, each record's terms are its
// document's currency and principal alone (null for one it lacks), the
// other columns as without.
func testListLoansSummary(t *testing.T, s store.Store) {
	ctx := context.Background()
	full := loan("S1", "B1")
	full.Loan.Terms = []byte(`{"currency":"CNY","principal":"12000.00","annual_rate_percent":"4.35","installment_count":12}`)
	if err := s.CreateLoan(ctx, full); err != nil {
		t.Fatal(err)
	}
	createLoans(t, s, "B1", "S2") // a document with no currency
	whole, err := s.ListLoans(ctx, store.LoanQuery{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := s.ListLoans(ctx, store.LoanQuery{Limit: 10, Summary: true})
	if err != nil || len(sum) != 2 || len(whole) != 2 {
		t.Fatalf("summary %d loans, whole %d: %v", len(sum), len(whole), err)
	}
	want := []map[string]any{{"currency": "CNY", "principal": "12000.00"}, {"currency": nil, "principal": "12000.00"}}
	for i, l := range sum {
		var got map[string]any
		if err := json.Unmarshal(l.Terms, &got); err != nil || !maps.Equal(got, want[i]) {
			t.Fatalf("%s: summary terms %s, want %v (%v)", l.LoanID, l.Terms, want[i], err)
		}
		l.Terms = whole[i].Terms
		if !reflect.DeepEqual(l, whole[i]) {
			t.Fatalf("summary record %+v, whole %+v", l, whole[i])
		}
	}
}
