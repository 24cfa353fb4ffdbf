// Command loand is the loancore server: the loancore.v1 gRPC services with
// reflection and health checks, on --listen (default 127.0.0.1:50051),
// over TLS with --tls-cert and --tls-key (plaintext only on loopback).
//
//	loand [serve] [flags]  serve
//	loand migrate [flags]  apply pending database migrations and exit
//	loand version          print the version and exit
//	loand help             print the flags and their environment variables
//
// It exits 0 when done, 1 when a command fails and 2 when the command line
// cannot be parsed. docs/operations.md is the operator's guide.
package main
