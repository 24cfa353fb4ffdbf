package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"
	"google.golang.org/grpc/status"

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/grpcapi"
	"github.com/loancore/loancore/internal/servicing"
	"github.com/loancore/loancore/internal/store"
	"github.com/loancore/loancore/internal/store/postgres"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:50052", "address to serve gRPC on")
	database := flag.String("database", "", "postgres:// URL of a database of its own (migrated at start)")
	cold := flag.Bool("cold", false, "the cold path's floor: load each loan before every append, as loand with --cached-loans 0 does, and store a snapshot every 8 events read")
	flag.Parse()
	if err := serve(*listen, *database, *cold); err != nil {
		fmt.Fprintln(os.Stderr, "floord:", err)
		os.Exit(1)
	}
}

func serve(listen, database string, cold bool) error {
	db, err := postgres.Open(context.Background(), database)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Migrate(context.Background()); err != nil {
		return err
	}
	lis, err := net.Listen("tcp", listen)
	if err != nil {
		return err
	}
	// The transport options and limits loand uses by default, so that
	// only the work differs.
	gs := grpc.NewServer(grpcapi.TransportOptions(grpcapi.DefaultLimits)...)
	loancorev1.RegisterLoanServiceServer(gs, &floor{db: db, loans: map[string]*loanHead{}, cold: cold})
	// Serving once migrated, for the bench's wait_healthy (grpcurl, which
	// needs reflection).
	healthpb.RegisterHealthServer(gs, health.NewServer())
	reflection.Register(gs)
	return gs.Serve(lis)
}

// floor keeps each loan's last seq in memory, as loand's cache does, and
// appends after it; or, cold, reads it from the store before every append.
type floor struct {
	loancorev1.UnimplementedLoanServiceServer
	db    *postgres.Store
	mu    sync.Mutex
	loans map[string]*loanHead
	cold  bool
}

// loanHead is a loan's last seq; its mutex keeps two appends to one loan
// from racing (loand retries instead; with hundreds of loans either is
// rare).
type loanHead struct {
	sync.Mutex
	seq int64
}

// ListLoans implements loancore.v1.LoanService/ListLoans by borrower, so
// that the client creates only the loans a previous run did not; the page
// token is the last loan id.
func (f *floor) ListLoans(ctx context.Context, req *loancorev1.ListLoansRequest) (*loancorev1.ListLoansResponse, error) {
	size := int(req.GetPageSize())
	if size <= 0 {
		size = 500
	}
	rows, err := f.db.ListLoans(ctx, store.LoanQuery{BorrowerID: req.GetBorrowerId(), AfterLoanID: req.GetPageToken(), Limit: size + 1})
	if err != nil {
		return nil, status.Error(codes.Unavailable, err.Error())
	}
	out := &loancorev1.ListLoansResponse{}
	if len(rows) > size {
		rows = rows[:size]
		out.NextPageToken = rows[size-1].LoanID
	}
	for _, r := range rows {
		out.Loans = append(out.Loans, &loancorev1.LoanSummary{LoanId: r.LoanID, Version: r.Version})
	}
	return out, nil
}

// CreateLoan implements loancore.v1.LoanService/CreateLoan: a loan row and
// one origination event.
func (f *floor) CreateLoan(ctx context.Context, req *loancorev1.CreateLoanRequest) (*loancorev1.CreateLoanResponse, error) {
	now := time.Now().UTC()
	id := req.GetLoanId()
	rr := store.RequestRecord{RequestID: req.GetRequestId(), Method: "CreateLoan", RequestHash: hash(req.GetRequestId()), LoanID: id, Seq: 1, RecordedAt: now}
	err := f.db.CreateLoan(ctx, store.NewLoanRecord{
		Loan: store.LoanRecord{LoanID: id, BorrowerID: req.GetBorrowerId(), Currency: "CNY", Terms: []byte("{}"),
			Status: store.StatusActive, CreatedAt: now},
		Events: []store.EventRecord{{LoanID: id, Seq: 1, Kind: store.KindOrigination, ValueDate: req.GetTerms().GetDisbursementDate(),
			RecordedAt: now, RequestID: req.GetRequestId(), Actor: "api", Amount: req.GetTerms().GetPrincipal()}},
		Request: rr})
	if err != nil {
		return nil, status.Error(codes.Unavailable, err.Error())
	}
	f.mu.Lock()
	f.loans[id] = &loanHead{seq: 1}
	f.mu.Unlock()
	return &loancorev1.CreateLoanResponse{Loan: &loancorev1.Loan{LoanId: id, Version: 1}}, nil
}

// RecordRepayment implements loancore.v1.LoanService/RecordRepayment: the
// append and nothing else.
func (f *floor) RecordRepayment(ctx context.Context, req *loancorev1.RecordRepaymentRequest) (*loancorev1.RecordRepaymentResponse, error) {
	id := req.GetLoanId()
	head, err := f.head(ctx, id)
	if err != nil {
		return nil, err
	}
	head.Lock()
	defer head.Unlock()
	var snap *store.SnapshotRecord
	if f.cold {
		if head.seq, snap, err = f.load(ctx, id, req.GetValueDate()); err != nil {
			return nil, err
		}
	}
	now := time.Now().UTC()
	seq := head.seq + 1
	if snap != nil {
		snap.Seq = seq
	}
	err = f.db.AppendEvent(ctx, store.AppendEventParams{LoanID: id, ExpectedVersion: head.seq,
		Event: store.EventRecord{LoanID: id, Seq: seq, Kind: store.KindRepayment, ValueDate: req.GetValueDate(),
			RecordedAt: now, RequestID: req.GetRequestId(), Actor: "api", Amount: req.GetAmount()},
		Request: store.RequestRecord{RequestID: req.GetRequestId(), Method: "RecordRepayment", RequestHash: hash(req.GetRequestId()),
			LoanID: id, Seq: seq, RecordedAt: now},
		Snapshot: snap})
	if err != nil {
		return nil, status.Error(codes.Unavailable, err.Error())
	}
	head.seq = seq
	return &loancorev1.RecordRepaymentResponse{Seq: seq, Loan: &loancorev1.Loan{LoanId: id, Version: seq}}, nil
}

// snapshotEvery and snapshotState stand for loand's defaults on the cold
// path: a write that read this many events after the latest snapshot
// (--snapshot-every) stores a new one with its event, and a 12-month
// loan's state in the engine's snapshot form is about this many bytes
// (PostgreSQL's migration 0021). The floor never decodes it; it only
// stores and reads as much.
const snapshotEvery = servicing.DefaultSnapshotEvery

var snapshotState = make([]byte, 500)

// load is the cold path's read, loand's statement for a loan in no cache:
// the loan's row, its latest snapshot and the events after it. It gives
// the loan's version and, when the events read call for one, a snapshot
// to store with the next event (its Seq set by the caller).
func (f *floor) load(ctx context.Context, id, valueDate string) (int64, *store.SnapshotRecord, error) {
	lg, err := f.db.LoadLoan(ctx, store.LoadLoanParams{LoanID: id, SnapshotFormat: engine.SnapshotFormat})
	if err != nil {
		return 0, nil, loadError(id, err)
	}
	if len(lg.Events)+1 < snapshotEvery {
		return lg.Loan.Version, nil, nil
	}
	return lg.Loan.Version, &store.SnapshotRecord{Format: engine.SnapshotFormat, AsOf: valueDate, LastValueDate: valueDate, State: snapshotState}, nil
}

// head is the loan's last seq, read from the store the first time; cold,
// only the loan's turn: every append loads the seq itself (load).
func (f *floor) head(ctx context.Context, id string) (*loanHead, error) {
	f.mu.Lock()
	head := f.loans[id]
	f.mu.Unlock()
	if head != nil {
		return head, nil
	}
	var seq int64
	if !f.cold {
		lg, err := f.db.LoadLoan(ctx, store.LoadLoanParams{LoanID: id})
		if err != nil {
			return nil, loadError(id, err)
		}
		seq = lg.Loan.Version
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.loans[id] == nil {
		f.loans[id] = &loanHead{seq: seq}
	}
	return f.loans[id], nil
}

// loadError is a failed load of loan id as the floor answers it.
func loadError(id string, err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return status.Errorf(codes.NotFound, "no loan %s", id)
	}
	return status.Error(codes.Unavailable, err.Error())
}

// hash stands in for loand's request hash: 64 hex digits.
func hash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
