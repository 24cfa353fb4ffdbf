package servicing

import (
	"context"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/loancore/loancore/internal/store"
)

// markedVersions is a version store with a change marker: the marker
// is the count of writes, and each call is noted with the since it was
// asked about and whether it read loans.
type markedVersions struct {
	mu       sync.Mutex
	writes   int
	versions map[string]int64
	calls    []string
}

func (m *markedVersions) LoanVersionsSince(_ context.Context, since string, ids []string) (store.MarkedVersions, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := store.MarkedVersions{Marker: "m" + strconv.Itoa(m.writes)}
	if out.Marker == since {
		m.calls = append(m.calls, since+" unchanged")
		return out, nil
	}
	m.calls = append(m.calls, since+" read")
	out.Versions = map[string]int64{}
	for _, id := range ids {
		if v, ok := m.versions[id]; ok {
			out.Versions[id] = v
		}
	}
	return out, nil
}

func (m *markedVersions) write(id string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.writes++
	m.versions[id]++
}

// TestVersionCheckMarker: a read whose entry was confirmed at the current
// marker is answered by the marker alone (the store reads no loan); once
// anything is written the marker moves and the check reads the versions,
// and a read holding no marker, or an older one, always gets them.
func TestVersionCheckMarker(t *testing.T) {
	s := &markedVersions{versions: map[string]int64{"A": 2, "B": 7}}
	c := &versionCheck{store: s}
	ctx := context.Background()
	ask := func(id, marker string) versionAnswer {
		t.Helper()
		a, err := c.check(ctx, id, marker)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	if a := ask("A", ""); a.unchanged || !a.exists || a.version != 2 || a.marker != "m0" {
		t.Fatalf("no marker yet: %+v", a)
	}
	if a := ask("A", "m0"); !a.unchanged || a.marker != "m0" {
		t.Fatalf("nothing written: %+v", a)
	}
	s.write("B")
	if a := ask("A", "m0"); a.unchanged || a.version != 2 || a.marker != "m1" {
		t.Fatalf("after a write to another loan: %+v", a)
	}
	s.write("A")
	if a := ask("A", "m1"); a.unchanged || a.version != 3 || a.marker != "m2" {
		t.Fatalf("after a write to the loan: %+v", a)
	}
	// B's entry is still at m0, older than the last check's m2: the check
	// asks for the versions though the marker has not moved.
	if a := ask("B", "m0"); a.unchanged || a.version != 8 || a.marker != "m2" {
		t.Fatalf("an entry of an older marker: %+v", a)
	}
	want := []string{" read", "m0 unchanged", "m0 read", "m1 read", " read"}
	if !slices.Equal(s.calls, want) {
		t.Fatalf("store asked %q, want %q", s.calls, want)
	}
}

// MarkerUnchanged says the marker is not in memory, as PostgreSQL's.
func (*markedVersions) MarkerUnchanged(string) bool { return false }
