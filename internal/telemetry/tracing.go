package telemetry

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/exaring/otelpgx"
	"github.com/jackc/pgx/v5"
	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/stats"
)

// Tracing is loand's OpenTelemetry tracing: spans for every gRPC call
// (otelgrpc's stats handler) and every PostgreSQL statement (otelpgx),
// exported over OTLP. A nil *Tracing is tracing off: its methods give
// nothing to install, so that loand pays nothing for it.
type Tracing struct {
	provider *sdktrace.TracerProvider
	// Exporter names how spans leave: "otlp/grpc" or "otlp/http".
	Exporter string
}

// TracingWanted reports whether the standard OTEL_* variables ask for
// traces: OTEL_TRACES_EXPORTER=otlp, or an OTLP endpoint set
// (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)
// with OTEL_TRACES_EXPORTER unset. OTEL_TRACES_EXPORTER=none and
// OTEL_SDK_DISABLED=true turn it off; any other exporter is an error
// (loand has only OTLP's).
func TracingWanted(getenv func(string) string) (bool, error) {
	if strings.EqualFold(getenv("OTEL_SDK_DISABLED"), "true") {
		return false, nil
	}
	switch exp := strings.TrimSpace(getenv("OTEL_TRACES_EXPORTER")); exp {
	case "otlp":
		return true, nil
	case "none":
		return false, nil
	case "":
		return getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != "", nil
	default:
		return false, fmt.Errorf("OTEL_TRACES_EXPORTER=%s: loand exports traces with otlp only (or none)", exp)
	}
}

// StartTracing starts exporting traces if the environment asks for them
// (TracingWanted), and returns nil if not. Everything else comes from the
// standard variables too, read by the OpenTelemetry SDK itself: the
// endpoint, headers, TLS and timeout of the exporter
// (OTEL_EXPORTER_OTLP_*), its protocol (OTEL_EXPORTER_OTLP_PROTOCOL or
// …_TRACES_PROTOCOL: grpc, or http/protobuf, the specification's
// default), the sampler (OTEL_TRACES_SAMPLER, _ARG), the batching
// (OTEL_BSP_*) and the resource (OTEL_SERVICE_NAME, default "loand";
// OTEL_RESOURCE_ATTRIBUTES). The W3C traceparent of a call is honoured,
// so a client's trace continues through loand.
func StartTracing(ctx context.Context, getenv func(string) string) (*Tracing, error) {
	if on, err := TracingWanted(getenv); err != nil || !on {
		return nil, err
	}
	exp, name, err := newExporter(ctx, getenv)
	if err != nil {
		return nil, err
	}
	res, err := resource.New(ctx, resource.WithAttributes(attribute.String("service.name", "loand")),
		resource.WithFromEnv(), resource.WithTelemetrySDK(), resource.WithProcessPID(), resource.WithHost())
	if err != nil && !errors.Is(err, resource.ErrPartialResource) {
		return nil, fmt.Errorf("tracing: resource: %w", err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	return &Tracing{provider: tp, Exporter: name}, nil
}

// newExporter builds the OTLP exporter of the protocol the environment
// names; the exporter reads its other settings from the environment.
func newExporter(ctx context.Context, getenv func(string) string) (*otlptrace.Exporter, string, error) {
	protocol := getenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
	if protocol == "" {
		protocol = getenv("OTEL_EXPORTER_OTLP_PROTOCOL")
	}
	var exp *otlptrace.Exporter
	var err error
	name := "otlp/http"
	switch protocol {
	case "grpc":
		name = "otlp/grpc"
		exp, err = otlptracegrpc.New(ctx)
	case "", "http/protobuf":
		exp, err = otlptracehttp.New(ctx)
	default:
		return nil, "", fmt.Errorf("OTEL_EXPORTER_OTLP_PROTOCOL=%s: want grpc or http/protobuf", protocol)
	}
	if err != nil {
		return nil, "", fmt.Errorf("tracing: %w", err)
	}
	return exp, name, nil
}

// ServerOptions install otelgrpc's stats handler, which starts a span for
// each call (continuing the caller's trace) before any interceptor runs,
// so that every log line of the call can carry its trace id. Health
// checks are left out: a balancer probing every second would bury the
// calls in spans.
func (t *Tracing) ServerOptions() []grpc.ServerOption {
	if t == nil {
		return nil
	}
	return []grpc.ServerOption{grpc.StatsHandler(otelgrpc.NewServerHandler(otelgrpc.WithTracerProvider(t.provider),
		otelgrpc.WithFilter(func(info *stats.RPCTagInfo) bool {
			return !strings.HasPrefix(info.FullMethodName, "/grpc.health.v1.Health/")
		})))}
}

// PgxTracer is the pgx tracer that adds a span per statement under the
// call's span; nil when tracing is off. The statement's SQL is recorded,
// never its arguments. Acquiring a connection from the pool gets no span
// of its own: it was a fifth of tracing's cost in loand's profile, and a
// wait for a connection shows anyway as the gap before the statement.
func (t *Tracing) PgxTracer() pgx.QueryTracer {
	if t == nil {
		return nil
	}
	return otelpgx.NewTracer(otelpgx.WithTracerProvider(t.provider), otelpgx.WithDisableAcquireTracer())
}

// Shutdown exports the spans still batched, within ctx's deadline.
func (t *Tracing) Shutdown(ctx context.Context) error {
	if t == nil {
		return nil
	}
	return t.provider.Shutdown(ctx)
}
