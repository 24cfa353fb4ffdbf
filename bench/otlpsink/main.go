package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/loancore/loancore/internal/telemetry/otlpsink"
)

func main() {
	addr := flag.String("otlp", "127.0.0.1:4317", "address to receive OTLP traces over gRPC on")
	scrapeURLs := flag.String("scrape", "", "comma-separated URLs of loands' /metrics to scrape (none if empty)")
	every := flag.Duration("every", 15*time.Second, "scrape interval (Prometheus scrapes every 15s to 1m)")
	flag.Parse()
	sink, err := otlpsink.Start(*addr, false)
	if err != nil {
		fmt.Fprintln(os.Stderr, "otlpsink:", err)
		os.Exit(1)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	var scrapes, failed atomic.Int64
	for _, u := range strings.Split(*scrapeURLs, ",") {
		if u != "" {
			go scrapeEvery(ctx, u, *every, &scrapes, &failed)
		}
	}
	report := time.NewTicker(10 * time.Second)
	defer report.Stop()
	for {
		select {
		case <-ctx.Done():
			fmt.Printf("spans=%d scrapes=%d scrapes_failed=%d\n", sink.Count(), scrapes.Load(), failed.Load())
			sink.Stop()
			return
		case <-report.C:
			fmt.Printf("spans=%d scrapes=%d scrapes_failed=%d\n", sink.Count(), scrapes.Load(), failed.Load())
		}
	}
}

// scrapeEvery GETs url every interval until ctx ends, reading and
// discarding the body, counting the scrapes and the failed ones.
func scrapeEvery(ctx context.Context, url string, every time.Duration, scrapes, failed *atomic.Int64) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		resp, err := http.Get(url)
		if err == nil {
			_, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				err = fmt.Errorf("status %d", resp.StatusCode)
			}
		}
		scrapes.Add(1)
		if err != nil {
			failed.Add(1)
		}
	}
}
