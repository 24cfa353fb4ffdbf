package grpcapi_test

import (
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/peer"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/loancore/loancore/internal/grpcapi"
)

// probeService is a service the transport tests register beside
// loancore's on a real server, behind the same transport options and
// interceptors, to see what a handler sees (its deadline, its peer) and
// to ask for answers of a chosen size.
const probeService = "loancore.test.Probe"

// probe implements probeService.
type probe struct {
	// entered receives when Block starts; Block returns when release is
	// closed.
	entered, release chan struct{}
}

// desc describes probeService for grpc.Server.RegisterService.
func (p *probe) desc() *grpc.ServiceDesc {
	return &grpc.ServiceDesc{
		ServiceName: probeService,
		HandlerType: (*any)(nil),
		Methods: []grpc.MethodDesc{
			probeMethod("Deadline", func() proto.Message { return &emptypb.Empty{} }, p.deadline),
			probeMethod("Size", func() proto.Message { return &wrapperspb.BytesValue{} }, p.size),
			probeMethod("Answer", func() proto.Message { return &wrapperspb.Int64Value{} }, p.answer),
			probeMethod("Peer", func() proto.Message { return &emptypb.Empty{} }, p.peer),
			probeMethod("Block", func() proto.Message { return &emptypb.Empty{} }, p.block),
		},
		Streams: []grpc.StreamDesc{{StreamName: "StreamDeadline", ServerStreams: true, Handler: p.streamDeadline}},
	}
}

// probeMethod is a unary method of probeService that decodes its request
// into newIn() and runs handle through the server's interceptors.
func probeMethod(name string, newIn func() proto.Message, handle grpc.UnaryHandler) grpc.MethodDesc {
	return grpc.MethodDesc{MethodName: name,
		Handler: func(srv any, ctx context.Context, dec func(any) error, ic grpc.UnaryServerInterceptor) (any, error) {
			in := newIn()
			if err := dec(in); err != nil {
				return nil, err
			}
			if ic == nil {
				return handle(ctx, in)
			}
			return ic(ctx, in, &grpc.UnaryServerInfo{Server: srv, FullMethod: "/" + probeService + "/" + name}, handle)
		}}
}

// deadline answers the call's deadline (RFC 3339), or "none".
func (p *probe) deadline(ctx context.Context, _ any) (any, error) {
	return wrapperspb.String(deadlineOf(ctx)), nil
}

// deadlineOf is ctx's deadline as deadline answers it.
func deadlineOf(ctx context.Context) string {
	if d, ok := ctx.Deadline(); ok {
		return d.Format(time.RFC3339Nano)
	}
	return "none"
}

// size answers how many bytes the request carried.
func (p *probe) size(_ context.Context, in any) (any, error) {
	return wrapperspb.Int64(int64(len(in.(*wrapperspb.BytesValue).GetValue()))), nil
}

// answer answers as many bytes as asked for.
func (p *probe) answer(_ context.Context, in any) (any, error) {
	return wrapperspb.Bytes(make([]byte, in.(*wrapperspb.Int64Value).GetValue())), nil
}

// peer answers the client's verified certificate chain as gRPC hands it
// to handlers: "leaf's common name, its URI SANs < root's common name",
// or "none" without one.
func (p *probe) peer(ctx context.Context, _ any) (any, error) {
	pr, ok := peer.FromContext(ctx)
	if !ok {
		return wrapperspb.String("no peer"), nil
	}
	info, ok := pr.AuthInfo.(credentials.TLSInfo)
	if !ok || len(info.State.VerifiedChains) == 0 {
		return wrapperspb.String("none"), nil
	}
	chain := info.State.VerifiedChains[0]
	var uris []string
	for _, u := range chain[0].URIs {
		uris = append(uris, u.String())
	}
	return wrapperspb.String(chain[0].Subject.CommonName + ", " + strings.Join(uris, " ") + " < " + chain[len(chain)-1].Subject.CommonName), nil
}

// block waits for release, so that a test has a call in flight.
func (p *probe) block(ctx context.Context, _ any) (any, error) {
	p.entered <- struct{}{}
	select {
	case <-p.release:
		return &emptypb.Empty{}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// streamDeadline sends the stream's deadline, as deadline answers it.
func (p *probe) streamDeadline(_ any, stream grpc.ServerStream) error {
	if err := stream.RecvMsg(&emptypb.Empty{}); err != nil {
		return err
	}
	return stream.SendMsg(wrapperspb.String(deadlineOf(stream.Context())))
}

// serveProbe serves loancore with opts on a real loopback port, with
// probeService registered beside it, until the test ends.
func serveProbe(t *testing.T, opts grpcapi.Options) (string, *probe) {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	srv := grpcapi.NewServer(opts)
	p := &probe{entered: make(chan struct{}, 1), release: make(chan struct{})}
	srv.GRPC.RegisterService(p.desc(), p)
	go func() { _ = srv.GRPC.Serve(lis) }()
	t.Cleanup(srv.GRPC.Stop)
	return lis.Addr().String(), p
}

// dial connects to addr over plaintext, or TLS with cfg if it is not nil.
func dial(t *testing.T, addr string, cfg *tls.Config, opts ...grpc.DialOption) *grpc.ClientConn {
	t.Helper()
	creds := insecure.NewCredentials()
	if cfg != nil {
		creds = credentials.NewTLS(cfg)
	}
	conn, err := grpc.NewClient(addr, append(opts, grpc.WithTransportCredentials(creds))...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// callProbe calls a unary method of probeService.
func callProbe(ctx context.Context, conn *grpc.ClientConn, method string, in, out proto.Message, opts ...grpc.CallOption) error {
	return conn.Invoke(ctx, "/"+probeService+"/"+method, in, out, opts...)
}
