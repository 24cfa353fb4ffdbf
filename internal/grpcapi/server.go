package grpcapi

import (
	"context"
	"crypto/tls"
	"log/slog"
	"runtime/debug"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"
	"google.golang.org/grpc/status"

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
	"github.com/loancore/loancore/internal/auth"
	"github.com/loancore/loancore/internal/servicing"
)

// Options configure a Server.
type Options struct {
	// Logger receives one line per call and every internal error.
	Logger *slog.Logger
	// Loans serves loancore.v1.LoanService; without it the service is not
	// registered.
	Loans *servicing.Loans
	// Close serves loancore.v1.CloseOfBusinessService; without it the
	// service is not registered.
	Close *servicing.Close
	// Feed serves loancore.v1.EventFeedService; without it the service is
	// not registered.
	Feed *servicing.Feed
	// CreditLines serves loancore.v1.CreditLineService; without it the
	// service is not registered.
	CreditLines *servicing.CreditLines
	// TLS, when not nil, is the server's TLS configuration (with
	// GetConfigForClient, say, for certificates reloaded while serving);
	// nil serves plaintext. A client certificate it verifies reaches
	// handlers in the peer's credentials.TLSInfo.
	TLS *tls.Config
	// Limits bound each client; zero fields take DefaultLimits'.
	Limits Limits
	// APRPolicy flags or refuses QuoteSchedule's quotes above a maximum
	// APR; the zero value has none.
	APRPolicy servicing.APRPolicy

	// Authenticator proves who every call is from (health checks
	// excepted). Without it, and without Dev, every call is refused
	// UNAUTHENTICATED: a server is never open by accident.
	Authenticator *auth.Authenticator
	// Policy decides what each role may call; nil is the built-in
	// default policy.
	Policy *auth.Policy
	// Dev serves without authentication: every caller is subject "dev"
	// with every role of the policy. loand sets it only when it listens
	// on loopback with no authentication configured.
	Dev bool
	// Audit receives one line per call (health checks excepted); nil is
	// Logger.
	Audit *slog.Logger
	// ServerOptions are added to the server's own, such as grpc.Creds
	// for TLS: under mutual TLS the verified client certificate is an
	// identity.
	ServerOptions []grpc.ServerOption
}

// Server is a gRPC server with every loancore service, the standard health
// service and server reflection registered.
type Server struct {
	GRPC   *grpc.Server
	Health *health.Server
	// endStreams ends the calls that would otherwise never end (event
	// feed subscriptions); EndStreams calls it.
	endStreams context.CancelFunc
}

// EndStreams ends every event feed subscription with UNAVAILABLE, so that
// a graceful stop need not wait for them: call it before GracefulStop.
// Subscribers resume from their last position on another server or after
// the restart.
func (s *Server) EndStreams() { s.endStreams() }

// errShuttingDown ends a subscription when the server stops.
var errShuttingDown = status.Error(codes.Unavailable, "server shutting down: resume after the last checkpoint_position")

// NewServer builds a Server. Reflection and health are always on so that
// operators can use grpcurl without proto files.
func NewServer(opts Options) *Server {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	// Authentication comes right after panic recovery, before anything
	// else sees the call; logging and status mapping see only admitted
	// calls (the gate logs its refusals itself). The bounds on request
	// strings come last, next to the handler: they refuse with a status
	// of their own.
	g := newGate(opts, log)
	serverOpts := append(append(TransportOptions(opts.Limits), opts.ServerOptions...),
		grpc.ChainUnaryInterceptor(recoverUnary(log), g.unary(), logUnary(log), statusUnary(log), boundsUnary),
		grpc.ChainStreamInterceptor(recoverStream(log), g.stream(), statusStream(log), boundsStream),
		codecOption())
	if opts.TLS != nil {
		// credentials.NewTLS adds what gRPC needs to the configuration
		// (h2 in ALPN, TLS 1.2 at least, HTTP/2's cipher suites).
		serverOpts = append(serverOpts, grpc.Creds(credentials.NewTLS(opts.TLS)))
	}
	gs := grpc.NewServer(serverOpts...)
	loancorev1.RegisterScheduleServiceServer(gs, &scheduleService{apr: opts.APRPolicy})
	if opts.Loans != nil {
		fe := fourEyes{policy: g.policy, dev: opts.Dev}
		loancorev1.RegisterLoanServiceServer(gs, &loanService{loans: opts.Loans, fourEyes: fe})
		loancorev1.RegisterRestructuringServiceServer(gs, &restructuringService{loans: opts.Loans, fourEyes: fe})
		loancorev1.RegisterApprovalServiceServer(gs, &approvalService{loans: opts.Loans, fourEyes: fe})
	}
	if opts.CreditLines != nil {
		loancorev1.RegisterCreditLineServiceServer(gs, &creditLineService{lines: opts.CreditLines})
	}
	if opts.Close != nil {
		loancorev1.RegisterCloseOfBusinessServiceServer(gs, &closeService{close: opts.Close})
	}
	stopping, endStreams := context.WithCancel(context.Background())
	if opts.Feed != nil {
		loancorev1.RegisterEventFeedServiceServer(gs, &feedService{feed: opts.Feed, stopping: stopping})
	}

	hs := health.NewServer()
	healthpb.RegisterHealthServer(gs, hs)
	hs.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	for name := range gs.GetServiceInfo() {
		hs.SetServingStatus(name, healthpb.HealthCheckResponse_SERVING)
	}
	reflection.Register(gs)
	return &Server{GRPC: gs, Health: hs, endStreams: endStreams}
}

// slowCall is how long a call may take before it is logged as slow.
const slowCall = time.Second

// logUnary logs calls with their method, code and duration: successful
// ones at DEBUG (a line per call costs a busy server a tenth of its CPU),
// slow ones at WARN, refused ones at INFO and internal errors at ERROR.
func logUnary(log *slog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		start := time.Now()
		resp, err := handler(ctx, req)
		logCall(ctx, log, info.FullMethod, status.Code(err), time.Since(start))
		return resp, err
	}
}

// logCall writes a unary call's line at the level its outcome deserves.
func logCall(ctx context.Context, log *slog.Logger, method string, code codes.Code, elapsed time.Duration) {
	level := slog.LevelDebug
	switch {
	case code == codes.Internal || code == codes.Unknown:
		level = slog.LevelError
	case elapsed > slowCall:
		level = slog.LevelWarn
	case code != codes.OK:
		level = slog.LevelInfo
	}
	if log.Enabled(ctx, level) {
		log.Log(ctx, level, "rpc", "method", method, "code", code.String(), "duration", elapsed)
	}
}

// recoverStream is recoverUnary for streaming calls.
func recoverStream(log *slog.Logger) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) (err error) {
		defer func() {
			if r := recover(); r != nil {
				id := errorID()
				log.ErrorContext(ss.Context(), "panic", "method", info.FullMethod, "error_id", id, "panic", r, "stack", string(debug.Stack()))
				err = status.Errorf(codes.Internal, "internal error (error id %s)", id)
			}
		}()
		err = handler(srv, ss)
		if code := status.Code(err); code != codes.OK {
			log.Log(ss.Context(), slog.LevelInfo, "rpc", "method", info.FullMethod, "code", code.String())
		}
		return err
	}
}

// recoverUnary turns a panic into INTERNAL with a logged error id, so one bad
// request never takes the server down.
func recoverUnary(log *slog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
		defer func() {
			if r := recover(); r != nil {
				id := errorID()
				log.ErrorContext(ctx, "panic", "method", info.FullMethod, "error_id", id, "panic", r, "stack", string(debug.Stack()))
				resp, err = nil, status.Errorf(codes.Internal, "internal error (error id %s)", id)
			}
		}()
		return handler(ctx, req)
	}
}
