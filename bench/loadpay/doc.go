// Command loadpay drives RecordRepayment against a running loand from
// concurrent clients and prints repayments per second. It is the load
// generator of make bench-payments: a compiled client with generated stubs
// costs the shared CPU far less than a reflective one, so the figure is
// the server's, not the client's. With -token it sends a bearer
// credential (a JWT from bench/benchjwt, or an API key) on every call, for
// a loand that authenticates. With -mode it drives reads instead, for make
// bench-read: grpc.health.v1.Health/Check (the floor), GetLoan, or pages
// of ListLoans or ListDelinquentLoans. It lives under bench/, not cmd/: it
// is a measuring harness and does not ship.
package main
