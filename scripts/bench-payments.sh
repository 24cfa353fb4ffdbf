#!/usr/bin/env bash
# Repayment throughput of loand on PostgreSQL (synchronous_commit on) at
# each concurrency, driven by cmd/loadpay (a compiled gRPC client; ghz's
# reflective client needs more of this 2-core machine than loand itself),
# next to pgbench -N -M prepared at the same concurrency on the same
# throwaway cluster. For ad-hoc runs ghz is pinned too:
#   go tool -modfile=tools/ghz/go.mod ghz --insecure --call loancore.v1.LoanService/RecordRepayment … Usage: make bench-payments
# (BENCH_CONCURRENCY="8 32" BENCH_SECONDS=10 BENCH_ROUNDS=5 BENCH_LOANS=512
# BENCH_POOL=16; BENCH_PENALTY=1 gives the loans a penalty policy with
# compound interest, as most loans in our first market have). The machine
# is shared, so each concurrency runs several alternating rounds of both and
# reports the ratio of the medians. Beside it: the CPU the whole machine
# spent per operation (the steadier figure: at 8 clients both sides keep
# both cores nearly busy, so the throughput ratio follows it), the CPU each
# process spent per operation (loand, PostgreSQL's processes, the client)
# and WAL flushes per operation, which say where the time goes.
set -euo pipefail
cd "$(dirname "$0")/.."
conc="${BENCH_CONCURRENCY:-8 32}"
seconds="${BENCH_SECONDS:-10}"
rounds="${BENCH_ROUNDS:-5}"
pool="${BENCH_POOL:-16}"
penalty=()
[ -n "${BENCH_PENALTY:-}" ] && penalty=(-penalty)
view="${BENCH_VIEW:-full}"
loans="${BENCH_LOANS:-512}"
. scripts/benchlib.sh
start_cluster bench -c max_connections=300 -c shared_buffers=256MB
apiport=$(free_port)
[ -n "${BENCH_KEEP_LOG:-}" ] && trap 'cp "$work/loand.log" /tmp/loand-bench.log; stop_cluster' EXIT
"$bin/psql" -q -h 127.0.0.1 -p "$pgport" -U postgres -c "CREATE DATABASE loancore" -c "CREATE DATABASE pgbench"
echo "synchronous_commit: $("$bin/psql" -tA -h 127.0.0.1 -p "$pgport" -U postgres -c 'SHOW synchronous_commit')"
"$bin/pgbench" -q -i -s 20 -h 127.0.0.1 -p "$pgport" -U postgres pgbench >/dev/null 2>&1

go build -o "$work/loand" ./cmd/loand
GOMAXPROCS="${BENCH_LOAND_PROCS:-}" "$work/loand" --listen "127.0.0.1:$apiport" --database "postgres://postgres@127.0.0.1:$pgport/loancore?sslmode=disable&pool_max_conns=$pool" \
  --log-format json --pprof "${BENCH_PPROF:-}" 2>"$work/loand.log" &
loand_pid=$!
wait_healthy "127.0.0.1:$apiport"

# CPU seconds (user+system) spent so far by the server processes: loand,
# and PostgreSQL (the postmaster, its live backends, and the backends that
# have exited, which the kernel adds to the postmaster's children times).
hz=$(getconf CLK_TCK)
pg_pid=$(head -1 "$work/data/postmaster.pid")
cpu_loand() { awk -v hz="$hz" '{printf "%.3f", ($14+$15)/hz}' "/proc/$loand_pid/stat"; }
cpu_pg() {
  { awk '{print $14+$15+$16+$17}' "/proc/$pg_pid/stat"
    for p in $(pgrep -P "$pg_pid" || true); do awk '{print $14+$15}' "/proc/$p/stat" 2>/dev/null || true; done
  } | awk -v hz="$hz" '{t+=$1} END {printf "%.3f", t/hz}'
}
# Machine-wide busy CPU time (user, nice, system, irq, softirq) in clock
# ticks, as loadpay reads it around its own window.
busy() { awk '/^cpu / {print $2+$3+$4+$7+$8}' /proc/stat; }
wal_syncs() { "$bin/psql" -tA -h 127.0.0.1 -p "$pgport" -U postgres -c 'SELECT wal_sync FROM pg_stat_wal'; }
per_op() { python3 -c "print('%.0f' % (($2-$1)*1e6/$3))"; }  # µs of CPU per operation

go build -o "$work/loadpay" ./cmd/loadpay
run=$(date +%s)
echo "loand: PostgreSQL pool of ${pool} connections; ${loans} loans${BENCH_PENALTY:+ with a penalty policy}; LOAN_VIEW_${view^^} answers; ${rounds} rounds of ${seconds}s per side, alternating"
printf '\n%-7s %5s %9s %10s %6s   %-16s %s\n' clients round "loand/s" "pgbench/s" ratio "machine µs/op" \
  "CPU µs per op, loand+postgres+client | postgres+client;  WAL flushes per op, loand | pgbench"
# Warm-up, not counted: loand's log cache and prepared statements, and
# PostgreSQL's buffers for both workloads.
"$work/loadpay" -addr "127.0.0.1:$apiport" -loans "$loans" -c 8 -d 3s -run "warm-$run" -view "$view" "${penalty[@]}" >/dev/null
"$bin/pgbench" -N -M prepared -c 8 -j 2 -T 3 -h 127.0.0.1 -p "$pgport" -U postgres pgbench >/dev/null 2>&1
for c in $conc; do
  : >"$work/rates"
  for r in $(seq "$rounds"); do
    l0=$(cpu_loand); p0=$(cpu_pg); w0=$(wal_syncs)
    ours=$(GOMAXPROCS="${BENCH_CLIENT_PROCS:-}" /usr/bin/time -f 'client %U %S' -o "$work/time.loadpay" \
      "$work/loadpay" -addr "127.0.0.1:$apiport" -loans "$loans" -c "$c" -d "${seconds}s" -run "pay-$run-$c-$r" -view "$view" "${penalty[@]}")
    sleep 1 # let the postmaster reap the backends of a run before counting
    l1=$(cpu_loand); p1=$(cpu_pg); w1=$(wal_syncs)
    b1=$(busy)
    theirs=$(/usr/bin/time -f 'client %U %S' -o "$work/time.pgbench" \
      "$bin/pgbench" -N -M prepared -c "$c" -j 2 -T "$seconds" -h 127.0.0.1 -p "$pgport" -U postgres pgbench 2>/dev/null \
      | sed -n 's/^tps = \([0-9.]*\).*/\1/p')
    b2=$(busy)
    sleep 1
    p2=$(cpu_pg); w2=$(wal_syncs)
    n_ours=$(sed -n 's/.* ok=\([0-9]*\).*/\1/p' <<<"$ours")
    n_theirs=$(python3 -c "print(int($theirs*$seconds))")
    cl_ours=$(awk '/^client/ {print $2+$3}' "$work/time.loadpay")
    cl_theirs=$(awk '/^client/ {print $2+$3}' "$work/time.pgbench")
    m_ours=$(sed -n 's/.*machine_cpu_us_per_op=\([0-9]*\).*/\1/p' <<<"$ours")
    m_theirs=$(per_op 0 "$(python3 -c "print(($b2-$b1)/$hz)")" "$n_theirs")
    echo "${ours%% *} $theirs $m_ours $m_theirs" >>"$work/rates"
    printf '%-7s %5s %9s %10s %6s   %-16s %s+%s+%s | %s+%s;  %s | %s   %s\n' "$c" "$r" "${ours%% *}" "${theirs%.*}" \
      "$(python3 -c "print('%.2f' % (${ours%% *}/$theirs))")" "$m_ours | $m_theirs" \
      "$(per_op "$l0" "$l1" "$n_ours")" "$(per_op "$p0" "$p1" "$n_ours")" "$(per_op 0 "$cl_ours" "$n_ours")" \
      "$(per_op "$p1" "$p2" "$n_theirs")" "$(per_op 0 "$cl_theirs" "$n_theirs")" \
      "$(python3 -c "print('%.2f' % (($w1-$w0)/$n_ours))")" "$(python3 -c "print('%.2f' % (($w2-$w1)/$n_theirs))")" \
      "$(sed 's/ machine_cpu_us_per_op=[0-9]*//' <<<"${ours#* }")"
  done
  python3 - "$c" "$work/rates" <<'PY'
import statistics, sys
rows = [tuple(map(float, l.split())) for l in open(sys.argv[2])]
ours, theirs = statistics.median(r[0] for r in rows), statistics.median(r[1] for r in rows)
m_ours, m_theirs = statistics.median(r[2] for r in rows), statistics.median(r[3] for r in rows)
print('%-7s %5s %9.0f %10.0f %6.2f   %-16s median of %d rounds; machine CPU ratio %.2f' % (
    sys.argv[1], 'median', ours, theirs, ours / theirs, '%.0f | %.0f' % (m_ours, m_theirs), len(rows), m_theirs / m_ours))
PY
done
