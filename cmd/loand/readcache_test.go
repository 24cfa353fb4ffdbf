package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
	"github.com/loancore/loancore/internal/store/pgtest"
)

// TestNoStaleReadTwoProcesses: two loand processes on one PostgreSQL
// database, each with its read cache. A reads a loan as of today (and so
// keeps its view), B pays it, A reads it again: A must answer with B's
// payment, every time. Then B closes yesterday's business and A's answer
// stays the store's: the same as a process that never cached the loan
// (a third loand, started after).
func TestNoStaleReadTwoProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts loand processes on PostgreSQL; skipped with -short")
	}
	database := pgtest.URL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	a, b := twoLoans(t, database)
	const loan = "READ-1"
	today := time.Now().In(shanghai(t))
	disbursed := today.AddDate(0, -3, 0).Format(time.DateOnly)
	if _, err := b.loans.CreateLoan(ctx, &loancorev1.CreateLoanRequest{RequestId: "create", LoanId: loan, BorrowerId: "B",
		Terms: &loancorev1.LoanTerms{Currency: "CNY", Principal: "12000.00", AnnualRatePercent: "12", InstallmentCount: 12,
			Method: loancorev1.RepaymentMethod_REPAYMENT_METHOD_EQUAL_INSTALLMENT, DisbursementDate: disbursed}}); err != nil {
		t.Fatal(err)
	}
	get := func(c loancorev1.LoanServiceClient) *loancorev1.Loan { t.Helper(); return getLoan(ctx, t, c, loan) }
	for i := range 25 {
		before := get(a.loans)
		if again := get(a.loans); again.GetVersion() != before.GetVersion() {
			t.Fatalf("round %d: version %d then %d with no write", i, before.GetVersion(), again.GetVersion())
		}
		paid, err := b.loans.RecordRepayment(ctx, &loancorev1.RecordRepaymentRequest{RequestId: fmt.Sprint("pay-", i), LoanId: loan,
			Amount: "10.00", ValueDate: today.Format(time.DateOnly)})
		if err != nil {
			t.Fatal(err)
		}
		after := get(a.loans)
		if after.GetVersion() != paid.GetLoan().GetVersion() || after.GetOutstanding().GetTotal() != paid.GetLoan().GetOutstanding().GetTotal() {
			t.Fatalf("round %d: A answered version %d, total %s after B's payment made it %d, %s", i, after.GetVersion(),
				after.GetOutstanding().GetTotal(), paid.GetLoan().GetVersion(), paid.GetLoan().GetOutstanding().GetTotal())
		}
	}
	cached := get(a.loans)
	yesterday := today.AddDate(0, 0, -1).Format(time.DateOnly)
	if _, err := runCloseOfBusiness(ctx, b.cob, yesterday); err != nil {
		t.Fatal(err)
	}
	c, _ := twoLoans(t, database)
	if got, fresh := get(a.loans), get(c.loans); got.String() != fresh.String() || got.GetVersion() < cached.GetVersion() {
		t.Fatalf("after close of business, A answered\n%v\na fresh process\n%v", got, fresh)
	}
}

// loandClients are one loand process's clients.
type loandClients struct {
	loans loancorev1.LoanServiceClient
	cob   loancorev1.CloseOfBusinessServiceClient
}

// twoLoans starts two loand processes on database, in dev mode.
func twoLoans(t *testing.T, database string) (loandClients, loandClients) {
	t.Helper()
	var out [2]loandClients
	for i := range out {
		addr := freeAddr(t)
		startLoand(t, addr, database)
		out[i] = dialLoand(t, addr)
	}
	return out[0], out[1]
}

// runCloseOfBusiness runs close of business for a date to its end.
func runCloseOfBusiness(ctx context.Context, c loancorev1.CloseOfBusinessServiceClient, date string) (*loancorev1.RunCloseOfBusinessResponse, error) {
	stream, err := c.RunCloseOfBusiness(ctx, &loancorev1.RunCloseOfBusinessRequest{BusinessDate: date})
	if err != nil {
		return nil, err
	}
	var last *loancorev1.RunCloseOfBusinessResponse
	for {
		m, err := stream.Recv()
		if err != nil {
			if last != nil && errors.Is(err, io.EOF) {
				return last, nil
			}
			return last, err
		}
		last = m
	}
}

// shanghai is loand's default business time zone.
func shanghai(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestNoStaleReadTwoProcessesSQLite: TestNoStaleReadTwoProcesses's
// rounds on one SQLite file, where the read cache's marker is the WAL
// index's header that loand maps from the file beside the database: A
// reads, B pays, and A must answer with B's payment every time.
func TestNoStaleReadTwoProcessesSQLite(t *testing.T) {
	if testing.Short() {
		t.Skip("starts loand processes; skipped with -short")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	a, b := twoLoans(t, "sqlite:"+filepath.Join(t.TempDir(), "loancore.db"))
	const loan = "READ-1"
	today := time.Now().In(shanghai(t))
	if _, err := b.loans.CreateLoan(ctx, &loancorev1.CreateLoanRequest{RequestId: "create", LoanId: loan, BorrowerId: "B",
		Terms: &loancorev1.LoanTerms{Currency: "CNY", Principal: "12000.00", AnnualRatePercent: "12", InstallmentCount: 12,
			Method: loancorev1.RepaymentMethod_REPAYMENT_METHOD_EQUAL_INSTALLMENT, DisbursementDate: today.AddDate(0, -3, 0).Format(time.DateOnly)}}); err != nil {
		t.Fatal(err)
	}
	get := func() *loancorev1.Loan { t.Helper(); return getLoan(ctx, t, a.loans, loan) }
	for i := range 25 {
		before := get()
		if again := get(); again.GetVersion() != before.GetVersion() {
			t.Fatalf("round %d: version %d then %d with no write", i, before.GetVersion(), again.GetVersion())
		}
		paid, err := b.loans.RecordRepayment(ctx, &loancorev1.RecordRepaymentRequest{RequestId: fmt.Sprint("pay-", i), LoanId: loan,
			Amount: "10.00", ValueDate: today.Format(time.DateOnly)})
		if err != nil {
			t.Fatal(err)
		}
		if after := get(); after.GetVersion() != paid.GetLoan().GetVersion() || after.GetOutstanding().GetTotal() != paid.GetLoan().GetOutstanding().GetTotal() {
			t.Fatalf("round %d: A answered version %d, total %s after B's payment made it %d, %s", i, after.GetVersion(),
				after.GetOutstanding().GetTotal(), paid.GetLoan().GetVersion(), paid.GetLoan().GetOutstanding().GetTotal())
		}
	}
}

// TestNoStaleReadAfterAlone: loand A, alone on its PostgreSQL database,
// answers a repeated read from memory (loancore_store_alone 1, and a
// read cache hit). Another loand then starts and pays the loan, and A's
// next read has that payment. Once the other process is killed A is alone
// again, and the same holds for a third.
func TestNoStaleReadAfterAlone(t *testing.T) {
	if testing.Short() {
		t.Skip("starts loand processes on PostgreSQL; skipped with -short")
	}
	database := pgtest.URL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	metrics, addrA := freeAddr(t), freeAddr(t)
	startLoand(t, addrA, database, "--metrics-listen", metrics)
	a := dialLoand(t, addrA).loans
	const loan = "ALONE-1"
	today := time.Now().In(shanghai(t))
	if _, err := a.CreateLoan(ctx, &loancorev1.CreateLoanRequest{RequestId: "create", LoanId: loan, BorrowerId: "B",
		Terms: &loancorev1.LoanTerms{Currency: "CNY", Principal: "12000.00", AnnualRatePercent: "12", InstallmentCount: 12,
			Method: loancorev1.RepaymentMethod_REPAYMENT_METHOD_EQUAL_INSTALLMENT, DisbursementDate: today.AddDate(0, -3, 0).Format(time.DateOnly)}}); err != nil {
		t.Fatal(err)
	}
	for round := range 2 {
		// The first read misses; the second checks the store, and A's
		// first check starts its bid to be alone.
		getLoan(ctx, t, a, loan)
		getLoan(ctx, t, a, loan)
		waitAlone(t, metrics, 1)
		getLoan(ctx, t, a, loan)
		hits := metricValue(t, scrape(t, metrics), "loancore_read_cache_lookups_total", "result", "hit")
		getLoan(ctx, t, a, loan)
		if got := metricValue(t, scrape(t, metrics), "loancore_read_cache_lookups_total", "result", "hit"); got != hits+1 {
			t.Fatalf("round %d: alone, a repeated read was not a hit (%v hits, then %v)", round, hits, got)
		}
		addrB := freeAddr(t)
		other := startLoand(t, addrB, database)
		paid, err := dialLoand(t, addrB).loans.RecordRepayment(ctx, &loancorev1.RecordRepaymentRequest{RequestId: fmt.Sprint("pay-", round),
			LoanId: loan, Amount: "10.00", ValueDate: today.Format(time.DateOnly)})
		if err != nil {
			t.Fatal(err)
		}
		if got := getLoan(ctx, t, a, loan); got.GetVersion() != paid.GetLoan().GetVersion() ||
			got.GetOutstanding().GetTotal() != paid.GetLoan().GetOutstanding().GetTotal() {
			t.Fatalf("round %d: A answered version %d, total %s after the other process's payment made it %d, %s", round,
				got.GetVersion(), got.GetOutstanding().GetTotal(), paid.GetLoan().GetVersion(), paid.GetLoan().GetOutstanding().GetTotal())
		}
		if v := metricValue(t, scrape(t, metrics), "loancore_store_alone"); v != 0 {
			t.Fatalf("round %d: loancore_store_alone %v beside another writer", round, v)
		}
		_ = other.Process.Kill()
		_, _ = other.Process.Wait()
	}
}

// dialLoand is the clients of the loand at addr, in dev mode.
func dialLoand(t *testing.T, addr string) loandClients {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return loandClients{loans: loancorev1.NewLoanServiceClient(conn), cob: loancorev1.NewCloseOfBusinessServiceClient(conn)}
}

// getLoan reads loan as of today.
func getLoan(ctx context.Context, t *testing.T, c loancorev1.LoanServiceClient, loan string) *loancorev1.Loan {
	t.Helper()
	r, err := c.GetLoan(ctx, &loancorev1.GetLoanRequest{LoanId: loan})
	if err != nil {
		t.Fatal(err)
	}
	return r.GetLoan()
}

// waitAlone waits until the loand serving metrics on addr shows
// loancore_store_alone at want.
func waitAlone(t *testing.T, addr string, want float64) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if v := metricValue(t, scrape(t, addr), "loancore_store_alone"); v == want {
			return
		} else if time.Now().After(deadline) {
			t.Fatalf("loancore_store_alone is %v after 30 s, want %v", v, want)
		}
	}
}
