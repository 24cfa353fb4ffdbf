package relay_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/grpcapi"
	"github.com/loancore/loancore/internal/money"
	"github.com/loancore/loancore/internal/relay"
	"github.com/loancore/loancore/internal/relay/natstest"
	"github.com/loancore/loancore/internal/servicing"
	"github.com/loancore/loancore/internal/store"
	"github.com/loancore/loancore/internal/store/pgtest"
	"github.com/loancore/loancore/internal/store/postgres"
	"github.com/loancore/loancore/internal/store/sqlite"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const (
	stream = "LOANCORE_EVENTS"
	prefix = "loancore.events"
)

// world is a store with a feed and loans to write events with.
type world struct {
	db    store.Store
	feed  *servicing.Feed
	loans *servicing.Loans
	lines *servicing.CreditLines
	// paid counts the repayments made, for unique request ids.
	paid int
}

// newWorld opens a store with its feed, whose sequencer runs until the
// test ends, and the loans service over it.
func newWorld(t testing.TB, name string) *world {
	t.Helper()
	db := openStore(t, name)
	feed := servicing.NewFeed(servicing.NewFeedParams{Store: db, Poll: 20 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go feed.Run(ctx)
	booked := time.Date(2024, 1, 20, 4, 0, 0, 0, time.UTC)
	loans, err := servicing.NewLoans(servicing.NewLoansParams{Store: feed.Watch(db), Now: func() time.Time { return booked }, Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	return &world{db: db, feed: feed, loans: loans, lines: servicing.NewCreditLines(loans, feed.Watch(db))}
}

// lineLife opens a credit line, draws on it and freezes it: an OPENED,
// a DRAWDOWN (with its loan's origination and disbursement) and a FROZEN
// on the feed.
func (w *world) lineLife(t testing.TB, id string) {
	t.Helper()
	ctx := context.Background()
	template := terms()
	template.Principal, template.DisbursementDate = 0, engine.NoDate
	if _, err := w.lines.OpenCreditLine(ctx, servicing.OpenCreditLineParams{RequestID: "o-" + id, RequestHash: "o-" + id, CreditLineID: id,
		BorrowerID: "B", Limit: 500_000, Revolving: true, ExpiresOn: engine.NoDate, Template: template, Actor: "test"}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.lines.Drawdown(ctx, servicing.DrawdownParams{RequestID: "d-" + id, RequestHash: "d-" + id, CreditLineID: id,
		Amount: "100.00", Actor: "test"}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.lines.FreezeCreditLine(ctx, servicing.LineActionParams{RequestID: "f-" + id, RequestHash: "f-" + id, CreditLineID: id,
		Reason: "review", Actor: "test"}); err != nil {
		t.Fatal(err)
	}
}

// openStore opens a new migrated store, "sqlite" or "postgres", closed
// when the test ends (storetest's, for benchmarks too).
func openStore(t testing.TB, name string) store.Store {
	t.Helper()
	ctx := context.Background()
	if name == "postgres" {
		s, err := postgres.Open(ctx, pgtest.URL(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Close)
		return s
	}
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "loancore.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

// book creates a loan (an origination and a disbursement on the feed).
func (w *world) book(t testing.TB, id string) {
	t.Helper()
	if _, err := w.loans.CreateLoan(context.Background(), servicing.CreateLoanParams{RequestID: "c-" + id, RequestHash: "c-" + id,
		LoanID: id, BorrowerID: "B", Terms: terms()}); err != nil {
		t.Fatal(err)
	}
}

// terms are a year's monthly loan of 12,000.00 CNY at 12%.
func terms() engine.Terms {
	cny, _ := money.LookupCurrency("CNY")
	rate, _ := money.ParseRate("12", engine.MaxRatePercent)
	return engine.Terms{Currency: cny, Principal: 1_200_000, AnnualRate: rate, InstallmentCount: 12,
		Frequency: engine.Frequency{Unit: engine.Month, Every: 1}, Method: engine.EqualInstallment,
		DisbursementDate: engine.DateOf(2024, 1, 15), InterestAccrual: engine.Periodic, DayCount: engine.Act360,
		Rounding: engine.Rounding{Mode: money.HalfUp, Multiple: 1}}
}

// pay records n repayments of 1.00 on a loan and returns the seq of the
// last one's event.
func (w *world) pay(t testing.TB, id string, n int) int64 {
	t.Helper()
	var seq int64
	for range n {
		w.paid++
		req := fmt.Sprintf("p-%d", w.paid)
		res, err := w.loans.RecordRepayment(context.Background(), servicing.RecordRepaymentParams{RequestID: req, RequestHash: req,
			LoanID: id, Amount: "1.00", ValueDate: engine.DateOf(2024, 1, 20)})
		if err != nil {
			t.Fatal(err)
		}
		seq = res.Seq
	}
	return seq
}

// want is the feed from the start to its head, as SubscribeEvents with
// stop_at_head sends it.
func (w *world) want(t testing.TB) []*loancorev1.FeedEvent {
	t.Helper()
	var out []*loancorev1.FeedEvent
	err := w.feed.Subscribe(context.Background(), servicing.SubscribeParams{StopAtHead: true}, func(item servicing.FeedItem) error {
		if item.Entry != nil {
			out = append(out, grpcapi.FeedEventToProto(*item.Entry))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// logBuffer collects a relay's log lines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// count is how many lines contain s.
func (l *logBuffer) count(s string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Count(l.buf.String(), s)
}

// runRelay runs a relay of the feed to url until the returned function
// is called, which waits for Run to return and checks that it returned
// nil.
func runRelay(t *testing.T, w *world, url string, body relay.Body, log *logBuffer) (*relay.Relay, func()) {
	t.Helper()
	var logger *slog.Logger
	if log != nil {
		logger = slog.New(slog.NewTextHandler(log, nil))
	}
	r := relay.New(relay.Params{Feed: w.feed, URL: url, Stream: stream, SubjectPrefix: prefix, Body: body, Window: 16, Logger: logger})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	var err error
	go func() { defer close(done); err = r.Run(ctx) }()
	stop := func() {
		cancel()
		<-done
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	}
	t.Cleanup(func() { cancel(); <-done })
	return r, stop
}

// checkMessages checks that the messages are want's events, in order,
// each once, with their id, subject and headers, and a body that decodes
// to the event SubscribeEvents sends.
func checkMessages(t *testing.T, got []natstest.Message, want []*loancorev1.FeedEvent, body relay.Body) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d messages, want %d", len(got), len(want))
	}
	for i, m := range got {
		w := want[i]
		ev := &loancorev1.FeedEvent{}
		var err error
		if body == relay.BodyJSON {
			err = protojson.Unmarshal(m.Data, ev)
		} else {
			err = proto.Unmarshal(m.Data, ev)
		}
		if err != nil {
			t.Fatalf("message %d: %v", m.Seq, err)
		}
		if !proto.Equal(ev, w) {
			t.Errorf("message %d is event %s (position %d), want %s (position %d)", m.Seq, ev.GetEventId(), ev.GetPosition(),
				w.GetEventId(), w.GetPosition())
		}
		h := m.Header
		if h.Get(jetstream.MsgIDHeader) != w.GetEventId() || h.Get(relay.HeaderPosition) != strconv.FormatInt(w.GetPosition(), 10) ||
			h.Get(relay.HeaderKind) != w.GetKind().String() || h.Get(relay.HeaderLoanID) != w.GetLoanId() ||
			h.Get(relay.HeaderCreditLineID) != w.GetCreditLineId() {
			t.Errorf("message %d: headers %v, want the id, position, kind, loan and line of %s", m.Seq, h, w.GetEventId())
		}
		if m.Subject != relay.Subject(prefix, w.GetKind()) {
			t.Errorf("message %d: subject %s, want %s", m.Seq, m.Subject, relay.Subject(prefix, w.GetKind()))
		}
	}
}

// TestRelayPublishesTheFeed: on both stores, the relay creates the
// stream and publishes the feed as it is and as it grows, one message per
// event in position order; stopped and started again, it resumes after
// the last message and publishes nothing twice.
func TestRelayPublishesTheFeed(t *testing.T) {
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			w := newWorld(t, name)
			srv := natstest.Start(t)
			w.book(t, "L.1") // a '.' in the loan id: subjects must not carry it
			w.pay(t, "L.1", 3)
			_, stop := runRelay(t, w, srv.URL, relay.BodyProtobuf, nil)
			checkMessages(t, natstest.Consume(t, srv.URL, stream, len(w.want(t))), w.want(t), relay.BodyProtobuf)
			w.book(t, "L2") // while it runs: it follows the feed
			w.pay(t, "L2", 2)
			w.lineLife(t, "CL.1") // credit line events too
			got := natstest.Consume(t, srv.URL, stream, len(w.want(t)))
			checkMessages(t, got, w.want(t), relay.BodyProtobuf)
			checkLineMessages(t, got)
			stop()

			w.pay(t, "L.1", 2) // while it is stopped
			r, stop := runRelay(t, w, srv.URL, relay.BodyProtobuf, nil)
			checkMessages(t, natstest.Consume(t, srv.URL, stream, len(w.want(t))), w.want(t), relay.BodyProtobuf)
			stop()
			if all := w.want(t); r.Published() != all[len(all)-1].GetPosition() {
				t.Errorf("Published() = %d, want the last position %d", r.Published(), all[len(all)-1].GetPosition())
			}
			checkStreamConfig(t, srv.URL)
		})
	}
}

// checkLineMessages checks that line CL.1's events were published under
// their kinds' subjects with the line's header, the drawdown's naming
// its loan too.
func checkLineMessages(t *testing.T, got []natstest.Message) {
	t.Helper()
	var subjects []string
	for _, m := range got {
		if m.Header.Get(relay.HeaderCreditLineID) != "CL.1" {
			continue
		}
		subjects = append(subjects, m.Subject)
		if strings.HasSuffix(m.Subject, "drawdown") != (m.Header.Get(relay.HeaderLoanID) != "") {
			t.Errorf("%s: loan header %q", m.Subject, m.Header.Get(relay.HeaderLoanID))
		}
	}
	if s := strings.Join(subjects, " "); s != prefix+".credit_line_opened "+prefix+".credit_line_drawdown "+prefix+".credit_line_frozen" {
		t.Errorf("the line's messages: %s", s)
	}
}

// checkStreamConfig checks the stream the relay created.
func checkStreamConfig(t *testing.T, url string) {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	s, err := js.Stream(context.Background(), stream)
	if err != nil {
		t.Fatal(err)
	}
	c := s.CachedInfo().Config
	if len(c.Subjects) != 1 || c.Subjects[0] != prefix+".>" || c.Storage != jetstream.FileStorage || c.Duplicates != relay.DuplicateWindow {
		t.Errorf("stream config: subjects %v, storage %v, duplicates %v", c.Subjects, c.Storage, c.Duplicates)
	}
}

// TestRelayJSONBody: with BodyJSON each body is the event in protobuf's
// JSON mapping, and the content type says so.
func TestRelayJSONBody(t *testing.T) {
	w := newWorld(t, "sqlite")
	srv := natstest.Start(t)
	w.book(t, "L1")
	w.pay(t, "L1", 1)
	runRelay(t, w, srv.URL, relay.BodyJSON, nil)
	got := natstest.Consume(t, srv.URL, stream, len(w.want(t)))
	checkMessages(t, got, w.want(t), relay.BodyJSON)
	if ct := got[0].Header.Get(relay.HeaderContentType); ct != relay.ContentTypeJSON {
		t.Errorf("content type %q, want %q", ct, relay.ContentTypeJSON)
	}
}

// TestRelayLeavesNoGap: a message JetStream refuses in the middle of a
// window must not let the messages after it in: the stream would then
// end after a gap, and a relay resuming from its last message would
// never publish the refused one. Here the stream (made by an operator,
// so the relay uses it as it is) takes every subject but reversals', so
// the reversal's publish fails while the repayments after it are in
// flight. The stream must stop just before the reversal, and once the
// operator fixes the subjects, the retrying relay must publish the rest.
func TestRelayLeavesNoGap(t *testing.T) {
	w := newWorld(t, "sqlite")
	srv := natstest.Start(t)
	js := jetStreamOf(t, srv.URL)
	cfg := relay.StreamConfig(stream, prefix)
	cfg.Subjects = nil
	for k := range loancorev1.FeedEventKind_name {
		kind := loancorev1.FeedEventKind(k)
		if kind != loancorev1.FeedEventKind_FEED_EVENT_KIND_REPAYMENT_REVERSAL {
			cfg.Subjects = append(cfg.Subjects, relay.Subject(prefix, kind))
		}
	}
	ctx := context.Background()
	if _, err := js.CreateStream(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	w.book(t, "L1")
	seq := w.pay(t, "L1", 3)
	before := len(w.want(t))
	if _, err := w.loans.ReverseRepayment(ctx, servicing.ReverseRepaymentParams{RequestID: "r", RequestHash: "r", LoanID: "L1", Seq: seq,
		Reason: "bounced"}); err != nil {
		t.Fatal(err)
	}
	w.pay(t, "L1", 5)
	log := &logBuffer{}
	runRelay(t, w, srv.URL, relay.BodyProtobuf, log)
	waitFor(t, func() bool { return log.count("relay: failed; retrying") > 0 })
	checkMessages(t, natstest.Consume(t, srv.URL, stream, before), w.want(t)[:before], relay.BodyProtobuf)

	cfg.Subjects = []string{prefix + ".>"}
	if _, err := js.UpdateStream(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	checkMessages(t, natstest.Consume(t, srv.URL, stream, len(w.want(t))), w.want(t), relay.BodyProtobuf)
	t.Logf("%d failed sessions before the stream was fixed", log.count("relay: failed; retrying"))
}

// jetStreamOf connects to url for the test's own JetStream calls.
func jetStreamOf(t testing.TB, url string) jetstream.JetStream {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return js
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

// TestRelayRidesOutANATSOutage: the NATS server goes away while the relay
// runs and comes back (with its streams, as a restarted server does); the
// relay, left running, logs the failure, retries, and publishes what was
// written meanwhile, so the stream ends with the whole feed, each event
// once.
func TestRelayRidesOutANATSOutage(t *testing.T) {
	w := newWorld(t, "sqlite")
	srv := natstest.Start(t)
	w.book(t, "L1")
	w.pay(t, "L1", 3)
	log := &logBuffer{}
	runRelay(t, w, srv.URL, relay.BodyProtobuf, log)
	natstest.Consume(t, srv.URL, stream, len(w.want(t)))
	srv.Shutdown()
	waitFor(t, func() bool { return log.count("relay: failed; retrying") > 0 })
	w.pay(t, "L1", 4)
	srv.Restart(t)
	checkMessages(t, natstest.Consume(t, srv.URL, stream, len(w.want(t))), w.want(t), relay.BodyProtobuf)
	t.Logf("%d failed sessions during the outage", log.count("relay: failed; retrying"))
}

// TestRelayRefusesAStreamItDidNotWrite: when the stream's last message
// carries no feed position, nothing says where publishing stopped, so the
// relay publishes nothing and says why at each retry, rather than guess.
func TestRelayRefusesAStreamItDidNotWrite(t *testing.T) {
	w := newWorld(t, "sqlite")
	srv := natstest.Start(t)
	js := jetStreamOf(t, srv.URL)
	ctx := context.Background()
	if _, err := js.CreateStream(ctx, relay.StreamConfig(stream, prefix)); err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(ctx, prefix+".repayment", []byte("not the relay's")); err != nil {
		t.Fatal(err)
	}
	w.book(t, "L1")
	log := &logBuffer{}
	runRelay(t, w, srv.URL, relay.BodyProtobuf, log)
	waitFor(t, func() bool { return log.count("a message not published by loand relay") >= 2 })
	natstest.Consume(t, srv.URL, stream, 1) // still only the stranger
}
