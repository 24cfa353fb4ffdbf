package grpcapi

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/money"
)

// The most bytes a string field of a request may hold, by what it holds.
// Each is documented on the fields in proto/loancore/v1, and a request
// over any of them is refused before anything parses it: a bound that
// only the parser of a field knows is a bound some new field forgets.
const (
	// MaxIDBytes bounds ids: request, loan, borrower and agreement ids,
	// which must also match validID's rule.
	MaxIDBytes = 64
	// MaxTextBytes bounds free text kept in a loan's log: reasons and who
	// signed. Every reason is stored and read back with the loan's log,
	// so its size is paid on every read of that loan.
	MaxTextBytes = 500
	// MaxDecimalBytes bounds amounts and rates: money's own limit.
	MaxDecimalBytes = money.MaxDecimalLength
	// MaxCurrencyBytes bounds an ISO 4217 code.
	MaxCurrencyBytes = 3
	// MaxDateBytes bounds a YYYY-MM-DD date.
	MaxDateBytes = 10
	// MaxTimestampBytes bounds an RFC 3339 timestamp with nanoseconds and
	// an offset (35 bytes).
	MaxTimestampBytes = 40
	// MaxPageTokenBytes bounds a page token; the longest the server issues
	// (a due notice of a loan with a 64-byte id) has 176.
	MaxPageTokenBytes = 256
	// DefaultMaxBytes bounds a string field named in no list below, such
	// as those of the health and reflection services: the largest of the
	// bounds, so that no string field is unbounded.
	DefaultMaxBytes = MaxTextBytes
)

// fieldMaxBytes is the bound of each string field of loancore.v1's
// requests, by field name: a name means the same thing in every message.
// TestEveryRequestStringIsBounded fails when a request has a string field
// not named here.
var fieldMaxBytes = map[protoreflect.Name]int{
	"request_id": MaxIDBytes, "loan_id": MaxIDBytes, "borrower_id": MaxIDBytes, "agreement_id": MaxIDBytes, "action_id": MaxIDBytes,
	"loan_ids": MaxIDBytes, "credit_line_id": MaxIDBytes, "credit_line_ids": MaxIDBytes,
	"reason": MaxTextBytes, "signed_by": MaxTextBytes,
	"principal": MaxDecimalBytes, "annual_rate_percent": MaxDecimalBytes, "markup_percent": MaxDecimalBytes,
	"daily_rate_percent": MaxDecimalBytes, "monthly_rate_percent": MaxDecimalBytes, "annual_rate_equivalent_percent": MaxDecimalBytes,
	"installment_amount": MaxDecimalBytes, "approved_amount": MaxDecimalBytes,
	"cap_annual_percent": MaxDecimalBytes, "upfront_fee": MaxDecimalBytes, "installment_multiple": MaxDecimalBytes,
	"amount": MaxDecimalBytes, "percent": MaxDecimalBytes, "cap": MaxDecimalBytes, "amount_advanced": MaxDecimalBytes, "limit": MaxDecimalBytes,
	"penalty": MaxDecimalBytes, "compound": MaxDecimalBytes, "interest": MaxDecimalBytes, "fees": MaxDecimalBytes,
	"currency":          MaxCurrencyBytes,
	"disbursement_date": MaxDateBytes, "first_due_date": MaxDateBytes, "as_of": MaxDateBytes, "value_date": MaxDateBytes,
	"payoff_date": MaxDateBytes, "effective_date": MaxDateBytes, "expires_on": MaxDateBytes, "business_date": MaxDateBytes,
	"from_date": MaxDateBytes, "to_date": MaxDateBytes, "advance_date": MaxDateBytes, "date": MaxDateBytes,
	"known_at":   MaxTimestampBytes,
	"page_token": MaxPageTokenBytes,
}

// maxBytes is the bound of a string field.
func maxBytes(fd protoreflect.FieldDescriptor) int {
	if n, ok := fieldMaxBytes[fd.Name()]; ok {
		return n
	}
	return DefaultMaxBytes
}

// maxBoundViolations is how many violations a request gets back at most:
// a request with a million bad list entries gets ten, not a million.
const maxBoundViolations = 10

// boundsUnary refuses a request with a string field over its bound, with
// a NUL byte or not valid UTF-8, before its handler sees it. It sits
// inside statusUnary, which turns the violations into INVALID_ARGUMENT.
func boundsUnary(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	if err := checkBounds(req); err != nil {
		return nil, err
	}
	return handler(ctx, req)
}

// boundsStream is boundsUnary for streaming calls: it checks every
// message the handler receives.
func boundsStream(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	return handler(srv, boundedStream{ss})
}

// boundedStream checks each message received on a stream.
type boundedStream struct{ grpc.ServerStream }

// RecvMsg receives a message and refuses it if a string field is out of
// bounds; the handler returns the error, and statusStream maps it.
func (s boundedStream) RecvMsg(m any) error {
	if err := s.ServerStream.RecvMsg(m); err != nil {
		return err
	}
	return checkBounds(m)
}

// checkBounds returns an *engine.InvalidError naming every string field
// of the message (nested messages and lists included) that is over its
// bound, holds a NUL byte or is not valid UTF-8; nil if there is none.
func checkBounds(m any) error {
	pm, ok := m.(proto.Message)
	if !ok {
		return nil
	}
	// The violations are passed along and returned rather than added to
	// an InvalidError through a pointer, which would put it on the heap
	// on every call.
	if vs := walkStrings(nil, "", pm.ProtoReflect()); len(vs) > 0 {
		return &engine.InvalidError{Violations: vs}
	}
	return nil
}

// walkStrings appends to vs the violations of the set string fields of m,
// with field paths under prefix, in field order so that a request always
// gets the same list.
func walkStrings(vs []engine.FieldViolation, prefix string, m protoreflect.Message) []engine.FieldViolation {
	fields := m.Descriptor().Fields()
	for i := range fields.Len() {
		fd := fields.Get(i)
		if len(vs) >= maxBoundViolations {
			break
		}
		if !m.Has(fd) {
			continue
		}
		path := prefix + string(fd.Name())
		v := m.Get(fd)
		switch {
		case fd.IsList():
			list := v.List()
			for j := range list.Len() {
				vs = checkValue(vs, fd, fmt.Sprintf("%s[%d]", path, j), list.Get(j))
			}
		case fd.IsMap():
			vs = checkMap(vs, fd, path, v.Map())
		default:
			vs = checkValue(vs, fd, path, v)
		}
	}
	return vs
}

// checkMap appends the violations of a map's keys and values, each named
// by its key.
func checkMap(vs []engine.FieldViolation, fd protoreflect.FieldDescriptor, path string, mp protoreflect.Map) []engine.FieldViolation {
	mp.Range(func(k protoreflect.MapKey, v protoreflect.Value) bool {
		entry := fmt.Sprintf("%s[%s]", path, money.QuoteInput(k.String()))
		vs = checkValue(vs, fd.MapKey(), entry, k.Value())
		vs = checkValue(vs, fd.MapValue(), entry, v)
		return len(vs) < maxBoundViolations
	})
	return vs
}

// checkValue appends the violations of one value of a field: a string, or
// a message to walk.
func checkValue(vs []engine.FieldViolation, fd protoreflect.FieldDescriptor, path string, v protoreflect.Value) []engine.FieldViolation {
	if len(vs) >= maxBoundViolations {
		return vs
	}
	switch fd.Kind() {
	case protoreflect.MessageKind, protoreflect.GroupKind:
		return walkStrings(vs, path+".", v.Message())
	case protoreflect.StringKind:
		if problem := stringProblem(v.String(), maxBytes(fd)); problem != "" {
			return append(vs, engine.FieldViolation{Field: path, Description: problem})
		}
	case protoreflect.BytesKind:
		// Bytes are no text to parse or store as such: only a field named
		// in fieldMaxBytes is bounded here (every loancore.v1 one must be;
		// TestEveryRequestStringIsBounded), others by the transport's
		// message size.
		if limit, ok := fieldMaxBytes[fd.Name()]; ok && len(v.Bytes()) > limit {
			return append(vs, engine.FieldViolation{Field: path, Description: fmt.Sprintf("at most %d bytes (got %d)", limit, len(v.Bytes()))})
		}
	}
	return vs
}

// stringProblem says what is wrong with a string field's value, without
// quoting it: "" if nothing.
func stringProblem(s string, limit int) string {
	switch {
	case s == invalidUTF8:
		return "must be valid UTF-8"
	case len(s) > limit:
		return fmt.Sprintf("at most %d bytes (got %d)", limit, len(s))
	case strings.IndexByte(s, 0) >= 0:
		// PostgreSQL refuses NUL in text (SQLSTATE 22021) and SQLite
		// would keep it: neither is what the caller meant.
		return "must not contain NUL bytes"
	case !utf8.ValidString(s):
		return "must be valid UTF-8"
	}
	return ""
}
