package grpcapi_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
	"github.com/loancore/loancore/internal/grpcapi"
	"github.com/loancore/loancore/internal/servicing"
	"github.com/loancore/loancore/internal/store/pgtest"
	"github.com/loancore/loancore/internal/store/postgres"
	"github.com/loancore/loancore/internal/store/storetest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// testNow is the server's clock in the loan tests: noon on 2024-06-01 in
// Shanghai, so "today" is 2024-06-01.
var testNow = time.Date(2024, 6, 1, 4, 0, 0, 0, time.UTC)

// clock is a settable clock shared by a test and its server.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	// Every call moves on a microsecond so recorded_at values are distinct.
	c.now = c.now.Add(time.Microsecond)
	return c.now
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// forEachStore runs f against a loan server on SQLite and on PostgreSQL.
func forEachStore(t *testing.T, f func(t *testing.T, c loancorev1.LoanServiceClient, clk *clock)) {
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			clk := &clock{now: testNow}
			shanghai, _ := time.LoadLocation("Asia/Shanghai")
			loans, err := servicing.NewLoans(servicing.NewLoansParams{Store: storetest.Stores[name](t), Now: clk.Now, Location: shanghai})
			if err != nil {
				t.Fatal(err)
			}
			lis, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			srv := grpcapi.NewServer(grpcapi.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Loans: loans, Dev: true})
			go func() { _ = srv.GRPC.Serve(lis) }()
			t.Cleanup(srv.GRPC.Stop)
			conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = conn.Close() })
			f(t, loancorev1.NewLoanServiceClient(conn), clk)
		})
	}
}

// loan12k: 12,000 CNY at 12% over 12 months from 2024-01-15 — level
// installment 1066.19; installment 1 is 946.19 principal + 120.00 interest.
func loan12k() *loancorev1.LoanTerms {
	return &loancorev1.LoanTerms{Currency: "CNY", Principal: "12000", AnnualRatePercent: "12", InstallmentCount: 12,
		Method: loancorev1.RepaymentMethod_REPAYMENT_METHOD_EQUAL_INSTALLMENT, DisbursementDate: "2024-01-15"}
}

func create(t *testing.T, c loancorev1.LoanServiceClient, id string) *loancorev1.Loan {
	t.Helper()
	r, err := c.CreateLoan(ctx(t), &loancorev1.CreateLoanRequest{RequestId: "create-" + id, LoanId: id, BorrowerId: "B1", Terms: loan12k()})
	if err != nil {
		t.Fatal(err)
	}
	return r.GetLoan()
}

func repay(t *testing.T, c loancorev1.LoanServiceClient, req *loancorev1.RecordRepaymentRequest) *loancorev1.RecordRepaymentResponse {
	t.Helper()
	r, err := c.RecordRepayment(ctx(t), req)
	if err != nil {
		t.Fatalf("RecordRepayment(%v): %v", req, err)
	}
	return r
}

func wantCode(t *testing.T, err error, code codes.Code) *status.Status {
	t.Helper()
	st, _ := status.FromError(err)
	if st.Code() != code {
		t.Fatalf("code %v (%v), want %v", st.Code(), err, code)
	}
	return st
}

func TestLoanLifecycle(t *testing.T) {
	forEachStore(t, func(t *testing.T, c loancorev1.LoanServiceClient, clk *clock) {
		l := create(t, c, "LN1")
		// Today is 2024-06-01: installments 1-4 (Feb 15 … May 15) are overdue.
		if l.GetStatus() != loancorev1.LoanStatus_LOAN_STATUS_ACTIVE || l.GetVersion() != 2 || l.GetDaysPastDue() != 107 || len(l.GetInstallments()) != 12 {
			t.Fatalf("new loan: status %v version %d dpd %d", l.GetStatus(), l.GetVersion(), l.GetDaysPastDue())
		}
		if in := l.GetInstallments()[0]; in.GetPrincipalDue() != "946.19" || in.GetInterestDue() != "120.00" || in.GetStatus() != loancorev1.InstallmentStatus_INSTALLMENT_STATUS_OVERDUE {
			t.Fatalf("installment 1 = %v", in)
		}

		r := repay(t, c, &loancorev1.RecordRepaymentRequest{RequestId: "p1", LoanId: "LN1", Amount: "1066.19", ValueDate: "2024-02-15"})
		if r.GetSeq() != 3 || len(r.GetAllocations()) != 2 || r.GetAllocations()[0].GetAmount() != "120.00" ||
			r.GetAllocations()[0].GetComponent() != loancorev1.AllocationComponent_ALLOCATION_COMPONENT_INTEREST ||
			r.GetAllocations()[1].GetAmount() != "946.19" {
			t.Fatalf("allocation = %v", r.GetAllocations())
		}
		// Oldest due first: a second 1066.19 valued 2024-03-15 pays installment 2.
		r2 := repay(t, c, &loancorev1.RecordRepaymentRequest{RequestId: "p2", LoanId: "LN1", Amount: "1066.19", ValueDate: "2024-03-15"})
		if r2.GetAllocations()[0].GetInstallmentNumber() != 2 || r2.GetLoan().GetOutstanding().GetPrincipal() != "10098.16" {
			t.Fatalf("second payment = %v, outstanding %v", r2.GetAllocations(), r2.GetLoan().GetOutstanding())
		}

		// A backdated payment before p2 changes p2's allocation.
		r3 := repay(t, c, &loancorev1.RecordRepaymentRequest{RequestId: "p3", LoanId: "LN1", Amount: "500", ValueDate: "2024-03-01"})
		if !slices.Equal(r3.GetChangedSeqs(), []int64{4}) {
			t.Fatalf("changed seqs = %v, want [4]", r3.GetChangedSeqs())
		}

		// Reversing p1: p2 (valued 2024-03-15) now settles installment 1.
		rev, err := c.ReverseRepayment(ctx(t), &loancorev1.ReverseRepaymentRequest{RequestId: "r1", LoanId: "LN1", Seq: 3, Reason: "bounced"})
		if err != nil {
			t.Fatal(err)
		}
		if rev.GetSeq() != 6 || !slices.Contains(rev.GetChangedSeqs(), 4) || len(rev.GetReversedAllocations()) != 2 {
			t.Fatalf("reversal = seq %d changed %v reversed %v", rev.GetSeq(), rev.GetChangedSeqs(), rev.GetReversedAllocations())
		}
		_, err = c.ReverseRepayment(ctx(t), &loancorev1.ReverseRepaymentRequest{RequestId: "r2", LoanId: "LN1", Seq: 3, Reason: "again"})
		wantCode(t, err, codes.FailedPrecondition)
		_, err = c.ReverseRepayment(ctx(t), &loancorev1.ReverseRepaymentRequest{RequestId: "r3", LoanId: "LN1", Seq: 1, Reason: "x"})
		wantCode(t, err, codes.FailedPrecondition)
		_, err = c.ReverseRepayment(ctx(t), &loancorev1.ReverseRepaymentRequest{RequestId: "r4", LoanId: "LN1", Seq: 99, Reason: "x"})
		wantCode(t, err, codes.NotFound)

		// The audit trail keeps everything, in order.
		evs, err := c.ListLoanEvents(ctx(t), &loancorev1.ListLoanEventsRequest{LoanId: "LN1"})
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, e := range evs.GetEvents() {
			kinds = append(kinds, e.GetKind().String())
		}
		want := []string{"LOAN_EVENT_KIND_ORIGINATION", "LOAN_EVENT_KIND_DISBURSEMENT", "LOAN_EVENT_KIND_REPAYMENT",
			"LOAN_EVENT_KIND_REPAYMENT", "LOAN_EVENT_KIND_REPAYMENT", "LOAN_EVENT_KIND_REPAYMENT_REVERSAL"}
		if !slices.Equal(kinds, want) || evs.GetEvents()[5].GetTargetSeq() != 3 || evs.GetEvents()[5].GetReason() != "bounced" {
			t.Fatalf("events = %v", evs.GetEvents())
		}
		page, err := c.ListLoanEvents(ctx(t), &loancorev1.ListLoanEventsRequest{LoanId: "LN1", PageSize: 4})
		if err != nil || len(page.GetEvents()) != 4 || page.GetNextPageToken() == "" {
			t.Fatalf("page 1 = %v %v", page, err)
		}
		page2, err := c.ListLoanEvents(ctx(t), &loancorev1.ListLoanEventsRequest{LoanId: "LN1", PageSize: 4, PageToken: page.GetNextPageToken()})
		if err != nil || len(page2.GetEvents()) != 2 || page2.GetNextPageToken() != "" || page2.GetEvents()[0].GetSeq() != 5 {
			t.Fatalf("page 2 = %v %v", page2, err)
		}
	})
}

func TestLoanIdempotency(t *testing.T) {
	forEachStore(t, func(t *testing.T, c loancorev1.LoanServiceClient, clk *clock) {
		req := &loancorev1.CreateLoanRequest{RequestId: "c1", BorrowerId: "B1", Terms: loan12k()}
		first, err := c.CreateLoan(ctx(t), req)
		if err != nil {
			t.Fatal(err)
		}
		again, err := c.CreateLoan(ctx(t), req)
		if err != nil || !proto.Equal(first, again) {
			t.Fatalf("retry differs: %v\n%v\n%v", err, first, again)
		}
		other := proto.Clone(req).(*loancorev1.CreateLoanRequest)
		other.BorrowerId = "B2"
		_, err = c.CreateLoan(ctx(t), other)
		wantCode(t, err, codes.AlreadyExists)

		id := first.GetLoan().GetLoanId()
		pay := &loancorev1.RecordRepaymentRequest{RequestId: "p1", LoanId: id, Amount: "100", ValueDate: "2024-02-15"}
		r1 := repay(t, c, pay)
		// Later events must not change the answer to a retry.
		repay(t, c, &loancorev1.RecordRepaymentRequest{RequestId: "p2", LoanId: id, Amount: "50", ValueDate: "2024-02-10"})
		r1again := repay(t, c, pay)
		if !proto.Equal(r1, r1again) {
			t.Fatalf("retry differs:\n%v\n%v", r1, r1again)
		}
		pay.Amount = "101"
		_, err = c.RecordRepayment(ctx(t), pay)
		wantCode(t, err, codes.AlreadyExists)
		// A reversal retried answers as it did the first time.
		rev := &loancorev1.ReverseRepaymentRequest{RequestId: "rev", LoanId: id, Seq: r1.GetSeq(), Reason: "test"}
		rv1, err := c.ReverseRepayment(ctx(t), rev)
		if err != nil {
			t.Fatal(err)
		}
		rv2, err := c.ReverseRepayment(ctx(t), rev)
		if err != nil || !proto.Equal(rv1, rv2) || len(rv1.GetReversedAllocations()) == 0 {
			t.Fatalf("reversal retry differs: %v\n%v\n%v", err, rv1, rv2)
		}
		evs, _ := c.ListLoanEvents(ctx(t), &loancorev1.ListLoanEventsRequest{LoanId: id})
		if len(evs.GetEvents()) != 5 {
			t.Fatalf("%d events after retries, want 5", len(evs.GetEvents()))
		}
	})
}

func TestLoanAsOfAndKnownAt(t *testing.T) {
	forEachStore(t, func(t *testing.T, c loancorev1.LoanServiceClient, clk *clock) {
		create(t, c, "LN1")
		before := clk.Now()
		repay(t, c, &loancorev1.RecordRepaymentRequest{RequestId: "p1", LoanId: "LN1", Amount: "1066.19", ValueDate: "2024-02-15"})
		// As of 2024-02-14 the payment has not happened yet.
		g, err := c.GetLoan(ctx(t), &loancorev1.GetLoanRequest{LoanId: "LN1", AsOf: "2024-02-14"})
		if err != nil {
			t.Fatal(err)
		}
		if g.GetLoan().GetOutstanding().GetPrincipal() != "12000.00" || g.GetLoan().GetNextDueDate() != "2024-02-15" || g.GetLoan().GetDaysPastDue() != 0 {
			t.Fatalf("as of 02-14: %v", g.GetLoan().GetOutstanding())
		}
		g, _ = c.GetLoan(ctx(t), &loancorev1.GetLoanRequest{LoanId: "LN1", AsOf: "2024-02-15"})
		if g.GetLoan().GetOutstanding().GetPrincipal() != "11053.81" || g.GetLoan().GetInstallments()[0].GetStatus() != loancorev1.InstallmentStatus_INSTALLMENT_STATUS_PAID {
			t.Fatalf("as of 02-15: %v", g.GetLoan().GetOutstanding())
		}
		// Known at an instant before the payment was recorded: not there.
		g, err = c.GetLoan(ctx(t), &loancorev1.GetLoanRequest{LoanId: "LN1", AsOf: "2024-02-15", KnownAt: before.Format(time.RFC3339Nano)})
		if err != nil {
			t.Fatal(err)
		}
		if g.GetLoan().GetOutstanding().GetPrincipal() != "12000.00" || g.GetLoan().GetVersion() != 2 {
			t.Fatalf("known before the payment: %v version %d", g.GetLoan().GetOutstanding(), g.GetLoan().GetVersion())
		}
		// The scenario: a payment recorded today, backdated to last
		// week, changes GetLoan(as_of=last week) but not the same question
		// known at yesterday.
		clk.Set(testNow.Add(24 * time.Hour)) // today is 2024-06-02
		yesterday := testNow.Add(time.Hour).Format(time.RFC3339Nano)
		lastWeek := "2024-05-26"
		beforeBackdated, _ := c.GetLoan(ctx(t), &loancorev1.GetLoanRequest{LoanId: "LN1", AsOf: lastWeek})
		repay(t, c, &loancorev1.RecordRepaymentRequest{RequestId: "backdated", LoanId: "LN1", Amount: "1066.19", ValueDate: "2024-05-20"})
		now, _ := c.GetLoan(ctx(t), &loancorev1.GetLoanRequest{LoanId: "LN1", AsOf: lastWeek})
		then, _ := c.GetLoan(ctx(t), &loancorev1.GetLoanRequest{LoanId: "LN1", AsOf: lastWeek, KnownAt: yesterday})
		if now.GetLoan().GetOutstanding().GetTotal() == beforeBackdated.GetLoan().GetOutstanding().GetTotal() {
			t.Fatalf("the backdated payment did not change as_of=%s", lastWeek)
		}
		if then.GetLoan().GetOutstanding().GetTotal() != beforeBackdated.GetLoan().GetOutstanding().GetTotal() ||
			then.GetLoan().GetDaysPastDue() != beforeBackdated.GetLoan().GetDaysPastDue() {
			t.Fatalf("known_at=yesterday sees the payment recorded today: %v vs %v", then.GetLoan().GetOutstanding(), beforeBackdated.GetLoan().GetOutstanding())
		}
		// Before the loan was booked: the origination only, none of its events.
		early, err := c.GetLoan(ctx(t), &loancorev1.GetLoanRequest{LoanId: "LN1", AsOf: lastWeek, KnownAt: "2000-01-01T00:00:00Z"})
		if err != nil || early.GetLoan().GetVersion() != 2 || early.GetLoan().GetOutstanding().GetPrincipal() != "12000.00" {
			t.Fatalf("known before booking: %v %v", early.GetLoan(), err)
		}
		_, err = c.GetLoan(ctx(t), &loancorev1.GetLoanRequest{LoanId: "LN1", KnownAt: "yesterday"})
		wantCode(t, err, codes.InvalidArgument)
	})
}

func TestLoanPayoffAndOverpayment(t *testing.T) {
	forEachStore(t, func(t *testing.T, c loancorev1.LoanServiceClient, clk *clock) {
		create(t, c, "LN1")
		repay(t, c, &loancorev1.RecordRepaymentRequest{RequestId: "p1", LoanId: "LN1", Amount: "1066.19", ValueDate: "2024-02-15"})
		// 2024-02-15 → 2024-03-01 is 15 days: 11053.81 × 12% × 15/360 = 55.27.
		q, err := c.QuotePayoff(ctx(t), &loancorev1.QuotePayoffRequest{LoanId: "LN1", PayoffDate: "2024-03-01"})
		if err != nil {
			t.Fatal(err)
		}
		if q.GetTotal() != "11109.08" || q.GetPrincipal() != "11053.81" || q.GetInterest() != "55.27" {
			t.Fatalf("payoff = %v", q)
		}
		_, err = c.RecordRepayment(ctx(t), &loancorev1.RecordRepaymentRequest{RequestId: "over", LoanId: "LN1", Amount: "11109.09", ValueDate: "2024-03-01"})
		st := wantCode(t, err, codes.FailedPrecondition)
		if !containsDetail(st, "PAYMENT_EXCEEDS_PAYOFF") || !contains(st.Message(), "11109.08") {
			t.Fatalf("overpayment refusal %q does not state the payoff", st.Message())
		}
		r := repay(t, c, &loancorev1.RecordRepaymentRequest{RequestId: "payoff", LoanId: "LN1", Amount: "11109.08", ValueDate: "2024-03-01"})
		if r.GetLoan().GetStatus() != loancorev1.LoanStatus_LOAN_STATUS_PAID_OFF || r.GetLoan().GetOutstanding().GetTotal() != "0.00" {
			t.Fatalf("after payoff: %v %v", r.GetLoan().GetStatus(), r.GetLoan().GetOutstanding())
		}
		_, err = c.RecordRepayment(ctx(t), &loancorev1.RecordRepaymentRequest{RequestId: "late", LoanId: "LN1", Amount: "1"})
		st = wantCode(t, err, codes.FailedPrecondition)
		if !containsDetail(st, "LOAN_PAID_OFF") {
			t.Fatalf("paying a paid-off loan: %v", st.Details())
		}
		list, err := c.ListLoans(ctx(t), &loancorev1.ListLoansRequest{Status: loancorev1.LoanStatus_LOAN_STATUS_PAID_OFF})
		if err != nil || len(list.GetLoans()) != 1 || list.GetLoans()[0].GetPrincipal() != "12000.00" {
			t.Fatalf("paid-off list = %v %v", list, err)
		}
	})
}

func TestLoanKeepCredit(t *testing.T) {
	forEachStore(t, func(t *testing.T, c loancorev1.LoanServiceClient, clk *clock) {
		terms := loan12k()
		terms.Overpayment = loancorev1.OverpaymentPolicy_OVERPAYMENT_POLICY_KEEP_CREDIT
		if _, err := c.CreateLoan(ctx(t), &loancorev1.CreateLoanRequest{RequestId: "c", LoanId: "LN1", BorrowerId: "B", Terms: terms}); err != nil {
			t.Fatal(err)
		}
		r := repay(t, c, &loancorev1.RecordRepaymentRequest{RequestId: "p", LoanId: "LN1", Amount: "12010", ValueDate: "2024-01-15"})
		if r.GetCredit() != "10.00" || r.GetLoan().GetCreditBalance() != "10.00" || r.GetLoan().GetStatus() != loancorev1.LoanStatus_LOAN_STATUS_PAID_OFF {
			t.Fatalf("credit %s balance %s status %v", r.GetCredit(), r.GetLoan().GetCreditBalance(), r.GetLoan().GetStatus())
		}
	})
}

func TestLoanBadInput(t *testing.T) {
	forEachStore(t, func(t *testing.T, c loancorev1.LoanServiceClient, clk *clock) {
		create(t, c, "LN1")
		for _, tt := range []struct {
			req   *loancorev1.RecordRepaymentRequest
			field string
		}{
			{&loancorev1.RecordRepaymentRequest{RequestId: "a", LoanId: "LN1", Amount: "-5"}, "amount"},
			{&loancorev1.RecordRepaymentRequest{RequestId: "b", LoanId: "LN1", Amount: "NaN"}, "amount"},
			{&loancorev1.RecordRepaymentRequest{RequestId: "c", LoanId: "LN1", Amount: "1.001"}, "amount"},
			{&loancorev1.RecordRepaymentRequest{RequestId: "d", LoanId: "LN1", Amount: "0"}, "amount"},
			{&loancorev1.RecordRepaymentRequest{RequestId: "e", LoanId: "LN1", Amount: "5", ValueDate: "2024-06-02"}, "value_date"},
			{&loancorev1.RecordRepaymentRequest{RequestId: "f", LoanId: "LN1", Amount: "5", ValueDate: "2024-01-14"}, "value_date"},
			{&loancorev1.RecordRepaymentRequest{RequestId: "g", LoanId: "LN1", Amount: "5", ValueDate: "2024-02-30"}, "value_date"},
			{&loancorev1.RecordRepaymentRequest{LoanId: "LN1", Amount: "5"}, "request_id"},
		} {
			_, err := c.RecordRepayment(ctx(t), tt.req)
			if got := badRequestFields(t, err); !slices.Contains(got, tt.field) {
				t.Errorf("%v: violations %v, want %s", tt.req, got, tt.field)
			}
		}
		_, err := c.RecordRepayment(ctx(t), &loancorev1.RecordRepaymentRequest{RequestId: "h", LoanId: "nope", Amount: "5"})
		wantCode(t, err, codes.NotFound)
		_, err = c.CreateLoan(ctx(t), &loancorev1.CreateLoanRequest{RequestId: "x", LoanId: "LN1", BorrowerId: "B1", Terms: loan12k()})
		if got := badRequestFields(t, err); !slices.Equal(got, []string{"loan_id"}) {
			t.Fatalf("duplicate loan id: %v", got)
		}
		_, err = c.CreateLoan(ctx(t), &loancorev1.CreateLoanRequest{RequestId: "y", BorrowerId: "", Terms: &loancorev1.LoanTerms{Currency: "CNY"}})
		got := badRequestFields(t, err)
		for _, f := range []string{"borrower_id", "terms.principal", "terms.method", "terms.disbursement_date"} {
			if !slices.Contains(got, f) {
				t.Errorf("create violations %v lack %s", got, f)
			}
		}
		// A refused request leaves no trace.
		evs, _ := c.ListLoanEvents(ctx(t), &loancorev1.ListLoanEventsRequest{LoanId: "LN1"})
		if len(evs.GetEvents()) != 2 {
			t.Fatalf("%d events after refused requests", len(evs.GetEvents()))
		}
	})
}

// TestLoanConcurrentPayments: clients posting to one loan at once all
// succeed (the server retries lost races) or get ABORTED; no payment is
// lost or applied twice.
func TestLoanConcurrentPayments(t *testing.T) {
	forEachStore(t, func(t *testing.T, c loancorev1.LoanServiceClient, clk *clock) {
		create(t, c, "LN1")
		const writers = 12
		var wg sync.WaitGroup
		codesSeen := make([]codes.Code, writers)
		for i := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := c.RecordRepayment(context.Background(), &loancorev1.RecordRepaymentRequest{
					RequestId: fmt.Sprintf("w%d", i), LoanId: "LN1", Amount: "10.00", ValueDate: "2024-02-15"})
				codesSeen[i] = status.Code(err)
			}()
		}
		wg.Wait()
		ok := 0
		for _, code := range codesSeen {
			switch code {
			case codes.OK:
				ok++
			case codes.Aborted:
			default:
				t.Fatalf("unexpected code %v", code)
			}
		}
		evs, _ := c.ListLoanEvents(ctx(t), &loancorev1.ListLoanEventsRequest{LoanId: "LN1"})
		if len(evs.GetEvents()) != 2+ok {
			t.Fatalf("%d succeeded but %d events", ok, len(evs.GetEvents()))
		}
		g, _ := c.GetLoan(ctx(t), &loancorev1.GetLoanRequest{LoanId: "LN1", AsOf: "2024-02-15"})
		paid := g.GetLoan().GetInstallments()[0].GetInterestPaid()
		if want := fmt.Sprintf("%d.00", 10*ok); paid != want {
			t.Fatalf("interest paid %s after %d payments of 10", paid, ok)
		}
		t.Logf("%d of %d concurrent payments succeeded", ok, writers)
	})
}

func containsDetail(st *status.Status, reason string) bool {
	for _, d := range st.Details() {
		if pf, ok := d.(*errdetails.PreconditionFailure); ok {
			for _, v := range pf.GetViolations() {
				if v.GetType() == reason {
					return true
				}
			}
		}
	}
	return false
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// TestLoanDatabaseDown: with the database gone, calls answer UNAVAILABLE
// with an error id and no SQL text.
func TestLoanDatabaseDown(t *testing.T) {
	dbURL := pgtest.URL(t)
	db, err := postgres.Open(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	loans, _ := servicing.NewLoans(servicing.NewLoansParams{Store: db, Now: (&clock{now: testNow}).Now, CachedLoans: -1})
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpcapi.NewServer(grpcapi.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Loans: loans, Dev: true})
	go func() { _ = srv.GRPC.Serve(lis) }()
	t.Cleanup(srv.GRPC.Stop)
	conn, _ := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	t.Cleanup(func() { _ = conn.Close() })
	c := loancorev1.NewLoanServiceClient(conn)
	create(t, c, "LN1")
	t.Cleanup(db.Close)
	// Take the database away: refuse new connections, end the open ones.
	u, _ := url.Parse(dbURL)
	name := strings.TrimPrefix(u.Path, "/")
	u.Path = "/postgres"
	admin, err := pgx.Connect(context.Background(), u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(context.Background())
	if _, err := admin.Exec(context.Background(), "ALTER DATABASE "+name+" ALLOW_CONNECTIONS false"); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec(context.Background(), "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetLoan(ctx(t), &loancorev1.GetLoanRequest{LoanId: "LN1"})
	st := wantCode(t, err, codes.Unavailable)
	if !strings.Contains(st.Message(), "error id") || strings.Contains(strings.ToLower(st.Message()), "select") {
		t.Fatalf("message %q", st.Message())
	}
}

// TestActorHeader: the x-actor header no longer names who recorded an
// event (anyone could claim to be anyone): the actor is the authenticated
// subject, "dev" on this dev-mode server, whatever the header says.
func TestActorHeader(t *testing.T) {
	forEachStore(t, func(t *testing.T, c loancorev1.LoanServiceClient, clk *clock) {
		create(t, c, "ACT")
		withActor := metadata.AppendToOutgoingContext(ctx(t), "x-actor", "teller-7")
		if _, err := c.RecordRepayment(withActor, &loancorev1.RecordRepaymentRequest{RequestId: "act-1", LoanId: "ACT", Amount: "10", ValueDate: "2024-02-15"}); err != nil {
			t.Fatal(err)
		}
		evs, err := c.ListLoanEvents(ctx(t), &loancorev1.ListLoanEventsRequest{LoanId: "ACT"})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs.GetEvents() {
			if e.GetActor() != "dev" || e.GetOnBehalfOf() != "" {
				t.Errorf("event %d: actor %q, on behalf of %q; want dev and nobody", e.GetSeq(), e.GetActor(), e.GetOnBehalfOf())
			}
		}
		if len(evs.GetEvents()) != 3 {
			t.Fatalf("%d events, want 3", len(evs.GetEvents()))
		}
	})
}

// TestRepaymentView: LOAN_VIEW_BASIC answers without installments and
// terms; the view is not part of the request's identity, so a retry that
// asks for another view gets the first answer in that view.
func TestRepaymentView(t *testing.T) {
	forEachStore(t, func(t *testing.T, c loancorev1.LoanServiceClient, clk *clock) {
		create(t, c, "VW")
		req := &loancorev1.RecordRepaymentRequest{RequestId: "vw-1", LoanId: "VW", Amount: "1066.19", ValueDate: "2024-02-15",
			View: loancorev1.LoanView_LOAN_VIEW_BASIC}
		basic := repay(t, c, req)
		if l := basic.GetLoan(); len(l.GetInstallments()) != 0 || l.GetTerms() != nil || l.GetOutstanding().GetPrincipal() != "11053.81" || l.GetVersion() != 3 {
			t.Fatalf("basic view: %v", l)
		}
		req.View = loancorev1.LoanView_LOAN_VIEW_FULL
		full := repay(t, c, req)
		if full.GetSeq() != basic.GetSeq() || len(full.GetLoan().GetInstallments()) != 12 || full.GetLoan().GetTerms() == nil {
			t.Fatalf("retry in the full view: seq %d, %d installments", full.GetSeq(), len(full.GetLoan().GetInstallments()))
		}
		req.View = 7
		_, err := c.RecordRepayment(ctx(t), req)
		if f := badRequestFields(t, err); f[0] != "view" {
			t.Fatalf("fields %v", f)
		}
	})
}
