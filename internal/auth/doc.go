// Package auth decides who is calling loancore and what they may do.
//
// It holds the three ways a caller proves who it is — a JWT verified
// against configured public keys, an API key from an append-only keys
// file, and a client certificate verified by TLS — composed by one
// Authenticator that turns a call's credentials into a Principal; and the
// Policy that maps roles to RPCs, certificate subjects to roles, names the
// roles that may act on behalf of end users, and carries the four-eyes
// rules. It knows nothing of gRPC or of loans: internal/grpcapi applies it
// to every call in one interceptor, and cmd/loand configures it.
//
// Refusals say what was wrong with a credential (missing, malformed,
// expired, wrong audience, unknown or revoked key …) and never which keys
// or key ids exist.
package auth
