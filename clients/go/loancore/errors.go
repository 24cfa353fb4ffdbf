package loancore

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Error is a refusal from loand with its details read.
type Error struct {
	// Code is the gRPC status code: INVALID_ARGUMENT for a request that
	// is wrong whatever the loan's state, FAILED_PRECONDITION for one the
	// loan's state refuses, and so on (see the proto's service comments).
	Code codes.Code
	// Message is loand's message.
	Message string
	// Fields are google.rpc.BadRequest's field violations: field path →
	// what is wrong with it.
	Fields map[string]string
	// Reason is google.rpc.PreconditionFailure's violation type, one of
	// the reasons each service documents (PAYMENT_EXCEEDS_PAYOFF …);
	// empty for other refusals.
	Reason string
}

// Error names the code, and the fields or the reason.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "loancore: %s: %s", e.Code, e.Message)
	if e.Reason != "" {
		fmt.Fprintf(&b, " (%s)", e.Reason)
	}
	if len(e.Fields) > 0 {
		names := make([]string, 0, len(e.Fields))
		for f := range e.Fields {
			names = append(names, f)
		}
		sort.Strings(names)
		fmt.Fprintf(&b, " [fields: %s]", strings.Join(names, ", "))
	}
	return b.String()
}

// GRPCStatus lets status.FromError and status.Code see through an *Error.
func (e *Error) GRPCStatus() *status.Status { return status.New(e.Code, e.Message) }

// AsError reads a call's error: false if err is nil or not a gRPC status.
func AsError(err error) (*Error, bool) {
	if err == nil {
		return nil, false
	}
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	st, ok := status.FromError(err)
	if !ok {
		return nil, false
	}
	e = &Error{Code: st.Code(), Message: st.Message()}
	for _, d := range st.Details() {
		switch d := d.(type) {
		case *errdetails.BadRequest:
			e.Fields = map[string]string{}
			for _, v := range d.GetFieldViolations() {
				e.Fields[v.GetField()] = v.GetDescription()
			}
		case *errdetails.PreconditionFailure:
			if vs := d.GetViolations(); len(vs) > 0 {
				e.Reason = vs[0].GetType()
			}
		}
	}
	return e, true
}
