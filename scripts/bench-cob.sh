#!/usr/bin/env bash
# Close of business for one business date over BENCH_COB_LOANS (default
# 1,000,000) overdue loans on a throwaway PostgreSQL 15 cluster, through
# loand's RunCloseOfBusiness, next to a plain SQL UPDATE of a position row
# a loan (what a close that updates each loan's one position would do) on
# the same cluster, in one run. Production closes every day, so the dates timed are the
# steady state: two dates before them are closed first, untimed, each
# time printed on a line of its own: the first replays every loan from
# its whole log and writes each a row; the second carries most of them
# on from those rows into carried pages (migration 24), which the timed
# dates then carry on (a date after another carried date, as every date
# in production is).
# Loans are booked on BENCH_COB_SPREAD (default 28) consecutive days, in
# runs of consecutive ids, as a lender's book is: on the date timed about
# one loan in 28 reaches a due date, one a grace's end, one a reminder,
# and the rest only accrue. BENCH_COB_SPREAD=1 books them all on one day,
# the date timed then being every loan's due date (the worst case).
# Usage: make bench-cob  (BENCH_COB_LOANS=100000 for a quicker look).
# It also prints the CPU seconds loand and the PostgreSQL backends spent
# in the close (from /proc), the figure to compare on a busy machine.
# BENCH_COB_PROFILE=1 adds the close's costliest statements
# (pg_stat_statements) and a CPU profile of loand (go tool pprof -top).
# BENCH_COB_CARRY_WORKERS (default 2, loand's default) is loand's
# --cob-carry-workers: how many pages of the carry run at once.
# BENCH_COB_KEPT_DATES (default 0): position partitions kept from dates
# before the bench's, as a book in production has (below).
# BENCH_COB_KEEP_POSITION_DATES (default 0) is loand's
# --cob-keep-position-dates: each close then ends with its prune, timed
# with it. With the default rounds it drops nothing (the carried
# positions all name the first date as their base); over more rounds
# (BENCH_COB_ROUNDS=60) the dates' growth shows the drops.
# BENCH_COB_ROUNDS (default 3) steady dates are timed, one after another,
# each beside its own UPDATE (alternating rounds: the machine's load
# moves between them); the ratio is the median of the rounds' ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
n="${BENCH_COB_LOANS:-1000000}"
spread="${BENCH_COB_SPREAD:-28}"
. scripts/benchlib.sh
profile="${BENCH_COB_PROFILE:-0}"
workers="${BENCH_COB_CARRY_WORKERS:-2}"
keep="${BENCH_COB_KEEP_POSITION_DATES:-0}"
# BENCH_COB_CHECKPOINT=1 runs a CHECKPOINT, untimed, before each timed
# window (the close, and the UPDATE after its copy is filled), so each
# pays the full-page images a nightly close pays, the first change to
# most of its pages since the last checkpoint; without it a window
# falls anywhere in the checkpoint cycle (an experiment, off by default).
checkpoint="${BENCH_COB_CHECKPOINT:-0}"
# Autovacuum and checkpoints are logged, so each round can say which ran
# while it was timed (background, below): they are the noise between runs.
pgopts=(-c shared_buffers=1GB -c max_wal_size=8GB -c log_autovacuum_min_duration=0 -c log_checkpoints=on)
# (The settles' VACUUMs are not statements of the close: not tracked.)
# track_planning: a statement planned at every run (a custom plan each
# time) shows as many plans as calls, and its planning time beside its run's.
[ "$profile" = 1 ] && pgopts+=(-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track_utility=off -c pg_stat_statements.track_planning=on)
start_cluster cob "${pgopts[@]}"
apiport=$(free_port)
psql=("$bin/psql" -q -X -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$pgport" -U postgres)
"${psql[@]}" -c "CREATE DATABASE loancore"
url="postgres://postgres@127.0.0.1:$pgport/loancore?sslmode=disable&pool_max_conns=8"
go build -o "$work/loand" ./cmd/loand
# The closes are asked for by a grpcurl built once: `go tool grpcurl`
# spends about a second checking its build before each call, which the
# timed close would count.
go build -modfile=tools/go.mod -o "$work/grpcurl" github.com/fullstorydev/grpcurl/cmd/grpcurl
"$work/loand" migrate --database "$url" 2>/dev/null

# The dates closed are the days up to yesterday in loand's business time
# zone: two untimed, then BENCH_COB_ROUNDS timed, one a round. The
# first loans were disbursed 11 months before the first timed date and
# the last spread - 1 days earlier, 12 monthly installments, nothing
# paid: 10 or 11 installments overdue, penalty at the contract rate +
# 50%, compound on overdue interest, 3 grace days.
rounds="${BENCH_COB_ROUNDS:-3}"
today=$(TZ=Asia/Shanghai date +%F)
pdate=$(TZ=Asia/Shanghai date -d "$today -$((rounds + 2)) day" +%F)
sdate=$(TZ=Asia/Shanghai date -d "$pdate +1 day" +%F)
first=$(TZ=Asia/Shanghai date -d "$pdate +2 day" +%F)
disb=$(TZ=Asia/Shanghai date -d "$first -11 months" +%F)
terms='{"currency":"CNY","principal":"10000.00","annual_rate_percent":"12","installment_count":12,"frequency_unit":"MONTH","frequency_every":1,"method":"EQUAL_INSTALLMENT","disbursement_date":"'$disb'","interest_accrual":"PERIODIC","day_count":"ACT_360","rounding_mode":"HALF_UP","installment_multiple":"0.01","principal_grace_periods":0,"interest_free_periods":0,"upfront_fee":"0.00","allocation_order":"PENALTY_FIRST","prepayment":"REDUCE_TERM","overpayment":"REFUSE","penalty":{"markup_percent":"50","basis":"OVERDUE_PRINCIPAL","compound_overdue_interest":true,"day_count":"ACT_360","grace_days":3,"grace_mode":"FROM_DUE_DATE"}}'
# BENCH_COB_KEPT_DATES=N first creates N (empty) partitions of
# loan_positions for the dates before the first closed, as a book that
# has closed N dates keeps them (loand drops none): what each page of a
# close plans and opens grows with them unless bounded.
kept="${BENCH_COB_KEPT_DATES:-0}"
if [ "$kept" -gt 0 ]; then
  "${psql[@]}" -d loancore -c "DO \$\$ DECLARE d date; BEGIN FOR i IN 1..$kept LOOP d := '$pdate'::date - i;
    EXECUTE format('CREATE TABLE loan_positions_p%s PARTITION OF loan_positions FOR VALUES FROM (%L) TO (%L)', to_char(d, 'YYYYMMDD'), d, d + 1);
    END LOOP; END \$\$"
  printf 'kept dates: %d empty position partitions before %s\n' "$kept" "$pdate"
fi
t0=$(date +%s.%N)
"${psql[@]}" -d loancore <<SQL
INSERT INTO loans (loan_id, borrower_id, currency, terms, status, created_at)
SELECT 'COB-' || lpad(i::text, 8, '0'), 'B-' || (i % 100000), 'CNY',
  jsonb_set('$terms'::jsonb, '{disbursement_date}', to_jsonb(to_char('$disb'::date - ((i - 1) * $spread / $n), 'YYYY-MM-DD'))), 'ACTIVE', now()
FROM generate_series(1, $n) i;
INSERT INTO loan_events (loan_id, seq, kind, value_date, recorded_at, request_id, actor, amount, reason, method, request_hash)
SELECT 'COB-' || lpad(i::text, 8, '0'), 1, 'ORIGINATION', '$disb'::date - ((i - 1) * $spread / $n), now(), 'cob-' || i, 'bench', 10000, '',
  'CreateLoan', 'bench'
FROM generate_series(1, $n) i;
INSERT INTO loan_events (loan_id, seq, kind, value_date, recorded_at, request_id, actor, amount, reason)
SELECT 'COB-' || lpad(i::text, 8, '0'), 2, 'DISBURSEMENT', '$disb'::date - ((i - 1) * $spread / $n), now(), 'cob-' || i, 'bench', 10000, ''
FROM generate_series(1, $n) i;
VACUUM ANALYZE;
SQL
printf 'loans: %d created in %.0f s (disbursed on %d days up to %s, timing %d dates from %s)\n' "$n" "$(py "$(date +%s.%N) - $t0")" "$spread" "$disb" "$rounds" "$first"

[ "$profile" = 1 ] && "${psql[@]}" -d loancore -c "CREATE EXTENSION pg_stat_statements"
pprof=()
[ "$profile" = 1 ] && pprofport=$(free_port) && pprof=(--pprof "127.0.0.1:$pprofport")
"$work/loand" --listen "127.0.0.1:$apiport" --database "$url" --log-format json --cob-carry-workers "$workers" --cob-keep-position-dates "$keep" "${pprof[@]}" \
  2>"$work/loand.log" &
loand_pid=$!
servers+=("$loand_pid")
wait_healthy "127.0.0.1:$apiport"

# loand's feed sequencer first feeds the 2 x n events the setup inserted
# (it would have fed them as the loans were booked); close of business is
# timed from when it has, so the run does not also pay for the setup.
t0=$(date +%s.%N)
# fed_to N waits until the feed holds N entries: its head is the last
# row's position + span - 1 (a row may stand for many journal lines).
fed_to() { until [ "$("${psql[@]}" -d loancore -tA -c "SELECT COALESCE((SELECT position + span - 1 FROM event_feed ORDER BY position DESC LIMIT 1), 0) >= $1")" = t ]; do sleep 1; done; }
fed_to $((2 * n))
printf 'feed: the setup'"'"'s %d events sequenced in %.0f s\n' "$((2 * n))" "$(py "$(date +%s.%N) - $t0")"

# settle, untimed after each close: its journal lines fed, as a night's
# would be by the next, and then every table vacuumed and analyzed, as
# autovacuum would within the day. The bench closes a date a minute, not
# a day: left to autovacuum, the work one close's writes call for (its
# journal, batches, carried pages, notices, positions, feed) ran during
# the next close or UPDATE, whichever it fell on (a 3,000,000-loan run
# logged four tables vacuumed and four analyzed by autovacuum during its
# first timed close, ratio 1.58, and none during the other two, 1.02 and
# 0.82), and made rounds of one code differ by half.
settle() {
  fed_to "$("${psql[@]}" -d loancore -tA -c "SELECT $((2 * n)) + (SELECT count(*) FROM loan_accruals)
    + (SELECT COALESCE(sum(cardinality(loan_ids)), 0) FROM accrual_batches)")"
  "${psql[@]}" -d loancore -c "VACUUM (ANALYZE)"
}
# untimed DATE WHAT: a close before the rounds, untimed in the ratio, its
# time and CPU seconds (PostgreSQL's: cpu_pg, benchlib.sh) printed on a
# line of its own, then settled.
untimed() {
  local cpu0 pg0 t0
  cpu0=$(cpu_of "$loand_pid")
  pg0=$(cpu_pg)
  t0=$(date +%s.%N)
  "$work/grpcurl" -plaintext -d '{"business_date": "'"$1"'"}' "127.0.0.1:$apiport" \
    loancore.v1.CloseOfBusinessService/RunCloseOfBusiness >/dev/null
  printf '%s (%s): %.1f s; CPU loand %.1f s, PostgreSQL %.1f s\n' "$2" "$1" \
    "$(py "$(date +%s.%N) - $t0")" "$(py "$(cpu_of "$loand_pid") - $cpu0")" "$(py "$(cpu_pg) - $pg0")"
  settle
}
# The first close of these loans replays every one; the second is the
# first to carry loans on, from the rows the first wrote (a day before
# with no carried pages, which no later date has).
untimed "$pdate" "first close of business, every loan replayed"
# The baseline's rows (round, below) are copied from the first date's
# partition, kept aside now: a retention policy
# (BENCH_COB_KEEP_POSITION_DATES) may drop the partition itself.
"${psql[@]}" -d loancore -c "CREATE TABLE bench_first (LIKE loan_positions_p${pdate//-/} INCLUDING INDEXES)" \
  -c "INSERT INTO bench_first SELECT * FROM loan_positions_p${pdate//-/}" -c "VACUUM (ANALYZE) bench_first"
untimed "$sdate" "second close of business, carried on from rows"

# date_run DATE FIELD… prints fields of loand's log line of the date's
# run (close of business: date run), one a line.
date_run() {
  python3 - "$work/loand.log" "$@" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    if '"close of business: date run"' in line:
        r = json.loads(line)
        if r.get("business_date") == sys.argv[2]:
            run = r
print("\n".join(str(run[f]) for f in sys.argv[3:]))
PY
}

# dbsize prints the loancore database's size in bytes (its relations'
# files: tables, indexes, TOAST; not the WAL).
dbsize() { "${psql[@]}" -d loancore -tA -c "SELECT pg_database_size('loancore')"; }
# parts prints, in bytes with indexes and TOAST, what close of business
# writes to: "POSITIONS CARRIED NOTICES JOURNAL FEED" (the positions'
# partitions, the carried pages, the notices, the journal's lines and
# batches, the event feed), so a round can say where its growth went.
parts() {
  "${psql[@]}" -d loancore -tA -F ' ' -c "SELECT
    (SELECT COALESCE(sum(pg_total_relation_size(i.inhrelid)), 0) FROM pg_inherits i WHERE i.inhparent = 'loan_positions'::regclass),
    pg_total_relation_size('carried_positions'), pg_total_relation_size('due_notices'),
    pg_total_relation_size('loan_accruals') + pg_total_relation_size('accrual_batches'), pg_total_relation_size('event_feed')"
}
# wal prints the WAL written since the cluster started: "BYTES FPI".
wal() { "${psql[@]}" -d loancore -tA -F ' ' -c "SELECT wal_bytes, wal_fpi FROM pg_stat_wal"; }
# window starts a timed window, untimed: a CHECKPOINT first when
# BENCH_COB_CHECKPOINT=1, then it prints where the window starts, as
# "LOG_LINES WAL_BYTES WAL_FPI" for background.
window() {
  [ "$checkpoint" != 1 ] || "${psql[@]}" -d loancore -c "CHECKPOINT" >/dev/null
  echo "$(wc -l <"$work/pg.log") $(wal)"
}
# background START prints what PostgreSQL did since window printed START:
# the tables autovacuum vacuumed or analyzed that ended since (automatic,
# not the script's own VACUUMs), the checkpoints that completed, and the
# WAL written (bytes and full-page images).
background() {
  local lines
  read -r lines _ <<<"$1"
  tail -n +"$((lines + 1))" "$work/pg.log" | python3 -c '
import re, sys
vac, ana, ckpt = [], [], 0
for line in sys.stdin:
    m = re.search(r"automatic (vacuum|analyze) of table \"[^.]*\.[^.]*\.([^\"]*)\"", line)
    if m:
        (vac if m.group(1) == "vacuum" else ana).append(m.group(2))
    elif "checkpoint complete" in line:
        ckpt += 1
_, b0, f0, b1, f1 = map(int, sys.argv[1:])
print("autovacuum %s; autoanalyze %s; checkpoints %d; WAL %.0f MB, %d full-page images" % (
    ", ".join(vac) or "none", ", ".join(ana) or "none", ckpt, (b1 - b0) / 1e6, f1 - f0))' $1 $(wal)
}

# One round: close of business for date $1, timed, settled, then the
# baseline, a plain UPDATE of every loan's position row, which sets each
# to what it was. A position carried on is an element of a page of
# carried_positions (migration 24), not a row of its own, so the date
# closed has rows for the loans folded alone: the rows updated are a copy
# of the first date's (one a loan, every loan folded, kept aside in
# bench_first after its close), made untimed just before, with the
# partition's indexes, as the date's own partition was
# when the baseline updated it before migration 24: rows just written,
# packed, not vacuumed, none updated before; autovacuum is off for the
# copy, whose INSERT would otherwise start one during the UPDATE.
# (Updating the first date's
# partition itself, rows updated and vacuumed in the rounds before, ran
# 7.4-8.2 s against 9.4 s the first time, at 1,000,000 loans: the
# vacuumed pages have room for the new versions.) It appends "close_s
# update_s loand_cpu_s pg_cpu_s grown_bytes" to $work/rounds, the last
# what the date added to the database's size, settled: with nothing
# dropped by a retention policy, a book's disk grows that much a date.
round() {
  local d=$1 t0 cpu0 pg0 cob cpu1 pg1 upd w bgcob bgupd size0 grown
  size0=$(dbsize)
  parts0=$(parts)
  w=$(window)
  cpu0=$(cpu_of "$loand_pid")
  pg0=$(cpu_pg)
  t0=$(date +%s.%N)
  "$work/grpcurl" -plaintext -d '{"business_date": "'"$d"'"}' "127.0.0.1:$apiport" \
    loancore.v1.CloseOfBusinessService/RunCloseOfBusiness >"$work/progress.json"
  cob=$(py "$(date +%s.%N) - $t0")
  cpu1=$(cpu_of "$loand_pid")
  pg1=$(cpu_pg)
  bgcob=$(background "$w")
  tail -12 "$work/progress.json" | tr -d '\n ' | sed 's/}{/}\n{/g' | tail -1; echo
  settle
  grown=$(( $(dbsize) - size0 ))
  parts1=$(parts)
  "${psql[@]}" -d loancore -c "CREATE TABLE bench_positions (LIKE bench_first INCLUDING INDEXES)
      WITH (autovacuum_enabled = off)" \
    -c "INSERT INTO bench_positions SELECT * FROM bench_first"
  w=$(window)
  t0=$(date +%s.%N)
  "${psql[@]}" -d loancore -c "UPDATE bench_positions SET days_past_due = days_past_due"
  upd=$(py "$(date +%s.%N) - $t0")
  bgupd=$(background "$w")
  "${psql[@]}" -d loancore -c "DROP TABLE bench_positions"
  printf 'round %s: close of business %.1f s, UPDATE %.1f s, ratio %.2f; CPU loand %.1f s, PostgreSQL %.1f s\n' "$d" "$cob" "$upd" \
    "$(py "$cob / $upd")" "$(py "$cpu1 - $cpu0")" "$(py "$pg1 - $pg0")"
  echo "$cob $upd $(py "$cpu1 - $cpu0") $(py "$pg1 - $pg0") $grown" >>"$work/rounds"
  # Where the close's time went, as loand logged it.
  printf '  phases: count %.2f s, agreements %.2f s, carry %.2f s, fold %.2f s, lines %.2f s; carried %d of %d\n' \
    $(date_run "$d" count_seconds agreements_seconds carry_seconds fold_seconds lines_seconds carried loans)
  printf '  ended in the background during the close: %s\n  during the UPDATE: %s\n' "$bgcob" "$bgupd"
  printf '  the database grew by %.1f MB (settled)\n' "$(py "$grown / 1e6")"
  python3 -c 'import sys; a, b = sys.argv[1].split(), sys.argv[2].split()
print("    of which positions %.1f MB, carried pages %.1f, notices %.1f, journal %.1f, feed %.1f" % tuple((int(y) - int(x)) / 1e6 for x, y in zip(a, b)))' \
    "$parts0" "$parts1"
}

profiler=
if [ "$profile" = 1 ]; then
  "${psql[@]}" -d loancore -tA -c "SELECT pg_stat_statements_reset()" >/dev/null
  # pprof profiles a fixed span: five seconds at a time until stopped,
  # merged when read.
  (i=0; while :; do curl -s -o "$work/cpu.$((i++)).pprof" "http://127.0.0.1:$pprofport/debug/pprof/profile?seconds=5"; done) &
  profiler=$!
fi
: >"$work/rounds"
d=$first
for _ in $(seq "$rounds"); do
  round "$d"
  bdate=$d
  d=$(date -d "$d +1 day" +%F)
done
# loand's peak resident memory (VmHWM) is read when the closes have
# ended: it covers them and everything loand did before.
hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$loand_pid/status")
# The journal: folded loans' lines, and carried loans' in batches.
journal=$("${psql[@]}" -d loancore -tA -c "SELECT count(*) || ' lines, penalty ' || sum(penalty) || ', compound ' || sum(compound) FROM (
  SELECT penalty, compound FROM loan_accruals UNION ALL SELECT unnest(penalties), unnest(compounds) FROM accrual_batches) j")
# How many loans the last date carried on in the store, as loand logged.
carried=$(date_run "$bdate" carried)

if [ "$profile" = 1 ]; then
  "${psql[@]}" -d loancore -c "SELECT calls, round(total_exec_time::numeric / 1000, 2) AS seconds, plans, round(total_plan_time::numeric / 1000, 2) AS plan_seconds,
    rows, left(regexp_replace(query, '\s+', ' ', 'g'), 110) AS query
    FROM pg_stat_statements ORDER BY total_exec_time + total_plan_time DESC LIMIT 20"
  kill "$profiler"; sleep 1; find "$work" -name "cpu.*.pprof" -size 0 -delete
  go tool pprof -top -nodecount=30 "$work/loand" "$work"/cpu.*.pprof 2>/dev/null | head -40 || true
fi

# Medians of the rounds: column $1 of $work/rounds, or the ratio of two.
median() { python3 -c "import statistics, sys; r = [list(map(float, l.split())) for l in open('$work/rounds')]; print(statistics.median($1 for x in r))"; }
cob=$(median 'x[0]')
upd=$(median 'x[1]')
printf '\nclose of business, %d loans, median of %d dates: %.1f s (%.0f loans/s); journal %s\n' "$n" "$rounds" "$cob" "$(py "$n / $cob")" "$journal"
printf 'CPU in the close (medians): loand %.1f s, PostgreSQL %.1f s\n' "$(median 'x[2]')" "$(median 'x[3]')"
printf 'carried on in the store (a steady run) on %s: %d of %d loans, %d pages at once; folded: the rest\n' "$bdate" "$carried" "$n" "$workers"
printf 'loand peak resident memory (VmHWM): %.0f MiB\n' "$(py "$hwm / 1024")"
printf 'the database grew by %.0f MB a date (median; %.0f bytes a loan)\n' "$(median 'x[4] / 1e6')" "$(median "x[4] / $n")"
printf 'plain UPDATE of the same %d positions (median): %.1f s\n' "$n" "$upd"
printf 'ratio close of business / UPDATE: %.2f\n' "$(median 'x[0] / x[1]')"
