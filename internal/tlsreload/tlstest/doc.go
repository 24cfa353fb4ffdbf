// Package tlstest makes certificate authorities and the certificates they
// sign, with crypto/x509, for tests that run real TLS handshakes: a
// server certificate for the loopback names and client certificates with
// a common name and, optionally, a URI SAN (a SPIFFE id, say). Nothing in
// it is fit for anything but a test: keys are made in memory and written
// where the test says.
package tlstest
