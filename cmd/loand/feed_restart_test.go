package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
	"github.com/loancore/loancore/internal/store/pgtest"
)

// TestEventFeedSurvivesSIGKILL: writers pay loans and freeze and unfreeze
// a credit line on PostgreSQL while a subscriber follows the event feed; loand is killed with SIGKILL in the
// middle and started again. Writers retry what failed with the same
// request ids; the subscriber resumes after the last position it
// processed. In the end the subscriber has every event in the database
// exactly once, in position order.
func TestEventFeedSurvivesSIGKILL(t *testing.T) {
	database := pgtest.URL(t)
	addr := freeAddr(t)
	server := startLoand(t, addr, database)
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	loans := loancorev1.NewLoanServiceClient(conn)
	stop := make(chan struct{})
	var paid, lineChanges atomic.Int64
	var writers sync.WaitGroup
	for w := range 4 {
		writers.Add(1)
		go func() { defer writers.Done(); keepPaying(t, loans, fmt.Sprintf("FK-%d", w), stop, &paid) }()
	}
	writers.Add(1) // and a credit line's events among them
	go func() {
		defer writers.Done()
		keepFreezing(loancorev1.NewCreditLineServiceClient(conn), "FK-LINE", stop, &paid, &lineChanges)
	}()
	sub := &feedFollower{feed: loancorev1.NewEventFeedServiceClient(conn), seen: map[string]int{}}
	subDone := make(chan error, 1)
	go func() { subDone <- sub.follow(stop) }()

	waitFor(t, func() bool { return paid.Load() >= 40 })
	if err := server.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_, _ = server.Process.Wait()
	killedAt := paid.Load()
	startLoand(t, addr, database)
	// The line's writer may still be retrying its first call when the
	// payments reach the mark: wait for the line to have been frozen too.
	waitFor(t, func() bool { return paid.Load() >= killedAt+40 && lineChanges.Load() > 0 })
	close(stop)
	writers.Wait()
	if err := <-subDone; err != nil {
		t.Fatal(err)
	}
	if err := sub.catchUp(); err != nil {
		t.Fatal(err)
	}
	want := eventsInDatabase(t, database)
	for id := range want {
		if sub.seen[id] != 1 {
			t.Errorf("%s delivered %d times", id, sub.seen[id])
		}
	}
	if len(sub.seen) != len(want) {
		t.Errorf("%d events delivered, %d in the database", len(sub.seen), len(want))
	}
	if !want["credit_line/FK-LINE/2"] {
		t.Error("the line was never frozen: no line event to deliver")
	}
	t.Logf("killed after %d payments; %d events delivered over %d subscriptions", killedAt, len(sub.seen), sub.subscriptions)
}

// waitFor polls cond for up to a minute.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
	}
}

// keepPaying books a loan and pays it 1.00 at a time until stop is
// closed, retrying each call with its request id until it succeeds.
func keepPaying(t *testing.T, loans loancorev1.LoanServiceClient, id string, stop <-chan struct{}, paid *atomic.Int64) {
	retry := func(call func(context.Context) error) {
		for {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			err := call(ctx)
			cancel()
			if err == nil {
				return
			}
			time.Sleep(20 * time.Millisecond) // loand is down: try again
		}
	}
	retry(func(ctx context.Context) error {
		_, err := loans.CreateLoan(ctx, &loancorev1.CreateLoanRequest{RequestId: id + "-c", LoanId: id, BorrowerId: "B",
			Terms: &loancorev1.LoanTerms{Currency: "CNY", Principal: "5000", AnnualRatePercent: "18", InstallmentCount: 6,
				Method: loancorev1.RepaymentMethod_REPAYMENT_METHOD_EQUAL_PRINCIPAL, DisbursementDate: "2024-01-15"}})
		return err
	})
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		default:
		}
		retry(func(ctx context.Context) error {
			_, err := loans.RecordRepayment(ctx, &loancorev1.RecordRepaymentRequest{RequestId: fmt.Sprintf("%s-p%d", id, i), LoanId: id,
				Amount: "1.00", ValueDate: "2024-02-01"})
			return err
		})
		paid.Add(1)
	}
}

// keepFreezing opens a credit line and freezes and unfreezes it in turn
// until stop is closed, retrying each call with its request id until it
// succeeds (a retry of a call that was written answers as it did).
func keepFreezing(lines loancorev1.CreditLineServiceClient, id string, stop <-chan struct{}, paid, changes *atomic.Int64) {
	retry := func(call func(context.Context) error) {
		for {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			err := call(ctx)
			cancel()
			if err == nil {
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	retry(func(ctx context.Context) error {
		_, err := lines.OpenCreditLine(ctx, &loancorev1.OpenCreditLineRequest{RequestId: id + "-o", CreditLineId: id, BorrowerId: "B",
			Currency: "CNY", Limit: "1000", DrawdownTerms: &loancorev1.LoanTerms{AnnualRatePercent: "12", InstallmentCount: 6,
				Method: loancorev1.RepaymentMethod_REPAYMENT_METHOD_EQUAL_PRINCIPAL}})
		return err
	})
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		default:
		}
		req := fmt.Sprintf("%s-f%d", id, i)
		retry(func(ctx context.Context) error {
			var err error
			if i%2 == 0 {
				_, err = lines.FreezeCreditLine(ctx, &loancorev1.FreezeCreditLineRequest{RequestId: req, CreditLineId: id, Reason: "review"})
			} else {
				_, err = lines.UnfreezeCreditLine(ctx, &loancorev1.UnfreezeCreditLineRequest{RequestId: req, CreditLineId: id, Reason: "cleared"})
			}
			return err
		})
		paid.Add(1)
		changes.Add(1)
	}
}

// feedFollower follows the feed, resuming after the last position it
// processed whenever its stream breaks.
type feedFollower struct {
	feed          loancorev1.EventFeedServiceClient
	last          int64
	seen          map[string]int
	subscriptions int
}

// follow subscribes again after every break until stop is closed.
func (f *feedFollower) follow(stop <-chan struct{}) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { <-stop; cancel() }()
	for ctx.Err() == nil {
		if err := f.read(ctx, false); err != nil {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
	return nil
}

// catchUp reads to the head.
func (f *feedFollower) catchUp() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return f.read(ctx, true)
}

// read is one subscription; a broken stream is not an error (the caller
// subscribes again), an event out of order is.
func (f *feedFollower) read(ctx context.Context, toHead bool) error {
	f.subscriptions++
	stream, err := f.feed.SubscribeEvents(ctx, &loancorev1.SubscribeEventsRequest{AfterPosition: f.last, StopAtHead: toHead})
	if err != nil {
		return nil
	}
	for {
		m, err := stream.Recv()
		if errors.Is(err, io.EOF) || err != nil && !toHead {
			return nil
		}
		if err != nil {
			return err
		}
		if e := m.GetEvent(); e != nil {
			if e.GetPosition() <= f.last {
				return fmt.Errorf("position %d after %d", e.GetPosition(), f.last)
			}
			f.seen[e.GetEventId()]++
		}
		f.last = max(f.last, m.GetCheckpointPosition())
	}
}

// eventsInDatabase are the feed ids of every loan and credit line event
// behind loand.
func eventsInDatabase(t *testing.T, database string) map[string]bool {
	t.Helper()
	ctx := context.Background()
	db, err := pgx.Connect(ctx, database)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(ctx)
	rows, err := db.Query(ctx, `SELECT loan_id || '/' || seq FROM loan_events
		UNION ALL SELECT 'credit_line/' || credit_line_id || '/' || seq FROM credit_line_events`)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, id := range ids {
		out[id] = true
	}
	return out
}
