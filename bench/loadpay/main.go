package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:50051", "loand address")
	loans := flag.Int("loans", 512, "loans to spread payments over (created if missing)")
	clients := flag.Int("c", 8, "concurrent clients, each with one call in flight (ghz's -c)")
	connections := flag.Int("conns", 1, "gRPC connections the clients share, round robin, as ghz's --connections (default 1, as ghz's); 0 gives each client its own")
	duration := flag.Duration("d", 20*time.Second, "how long to run")
	run := flag.String("run", fmt.Sprint(time.Now().UnixNano()), "prefix of request ids")
	loanPrefix := flag.String("loan-prefix", "", "loan ids are this prefix and a number (default BENCH-, or BENCH-P- with -penalty)")
	penalty := flag.Bool("penalty", false, "give the loans a penalty policy (the default one, with compound interest), as most loans in our first market have")
	view := flag.String("view", "full", "the loan view repayments ask for: full or basic (no installments, no terms)")
	gcPercent := flag.Int("gc-percent", 400, "garbage collector target, as loand's --gc-percent (GOGC wins when set)")
	token := flag.String("token", "", "send authorization: Bearer TOKEN on every call: a JWT (bench/benchjwt) or an API key; off: none, for loand in dev mode")
	mode := flag.String("mode", modePay, "what each call is: pay (RecordRepayment), health (grpc.health.v1.Health/Check), get (GetLoan as of today), list (ListLoans, pages of -page), delinquent (ListDelinquentLoans at the last closed date, pages of -page)")
	page := flag.Int("page", 100, "page size of -mode list and delinquent")
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
	if _, ok := callers[*mode]; !ok {
		fmt.Fprintf(os.Stderr, "loadpay: -mode: want one of pay, health, get, list, delinquent; got %q\n", *mode)
		os.Exit(2)
	}
	err := drive(driveParams{Addr: *addr, Loans: *loans, Clients: *clients, Connections: *connections, Duration: *duration,
		Run: *run, LoanPrefix: *loanPrefix, Penalty: *penalty, View: v, Token: *token, Mode: *mode, PageSize: *page}, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadpay:", err)
		os.Exit(1)
	}
}

// driveParams are what drive runs: the flags.
type driveParams struct {
	Addr        string
	Loans       int
	Clients     int
	Connections int // 0 or more than Clients: one per client
	Duration    time.Duration
	Run         string
	LoanPrefix  string
	Penalty     bool
	View        loancorev1.LoanView
	// Token, when set, is the bearer credential every call carries.
	Token string
	// Mode names the call each client makes (callers); "" is modePay.
	Mode string
	// PageSize is the page size of the list modes.
	PageSize int
}

// drive creates the loans that do not exist yet, pays them from p.Clients
// goroutines over p.Connections connections for p.Duration, and writes one
// line to out: the rate, ok=, failed= (and each failure's code), p50=,
// p99= and machine_cpu_us_per_op=, which the bench scripts read.
func drive(p driveParams, out io.Writer) error {
	ctx := context.Background()
	if p.Token != "" {
		// Once, in the context every call is made with: the cheapest way
		// for the client, which shares the machine, to send the header.
		ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+p.Token)
	}
	conns, closeConns, err := dial(p)
	if err != nil {
		return err
	}
	defer closeConns()
	prefix := loanPrefix(p)
	if err := createLoans(ctx, loancorev1.NewLoanServiceClient(conns[0]), p, prefix); err != nil {
		return err
	}
	busy0 := busyTicks()
	r := run(ctx, conns, p, prefix)
	busy1 := busyTicks()
	return r.write(out, busy0, busy1)
}

// dial opens the connections the clients share: p.Connections of them, or
// one per client when that is 0 or more than the clients. The returned
// function closes them.
func dial(p driveParams) ([]*grpc.ClientConn, func(), error) {
	connections := p.Connections
	if connections <= 0 || connections > p.Clients {
		connections = p.Clients
	}
	var opened []*grpc.ClientConn
	closeAll := func() {
		for _, cc := range opened {
			cc.Close()
		}
	}
	conns := make([]*grpc.ClientConn, connections)
	for i := range conns {
		cc, err := grpc.NewClient(p.Addr, grpc.WithTransportCredentials(insecure.NewCredentials()),
			// As loand does: fixed windows, no bandwidth-delay PINGs.
			grpc.WithInitialWindowSize(1<<20), grpc.WithInitialConnWindowSize(1<<20))
		if err != nil {
			closeAll()
			return nil, nil, err
		}
		opened = append(opened, cc)
		conns[i] = cc
	}
	return conns, closeAll, nil
}

// loanPrefix is what the bench's loan ids start with: -loan-prefix, or
// one per kind of loan, so that loans with and without a penalty policy
// never share ids.
func loanPrefix(p driveParams) string {
	switch {
	case p.LoanPrefix != "":
		return p.LoanPrefix
	case p.Penalty:
		return "BENCH-P-"
	}
	return "BENCH-"
}

// createLoans books the p.Loans loans a previous run did not: a
// CreateLoan retry is answered from the loan's whole log, which grows with
// every run.
func createLoans(ctx context.Context, c loancorev1.LoanServiceClient, p driveParams, prefix string) error {
	var policy *loancorev1.PenaltyPolicy
	if p.Penalty {
		policy = &loancorev1.PenaltyPolicy{CompoundOverdueInterest: true, GraceDays: 3}
	}
	have, err := existingLoans(ctx, c)
	if err != nil {
		return err
	}
	for i := range p.Loans {
		if have[fmt.Sprintf("%s%d", prefix, i)] {
			continue
		}
		_, err := c.CreateLoan(ctx, &loancorev1.CreateLoanRequest{
			RequestId: fmt.Sprintf("bench-create-%s%d", prefix, i), LoanId: fmt.Sprintf("%s%d", prefix, i), BorrowerId: "bench",
			Terms: &loancorev1.LoanTerms{Currency: "CNY", Principal: "100000000", AnnualRatePercent: "4.35", InstallmentCount: 12,
				Method: loancorev1.RepaymentMethod_REPAYMENT_METHOD_EQUAL_INSTALLMENT, DisbursementDate: "2024-01-15", Penalty: policy},
		})
		if err != nil {
			return fmt.Errorf("create loan %d: %w", i, err)
		}
	}
	return nil
}

// payResult is what the clients of one run did.
type payResult struct {
	ok, failed atomic.Int64
	// codes counts failures by gRPC code name (*atomic.Int64 values).
	codes sync.Map
	// latencies holds each client's successful calls' latencies, one
	// slice per client so that the clients never share one.
	latencies [][]time.Duration
	elapsed   time.Duration
}

// run runs p.Clients clients, each with one call of p.Mode in flight,
// until p.Duration has passed; client w uses connection w modulo the
// connections, so the calls spread evenly over them.
func run(ctx context.Context, conns []*grpc.ClientConn, p driveParams, prefix string) *payResult {
	r := &payResult{latencies: make([][]time.Duration, p.Clients)}
	mode := p.Mode
	if mode == "" {
		mode = modePay
	}
	deadline := time.Now().Add(p.Duration)
	var wg sync.WaitGroup
	start := time.Now()
	for w := range p.Clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			call := callers[mode](conns[w%len(conns)], p, prefix, w)
			for n := 0; time.Now().Before(deadline); n++ {
				t0 := time.Now()
				if err := call(ctx, n); err != nil {
					r.failed.Add(1)
					c, _ := r.codes.LoadOrStore(status.Code(err).String(), new(atomic.Int64))
					c.(*atomic.Int64).Add(1)
					continue
				}
				r.ok.Add(1)
				r.latencies[w] = append(r.latencies[w], time.Since(t0))
			}
		}()
	}
	wg.Wait()
	r.elapsed = time.Since(start)
	return r
}

// write prints the run's line; busy0 and busy1 are the machine's busy
// ticks around the run (busyTicks), negative where there are none.
func (r *payResult) write(out io.Writer, busy0, busy1 int64) error {
	var all []time.Duration
	for _, l := range r.latencies {
		all = append(all, l...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	p50, p99 := time.Duration(0), time.Duration(0)
	if len(all) > 0 {
		p50, p99 = all[len(all)/2], all[len(all)*99/100]
	}
	errs := ""
	r.codes.Range(func(k, v any) bool { errs += fmt.Sprintf(" %s=%d", k, v.(*atomic.Int64).Load()); return true })
	ok := r.ok.Load()
	busy := ""
	if busy0 >= 0 && busy1 >= 0 && ok > 0 {
		busy = fmt.Sprintf(" machine_cpu_us_per_op=%d", (busy1-busy0)*1e6/clockTicksPerSecond/ok)
	}
	_, err := fmt.Fprintf(out, "%.0f ok=%d failed=%d%s p50=%s p99=%s%s\n", float64(ok)/r.elapsed.Seconds(), ok, r.failed.Load(), errs, p50, p99, busy)
	return err
}

// clockTicksPerSecond is USER_HZ, the unit of /proc/stat: 100 on every
// Linux architecture Go supports.
const clockTicksPerSecond = 100

// busyTicks is the CPU time the whole machine has spent busy (user, nice,
// system, irq and softirq, in clock ticks) since boot, from /proc/stat; -1
// where there is none. Read around the measured window, it says what one
// repayment costs the machine in all: loand, PostgreSQL, this client and
// the kernel's work for them.
func busyTicks() int64 {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return -1
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 8 || f[0] != "cpu" {
		return -1
	}
	var t int64
	for _, i := range []int{1, 2, 3, 6, 7} {
		v, err := strconv.ParseInt(f[i], 10, 64)
		if err != nil {
			return -1
		}
		t += v
	}
	return t
}

// existingLoans lists the loans of the bench borrower.
func existingLoans(ctx context.Context, c loancorev1.LoanServiceClient) (map[string]bool, error) {
	have := map[string]bool{}
	token := ""
	for {
		res, err := c.ListLoans(ctx, &loancorev1.ListLoansRequest{BorrowerId: "bench", PageSize: 500, PageToken: token})
		if err != nil {
			return nil, fmt.Errorf("list loans: %w", err)
		}
		for _, l := range res.GetLoans() {
			have[l.GetLoanId()] = true
		}
		if token = res.GetNextPageToken(); token == "" {
			return have, nil
		}
	}
}
