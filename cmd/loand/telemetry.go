package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"google.golang.org/grpc"

	"github.com/loancore/loancore/internal/grpcapi"
	"github.com/loancore/loancore/internal/servicing"
	"github.com/loancore/loancore/internal/telemetry"
)

// startTracing starts OpenTelemetry tracing when the standard OTEL_*
// variables of loand's environment ask for it, and logs that it did; nil
// is tracing off. The SDK reads the process's environment itself, so
// this does too.
func startTracing(log *slog.Logger) (*telemetry.Tracing, error) {
	tr, err := telemetry.StartTracing(context.Background(), os.Getenv)
	if err != nil {
		return nil, err
	}
	if tr != nil {
		log.Info("tracing on", "exporter", tr.Exporter, "endpoint", firstSet("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT"),
			"sampler", firstSet("OTEL_TRACES_SAMPLER"))
	}
	return tr, nil
}

// firstSet is the value of the first of names set in the environment,
// "default" if none is.
func firstSet(names ...string) string {
	for _, n := range names {
		if v := os.Getenv(n); v != "" {
			return v
		}
	}
	return "default"
}

// stopTracing exports the spans still batched, giving it five seconds.
func stopTracing(tr *telemetry.Tracing, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := tr.Shutdown(ctx); err != nil {
		log.Warn("tracing: spans not exported at shutdown", "error", err)
	}
}

// metricsListener listens on --metrics-listen; nil when it is off. An
// address that is not loopback is allowed, since Prometheus commonly
// scrapes over the pod network, but logged at warn: the metrics carry no
// secret and no id, but they tell anyone who can reach them the volumes
// and the error rates, so it should be reachable by the scraper only
// (a network policy or a firewall).
func metricsListener(addr string, log *slog.Logger) (net.Listener, error) {
	if addr == "" {
		return nil, nil
	}
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--metrics-listen: %w", err)
	}
	if loopbackOnly(addr) != nil {
		log.Warn("metrics served beyond loopback, without authentication: let only the scraper reach it", "metrics_listen", lis.Addr().String())
	}
	return lis, nil
}

// observability is what serve installs for metrics and traces: the
// observer of the use cases, the store's timing and the gRPC server's
// options; every part is a no-op when its feature is off.
type observability struct {
	metrics *telemetry.Metrics // nil when --metrics-listen is off
	tracing *telemetry.Tracing // nil when tracing is off
}

// observer is what the use cases report to; nil tells no one.
func (o observability) observer() servicing.Observer {
	if o.metrics == nil {
		return nil
	}
	return o.metrics
}

// serverOptions are the gRPC server options of both.
func (o observability) serverOptions() []grpc.ServerOption {
	opts := o.tracing.ServerOptions()
	if o.metrics != nil {
		opts = append(opts, o.metrics.GRPCServerOptions()...)
	}
	return opts
}

// serveMetrics serves /metrics on lis until loand exits, once srv's
// methods and the feed can be shown.
func (o observability) serveMetrics(lis net.Listener, srv *grpcapi.Server, feed *servicing.Feed, log *slog.Logger) {
	if o.metrics == nil {
		return
	}
	o.metrics.InitializeGRPC(srv.GRPC)
	o.metrics.WatchFeed(feed.Stats)
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", o.metrics.Handler())
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	log.Info("metrics serving", "metrics_listen", lis.Addr().String())
	go func() {
		if err := hs.Serve(lis); err != nil {
			log.Error("metrics", "error", err)
		}
	}()
}
