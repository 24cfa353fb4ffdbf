package main

import (
	"context"
	"fmt"

	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
)

// The modes: what each call of a run is.
const (
	modePay        = "pay"
	modeHealth     = "health"
	modeGet        = "get"
	modeList       = "list"
	modeDelinquent = "delinquent"
)

// caller makes call n of one client.
type caller func(ctx context.Context, n int) error

// callers make, for client w on connection cc, the caller of each mode.
// A client of a list mode pages on through the list with the tokens it
// is given, starting again at the end, so that its pages are keyset
// pages anywhere in the list, not the first one again.
var callers = map[string]func(cc *grpc.ClientConn, p driveParams, prefix string, w int) caller{
	modePay: func(cc *grpc.ClientConn, p driveParams, prefix string, w int) caller {
		c := loancorev1.NewLoanServiceClient(cc)
		return func(ctx context.Context, n int) error {
			_, err := c.RecordRepayment(ctx, &loancorev1.RecordRepaymentRequest{
				RequestId: fmt.Sprintf("%s-%d-%d", p.Run, w, n), LoanId: loanID(p, prefix, w, n),
				Amount: "1.00", ValueDate: "2024-02-15", View: p.View,
			})
			return err
		}
	},
	modeHealth: func(cc *grpc.ClientConn, _ driveParams, _ string, _ int) caller {
		c := healthpb.NewHealthClient(cc)
		return func(ctx context.Context, _ int) error {
			_, err := c.Check(ctx, &healthpb.HealthCheckRequest{})
			return err
		}
	},
	modeGet: func(cc *grpc.ClientConn, p driveParams, prefix string, w int) caller {
		c := loancorev1.NewLoanServiceClient(cc)
		return func(ctx context.Context, n int) error {
			_, err := c.GetLoan(ctx, &loancorev1.GetLoanRequest{LoanId: loanID(p, prefix, w, n)})
			return err
		}
	},
	modeList: func(cc *grpc.ClientConn, p driveParams, _ string, _ int) caller {
		c := loancorev1.NewLoanServiceClient(cc)
		return pager(func(ctx context.Context, token string) (*loancorev1.ListLoansResponse, error) {
			return c.ListLoans(ctx, &loancorev1.ListLoansRequest{PageSize: int32(p.PageSize), PageToken: token})
		})
	},
	modeDelinquent: func(cc *grpc.ClientConn, p driveParams, _ string, _ int) caller {
		c := loancorev1.NewCloseOfBusinessServiceClient(cc)
		return pager(func(ctx context.Context, token string) (*loancorev1.ListDelinquentLoansResponse, error) {
			return c.ListDelinquentLoans(ctx, &loancorev1.ListDelinquentLoansRequest{PageSize: int32(p.PageSize), PageToken: token})
		})
	},
}

// pager is the caller of a list mode: each call asks for the page after
// the last one's token, from the start again after the end ("" again).
// A failed call's nil answer gives "" too (the getter is nil-safe).
func pager[R interface{ GetNextPageToken() string }](page func(ctx context.Context, token string) (R, error)) caller {
	token := ""
	return func(ctx context.Context, _ int) error {
		res, err := page(ctx, token)
		token = res.GetNextPageToken()
		return err
	}
}

// loanID is the loan call n of client w is about: spread over the loans
// so that the clients seldom ask about one loan at once.
func loanID(p driveParams, prefix string, w, n int) string {
	return fmt.Sprintf("%s%d", prefix, (w*7919+n*104729)%p.Loans)
}
