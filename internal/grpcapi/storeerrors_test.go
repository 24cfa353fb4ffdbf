package grpcapi_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
	"github.com/loancore/loancore/internal/grpcapi"
	"github.com/loancore/loancore/internal/servicing"
	"github.com/loancore/loancore/internal/store"
	"github.com/loancore/loancore/internal/store/storetest"
)

// fullStore is a SQLite store whose disk fills up once full is set: every
// append fails as the store reports SQLITE_FULL (the store's own test
// produces a real one, internal/store/sqlite).
type fullStore struct {
	store.Store
	full bool
}

func (s *fullStore) AppendEvent(ctx context.Context, p store.AppendEventParams) error {
	if s.full {
		return fmt.Errorf("%w: sqlite: database or disk is full (13)", store.ErrFull)
	}
	return s.Store.AppendEvent(ctx, p)
}

// TestDatabaseFull: a write that finds the database full is
// RESOURCE_EXHAUSTED with an error id and nothing of the database's text,
// and writes nothing; once there is room the same request goes through.
func TestDatabaseFull(t *testing.T) {
	db := &fullStore{Store: storetest.SQLite(t)}
	loans, err := servicing.NewLoans(servicing.NewLoansParams{Store: db, Now: (&clock{now: testNow}).Now})
	if err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpcapi.NewServer(grpcapi.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Loans: loans, Dev: true})
	go func() { _ = srv.GRPC.Serve(lis) }()
	t.Cleanup(srv.GRPC.Stop)
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	c := loancorev1.NewLoanServiceClient(conn)
	create(t, c, "FULL")
	db.full = true
	pay := &loancorev1.RecordRepaymentRequest{RequestId: "pay-full", LoanId: "FULL", Amount: "100", ValueDate: "2024-02-15"}
	_, err = c.RecordRepayment(ctx(t), pay)
	st := wantCode(t, err, codes.ResourceExhausted)
	if msg := st.Message(); !strings.Contains(msg, "error id") || strings.Contains(msg, "sqlite") || strings.Contains(msg, "disk") {
		t.Fatalf("message %q", msg)
	}
	db.full = false
	if l, err := c.GetLoan(ctx(t), &loancorev1.GetLoanRequest{LoanId: "FULL"}); err != nil || l.GetLoan().GetVersion() != 2 {
		t.Fatalf("after the refused write: version %d, %v", l.GetLoan().GetVersion(), err)
	}
	repay(t, c, pay)
}
