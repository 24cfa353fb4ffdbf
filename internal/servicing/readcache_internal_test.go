package servicing

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loancore/loancore/internal/store"
)

// gatedVersions is a version store whose checks wait for a gate, so a
// test can hold one check in flight; it reports the versions of the
// moment each check started, under a marker of its own each (the reads
// here hold none, so every check reads the versions).
type gatedVersions struct {
	mu      sync.Mutex
	version int64
	checks  int
	started chan []string
	gate    chan struct{}
}

func (g *gatedVersions) LoanVersionsSince(_ context.Context, _ string, ids []string) (store.MarkedVersions, error) {
	g.mu.Lock()
	v := g.version
	g.checks++
	out := store.MarkedVersions{Marker: "g" + strconv.Itoa(g.checks), Versions: map[string]int64{}}
	g.mu.Unlock()
	g.started <- append([]string(nil), ids...)
	<-g.gate
	for _, id := range ids {
		out.Versions[id] = v
	}
	return out, nil
}

// version returns the loan's current version and whether it exists, as a
// read holding no marker asks.
func (c *versionCheck) version(ctx context.Context, loanID string) (int64, bool, error) {
	a, err := c.check(ctx, loanID, "")
	return a.version, a.exists, err
}

// TestVersionCheckStartsAfterTheRead: a read that arrives while a check
// is under way must not take that check's answer, which may predate a
// write the read must see; it waits for the next check, which also
// serves every read that arrived meanwhile, in one round trip. (One check
// at a time, so that the reads must wait.)
func TestVersionCheckStartsAfterTheRead(t *testing.T) {
	g := &gatedVersions{version: 1, started: make(chan []string, 4), gate: make(chan struct{})}
	c := &versionCheck{store: g, limit: 1}
	ctx := context.Background()
	type answer struct {
		v   int64
		err error
	}
	first := make(chan answer, 1)
	go func() { v, _, err := c.version(ctx, "A"); first <- answer{v, err} }()
	if ids := <-g.started; len(ids) != 1 || ids[0] != "A" {
		t.Fatalf("first check for %v", ids)
	}
	// A write commits while the first check is in flight; then two reads
	// arrive.
	g.mu.Lock()
	g.version = 2
	g.mu.Unlock()
	later := make(chan answer, 2)
	for _, id := range []string{"A", "B"} {
		go func() { v, _, err := c.version(ctx, id); later <- answer{v, err} }()
	}
	waitFor(t, func() bool { c.mu.Lock(); defer c.mu.Unlock(); return c.next != nil && len(c.next.ids) == 2 })
	g.gate <- struct{}{}
	if a := <-first; a.err != nil || a.v != 1 {
		t.Fatalf("first read: %+v", a)
	}
	if ids := <-g.started; len(ids) != 2 {
		t.Fatalf("the reads that arrived during a check shared the next: got %v", ids)
	}
	g.gate <- struct{}{}
	for range 2 {
		if a := <-later; a.err != nil || a.v != 2 {
			t.Fatalf("a read that arrived during a check took its stale answer: %+v", a)
		}
	}
}

// TestVersionCheckCallerGivesUp: a read whose context ends stops waiting;
// the check it led still answers the others.
func TestVersionCheckCallerGivesUp(t *testing.T) {
	g := &gatedVersions{version: 3, started: make(chan []string, 4), gate: make(chan struct{})}
	c := &versionCheck{store: g, limit: 1}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, _, err := c.version(ctx, "A"); done <- err }()
	<-g.started
	other := make(chan int64, 1)
	go func() { v, _, _ := c.version(context.Background(), "A"); other <- v }()
	waitFor(t, func() bool { c.mu.Lock(); defer c.mu.Unlock(); return c.next != nil })
	cancel()
	close(g.gate)
	if err := <-done; err != nil && err != context.Canceled {
		t.Fatal(err)
	}
	if v := <-other; v != 3 {
		t.Fatalf("the other read got %d", v)
	}
}

// waitFor polls cond for up to 5 s.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(time.Millisecond)
	}
}

// TestVersionChecksOverlap: with room for two checks, a read that arrives
// while one is under way starts the second at once rather than waiting,
// and a third waits for a place.
func TestVersionChecksOverlap(t *testing.T) {
	g := &gatedVersions{version: 5, started: make(chan []string, 4), gate: make(chan struct{})}
	c := &versionCheck{store: g, limit: 2}
	answers := make(chan int64, 3)
	read := func(id string) {
		go func() { v, _, _ := c.version(context.Background(), id); answers <- v }()
	}
	read("A")
	<-g.started
	read("B")
	if ids := <-g.started; len(ids) != 1 || ids[0] != "B" {
		t.Fatalf("second check for %v", ids)
	}
	read("C")
	waitFor(t, func() bool { c.mu.Lock(); defer c.mu.Unlock(); return c.next != nil })
	close(g.gate)
	if ids := <-g.started; len(ids) != 1 || ids[0] != "C" {
		t.Fatalf("third check for %v", ids)
	}
	for range 3 {
		if v := <-answers; v != 5 {
			t.Fatalf("got %d", v)
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.inFlight != 0 {
		t.Fatalf("%d checks left counted in flight", c.inFlight)
	}
}

// MarkerUnchanged says the marker is not in memory, as PostgreSQL's.
func (*gatedVersions) MarkerUnchanged(string) bool { return false }

// movingVersions is a version store whose one loan is written all the
// time: a check reports the version of the moment it was sent, and takes
// a while to come back, as a round trip does, while writes go on.
type movingVersions struct {
	version atomic.Int64
	checks  atomic.Int64
}

func (m *movingVersions) LoanVersionsSince(_ context.Context, _ string, ids []string) (store.MarkedVersions, error) {
	v := m.version.Load()
	n := m.checks.Add(1)
	time.Sleep(50 * time.Microsecond)
	out := store.MarkedVersions{Marker: "v" + strconv.FormatInt(n, 10), Versions: map[string]int64{}}
	for _, id := range ids {
		out.Versions[id] = v
	}
	return out, nil
}

// MarkerUnchanged says the marker is not in memory, as PostgreSQL's.
func (*movingVersions) MarkerUnchanged(string) bool { return false }

// TestVersionCheckNeverBeforeTheRead: many reads at once while a writer
// commits without pause; each read must get a version at least the one
// committed before it began, however the reads are batched (the check a
// read joins is sent after the read arrived: a read that joined a check
// already sent would get the version of before its own start).
func TestVersionCheckNeverBeforeTheRead(t *testing.T) {
	for _, limit := range []int{1, 2} {
		m := &movingVersions{}
		c := &versionCheck{store: m, limit: limit}
		stop := make(chan struct{})
		var writer sync.WaitGroup
		writer.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
					m.version.Add(1)
					runtime.Gosched()
				}
			}
		})
		var readers sync.WaitGroup
		errs := make(chan string, 16)
		for range 16 {
			readers.Go(func() {
				for range 300 {
					before := m.version.Load()
					v, _, err := c.version(context.Background(), "A")
					if err != nil || v < before {
						errs <- fmt.Sprintf("read got version %d (err %v); %d was committed before it began", v, err, before)
						return
					}
				}
			})
		}
		readers.Wait()
		close(stop)
		writer.Wait()
		close(errs)
		for e := range errs {
			t.Fatalf("limit %d: %s", limit, e)
		}
		if n := m.checks.Load(); n >= 16*300 {
			t.Errorf("limit %d: %d checks for %d reads: none shared", limit, n, 16*300)
		}
	}
}

// TestVersionCheckRunnableReadsJoin: reads that become runnable together
// (gRPC hands a burst of requests to as many goroutines at once) share the
// first check rather than the first going alone and the rest waiting for
// the next: the check yields before it is sent. Scheduling is not
// deterministic, so one of several attempts must show it; with the
// batch closed as soon as its first read starts it, none can.
func TestVersionCheckRunnableReadsJoin(t *testing.T) {
	for attempt := range 20 {
		g := &gatedVersions{version: 1, started: make(chan []string, 16), gate: make(chan struct{})}
		c := &versionCheck{store: g, limit: 1}
		start := make(chan struct{})
		var reads sync.WaitGroup
		for i := range 8 {
			reads.Go(func() {
				<-start
				_, _, _ = c.version(context.Background(), strconv.Itoa(i))
			})
		}
		close(start)
		first := <-g.started
		close(g.gate)
		reads.Wait()
		if len(first) > 1 {
			t.Logf("attempt %d: the first check carried %d reads", attempt, len(first))
			return
		}
	}
	t.Fatal("in 20 attempts, the first of 8 reads started together always went alone")
}
