package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/store"
)

// creditLineCases check the credit line aggregate: a line and its log,
// requests recorded on its events, and the drawdown, the one write that
// touches a line and a new loan together.
var creditLineCases = []testCase{
	{"CreditLineOpenAndLoad", testCreditLineOpenAndLoad},
	{"CreditLineAppendVersion", testCreditLineAppendVersion},
	{"DrawdownBooksLoanAndLineTogether", testDrawdownBooksLoanAndLineTogether},
	{"DrawdownRefusedLeavesNothing", testDrawdownRefusedLeavesNothing},
	{"ConcurrentDrawdownsOneWins", testConcurrentDrawdownsOneWins},
	{"ListCreditLines", testListCreditLines},
	{"LoanEventTakesTheLineSeq", testLoanEventTakesTheLineSeq},
	{"LinesToReview", testLinesToReview},
	{"LinesToReviewCarried", testLinesToReviewCarried},
}

// line is a new line as servicing opens one, with its OPENED event and
// the request recorded on it.
func line(id, borrower string) store.NewCreditLineRecord {
	req := "open-" + id
	return store.NewCreditLineRecord{
		Line: store.CreditLineRecord{CreditLineID: id, BorrowerID: borrower, Currency: "CNY", Revolving: true, ExpiresOn: "2026-12-31",
			Terms: []byte(`{"template":{}}`), Status: store.LineStatusActive, CreatedAt: t0},
		Event: store.CreditLineEventRecord{CreditLineID: id, Seq: 1, Kind: store.LineKindOpened, ValueDate: "2024-01-15", RecordedAt: t0,
			RequestID: req, Actor: "test", OnBehalfOf: "customer-" + borrower, Amount: "1000.00"},
		Request: store.RequestRecord{RequestID: req, Method: "OpenCreditLine", RequestHash: "h", CreditLineID: id, Seq: 1, RecordedAt: t0},
	}
}

// drawdown draws a loan from a line at version, with its own request.
func drawdown(lineID string, version int64, loanID string) store.DrawdownRecord {
	l := loan(loanID, "B1")
	req := "draw-" + loanID
	for i := range l.Events {
		l.Events[i].RequestID = req
	}
	l.Request = store.RequestRecord{RequestID: req, Method: "Drawdown", RequestHash: "hd", LoanID: loanID, Seq: 2, RecordedAt: t0}
	return store.DrawdownRecord{CreditLineID: lineID, ExpectedVersion: version,
		Event: store.CreditLineEventRecord{CreditLineID: lineID, Seq: version + 1, Kind: store.LineKindDrawdown, ValueDate: "2024-01-15",
			RecordedAt: t0.Add(time.Duration(version) * time.Minute), RequestID: req, Actor: "test", Amount: "600.00", LoanID: loanID},
		Loan: l}
}

// sameAmount compares decimal strings as numbers of the same scale or
// not ("600.00" and PostgreSQL's "600.0000").
func sameAmount(a, b string) bool {
	trim := func(s string) string {
		if strings.Contains(s, ".") {
			s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
		}
		return s
	}
	return trim(a) == trim(b)
}

func openLine(t *testing.T, s store.Store, id, borrower string) {
	t.Helper()
	if err := s.OpenCreditLine(context.Background(), line(id, borrower)); err != nil {
		t.Fatal(err)
	}
}

func loadLine(t *testing.T, s store.Store, id, requestID string) store.CreditLineLog {
	t.Helper()
	lg, err := s.LoadCreditLine(context.Background(), store.LoadCreditLineParams{CreditLineID: id, RequestID: requestID})
	if err != nil {
		t.Fatal(err)
	}
	return lg
}

func testCreditLineOpenAndLoad(t *testing.T, s store.Store) {
	ctx := context.Background()
	openLine(t, s, "CL1", "B1")
	if err := s.OpenCreditLine(ctx, line("CL1", "B1")); !errors.Is(err, store.ErrDuplicate) {
		t.Fatalf("same line twice: %v", err)
	}
	lg := loadLine(t, s, "CL1", "open-CL1")
	want := line("CL1", "B1")
	l := lg.Line
	if l.CreditLineID != "CL1" || l.BorrowerID != "B1" || l.Currency != "CNY" || !l.Revolving || l.ExpiresOn != "2026-12-31" ||
		l.Status != store.LineStatusActive || l.Version != 1 || !l.CreatedAt.Equal(t0.Truncate(time.Microsecond)) || !strings.Contains(string(l.Terms), "template") {
		t.Fatalf("line %+v", l)
	}
	if len(lg.Events) != 1 {
		t.Fatalf("%d events", len(lg.Events))
	}
	e, w := lg.Events[0], want.Event
	if e.Seq != 1 || e.Kind != w.Kind || e.ValueDate != w.ValueDate || !e.RecordedAt.Equal(t0.Truncate(time.Microsecond)) || e.RequestID != w.RequestID ||
		e.Actor != "test" || e.OnBehalfOf != w.OnBehalfOf || !sameAmount(e.Amount, "1000") || e.LoanID != "" {
		t.Fatalf("event %+v", e)
	}
	r := lg.Request
	if r == nil || r.Method != "OpenCreditLine" || r.RequestHash != "h" || r.CreditLineID != "CL1" || r.LoanID != "" || r.Seq != 1 {
		t.Fatalf("request %+v", r)
	}
	if lg := loadLine(t, s, "CL1", "unknown"); lg.Request != nil {
		t.Fatalf("unknown request found: %+v", lg.Request)
	}
	if _, err := s.LoadCreditLine(ctx, store.LoadCreditLineParams{CreditLineID: "nope"}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown line: %v", err)
	}
}

// freeze is a FROZEN event at version with its request.
func freeze(id string, version int64, requestID string) store.AppendLineEventParams {
	at := t0.Add(time.Duration(version) * time.Hour)
	return store.AppendLineEventParams{CreditLineID: id, ExpectedVersion: version,
		Event: store.CreditLineEventRecord{CreditLineID: id, Seq: version + 1, Kind: store.LineKindFrozen, ValueDate: "2024-02-01",
			RecordedAt: at, RequestID: requestID, Actor: "op", Reason: "overdue"},
		Request:   store.RequestRecord{RequestID: requestID, Method: "FreezeCreditLine", RequestHash: "hf", CreditLineID: id, Seq: version + 1, RecordedAt: at},
		SetStatus: store.LineStatusFrozen}
}

func testCreditLineAppendVersion(t *testing.T, s store.Store) {
	ctx := context.Background()
	openLine(t, s, "CL1", "B1")
	if err := s.AppendLineEvent(ctx, freeze("CL1", 1, "f-1")); err != nil {
		t.Fatal(err)
	}
	if err := s.AppendLineEvent(ctx, freeze("CL1", 1, "f-2")); !errors.Is(err, store.ErrVersionConflict) {
		t.Fatalf("append at an old version: %v", err)
	}
	if err := s.AppendLineEvent(ctx, freeze("CL1", 2, "f-1")); !errors.Is(err, store.ErrDuplicate) {
		t.Fatalf("request id reused: %v", err)
	}
	if err := s.AppendLineEvent(ctx, freeze("nope", 1, "f-3")); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("no such line: %v", err)
	}
	// A request recorded on a line is found whichever line is loaded.
	openLine(t, s, "CL2", "B1")
	lg := loadLine(t, s, "CL2", "f-1")
	if r := lg.Request; r == nil || r.CreditLineID != "CL1" || r.Seq != 2 || r.Method != "FreezeCreditLine" {
		t.Fatalf("request f-1 read with CL2: %+v", r)
	}
	if r, err := s.FindRequest(ctx, store.RequestKey{RequestID: "f-1"}); err != nil || r.CreditLineID != "CL1" || r.LoanID != "" || r.Seq != 2 {
		t.Fatalf("FindRequest of a line's request: %+v %v", r, err)
	}
	lg = loadLine(t, s, "CL1", "")
	if lg.Line.Version != 2 || lg.Line.Status != store.LineStatusFrozen || len(lg.Events) != 2 || lg.Events[1].Reason != "overdue" {
		t.Fatalf("after the freeze: %+v, %d events", lg.Line, len(lg.Events))
	}
}

func testDrawdownBooksLoanAndLineTogether(t *testing.T, s store.Store) {
	ctx := context.Background()
	openLine(t, s, "CL1", "B1")
	if err := s.Drawdown(ctx, drawdown("CL1", 1, "L1")); err != nil {
		t.Fatal(err)
	}
	lg := loadLine(t, s, "CL1", "draw-L1")
	if lg.Line.Version != 2 || len(lg.Events) != 2 {
		t.Fatalf("line after the drawdown: version %d, %d events", lg.Line.Version, len(lg.Events))
	}
	if e := lg.Events[1]; e.Kind != store.LineKindDrawdown || e.LoanID != "L1" || !sameAmount(e.Amount, "600") || e.RequestID != "draw-L1" {
		t.Fatalf("drawdown event %+v", e)
	}
	// The drawdown's request is the loan's, found as CreateLoan's is.
	if r := lg.Request; r == nil || r.LoanID != "L1" || r.Seq != 2 || r.Method != "Drawdown" || r.CreditLineID != "" {
		t.Fatalf("request read with the line: %+v", r)
	}
	if r, err := s.FindRequest(ctx, store.RequestKey{RequestID: "draw-L1"}); err != nil || r.LoanID != "L1" {
		t.Fatalf("FindRequest: %+v %v", r, err)
	}
	ll, err := s.LoadLoan(ctx, store.LoadLoanParams{LoanID: "L1"})
	if err != nil || ll.Loan.Version != 2 || len(ll.Events) != 2 {
		t.Fatalf("the loan drawn: %+v %v", ll.Loan, err)
	}
}

// testDrawdownRefusedLeavesNothing: a drawdown refused for the line's
// version, for a loan id taken or for a request id reused writes neither
// the line's event nor any of the loan.
func testDrawdownRefusedLeavesNothing(t *testing.T, s store.Store) {
	ctx := context.Background()
	openLine(t, s, "CL1", "B1")
	createLoans(t, s, "B1", "TAKEN")
	if err := s.Drawdown(ctx, drawdown("CL1", 1, "L1")); err != nil {
		t.Fatal(err)
	}
	if err := s.Drawdown(ctx, drawdown("CL1", 1, "L2")); !errors.Is(err, store.ErrVersionConflict) {
		t.Fatalf("drawdown at an old version: %v", err)
	}
	if err := s.Drawdown(ctx, drawdown("CL1", 2, "TAKEN")); !errors.Is(err, store.ErrDuplicate) {
		t.Fatalf("drawdown as a loan id taken: %v", err)
	}
	reused := drawdown("CL1", 2, "L3")
	reused.Loan.Request.RequestID = "create-TAKEN"
	for i := range reused.Loan.Events {
		reused.Loan.Events[i].RequestID = "create-TAKEN"
	}
	if err := s.Drawdown(ctx, reused); !errors.Is(err, store.ErrDuplicate) {
		t.Fatalf("drawdown with a request id taken: %v", err)
	}
	if err := s.Drawdown(ctx, drawdown("nope", 1, "L4")); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("drawdown on no line: %v", err)
	}
	if lg := loadLine(t, s, "CL1", ""); lg.Line.Version != 2 || len(lg.Events) != 2 {
		t.Fatalf("refused drawdowns wrote to the line: version %d", lg.Line.Version)
	}
	for _, id := range []string{"L2", "L3", "L4"} {
		if _, err := s.LoadLoan(ctx, store.LoadLoanParams{LoanID: id}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("loan %s of a refused drawdown: %v", id, err)
		}
	}
}

// testConcurrentDrawdownsOneWins: drawdowns decided from one version of
// a line, sent at once from connections of their own, book exactly one
// loan; every other is a version conflict and leaves no loan.
func testConcurrentDrawdownsOneWins(t *testing.T, s store.Store) {
	ctx := context.Background()
	openLine(t, s, "CL1", "B1")
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = s.Drawdown(ctx, drawdown("CL1", 1, fmt.Sprintf("L%d", i)))
		}()
	}
	close(start)
	wg.Wait()
	won := -1
	for i, err := range errs {
		switch {
		case err == nil && won >= 0:
			t.Fatalf("drawdowns %d and %d both booked at version 1", won, i)
		case err == nil:
			won = i
		case !errors.Is(err, store.ErrVersionConflict):
			t.Errorf("drawdown %d: %v, want a version conflict", i, err)
		}
	}
	if won < 0 {
		t.Fatal("no drawdown booked")
	}
	lg := loadLine(t, s, "CL1", "")
	if lg.Line.Version != 2 || lg.Events[1].LoanID != fmt.Sprintf("L%d", won) {
		t.Fatalf("line after the race: version %d, %+v", lg.Line.Version, lg.Events)
	}
	loans, err := s.ListLoans(ctx, store.LoanQuery{Limit: 100})
	if err != nil || len(loans) != 1 {
		t.Fatalf("%d loans after the race (%v), want the winner's alone", len(loans), err)
	}
}

func testListCreditLines(t *testing.T, s store.Store) {
	ctx := context.Background()
	openLine(t, s, "CL2", "B1")
	openLine(t, s, "CL1", "B1")
	openLine(t, s, "CL3", "B2")
	appendAllLine := func(p store.AppendLineEventParams) {
		if err := s.AppendLineEvent(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	appendAllLine(freeze("CL3", 1, "f-3"))
	got, err := s.ListCreditLines(ctx, store.CreditLineQuery{BorrowerID: "B1", Limit: 10})
	if err != nil || len(got) != 2 || got[0].CreditLineID != "CL1" || got[1].CreditLineID != "CL2" {
		t.Fatalf("B1's lines: %+v %v", got, err)
	}
	got, err = s.ListCreditLines(ctx, store.CreditLineQuery{AfterCreditLineID: "CL1", Limit: 1})
	if err != nil || len(got) != 1 || got[0].CreditLineID != "CL2" {
		t.Fatalf("page after CL1: %+v %v", got, err)
	}
	got, err = s.ListCreditLines(ctx, store.CreditLineQuery{AfterCreditLineID: "CL2", Limit: 10})
	if err != nil || len(got) != 1 || got[0].Status != store.LineStatusFrozen || got[0].Version != 2 {
		t.Fatalf("page after CL2: %+v %v", got, err)
	}
}

// reversalOn is a loan event at loan version v (a reversal, as far as the
// store cares) that also appends its line's REPAYMENT_REVERSED at line
// version lineV.
func reversalOn(loanID string, v int64, lineID string, lineV int64, requestID string) store.AppendEventParams {
	p := payment(loanID, v, requestID)
	p.Line = &store.LineEventAppend{ExpectedVersion: lineV, Event: store.CreditLineEventRecord{CreditLineID: lineID, Seq: lineV + 1,
		Kind: store.LineKindRepaymentReversed, ValueDate: "2024-01-15", RecordedAt: t0, RequestID: requestID, Actor: "test",
		Amount: "100.00", LoanID: loanID, Reason: "bounced"}}
	return p
}

// testLoanEventTakesTheLineSeq: a loan event that carries a line event
// writes both or neither: a line that moved on (a drawdown in between)
// refuses the pair as a version conflict and the loan's event is not
// written either. LineOfLoan finds the line a loan was drawn under, at
// its version, and no line for a loan drawn under none.
func testLoanEventTakesTheLineSeq(t *testing.T, s store.Store) {
	ctx := context.Background()
	openLine(t, s, "CL1", "B1")
	createLoans(t, s, "B1", "ALONE")
	if err := s.Drawdown(ctx, drawdown("CL1", 1, "L1")); err != nil {
		t.Fatal(err)
	}
	if l, err := s.LineOfLoan(ctx, "L1"); err != nil || l.CreditLineID != "CL1" || l.Version != 2 || !l.Revolving {
		t.Fatalf("LineOfLoan(L1) = %+v, %v", l, err)
	}
	if _, err := s.LineOfLoan(ctx, "ALONE"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("LineOfLoan of a loan under no line: %v", err)
	}
	if err := s.Drawdown(ctx, drawdown("CL1", 2, "L2")); err != nil {
		t.Fatal(err)
	}
	// Decided when the line was at version 2; L2's drawdown took seq 3.
	if err := s.AppendEvent(ctx, reversalOn("L1", 2, "CL1", 2, "rev-stale")); !errors.Is(err, store.ErrVersionConflict) {
		t.Fatalf("loan event with a stale line version: %v", err)
	}
	if ll, _ := s.LoadLoan(ctx, store.LoadLoanParams{LoanID: "L1"}); ll.Loan.Version != 2 {
		t.Fatalf("the refused pair wrote the loan's event: version %d", ll.Loan.Version)
	}
	if _, err := s.FindRequest(ctx, store.RequestKey{RequestID: "rev-stale"}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the refused pair left its request: %v", err)
	}
	if err := s.AppendEvent(ctx, reversalOn("L1", 2, "CL1", 3, "rev")); err != nil {
		t.Fatal(err)
	}
	lg := loadLine(t, s, "CL1", "")
	e := lg.Events[len(lg.Events)-1]
	if lg.Line.Version != 4 || e.Kind != store.LineKindRepaymentReversed || e.LoanID != "L1" || !sameAmount(e.Amount, "100") || e.Reason != "bounced" {
		t.Fatalf("line after the pair: version %d, last event %+v", lg.Line.Version, e)
	}
	if ll, _ := s.LoadLoan(ctx, store.LoadLoanParams{LoanID: "L1"}); ll.Loan.Version != 3 {
		t.Fatalf("the pair did not write the loan's event: version %d", ll.Loan.Version)
	}
	// The line event names L1 again; L1 is still drawn under CL1 once.
	if l, err := s.LineOfLoan(ctx, "L1"); err != nil || l.CreditLineID != "CL1" || l.Version != 4 {
		t.Fatalf("LineOfLoan(L1) after the reversal = %+v, %v", l, err)
	}
}

// lineEvent is an event of kind by actor at version, with its request,
// setting the line's status.
func lineEvent(id string, version int64, kind, actor, status string) store.AppendLineEventParams {
	req := fmt.Sprintf("%s-%d", id, version+1)
	at := t0.Add(time.Duration(version) * time.Hour)
	return store.AppendLineEventParams{CreditLineID: id, ExpectedVersion: version,
		Event: store.CreditLineEventRecord{CreditLineID: id, Seq: version + 1, Kind: kind, ValueDate: "2024-02-01",
			RecordedAt: at, RequestID: req, Actor: actor, Reason: "r"},
		Request:   store.RequestRecord{RequestID: req, Method: "M", RequestHash: "h", CreditLineID: id, Seq: version + 1, RecordedAt: at},
		SetStatus: status}
}

// testLinesToReviewCarried: a line's loan whose position of the date was
// carried on (CarryPositions) is reviewed by its carried days past due,
// as one whose position was folded: past due enough, the line is
// reviewed; current, or not enough, it is not.
func testLinesToReviewCarried(t *testing.T, s store.Store) {
	ctx := context.Background()
	lines := map[string]string{"PAST": "L1", "CURRENT": "L2", "NEAR": "L3"}
	for id, loanID := range lines {
		openLine(t, s, id, "B1")
		if err := s.Drawdown(ctx, drawdown(id, 1, loanID)); err != nil {
			t.Fatal(err)
		}
	}
	steady := func(p store.Position) store.Position {
		p.Version, p.State = 2, []byte{1}
		p.Steady = &store.SteadyRun{Through: day1 + 5, Penalty: 7, Policy: 7}
		return p
	}
	savePositions(t, s, day1, steady(position("L1", day1, store.Accrual{}, store.Accrual{}, 9, engine.M1)),
		steady(position("L2", day1, store.Accrual{}, store.Accrual{}, 0, engine.M0)),
		steady(position("L3", day1, store.Accrual{}, store.Accrual{}, 4, engine.M1)))
	if n := carryAll(t, s, day1+1, 7, 10); n != 3 {
		t.Fatalf("carried %d of 3", n)
	}
	for _, c := range []struct {
		min  int
		want string
	}{{1, "[NEAR PAST]"}, {6, "[PAST]"}, {11, "[]"}} {
		got, err := s.LinesToReview(ctx, store.LineReviewQuery{AsOf: day1 + 1, MinDaysPastDue: c.min, FrozenBy: "close-of-business", Limit: 10})
		if err != nil || fmt.Sprint(got) != c.want {
			t.Errorf("lines to review at %d days past due: %v, %v; want %s", c.min, got, err, c.want)
		}
	}
}

// testLinesToReview: close of business reviews the lines with a loan past
// due enough at the date (by the positions saved for it) and those whose
// last freeze was its own; not a line whose loan is current, was past due
// at an older date only or not enough, one an operator froze last, nor a
// closed one.
func testLinesToReview(t *testing.T, s store.Store) {
	ctx := context.Background()
	const cob = "close-of-business"
	lines := map[string]string{"PAST": "L1", "CURRENT": "L2", "COBFROZE": "", "OPFROZE": "", "CLOSED": "L5", "STALE": "L6", "THAWED": ""}
	for id, loanID := range lines {
		openLine(t, s, id, "B1")
		if loanID != "" {
			if err := s.Drawdown(ctx, drawdown(id, 1, loanID)); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, p := range []store.AppendLineEventParams{
		lineEvent("COBFROZE", 1, store.LineKindFrozen, cob, store.LineStatusFrozen),
		// Frozen by close of business, lifted, then frozen by an operator.
		lineEvent("OPFROZE", 1, store.LineKindFrozen, cob, store.LineStatusFrozen),
		lineEvent("OPFROZE", 2, store.LineKindUnfrozen, "op", store.LineStatusActive),
		lineEvent("OPFROZE", 3, store.LineKindFrozen, "op", store.LineStatusFrozen),
		lineEvent("THAWED", 1, store.LineKindFrozen, cob, store.LineStatusFrozen),
		lineEvent("THAWED", 2, store.LineKindUnfrozen, cob, store.LineStatusActive),
		lineEvent("CLOSED", 2, store.LineKindClosed, "op", store.LineStatusClosed),
	} {
		if err := s.AppendLineEvent(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	savePositions(t, s, day1-1, position("L6", day1-1, store.Accrual{}, store.Accrual{}, 9, engine.M1))
	savePositions(t, s, day1, position("L1", day1, store.Accrual{}, store.Accrual{}, 3, engine.M1),
		position("L2", day1, store.Accrual{}, store.Accrual{}, 0, engine.M0),
		position("L5", day1, store.Accrual{}, store.Accrual{}, 30, engine.M1))
	review := func(q store.LineReviewQuery) []string {
		t.Helper()
		q.FrozenBy = cob
		got, err := s.LinesToReview(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	for _, c := range []struct {
		q    store.LineReviewQuery
		want []string
	}{
		{store.LineReviewQuery{AsOf: day1, MinDaysPastDue: 1, Limit: 10}, []string{"COBFROZE", "PAST"}},
		{store.LineReviewQuery{AsOf: day1, MinDaysPastDue: 3, Limit: 1}, []string{"COBFROZE"}},
		{store.LineReviewQuery{AsOf: day1, MinDaysPastDue: 3, AfterCreditLineID: "COBFROZE", Limit: 1}, []string{"PAST"}},
		{store.LineReviewQuery{AsOf: day1, MinDaysPastDue: 4, Limit: 10}, []string{"COBFROZE"}},
		{store.LineReviewQuery{AsOf: day1 - 1, MinDaysPastDue: 1, Limit: 10}, []string{"COBFROZE", "STALE"}},
	} {
		if got := review(c.q); fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%+v: %v, want %v", c.q, got, c.want)
		}
	}
}
