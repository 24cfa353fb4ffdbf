// Command loadpay drives RecordRepayment against a running loand from
// concurrent clients and prints repayments per second. It is the load
// generator of make bench-payments: a compiled client with generated stubs
// costs the shared CPU far less than a reflective one, so the figure is
// the server's, not the client's.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime/debug"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:50051", "loand address")
	loans := flag.Int("loans", 512, "loans to spread payments over (created if missing)")
	clients := flag.Int("c", 8, "concurrent clients, each with its own connection")
	duration := flag.Duration("d", 20*time.Second, "how long to run")
	run := flag.String("run", fmt.Sprint(time.Now().UnixNano()), "prefix of request ids")
	penalty := flag.Bool("penalty", false, "give the loans a penalty policy (the default one, with compound interest), as most loans in our first market have")
	view := flag.String("view", "full", "the loan view repayments ask for: full or basic (no installments, no terms)")
	gcPercent := flag.Int("gc-percent", 400, "garbage collector target, as loand's --gc-percent (GOGC wins when set)")
	flag.Parse()
	if os.Getenv("GOGC") == "" {
		// The client shares the machine with loand and PostgreSQL: collect
		// as rarely as loand does, so the client's garbage does not weigh
		// on the measurement more than it must.
		debug.SetGCPercent(*gcPercent)
	}
	views := map[string]loancorev1.LoanView{"full": loancorev1.LoanView_LOAN_VIEW_FULL, "basic": loancorev1.LoanView_LOAN_VIEW_BASIC}
	v, ok := views[*view]
	if !ok {
		fmt.Fprintf(os.Stderr, "loadpay: -view: want full or basic, got %q\n", *view)
		os.Exit(2)
	}
	if err := drive(*addr, *loans, *clients, *duration, *run, *penalty, v); err != nil {
		fmt.Fprintln(os.Stderr, "loadpay:", err)
		os.Exit(1)
	}
}

func drive(addr string, loans, clients int, d time.Duration, run string, penalty bool, view loancorev1.LoanView) error {
	ctx := context.Background()
	conns := make([]loancorev1.LoanServiceClient, clients)
	for i := range conns {
		cc, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()),
			// As loand does: fixed windows, no bandwidth-delay PINGs.
			grpc.WithInitialWindowSize(1<<20), grpc.WithInitialConnWindowSize(1<<20))
		if err != nil {
			return err
		}
		defer cc.Close()
		conns[i] = loancorev1.NewLoanServiceClient(cc)
	}
	prefix := "BENCH-"
	var policy *loancorev1.PenaltyPolicy
	if penalty {
		prefix, policy = "BENCH-P-", &loancorev1.PenaltyPolicy{CompoundOverdueInterest: true, GraceDays: 3}
	}
	for i := range loans {
		_, err := conns[0].CreateLoan(ctx, &loancorev1.CreateLoanRequest{
			RequestId: fmt.Sprintf("bench-create-%s%d", prefix, i), LoanId: fmt.Sprintf("%s%d", prefix, i), BorrowerId: "bench",
			Terms: &loancorev1.LoanTerms{Currency: "CNY", Principal: "100000000", AnnualRatePercent: "4.35", InstallmentCount: 12,
				Method: loancorev1.RepaymentMethod_REPAYMENT_METHOD_EQUAL_INSTALLMENT, DisbursementDate: "2024-01-15", Penalty: policy},
		})
		if err != nil {
			return fmt.Errorf("create loan %d: %w", i, err)
		}
	}
	var ok, failed atomic.Int64
	codes := sync.Map{}
	latencies := make([][]time.Duration, clients)
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	start := time.Now()
	for w := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; time.Now().Before(deadline); n++ {
				t0 := time.Now()
				_, err := conns[w].RecordRepayment(ctx, &loancorev1.RecordRepaymentRequest{
					RequestId: fmt.Sprintf("%s-%d-%d", run, w, n), LoanId: fmt.Sprintf("%s%d", prefix, (w*7919+n*104729)%loans),
					Amount: "1.00", ValueDate: "2024-02-15", View: view,
				})
				if err != nil {
					failed.Add(1)
					c, _ := codes.LoadOrStore(status.Code(err).String(), new(atomic.Int64))
					c.(*atomic.Int64).Add(1)
					continue
				}
				ok.Add(1)
				latencies[w] = append(latencies[w], time.Since(t0))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	var all []time.Duration
	for _, l := range latencies {
		all = append(all, l...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	p50, p99 := time.Duration(0), time.Duration(0)
	if len(all) > 0 {
		p50, p99 = all[len(all)/2], all[len(all)*99/100]
	}
	errs := ""
	codes.Range(func(k, v any) bool { errs += fmt.Sprintf(" %s=%d", k, v.(*atomic.Int64).Load()); return true })
	fmt.Printf("%.0f ok=%d failed=%d%s p50=%s p99=%s\n", float64(ok.Load())/elapsed.Seconds(), ok.Load(), failed.Load(), errs, p50, p99)
	return nil
}
