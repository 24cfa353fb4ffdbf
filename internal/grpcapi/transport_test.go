package grpcapi_test

import (
	"context"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
	"github.com/loancore/loancore/internal/grpcapi"
)

// TestDefaultDeadline checks what deadline a handler sees: the server's
// default when the client set none, the client's own when it did, longer
// or shorter, and none on a stream.
func TestDefaultDeadline(t *testing.T) {
	addr, _ := serveProbe(t, grpcapi.Options{})
	conn := dial(t, addr, nil)
	deadline := func(ctx context.Context) (time.Time, time.Time, time.Time) {
		t.Helper()
		var got wrapperspb.StringValue
		before := time.Now()
		if err := callProbe(ctx, conn, "Deadline", &emptypb.Empty{}, &got); err != nil {
			t.Fatal(err)
		}
		after := time.Now()
		d, err := time.Parse(time.RFC3339Nano, got.GetValue())
		if err != nil {
			t.Fatalf("the handler saw deadline %q", got.GetValue())
		}
		return before, d, after
	}
	def := grpcapi.DefaultLimits.DefaultDeadline
	if before, d, after := deadline(context.Background()); d.Before(before.Add(def)) || d.After(after.Add(def)) {
		t.Errorf("a call without a deadline got %v, want %v after it started", d.Sub(before), def)
	}
	long, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	if before, d, _ := deadline(long); d.Before(before.Add(time.Hour - time.Minute)) {
		t.Errorf("a call with an hour's deadline got %v", d.Sub(before))
	}
	short, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, d, after := deadline(short); d.After(after.Add(5 * time.Second)) {
		t.Errorf("a call with a deadline of 5s got one %v after it ended", d.Sub(after))
	}
	stream, err := conn.NewStream(context.Background(), &grpc.StreamDesc{ServerStreams: true}, "/"+probeService+"/StreamDeadline")
	if err != nil {
		t.Fatal(err)
	}
	var got wrapperspb.StringValue
	if err := stream.SendMsg(&emptypb.Empty{}); err != nil {
		t.Fatal(err)
	}
	if err := stream.RecvMsg(&got); err != nil || got.GetValue() != "none" {
		t.Errorf("a stream without a deadline saw %q, %v; want none", got.GetValue(), err)
	}
}

// sized returns a BytesValue whose encoding is exactly n bytes.
func sized(t *testing.T, n int) *wrapperspb.BytesValue {
	for b := n - 8; b <= n; b++ {
		if m := wrapperspb.Bytes(make([]byte, b)); proto.Size(m) == n {
			return m
		}
	}
	t.Fatalf("no BytesValue encodes to %d bytes", n)
	return nil
}

// TestMaxRecvMsgSize sends requests of exactly the limit and one byte
// more, under the default limit and a 1 KiB one: the first is served, the
// second refused with RESOURCE_EXHAUSTED, and the connection serves the
// next call.
func TestMaxRecvMsgSize(t *testing.T) {
	if limit := grpcapi.DefaultLimits.MaxRecvMsgSize; limit != 4<<20 {
		t.Errorf("the default request limit is %d, want 4 MiB", limit)
	}
	for _, limits := range []grpcapi.Limits{{}, {MaxRecvMsgSize: 1 << 10}} {
		addr, _ := serveProbe(t, grpcapi.Options{Limits: limits})
		conn := dial(t, addr, nil)
		limit := limits.WithDefaults().MaxRecvMsgSize
		var n wrapperspb.Int64Value
		for i, size := range []int{limit, limit + 1, limit} {
			err := callProbe(ctx(t), conn, "Size", sized(t, size), &n)
			if want := map[bool]codes.Code{true: codes.ResourceExhausted, false: codes.OK}[size > limit]; status.Code(err) != want {
				t.Errorf("limit %d, call %d, a request of %d bytes: %v, want %v", limit, i+1, size, err, want)
			}
		}
	}
}

// TestMaxSendMsgSize asks for answers of exactly the limit and one byte
// more: the first is sent, the second fails cleanly with
// RESOURCE_EXHAUSTED, and the connection serves the next call.
func TestMaxSendMsgSize(t *testing.T) {
	addr, _ := serveProbe(t, grpcapi.Options{})
	conn := dial(t, addr, nil, grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(64<<20)))
	limit := grpcapi.DefaultLimits.MaxSendMsgSize
	if limit != 16<<20 {
		t.Errorf("the default answer limit is %d, want 16 MiB", limit)
	}
	payload := int64(len(sized(t, limit).GetValue()))
	for i, n := range []int64{payload, payload + 1, payload} {
		var got wrapperspb.BytesValue
		err := callProbe(ctx(t), conn, "Answer", wrapperspb.Int64(n), &got)
		if want := map[bool]codes.Code{true: codes.ResourceExhausted, false: codes.OK}[n > payload]; status.Code(err) != want {
			t.Errorf("call %d, an answer of %d bytes: %v, want %v", i+1, n+5, err, want)
		}
	}
}

// TestMaxSendMsgSizeOfAnRPC checks that loancore's own calls are bound
// too: under a 64 KiB limit a 1,200-installment schedule is refused, and a
// 12-installment one goes out on the same connection.
func TestMaxSendMsgSizeOfAnRPC(t *testing.T) {
	addr, _ := serveProbe(t, grpcapi.Options{Limits: grpcapi.Limits{MaxSendMsgSize: 64 << 10}})
	client := loancorev1.NewScheduleServiceClient(dial(t, addr, nil))
	terms := mortgage()
	terms.InstallmentCount = 1200
	if _, err := client.QuoteSchedule(ctx(t), &loancorev1.QuoteScheduleRequest{Terms: terms}); status.Code(err) != codes.ResourceExhausted {
		t.Errorf("a 1,200-installment schedule over a 64 KiB limit: %v, want RESOURCE_EXHAUSTED", err)
	}
	terms.InstallmentCount = 12
	if _, err := client.QuoteSchedule(ctx(t), &loancorev1.QuoteScheduleRequest{Terms: terms}); err != nil {
		t.Errorf("a 12-installment schedule after it: %v", err)
	}
}

// TestMaxConcurrentStreams opens streams on one connection the way a
// client that ignores the server's settings would: the server advertises
// the limit, keeps that many open, and refuses the next.
func TestMaxConcurrentStreams(t *testing.T) {
	addr, _ := serveProbe(t, grpcapi.Options{})
	h := dialH2(t, addr)
	limit := grpcapi.DefaultLimits.MaxConcurrentStreams
	if limit != 256 || h.settings[http2.SettingMaxConcurrentStreams] != limit {
		t.Errorf("limit %d, advertised %d; want 256 both", limit, h.settings[http2.SettingMaxConcurrentStreams])
	}
	const method = "/grpc.health.v1.Health/Check"
	for i := range limit + 1 {
		h.open(2*i+1, method) // client streams have odd ids
	}
	extra := 2*limit + 1
	for {
		if rst, ok := h.next().(*http2.RSTStreamFrame); ok {
			if rst.StreamID != extra || rst.ErrCode != http2.ErrCodeRefusedStream {
				t.Errorf("RST_STREAM %v for stream %d; want REFUSED_STREAM for stream %d, the one over the limit", rst.ErrCode, rst.StreamID, extra)
			}
			break
		}
	}
	// The streams under the limit are still served.
	conn := dial(t, addr, nil)
	if _, err := healthpb.NewHealthClient(conn).Check(ctx(t), &healthpb.HealthCheckRequest{}); err != nil {
		t.Errorf("a new connection: %v", err)
	}
}

// TestKeepaliveEnforcement checks the ping policy under a KeepaliveMinTime
// of 1ms: pings further apart than that are answered while a call is
// open, and the same pings without a call open get the connection closed
// (GOAWAY ENHANCE_YOUR_CALM, too_many_pings).
func TestKeepaliveEnforcement(t *testing.T) {
	addr, _ := serveProbe(t, grpcapi.Options{Limits: grpcapi.Limits{KeepaliveMinTime: time.Millisecond}})
	busy := dialH2(t, addr)
	busy.open(1, "/grpc.health.v1.Health/Check")
	for i := range 6 {
		time.Sleep(10 * time.Millisecond) // more than KeepaliveMinTime apart
		if g := busy.pingUntilAcked([8]byte{byte(i)}); g != nil {
			t.Fatalf("ping %d with a call open: GOAWAY %v %q; want an ack", i+1, g.code, g.debug)
		}
	}
	idle := dialH2(t, addr)
	// The first ping costs nothing; each of the next three is a strike,
	// and the third strike closes the connection.
	for i := range 4 {
		time.Sleep(10 * time.Millisecond)
		if g := idle.pingUntilAcked([8]byte{byte(i)}); g != nil {
			t.Fatalf("ping %d without a call open: GOAWAY %v %q before its ack; want it after the fourth", i+1, g.code, g.debug)
		}
	}
	if g := idle.waitGoAway(); g.code != http2.ErrCodeEnhanceYourCalm || g.debug != "too_many_pings" {
		t.Errorf("GOAWAY %v %q; want ENHANCE_YOUR_CALM too_many_pings", g.code, g.debug)
	}
}

// TestServerKeepalive checks what the server does to connections that go
// quiet: an idle one is sent GOAWAY after MaxConnectionIdle; a silent one
// with a call open is pinged after KeepaliveTime and closed when the
// ping is not answered within KeepaliveTimeout.
func TestServerKeepalive(t *testing.T) {
	addr, _ := serveProbe(t, grpcapi.Options{Limits: grpcapi.Limits{MaxConnectionIdle: 100 * time.Millisecond}})
	if g := dialH2(t, addr).waitGoAway(); g.code != http2.ErrCodeNo || g.debug != "max_idle" {
		t.Errorf("an idle connection got GOAWAY %v %q; want NO_ERROR max_idle", g.code, g.debug)
	}

	addr, _ = serveProbe(t, grpcapi.Options{Limits: grpcapi.Limits{KeepaliveTime: time.Second, KeepaliveTimeout: 100 * time.Millisecond}})
	h := dialH2(t, addr)
	h.open(1, "/grpc.health.v1.Health/Check")
	pinged := false
	for {
		f, err := h.fr.ReadFrame()
		if err != nil {
			if !closed(err) || !pinged {
				t.Errorf("the read ended with %v, pinged %v; want the server to ping, then close the connection", err, pinged)
			}
			return
		}
		if p, ok := f.(*http2.PingFrame); ok && !p.IsAck() {
			pinged = true // and not answered
		}
	}
}
