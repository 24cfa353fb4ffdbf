package grpcapi

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// TestLogUnaryLevels: at INFO a successful call writes nothing, a refused
// one a line, an internal error a line at ERROR; at DEBUG every call is
// logged.
func TestLogUnaryLevels(t *testing.T) {
	info := &grpc.UnaryServerInfo{FullMethod: "/loancore.v1.LoanService/GetLoan"}
	for _, tc := range []struct {
		level slog.Level
		err   error
		want  string
	}{
		{slog.LevelInfo, nil, ""},
		{slog.LevelInfo, status.Error(codes.InvalidArgument, "bad"), "level=INFO msg=rpc method=/loancore.v1.LoanService/GetLoan code=InvalidArgument"},
		{slog.LevelInfo, status.Error(codes.Internal, "boom"), "level=ERROR msg=rpc method=/loancore.v1.LoanService/GetLoan code=Internal"},
		{slog.LevelDebug, nil, "level=DEBUG msg=rpc method=/loancore.v1.LoanService/GetLoan code=OK"},
	} {
		var buf bytes.Buffer
		log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: tc.level}))
		_, _ = logUnary(log)(context.Background(), nil, info, func(context.Context, any) (any, error) { return nil, tc.err })
		got := buf.String()
		if tc.want == "" && got != "" || tc.want != "" && !strings.Contains(got, tc.want) {
			t.Errorf("level %v, error %v: logged %q, want %q", tc.level, tc.err, got, tc.want)
		}
	}
}
