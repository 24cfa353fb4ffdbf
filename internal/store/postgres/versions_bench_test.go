package postgres_test

import (
	"context"
	"testing"

	"github.com/loancore/loancore/internal/cputime"
	"github.com/loancore/loancore/internal/store/pgtest"
)

// BenchmarkLoanVersionsSince: the read cache's check of 8 loans, one
// client, so ns/op is a round trip with PostgreSQL's work in it: the
// marker alone (check=marker, nothing written since), the marker and the
// versions (check=versions, since ""), LoanVersions (check=before, the
// check read21 made), beside SELECT 1 through the same pool (baseline).
// cpu-ns/op is this process's CPU (user and system) per op: the client's
// side, which a busy machine's wall-clock ns/op hides.
// go test ./internal/store/postgres -run '^$' -bench LoanVersionsSince -benchmem
func BenchmarkLoanVersionsSince(b *testing.B) {
	ctx := context.Background()
	s := openBenchStore(b, pgtest.URL(b))
	ids := bookBenchLoans(b, s, "L", 8, `{}`)
	b.Run("check=marker", func(b *testing.B) {
		marker, moved := "", 0
		cpu := cputime.Process()
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
		b.ReportMetric(float64(cputime.Process()-cpu)/float64(b.N), "cpu-ns/op")
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
		cpu := cputime.Process()
		for b.Loop() {
			if err := s.Ping(ctx); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(cputime.Process()-cpu)/float64(b.N), "cpu-ns/op")
	})
}
