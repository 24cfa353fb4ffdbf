#!/usr/bin/env bash
# A/B of loand settings or builds on one throwaway PostgreSQL cluster:
# one loand per side, each on its own database with its own bench/loadpay
# client, then pgbench -N -M prepared at the same concurrency, in
# alternating rounds, so that every side sees the same machine and noise;
# the sides take turns in order in odd rounds and in reverse order in even
# ones, so that none always runs first after pgbench. Prints each round,
# the medians per side and, against the first side in the same round,
# each side's rate and loand CPU µs per repayment: the median of those
# paired ratios and in how many rounds the side was faster, or cheaper.
# Sides are short lowercase names (they name shell variables and
# databases). Usage:
#   BENCH_AB_SIDES="a b" b_ENV=GOMAXPROCS=1 b_CLIENT_ENV=GOMAXPROCS=1 make bench-ab
# Per side X: X_ENV (loand's environment, "K=V …"), X_CLIENT_ENV (the
# client's, after GOMAXPROCS=1 as make bench-payments gives it), X_ARGS
# (loand's extra flags), X_CLIENT_ARGS (bench/loadpay's, e.g. "-view
# basic"), X_BIN (a loand binary, default the tree's), X_AUTH (how its
# callers authenticate: off, loand's dev mode, the default; jwt, loand with
# --jwt-public-key and the client with a token of bench/benchjwt, ES256 or
# BENCH_JWT_ALG=RS256, role servicer; apikey, --api-keys-file and a key of
# loand apikey create; a side named jwt or apikey defaults to it).
# BENCH_AUTH=jwt (or apikey) is authentication's cost: sides "off jwt"
# unless BENCH_AB_SIDES is set (make bench-payments with BENCH_AUTH runs
# this). BENCH_OBS=on is observability's cost: sides "off obs", where obs
# is loand with --metrics-listen and OTLP tracing to bench/otlpsink, which
# receives the spans and scrapes /metrics every BENCH_SCRAPE_EVERY (5s);
# so does every side whose name starts with obs, and X_ENV adds to its
# OTEL_* variables (BENCH_AB_SIDES="off obs obs1"
# obs1_ENV="OTEL_TRACES_SAMPLER=parentbased_traceidratio OTEL_TRACES_SAMPLER_ARG=0.01"). BENCH_CONCURRENCY (8; several, "8 32", run one after the other),
# BENCH_SECONDS (8), BENCH_ROUNDS (6), BENCH_LOANS (512), BENCH_CONNS (the
# client's gRPC connections, 1 as make bench-payments; 0: one per client),
# BENCH_PG_CPUS (PostgreSQL on those cores, the sides and clients on the
# others: benchlib.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
auth="${BENCH_AUTH:-}"
case "$auth" in "" | jwt | apikey) ;; *) echo "BENCH_AUTH=$auth: want jwt or apikey" >&2; exit 2 ;; esac
obs="${BENCH_OBS:-}"
case "$obs" in "" | on) ;; *) echo "BENCH_OBS=$obs: want on" >&2; exit 2 ;; esac
[ "$obs" = on ] && [ -z "$auth" ] && auth_or_obs="off obs"
sides="${BENCH_AB_SIDES:-${auth:+off $auth}}"
sides="${sides:-${auth_or_obs:-}}"
sides="${sides:-a b}"
conc="${BENCH_CONCURRENCY:-8}"
seconds="${BENCH_SECONDS:-8}"
rounds="${BENCH_ROUNDS:-6}"
loans="${BENCH_LOANS:-512}"
conns="${BENCH_CONNS-1}"
. scripts/benchlib.sh
pin_bench "$@"
start_cluster ab -c max_connections=300 -c shared_buffers=256MB
psql=("$bin/psql" -q -h 127.0.0.1 -p "$pgport" -U postgres)
for s in $sides; do "${psql[@]}" -c "CREATE DATABASE side_$s"; done
"${psql[@]}" -c "CREATE DATABASE pgbench"
"$bin/pgbench" -q -i -s 20 -h 127.0.0.1 -p "$pgport" -U postgres pgbench >/dev/null 2>&1
go build -o "$work/loand" ./cmd/loand
go build -o "$work/loadpay" ./bench/loadpay
side() { local n="$1_$2"; echo "${!n:-}"; } # side X NAME: $X_NAME
# side_auth X: how side X's callers authenticate (off, jwt, apikey).
side_auth() {
  local a
  a=$(side "$1" AUTH)
  case "$1" in jwt | apikey) a="${a:-$1}" ;; esac
  case "${a:-off}" in off | jwt | apikey) echo "${a:-off}" ;; *) echo "$1_AUTH=$a: want off, jwt or apikey" >&2; return 1 ;; esac
}
# The credentials, made once for the sides that need them: loand's flags
# (auth_args) and the bearer token its clients send (token), per kind.
declare -A auth_args=([off]="" [jwt]="" [apikey]="") token=([off]="" [jwt]="" [apikey]="")
# client_auth X: bench/loadpay's flags for side X's credential.
client_auth() {
  local t="${token[$(side_auth "$1")]}"
  [ -z "$t" ] || echo "-token $t"
}
for s in $sides; do
  case "$(side_auth "$s")" in
    jwt)
      [ -n "${auth_args[jwt]}" ] && continue
      go build -o "$work/benchjwt" ./bench/benchjwt
      # Valid for the whole run, whatever its length; the private key dies with benchjwt.
      "$work/benchjwt" -public-key-out "$work/jwt.pem" -alg "${BENCH_JWT_ALG:-ES256}" -issuer https://idp.bench.test \
        -audience loancore -subject bench-payments -roles servicer -ttl 24h >"$work/jwt.token"
      auth_args[jwt]="--jwt-public-key $work/jwt.pem --jwt-issuer https://idp.bench.test --jwt-audience loancore"
      token[jwt]=$(cat "$work/jwt.token")
      ;;
    apikey)
      [ -n "${auth_args[apikey]}" ] && continue
      key=$("$work/loand" apikey create --api-keys-file "$work/api-keys.jsonl" --subject bench-payments --roles servicer | tail -n 1)
      auth_args[apikey]="--api-keys-file $work/api-keys.jsonl"
      token[apikey]="$key"
      ;;
  esac
done
# A side whose name starts with obs gets metrics and tracing, with
# bench/otlpsink as its collector: the OTLP receiver and the scraper of
# its /metrics.
scrape=""
for s in $sides; do
  [[ "$s" == obs* ]] || continue
  [ -n "$scrape" ] || sinkport=$(free_port)
  mp=$(free_port)
  scrape="$scrape,http://127.0.0.1:$mp/metrics"
  printf -v "${s}_ARGS" '%s' "--metrics-listen 127.0.0.1:$mp $(side "$s" ARGS)"
  printf -v "${s}_ENV" '%s' "OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:$sinkport OTEL_EXPORTER_OTLP_PROTOCOL=grpc $(side "$s" ENV)"
done
if [ -n "$scrape" ]; then
  go build -o "$work/otlpsink" ./bench/otlpsink
  "$work/otlpsink" -otlp "127.0.0.1:$sinkport" -scrape "${scrape#,}" -every "${BENCH_SCRAPE_EVERY:-5s}" >"$work/otlpsink.log" 2>&1 &
  servers+=("$!")
  trap 'echo "otlpsink: $(tail -n 1 "$work/otlpsink.log")"; stop_cluster' EXIT
fi
declare -A port pid
for s in $sides; do
  port[$s]=$(free_port)
  bin_s=$(side "$s" BIN)
  a=$(side_auth "$s")
  # X_ENV, X_ARGS and the auth flags are word lists, split on purpose.
  env $(side "$s" ENV) "${bin_s:-$work/loand}" --listen "127.0.0.1:${port[$s]}" \
    --database "postgres://postgres@127.0.0.1:$pgport/side_$s?sslmode=disable&pool_max_conns=16" \
    --log-format json ${auth_args[$a]} $(side "$s" ARGS) 2>"$work/$s.log" &
  pid[$s]=$!
  servers+=("$!")
  health=()
  [ -z "${token[$a]}" ] || health=(-H "authorization: Bearer ${token[$a]}")
  wait_healthy "127.0.0.1:${port[$s]}" "${health[@]}" || { tail -n 5 "$work/$s.log" >&2; exit 1; }
  echo "side $s: $(grep -o '"msg":"loand serving".*"auth":"[^"]*"' "$work/$s.log" | sed 's/.*"auth":"\([^"]*\)"/auth=\1/')"
  env GOMAXPROCS=1 $(side "$s" CLIENT_ENV) "$work/loadpay" -addr "127.0.0.1:${port[$s]}" -loans "$loans" -c 8 -d 3s -run warm \
    $(client_auth "$s") >/dev/null
done
reversed=$(printf '%s\n' $sides | tac | tr '\n' ' ')

# cpu_pg (benchlib.sh): only one side (or pgbench) runs at a time, so
# its change over a run is that run's.

# round_side R C X: one run of side X's client at concurrency C in round
# R, and its row: side, round, rate, machine and loand CPU µs per
# repayment, failed calls, PostgreSQL CPU µs per repayment.
round_side() {
  local r="$1" c="$2" s="$3" c0 c1 p0 p1 out n m f l
  c0=$(cpu_of "${pid[$s]}")
  p0=$(cpu_pg)
  out=$(env GOMAXPROCS=1 $(side "$s" CLIENT_ENV) "$work/loadpay" -addr "127.0.0.1:${port[$s]}" -loans "$loans" -c "$c" \
    -conns "$conns" -d "${seconds}s" -run "r$c-$r" $(client_auth "$s") $(side "$s" CLIENT_ARGS))
  c1=$(cpu_of "${pid[$s]}")
  p1=$(cpu_pg)
  n=$(field ok "$out") f=$(field failed "$out") m=$(field machine_cpu_us_per_op "$out")
  printf '%-8s %5s %8s %16s %18s %7s %15s\n' "$s" "$r" "${out%% *}" "$m" "$(per_op "$c0" "$c1" "$n")" "$f" "$(per_op "$p0" "$p1" "$n")" |
    tee -a "$work/rows"
}

[ -z "${BENCH_PINNED:-}" ] || echo "cores: PostgreSQL on $pg_cpus; the sides, the clients and pgbench's on $BENCH_PINNED"
for c in $conc; do
  printf '\n%s clients, %s rounds of %ss per side\n' "$c" "$rounds" "$seconds"
  printf '%-8s %5s %8s %16s %18s %7s %15s\n' side round "rate/s" "machine µs/op" "loand CPU µs/op" failed "pg CPU µs/op"
  : >"$work/rows"
  for r in $(seq "$rounds"); do
    order="$sides"
    [ $((r % 2)) = 0 ] && order="$reversed"
    for s in $order; do round_side "$r" "$c" "$s"; done
    b1=$(busy) p0=$(cpu_pg)
    tps=$("$bin/pgbench" -N -M prepared -c "$c" -j 2 -T "$seconds" -h 127.0.0.1 -p "$pgport" -U postgres pgbench 2>/dev/null |
      sed -n 's/^tps = \([0-9.]*\).*/\1/p')
    b2=$(busy) p1=$(cpu_pg)
    printf '%-8s %5s %8.0f %16s %18s %7s %15s\n' pgbench "$r" "$tps" "$(py "round(($b2-$b1)/$hz*1e6/($tps*$seconds))")" - - \
      "$(py "round(($p1-$p0)*1e6/($tps*$seconds))")" | tee -a "$work/rows"
  done
  python3 scripts/bench-ab-summary.py "$c" "$sides" "$work/rows"
done
