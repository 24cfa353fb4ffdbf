// Command loand is the loancore server: the loancore.v1 gRPC services with
// reflection and health checks, on --listen (default 127.0.0.1:50051).
//
//	loand [flags]          serve
//	loand migrate [flags]  apply pending database migrations and exit
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	_ "net/http/pprof"
	"net/url"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/grpcapi"
	"github.com/loancore/loancore/internal/money"
	"github.com/loancore/loancore/internal/servicing"
)

// redact hides a password in a database URL before it is logged.
func redact(database string) string {
	if u, err := url.Parse(database); err == nil && u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
			return u.String()
		}
	}
	return database
}

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "loand:", err)
		os.Exit(1)
	}
}

// zeroIsOff turns a flag's "0 is off" into NewLoansParams' "negative is
// off" (for --cached-loans and --snapshot-every).
func zeroIsOff(n int) int {
	if n <= 0 {
		return -1
	}
	return n
}

// envOr returns the environment variable's value, or def when it is unset.
func envOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

func run(args []string, stderr *os.File) error {
	migrateOnly := len(args) > 0 && args[0] == "migrate"
	if migrateOnly {
		args = args[1:]
	}
	fs := flag.NewFlagSet("loand", flag.ContinueOnError)
	listen := fs.String("listen", envOr("LOANCORE_LISTEN", "127.0.0.1:50051"), "address to serve gRPC on (env LOANCORE_LISTEN)")
	database := fs.String("database", envOr("LOANCORE_DATABASE", "sqlite:./data/loancore.db"), "postgres://… URL or sqlite:PATH (env LOANCORE_DATABASE)")
	timezone := fs.String("timezone", envOr("LOANCORE_TIMEZONE", "Asia/Shanghai"), "business time zone that decides today's date (env LOANCORE_TIMEZONE)")
	logFormat := fs.String("log-format", envOr("LOANCORE_LOG_FORMAT", "text"), "log format: text or json (env LOANCORE_LOG_FORMAT)")
	logLevel := fs.String("log-level", envOr("LOANCORE_LOG_LEVEL", "info"), "debug logs every call; info logs refused calls, warn slow calls, error internal errors (env LOANCORE_LOG_LEVEL)")
	pprofAddr := fs.String("pprof", envOr("LOANCORE_PPROF", ""), "serve net/http/pprof on this address, e.g. 127.0.0.1:6060 (off by default)")
	shutdownGrace := fs.Duration("shutdown-grace", 10*time.Second, "how long to let calls finish on SIGTERM before cutting them off")
	buckets := fs.String("delinquency-buckets", envOr("LOANCORE_DELINQUENCY_BUCKETS", "30,60,90,120,150,180"),
		"largest days past due of buckets M1…M6, increasing; beyond the last is M7 (env LOANCORE_DELINQUENCY_BUCKETS)")
	riskFrom := fs.String("risk-classes", envOr("LOANCORE_RISK_CLASSES", "1,91,271,361"),
		"days past due from which a loan is SPECIAL_MENTION, SUBSTANDARD, DOUBTFUL, LOSS (env LOANCORE_RISK_CLASSES)")
	reminderDays := fs.Int("reminder-days", 3, "close of business reminds of an installment this many days before it is due")
	prenoticeDays := fs.Int("prenotice-days", 1, "close of business sends the credit-report pre-notice on this day past due")
	def := servicing.DefaultRestructuringPolicy
	maxAgreements := fs.Int("max-agreements", def.MaxAgreementsPerLoan, "restructuring: agreements a loan may sign over its life")
	minOnTime := fs.Int("min-on-time-between-deferrals", def.MinOnTimeBetweenDeferrals,
		"restructuring: installments of the previous plan paid on time before another extension, holiday or re-amortisation (0: no rule)")
	maxExtension := fs.Int("max-extension-months", def.MaxExtensionMonths, "restructuring: how far past the contract's maturity a new plan may end (freeze plans aside)")
	maxFreeze := fs.Int("max-freeze-installments", def.MaxFreezeInstallments, "restructuring: most installments of an interest freeze plan, at most 60")
	observation := fs.Int("observation-months", def.ObservationMonths, "restructuring: months after an agreement's effective date a loan stays marked restructured")
	riskFloor := fs.String("restructured-risk-floor", def.RiskFloor.String(), "restructuring: best risk class of a restructured loan (NORMAL … LOSS)")
	aprCap := fs.String("apr-cap-percent", def.APRCapPercent.String(), "restructuring: the APR a quote's within_cap compares with")
	cachedLoans := fs.Int("cached-loans", 10_000, "loans whose latest fold this process keeps in memory for their next write, that day or later; 0 turns the cache off")
	snapshotEvery := fs.Int("snapshot-every", 8, "a repayment that read this many events or more of its loan's log beyond the latest snapshot stores a new one; 0 turns snapshots off")
	gcPercent := fs.Int("gc-percent", 400, "garbage collector target (debug.SetGCPercent); the GOGC environment variable wins when set")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if os.Getenv("GOGC") == "" {
		// loand's live heap is small (a log cache), so the default of 100
		// collects often; a higher target trades a little memory for CPU.
		debug.SetGCPercent(*gcPercent)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("--log-level: want debug, info, warn or error, got %q", *logLevel)
	}
	opts := &slog.HandlerOptions{Level: level}
	var handler slog.Handler
	switch *logFormat {
	case "json":
		handler = slog.NewJSONHandler(stderr, opts)
	case "text":
		handler = slog.NewTextHandler(stderr, opts)
	default:
		return fmt.Errorf("--log-format: want text or json, got %q", *logFormat)
	}
	log := slog.New(handler)
	if *pprofAddr != "" {
		go func() {
			log.Info("pprof serving", "addr", *pprofAddr)
			srv := &http.Server{Addr: *pprofAddr, ReadHeaderTimeout: 5 * time.Second}
			if err := srv.ListenAndServe(); err != nil {
				log.Error("pprof", "error", err)
			}
		}()
	}
	loc, err := time.LoadLocation(*timezone)
	if err != nil {
		return fmt.Errorf("--timezone: %w", err)
	}

	ctx0, cancel := context.WithTimeout(context.Background(), time.Minute)
	db, applied, closeStore, err := openStore(ctx0, *database)
	cancel()
	if err != nil {
		return err
	}
	defer closeStore()
	log.Info("database ready", "database", redact(*database), "migrations_applied", applied)
	if migrateOnly {
		return nil
	}
	var policy engine.DelinquencyPolicy
	if err := parseDays("--delinquency-buckets", *buckets, policy.BucketMaxDays[:]); err != nil {
		return err
	}
	if err := parseDays("--risk-classes", *riskFrom, policy.RiskFromDays[:]); err != nil {
		return err
	}
	if err := policy.Validate(); err != nil {
		return fmt.Errorf("--delinquency-buckets / --risk-classes: %w", err)
	}
	if *reminderDays < 1 || *prenoticeDays < 1 {
		return fmt.Errorf("--reminder-days and --prenotice-days must be at least 1")
	}
	restructuring := servicing.RestructuringPolicy{MaxAgreementsPerLoan: *maxAgreements, MinOnTimeBetweenDeferrals: *minOnTime,
		MaxExtensionMonths: *maxExtension, MaxFreezeInstallments: *maxFreeze, ObservationMonths: *observation}
	if *minOnTime == 0 {
		// 0 turns the rule off; the policy reads 0 as "default".
		restructuring.MinOnTimeBetweenDeferrals = -1
	}
	for c := engine.RiskNormal; c <= engine.RiskLoss; c++ {
		if c.String() == *riskFloor {
			restructuring.RiskFloor = c
		}
	}
	if restructuring.RiskFloor == 0 {
		return fmt.Errorf("--restructured-risk-floor: want NORMAL, SPECIAL_MENTION, SUBSTANDARD, DOUBTFUL or LOSS, got %q", *riskFloor)
	}
	if restructuring.APRCapPercent, err = money.ParseRate(*aprCap, engine.MaxRatePercent); err != nil {
		return fmt.Errorf("--apr-cap-percent: %w", err)
	}
	loans, err := servicing.NewLoans(servicing.NewLoansParams{Store: db, Location: loc, Delinquency: policy, Restructuring: restructuring,
		CachedLoans: zeroIsOff(*cachedLoans), SnapshotEvery: zeroIsOff(*snapshotEvery), Logger: log})
	if err != nil {
		return err
	}

	lis, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	cob := servicing.NewClose(servicing.NewCloseParams{Store: db, Loans: loans, ReminderDays: *reminderDays, PrenoticeDays: *prenoticeDays, Logger: log})
	srv := grpcapi.NewServer(grpcapi.Options{Logger: log, Loans: loans, Close: cob})

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	served := make(chan error, 1)
	go func() { served <- srv.GRPC.Serve(lis) }()
	// GOMAXPROCS is logged because it changes what a repayment costs: see
	// the README's "GOMAXPROCS".
	log.Info("loand serving", "listen", lis.Addr().String(), "timezone", loc.String(), "gomaxprocs", runtime.GOMAXPROCS(0))

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	// Graceful shutdown: report NOT_SERVING so balancers drain us, let
	// running calls finish, then stop hard if they take too long.
	log.Info("loand shutting down", "grace", shutdownGrace.String())
	srv.Health.Shutdown()
	done := make(chan struct{})
	go func() { srv.GRPC.GracefulStop(); close(done) }()
	select {
	case <-done:
	case <-time.After(*shutdownGrace):
		srv.GRPC.Stop()
	}
	if err := <-served; err != nil && !errors.Is(err, net.ErrClosed) {
		return err
	}
	log.Info("loand stopped")
	return nil
}

// parseDays reads a comma-separated list of exactly len(into) day counts.
func parseDays(flag, list string, into []int) error {
	parts := strings.Split(list, ",")
	if len(parts) != len(into) {
		return fmt.Errorf("%s: want %d comma-separated day counts, got %q", flag, len(into), list)
	}
	for i, p := range parts {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil {
			return fmt.Errorf("%s: %q is not a number of days", flag, p)
		}
		into[i] = n
	}
	return nil
}
