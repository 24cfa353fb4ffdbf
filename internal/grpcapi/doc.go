// Package grpcapi is loancore's gRPC edge: it converts between the
// loancore.v1 protobuf messages and domain values, validates requests into
// INVALID_ARGUMENT with field-level details, and maps the errors handlers
// return to gRPC statuses in one place, an interceptor (toStatus): handlers
// return domain errors as they are. It also holds the transport's
// bounds on each client (Limits: message sizes, streams per connection,
// keepalive, a default deadline) and serves TLS when given a
// configuration, so that every server it builds has them.
package grpcapi
