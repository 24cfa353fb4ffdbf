package loancore

import (
	"context"
	"crypto/rand"
	"encoding/hex"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// NewRequestID returns a new random request id ("rq-" and 32 hex
// digits). A request id makes a call that changes something safe to
// send again: loand answers a repeat with the first answer and changes
// nothing more.
func NewRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand never fails on supported platforms
	return "rq-" + hex.EncodeToString(b[:])
}

// fillRequestID sets an empty request_id of a request to a new id, in the
// caller's message: sending the same message again is then a retry of
// the same request, which is what makes a retry safe.
func fillRequestID(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	fill(req)
	return invoker(ctx, method, req, reply, cc, opts...)
}

// fillRequestIDStream is fillRequestID for the streaming calls' request.
func fillRequestIDStream(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	s, err := streamer(ctx, desc, cc, method, opts...)
	if err != nil {
		return nil, err
	}
	return filledStream{s}, nil
}

// filledStream fills the request ids of the messages it sends.
type filledStream struct{ grpc.ClientStream }

func (s filledStream) SendMsg(m any) error {
	fill(m)
	return s.ClientStream.SendMsg(m)
}

// fill sets m's request_id, a string field, when it has one and it is
// empty.
func fill(m any) {
	pm, ok := m.(proto.Message)
	if !ok {
		return
	}
	r := pm.ProtoReflect()
	fd := r.Descriptor().Fields().ByName("request_id")
	if fd == nil || fd.Kind() != protoreflect.StringKind || r.Get(fd).String() != "" {
		return
	}
	r.Set(fd, protoreflect.ValueOfString(NewRequestID()))
}
