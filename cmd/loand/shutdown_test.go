package main

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/loancore/loancore/internal/grpcapi"
)

// TestShutdownBeforeServeBegins: a SIGTERM that arrives before the
// serving goroutine has called Serve (a test or an orchestrator stopping
// loand right after its "loand serving" line) is a clean stop, exit 0.
// Serve then finds the server stopped, closes the listener and returns
// grpc.ErrServerStopped, which loand took for a failure
// (TestPlaintextRule failed on it now and then).
func TestShutdownBeforeServeBegins(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	discard := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := grpcapi.NewServer(grpcapi.Options{Dev: true, Logger: discard})
	// The order the race gives: the stop first, then Serve.
	srv.GRPC.GracefulStop()
	served := make(chan error, 1)
	served <- srv.GRPC.Serve(lis)
	if err := shutdown(srv, served, time.Second, discard); err != nil {
		t.Fatalf("shutdown before Serve began: %v; want a clean stop", err)
	}
	// Closed, Accept fails at once with net.ErrClosed; open, the
	// deadline ends the wait with a timeout instead.
	_ = lis.(*net.TCPListener).SetDeadline(time.Now().Add(time.Second))
	if _, err := lis.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Accept after the stop: %v; want the listener closed", err)
	}
}
