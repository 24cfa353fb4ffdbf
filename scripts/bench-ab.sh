#!/usr/bin/env bash
# A/B of loand settings or builds on one throwaway PostgreSQL cluster:
# one loand per side, each on its own database with its own bench/loadpay
# client, then pgbench -N -M prepared at the same concurrency, in
# alternating rounds, so that every side sees the same machine and noise.
# Prints each round, the medians per side and each side's rate over the
# first side's by round. Sides are short lowercase names (they name shell
# variables and databases). Usage:
#   BENCH_AB_SIDES="a b" b_ENV=GOMAXPROCS=1 b_CLIENT_ENV=GOMAXPROCS=1 make bench-ab
# Per side X: X_ENV (loand's environment, "K=V …"), X_CLIENT_ENV (the
# client's, after GOMAXPROCS=1 as make bench-payments gives it), X_ARGS (loand's extra flags), X_CLIENT_ARGS (bench/loadpay's,
# e.g. "-view basic"), X_BIN (a loand binary, default the tree's). BENCH_CONCURRENCY (8), BENCH_SECONDS (8), BENCH_ROUNDS (6),
# BENCH_LOANS (512), BENCH_CONNS (the client's gRPC connections, 1 as
# make bench-payments; 0: one per client).
set -euo pipefail
cd "$(dirname "$0")/.."
sides="${BENCH_AB_SIDES:-a b}"
c="${BENCH_CONCURRENCY:-8}"
seconds="${BENCH_SECONDS:-8}"
rounds="${BENCH_ROUNDS:-6}"
loans="${BENCH_LOANS:-512}"
conns="${BENCH_CONNS-1}"
. scripts/benchlib.sh
start_cluster ab -c max_connections=300 -c shared_buffers=256MB
psql=("$bin/psql" -q -h 127.0.0.1 -p "$pgport" -U postgres)
for s in $sides; do "${psql[@]}" -c "CREATE DATABASE side_$s"; done
"${psql[@]}" -c "CREATE DATABASE pgbench"
"$bin/pgbench" -q -i -s 20 -h 127.0.0.1 -p "$pgport" -U postgres pgbench >/dev/null 2>&1
go build -o "$work/loand" ./cmd/loand
go build -o "$work/loadpay" ./bench/loadpay
side() { local n="$1_$2"; echo "${!n:-}"; } # side X NAME: $X_NAME
declare -A port pid
for s in $sides; do
  port[$s]=$(free_port)
  bin_s=$(side "$s" BIN)
  # X_ENV and X_ARGS are word lists, split on purpose.
  env $(side "$s" ENV) "${bin_s:-$work/loand}" --listen "127.0.0.1:${port[$s]}" \
    --database "postgres://postgres@127.0.0.1:$pgport/side_$s?sslmode=disable&pool_max_conns=16" \
    --log-format json $(side "$s" ARGS) 2>"$work/$s.log" &
  pid[$s]=$!
  servers+=("$!")
  wait_healthy "127.0.0.1:${port[$s]}"
  env GOMAXPROCS=1 $(side "$s" CLIENT_ENV) "$work/loadpay" -addr "127.0.0.1:${port[$s]}" -loans "$loans" -c 8 -d 3s -run warm >/dev/null
done
printf '%-8s %5s %8s %16s %18s\n' side round "rate/s" "machine µs/op" "loand CPU µs/op"
: >"$work/rows"
for r in $(seq "$rounds"); do
  for s in $sides; do
    c0=$(cpu_of "${pid[$s]}")
    out=$(env GOMAXPROCS=1 $(side "$s" CLIENT_ENV) "$work/loadpay" -addr "127.0.0.1:${port[$s]}" -loans "$loans" -c "$c" -conns "$conns" -d "${seconds}s" -run "r$r" $(side "$s" CLIENT_ARGS))
    c1=$(cpu_of "${pid[$s]}")
    n=$(sed -n 's/.* ok=\([0-9]*\).*/\1/p' <<<"$out")
    m=$(sed -n 's/.*machine_cpu_us_per_op=\([0-9]*\).*/\1/p' <<<"$out")
    l=$(py "round(($c1-$c0)*1e6/$n)")
    printf '%-8s %5s %8s %16s %18s\n' "$s" "$r" "${out%% *}" "$m" "$l" | tee -a "$work/rows"
  done
  b1=$(busy)
  tps=$("$bin/pgbench" -N -M prepared -c "$c" -j 2 -T "$seconds" -h 127.0.0.1 -p "$pgport" -U postgres pgbench 2>/dev/null |
    sed -n 's/^tps = \([0-9.]*\).*/\1/p')
  b2=$(busy)
  printf '%-8s %5s %8.0f %16s %18s\n' pgbench "$r" "$tps" "$(py "round(($b2-$b1)/$hz*1e6/($tps*$seconds))")" - | tee -a "$work/rows"
done
# Medians per side; and, since the machine's noise moves whole rounds, each
# side's rate over the first side's in the same round: the median of those
# paired ratios and in how many rounds the side was faster.
python3 - "$work/rows" <<'PY'
import statistics, sys
rows, rounds = {}, {}
for line in open(sys.argv[1]):
    f = line.split()
    rows.setdefault(f[0], []).append(f)
    rounds.setdefault(f[1], {})[f[0]] = float(f[2])
pg = statistics.median(float(f[2]) for f in rows['pgbench'])
first = next(iter(rows))
for side, fs in rows.items():
    rate = statistics.median(float(f[2]) for f in fs)
    machine = statistics.median(float(f[3]) for f in fs)
    own = ''
    if side != 'pgbench':
        own = ', loand CPU %.0f µs/op' % statistics.median(float(f[4]) for f in fs)
    if side not in (first, 'pgbench'):
        ratios = [r[side] / r[first] for r in rounds.values()]
        own += '; over %s by round: median %.2f, faster in %d of %d' % (
            first, statistics.median(ratios), sum(x > 1 for x in ratios), len(ratios))
    print('%-8s median %8.0f/s (%.2f of pgbench), machine CPU %.0f µs/op%s' % (side, rate, rate / pg, machine, own))
PY
