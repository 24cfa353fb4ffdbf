package sqlite_test

import (
	"context"
	"testing"
)

// BenchmarkLoanVersionsSince: the read cache's check when nothing was
// written (the marker alone), beside LoanVersions of the same loan, the
// check it replaces. go test ./internal/store/sqlite -run '^$' -bench LoanVersions -benchmem
func BenchmarkLoanVersionsSince(b *testing.B) {
	ctx := context.Background()
	s := bookedStore(b, "L1")
	ids := []string{"L1"}
	first, err := s.LoanVersionsSince(ctx, "", ids)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("check=marker", func(b *testing.B) {
		for b.Loop() {
			if got, err := s.LoanVersionsSince(ctx, first.Marker, ids); err != nil || got.Marker != first.Marker {
				b.Fatal(got, err)
			}
		}
	})
	b.Run("check=versions", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.LoanVersions(ctx, ids); err != nil {
				b.Fatal(err)
			}
		}
	})
}
