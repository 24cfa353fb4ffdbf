package grpcapi_test

import (
	"fmt"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
	"github.com/loancore/loancore/internal/servicing"
)

// TestCreditLineLifeOnTheFeed: a revolving line's whole life reaches the
// event feed beside its loan's, on both stores: opened, drawn (the
// DRAWDOWN naming the loan, written with the loan's origination), a new
// limit, frozen and unfrozen by close of business, a reversal on its loan
// and the close — each once, in position order, with the line's id, its
// event as GetCreditLine shows it, and a stable event id; and the
// filters by line, by loan and by kind. (The first installment of 600 at
// 1% a month over 12 months is 53.31, of which 47.31 principal: see
// creditlines_test.go.)
func TestCreditLineLifeOnTheFeed(t *testing.T) {
	forEachCOBStore(t, func(t *testing.T, c cobClients) {
		lc := lineClients{loans: c.loans, lines: c.lines}
		loanID := lineLife(t, c, lc)
		all := feedEvents(subscribe(t, c.feed, &loancorev1.SubscribeEventsRequest{}))
		line := getLine(t, lc, "L")
		var onLine []*loancorev1.FeedEvent
		for _, e := range all {
			if e.GetCreditLineId() != "" {
				onLine = append(onLine, e)
			}
		}
		if len(onLine) != len(line.GetEvents()) {
			t.Fatalf("%d line events on the feed, the line has %d: %v", len(onLine), len(line.GetEvents()), onLine)
		}
		var kinds []string
		for i, e := range onLine {
			want := line.GetEvents()[i]
			kinds = append(kinds, strings.TrimPrefix(e.GetKind().String(), "FEED_EVENT_KIND_CREDIT_LINE_"))
			if e.GetCreditLineId() != "L" || e.GetEventId() != fmt.Sprintf("credit_line/L/%d", want.GetSeq()) || e.GetCurrency() != "CNY" ||
				e.GetCreditLineEvent().String() != want.String() || e.GetValueDate() != want.GetValueDate() || e.GetAmount() != want.GetAmount() ||
				e.GetActor() != want.GetActor() || e.GetRequestId() != want.GetRequestId() || e.GetRecordedAt() != want.GetRecordedAt() ||
				e.GetLoanId() != want.GetLoanId() {
				t.Errorf("feed event %v, the line's event %v", e, want)
			}
		}
		if got := strings.Join(kinds, " "); got != "OPENED DRAWDOWN LIMIT_CHANGED FROZEN UNFROZEN REPAYMENT_REVERSED CLOSED" {
			t.Fatalf("the line's kinds on the feed: %s", got)
		}
		if d, f := onLine[1], onLine[3]; d.GetLoanId() != loanID || d.GetAmount() != "600.00" || f.GetActor() != servicing.CloseOfBusinessActor ||
			f.GetValueDate() != "2024-07-02" || onLine[5].GetLoanId() != loanID || onLine[5].GetAmount() != "47.31" {
			t.Errorf("the drawdown %v, the freeze %v, the reversal %v", d, f, onLine[5])
		}
		checkDrawdownBesideItsLoan(t, all, loanID)
		checkLineFilters(t, c.feed, loanID, len(all))
	})
}

// lineLife writes line L's life and returns the loan drawn.
func lineLife(t *testing.T, c cobClients, lc lineClients) string {
	t.Helper()
	openLine(t, lc, "L", true, "")
	loanID := draw(t, lc, "L", "d1", "600").GetLoan().GetLoanId()
	if _, err := c.lines.ChangeLimit(ctx(t), &loancorev1.ChangeLimitRequest{RequestId: "lim", CreditLineId: "L", Limit: "1200",
		Reason: "good payer"}); err != nil {
		t.Fatal(err)
	}
	setToday(c.clk, "2024-07-03")
	for _, date := range []string{"2024-07-01", "2024-07-02"} { // frozen on the first day overdue
		if _, err := runCOB(t, c, date); err != nil {
			t.Fatal(err)
		}
	}
	pay := repay(t, c.loans, &loancorev1.RecordRepaymentRequest{RequestId: "pay", LoanId: loanID, Amount: "53.31"})
	if _, err := runCOB(t, c, "2024-07-03"); err != nil { // cured: unfrozen
		t.Fatal(err)
	}
	if _, err := c.loans.ReverseRepayment(ctx(t), &loancorev1.ReverseRepaymentRequest{RequestId: "rev", LoanId: loanID, Seq: pay.GetSeq(),
		Reason: "bounced"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.lines.CloseCreditLine(ctx(t), &loancorev1.CloseCreditLineRequest{RequestId: "close", CreditLineId: "L"}); err != nil {
		t.Fatal(err)
	}
	return loanID
}

// checkDrawdownBesideItsLoan: the DRAWDOWN and the loan's origination
// and disbursement are one transaction's, so their positions are
// adjacent (in an order the feed does not fix).
func checkDrawdownBesideItsLoan(t *testing.T, all []*loancorev1.FeedEvent, loanID string) {
	t.Helper()
	for i, e := range all {
		if e.GetKind() != loancorev1.FeedEventKind_FEED_EVENT_KIND_CREDIT_LINE_DRAWDOWN {
			continue
		}
		near := map[string]bool{}
		for _, n := range all[max(0, i-2):min(len(all), i+3)] {
			near[n.GetEventId()] = true
		}
		if !near[loanID+"/1"] || !near[loanID+"/2"] {
			t.Errorf("the drawdown at %d is not beside its loan's first events: %v", e.GetPosition(), all[max(0, i-2):min(len(all), i+3)])
		}
	}
}

// checkLineFilters subscribes by line, by loan and by kind, and refuses
// too many line ids.
func checkLineFilters(t *testing.T, feed loancorev1.EventFeedServiceClient, loanID string, total int) {
	t.Helper()
	ids := func(req *loancorev1.SubscribeEventsRequest) string {
		var out []string
		for _, e := range feedEvents(subscribe(t, feed, req)) {
			out = append(out, e.GetEventId())
		}
		return strings.Join(out, " ")
	}
	if got := ids(&loancorev1.SubscribeEventsRequest{CreditLineIds: []string{"L", "NONE"}}); got !=
		"credit_line/L/1 credit_line/L/2 credit_line/L/3 credit_line/L/4 credit_line/L/5 credit_line/L/6 credit_line/L/7" {
		t.Errorf("line L's: %s", got)
	}
	if got := ids(&loancorev1.SubscribeEventsRequest{CreditLineIds: []string{"L"},
		Kinds: []loancorev1.FeedEventKind{loancorev1.FeedEventKind_FEED_EVENT_KIND_CREDIT_LINE_FROZEN,
			loancorev1.FeedEventKind_FEED_EVENT_KIND_CREDIT_LINE_UNFROZEN}}); got != "credit_line/L/4 credit_line/L/5" {
		t.Errorf("line L's freezes: %s", got)
	}
	byLoan := ids(&loancorev1.SubscribeEventsRequest{LoanIds: []string{loanID}})
	if !strings.Contains(byLoan, "credit_line/L/2") || !strings.Contains(byLoan, "credit_line/L/6") || strings.Contains(byLoan, "credit_line/L/3") ||
		!strings.Contains(byLoan, loanID+"/1") {
		t.Errorf("the loan's: %s", byLoan)
	}
	if n := len(feedEvents(subscribe(t, feed, &loancorev1.SubscribeEventsRequest{LoanIds: []string{loanID}, CreditLineIds: []string{"L"}}))); n !=
		len(strings.Fields(byLoan))+5 || n > total {
		t.Errorf("the loan's or the line's: %d events, want the loan's %d and the line's 5 others", n, len(strings.Fields(byLoan)))
	}
	stream, err := feed.SubscribeEvents(ctx(t), &loancorev1.SubscribeEventsRequest{CreditLineIds: make([]string, 101)})
	if err == nil {
		_, err = stream.Recv()
	}
	if st := wantCode(t, err, codes.InvalidArgument); !strings.Contains(st.Message(), "credit_line_ids") {
		t.Errorf("101 line ids: %v", st.Message())
	}
}
