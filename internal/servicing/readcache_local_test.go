package servicing_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/servicing"
	"github.com/loancore/loancore/internal/store"
	"github.com/loancore/loancore/internal/store/storetest"
	"github.com/loancore/loancore/internal/telemetry"
)

// localMarkerStore is a countingStore that counts the version checks
// that reached the store.
type localMarkerStore struct {
	countingStore
	checks atomic.Int64
}

func (s *localMarkerStore) LoanVersionsSince(ctx context.Context, since string, ids []string) (store.MarkedVersions, error) {
	s.checks.Add(1)
	return s.Store.LoanVersionsSince(ctx, since, ids)
}

// TestReadCacheLocalMarker: on a store whose marker is read in memory
// (SQLite's WAL index), a read of an unchanged loan is answered by that
// marker alone, with no version check and no load; a payment by another
// server on the store moves it, and the next read sees the payment.
func TestReadCacheLocalMarker(t *testing.T) {
	// Through the metrics' timing and Feed.Watch, as loand reads with
	// --metrics-listen: both must pass the in-memory marker on.
	s := telemetry.NewMetrics().Store(storetest.SQLite(t))
	feed := servicing.NewFeed(servicing.NewFeedParams{Store: s})
	db := &localMarkerStore{countingStore: countingStore{Store: feed.Watch(s)}}
	if _, ok := db.Store.(store.LocalMarker); !ok {
		t.Fatal("the SQLite store, timed and watched, has no in-memory marker")
	}
	b, read := twoServers(t, db)
	ctx := context.Background()
	for i := range 5 {
		read()                                             // a miss, or stale after the payment
		before := read()                                   // the check confirms the entry at the marker
		checks, loads := db.checks.Load(), db.loads.Load() // from here the marker alone
		for range 3 {
			if again := read(); again.Version != before.Version {
				t.Fatalf("round %d: version %d, was %d", i, again.Version, before.Version)
			}
		}
		if c, l := db.checks.Load()-checks, db.loads.Load()-loads; c != 0 || l != 0 {
			t.Fatalf("round %d: reads of an unchanged loan made %d version checks and %d loads", i, c, l)
		}
		if _, err := b.RecordRepayment(ctx, servicing.RecordRepaymentParams{RequestID: fmt.Sprintf("p%d", i), RequestHash: "h",
			LoanID: "L", Amount: "100.00", ValueDate: engine.DateOf(2024, 3, 1)}); err != nil {
			t.Fatal(err)
		}
		if after := read(); after.Version != before.Version+1 || after.Outstanding == before.Outstanding {
			t.Fatalf("round %d: stale read after the other server's payment: version %d, was %d", i, after.Version, before.Version)
		}
	}
}
