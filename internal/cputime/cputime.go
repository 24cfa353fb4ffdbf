// Package cputime reads the CPU time the running process has used, for
// benchmarks that report CPU beside wall time (cpu-ns/op): on this
// project's shared 2-core machine wall time moves with other work far more
// than a process's own CPU does. It imports nothing of loancore's, so any
// package's tests may use it.
package cputime
