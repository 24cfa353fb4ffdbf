package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
	"github.com/loancore/loancore/internal/store/pgtest"
)

// TestMain doubles as loand: with LOAND_TEST_SERVE set, the test binary
// runs loand's command line with the arguments in LOAND_TEST_ARGS
// (separated by spaces) and exits as loand would, so the restart tests
// can SIGKILL a real process and the command line tests see real exit
// codes and output.
func TestMain(m *testing.M) {
	if os.Getenv("LOAND_TEST_SERVE") == "1" {
		os.Exit(run(strings.Fields(os.Getenv("LOAND_TEST_ARGS")), os.Stdout, os.Stderr, os.LookupEnv))
	}
	pgtest.Main(m)
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startLoand starts the server process, with any extra flags, and waits
// until it is healthy.
func startLoand(t *testing.T, addr, database string, extra ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "LOAND_TEST_SERVE=1", "LOAND_TEST_ARGS=--listen "+addr+" --database "+database+" "+strings.Join(extra, " "))
	// Its log (an audit line per call) is shown only if the test fails.
	logFile, err := os.CreateTemp(t.TempDir(), "loand-*.log")
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_, _ = cmd.Process.Wait()
		if t.Failed() {
			out, _ := os.ReadFile(logFile.Name())
			t.Logf("loand's log:\n%s", out)
		}
		_ = logFile.Close()
	})
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		r, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
		cancel()
		if err == nil && r.GetStatus() == healthpb.HealthCheckResponse_SERVING {
			return cmd
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("loand did not become healthy")
	return nil
}

// TestRestartSafety kills loand with SIGKILL during a stream of repayments;
// after a restart every acknowledged repayment is in the log exactly once.
func TestRestartSafety(t *testing.T) {
	databases := map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "loancore.db") },
		"postgres": func(t *testing.T) string { return pgtest.URL(t) },
	}
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			database := databases[name](t)
			addr := freeAddr(t)
			server := startLoand(t, addr, database)
			conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			client := loancorev1.NewLoanServiceClient(conn)
			ctx := context.Background()
			if _, err := client.CreateLoan(ctx, &loancorev1.CreateLoanRequest{RequestId: "create", LoanId: "LN1", BorrowerId: "B1",
				Terms: &loancorev1.LoanTerms{Currency: "CNY", Principal: "1000000", AnnualRatePercent: "12", InstallmentCount: 12,
					Method: loancorev1.RepaymentMethod_REPAYMENT_METHOD_EQUAL_INSTALLMENT, DisbursementDate: "2024-01-15"}}); err != nil {
				t.Fatal(err)
			}
			acked := payUntilKilled(t, client, server)

			startLoand(t, addr, database)
			checkEachOnce(t, client, acked)
			// The request in flight at the kill, retried, lands exactly once.
			checkRetryLandsOnce(t, client, fmt.Sprintf("pay-%d", len(acked)))
			t.Logf("%d repayments acknowledged before SIGKILL, all present once after restart", len(acked))
		})
	}
}

// payUntilKilled pays loan LN1 in a stream of requests pay-0, pay-1, …,
// kills server with SIGKILL once 40 are acknowledged, and returns the ids
// of the acknowledged ones once the stream has stopped.
func payUntilKilled(t *testing.T, client loancorev1.LoanServiceClient, server *exec.Cmd) []string {
	t.Helper()
	ctx := context.Background()
	var mu sync.Mutex
	var acked []string
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			id := fmt.Sprintf("pay-%d", i)
			c, cancel := context.WithTimeout(ctx, 5*time.Second)
			_, err := client.RecordRepayment(c, &loancorev1.RecordRepaymentRequest{RequestId: id, LoanId: "LN1", Amount: "1.00", ValueDate: "2024-02-15"})
			cancel()
			if err != nil {
				return // the server is gone
			}
			mu.Lock()
			acked = append(acked, id)
			mu.Unlock()
		}
	}()
	// Let a stream build up, then kill the server mid-flight. A
	// stream that stops by itself is a failure, not a hang.
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 40 {
			break
		}
		select {
		case <-done:
			t.Fatalf("repayments failed after %d acknowledged, before the kill", n)
		case <-time.After(5 * time.Millisecond):
		}
	}
	if err := server.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_, _ = server.Process.Wait()
	<-done
	return acked
}

// checkEachOnce checks LN1's log: every acknowledged request is in it
// once, and no request is in it twice.
func checkEachOnce(t *testing.T, client loancorev1.LoanServiceClient, acked []string) {
	t.Helper()
	events, err := client.ListLoanEvents(context.Background(), &loancorev1.ListLoanEventsRequest{LoanId: "LN1", PageSize: 500})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, e := range events.GetEvents() {
		seen[e.GetRequestId()]++
	}
	for _, id := range acked {
		if seen[id] != 1 {
			t.Errorf("acknowledged %s is in the log %d times", id, seen[id])
		}
	}
	for id, n := range seen {
		if id != "create" && n != 1 {
			t.Errorf("%s is in the log %d times", id, n)
		}
	}
}

// checkRetryLandsOnce sends repayment next twice and checks that LN1's log
// has it once.
func checkRetryLandsOnce(t *testing.T, client loancorev1.LoanServiceClient, next string) {
	t.Helper()
	ctx := context.Background()
	for range 2 {
		if _, err := client.RecordRepayment(ctx, &loancorev1.RecordRepaymentRequest{RequestId: next, LoanId: "LN1", Amount: "1.00", ValueDate: "2024-02-15"}); err != nil {
			t.Fatal(err)
		}
	}
	events, _ := client.ListLoanEvents(ctx, &loancorev1.ListLoanEventsRequest{LoanId: "LN1", PageSize: 500})
	count := 0
	for _, e := range events.GetEvents() {
		if e.GetRequestId() == next {
			count++
		}
	}
	if count != 1 {
		t.Fatalf("retried in-flight request is in the log %d times", count)
	}
}
