package grpcapi_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
)

// subscribe reads a subscription that stops at the head to its end.
func subscribe(t *testing.T, feed loancorev1.EventFeedServiceClient, req *loancorev1.SubscribeEventsRequest) []*loancorev1.SubscribeEventsResponse {
	t.Helper()
	req.StopAtHead = true
	stream, err := feed.SubscribeEvents(ctx(t), req)
	if err != nil {
		t.Fatal(err)
	}
	var out []*loancorev1.SubscribeEventsResponse
	for {
		m, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("SubscribeEvents(%v): %v", req, err)
		}
		out = append(out, m)
	}
}

// feedEvents are the events of a subscription's messages.
func feedEvents(ms []*loancorev1.SubscribeEventsResponse) []*loancorev1.FeedEvent {
	var out []*loancorev1.FeedEvent
	for _, m := range ms {
		if m.GetEvent() != nil {
			out = append(out, m.GetEvent())
		}
	}
	return out
}

// TestEventFeed: what a loan's life puts on the feed, through a real
// server with authentication on, on both stores: each event once, in
// order, with its id, actor, request and amounts; an accrual line and
// the notices of close of business; filters, checkpoints, resuming, and
// following the feed as it grows.
func TestEventFeed(t *testing.T) {
	for _, store := range []string{"sqlite", "postgres"} {
		t.Run(store, func(t *testing.T) {
			t.Parallel()
			f := newAuthFixture(t, store)
			loans := loancorev1.NewLoanServiceClient(f.conns["servicer"])
			feed := loancorev1.NewEventFeedServiceClient(f.conns["subscriber"])
			if _, err := loans.CreateLoan(ctx(t), &loancorev1.CreateLoanRequest{RequestId: "fd-c", LoanId: "FD-1", BorrowerId: "B1",
				Terms: loan12kTerms(true)}); err != nil {
				t.Fatal(err)
			}
			repay(t, loans, &loancorev1.RecordRepaymentRequest{RequestId: "fd-p", LoanId: "FD-1", Amount: "1066.19", ValueDate: "2024-02-15"})
			cob := loancorev1.NewCloseOfBusinessServiceClient(f.conns["operator"])
			if _, err := runCOB(t, cobClients{cob: cob}, "2024-05-16"); err != nil {
				t.Fatal(err)
			}

			all := feedEvents(subscribe(t, feed, &loancorev1.SubscribeEventsRequest{}))
			checkLifeOnFeed(t, all)
			checkFeedFilters(t, feed, all)
			checkFeedFollows(t, feed, loans, all[len(all)-1].GetPosition())
		})
	}
}

// checkLifeOnFeed checks the events of FD-1's booking, payment and close.
func checkLifeOnFeed(t *testing.T, all []*loancorev1.FeedEvent) {
	t.Helper()
	var kinds []string
	for i, e := range all {
		kinds = append(kinds, strings.TrimPrefix(e.GetKind().String(), "FEED_EVENT_KIND_"))
		if i > 0 && e.GetPosition() <= all[i-1].GetPosition() {
			t.Errorf("position %d after %d", e.GetPosition(), all[i-1].GetPosition())
		}
		if e.GetLoanId() != "FD-1" || e.GetCurrency() != "CNY" || e.GetRecordedAt() == "" {
			t.Errorf("event %v", e)
		}
	}
	if got := strings.Join(kinds, " "); !strings.HasPrefix(got, "ORIGINATION DISBURSEMENT REPAYMENT ") ||
		!strings.Contains(got, "ACCRUAL") || !strings.Contains(got, "DUE_NOTICE") {
		t.Fatalf("the feed's kinds: %s", got)
	}
	servicer := "spiffe://loancore.test/servicer"
	if p := all[2]; p.GetEventId() != "FD-1/3" || p.GetActor() != servicer || p.GetRequestId() != "fd-p" || p.GetAmount() != "1066.19" ||
		p.GetValueDate() != "2024-02-15" || p.GetLoanEvent().GetSeq() != 3 || p.GetLoanEvent().GetActor() != servicer {
		t.Errorf("the repayment on the feed: %v", p)
	}
	for _, e := range all[3:] {
		if e.GetActor() != "close-of-business" || e.GetRequestId() != "cob:2024-05-16" || e.GetValueDate() != "2024-05-16" {
			t.Errorf("close of business's %v", e)
		}
		switch e.GetKind() {
		case loancorev1.FeedEventKind_FEED_EVENT_KIND_ACCRUAL:
			a := e.GetAccrual()
			if e.GetEventId() != "accrual/2024-05-16/FD-1" || a.GetBusinessDate() != "2024-05-16" || a.GetPenalty() == "0.00" || e.GetAmount() == "" {
				t.Errorf("the accrual line: %v", e)
			}
		case loancorev1.FeedEventKind_FEED_EVENT_KIND_DUE_NOTICE:
			n := e.GetNotice()
			if e.GetEventId() != "notice/"+n.GetNoticeId() || n.GetBorrowerId() != "B1" || e.GetAmount() != n.GetAmount() {
				t.Errorf("a notice: %v", e)
			}
		default:
			t.Errorf("close of business wrote %v", e)
		}
	}
}

// checkFeedFilters subscribes with filters and from a position, and
// refuses bad subscriptions.
func checkFeedFilters(t *testing.T, feed loancorev1.EventFeedServiceClient, all []*loancorev1.FeedEvent) {
	t.Helper()
	head := all[len(all)-1].GetPosition()
	got := subscribe(t, feed, &loancorev1.SubscribeEventsRequest{Kinds: []loancorev1.FeedEventKind{loancorev1.FeedEventKind_FEED_EVENT_KIND_REPAYMENT}})
	if len(got) != 2 || got[0].GetEvent().GetEventId() != "FD-1/3" || got[0].GetCheckpointPosition() != all[2].GetPosition() ||
		got[1].GetEvent() != nil || got[1].GetCheckpointPosition() != head {
		t.Errorf("repayments only: %v; want the repayment, then a checkpoint at the head %d", got, head)
	}
	if got := subscribe(t, feed, &loancorev1.SubscribeEventsRequest{LoanIds: []string{"FD-2"}}); len(got) != 1 || got[0].GetCheckpointPosition() != head {
		t.Errorf("another loan's: %v", got)
	}
	if got := feedEvents(subscribe(t, feed, &loancorev1.SubscribeEventsRequest{AfterPosition: all[2].GetPosition(), LoanIds: []string{"FD-1"}})); len(got) != len(all)-3 ||
		got[0].GetPosition() != all[3].GetPosition() {
		t.Errorf("after the repayment: %v", got)
	}
	for field, req := range map[string]*loancorev1.SubscribeEventsRequest{
		"after_position": {AfterPosition: -1},
		"loan_ids":       {LoanIds: make([]string, 101)},
		"kinds":          {Kinds: []loancorev1.FeedEventKind{999}},
	} {
		stream, err := feed.SubscribeEvents(ctx(t), req)
		if err == nil {
			_, err = stream.Recv()
		}
		if st := wantCode(t, err, codes.InvalidArgument); !strings.Contains(st.Message(), field) {
			t.Errorf("%s: %v", field, st.Message())
		}
	}
}

// checkFeedFollows subscribes from the head and sees a new payment come.
func checkFeedFollows(t *testing.T, feed loancorev1.EventFeedServiceClient, loans loancorev1.LoanServiceClient, head int64) {
	t.Helper()
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	stream, err := feed.SubscribeEvents(c, &loancorev1.SubscribeEventsRequest{AfterPosition: head})
	if err != nil {
		t.Fatal(err)
	}
	repay(t, loans, &loancorev1.RecordRepaymentRequest{RequestId: "fd-p2", LoanId: "FD-1", Amount: "10.00", ValueDate: "2024-03-01"})
	m, err := stream.Recv()
	if err != nil || m.GetEvent().GetEventId() != "FD-1/4" || m.GetEvent().GetPosition() <= head {
		t.Fatalf("following: %v, %v", m, err)
	}
}

// TestEventFeedConcurrentWritersAndDisconnects: writers pay loans through
// the API, in parallel, while a subscriber follows the feed and hangs up
// at random points, resuming after the last position it processed. In
// the end it has every event of every loan exactly once, in position
// order. The seed is printed; LOANCORE_FEED_SEED replays one.
func TestEventFeedConcurrentWritersAndDisconnects(t *testing.T) {
	for _, store := range []string{"sqlite", "postgres"} {
		t.Run(store, func(t *testing.T) {
			t.Parallel()
			seed := seedFromEnv(t, "LOANCORE_FEED_SEED")
			t.Logf("seed %d (LOANCORE_FEED_SEED=%d replays it)", seed, seed)
			f := newAuthFixture(t, store)
			loans := loancorev1.NewLoanServiceClient(f.conns["servicer"])
			feed := loancorev1.NewEventFeedServiceClient(f.conns["subscriber"])
			const writers, payments = 6, 25
			done := make(chan struct{})
			var w sync.WaitGroup
			for i := range writers {
				w.Add(1)
				go func() {
					defer w.Done()
					payLoanOften(t, loans, fmt.Sprintf("CW-%d", i), payments)
				}()
			}
			go func() { w.Wait(); close(done) }()
			sub := &hangingUp{t: t, feed: feed, rng: rand.New(rand.NewPCG(seed, 7)), seen: map[string]int{}}
			sub.follow(done)
			for i := range writers {
				id := fmt.Sprintf("CW-%d", i)
				for seq := 1; seq <= 2+payments; seq++ {
					if n := sub.seen[fmt.Sprintf("%s/%d", id, seq)]; n != 1 {
						t.Errorf("%s/%d delivered %d times", id, seq, n)
					}
				}
			}
			if len(sub.seen) != writers*(2+payments) {
				t.Errorf("%d events delivered, want %d", len(sub.seen), writers*(2+payments))
			}
			t.Logf("%d events over %d subscriptions", len(sub.seen), sub.subscriptions)
		})
	}
}

// payLoanOften books a loan and pays it n times, 1.00 each.
func payLoanOften(t *testing.T, loans loancorev1.LoanServiceClient, id string, n int) {
	if _, err := loans.CreateLoan(ctx(t), &loancorev1.CreateLoanRequest{RequestId: id + "-c", LoanId: id, BorrowerId: "B1", Terms: loan12k()}); err != nil {
		t.Error(err)
		return
	}
	for i := range n {
		if _, err := loans.RecordRepayment(ctx(t), &loancorev1.RecordRepaymentRequest{RequestId: fmt.Sprintf("%s-p%d", id, i), LoanId: id,
			Amount: "1.00", ValueDate: "2024-02-01"}); err != nil {
			t.Error(err)
			return
		}
	}
}

// hangingUp is a subscriber that hangs up after a random number of
// messages and resumes after the last position it processed.
type hangingUp struct {
	t             *testing.T
	feed          loancorev1.EventFeedServiceClient
	rng           *rand.Rand
	last          int64
	seen          map[string]int
	subscriptions int
}

// follow subscribes again and again until the writers are done, then
// once more to the head.
func (h *hangingUp) follow(done <-chan struct{}) {
	for {
		select {
		case <-done:
			h.once(true, nil)
			return
		default:
			h.once(false, done)
		}
	}
}

// once is one subscription: to the head, or until it hangs up (or done
// is closed).
func (h *hangingUp) once(toHead bool, done <-chan struct{}) {
	h.subscriptions++
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	go func() {
		select {
		case <-done:
			cancel()
		case <-c.Done():
		}
	}()
	stream, err := h.feed.SubscribeEvents(c, &loancorev1.SubscribeEventsRequest{AfterPosition: h.last, StopAtHead: toHead})
	if err != nil {
		h.t.Fatal(err)
	}
	for left := 1 + h.rng.IntN(20); toHead || left > 0; left-- {
		m, err := stream.Recv()
		if errors.Is(err, io.EOF) && toHead || status.Code(err) == codes.Canceled && !toHead {
			return
		}
		if err != nil {
			h.t.Fatalf("after %d: %v", h.last, err)
		}
		if e := m.GetEvent(); e != nil {
			if e.GetPosition() <= h.last {
				h.t.Fatalf("position %d after %d", e.GetPosition(), h.last)
			}
			h.seen[e.GetEventId()]++
		}
		if m.GetCheckpointPosition() < h.last {
			h.t.Fatalf("checkpoint %d after %d", m.GetCheckpointPosition(), h.last)
		}
		h.last = m.GetCheckpointPosition()
	}
}

// seedFromEnv is the seed in the variable name, or a new one.
func seedFromEnv(t *testing.T, name string) uint64 {
	if s := os.Getenv(name); s != "" {
		seed, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return seed
	}
	return uint64(time.Now().UnixNano())
}
