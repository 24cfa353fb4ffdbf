package grpcapi

import (
	"context"
	"testing"
	"time"
)

// BenchmarkDefaultDeadline times the default deadline of a call that
// came without one, on a cancellable parent as gRPC's stream context is:
// context.WithTimeout (what defaultDeadline did before deadlineCtx, the
// baseline), deadlineCtx that nothing waits for (a cached read), and one
// something waits for (a read that goes to the database).
func BenchmarkDefaultDeadline(b *testing.B) {
	parent, cancel := context.WithCancel(context.Background())
	defer cancel()
	b.Run("with=timeout", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ctx, cancel := context.WithTimeout(parent, time.Minute)
			_ = ctx.Err()
			cancel()
		}
	})
	for _, wait := range []bool{false, true} {
		b.Run(map[bool]string{false: "with=lazy/waited=no", true: "with=lazy/waited=yes"}[wait], func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				ctx := withLazyDeadline(parent, time.Minute)
				if wait {
					_ = ctx.Done()
				}
				_ = ctx.Err()
				ctx.end()
			}
		})
	}
}
