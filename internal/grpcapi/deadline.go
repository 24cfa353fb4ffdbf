package grpcapi

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// deadlineCtx is a call's context with the server's default deadline, as
// context.WithDeadline would give it, but with no timer until something
// waits for it: most calls never do (a read the cache answers from an
// in-memory marker touches no channel of its context), and a timer per
// call, registered with the call's context and stopped at its end, cost
// ~3% of a cached read's CPU. The first Done, AfterFunc (a context
// derived with a cancel of its own) or Err past the deadline makes the
// real one (timed), and from then on everything is answered by it. Err
// before then tells the deadline by the clock, so no one can see the call
// still live past its deadline.
type deadlineCtx struct {
	context.Context
	deadline time.Time
	mu       sync.Mutex
	// state says what timed is: nothing yet (lazyNone), the context made
	// with the deadline, cancel its cancel (lazyTimed), or endedCtx
	// (lazyEnded). timed and cancel are written under mu before state
	// moves, and read after state is loaded.
	state  atomic.Uint32
	timed  context.Context
	cancel context.CancelFunc
}

// The states of a deadlineCtx.
const (
	lazyNone uint32 = iota
	lazyTimed
	lazyEnded
)

// endedCtx is what a deadlineCtx is once its call has ended without
// anything having waited for it: cancelled, as context.WithDeadline's is
// after its cancel.
var endedCtx = func() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}()

// withLazyDeadline returns parent with a deadline d from now; its end
// method is context.WithTimeout's cancel.
func withLazyDeadline(parent context.Context, d time.Duration) *deadlineCtx {
	return &deadlineCtx{Context: parent, deadline: time.Now().Add(d)}
}

// Deadline implements context.Context.
func (c *deadlineCtx) Deadline() (time.Time, bool) { return c.deadline, true }

// Done implements context.Context.
func (c *deadlineCtx) Done() <-chan struct{} { return c.start().Done() }

// Err implements context.Context.
func (c *deadlineCtx) Err() error {
	if c.state.Load() != lazyNone {
		return c.timed.Err()
	}
	if err := c.Context.Err(); err != nil {
		return err
	}
	if !time.Now().Before(c.deadline) {
		return c.start().Err()
	}
	return nil
}

// Value implements context.Context: the timed context's values once there
// is one (so that context.Cause finds its cause), else the call's.
func (c *deadlineCtx) Value(key any) any {
	if c.state.Load() == lazyTimed {
		return c.timed.Value(key)
	}
	return c.Context.Value(key)
}

// AfterFunc arranges for f to run once c is done, as context.AfterFunc;
// context.WithCancel and the like use it to follow c without a goroutine.
func (c *deadlineCtx) AfterFunc(f func()) func() bool {
	return context.AfterFunc(c.start(), f)
}

// start returns the timed context, making it on first use.
func (c *deadlineCtx) start() context.Context {
	if c.state.Load() != lazyNone {
		return c.timed
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state.Load() == lazyNone {
		c.timed, c.cancel = context.WithDeadline(c.Context, c.deadline)
		c.state.Store(lazyTimed)
	}
	return c.timed
}

// end cancels c when its call ends: the timer stopped if there was one,
// else c is ended, cancelled for whoever looks at it afterwards.
func (c *deadlineCtx) end() {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch c.state.Load() {
	case lazyTimed:
		c.cancel()
	case lazyNone:
		c.timed = endedCtx
		c.state.Store(lazyEnded)
	}
}
