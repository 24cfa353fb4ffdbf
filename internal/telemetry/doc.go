// Package telemetry is what loand tells its operators beyond the logs:
// Prometheus metrics (the gRPC server's under go-grpc-middleware's
// standard grpc_server_* names, and the domain's under loancore_) served
// on their own HTTP listener, and OpenTelemetry traces exported over OTLP
// when the standard OTEL_* environment variables ask for them, with the
// trace id in every log line of a traced call.
//
// The use cases know nothing of it: servicing reports what it did through
// servicing.Observer, which Metrics implements, and the stores are timed
// by a wrapper (Metrics.Store). cmd/loand wires it all; grpcapi only takes
// the interceptors and the stats handler it is given.
package telemetry
