package grpcapi

import (
	"unicode/utf8"

	"google.golang.org/grpc"
	"google.golang.org/grpc/encoding"
	protoenc "google.golang.org/grpc/encoding/proto"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// invalidUTF8 stands in for a string field that arrived as invalid UTF-8:
// boundsUnary and boundsStream refuse it, naming the field. It holds NUL
// bytes, so no string a client could mean passes for it: one that did
// would be refused for its NUL anyway.
const invalidUTF8 = "\x00invalid UTF-8\x00"

// requestCodec is gRPC's proto codec, except that a request whose string
// field is not valid UTF-8 is decoded with invalidUTF8 in that field
// instead of failing. gRPC reports any decoding failure as INTERNAL, before
// an interceptor runs; proto3 refuses invalid UTF-8 in strings, so without
// this a client's bad bytes would look like the server's fault, with no
// field named.
type requestCodec struct{ encoding.CodecV2 }

// codecOption serves requests with requestCodec.
func codecOption() grpc.ServerOption {
	return grpc.ForceServerCodecV2(requestCodec{encoding.GetCodecV2(protoenc.Name)})
}

// maxMarkDepth is how deep marking looks into nested messages: far deeper
// than any loancore request; a message nested deeper fails as it would
// have.
const maxMarkDepth = 32

// Unmarshal decodes as the proto codec does; if that fails, it decodes the
// request again with each invalid UTF-8 string replaced by invalidUTF8,
// and reports the first failure if that does not help.
func (c requestCodec) Unmarshal(data mem.BufferSlice, v any) error {
	err := c.CodecV2.Unmarshal(data, v)
	m, ok := v.(proto.Message)
	if err == nil || !ok {
		return err
	}
	marked, changed := markInvalidUTF8(data.Materialize(), m.ProtoReflect().Descriptor(), 0)
	if !changed || proto.Unmarshal(marked, m) != nil {
		return err
	}
	return nil
}

// markInvalidUTF8 returns the wire-format message b of type md with every
// string field that is not valid UTF-8, at any depth, replaced by
// invalidUTF8, and whether it replaced any. Malformed input is returned
// unchanged, to fail as it would have.
func markInvalidUTF8(b []byte, md protoreflect.MessageDescriptor, depth int) ([]byte, bool) {
	out := make([]byte, 0, len(b))
	changed := false
	for rest := b; len(rest) > 0; {
		num, typ, n := protowire.ConsumeTag(rest)
		if n < 0 {
			return b, false
		}
		m := protowire.ConsumeFieldValue(num, typ, rest[n:])
		if m < 0 {
			return b, false
		}
		field := rest[:n+m]
		rest = rest[n+m:]
		fd := md.Fields().ByNumber(num)
		if typ != protowire.BytesType || fd == nil {
			out = append(out, field...)
			continue
		}
		v, _ := protowire.ConsumeBytes(field[n:])
		switch {
		case fd.Kind() == protoreflect.StringKind && !utf8.Valid(v):
			v, changed = []byte(invalidUTF8), true
		case fd.Kind() == protoreflect.MessageKind && depth < maxMarkDepth:
			if inner, c := markInvalidUTF8(v, fd.Message(), depth+1); c {
				v, changed = inner, true
			}
		}
		out = protowire.AppendBytes(protowire.AppendTag(out, num, typ), v)
	}
	return out, changed
}
