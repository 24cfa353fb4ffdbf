package main

import (
	"context"
	"fmt"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
	"github.com/loancore/loancore/internal/store/pgtest"
)

// TestCloseOfBusinessSurvivesSIGKILL kills loand with SIGKILL while it
// closes a business date; after a restart the date is still RUNNING, the
// next run completes it, and the journal has exactly one line per loan:
// no loan was accrued twice for the day.
func TestCloseOfBusinessSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("creates 3,000 loans")
	}
	ctx := context.Background()
	database := pgtest.URL(t)
	addr := freeAddr(t)
	server := startLoand(t, addr, database)
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	loans := loancorev1.NewLoanServiceClient(conn)
	cob := loancorev1.NewCloseOfBusinessServiceClient(conn)

	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	today := time.Now().In(shanghai)
	business := today.AddDate(0, 0, -1).Format(time.DateOnly)
	disbursed := today.AddDate(0, -6, 0).Format(time.DateOnly)
	const n = 3000
	createOverdueLoans(t, loans, disbursed, n)

	stream, err := cob.RunCloseOfBusiness(ctx, &loancorev1.RunCloseOfBusinessRequest{BusinessDate: business})
	if err != nil {
		t.Fatal(err)
	}
	for {
		r, err := stream.Recv()
		if err != nil {
			t.Fatalf("the run ended before it could be killed: %v", err)
		}
		if d := r.GetRun().GetLoansDone(); d > 0 && d < n {
			break
		}
	}
	if err := server.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_, _ = server.Process.Wait()

	startLoand(t, addr, database)
	half, err := cob.GetCloseOfBusinessRun(ctx, &loancorev1.GetCloseOfBusinessRunRequest{BusinessDate: business})
	if err != nil || half.GetRun().GetStatus() != loancorev1.CloseOfBusinessStatus_CLOSE_OF_BUSINESS_STATUS_RUNNING {
		t.Fatalf("after the kill: %v %v", half, err)
	}
	stream, err = cob.RunCloseOfBusiness(ctx, &loancorev1.RunCloseOfBusinessRequest{BusinessDate: business})
	if err != nil {
		t.Fatal(err)
	}
	var last *loancorev1.CloseOfBusinessRun
	for {
		r, err := stream.Recv()
		if err != nil {
			break
		}
		last = r.GetRun()
	}
	if last.GetStatus() != loancorev1.CloseOfBusinessStatus_CLOSE_OF_BUSINESS_STATUS_COMPLETED || last.GetLoansDone() != n {
		t.Fatalf("resumed run: %v", last)
	}
	checkOneJournalLinePerLoan(t, database, business, n)
	t.Logf("killed after %d of %d loans; resumed and completed, one journal line per loan", half.GetRun().GetLoansDone(), n)
}

// createOverdueLoans books the n loans the run closes, from 8 clients at
// once: six installments from disbursed, nothing paid, with a penalty
// policy, so that each has a day to accrue.
func createOverdueLoans(t *testing.T, loans loancorev1.LoanServiceClient, disbursed string, n int) {
	t.Helper()
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += 8 {
				_, err := loans.CreateLoan(ctx, &loancorev1.CreateLoanRequest{RequestId: fmt.Sprintf("c%d", i), LoanId: fmt.Sprintf("K%05d", i), BorrowerId: "B",
					Terms: &loancorev1.LoanTerms{Currency: "CNY", Principal: "5000", AnnualRatePercent: "18", InstallmentCount: 6,
						Method: loancorev1.RepaymentMethod_REPAYMENT_METHOD_EQUAL_PRINCIPAL, DisbursementDate: disbursed,
						Penalty: &loancorev1.PenaltyPolicy{CompoundOverdueInterest: true}}})
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// checkOneJournalLinePerLoan reads the database behind loand: the business
// date has n journal lines, one for each of n loans, and n positions. A
// line is a row of loan_accruals or an element of a batch (migrations 22
// and 26), a position a row of loan_positions or an element of a carried
// page (migration 24).
func checkOneJournalLinePerLoan(t *testing.T, database, business string, n int) {
	t.Helper()
	ctx := context.Background()
	db, err := pgx.Connect(ctx, database)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(ctx)
	var lines, distinct, positions int
	if err := db.QueryRow(ctx, `SELECT count(*), count(DISTINCT loan_id), (SELECT count(*) FROM loan_positions WHERE as_of = $1::date)
			+ (SELECT COALESCE(sum(cardinality(loan_ids)), 0) FROM carried_positions WHERE as_of = $1::date)
		FROM (SELECT loan_id FROM loan_accruals WHERE business_date = $1::date
			UNION ALL SELECT unnest(loan_ids) FROM accrual_batches WHERE business_date = $1::date) j`,
		business).Scan(&lines, &distinct, &positions); err != nil {
		t.Fatal(err)
	}
	if lines != n || distinct != n || positions != n {
		t.Fatalf("journal %d lines for %d loans, %d positions; want %d each", lines, distinct, positions, n)
	}
}
