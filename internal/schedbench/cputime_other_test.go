//go:build !unix

package schedbench

import "time"

// processCPU is unknown here: zero, so cpu-ns/op reads 0.
func processCPU() time.Duration { return 0 }
