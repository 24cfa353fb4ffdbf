// Package natstest gives tests a real NATS server with JetStream: the
// nats-server Go module, embedded in the test process, on a free loopback
// port, keeping its streams in a temporary directory. It is the server
// Debian packages (nats-server), not a stand-in: the relay's guarantee
// rests on JetStream's own checks (Nats-Expected-Last-Sequence,
// Nats-Msg-Id), so only the real server can show it.
package natstest

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Server is a running embedded server.
type Server struct {
	// URL is where clients connect: nats://127.0.0.1:PORT.
	URL string
	// Dir holds the JetStream store; it outlives Restart.
	Dir  string
	port int
	srv  *server.Server
}

// Start starts a server with JetStream on a free loopback port and stops
// it when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{Dir: t.TempDir(), port: freePort(t)}
	s.start(t)
	t.Cleanup(s.Shutdown)
	return s
}

// start starts the server on s's port and store.
func (s *Server) start(t testing.TB) {
	t.Helper()
	srv, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: s.port, JetStream: true, StoreDir: s.Dir,
		NoSigs: true, NoLog: true})
	if err != nil {
		t.Fatalf("natstest: %v", err)
	}
	srv.Start()
	if !srv.ReadyForConnections(30 * time.Second) {
		srv.Shutdown()
		t.Fatal("natstest: the server did not get ready in 30s")
	}
	s.srv, s.URL = srv, srv.ClientURL()
}

// Shutdown stops the server, closing every connection, and waits until
// it has stopped. Stopping a stopped server does nothing.
func (s *Server) Shutdown() {
	if s.srv != nil {
		s.srv.Shutdown()
		s.srv.WaitForShutdown()
		s.srv = nil
	}
}

// Restart stops the server and starts it again on the same port, with
// the streams it had: a NATS outage, as clients see it.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	s.Shutdown()
	s.start(t)
}

// freePort is a loopback port nothing listens on now.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Message is one message a consumer received.
type Message struct {
	Subject string
	Header  nats.Header
	Data    []byte
	// Seq is the message's sequence in the stream.
	Seq uint64
}

// Consume reads a stream from its first message with an ordered
// consumer, as a team consuming the feed would, until it has want
// messages, and fails the test if a minute passes first. It then checks
// that the stream holds no more than that.
func Consume(t testing.TB, url, stream string, want int) []Message {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// The stream may be about to be created by whoever publishes to it.
	cons, err := js.OrderedConsumer(ctx, stream, jetstream.OrderedConsumerConfig{})
	for errors.Is(err, jetstream.ErrStreamNotFound) && ctx.Err() == nil {
		time.Sleep(20 * time.Millisecond)
		cons, err = js.OrderedConsumer(ctx, stream, jetstream.OrderedConsumerConfig{})
	}
	if err != nil {
		t.Fatal(err)
	}
	var got []Message
	for len(got) < want && ctx.Err() == nil {
		batch, err := cons.Fetch(want-len(got), jetstream.FetchMaxWait(time.Second))
		if err != nil {
			t.Fatal(err)
		}
		for m := range batch.Messages() {
			meta, err := m.Metadata()
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, Message{Subject: m.Subject(), Header: m.Headers(), Data: m.Data(), Seq: meta.Sequence.Stream})
		}
	}
	if len(got) < want {
		t.Fatalf("stream %s: %d messages after a minute, want %d", stream, len(got), want)
	}
	info, err := js.Stream(ctx, stream)
	if err != nil {
		t.Fatal(err)
	}
	if n := info.CachedInfo().State.Msgs; n != uint64(want) {
		t.Fatalf("stream %s holds %d messages, want %d", stream, n, want)
	}
	return got
}
