package grpcapi

import (
	"context"
	"runtime"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/keepalive"
)

// Limits bound what one client can make the server hold or do. A zero
// field takes its default (DefaultLimits), so that a server is never
// built without one by leaving it out.
type Limits struct {
	// MaxRecvMsgSize is the largest request message, in bytes; a larger
	// one is refused with RESOURCE_EXHAUSTED before it is decoded.
	MaxRecvMsgSize int
	// MaxSendMsgSize is the largest answer, in bytes; a larger one fails
	// its call with RESOURCE_EXHAUSTED, and the connection goes on.
	MaxSendMsgSize int
	// MaxConcurrentStreams is the most calls one connection may have open
	// at once. gRPC clients queue calls beyond it; a client that ignores
	// it has the extra streams refused (REFUSED_STREAM).
	MaxConcurrentStreams uint32
	// KeepaliveMinTime is how often a client may ping while it has calls
	// open; a client that pings more often, or pings while it has none,
	// is sent GOAWAY (too_many_pings) and disconnected.
	KeepaliveMinTime time.Duration
	// KeepaliveTime is how long a connection may be silent before the
	// server pings it, and KeepaliveTimeout how long it then waits for the
	// answer before closing it: a client that vanished without closing
	// its connection does not hold it for ever.
	KeepaliveTime, KeepaliveTimeout time.Duration
	// MaxConnectionIdle is how long a connection may have no call open
	// before the server closes it (GOAWAY; a client reconnects when it
	// next calls).
	MaxConnectionIdle time.Duration
	// DefaultDeadline is the deadline of a unary call whose client set
	// none. Streaming calls get none: RunCloseOfBusiness runs as long as
	// its loans take.
	DefaultDeadline time.Duration
}

// DefaultLimits are the limits loand serves with unless told otherwise.
var DefaultLimits = Limits{}.WithDefaults()

// WithDefaults returns the limits with their zero fields set to the
// defaults:
//   - 4 MiB requests: gRPC's own default, made explicit; loancore's
//     largest legitimate request is a few kilobytes.
//   - 16 MiB answers: a 1,200-installment schedule, the longest there is,
//     is 79 KB, so this leaves room for pages of long reasons while
//     stopping the 120 MB answers gRPC sent when it had no limit.
//   - 256 streams per connection: well above what one client needs in
//     flight (the bench's busiest connection has 32), while each open
//     stream holds about 12 KB: 256 of them are 3 MB, not the 1.2 GB that
//     100,000 idle streams took.
//   - keepalive pings no more often than every 30 s, and only with calls
//     open; the server pings after 1 minute of silence and drops the
//     connection 20 s later without an answer; an idle connection is
//     closed after 5 minutes.
//   - 30 s for a unary call without a deadline.
func (l Limits) WithDefaults() Limits {
	set := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	if l.MaxRecvMsgSize == 0 {
		l.MaxRecvMsgSize = 4 << 20
	}
	if l.MaxSendMsgSize == 0 {
		l.MaxSendMsgSize = 16 << 20
	}
	if l.MaxConcurrentStreams == 0 {
		l.MaxConcurrentStreams = 256
	}
	set(&l.KeepaliveMinTime, 30*time.Second)
	set(&l.KeepaliveTime, time.Minute)
	set(&l.KeepaliveTimeout, 20*time.Second)
	set(&l.MaxConnectionIdle, 5*time.Minute)
	set(&l.DefaultDeadline, 30*time.Second)
	return l
}

// TransportOptions are the gRPC server options loand serves with under
// limits l (zero fields take their defaults), for a server that must pay
// the same transport costs (bench/floord): the limits, the default
// deadline's interceptor, and the tuning below.
func TransportOptions(l Limits) []grpc.ServerOption {
	l = l.WithDefaults()
	return []grpc.ServerOption{
		// Long-lived workers serve calls on stacks already grown to the
		// depth a call needs, instead of a new goroutine growing its stack
		// for every call; enough of them for the concurrent calls of a busy
		// server (a call beyond them gets a goroutine of its own).
		grpc.NumStreamWorkers(uint32(max(64, 4*runtime.GOMAXPROCS(0)))),
		// Fixed flow-control windows turn off gRPC's bandwidth-delay
		// probing, a PING round trip riding on data frames that small
		// unary calls pay for and never need.
		grpc.InitialWindowSize(1 << 20), grpc.InitialConnWindowSize(1 << 20),
		grpc.MaxRecvMsgSize(l.MaxRecvMsgSize), grpc.MaxSendMsgSize(l.MaxSendMsgSize),
		grpc.MaxConcurrentStreams(l.MaxConcurrentStreams),
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: l.KeepaliveMinTime, PermitWithoutStream: false}),
		grpc.KeepaliveParams(keepalive.ServerParameters{MaxConnectionIdle: l.MaxConnectionIdle,
			Time: l.KeepaliveTime, Timeout: l.KeepaliveTimeout}),
		// The outermost interceptor, so that everything a call does runs
		// under the deadline.
		grpc.ChainUnaryInterceptor(defaultDeadline(l.DefaultDeadline)),
	}
}

// defaultDeadline gives a unary call that came without a deadline one d
// away, so that a call stuck on a slow database or a lock does not hold
// its stream, goroutine and connection for ever because its client set no
// deadline. A client's own deadline, shorter or longer, is kept. The
// deadline sets a timer only when something waits for it (deadlineCtx).
func defaultDeadline(d time.Duration) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		if _, ok := ctx.Deadline(); ok {
			return handler(ctx, req)
		}
		lazy := withLazyDeadline(ctx, d)
		defer lazy.end()
		return handler(lazy, req)
	}
}
