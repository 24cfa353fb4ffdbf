#!/usr/bin/env bash
# Reads of loand beside grpc-go's own health check on the same server: one
# loand on a throwaway PostgreSQL cluster and one on SQLite, each with the
# same loans (12 monthly installments, booked 2024-01-15, so overdue now)
# and one closed business date (yesterday's close of business, so that
# ListDelinquentLoans has a work list). Each round runs, on each store in
# turn, bench/loadpay in each mode for the same time with the same clients
# over the same connections:
#   health      grpc.health.v1.Health/Check: the floor (the gRPC hop and
#               nothing else)
#   get         GetLoan of a loan as of today (default as_of), spread over
#               the loans
#   list        ListLoans, pages of BENCH_PAGE, each client paging on
#   delinquent  ListDelinquentLoans at the last closed date, likewise
# and prints each mode's calls/s, p50 and p99, and the CPU (user+system)
# loand and the client spent a call (from /proc and time(1): a call's
# cost moves less between rounds than the rates, and says which process
# pays for what). The machine is shared and noisy: the rounds alternate,
# and the summary gives the median of each figure over the rounds, the
# ratio of the medians to the health check's, and the median of each
# round's own ratio.
# Usage: make bench-read (BENCH_LOANS=512 BENCH_CLIENTS=8 BENCH_CONNS=1
# BENCH_SECONDS=5 BENCH_ROUNDS=5 BENCH_PAGE=100 BENCH_POOL=16
# BENCH_CACHE=10000: loand's --cached-loans, 0 turning the read cache off;
# BENCH_STORES="postgres sqlite"; BENCH_MODES="health get list delinquent"
# (a subset times fewer calls); BENCH_PPROF=127.0.0.1:6060 serves the
# PostgreSQL loand's pprof; BENCH_PEER=1 starts a second loand on the
# PostgreSQL database, which books one loan and idles, so that the loand
# measured is not alone on its database and each read's check is a round
# trip: docs/design.md §5, "Alone on the database").
set -euo pipefail
cd "$(dirname "$0")/.."
loans="${BENCH_LOANS:-512}"
clients="${BENCH_CLIENTS:-8}"
conns="${BENCH_CONNS-1}"
seconds="${BENCH_SECONDS:-5}"
rounds="${BENCH_ROUNDS:-5}"
page="${BENCH_PAGE:-100}"
pool="${BENCH_POOL:-16}"
cache="${BENCH_CACHE:-10000}"
stores="${BENCH_STORES:-postgres sqlite}"
modes="${BENCH_MODES:-health get list delinquent}"
# GOMAXPROCS of the client: 1, as in make bench-payments (see there).
client_procs="${BENCH_CLIENT_PROCS-1}"
. scripts/benchlib.sh
start_cluster read -c max_connections=100 -c shared_buffers=256MB
"$bin/psql" -q -h 127.0.0.1 -p "$pgport" -U postgres -c "CREATE DATABASE loancore"
go build -o "$work/loand" ./cmd/loand
go build -o "$work/loadpay" ./bench/loadpay

declare -A addr pid
start_loand() { # start_loand STORE DATABASE [FLAGS…]
  local name="$1" db="$2" port
  shift 2
  port=$(free_port)
  "$work/loand" --listen "127.0.0.1:$port" --database "$db" --log-format json --cached-loans "$cache" "$@" 2>"$work/loand-$name.log" &
  servers+=("$!")
  pid[$name]=$!
  addr[$name]="127.0.0.1:$port"
  wait_healthy "${addr[$name]}"
}
for s in $stores; do
  case "$s" in
  postgres) start_loand postgres "postgres://postgres@127.0.0.1:$pgport/loancore?sslmode=disable&pool_max_conns=$pool" --pprof "${BENCH_PPROF:-}" ;;
  sqlite) start_loand sqlite "sqlite:$work/sqlite/loancore.db" ;;
  *) echo "BENCH_STORES: unknown store $s" >&2; exit 2 ;;
  esac
done

loadpay() { # loadpay STORE MODE SECONDS: one run of the client, its output line; its CPU in $work/time.loadpay
  GOMAXPROCS="$client_procs" /usr/bin/time -f 'client %U %S' -o "$work/time.loadpay" \
    "$work/loadpay" -addr "${addr[$1]}" -mode "$2" -loans "$loans" -c "$clients" -conns "$conns" -page "$page" -d "$3" -run "read"
}

# The loans (loadpay books those missing), then yesterday's close of
# business, then a warm-up of every mode, not counted.
bdate=$(TZ=Asia/Shanghai date -d yesterday +%F)
for s in $stores; do
  loadpay "$s" get 1s >/dev/null
  $tool grpcurl -plaintext -d '{"business_date": "'"$bdate"'"}' "${addr[$s]}" \
    loancore.v1.CloseOfBusinessService/RunCloseOfBusiness >/dev/null
  for m in $modes; do loadpay "$s" "$m" 2s >/dev/null; done
done

# A peer that wrote holds the writers' lock shared for as long as it
# runs: the measured loand is no longer alone.
if [ "${BENCH_PEER:-0}" = 1 ] && [[ " $stores " == *" postgres "* ]]; then
  start_loand peer "postgres://postgres@127.0.0.1:$pgport/loancore?sslmode=disable&pool_max_conns=2"
  GOMAXPROCS=1 "$work/loadpay" -addr "${addr[peer]}" -mode get -loans 1 -loan-prefix PEER- -c 1 -d 1s -run peer >/dev/null
fi
alone() { # the PostgreSQL loand's standing among the writers, from pg_locks
  local mode
  mode=$("$bin/psql" -qtA -h 127.0.0.1 -p "$pgport" -U postgres -d loancore -c "SELECT string_agg(mode, ',' ORDER BY mode)
    FROM pg_locks WHERE locktype = 'advisory' AND classid = 1818457970 AND objid = 1769235826 AND granted")
  case "$mode" in
  ExclusiveLock*) echo "PostgreSQL loand $1: alone on its database (reads answered from memory)" ;;
  *) echo "PostgreSQL loand $1: not alone on its database (the writers' lock: ${mode:-none}; each read's check is a round trip)" ;;
  esac
}

echo "loand on each store: ${loans} loans (12 monthly installments, overdue), close of business run for $bdate; read cache of ${cache} loans$([ "$cache" = 0 ] && echo ' (off)'); PostgreSQL pool of ${pool}"
echo "client: bench/loadpay, ${clients} clients over $([ "$conns" = 0 ] && echo 'a connection each' || echo "$conns gRPC connection(s)"), GOMAXPROCS ${client_procs:-Go default}; pages of ${page}; ${rounds} rounds of ${seconds}s per mode and store, alternating"
if [[ " $stores " == *" postgres "* ]]; then alone "before the rounds"; fi
printf '\n%-8s %5s' store round
for m in $modes; do printf ' %11s %8s %9s' "$m/s" p50 "µs/call"; done
printf '   %s\n' "ratios to health (QPS); µs/call: CPU of loand+client a call"
: >"$work/rows"
for r in $(seq "$rounds"); do
  for s in $stores; do
    printf '%-8s %5s' "$s" "$r"
    row="$s"
    for m in $modes; do
      l0=$(cpu_of "${pid[$s]}")
      out=$(loadpay "$s" "$m" "${seconds}s")
      l1=$(cpu_of "${pid[$s]}")
      if [ "$(field failed "$out")" != 0 ]; then echo; echo "$s $m: failures: $out" >&2; exit 1; fi
      qps=${out%% *}
      p50=$(field p50 "$out") p99=$(field p99 "$out") calls=$(field ok "$out")
      lcpu=$(per_op "$l0" "$l1" "$calls") ccpu=$(per_op 0 "$(client_cpu "$work/time.loadpay")" "$calls")
      printf ' %11s %8s %9s' "$qps" "$p50" "$lcpu+$ccpu"
      row="$row $m $qps $p50 $p99 $lcpu $ccpu"
    done
    echo "$row" >>"$work/rows"
    python3 - "$row" <<'PY'
import sys
f = sys.argv[1].split()
qps = {f[i]: float(f[i + 1]) for i in range(1, len(f), 6)}
print('   ' + ' '.join('%s %.2f' % (m, q / qps['health']) for m, q in qps.items() if m != 'health'))
PY
  done
done
if [[ " $stores " == *" postgres "* ]]; then alone "after the rounds"; fi
python3 - "$work/rows" "$modes" <<'PY'
import re, statistics, sys
def dur(s):  # a Go duration (1.2ms, 850µs, 1.5s) in ms
    n, unit = re.fullmatch(r'([0-9.]+)(ns|µs|us|ms|s)', s).groups()
    return float(n) * {'ns': 1e-6, 'µs': 1e-3, 'us': 1e-3, 'ms': 1, 's': 1e3}[unit]
rows = {}
for line in open(sys.argv[1]):
    f = line.split()
    rows.setdefault(f[0], []).append({f[i]: (float(f[i + 1]), dur(f[i + 2]), dur(f[i + 3]), float(f[i + 4]), float(f[i + 5]))
                                      for i in range(1, len(f), 6)})
modes = sys.argv[2].split()
print('\nmedians of %d rounds (QPS, p50, p99; ratio of medians to health; median of per-round ratios; p50 / health p50, of the medians and by round;'
      ' CPU µs a call of loand and of the client, and loand\'s over the health check\'s by round):' % len(next(iter(rows.values()))))
print('%-8s %-11s %9s %9s %9s %7s %9s %9s %9s' % ('store', 'mode', 'QPS', 'p50 ms', 'p99 ms', 'ratio', 'by round', 'p50 x', 'by round'))
for store, rs in rows.items():
    h = [r['health'] for r in rs]
    hq, hp = statistics.median(x[0] for x in h), statistics.median(x[1] for x in h)
    for m in modes:
        q = statistics.median(r[m][0] for r in rs)
        p50 = statistics.median(r[m][1] for r in rs)
        p99 = statistics.median(r[m][2] for r in rs)
        # Each round's own ratios too: a ratio of medians may take its two
        # medians from different rounds, and the noise moves whole rounds.
        ratios = [r[m][0] / r['health'][0] for r in rs]
        p50_by_round = statistics.median(r[m][1] / r['health'][1] for r in rs)
        loand, client = statistics.median(r[m][3] for r in rs), statistics.median(r[m][4] for r in rs)
        loand_by_round = statistics.median(r[m][3] / max(r['health'][3], 1) for r in rs)
        print('%-8s %-11s %9.0f %9.3f %9.3f %7.2f %9.2f %9.2f %9.2f   rounds %.2f–%.2f   CPU µs/call loand %.0f client %.0f (loand × health %.2f)' % (
            store, m, q, p50, p99, q / hq, statistics.median(ratios), p50 / hp, p50_by_round, min(ratios), max(ratios),
            loand, client, loand_by_round))
PY
