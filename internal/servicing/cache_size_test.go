package servicing

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/store"
)

// BenchmarkCacheEntryBytes reports the heap one log cache entry holds
// (B/entry: row, terms, schedule and a fold after a payment), for sizing
// loand --cached-loans, and the size of the same fold as a stored snapshot
// (snapshot-B), for sizing loan_snapshots: go test ./internal/servicing
// -run '^$' -bench CacheEntryBytes.
func BenchmarkCacheEntryBytes(b *testing.B) {
	for _, months := range []int{12, 36} {
		for _, penalty := range []bool{false, true} {
			b.Run(fmt.Sprintf("months=%d/penalty=%v", months, penalty), func(b *testing.B) {
				terms := monthlyTerms(months)
				terms.HasPenalty = penalty
				const n = 2000
				today := engine.DateOf(2024, 6, 1)
				var before, after runtime.MemStats
				for b.Loop() {
					runtime.GC()
					runtime.ReadMemStats(&before)
					c := newLogCache(n)
					for i := range n {
						sched, _ := engine.BuildSchedule(terms)
						evs := []engine.Event{{Seq: 3, Kind: engine.EventRepayment, ValueDate: engine.DateOf(2024, 2, 15), Amount: 106619}}
						st := engine.FoldSchedule(terms, sched, evs, today)
						lg := loanLog{loan: store.LoanRecord{LoanID: fmt.Sprintf("LOAN-%08d", i), BorrowerID: "B-0001", Currency: "CNY", Status: store.StatusActive, Version: 3},
							terms: terms, schedule: sched, lastValueDate: engine.DateOf(2024, 2, 15)}
						c.put(cacheEntry(lg, st, today))
					}
					runtime.GC()
					runtime.ReadMemStats(&after)
					runtime.KeepAlive(c)
				}
				b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "B/entry")
				// The same fold as a stored snapshot (--snapshot-every).
				evs := []engine.Event{{Seq: 3, Kind: engine.EventRepayment, ValueDate: engine.DateOf(2024, 2, 15), Amount: 106619}}
				sn, err := trimmed(engine.Fold(terms, evs, today)).EncodeSnapshot()
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(len(sn)), "snapshot-B")
			})
		}
	}
}
