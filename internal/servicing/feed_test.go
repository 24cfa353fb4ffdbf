package servicing

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loancore/loancore/internal/store"
)

// passCounter is a store.Feed that records when each sequencer pass began
// and moves the head by one each time. The first pass lasts until hold is
// closed.
type passCounter struct {
	passes chan time.Time
	hold   chan struct{}
	head   atomic.Int64
}

func (p *passCounter) SequenceFeed(context.Context, store.SequenceFeedParams) (int64, error) {
	p.passes <- time.Now()
	if p.head.Load() == 0 {
		<-p.hold
	}
	return p.head.Add(1), nil
}

func (p *passCounter) ReadFeed(_ context.Context, r store.ReadFeedParams) (store.FeedPage, error) {
	return store.FeedPage{Through: r.After}, nil
}

// TestFeedMinInterval: a write wakes the sequencer at once when it has
// not run for MinInterval; the writes during the interval that follows
// are sequenced together by one pass when it ends, not one pass each, and
// leave no wake-up behind for a pass of their own.
func TestFeedMinInterval(t *testing.T) {
	const gap = 400 * time.Millisecond
	counter := &passCounter{passes: make(chan time.Time, 100), hold: make(chan struct{})}
	// A poll of an hour: every pass here is one a write woke.
	f := NewFeed(NewFeedParams{Store: counter, Poll: time.Hour, MinInterval: gap})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); f.Run(ctx) }()
	defer func() { cancel(); <-done }()
	wait := func(what string) time.Time {
		t.Helper()
		select {
		case at := <-counter.passes:
			return at
		case <-time.After(10 * time.Second):
			t.Fatalf("no pass %s", what)
			return time.Time{}
		}
	}
	f.Wrote()
	first := wait("after the first write")
	// Written while the first pass runs, so before the interval ends
	// however slowly this goroutine is scheduled.
	for range 50 {
		f.Wrote()
	}
	close(counter.hold)
	// And while the sequencer waits out the interval (with 300ms to spare
	// for this goroutine's scheduling).
	time.Sleep(gap / 4)
	for range 50 {
		f.Wrote()
	}
	second := wait("after the writes during the interval")
	if gapWas := second.Sub(first); gapWas < gap {
		t.Errorf("the second pass began %v after the first, want at least %v", gapWas, gap)
	}
	select {
	case <-counter.passes:
		t.Error("the writes during the interval had a pass of their own after the one that sequenced them")
	case <-time.After(2 * gap):
	}
	f.Wrote()
	wait("after a write once the interval had passed")
	if head := f.Head(); head < 1 {
		t.Errorf("Head() = %d after the passes, want it moved", head)
	}
}
