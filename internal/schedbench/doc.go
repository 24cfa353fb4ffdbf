// Package schedbench measures the exact schedule engine against a float64
// kernel of the same schedule, the speed floor the engine is held to. The
// float kernel lives here, outside internal/engine, because the engine must
// never mention a float type.
package schedbench
