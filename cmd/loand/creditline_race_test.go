package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
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

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
	"github.com/loancore/loancore/internal/store/pgtest"
)

// raceKey makes an API key for a servicer with `loand apikey create`, as
// an operator would, in keys.
func raceKey(t *testing.T, keys string) string {
	t.Helper()
	var out, errb bytes.Buffer
	if code := run([]string{"apikey", "create", "--api-keys-file", keys, "--subject", "race", "--roles", "servicer"}, &out, &errb,
		os.LookupEnv); code != 0 {
		t.Fatalf("loand apikey create: exit %d: %s", code, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// draw is one drawdown a client sent and what it got.
type draw struct {
	line, amount, loanID string
	err                  error
}

// TestConcurrentDrawdownsTwoProcesses: two loand processes on one
// PostgreSQL database, many clients on each drawing from the same lines
// at once. On every line the drawdowns that succeeded sum to at most its
// limit; every success is a loan and a DRAWDOWN of the line; every
// refusal is FAILED_PRECONDITION LIMIT_EXCEEDED naming what was
// available and left no loan and no line event behind, counted in the
// database itself. The pairs are the case: two draws of 600 on a
// line of 1,000 at once, one from each process — exactly one is booked.
func TestConcurrentDrawdownsTwoProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two loand processes on PostgreSQL; skipped with -short")
	}
	database := pgtest.URL(t)
	keys := filepath.Join(t.TempDir(), "api-keys.jsonl")
	key := raceKey(t, keys)
	var clients [2]loancorev1.CreditLineServiceClient
	for i := range clients {
		addr := freeAddr(t)
		startLoand(t, addr, database, "--api-keys-file", keys)
		conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = conn.Close() })
		clients[i] = loancorev1.NewCreditLineServiceClient(conn)
	}
	ctx, cancel := context.WithTimeout(metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+key), 2*time.Minute)
	defer cancel()
	const pairs, shared = 10, 3
	var lines []string
	for i := range pairs + shared {
		id := fmt.Sprintf("CL%02d", i)
		lines = append(lines, id)
		if _, err := clients[i%2].OpenCreditLine(ctx, &loancorev1.OpenCreditLineRequest{RequestId: "open-" + id, CreditLineId: id,
			BorrowerId: "B" + id, Currency: "CNY", Limit: "1000.00", Revolving: i%2 == 0,
			DrawdownTerms: &loancorev1.LoanTerms{AnnualRatePercent: "12", InstallmentCount: 12,
				Method: loancorev1.RepaymentMethod_REPAYMENT_METHOD_EQUAL_INSTALLMENT}}); err != nil {
			t.Fatal(err)
		}
	}
	var plan []draw
	for _, id := range lines[:pairs] {
		plan = append(plan, draw{line: id, amount: "600"}, draw{line: id, amount: "600"})
	}
	// 40 clients on the shared lines, 13 to 14 each, of 50 to 400.
	for i := range 40 {
		plan = append(plan, draw{line: lines[pairs+i%shared], amount: fmt.Sprintf("%d.%02d", 50+(i*37)%350, i)})
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range plan {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			r, err := clients[i%2].Drawdown(ctx, &loancorev1.DrawdownRequest{RequestId: fmt.Sprintf("draw-%d", i), CreditLineId: plan[i].line,
				Amount: plan[i].amount})
			plan[i].loanID, plan[i].err = r.GetLoan().GetLoanId(), err
		}()
	}
	close(start)
	wg.Wait()
	booked := checkDraws(t, plan, pairs)
	checkDatabase(t, database, booked)
}

// checkDraws checks each drawdown's answer and returns the loans booked
// per line. A pair's two draws are plan[2i] and plan[2i+1].
func checkDraws(t *testing.T, plan []draw, pairs int) map[string][]draw {
	t.Helper()
	booked := map[string][]draw{}
	for i, d := range plan {
		if d.err == nil {
			booked[d.line] = append(booked[d.line], d)
			continue
		}
		st := status.Convert(d.err)
		reason := ""
		for _, det := range st.Details() {
			if pf, ok := det.(*errdetails.PreconditionFailure); ok && len(pf.GetViolations()) > 0 {
				reason = pf.GetViolations()[0].GetType()
			}
		}
		if st.Code() != codes.FailedPrecondition || reason != "LIMIT_EXCEEDED" || !strings.Contains(st.Message(), "available") {
			t.Errorf("drawdown %d of %s on %s: %v (reason %q), want FAILED_PRECONDITION LIMIT_EXCEEDED", i, d.amount, d.line, d.err, reason)
		}
	}
	for i := range pairs {
		id := plan[2*i].line
		if n := len(booked[id]); n != 1 {
			t.Errorf("line %s: %d of two concurrent draws of 600 on a limit of 1000 booked, want exactly 1", id, n)
		}
		for _, d := range plan[2*i : 2*i+2] {
			if d.err != nil && !strings.Contains(d.err.Error(), "400.00 available") {
				t.Errorf("line %s: the refusal does not say 400.00 is available: %v", id, d.err)
			}
		}
	}
	return booked
}

// checkDatabase counts what the database holds: a loan and a DRAWDOWN
// per success and nothing else, and no line drawn beyond its limit.
func checkDatabase(t *testing.T, database string, booked map[string][]draw) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, database)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	successes := 0
	for id, ds := range booked {
		successes += len(ds)
		var drawn string
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*), COALESCE(sum(amount), 0)::text FROM credit_line_events
			WHERE credit_line_id = $1 AND kind = 'DRAWDOWN'`, id).Scan(&n, &drawn); err != nil {
			t.Fatal(err)
		}
		var over bool
		if err := conn.QueryRow(ctx, `SELECT $1::numeric > 1000`, drawn).Scan(&over); err != nil || over || n != len(ds) {
			t.Errorf("line %s: %d DRAWDOWN events drawing %s (%v), want %d within 1000", id, n, drawn, err, len(ds))
		}
		for _, d := range ds {
			var ok bool
			if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM credit_line_events WHERE credit_line_id = $1 AND loan_id = $2
				AND kind = 'DRAWDOWN' AND amount = $3::numeric) AND EXISTS (SELECT 1 FROM loans WHERE loan_id = $2)`,
				id, d.loanID, d.amount).Scan(&ok); err != nil || !ok {
				t.Errorf("line %s: drawdown of %s answered loan %q, not in the database as drawn (%v)", id, d.amount, d.loanID, err)
			}
		}
	}
	var loans, draws, other int
	if err := conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM loans), (SELECT count(*) FROM credit_line_events WHERE kind = 'DRAWDOWN'),
		(SELECT count(*) FROM credit_line_events WHERE kind <> 'DRAWDOWN' AND kind <> 'OPENED')`).Scan(&loans, &draws, &other); err != nil {
		t.Fatal(err)
	}
	if loans != successes || draws != successes || other != 0 {
		t.Errorf("the database holds %d loans, %d drawdowns and %d other line events; want %d, %d and 0", loans, draws, other, successes, successes)
	}
	t.Logf("%d drawdowns booked on %d lines; every refusal left nothing", successes, len(booked))
}
