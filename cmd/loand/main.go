// Command loand is the loancore server: the loancore.v1 gRPC services with
// reflection and health checks, on --listen (default 127.0.0.1:50051).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/loancore/loancore/internal/grpcapi"
)

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "loand:", err)
		os.Exit(1)
	}
}

// envOr returns the environment variable's value, or def when it is unset.
func envOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

func run(args []string, stderr *os.File) error {
	fs := flag.NewFlagSet("loand", flag.ContinueOnError)
	listen := fs.String("listen", envOr("LOANCORE_LISTEN", "127.0.0.1:50051"), "address to serve gRPC on (env LOANCORE_LISTEN)")
	logFormat := fs.String("log-format", envOr("LOANCORE_LOG_FORMAT", "text"), "log format: text or json (env LOANCORE_LOG_FORMAT)")
	shutdownGrace := fs.Duration("shutdown-grace", 10*time.Second, "how long to let calls finish on SIGTERM before cutting them off")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var handler slog.Handler
	switch *logFormat {
	case "json":
		handler = slog.NewJSONHandler(stderr, nil)
	case "text":
		handler = slog.NewTextHandler(stderr, nil)
	default:
		return fmt.Errorf("--log-format: want text or json, got %q", *logFormat)
	}
	log := slog.New(handler)

	lis, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	srv := grpcapi.NewServer(grpcapi.Options{Logger: log})

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	served := make(chan error, 1)
	go func() { served <- srv.GRPC.Serve(lis) }()
	log.Info("loand serving", "listen", lis.Addr().String())

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
