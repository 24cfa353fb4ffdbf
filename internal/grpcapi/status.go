package grpcapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/servicing"
	"github.com/loancore/loancore/internal/store"
)

// statusUnary maps the error a handler returns to a gRPC status: handlers
// return domain errors as they are, and this is the one place that turns
// them into codes and details.
func statusUnary(log *slog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		resp, err := handler(ctx, req)
		if err != nil {
			return nil, toStatus(ctx, log, info.FullMethod, err)
		}
		return resp, nil
	}
}

// statusStream is statusUnary for streaming calls.
func statusStream(log *slog.Logger) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		return toStatus(ss.Context(), log, info.FullMethod, handler(srv, ss))
	}
}

// toStatus is the one place where domain errors become gRPC statuses.
// Anything it does not recognise is logged with an id and reported as
// INTERNAL carrying only that id, so no SQL or stack text reaches a client.
func toStatus(ctx context.Context, log *slog.Logger, method string, err error) error {
	if err == nil {
		return nil
	}
	if _, ok := status.FromError(err); ok {
		return err
	}
	var inv *engine.InvalidError
	var pre *servicing.PreconditionError
	var forbidden *servicing.ForbiddenError
	switch {
	case errors.As(err, &inv):
		return invalidArgument(inv)
	case errors.As(err, &pre):
		st := status.New(codes.FailedPrecondition, pre.Message)
		if d, err := st.WithDetails(&errdetails.PreconditionFailure{Violations: []*errdetails.PreconditionFailure_Violation{
			{Type: string(pre.Reason), Subject: pre.Reason.Subject(), Description: pre.Message}}}); err == nil {
			st = d
		}
		return st.Err()
	case errors.Is(err, store.ErrNotFound):
		// Servicing wraps ErrNotFound with what was missing; stores return
		// it bare.
		if err != store.ErrNotFound {
			return status.Error(codes.NotFound, err.Error())
		}
		return status.Error(codes.NotFound, "loan or event not found")
	case errors.As(err, &forbidden):
		return status.Error(codes.PermissionDenied, forbidden.Message)
	case errors.Is(err, servicing.ErrRequestConflict):
		return status.Error(codes.AlreadyExists, err.Error())
	case errors.Is(err, store.ErrDuplicate):
		return status.Error(codes.AlreadyExists, "already exists")
	case errors.Is(err, store.ErrVersionConflict):
		return status.Error(codes.Aborted, "the loan changed concurrently; retry the request")
	case errors.Is(err, store.ErrTakenOver):
		return status.Error(codes.Aborted, "a later run of the business date took its close of business over; that run goes on")
	case errors.Is(err, store.ErrUnavailable):
		return loggedStatus(ctx, log, slog.LevelWarn, "database unavailable", method, err, codes.Unavailable,
			"database unavailable; retry the request")
	case errors.Is(err, store.ErrFull):
		// An operator must make room: an error in the log.
		return loggedStatus(ctx, log, slog.LevelError, "database full", method, err, codes.ResourceExhausted,
			"the database is full; nothing was written")
	case errors.Is(err, context.Canceled):
		return status.Error(codes.Canceled, "request canceled")
	case errors.Is(err, context.DeadlineExceeded):
		return status.Error(codes.DeadlineExceeded, "deadline exceeded")
	}
	return loggedStatus(ctx, log, slog.LevelError, "internal error", method, err, codes.Internal, "internal error")
}

// loggedStatus logs err as event at level with a new error id, and
// returns a status of code whose message is msg and that id alone: the
// client can quote the id and learns nothing of err (no SQL, no paths).
func loggedStatus(ctx context.Context, log *slog.Logger, level slog.Level, event, method string, err error, code codes.Code, msg string) error {
	id := errorID()
	log.Log(ctx, level, event, "method", method, "error_id", id, "error", err)
	return status.Errorf(code, "%s (error id %s)", msg, id)
}

// invalidArgument renders violations as INVALID_ARGUMENT with a
// google.rpc.BadRequest naming each field.
func invalidArgument(inv *engine.InvalidError) error {
	br := &errdetails.BadRequest{}
	for _, v := range inv.Violations {
		br.FieldViolations = append(br.FieldViolations, &errdetails.BadRequest_FieldViolation{
			Field:       v.Field,
			Description: v.Description,
		})
	}
	st := status.New(codes.InvalidArgument, inv.Error())
	if withDetails, err := st.WithDetails(br); err == nil {
		st = withDetails
	}
	return st.Err()
}

// errorID returns a short random id that ties a client's error to a log line.
func errorID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
