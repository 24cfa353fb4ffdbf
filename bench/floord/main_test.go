package main

import (
	"context"
	"fmt"
	"net"
	"sync"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/store"
	"github.com/loancore/loancore/internal/store/pgtest"
	"github.com/loancore/loancore/internal/store/postgres"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestFloorAppendsWhatLoandWould serves the floor on loopback over a real
// PostgreSQL database, pays one loan from several clients at once, and
// reads the log back through the store loand uses: one origination and
// one repayment per acknowledged call, at consecutive seqs, each carrying
// the request that wrote it. The floor's figure in make bench-payments
// stands for loand's store write only if it writes these rows.
//
// Cold, the floor loads the loan before every append and stores a
// snapshot every 8 events read, so a load after them reads the snapshot
// and the events after it, as loand's cold path does.
func TestFloorAppendsWhatLoandWould(t *testing.T) {
	for _, cold := range []bool{false, true} {
		t.Run(fmt.Sprintf("cold=%v", cold), func(t *testing.T) { testFloorAppends(t, cold) })
	}
}

func testFloorAppends(t *testing.T, cold bool) {
	ctx := context.Background()
	db, err := postgres.Open(ctx, pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gs := grpc.NewServer()
	loancorev1.RegisterLoanServiceServer(gs, &floor{db: db, loans: map[string]*loanHead{}, cold: cold})
	go func() { _ = gs.Serve(lis) }()
	defer gs.Stop()
	cc, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	c := loancorev1.NewLoanServiceClient(cc)

	if _, err := c.CreateLoan(ctx, &loancorev1.CreateLoanRequest{RequestId: "create-1", LoanId: "F-1", BorrowerId: "bench",
		Terms: &loancorev1.LoanTerms{Principal: "1000", DisbursementDate: "2024-01-15"}}); err != nil {
		t.Fatal(err)
	}
	const clients, each = 4, 5
	var wg sync.WaitGroup
	errs := make(chan error, clients*each)
	for w := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range each {
				_, err := c.RecordRepayment(ctx, &loancorev1.RecordRepaymentRequest{RequestId: fmt.Sprintf("pay-%d-%d", w, n),
					LoanId: "F-1", Amount: "1.00", ValueDate: "2024-02-15"})
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}

	lg, err := db.LoadLoan(ctx, store.LoadLoanParams{LoanID: "F-1"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(lg.Events), 1+clients*each; got != want || lg.Loan.Version != int64(want) {
		t.Fatalf("%d events at version %d, want %d", got, lg.Loan.Version, want)
	}
	requests := map[string]bool{}
	for i, e := range lg.Events {
		want := store.KindRepayment
		if i == 0 {
			want = store.KindOrigination
		}
		if e.Seq != int64(i+1) || e.Kind != want {
			t.Errorf("event %d: seq %d kind %s, want seq %d kind %s", i, e.Seq, e.Kind, i+1, want)
		}
		requests[e.RequestID] = true
	}
	if len(requests) != 1+clients*each {
		t.Errorf("%d distinct requests in the log, want %d", len(requests), 1+clients*each)
	}
	sn, err := db.LoadLoan(ctx, store.LoadLoanParams{LoanID: "F-1", SnapshotFormat: engine.SnapshotFormat})
	if err != nil {
		t.Fatal(err)
	}
	if got := sn.Snapshot != nil; got != cold {
		t.Errorf("a snapshot stored: %v, want %v", got, cold)
	} else if cold && (len(sn.Events) >= snapshotEvery || sn.Loan.Version != int64(1+clients*each)) {
		t.Errorf("from the snapshot at %d: %d events to version %d, want fewer than %d to %d",
			sn.Snapshot.Seq, len(sn.Events), sn.Loan.Version, snapshotEvery, 1+clients*each)
	}
	for _, id := range []string{"create-1", "pay-0-0", fmt.Sprintf("pay-%d-%d", clients-1, each-1)} {
		r, err := db.FindRequest(ctx, store.RequestKey{RequestID: id})
		if err != nil {
			t.Errorf("request %s: %v", id, err)
		} else if r.LoanID != "F-1" || r.RequestHash != hash(id) {
			t.Errorf("request %s: %+v, want loan F-1 and the floor's hash", id, r)
		}
	}
}
