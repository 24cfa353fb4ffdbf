// Command otlpsink is the observability collector of make bench-payments
// BENCH_OBS=on: an OTLP trace receiver over gRPC that counts the spans
// loand exports and keeps none (internal/telemetry/otlpsink), and a
// Prometheus scraper that GETs loand's /metrics at an interval and
// discards the answer. So the side with metrics and tracing on pays what
// it would in production: every span serialised and sent to a real
// receiver, the metrics rendered for every scrape. It prints how many
// spans and scrapes it has had every ten seconds. It lives under bench/,
// not cmd/: it is a measuring harness and does not ship.
package main
