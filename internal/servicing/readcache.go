package servicing

import (
	"context"
	"runtime"
	"sync"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/store"
)

// readCache keeps the views GetLoan last answered, one per loan, so that
// a read as of the same date of a loan that has not changed since is
// answered without reading and folding its log again. A view is a pure
// function of the loan's log, the date and this process's policies; the
// log changes only by appending, and every append moves the loan's
// version. So an entry at (version, as_of) is right for as long as the
// loan is at that version, whichever process writes next: the version
// check (versionCheck) is what tells.
//
// Views in it are shared by the reads it answers: nothing may change one.
// Entries are held by pointer and never changed once put (confirm puts a
// changed copy), so that a lookup copies a pointer under the map's lock,
// not the ~1 KB view: the lock is taken by every read on both cores.
type readCache struct {
	entries *boundedMap[string, *readEntry]
}

// readEntry is a view and what it is the view of.
type readEntry struct {
	version int64
	asOf    engine.Date
	// marker is the store's change marker of a state the loan was at
	// version in (the check that last found it there); "" for none yet.
	marker string
	view   LoanView
}

func newReadCache(limit int) *readCache {
	return &readCache{entries: newBoundedMap[string, *readEntry](limit)}
}

// get returns the loan's entry if it is as of asOf. The entry is shared:
// the caller must not change it.
func (c *readCache) get(loanID string, asOf engine.Date) (*readEntry, bool) {
	if c == nil {
		return nil, false
	}
	e, ok := c.entries.get(loanID)
	return e, ok && e.asOf == asOf
}

// put keeps v, replacing the loan's entry unless that one is of a later
// version (a slower read of an older log must not undo a newer one), and
// returns v with the memo its renderings are kept in when kept.
func (c *readCache) put(v LoanView) LoanView {
	if c == nil {
		return v
	}
	v.memo = &viewMemo{}
	c.entries.put(v.LoanID, &readEntry{version: v.Version, asOf: v.AsOf, view: v},
		func(old *readEntry) bool { return old.version > v.Version })
	return v
}

// confirm notes that the loan's entry of version still holds in the
// state marker names, unless the entry has changed meanwhile.
func (c *readCache) confirm(loanID string, version int64, marker string) {
	c.entries.update(loanID, func(e *readEntry) (*readEntry, bool) {
		if e.version != version {
			return e, false
		}
		changed := *e
		changed.marker = marker
		return &changed, true
	})
}

func (c *readCache) drop(loanID string) {
	if c != nil {
		c.entries.drop(loanID)
	}
}

// versionStore is what the version check reads (every store.Store): the
// loans' versions with a change marker, so that a check that finds the
// marker where the readers' entries were confirmed reads no loan at all,
// and the marker's in-memory answer, asked before any check.
type versionStore interface {
	LoanVersionsSince(ctx context.Context, since string, loanIDs []string) (store.MarkedVersions, error)
	store.LocalMarker
}

// versionCheckTimeout bounds one shared check: it runs on behalf of every
// read waiting for it, so no one caller's deadline may cut it short.
const versionCheckTimeout = 10 * time.Second

// versionChecksInFlight is how many version checks may be under way at
// once by default: one, so that every read that arrives during a check
// joins the next and a round trip is shared by as many reads as possible.
// Measured with make bench-read on a quiet 2-core machine (8 clients),
// GetLoan ran at 0.27× the health check on PostgreSQL and 0.44× on SQLite
// with one check at a time, 0.22× and 0.44–0.48× with two, 0.19–0.21× and
// 0.31–0.37× with four: the store's round trip, not the wait behind it,
// is what a read pays for. Again with the marker check and a PostgreSQL
// connection per check in flight (read25, CPU-bound 2-core machine):
// two in flight made 0.56 checks a read against 0.38 and cost the
// database 27.6 µs a read against 16.1, and GetLoan was no faster.
const versionChecksInFlight = 1

// versionCheck learns loans' current versions for the read cache, one
// store round trip shared by the reads that arrive together (as a group
// commit shares a flush). A read joins the next check, the one that has
// not been sent yet: a check already under way may have begun before the
// read arrived, and so before a write that the read must see. The check a
// read waits for is sent after it arrived, and a statement sees every
// commit made before it started, in this process or any other: strict
// freshness, for one round trip shared among the readers. The next check
// starts at once while fewer than limit are under way, else when one
// ends; starting, it first yields the processor, so that the reads
// already runnable (gRPC hands a burst of requests read together to as
// many goroutines) join it rather than wait a whole round trip for the
// one after.
//
// A check asks for the loans' versions only if the store's change marker
// has moved since the one its readers' entries were confirmed at (the
// last check's, in the steady state): with nothing committed since, the
// check reads the marker alone.
type versionCheck struct {
	store versionStore
	// limit is how many checks may be under way at once; 0 means
	// versionChecksInFlight.
	limit    int
	mu       sync.Mutex
	inFlight int
	next     *versionBatch
	// marker is the change marker the last check read.
	marker string
}

// versionBatch is one check: the loans asked for, and once done is
// closed, their versions (nil when the marker had not moved since) and
// the marker, or the error.
type versionBatch struct {
	ctx context.Context
	ids []string
	// led is whether a goroutine will send the batch: it stays the next
	// batch, open to reads, until then (versionCheck.run).
	led bool
	// since is the marker every reader's entry was confirmed at, or ""
	// when they differ (the check then asks for the versions).
	since    string
	done     chan struct{}
	versions map[string]int64
	marker   string
	err      error
}

// versionAnswer is what a check tells one read: the loan's version and
// whether it exists, or, unchanged, that nothing was committed since the
// marker the read's entry was confirmed at; and the check's marker.
type versionAnswer struct {
	version   int64
	exists    bool
	unchanged bool
	marker    string
}

// check waits for the check after the read's arrival and answers for the
// loan, whose entry was confirmed at marker ("" for none).
func (c *versionCheck) check(ctx context.Context, loanID, marker string) (versionAnswer, error) {
	// A marker read in memory, after the read arrived, sees every commit
	// acknowledged before it as a shared check would: unchanged, the read
	// needs no check, nor its batch and timer.
	if marker != "" && c.store.MarkerUnchanged(marker) {
		return versionAnswer{unchanged: true, marker: marker}, nil
	}
	c.mu.Lock()
	if c.next == nil {
		c.next = &versionBatch{ctx: context.WithoutCancel(ctx), done: make(chan struct{}), since: c.marker}
	}
	b := c.next
	b.ids = append(b.ids, loanID)
	if marker != b.since {
		b.since = ""
	}
	lead := !b.led && c.inFlight < c.max()
	if lead {
		c.inFlight++
		b.led = true
	}
	c.mu.Unlock()
	if lead {
		c.run(b)
	}
	select {
	case <-b.done:
	case <-ctx.Done():
		return versionAnswer{}, ctx.Err()
	}
	if b.err != nil {
		return versionAnswer{}, b.err
	}
	if marker != "" && marker == b.marker {
		return versionAnswer{unchanged: true, marker: b.marker}, nil
	}
	v, ok := b.versions[loanID]
	return versionAnswer{version: v, exists: ok, marker: b.marker}, nil
}

func (c *versionCheck) max() int {
	if c.limit > 0 {
		return c.limit
	}
	return versionChecksInFlight
}

// run makes check b, the next batch, led by the caller: it lets the
// runnable goroutines run first, so that reads about to arrive join b,
// then closes b to reads and sends it. Then it hands the batch gathered
// meanwhile, if any, to a goroutine of its own, so that b's readers are
// answered at once.
func (c *versionCheck) run(b *versionBatch) {
	// Measured (make bench-read's GetLoan load, PostgreSQL): 2.7 reads a
	// check without the yield, 4.0 with it, and the database's CPU a
	// read down by 29%. A read that joins now still precedes the send.
	runtime.Gosched()
	c.mu.Lock()
	if c.next == b {
		c.next = nil
	}
	c.mu.Unlock()
	ctx, cancel := context.WithTimeout(b.ctx, versionCheckTimeout)
	got, err := c.store.LoanVersionsSince(ctx, b.since, uniqueIDs(b.ids))
	b.versions, b.marker, b.err = got.Versions, got.Marker, err
	cancel()
	close(b.done)
	c.mu.Lock()
	if b.err == nil && b.marker != "" {
		c.marker = b.marker
	}
	next := c.next
	if next != nil && !next.led {
		// This check's place passes to the next: inFlight stays.
		next.led = true
	} else {
		next = nil
		c.inFlight--
	}
	c.mu.Unlock()
	if next != nil {
		go c.run(next)
	}
}

// uniqueIDs returns ids without repeats (two reads of one loan in one
// batch ask once); ids is reused.
func uniqueIDs(ids []string) []string {
	if len(ids) < 2 {
		return ids
	}
	seen := make(map[string]bool, len(ids))
	out := ids[:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
