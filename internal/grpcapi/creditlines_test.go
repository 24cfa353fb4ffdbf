package grpcapi_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
	"github.com/loancore/loancore/internal/grpcapi"
	"github.com/loancore/loancore/internal/servicing"
	"github.com/loancore/loancore/internal/store"
	"github.com/loancore/loancore/internal/store/pgtest"
	"github.com/loancore/loancore/internal/store/postgres"
	"github.com/loancore/loancore/internal/store/storetest"
)

// lineClients are a server's loan and credit line clients.
type lineClients struct {
	loans loancorev1.LoanServiceClient
	lines loancorev1.CreditLineServiceClient
}

// serveLines serves loans and credit lines over db on a loopback port,
// with servicing instances of their own: two calls on one database are
// two servers as two loand processes would be (each with its own caches
// and turns), sharing only the database.
func serveLines(t *testing.T, db store.Store, clk *clock) lineClients {
	t.Helper()
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	loans, err := servicing.NewLoans(servicing.NewLoansParams{Store: db, Now: clk.Now, Location: shanghai})
	if err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpcapi.NewServer(grpcapi.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Loans: loans,
		CreditLines: servicing.NewCreditLines(loans, db), Dev: true})
	go func() { _ = srv.GRPC.Serve(lis) }()
	t.Cleanup(srv.GRPC.Stop)
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return lineClients{loans: loancorev1.NewLoanServiceClient(conn), lines: loancorev1.NewCreditLineServiceClient(conn)}
}

// lineTemplate: 12% a year over 12 months, equal installments; a
// drawdown may ask for 3 to 24 installments, or equal principal.
func lineTemplate() *loancorev1.LoanTerms {
	return &loancorev1.LoanTerms{AnnualRatePercent: "12", InstallmentCount: 12,
		Method: loancorev1.RepaymentMethod_REPAYMENT_METHOD_EQUAL_INSTALLMENT}
}

func openLine(t *testing.T, c lineClients, id string, revolving bool, expiresOn string) *loancorev1.CreditLine {
	t.Helper()
	r, err := c.lines.OpenCreditLine(ctx(t), &loancorev1.OpenCreditLineRequest{RequestId: "open-" + id, CreditLineId: id, BorrowerId: "B1",
		Currency: "CNY", Limit: "1000.00", ExpiresOn: expiresOn, Revolving: revolving, DrawdownTerms: lineTemplate(),
		DrawdownBounds: &loancorev1.DrawdownBounds{MinInstallmentCount: 3, MaxInstallmentCount: 24,
			Methods: []loancorev1.RepaymentMethod{loancorev1.RepaymentMethod_REPAYMENT_METHOD_EQUAL_PRINCIPAL}}})
	if err != nil {
		t.Fatal(err)
	}
	return r.GetCreditLine()
}

func draw(t *testing.T, c lineClients, lineID, requestID, amount string) *loancorev1.DrawdownResponse {
	t.Helper()
	r, err := c.lines.Drawdown(ctx(t), &loancorev1.DrawdownRequest{RequestId: requestID, CreditLineId: lineID, Amount: amount})
	if err != nil {
		t.Fatalf("Drawdown %s %s: %v", lineID, amount, err)
	}
	return r
}

func getLine(t *testing.T, c lineClients, id string) *loancorev1.CreditLine {
	t.Helper()
	r, err := c.lines.GetCreditLine(ctx(t), &loancorev1.GetCreditLineRequest{CreditLineId: id})
	if err != nil {
		t.Fatal(err)
	}
	return r.GetCreditLine()
}

func wantFigures(t *testing.T, l *loancorev1.CreditLine, limit, used, available string) {
	t.Helper()
	if l.GetLimit() != limit || l.GetUsed() != used || l.GetAvailable() != available {
		t.Fatalf("line %s: limit %s used %s available %s, want %s %s %s", l.GetCreditLineId(), l.GetLimit(), l.GetUsed(), l.GetAvailable(),
			limit, used, available)
	}
}

// The figures below: 600 at 12% a year (1% a month) over 12 months, level
// installment 600 × 0.01 / (1 − 1.01^−12) = 53.3093 → 53.31, of which
// 6.00 interest and 47.31 principal in the first; 552.69 outstanding after
// it (Python decimal, 50 digits).

// TestCreditLineDrawRepayDrawAgain: open, draw, repay, draw again — a
// revolving line gets repaid principal back, a non-revolving one does not;
// a drawdown over what is available is LIMIT_EXCEEDED naming the amount
// available, and a retried drawdown books nothing new.
func TestCreditLineDrawRepayDrawAgain(t *testing.T) {
	forEachLineStore(t, func(t *testing.T, c lineClients, clk *clock) {
		rev := openLine(t, c, "REV", true, "")
		openLine(t, c, "ONCE", false, "")
		wantFigures(t, rev, "1000.00", "0.00", "1000.00")
		d := draw(t, c, "REV", "d1", "600")
		if l := d.GetLoan(); l.GetTerms().GetPrincipal() != "600.00" || l.GetTerms().GetDisbursementDate() != "2024-06-01" ||
			len(l.GetInstallments()) != 12 || l.GetInstallments()[0].GetInterestDue() != "6.00" || l.GetInstallments()[0].GetPrincipalDue() != "47.31" {
			t.Fatalf("the loan drawn: %v", l)
		}
		wantFigures(t, d.GetCreditLine(), "1000.00", "600.00", "400.00")
		if again := draw(t, c, "REV", "d1", "600"); again.GetLoan().GetLoanId() != d.GetLoan().GetLoanId() {
			t.Fatalf("a retried drawdown booked %s, first %s", again.GetLoan().GetLoanId(), d.GetLoan().GetLoanId())
		}
		_, err := c.lines.Drawdown(ctx(t), &loancorev1.DrawdownRequest{RequestId: "d2", CreditLineId: "REV", Amount: "600"})
		if preconditionReason(t, err) != string(servicing.ReasonLimitExceeded) || !strings.Contains(err.Error(), "400.00 available") {
			t.Fatalf("a drawdown over the limit: %v", err)
		}
		dOnce := draw(t, c, "ONCE", "o1", "600")
		setToday(clk, "2024-07-01")
		for _, id := range []string{d.GetLoan().GetLoanId(), dOnce.GetLoan().GetLoanId()} {
			repay(t, c.loans, &loancorev1.RecordRepaymentRequest{RequestId: "pay-" + id, LoanId: id, Amount: "53.31"})
		}
		wantFigures(t, getLine(t, c, "REV"), "1000.00", "552.69", "447.31")
		wantFigures(t, getLine(t, c, "ONCE"), "1000.00", "600.00", "400.00")
		draw(t, c, "REV", "d3", "447.31")
		line := getLine(t, c, "REV")
		wantFigures(t, line, "1000.00", "1000.00", "0.00")
		if len(line.GetLoans()) != 2 || line.GetDrawn() != "1047.31" || line.GetVersion() != 3 {
			t.Fatalf("after the second drawdown: %v", line)
		}
		// As known before the second drawdown, and as of the day of the
		// first, the line is as it was then.
		r, err := c.lines.GetCreditLine(ctx(t), &loancorev1.GetCreditLineRequest{CreditLineId: "REV", AsOf: "2024-06-01",
			KnownAt: line.GetEvents()[1].GetRecordedAt()})
		if err != nil {
			t.Fatal(err)
		}
		wantFigures(t, r.GetCreditLine(), "1000.00", "600.00", "400.00")
		loans, err := c.loans.ListLoans(ctx(t), &loancorev1.ListLoansRequest{BorrowerId: "B1"})
		if err != nil || len(loans.GetLoans()) != 3 {
			t.Fatalf("%d loans (%v), want the 3 drawdowns", len(loans.GetLoans()), err)
		}
	})
}

// forEachLineStore runs f against a credit line server on SQLite and on
// PostgreSQL, today 2024-06-01.
func forEachLineStore(t *testing.T, f func(t *testing.T, c lineClients, clk *clock)) {
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			clk := &clock{now: testNow}
			f(t, serveLines(t, storetest.Stores[name](t), clk), clk)
		})
	}
}

// TestCreditLineOperatorActions: limits, freezes, closing and expiry, and
// what each does to drawdowns.
func TestCreditLineOperatorActions(t *testing.T) {
	forEachLineStore(t, func(t *testing.T, c lineClients, clk *clock) {
		openLine(t, c, "L", true, "2024-06-30")
		reason := func(err error) string { return preconditionReason(t, err) }
		freeze := func(id string) error {
			_, err := c.lines.FreezeCreditLine(ctx(t), &loancorev1.FreezeCreditLineRequest{RequestId: id, CreditLineId: "L", Reason: "overdue elsewhere"})
			return err
		}
		unfreeze := func(id string) error {
			_, err := c.lines.UnfreezeCreditLine(ctx(t), &loancorev1.UnfreezeCreditLineRequest{RequestId: id, CreditLineId: "L", Reason: "cured"})
			return err
		}
		drawErr := func(id string) error {
			_, err := c.lines.Drawdown(ctx(t), &loancorev1.DrawdownRequest{RequestId: id, CreditLineId: "L", Amount: "100"})
			return err
		}
		if err := freeze("f1"); err != nil {
			t.Fatal(err)
		}
		if l := getLine(t, c, "L"); l.GetStatus() != loancorev1.CreditLineStatus_CREDIT_LINE_STATUS_FROZEN || l.GetFrozenReason() != "overdue elsewhere" {
			t.Fatalf("frozen line: %v", l)
		}
		if r := reason(drawErr("x1")); r != string(servicing.ReasonCreditLineFrozen) {
			t.Fatalf("drawdown on a frozen line: %s", r)
		}
		if r := reason(freeze("f2")); r != string(servicing.ReasonCreditLineFrozen) {
			t.Fatalf("freezing twice: %s", r)
		}
		if err := unfreeze("u1"); err != nil {
			t.Fatal(err)
		}
		if r := reason(unfreeze("u2")); r != string(servicing.ReasonCreditLineNotFrozen) {
			t.Fatalf("unfreezing an active line: %s", r)
		}
		ch, err := c.lines.ChangeLimit(ctx(t), &loancorev1.ChangeLimitRequest{RequestId: "c1", CreditLineId: "L", Limit: "50", Reason: "score fell"})
		if err != nil {
			t.Fatal(err)
		}
		wantFigures(t, ch.GetCreditLine(), "50.00", "0.00", "50.00")
		if r := reason(drawErr("x2")); r != string(servicing.ReasonLimitExceeded) {
			t.Fatalf("drawdown over a lowered limit: %s", r)
		}
		setToday(clk, "2024-07-01")
		if r := reason(drawErr("x3")); r != string(servicing.ReasonCreditLineExpired) {
			t.Fatalf("drawdown after expiry: %s", r)
		}
		if _, err := c.lines.CloseCreditLine(ctx(t), &loancorev1.CloseCreditLineRequest{RequestId: "k1", CreditLineId: "L"}); err != nil {
			t.Fatal(err)
		}
		_, err = c.lines.ChangeLimit(ctx(t), &loancorev1.ChangeLimitRequest{RequestId: "c2", CreditLineId: "L", Limit: "500"})
		if r := reason(err); r != string(servicing.ReasonCreditLineClosed) {
			t.Fatalf("a new limit on a closed line: %s", r)
		}
		if r := reason(drawErr("x4")); r != string(servicing.ReasonCreditLineClosed) {
			t.Fatalf("drawdown on a closed line: %s", r)
		}
		l := getLine(t, c, "L")
		if len(l.GetEvents()) != 5 || l.GetVersion() != 5 {
			t.Fatalf("the line's log after the opening and 4 actions: %v", l.GetEvents())
		}
	})
}

// TestDrawdownBadInput: overrides outside the line's bounds and malformed
// amounts are INVALID_ARGUMENT naming the field, and write nothing.
func TestDrawdownBadInput(t *testing.T) {
	c := serveLines(t, storetest.Stores["sqlite"](t), &clock{now: testNow})
	openLine(t, c, "L", true, "")
	for _, tc := range []struct {
		req   *loancorev1.DrawdownRequest
		field string
	}{
		{&loancorev1.DrawdownRequest{RequestId: "b1", CreditLineId: "L", Amount: "100", InstallmentCount: 36}, "installment_count"},
		{&loancorev1.DrawdownRequest{RequestId: "b2", CreditLineId: "L", Amount: "100", Method: loancorev1.RepaymentMethod_REPAYMENT_METHOD_BULLET}, "method"},
		{&loancorev1.DrawdownRequest{RequestId: "b3", CreditLineId: "L", Amount: "1.001"}, "amount"},
		{&loancorev1.DrawdownRequest{RequestId: "b4", CreditLineId: "L"}, "amount"},
		{&loancorev1.DrawdownRequest{RequestId: "b5", Amount: "100"}, "credit_line_id"},
	} {
		_, err := c.lines.Drawdown(ctx(t), tc.req)
		if got := badFields(t, err); !strings.Contains(got, tc.field) {
			t.Errorf("%v: fields %s, want %s", tc.req, got, tc.field)
		}
	}
	d, err := c.lines.Drawdown(ctx(t), &loancorev1.DrawdownRequest{RequestId: "ok", CreditLineId: "L", Amount: "100", InstallmentCount: 3,
		Method: loancorev1.RepaymentMethod_REPAYMENT_METHOD_EQUAL_PRINCIPAL})
	if err != nil || len(d.GetLoan().GetInstallments()) != 3 {
		t.Fatalf("a drawdown within the bounds: %v", err)
	}
	if l := getLine(t, c, "L"); l.GetVersion() != 2 {
		t.Fatalf("refused drawdowns wrote to the line: version %d", l.GetVersion())
	}
	_, err = c.lines.OpenCreditLine(ctx(t), &loancorev1.OpenCreditLineRequest{RequestId: "o2", BorrowerId: "B1", Currency: "CNY", Limit: "10",
		DrawdownTerms: &loancorev1.LoanTerms{Principal: "5", AnnualRatePercent: "12", InstallmentCount: 12}})
	if got := badFields(t, err); !strings.Contains(got, "drawdown_terms.principal") || !strings.Contains(got, "drawdown_terms.method") {
		t.Fatalf("a template with a principal and no method: %s", got)
	}
}

// badFields is the fields an INVALID_ARGUMENT names, space separated.
func badFields(t *testing.T, err error) string {
	t.Helper()
	st := wantCode(t, err, codes.InvalidArgument)
	var out []string
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				out = append(out, v.GetField())
			}
		}
	}
	return strings.Join(out, " ")
}

// TestConcurrentDrawdownsNeverExceedTheLimit is the invariant across
// loans: on one PostgreSQL database, two servers (two servicing
// instances, each with its own pool, caches and turns, as two loand
// processes) and many clients draw 600 at once from lines of 1,000 with
// nothing used. On each line exactly one drawdown succeeds; every other
// is FAILED_PRECONDITION LIMIT_EXCEEDED naming the 400.00 available; every
// success is a loan and no refusal leaves one.
func TestConcurrentDrawdownsNeverExceedTheLimit(t *testing.T) {
	url := pgtest.URL(t)
	clk := &clock{now: testNow}
	var servers []lineClients
	for range 2 {
		db, err := postgres.Open(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(db.Close)
		servers = append(servers, serveLines(t, db, clk))
	}
	const lines, clients = 5, 8
	for i := range lines {
		openLine(t, servers[0], fmt.Sprintf("CL%d", i), true, "")
	}
	type result struct {
		line   int
		loanID string
		err    error
	}
	results := make(chan result, lines*clients)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range lines {
		for j := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				r, err := servers[j%2].lines.Drawdown(ctx(t), &loancorev1.DrawdownRequest{RequestId: fmt.Sprintf("d-%d-%d", i, j),
					CreditLineId: fmt.Sprintf("CL%d", i), Amount: "600"})
				results <- result{line: i, loanID: r.GetLoan().GetLoanId(), err: err}
			}()
		}
	}
	close(start)
	wg.Wait()
	close(results)
	won := map[int][]string{}
	for r := range results {
		if r.err == nil {
			won[r.line] = append(won[r.line], r.loanID)
			continue
		}
		if reason := preconditionReason(t, r.err); reason != string(servicing.ReasonLimitExceeded) || !strings.Contains(r.err.Error(), "400.00 available") {
			t.Errorf("line %d: refused with %s (%v), want LIMIT_EXCEEDED with 400.00 available", r.line, reason, r.err)
		}
	}
	all, err := servers[1].loans.ListLoans(ctx(t), &loancorev1.ListLoansRequest{BorrowerId: "B1"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range lines {
		if len(won[i]) != 1 {
			t.Errorf("line %d: %d drawdowns succeeded, want 1", i, len(won[i]))
		}
		l := getLine(t, servers[1], fmt.Sprintf("CL%d", i))
		if len(l.GetLoans()) != 1 || l.GetUsed() != "600.00" || l.GetVersion() != 2 {
			t.Errorf("line %d after the race: used %s, %d loans, version %d", i, l.GetUsed(), len(l.GetLoans()), l.GetVersion())
		}
	}
	if len(all.GetLoans()) != lines {
		t.Errorf("%d loans booked, want %d (one a line): a refusal left a loan behind", len(all.GetLoans()), lines)
	}
}

// TestReversalOnARevolvingLine: a reversed repayment puts its principal
// back into use on a revolving line, as a REPAYMENT_REVERSED line event
// written with the loan's reversal (so it takes the line's seq, as a
// drawdown does). It is a correction of fact and is not refused for the
// limit: the line may end over its limit, with nothing available, and
// drawdowns are then refused. Known before the reversal, the line is as
// it was. On a non-revolving line a reversal changes nothing of the line.
// Figures: the first installment of 600 at 1% a month over 12 months is
// 53.31, of which 47.31 principal (see above).
func TestReversalOnARevolvingLine(t *testing.T) {
	forEachLineStore(t, func(t *testing.T, c lineClients, clk *clock) {
		openLine(t, c, "REV", true, "")
		openLine(t, c, "ONCE", false, "")
		first := draw(t, c, "REV", "d1", "600").GetLoan().GetLoanId()
		once := draw(t, c, "ONCE", "o1", "600").GetLoan().GetLoanId()
		setToday(clk, "2024-07-01")
		pay := repay(t, c.loans, &loancorev1.RecordRepaymentRequest{RequestId: "pay", LoanId: first, Amount: "53.31"})
		payOnce := repay(t, c.loans, &loancorev1.RecordRepaymentRequest{RequestId: "pay-once", LoanId: once, Amount: "53.31"})
		draw(t, c, "REV", "d2", "447.31")
		full := getLine(t, c, "REV")
		wantFigures(t, full, "1000.00", "1000.00", "0.00")
		reverse := func(id, loanID string, seq int64) {
			t.Helper()
			if _, err := c.loans.ReverseRepayment(ctx(t), &loancorev1.ReverseRepaymentRequest{RequestId: id, LoanId: loanID, Seq: seq,
				Reason: "bounced"}); err != nil {
				t.Fatal(err)
			}
		}
		reverse("rev", first, pay.GetSeq())
		over := getLine(t, c, "REV")
		wantFigures(t, over, "1000.00", "1047.31", "0.00")
		e := over.GetEvents()[len(over.GetEvents())-1]
		if over.GetVersion() != 4 || e.GetKind() != loancorev1.CreditLineEventKind_CREDIT_LINE_EVENT_KIND_REPAYMENT_REVERSED ||
			e.GetLoanId() != first || e.GetAmount() != "47.31" || e.GetValueDate() != "2024-07-01" || e.GetRequestId() != "rev" {
			t.Fatalf("the line after the reversal: version %d, last event %v", over.GetVersion(), e)
		}
		_, err := c.lines.Drawdown(ctx(t), &loancorev1.DrawdownRequest{RequestId: "d3", CreditLineId: "REV", Amount: "0.01"})
		if preconditionReason(t, err) != string(servicing.ReasonLimitExceeded) {
			t.Fatalf("a drawdown on a line over its limit: %v", err)
		}
		r, err := c.lines.GetCreditLine(ctx(t), &loancorev1.GetCreditLineRequest{CreditLineId: "REV", KnownAt: full.GetEvents()[2].GetRecordedAt()})
		if err != nil {
			t.Fatal(err)
		}
		wantFigures(t, r.GetCreditLine(), "1000.00", "1000.00", "0.00")
		reverse("rev-once", once, payOnce.GetSeq())
		if l := getLine(t, c, "ONCE"); l.GetVersion() != 2 {
			t.Fatalf("a reversal on a non-revolving line wrote to it: %v", l.GetEvents())
		}
	})
}

// TestCreditLineNotFound: a line that does not exist is NOT_FOUND naming
// it, for reads and writes alike.
func TestCreditLineNotFound(t *testing.T) {
	c := serveLines(t, storetest.Stores["sqlite"](t), &clock{now: testNow})
	_, err := c.lines.GetCreditLine(ctx(t), &loancorev1.GetCreditLineRequest{CreditLineId: "NOPE"})
	if st := wantCode(t, err, codes.NotFound); !strings.Contains(st.Message(), "credit line NOPE") {
		t.Errorf("GetCreditLine of no line: %v", err)
	}
	_, err = c.lines.Drawdown(ctx(t), &loancorev1.DrawdownRequest{RequestId: "d", CreditLineId: "NOPE", Amount: "1"})
	if st := wantCode(t, err, codes.NotFound); !strings.Contains(st.Message(), "credit line NOPE") {
		t.Errorf("Drawdown on no line: %v", err)
	}
}
