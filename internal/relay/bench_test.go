package relay_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/loancore/loancore/internal/relay"
	"github.com/loancore/loancore/internal/relay/natstest"
)

// benchEvents is how many feed events BenchmarkRelay publishes per run.
const benchEvents = 10000

// BenchmarkRelay measures what a relay publishes per second when it has
// a backlog: the feed holds benchEvents events (written before the
// timer), and each run publishes all of them to a new stream on an
// embedded JetStream server (file storage, on this machine's disk), from
// the relay's start to the stream holding the last one. By store and by
// window: 1 waits for each acknowledgement before the next publish.
//
//	go test ./internal/relay -run '^$' -bench Relay -benchtime 3x
func BenchmarkRelay(b *testing.B) {
	for _, name := range []string{"sqlite", "postgres"} {
		b.Run(name, func(b *testing.B) {
			w := benchWorld(b, name)
			srv := natstest.Start(b)
			for _, window := range []int{1, 16, relay.DefaultWindow} {
				b.Run(fmt.Sprintf("window=%d", window), func(b *testing.B) {
					var elapsed time.Duration
					for i := range b.N {
						elapsed += publishAll(b, w, srv.URL, fmt.Sprintf("BENCH_%d_%d", window, i), window)
					}
					b.ReportMetric(float64(benchEvents*b.N)/elapsed.Seconds(), "msgs/s")
				})
			}
		})
	}
}

// benchWorld is a store whose feed holds benchEvents events: loans of
// an origination, a disbursement and repayments.
func benchWorld(b *testing.B, name string) *world {
	w := newWorld(b, name)
	for i := 0; len(w.want(b)) < benchEvents; i++ {
		id := fmt.Sprintf("B%d", i)
		w.book(b, id)
		w.pay(b, id, min(98, benchEvents-len(w.want(b))))
	}
	if n := len(w.want(b)); n != benchEvents {
		b.Fatalf("%d events, want %d", n, benchEvents)
	}
	return w
}

// publishAll runs a relay to a new stream until the stream holds the
// whole feed, and returns how long that took.
func publishAll(b *testing.B, w *world, url, stream string, window int) time.Duration {
	js := jetStreamOf(b, url)
	r := relay.New(relay.Params{Feed: w.feed, URL: url, Stream: stream, SubjectPrefix: "bench." + stream, Window: window,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	start := time.Now()
	go func() { defer close(done); _ = r.Run(ctx) }()
	last := w.want(b)[benchEvents-1].GetPosition()
	for deadline := start.Add(5 * time.Minute); r.Published() < last; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			b.Fatalf("published to position %d in 5 minutes, want %d", r.Published(), last)
		}
	}
	elapsed := time.Since(start)
	cancel()
	<-done
	if err := js.DeleteStream(context.Background(), stream); err != nil {
		b.Fatal(err)
	}
	return elapsed
}
