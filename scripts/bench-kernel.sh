#!/usr/bin/env bash
# The schedule kernel (make bench): internal/schedbench's benchmarks —
# engine.BuildSchedule (Schedule360/kernel=exact) beside its float64 floor
# (kernel=float64), and the whole quote, schedule and APR (Quote360) — in
# BENCH_COUNT (default 6) alternating rounds from one compiled test binary,
# each round running every benchmark once. The machine is shared and its
# load moves whole rounds, so besides benchstat's medians (bench.out) it
# prints the goal's ratio two ways: of the medians, and the median of each
# round's own Quote360 / Schedule360 exact ("by round"), with the range;
# and, the figure to read, QuoteRatio360's: schedule and quote timed in
# turn within every iteration, the ratio of their medians.
# BENCH_TIME is each benchmark's -benchtime (default 1s).
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
rounds=${BENCH_COUNT:-6}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
$GO test -c -o "$tmp/schedbench.test" ./internal/schedbench
: >bench.out
for r in $(seq "$rounds"); do
  echo "round $r of $rounds" >&2
  "$tmp/schedbench.test" -test.run '^$' -test.bench . -test.benchmem \
    -test.benchtime "${BENCH_TIME:-1s}" -test.count 1 | tee -a bench.out
done
$GO tool -modfile=tools/go.mod benchstat -col /kernel bench.out
# ns/op of the exact schedule and of the quote, one line per round, in order.
awk '/^BenchmarkSchedule360\/kernel=exact/ {s = $3} /^BenchmarkQuote360/ {print s, $3}' bench.out >"$tmp/pairs"
median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
sm=$(awk '{print $1}' "$tmp/pairs" | median)
qm=$(awk '{print $2}' "$tmp/pairs" | median)
awk '{print $2 / $1}' "$tmp/pairs" >"$tmp/ratios"
printf 'rounds (Quote360 / Schedule360 exact): %s\n' "$(awk '{printf "%.2f ", $1}' "$tmp/ratios")"
printf 'ratio Quote360 / Schedule360 exact: %.2f of the medians (%.1f µs / %.1f µs), %.2f by round (%s … %s)\n' \
  "$(awk -v q="$qm" -v s="$sm" 'BEGIN {print q / s}')" "$(awk -v q="$qm" 'BEGIN {print q / 1000}')" \
  "$(awk -v s="$sm" 'BEGIN {print s / 1000}')" "$(median <"$tmp/ratios")" \
  "$(sort -g "$tmp/ratios" | head -1 | xargs printf '%.2f')" "$(sort -g "$tmp/ratios" | tail -1 | xargs printf '%.2f')"
# QuoteRatio360 interleaves the two within each iteration: its ratio of
# medians is the one load does not move. Its value follows each metric's
# name's position on the line, so find them by name.
awk '/^BenchmarkQuoteRatio360/ {for (i = 2; i < NF; i++) {if ($(i+1) == "quote/schedule") r = $i; if ($(i+1) == "schedule-ns") s = $i; if ($(i+1) == "quote-ns") q = $i} print r, s, q}' bench.out >"$tmp/inter"
printf 'interleaved rounds (QuoteRatio360 quote/schedule): %s\n' "$(awk '{printf "%.3f ", $1}' "$tmp/inter")"
printf 'ratio quote / schedule, interleaved: %.3f (median of rounds; range %s … %s; schedule %.1f µs, quote %.1f µs)\n' \
  "$(awk '{print $1}' "$tmp/inter" | median)" "$(awk '{print $1}' "$tmp/inter" | sort -g | head -1)" \
  "$(awk '{print $1}' "$tmp/inter" | sort -g | tail -1)" "$(awk '{print $2 / 1000}' "$tmp/inter" | median)" \
  "$(awk '{print $3 / 1000}' "$tmp/inter" | median)"
