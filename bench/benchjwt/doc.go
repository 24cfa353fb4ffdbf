// Command benchjwt makes what an identity provider would give loand and
// its callers, for make bench-payments with BENCH_AUTH=jwt: a fresh key
// pair, the public key written as a PEM file for loand's --jwt-public-key,
// and one token signed by the private key, printed on standard output for
// bench/loadpay's -token. The private key is never written anywhere: once
// benchjwt exits, nobody can sign another token for that public key.
// It lives under bench/, not cmd/: it is a measuring harness and does not
// ship.
package main
