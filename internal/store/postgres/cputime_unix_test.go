//go:build unix

package postgres_test

import (
	"syscall"
	"time"
)

// processCPU is the CPU time, user and system, the test process has used
// (the client's side of a benchmark: PostgreSQL runs in processes of its
// own).
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
