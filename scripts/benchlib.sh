# Shared by the bench scripts (source it from the repository root): a
# throwaway PostgreSQL cluster, free ports, waiting for a server, and CPU
# counters.

bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
tool="go tool -modfile=tools/go.mod"
servers=() # pids of the servers started on the cluster, stopped with it

# BENCH_PG_CPUS=LIST (taskset's list, e.g. 1) gives PostgreSQL those cores
# and the bench's own processes (servers, clients, pgbench) the others, as
# in production, where the database has a host of its own: on a machine
# of few cores a middle tier and its database that share them pay for
# each other's wake-ups (docs/benchmarks.md, "The cold path"). Unset,
# everything shares every core. A script that offers it calls pin_bench
# "$@" before start_cluster: it runs the script again on the other cores,
# and start_cluster then starts PostgreSQL on LIST.
pg_cpus="${BENCH_PG_CPUS:-}"
pin_bench() {
  if [ -z "$pg_cpus" ] || [ -n "${BENCH_PINNED:-}" ]; then return 0; fi
  local rest
  rest=$(python3 - "$pg_cpus" <<'PY'
import os, sys
mine, have = set(), os.sched_getaffinity(0)
for part in sys.argv[1].split(','):
    lo, _, hi = part.partition('-')
    mine.update(range(int(lo), int(hi or lo) + 1))
rest = sorted(have - mine)
if not rest or not mine <= have:
    sys.exit('BENCH_PG_CPUS=%s: cores %s are this machine\'s; PostgreSQL and the bench need some each' % (sys.argv[1], sorted(have)))
print(','.join(map(str, rest)))
PY
  ) || exit 2
  BENCH_PINNED="$rest" exec taskset -c "$rest" "$0" "$@"
}

# free_port prints a TCP port nothing listens on.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start_cluster NAME [postgres -c options…] makes $work, starts a cluster in
# it on $pgport (as the postgres user when run as root: initdb refuses
# root), and on exit stops the servers whose pids are in $servers and the
# cluster and removes $work.
start_cluster() {
  work=$(mktemp -d "/tmp/loancore-$1-XXXXXX")
  shift
  as_pg=()
  if [ "$(id -u)" = 0 ]; then chown postgres "$work"; as_pg=(runuser -u postgres --); fi
  pgport=$(free_port)
  trap stop_cluster EXIT
  "${as_pg[@]}" "$bin/initdb" -D "$work/data" -U postgres -A trust -E UTF8 >/dev/null
  local pin=()
  [ -z "${BENCH_PINNED:-}" ] || pin=(taskset -c "$pg_cpus")
  "${as_pg[@]}" "${pin[@]}" "$bin/pg_ctl" -D "$work/data" -l "$work/pg.log" -w \
    -o "-p $pgport -k $work -c listen_addresses=127.0.0.1 $*" start >/dev/null
}

stop_cluster() {
  for pid in "${servers[@]}"; do kill "$pid" 2>/dev/null || true; done
  "${as_pg[@]}" "$bin/pg_ctl" -D "$work/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$work"
}

# wait_healthy ADDR [GRPCURL FLAGS…] waits up to 10 s for the health
# service at ADDR. grpcurl finds it by server reflection, which needs an
# identity when loand authenticates: pass -H 'authorization: Bearer …'.
wait_healthy() {
  local addr="$1"
  shift
  for _ in $(seq 100); do
    $tool grpcurl -plaintext "$@" "$addr" grpc.health.v1.Health/Check >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "loand at $addr did not become healthy" >&2
  return 1
}

# CPU counters. hz is the unit of /proc's times (USER_HZ).
hz=$(getconf CLK_TCK)
# cpu_of PID prints the CPU seconds (user+system) PID has spent so far.
cpu_of() { awk -v hz="$hz" '{printf "%.3f", ($14+$15)/hz}' "/proc/$1/stat"; }
# cpu_pg prints the CPU seconds (user+system) the cluster start_cluster
# started has spent so far: the postmaster, its live backends, and those
# that have exited (the kernel adds them to the postmaster's children
# times). Its change over a run is the run's when nothing else uses the
# cluster meanwhile.
cpu_pg() {
  local pid
  pid=$(head -1 "$work/data/postmaster.pid")
  { awk '{print $14+$15+$16+$17}' "/proc/$pid/stat"
    for p in $(pgrep -P "$pid" || true); do awk '{print $14+$15}' "/proc/$p/stat" 2>/dev/null || true; done
  } | awk -v hz="$hz" '{t+=$1} END {printf "%.3f", t/hz}'
}
# busy prints the machine-wide busy CPU time (user, nice, system, irq,
# softirq) in clock ticks, as loadpay reads it around its own window.
busy() { awk '/^cpu / {print $2+$3+$4+$7+$8}' /proc/stat; }
# py prints a Python expression's value.
py() { python3 -c "print($1)"; }
# per_op FROM TO N prints the µs of CPU an operation between two CPU
# readings in seconds (cpu_of, cpu_pg), over N operations.
per_op() { py "'%.0f' % (($2-$1)*1e6/max($3, 1))"; }
# field NAME LINE prints NAME's value in a loadpay output line (NAME=value).
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }
# client_cpu FILE prints the CPU seconds time(1) wrote to FILE with
# -f 'client %U %S'.
client_cpu() { awk '/^client/ {print $2+$3}' "$1"; }
