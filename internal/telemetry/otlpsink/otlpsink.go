// Package otlpsink is an OTLP trace receiver over gRPC, the collector's
// side of the protocol from go.opentelemetry.io/proto/otlp: loand's
// tracing tests export to it and read what arrived, and the overhead
// benchmark (bench/otlpsink) runs it to count spans and keep none, so
// that the exporter does all its work against a real receiver.
package otlpsink

import (
	"context"
	"net"
	"sync"
	"sync/atomic"

	collectortracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/grpc"
)

// Sink receives spans on a loopback gRPC listener.
type Sink struct {
	collectortracepb.UnimplementedTraceServiceServer
	srv  *grpc.Server
	lis  net.Listener
	keep bool

	mu    sync.Mutex
	spans []*tracepb.ResourceSpans
	count atomic.Int64
}

// Start listens on addr ("127.0.0.1:0" for any free port) and serves
// until Stop. keep says whether to keep what arrives, for Spans, or only
// count it.
func Start(addr string, keep bool) (*Sink, error) {
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := &Sink{srv: grpc.NewServer(), lis: lis, keep: keep}
	collectortracepb.RegisterTraceServiceServer(s.srv, s)
	go func() { _ = s.srv.Serve(lis) }()
	return s, nil
}

// Addr is the address the sink listens on.
func (s *Sink) Addr() string { return s.lis.Addr().String() }

// Stop stops the sink.
func (s *Sink) Stop() { s.srv.Stop() }

// Export implements the OTLP trace service: it accepts every span.
func (s *Sink) Export(_ context.Context, req *collectortracepb.ExportTraceServiceRequest) (*collectortracepb.ExportTraceServiceResponse, error) {
	n := 0
	for _, rs := range req.GetResourceSpans() {
		for _, ss := range rs.GetScopeSpans() {
			n += len(ss.GetSpans())
		}
	}
	s.count.Add(int64(n))
	if s.keep {
		s.mu.Lock()
		s.spans = append(s.spans, req.GetResourceSpans()...)
		s.mu.Unlock()
	}
	return &collectortracepb.ExportTraceServiceResponse{}, nil
}

// Count is how many spans have arrived.
func (s *Sink) Count() int64 { return s.count.Load() }

// Spans is what has arrived so far, when the sink keeps it.
func (s *Sink) Spans() []*tracepb.ResourceSpans {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*tracepb.ResourceSpans(nil), s.spans...)
}
