package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/loancore/loancore/internal/store"
	"github.com/loancore/loancore/internal/store/pgtest"
	"github.com/loancore/loancore/internal/store/postgres"
)

// BenchmarkLoanVersionsSince: the read cache's check of 8 loans, one
// client, so ns/op is a round trip with PostgreSQL's work in it: the
// marker alone (check=marker, nothing written since), the marker and the
// versions (check=versions, since ""), LoanVersions (check=before, the
// check read21 made), beside SELECT 1 through the same pool (baseline).
// go test ./internal/store/postgres -run '^$' -bench LoanVersionsSince -benchmem
func BenchmarkLoanVersionsSince(b *testing.B) {
	ctx := context.Background()
	s, err := postgres.Open(ctx, pgtest.URL(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(s.Close)
	t0 := time.Date(2024, 1, 15, 2, 0, 0, 0, time.UTC)
	var ids []string
	for i := range 8 {
		id := fmt.Sprintf("L%d", i)
		ids = append(ids, id)
		if err := s.CreateLoan(ctx, store.NewLoanRecord{
			Loan:    store.LoanRecord{LoanID: id, BorrowerID: "B", Currency: "CNY", Status: "ACTIVE", CreatedAt: t0, Terms: []byte(`{}`)},
			Events:  []store.EventRecord{{LoanID: id, Seq: 1, Kind: "ORIGINATION", ValueDate: "2024-01-15", RecordedAt: t0, RequestID: "c-" + id, Actor: "api"}},
			Request: store.RequestRecord{RequestID: "c-" + id, Method: "CreateLoan", RequestHash: "h", LoanID: id, Seq: 1, RecordedAt: t0}}); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("check=marker", func(b *testing.B) {
		marker, moved := "", 0
		for b.Loop() {
			// Another database of the cluster may move the marker: that
			// check reads the versions too, and is counted.
			got, err := s.LoanVersionsSince(ctx, marker, ids)
			if err != nil {
				b.Fatal(err)
			}
			if got.Marker != marker {
				marker = got.Marker
				moved++
			}
		}
		b.ReportMetric(float64(moved)/float64(b.N), "moved/op")
	})
	b.Run("check=versions", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.LoanVersionsSince(ctx, "", ids); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("check=before", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.LoanVersions(ctx, ids); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("baseline=select1", func(b *testing.B) {
		for b.Loop() {
			if err := s.Ping(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
}
