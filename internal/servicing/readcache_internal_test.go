package servicing

import (
	"context"
	"strconv"
	"sync"
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
