#!/usr/bin/env bash
# Repayment throughput of loand on PostgreSQL (synchronous_commit on) with
# ghz at each concurrency, next to pgbench -N -M prepared at the same
# concurrency on the same throwaway cluster. Usage: make bench-payments
# (BENCH_CONCURRENCY="8 32" BENCH_SECONDS=20 BENCH_LOANS=512).
set -euo pipefail
cd "$(dirname "$0")/.."
conc="${BENCH_CONCURRENCY:-8 32}"
seconds="${BENCH_SECONDS:-20}"
loans="${BENCH_LOANS:-512}"
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
tool="go tool -modfile=tools/go.mod"
ghz="go tool -modfile=tools/ghz/go.mod ghz"

work=$(mktemp -d /tmp/loancore-bench-XXXXXX)
as_pg=()
if [ "$(id -u)" = 0 ]; then chown postgres "$work"; as_pg=(runuser -u postgres --); fi
pgport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
apiport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cleanup() {
  [ -n "${loand_pid:-}" ] && kill "$loand_pid" 2>/dev/null || true
  "${as_pg[@]}" "$bin/pg_ctl" -D "$work/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
[ -n "${BENCH_KEEP_LOG:-}" ] && trap 'cp "$work/loand.log" /tmp/loand-bench.log; cleanup' EXIT

"${as_pg[@]}" "$bin/initdb" -D "$work/data" -U postgres -A trust -E UTF8 >/dev/null
"${as_pg[@]}" "$bin/pg_ctl" -D "$work/data" -l "$work/pg.log" -w \
  -o "-p $pgport -k $work -c listen_addresses=127.0.0.1 -c max_connections=300 -c shared_buffers=256MB" start >/dev/null
"$bin/psql" -q -h 127.0.0.1 -p "$pgport" -U postgres -c "CREATE DATABASE loancore" -c "CREATE DATABASE pgbench"
echo "synchronous_commit: $("$bin/psql" -tA -h 127.0.0.1 -p "$pgport" -U postgres -c 'SHOW synchronous_commit')"
"$bin/pgbench" -q -i -s 20 -h 127.0.0.1 -p "$pgport" -U postgres pgbench >/dev/null 2>&1

go build -o "$work/loand" ./cmd/loand
"$work/loand" --listen "127.0.0.1:$apiport" --database "postgres://postgres@127.0.0.1:$pgport/loancore?sslmode=disable&pool_max_conns=64" \
  --log-format json --pprof "${BENCH_PPROF:-}" 2>"$work/loand.log" &
loand_pid=$!
for _ in $(seq 100); do
  $tool grpcurl -plaintext "127.0.0.1:$apiport" grpc.health.v1.Health/Check >/dev/null 2>&1 && break
  sleep 0.1
done

run=$(date +%s)
$ghz --insecure --call loancore.v1.LoanService/CreateLoan -n "$loans" -c 8 --format summary \
  -d '{"request_id":"create-{{.RequestNumber}}","loan_id":"B{{.RequestNumber}}","borrower_id":"bench",
       "terms":{"currency":"CNY","principal":"100000000","annual_rate_percent":"4.35","installment_count":12,
       "method":"REPAYMENT_METHOD_EQUAL_INSTALLMENT","disbursement_date":"2024-01-15"}}' \
  "127.0.0.1:$apiport" | grep -E "Requests/sec|Error distribution|\[" || true

printf '\n%-12s %14s %14s %8s\n' concurrency "loand pay/s" "pgbench tps" ratio
for c in $conc; do
  ours=$($ghz --insecure --call loancore.v1.LoanService/RecordRepayment -z "${seconds}s" -c "$c" --connections "$c" -O json \
    -d "{\"request_id\":\"pay-$run-$c-{{.RequestNumber}}\",\"loan_id\":\"B{{randomInt 0 $loans}}\",\"amount\":\"1.00\",\"value_date\":\"2024-02-15\"}" \
    "127.0.0.1:$apiport" 2>"$work/ghz.err" | python3 -c 'import json,sys; r=json.load(sys.stdin); ok=r["statusCodeDistribution"].get("OK",0); print("%.0f %s" % (ok/(r["total"]/1e9), json.dumps(r["statusCodeDistribution"])))')
  theirs=$("$bin/pgbench" -N -M prepared -c "$c" -j 2 -T "$seconds" -h 127.0.0.1 -p "$pgport" -U postgres pgbench 2>/dev/null \
    | sed -n 's/^tps = \([0-9.]*\).*/\1/p')
  printf '%-12s %14s %14s %8s   %s\n' "$c" "${ours%% *}" "${theirs%.*}" \
    "$(python3 -c "print('%.2f' % (${ours%% *}/$theirs))")" "${ours#* }"
done
