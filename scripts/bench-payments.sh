#!/usr/bin/env bash
# Repayment throughput of loand on PostgreSQL (synchronous_commit on) at
# each concurrency, driven by bench/loadpay (a compiled gRPC client; ghz's
# reflective client needs more of this 2-core machine than loand itself),
# next to two baselines on the same throwaway cluster at the same
# concurrency: pgbench -N -M prepared (the issue's), and bench/floord, a gRPC
# server that answers RecordRepayment with loand's store write and nothing
# else (the floor: what the gRPC hop and the durable append cost by
# themselves, so loand minus floord is loancore's own work). For ad-hoc
# runs ghz is pinned too:
#   go tool -modfile=tools/ghz/go.mod ghz --insecure --call loancore.v1.LoanService/RecordRepayment …
# Usage: make bench-payments (BENCH_CONCURRENCY="8 32" BENCH_SECONDS=10
# BENCH_ROUNDS=5 BENCH_LOANS=512 BENCH_POOL=16; BENCH_PENALTY=1 gives the
# loans a penalty policy with compound interest, as most loans in our
# first market have; BENCH_CONNS=0 gives each client a connection of its
# own (default: they share one, as ghz's do); BENCH_FLOOR=0 leaves floord out; BENCH_CACHE=0 turns
# loand's log cache off, so that every write loads and folds its loan, as
# a repayment does in production when a loan is paid once a month, and
# floord then loads each loan before its append (the cold path's floor:
# loand's load and write, no fold): BENCH_CACHE=0 BENCH_LOANS=5000 is that
# cold path; BENCH_SNAPSHOT=N is
# loand's --snapshot-every, 0 turning snapshots off; BENCH_WARM=40s pays
# each side for that long before the rounds, not counted, so that the
# loans' logs are long: BENCH_CACHE=0 BENCH_LOANS=1000 BENCH_WARM=40s
# gives logs of ~100 events and more; BENCH_PG_CPUS=1 gives PostgreSQL
# core 1 and everything else the other cores, as a database on a host of
# its own has: benchlib.sh). The machine is
# shared, so each concurrency runs several alternating rounds and reports
# the ratios of the medians. Beside them: the CPU the whole machine spent
# per operation (the steadier figure: at 8 clients every side keeps both
# cores nearly busy, so the throughput ratio follows it), the CPU each
# process spent per operation (loand, PostgreSQL's processes, the client)
# and WAL flushes per operation, which say where the time goes.
#
# BENCH_AUTH=jwt (or apikey) measures authentication's cost instead: loand
# in dev mode (authentication off) against loand authenticating every
# call, with a JWT (ES256, from bench/benchjwt; BENCH_JWT_ALG=RS256) or an
# API key, in one run: make bench-ab's alternating rounds of the two on one
# cluster beside pgbench, with this script's defaults for
# BENCH_CONCURRENCY, BENCH_SECONDS and BENCH_ROUNDS, and BENCH_LOANS and
# BENCH_CONNS as here; the figure to read is the jwt side's loand CPU µs
# per repayment over the off side's, by round. The other knobs above do
# not apply; bench-ab's per-side ones do (BENCH_AB_SIDES="off jwt nocache"
# nocache_AUTH=jwt nocache_ARGS="--jwt-cache 0" adds a side without the
# verified-token cache).
#
# BENCH_OBS=on measures observability's cost the same way: loand as it
# ships (metrics off, tracing off) against loand with --metrics-listen and
# OTLP tracing of every call to bench/otlpsink, which receives the spans
# and scrapes /metrics (see make bench-ab); the figure to read is the obs
# side's loand CPU µs per repayment over the off side's, by round.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -n "${BENCH_AUTH:-}" ] || [ "${BENCH_OBS:-}" = on ]; then
  BENCH_CONCURRENCY="${BENCH_CONCURRENCY:-8 32}" BENCH_SECONDS="${BENCH_SECONDS:-10}" BENCH_ROUNDS="${BENCH_ROUNDS:-5}" \
    exec scripts/bench-ab.sh
fi
conc="${BENCH_CONCURRENCY:-8 32}"
seconds="${BENCH_SECONDS:-10}"
rounds="${BENCH_ROUNDS:-5}"
pool="${BENCH_POOL:-16}"
penalty=()
[ -n "${BENCH_PENALTY:-}" ] && penalty=(-penalty)
view="${BENCH_VIEW:-full}"
loans="${BENCH_LOANS:-512}"
cache="${BENCH_CACHE:-10000}"
snapshot="${BENCH_SNAPSHOT:-8}"
floor="${BENCH_FLOOR:-1}"
# The client's concurrent calls share this many gRPC connections (HTTP/2
# multiplexes them), as ghz -c N does by default and as a service with one
# gRPC channel to loand does; 0 gives each call its own connection, as
# each pgbench client has its own PostgreSQL connection.
conns="${BENCH_CONNS-1}"
# GOMAXPROCS of the servers (loand, floord): Go's default, one P per core,
# unless set. Of the client: 1 unless set (set it empty for Go's default).
# The client shares this 2-core machine with the servers and PostgreSQL;
# with two Ps it wakes a second thread for most hand-offs between its
# goroutines, which costs more than the parallelism gives it back, so one
# P is the lightest harness (make bench-ab; docs/benchmarks.md: "GOMAXPROCS").
procs="${BENCH_LOAND_PROCS:-}"
client_procs="${BENCH_CLIENT_PROCS-1}"
. scripts/benchlib.sh
pin_bench "$@"
start_cluster bench -c max_connections=300 -c shared_buffers=256MB
apiport=$(free_port)
floorport=$(free_port)
[ -n "${BENCH_KEEP_LOG:-}" ] && trap 'cp "$work/loand.log" /tmp/loand-bench.log; stop_cluster' EXIT
"$bin/psql" -q -h 127.0.0.1 -p "$pgport" -U postgres -c "CREATE DATABASE loancore" -c "CREATE DATABASE pgbench" -c "CREATE DATABASE floor"
echo "synchronous_commit: $("$bin/psql" -tA -h 127.0.0.1 -p "$pgport" -U postgres -c 'SHOW synchronous_commit')"
"$bin/pgbench" -q -i -s 20 -h 127.0.0.1 -p "$pgport" -U postgres pgbench >/dev/null 2>&1

go build -o "$work/loand" ./cmd/loand
go build -o "$work/floord" ./bench/floord
go build -o "$work/loadpay" ./bench/loadpay
GOMAXPROCS="$procs" "$work/loand" --listen "127.0.0.1:$apiport" --database "postgres://postgres@127.0.0.1:$pgport/loancore?sslmode=disable&pool_max_conns=$pool" \
  --log-format json --pprof "${BENCH_PPROF:-}" --cached-loans "$cache" --snapshot-every "$snapshot" 2>"$work/loand.log" &
loand_pid=$!
servers+=("$loand_pid")
wait_healthy "127.0.0.1:$apiport"
# With loand's cache off, the floor is the cold path's: floord loads each
# loan (loand's statement) before its append and stores snapshots as
# loand does, and still folds and validates nothing.
floor_args=()
[ "$cache" = 0 ] && floor_args=(--cold)
if [ "$floor" = 1 ]; then
  GOMAXPROCS="$procs" "$work/floord" --listen "127.0.0.1:$floorport" "${floor_args[@]}" \
    --database "postgres://postgres@127.0.0.1:$pgport/floor?sslmode=disable&pool_max_conns=$pool" 2>"$work/floord.log" &
  servers+=("$!")
  wait_healthy "127.0.0.1:$floorport"
fi

# CPU seconds (user+system) spent so far by the server processes: loand,
# and PostgreSQL (cpu_pg, benchlib.sh).
cpu_loand() { cpu_of "$loand_pid"; }
wal_syncs() { "$bin/psql" -tA -h 127.0.0.1 -p "$pgport" -U postgres -c 'SELECT wal_sync FROM pg_stat_wal'; }
loadpay() { # loadpay ADDR CLIENTS SECONDS RUN: one run of the client, its output line
  GOMAXPROCS="$client_procs" /usr/bin/time -f 'client %U %S' -o "$work/time.loadpay" \
    "$work/loadpay" -addr "$1" -loans "$loans" -c "$2" -conns "$conns" -d "$3" -run "$4" -view "$view" "${penalty[@]}"
}

run=$(date +%s)
echo "loand: PostgreSQL pool of ${pool} connections; ${loans} loans${BENCH_PENALTY:+ with a penalty policy}; LOAN_VIEW_${view^^} answers; log cache of ${cache} loans$([ "$cache" = 0 ] && echo ' (off: every write loads its loan)'); snapshot every ${snapshot} events read$([ "$snapshot" = 0 ] && echo ' (off)'); ${rounds} rounds of ${seconds}s per side, alternating"
echo "client: bench/loadpay, its concurrent calls over $([ "$conns" = 0 ] && echo 'a connection each' || echo "$conns gRPC connection(s)")"
echo "GOMAXPROCS: servers ${procs:-Go default ($(nproc))}, client ${client_procs:-Go default ($(nproc))}"
[ -z "${BENCH_PINNED:-}" ] || echo "cores: PostgreSQL on $pg_cpus; loand, floord, the clients and pgbench's on $BENCH_PINNED"
echo "floor: bench/floord, the same client and store $([ "$cache" = 0 ] && echo 'load, write and snapshots' || echo write), nothing else$([ "$floor" = 1 ] || echo ' (off)')"
printf '\n%-7s %5s %8s %8s %9s %6s %6s   %-15s   %s\n' clients round "loand/s" "floord/s" "pgbench/s" ratio floor \
  "machine µs/op" "CPU µs/op loand+postgres+client, WAL flushes/op | pgbench: postgres+client, flushes"
printf '%-7s %5s %8s %8s %9s %6s %6s   %-15s\n' "" "" "" "" "" "" "" "loand|floord|pgb"
# Warm-up, not counted: loand's log cache and prepared statements, and
# PostgreSQL's buffers for every workload.
warm="${BENCH_WARM:-3s}"
loadpay "127.0.0.1:$apiport" 8 "$warm" "warm-$run" >/dev/null
[ "$floor" = 1 ] && loadpay "127.0.0.1:$floorport" 8 "$warm" "warm-$run" >/dev/null
"$bin/pgbench" -N -M prepared -c 8 -j 2 -T 3 -h 127.0.0.1 -p "$pgport" -U postgres pgbench >/dev/null 2>&1
for c in $conc; do
  : >"$work/rates"
  for r in $(seq "$rounds"); do
    l0=$(cpu_loand); p0=$(cpu_pg); w0=$(wal_syncs)
    ours=$(loadpay "127.0.0.1:$apiport" "$c" "${seconds}s" "pay-$run-$c-$r")
    cl_ours=$(client_cpu "$work/time.loadpay")
    sleep 1 # let the postmaster reap the backends of a run before counting
    l1=$(cpu_loand); p1=$(cpu_pg); w1=$(wal_syncs)
    floor_rate=0 m_floor=0 pf=$p1 wf=$w1
    if [ "$floor" = 1 ]; then
      floors=$(loadpay "127.0.0.1:$floorport" "$c" "${seconds}s" "pay-$run-$c-$r")
      floor_rate=${floors%% *} m_floor=$(field machine_cpu_us_per_op "$floors")
      sleep 1
      pf=$(cpu_pg); wf=$(wal_syncs)
    fi
    b1=$(busy)
    theirs=$(/usr/bin/time -f 'client %U %S' -o "$work/time.pgbench" \
      "$bin/pgbench" -N -M prepared -c "$c" -j 2 -T "$seconds" -h 127.0.0.1 -p "$pgport" -U postgres pgbench 2>/dev/null \
      | sed -n 's/^tps = \([0-9.]*\).*/\1/p')
    b2=$(busy)
    sleep 1
    p2=$(cpu_pg); w2=$(wal_syncs)
    n_ours=$(field ok "$ours")
    n_theirs=$(py "int($theirs*$seconds)")
    cl_theirs=$(client_cpu "$work/time.pgbench")
    m_ours=$(field machine_cpu_us_per_op "$ours")
    m_theirs=$(per_op 0 "$(py "($b2-$b1)/$hz")" "$n_theirs")
    echo "${ours%% *} $theirs $floor_rate $m_ours $m_theirs $m_floor" >>"$work/rates"
    printf '%-7s %5s %8s %8s %9s %6s %6s   %-15s   %s+%s+%s, %s; %s+%s, %s   p50=%s p99=%s\n' "$c" "$r" "${ours%% *}" "$floor_rate" "${theirs%.*}" \
      "$(py "'%.2f' % (${ours%% *}/$theirs)")" "$(py "'%.2f' % ($floor_rate/$theirs)")" "$m_ours|$m_floor|$m_theirs" \
      "$(per_op "$l0" "$l1" "$n_ours")" "$(per_op "$p0" "$p1" "$n_ours")" "$(per_op 0 "$cl_ours" "$n_ours")" \
      "$(py "'%.2f' % (($w1-$w0)/$n_ours)")" \
      "$(per_op "$pf" "$p2" "$n_theirs")" "$(per_op 0 "$cl_theirs" "$n_theirs")" "$(py "'%.2f' % (($w2-$wf)/$n_theirs)")" \
      "$(field p50 "$ours")" "$(field p99 "$ours")"
  done
  python3 - "$c" "$work/rates" <<'PY'
import statistics, sys
rows = [tuple(map(float, l.split())) for l in open(sys.argv[2])]
m = [statistics.median(r[i] for r in rows) for i in range(6)]
ours, theirs, floor = m[0], m[1], m[2]
# The ratio columns are ratios of the medians, which may come from
# different rounds; beside them, the median of each round's own ratio.
paired = statistics.median(r[0] / r[1] for r in rows), statistics.median(r[2] / r[1] for r in rows)
print('%-7s %5s %8.0f %8.0f %9.0f %6.2f %6.2f   %-15s   medians of %d rounds; by round: loand/pgbench %.2f, floord/pgbench %.2f; machine CPU per op: pgbench/loand %.2f, pgbench/floord %.2f' % (
    sys.argv[1], 'median', ours, floor, theirs, ours / theirs, floor / theirs, '%.0f|%.0f|%.0f' % (m[3], m[5], m[4]), len(rows),
    paired[0], paired[1], m[4] / m[3], m[4] / m[5] if m[5] else 0))
PY
done
