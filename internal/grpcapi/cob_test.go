package grpcapi_test

import (
	"io"
	"log/slog"
	"net"
	"slices"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
	"github.com/loancore/loancore/internal/grpcapi"
	"github.com/loancore/loancore/internal/money"
	"github.com/loancore/loancore/internal/servicing"
	"github.com/loancore/loancore/internal/store/storetest"
)

// cobClients is a loan server with close of business on one store.
type cobClients struct {
	loans         loancorev1.LoanServiceClient
	cob           loancorev1.CloseOfBusinessServiceClient
	restructuring loancorev1.RestructuringServiceClient
	// lines is set where the server serves credit lines.
	lines loancorev1.CreditLineServiceClient
	// feed is the server's event feed.
	feed loancorev1.EventFeedServiceClient
	clk  *clock
	// conn is the connection the clients share, for calls made by hand.
	conn *grpc.ClientConn
}

func forEachCOBStore(t *testing.T, f func(t *testing.T, c cobClients)) {
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			clk := &clock{now: testNow}
			shanghai, _ := time.LoadLocation("Asia/Shanghai")
			feed, db := watchedFeed(t, storetest.Stores[name](t))
			loans, err := servicing.NewLoans(servicing.NewLoansParams{Store: db, Now: clk.Now, Location: shanghai})
			if err != nil {
				t.Fatal(err)
			}
			lines := servicing.NewCreditLines(loans, db)
			cob := servicing.NewClose(servicing.NewCloseParams{Store: db, Loans: loans, Lines: lines, FreezeLinesDays: 1})
			lis, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			srv := grpcapi.NewServer(grpcapi.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Loans: loans, Close: cob,
				CreditLines: lines, Feed: feed, Dev: true})
			go func() { _ = srv.GRPC.Serve(lis) }()
			t.Cleanup(srv.GRPC.Stop)
			conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = conn.Close() })
			f(t, cobClients{loans: loancorev1.NewLoanServiceClient(conn), cob: loancorev1.NewCloseOfBusinessServiceClient(conn),
				restructuring: loancorev1.NewRestructuringServiceClient(conn), lines: loancorev1.NewCreditLineServiceClient(conn), clk: clk,
				feed: loancorev1.NewEventFeedServiceClient(conn), conn: conn})
		})
	}
}

// runCOB runs close of business and returns every progress report.
func runCOB(t *testing.T, c cobClients, date string) ([]*loancorev1.CloseOfBusinessRun, error) {
	t.Helper()
	stream, err := c.cob.RunCloseOfBusiness(ctx(t), &loancorev1.RunCloseOfBusinessRequest{BusinessDate: date})
	if err != nil {
		return nil, err
	}
	var runs []*loancorev1.CloseOfBusinessRun
	for {
		r, err := stream.Recv()
		if err == io.EOF {
			return runs, nil
		}
		if err != nil {
			return runs, err
		}
		runs = append(runs, r.GetRun())
	}
}

// TestCloseOfBusiness: a run streams its progress and completes; the
// positions it writes equal GetLoan(as_of) of the same date, every day of
// a catch-up; running a date again changes nothing; dates run in order.
func TestCloseOfBusiness(t *testing.T) {
	forEachCOBStore(t, func(t *testing.T, c cobClients) {
		for _, l := range []struct {
			id    string
			terms *loancorev1.LoanTerms
		}{
			{"LN1", loan12k()}, // 2024-04-20: installments of 15 Feb, Mar, Apr unpaid, 65 days past due
			{"OD1", loan10k(loancorev1.AllocationOrder_ALLOCATION_ORDER_PENALTY_FIRST)}, // due 2024-04-15, 3 grace days
		} {
			if _, err := c.loans.CreateLoan(ctx(t), &loancorev1.CreateLoanRequest{RequestId: "c-" + l.id, LoanId: l.id, BorrowerId: "B1", Terms: l.terms}); err != nil {
				t.Fatal(err)
			}
		}
		runs, err := runCOB(t, c, "2024-04-20")
		if err != nil {
			t.Fatal(err)
		}
		last := runs[len(runs)-1]
		if len(runs) < 2 || last.GetStatus() != loancorev1.CloseOfBusinessStatus_CLOSE_OF_BUSINESS_STATUS_COMPLETED ||
			last.GetLoansDone() != 2 || last.GetLoansTotal() != 2 || last.GetFinishedAt() == "" {
			t.Fatalf("run reports %v", runs)
		}
		if runs[0].GetStatus() != loancorev1.CloseOfBusinessStatus_CLOSE_OF_BUSINESS_STATUS_RUNNING || runs[0].GetLoansDone() != 0 {
			t.Fatalf("first report %v", runs[0])
		}
		checkPositions := func(date string) {
			t.Helper()
			page, err := c.cob.ListDelinquentLoans(ctx(t), &loancorev1.ListDelinquentLoansRequest{})
			if err != nil {
				t.Fatal(err)
			}
			if page.GetAsOf() != date || len(page.GetLoans()) != 2 {
				t.Fatalf("delinquent loans at %s: %v", page.GetAsOf(), page)
			}
			for _, d := range page.GetLoans() {
				l := getAsOf(t, c.loans, d.GetLoanId(), date)
				if d.GetDaysPastDue() != l.GetDaysPastDue() || d.GetBucket() != l.GetDelinquencyBucket() || d.GetRiskClass() != l.GetRiskClass() ||
					d.GetOutstanding().GetTotal() != l.GetOutstanding().GetTotal() || d.GetOutstanding().GetPenalty() != l.GetOutstanding().GetPenalty() {
					t.Fatalf("%s on %s: close of business wrote %v, GetLoan says dpd %d %v %v %v", d.GetLoanId(), date, d,
						l.GetDaysPastDue(), l.GetDelinquencyBucket(), l.GetRiskClass(), l.GetOutstanding())
				}
			}
		}
		checkPositions("2024-04-20")
		m3, err := c.cob.ListDelinquentLoans(ctx(t), &loancorev1.ListDelinquentLoansRequest{Bucket: loancorev1.DelinquencyBucket_DELINQUENCY_BUCKET_M3})
		if err != nil || len(m3.GetLoans()) != 1 || m3.GetLoans()[0].GetLoanId() != "LN1" || m3.GetLoans()[0].GetDaysPastDue() != 65 {
			t.Fatalf("bucket M3: %v %v", m3, err)
		}
		// OD1 on 2024-04-20: grace missed, 5 days × 2.04.
		od, err := c.cob.ListDelinquentLoans(ctx(t), &loancorev1.ListDelinquentLoansRequest{Bucket: loancorev1.DelinquencyBucket_DELINQUENCY_BUCKET_M1})
		if err != nil || len(od.GetLoans()) != 1 || od.GetLoans()[0].GetOutstanding().GetPenalty() != "10.20" {
			t.Fatalf("bucket M1: %v %v", od, err)
		}

		// Again: nothing to do, one report saying it is done.
		again, err := runCOB(t, c, "2024-04-20")
		if err != nil || len(again) != 1 || again[0].GetStartedAt() != last.GetStartedAt() || again[0].GetLoansDone() != 2 {
			t.Fatalf("second run of a closed date: %v %v", again, err)
		}
		// A gap is caught up day by day.
		runs, err = runCOB(t, c, "2024-04-23")
		if err != nil {
			t.Fatal(err)
		}
		var dates []string
		for _, r := range runs {
			if r.GetStatus() == loancorev1.CloseOfBusinessStatus_CLOSE_OF_BUSINESS_STATUS_COMPLETED && !slices.Contains(dates, r.GetBusinessDate()) {
				dates = append(dates, r.GetBusinessDate())
			}
		}
		if !slices.Equal(dates, []string{"2024-04-21", "2024-04-22", "2024-04-23"}) {
			t.Fatalf("catch-up closed %v", dates)
		}
		got, err := c.cob.GetCloseOfBusinessRun(ctx(t), &loancorev1.GetCloseOfBusinessRunRequest{BusinessDate: "2024-04-22"})
		if err != nil || got.GetRun().GetStatus() != loancorev1.CloseOfBusinessStatus_CLOSE_OF_BUSINESS_STATUS_COMPLETED {
			t.Fatalf("run of 2024-04-22: %v %v", got, err)
		}
		checkPositions("2024-04-23")

		// Notices: a loan due 2024-05-16 joins; closing through 2024-05-17
		// emits, by date and id, its reminder 3 days ahead, then on
		// 16 May LN1's and OD1's moves to M4 and M2 (91 and 31 days past
		// due) and LN1's installment 4 (15 May) overdue, and on 17 May the new
		// loan's first overdue day: bucket M1, the credit-report
		// pre-notice and the installment.
		cur := loan10k(loancorev1.AllocationOrder_ALLOCATION_ORDER_INTEREST_FIRST)
		cur.DisbursementDate = "2024-04-16"
		if _, err := c.loans.CreateLoan(ctx(t), &loancorev1.CreateLoanRequest{RequestId: "c-CUR", LoanId: "CUR", BorrowerId: "B2", Terms: cur}); err != nil {
			t.Fatal(err)
		}
		if _, err := runCOB(t, c, "2024-05-17"); err != nil {
			t.Fatal(err)
		}
		var notices []string
		token := ""
		for {
			page, err := c.cob.ListDueNotices(ctx(t), &loancorev1.ListDueNoticesRequest{FromDate: "2024-04-24", ToDate: "2024-05-17", PageSize: 3, PageToken: token})
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range page.GetNotices() {
				notices = append(notices, n.GetNoticeId()+" "+n.GetAmount())
			}
			if token = page.GetNextPageToken(); token == "" {
				break
			}
		}
		want := []string{
			"LN1:UPCOMING_DUE:2024-05-12:4 1066.19",
			"CUR:UPCOMING_DUE:2024-05-13:1 10040.83",
			"LN1:BUCKET_CHANGE:2024-05-16:0 " + sumOverdue(t, c, "LN1", "2024-05-16"),
			"LN1:FIRST_OVERDUE:2024-05-16:4 1066.19",
			"OD1:BUCKET_CHANGE:2024-05-16:0 " + sumOverdue(t, c, "OD1", "2024-05-16"),
			"CUR:BUCKET_CHANGE:2024-05-17:0 10040.83",
			"CUR:CREDIT_REPORT_PRENOTICE:2024-05-17:0 10040.83",
			"CUR:FIRST_OVERDUE:2024-05-17:1 10040.83",
		}
		if !slices.Equal(notices, want) {
			t.Fatalf("notices\n got %q\nwant %q", notices, want)
		}
		_, err = c.cob.ListDueNotices(ctx(t), &loancorev1.ListDueNoticesRequest{FromDate: "2024-05-17", ToDate: "2024-05-01"})
		if got := badRequestFields(t, err); !slices.Equal(got, []string{"to_date"}) {
			t.Fatalf("a backwards range: %v", got)
		}

		_, err = runCOB(t, c, "2024-04-19")
		if st := wantCode(t, err, codes.FailedPrecondition); !containsDetail(st, "COB_OUT_OF_ORDER") {
			t.Fatalf("a date before the last: %v", st)
		}
		_, err = runCOB(t, c, "2024-06-02")
		if got := badRequestFields(t, err); !slices.Equal(got, []string{"business_date"}) {
			t.Fatalf("a future date: %v", got)
		}
		_, err = c.cob.GetCloseOfBusinessRun(ctx(t), &loancorev1.GetCloseOfBusinessRunRequest{BusinessDate: "2024-01-01"})
		wantCode(t, err, codes.NotFound)
		_, err = c.cob.ListDelinquentLoans(ctx(t), &loancorev1.ListDelinquentLoansRequest{AsOf: "2024-04-20"})
		wantCode(t, err, codes.FailedPrecondition)
	})
}

// sumOverdue is what a loan owes of installments due before a date, as
// GetLoan shows it: principal, interest, penalty and compound unpaid.
func sumOverdue(t *testing.T, c cobClients, id, date string) string {
	t.Helper()
	l := getAsOf(t, c.loans, id, date)
	cur, _ := money.LookupCurrency(l.GetCurrency())
	var sum money.Amount
	for _, in := range l.GetInstallments() {
		if in.GetDueDate() >= date {
			continue
		}
		for _, s := range []string{in.GetPrincipalDue(), in.GetInterestDue(), in.GetPenaltyAccrued(), in.GetCompoundAccrued()} {
			a, _ := money.ParseAmount(s, cur)
			sum += a
		}
		for _, s := range []string{in.GetPrincipalPaid(), in.GetInterestPaid(), in.GetPenaltyPaid(), in.GetCompoundPaid()} {
			a, _ := money.ParseAmount(s, cur)
			sum -= a
		}
	}
	return sum.Format(cur)
}

// TestFirstCloseOfBusinessDateRefused: on a fresh system a first close of
// business of 0001-01-01, which every nightly run would then have caught
// up from day by day, is INVALID_ARGUMENT naming business_date and the
// first date allowed: with no loan, yesterday; with loans, the earliest
// disbursement.
func TestFirstCloseOfBusinessDateRefused(t *testing.T) {
	forEachCOBStore(t, func(t *testing.T, c cobClients) {
		_, err := runCOB(t, c, "0001-01-01")
		wantFieldViolation(t, err, "business_date", "must not be before 2024-05-31")
		create(t, c.loans, "FC")
		_, err = runCOB(t, c, "2024-01-14")
		wantFieldViolation(t, err, "business_date", "must not be before 2024-01-15, the earliest disbursement date of any loan")
		if _, err := runCOB(t, c, "2024-01-15"); err != nil {
			t.Fatal(err)
		}
	})
}
