package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	_ "net/http/pprof"
	"net/url"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"google.golang.org/grpc"

	"github.com/loancore/loancore/internal/grpcapi"
	"github.com/loancore/loancore/internal/servicing"
	"github.com/loancore/loancore/internal/store"
	"github.com/loancore/loancore/internal/telemetry"
	"github.com/loancore/loancore/internal/tlsreload"
)

// start runs serve or migrate with a configuration parseConfig accepted:
// both open (and so migrate) the database; serve then serves until a
// signal stops it.
func start(migrateOnly bool, cfg config, stderr io.Writer) error {
	if cfg.setGCPercent {
		// loand's live heap is small (a log cache), so the default of 100
		// collects often; a higher target trades a little memory for CPU.
		debug.SetGCPercent(cfg.gcPercent)
	}
	log := newLogger(cfg, stderr)
	var certs *tlsreload.Reloader
	if !migrateOnly {
		var err error
		if certs, err = loadTLS(cfg.transport, log); err != nil {
			return err
		}
	}
	if cfg.pprof != "" {
		go servePprof(cfg.pprof, log)
	}
	var authn *authentication
	var tr *telemetry.Tracing
	if !migrateOnly {
		// Before the database: a bad policy or key file, or no
		// authentication off loopback, stops loand having touched nothing.
		var err error
		if authn, err = newAuthentication(cfg, log, stderr); err != nil {
			return err
		}
		defer authn.close()
		if tr, err = startTracing(log); err != nil {
			return err
		}
		defer stopTracing(tr, log)
	}
	db, closeDB, err := openDatabase(cfg.database, tr.PgxTracer(), log)
	if err != nil {
		return err
	}
	defer closeDB()
	if migrateOnly {
		return nil
	}
	return serve(cfg, db, certs, authn, tr, log)
}

// newLogger builds the one logger every part of loand writes to, in the
// format and from the level the operator chose. A line logged in a traced
// call carries the call's trace_id.
func newLogger(cfg config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.level}
	if cfg.logFormat == "json" {
		return slog.New(telemetry.NewTraceHandler(slog.NewJSONHandler(w, opts)))
	}
	return slog.New(telemetry.NewTraceHandler(slog.NewTextHandler(w, opts)))
}

// servePprof serves net/http/pprof (registered on the default mux by its
// import) on addr, for profiling a running loand; it returns only when
// that server fails, which is logged and does not stop loand.
func servePprof(addr string, log *slog.Logger) {
	log.Info("pprof serving", "addr", addr)
	srv := &http.Server{Addr: addr, ReadHeaderTimeout: 5 * time.Second}
	if err := srv.ListenAndServe(); err != nil {
		log.Error("pprof", "error", err)
	}
}

// openDatabase opens and migrates the store, giving a database that does
// not answer a minute before loand gives up, and logs which database it
// is and what was migrated. tracer, if not nil, traces its statements.
func openDatabase(database string, tracer pgx.QueryTracer, log *slog.Logger) (storeHandle, func(), error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	db, applied, closeDB, err := openStore(ctx, database, tracer)
	cancel()
	if err != nil {
		return nil, nil, err
	}
	log.Info("database ready", "database", redact(database), "migrations_applied", applied)
	return db, closeDB, nil
}

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

// groupedStore is a store that runs concurrent appends and loads in
// groups (PostgreSQL's).
type groupedStore interface {
	AppendGroups() (groups, calls int64)
	LoadGroups() (groups, calls int64)
}

// serve builds the use cases and the gRPC server on db, with authn, and
// serves them on --listen, over TLS from certs if it is not nil, until
// SIGTERM or Interrupt; with metrics on --metrics-listen and traces from
// tr when they are on, and health checks that ping the database.
func serve(cfg config, handle storeHandle, certs *tlsreload.Reloader, authn *authentication, tr *telemetry.Tracing, log *slog.Logger) error {
	obs := observability{tracing: tr}
	var db store.Store = handle
	if cfg.metricsListen != "" {
		obs.metrics = telemetry.NewMetrics()
		if a, ok := handle.(interface{ Alone() bool }); ok {
			obs.metrics.WatchAlone(a.Alone)
		}
		if g, ok := handle.(groupedStore); ok {
			obs.metrics.WatchGroups("append", g.AppendGroups)
			obs.metrics.WatchGroups("load", g.LoadGroups)
		}
		db = obs.metrics.Store(db)
	}
	feed := servicing.NewFeed(servicing.NewFeedParams{Store: db, Logger: log, MinInterval: cfg.feedMinInterval})
	db = feed.Watch(db)
	loans, err := servicing.NewLoans(servicing.NewLoansParams{Store: db, Location: cfg.location, Delinquency: cfg.delinquency,
		Restructuring: cfg.restructuring, CachedLoans: zeroIsOff(cfg.cachedLoans), SnapshotEvery: zeroIsOff(cfg.snapshotEvery), Logger: log,
		Observer: obs.observer()})
	if err != nil {
		return err
	}
	metricsLis, err := metricsListener(cfg.metricsListen, log)
	if err != nil {
		return err
	}
	lis, err := openListener(cfg, log)
	if err != nil {
		return err
	}
	lines := servicing.NewCreditLines(loans, db)
	cob := servicing.NewClose(servicing.NewCloseParams{Store: db, Loans: loans, ReminderDays: cfg.reminderDays,
		PrenoticeDays: cfg.prenoticeDays, CalendarStart: cfg.calendarStart, Lines: lines, FreezeLinesDays: cfg.freezeLinesDays, Logger: log,
		StepUnchanged: true, CarrySteady: true, CarryWorkers: cfg.cobCarryWorkers,
		KeepPositionDates: cfg.cobKeepPositionDates})
	opts := authn.opts
	opts.Logger, opts.Loans, opts.Close, opts.Feed, opts.Limits = log, loans, cob, feed, cfg.transport.limits
	opts.CreditLines = lines
	opts.APRPolicy = cfg.aprPolicy
	opts.ServerOptions = append(obs.serverOptions(), opts.ServerOptions...)
	if certs != nil {
		opts.TLS = certs.Config()
	}
	srv := grpcapi.NewServer(opts)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	reloadTLS(ctx, certs, log)
	go feed.Run(ctx)
	go srv.WatchDatabase(ctx, grpcapi.WatchDatabaseParams{Ping: handle.Ping, Every: cfg.healthInterval, Logger: log})
	obs.serveMetrics(metricsLis, srv, feed, log)
	return serveUntilSignal(srv, lis, cfg, authn.mode, log)
}

// serveUntilSignal serves srv on lis until it fails or SIGTERM or
// Interrupt asks loand to stop, and then stops it gracefully. authMode is
// logged with the address: how callers are authenticated.
func serveUntilSignal(srv *grpcapi.Server, lis net.Listener, cfg config, authMode string, log *slog.Logger) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	served := make(chan error, 1)
	go func() { served <- srv.GRPC.Serve(lis) }()
	// GOMAXPROCS is logged because it changes what a repayment costs: see
	// docs/benchmarks.md, "GOMAXPROCS".
	log.Info("loand serving", "listen", lis.Addr().String(), "transport", cfg.transport.transportName(),
		"auth", authMode, "timezone", cfg.location.String(), "gomaxprocs", runtime.GOMAXPROCS(0))
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	return shutdown(srv, served, cfg.shutdownGrace, log)
}

// shutdown stops srv without failing the calls it is serving if it can:
// it reports NOT_SERVING so that balancers drain loand, lets running calls
// finish, then stops hard if they take longer than grace. served delivers
// what srv's Serve returned.
func shutdown(srv *grpcapi.Server, served <-chan error, grace time.Duration, log *slog.Logger) error {
	log.Info("loand shutting down", "grace", grace.String())
	srv.Health.Shutdown()
	srv.EndStreams()
	done := make(chan struct{})
	go func() { srv.GRPC.GracefulStop(); close(done) }()
	select {
	case <-done:
	case <-time.After(grace):
		srv.GRPC.Stop()
	}
	// A stop that came before Serve began (SIGTERM right after the
	// "loand serving" line) makes Serve close the listener and return
	// ErrServerStopped: a clean stop too.
	if err := <-served; err != nil && !errors.Is(err, net.ErrClosed) && !errors.Is(err, grpc.ErrServerStopped) {
		return err
	}
	log.Info("loand stopped")
	return nil
}
