//go:build !unix

package servicing_test

import "time"

// processCPU is unknown here: zero, so only the wall-time limit holds.
func processCPU() time.Duration { return 0 }
