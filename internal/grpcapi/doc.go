// Package grpcapi is loancore's gRPC edge: it converts between the
// loancore.v1 protobuf messages and domain values, validates requests into
// INVALID_ARGUMENT with field-level details, and maps the errors handlers
// return to gRPC statuses in one place, an interceptor (toStatus): handlers
// return domain errors as they are. Before any handler runs, another
// interceptor (bounds.go) refuses a request with a string field over its
// documented maximum, with a NUL byte or not valid UTF-8, whatever the
// field, so no parser or store ever sees such input. It also holds the
// transport's bounds on each client (Limits: message sizes, streams per
// connection, keepalive, a default deadline) and serves TLS when given a
// configuration, so that every server it builds has them.
package grpcapi
