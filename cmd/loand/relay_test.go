package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/proto"

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
	"github.com/loancore/loancore/internal/relay"
	"github.com/loancore/loancore/internal/relay/natstest"
	"github.com/loancore/loancore/internal/store/pgtest"
)

// TestRelaySurvivesSIGKILL is the relay's crash test: the NATS relay
// delivers the same sequence to a JetStream consumer across a relay
// crash. Writers pay loans through a serving loand while loand relay, a
// process of its own, publishes the feed to an embedded JetStream server;
// the relay is killed with SIGKILL while publishing and started again,
// and the writers go on. In the end a JetStream consumer reading the
// stream from its start receives exactly the feed that SubscribeEvents
// with stop_at_head returns: the same event ids, in position order, each
// once.
func TestRelaySurvivesSIGKILL(t *testing.T) {
	databases := map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "loancore.db") },
		"postgres": func(t *testing.T) string { return pgtest.URL(t) },
	}
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) { relayCrash(t, databases[name](t)) })
	}
}

// relayCrash runs TestRelaySurvivesSIGKILL on one database.
func relayCrash(t *testing.T, database string) {
	srv := natstest.Start(t)
	addr := freeAddr(t)
	startLoand(t, addr, database)
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	loans := loancorev1.NewLoanServiceClient(conn)
	stop := make(chan struct{})
	var paid atomic.Int64
	var writers sync.WaitGroup
	for w := range 4 {
		writers.Add(1)
		go func() { defer writers.Done(); keepPaying(t, loans, fmt.Sprintf("RK-%d", w), stop, &paid) }()
	}
	// A small window, so that the kill finds publishes in flight.
	args := []string{"relay", "--nats", srv.URL, "--database", database, "--log-format", "json", "--nats-window", "8"}
	first := launch(t, nil, args...)
	first.log.wait(t, 0, "relay publishing", "after_position", "0")
	js := jetStreamOf(t, srv.URL)
	waitFor(t, func() bool { return streamMessages(js) >= 60 })
	if err := first.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-first.exited
	atKill, paidAtKill := streamMessages(js), paid.Load()
	waitFor(t, func() bool { return paid.Load() >= paidAtKill+40 })

	second := launch(t, nil, args...)
	resumed := second.log.wait(t, 0, "relay publishing")
	waitFor(t, func() bool { return paid.Load() >= paidAtKill+80 })
	close(stop)
	writers.Wait()
	want := feedToHead(t, loancorev1.NewEventFeedServiceClient(conn))
	got := natstest.Consume(t, srv.URL, relay.DefaultStream, len(want))
	checkSameSequence(t, got, want)

	second.stop(t) // SIGTERM: exits 0, having logged where it stopped
	stopped := second.log.wait(t, 0, "loand relay stopped")
	if last := want[len(want)-1].GetPosition(); fmt.Sprint(stopped["published_position"]) != strconv.FormatInt(last, 10) {
		t.Errorf("stopped at position %v, want %d", stopped["published_position"], last)
	}
	t.Logf("%d messages in the stream at the SIGKILL; the restarted relay resumed after position %v (stream sequence %v); "+
		"%d events in the end", atKill, resumed["after_position"], resumed["stream_sequence"], len(want))
}

// streamMessages is how many messages the relay's stream holds; 0 while
// it does not exist.
func streamMessages(js jetstream.JetStream) uint64 {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, relay.DefaultStream)
	if err != nil {
		return 0
	}
	return s.CachedInfo().State.Msgs
}

// feedToHead is the whole feed, as SubscribeEvents with stop_at_head
// sends it.
func feedToHead(t *testing.T, feed loancorev1.EventFeedServiceClient) []*loancorev1.FeedEvent {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	stream, err := feed.SubscribeEvents(ctx, &loancorev1.SubscribeEventsRequest{StopAtHead: true})
	if err != nil {
		t.Fatal(err)
	}
	var out []*loancorev1.FeedEvent
	for {
		m, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if e := m.GetEvent(); e != nil {
			out = append(out, e)
		}
	}
}

// checkSameSequence checks that the consumer got want's events in order,
// each once: the ids, the positions and the bodies.
func checkSameSequence(t *testing.T, got []natstest.Message, want []*loancorev1.FeedEvent) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("the consumer got %d messages, the feed has %d events", len(got), len(want))
	}
	for i, m := range got {
		ev := &loancorev1.FeedEvent{}
		if err := proto.Unmarshal(m.Data, ev); err != nil {
			t.Fatalf("message %d: %v", m.Seq, err)
		}
		if m.Header.Get(jetstream.MsgIDHeader) != want[i].GetEventId() || !proto.Equal(ev, want[i]) {
			t.Fatalf("message %d is %s (position %d), want %s (position %d)", m.Seq, m.Header.Get(jetstream.MsgIDHeader),
				ev.GetPosition(), want[i].GetEventId(), want[i].GetPosition())
		}
	}
}

// jetStreamOf connects to url for the test's own JetStream calls.
func jetStreamOf(t *testing.T, url string) jetstream.JetStream {
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

// TestConfigRelayURLs: a NATS URL off loopback is accepted when the
// connection is TLS (tls://, wss://, or --nats-ca, which makes nats.go
// require it) or plaintext was accepted with --insecure-plaintext; the
// refusals are in TestConfigRefuses.
func TestConfigRelayURLs(t *testing.T) {
	for _, args := range [][]string{
		{"--nats", "nats://127.0.0.1:4222"},
		{"--nats", "nats://localhost:4222,nats://[::1]:4222"},
		{"--nats", "tls://nats.bank.test:4222"},
		{"--nats", "wss://nats.bank.test:443"},
		{"--nats", "nats://nats.bank.test:4222", "--nats-ca", "/etc/loancore/nats-ca.pem"},
		{"--nats", "nats://nats.bank.test:4222", "--insecure-plaintext"},
		{"--nats", "tls://a.bank.test:4222, tls://b.bank.test:4222"},
	} {
		if _, err := parseConfig(args, env()); err != nil {
			t.Errorf("%q: %v", args, err)
		}
	}
}
