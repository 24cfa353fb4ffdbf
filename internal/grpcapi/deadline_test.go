package grpcapi

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// ctxKey is a key of a value the tests put in a call's context.
type ctxKey struct{}

// TestLazyDeadline: a deadlineCtx behaves as context.WithDeadline's
// context does, seen from every side (Done, Err, Cause, derived contexts,
// values, the parent's cancel, the end of the call), and makes no timer
// until something waits for it.
func TestLazyDeadline(t *testing.T) {
	parent := context.WithValue(context.Background(), ctxKey{}, "v")
	t.Run("untouched", func(t *testing.T) {
		c := withLazyDeadline(parent, time.Hour)
		defer c.end()
		if d, ok := c.Deadline(); !ok || time.Until(d) < 59*time.Minute {
			t.Fatalf("deadline %v, %v", d, ok)
		}
		if c.Err() != nil || c.Value(ctxKey{}) != "v" || c.state.Load() != lazyNone {
			t.Fatalf("Err %v, value %v, or a timer made: state %d", c.Err(), c.Value(ctxKey{}), c.state.Load())
		}
	})
	t.Run("waited for", func(t *testing.T) {
		c := withLazyDeadline(parent, 20*time.Millisecond)
		defer c.end()
		<-c.Done()
		if !errors.Is(c.Err(), context.DeadlineExceeded) || !errors.Is(context.Cause(c), context.DeadlineExceeded) ||
			c.Value(ctxKey{}) != "v" {
			t.Fatalf("Err %v, Cause %v, value %v", c.Err(), context.Cause(c), c.Value(ctxKey{}))
		}
	})
	t.Run("past the deadline, never waited for", func(t *testing.T) {
		c := withLazyDeadline(parent, time.Millisecond)
		defer c.end()
		time.Sleep(5 * time.Millisecond)
		if !errors.Is(c.Err(), context.DeadlineExceeded) || !errors.Is(context.Cause(c), context.DeadlineExceeded) {
			t.Fatalf("Err %v, Cause %v", c.Err(), context.Cause(c))
		}
		select {
		case <-c.Done():
		default:
			t.Fatal("Err says the deadline passed, Done is open")
		}
	})
	t.Run("derived", func(t *testing.T) {
		c := withLazyDeadline(parent, 20*time.Millisecond)
		defer c.end()
		child, cancel := context.WithCancel(c)
		defer cancel()
		stop := context.AfterFunc(c, func() {})
		defer stop()
		<-child.Done()
		if !errors.Is(child.Err(), context.DeadlineExceeded) {
			t.Fatalf("the derived context ended with %v", child.Err())
		}
	})
	t.Run("parent cancelled", func(t *testing.T) {
		p, cancel := context.WithCancel(parent)
		c := withLazyDeadline(p, time.Hour)
		defer c.end()
		cancel()
		if !errors.Is(c.Err(), context.Canceled) {
			t.Fatalf("Err %v before anyone waited", c.Err())
		}
		<-c.Done()
	})
	for _, waited := range []bool{false, true} {
		t.Run(map[bool]string{false: "ended untouched", true: "ended after a wait"}[waited], func(t *testing.T) {
			c := withLazyDeadline(parent, time.Hour)
			if waited {
				_ = c.Done()
			}
			c.end()
			ran := make(chan struct{})
			context.AfterFunc(c, func() { close(ran) })
			<-ran
			<-c.Done()
			if !errors.Is(c.Err(), context.Canceled) || c.Value(ctxKey{}) != "v" {
				t.Fatalf("after its call: Err %v, value %v", c.Err(), c.Value(ctxKey{}))
			}
		})
	}
	t.Run("concurrent", func(t *testing.T) {
		for range 200 {
			c := withLazyDeadline(parent, time.Hour)
			var wg sync.WaitGroup
			for i := range 4 {
				wg.Go(func() {
					if i%2 == 0 {
						_ = c.Done()
					}
					_ = c.Err()
				})
			}
			wg.Go(c.end)
			wg.Wait()
			<-c.Done()
			if !errors.Is(c.Err(), context.Canceled) {
				t.Fatalf("Err %v after the end", c.Err())
			}
		}
	})
}
