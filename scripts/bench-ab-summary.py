"""The summary of make bench-ab's rounds at one concurrency.

Usage: bench-ab-summary.py CLIENTS "SIDES" ROWS, where ROWS has one line
per side and round (side, round, rate, machine CPU µs per repayment,
loand CPU µs per repayment, failed calls, PostgreSQL CPU µs per
repayment) and one per round for pgbench (rate, machine CPU µs per
transaction, -, -, PostgreSQL CPU µs per transaction). Prints, per side,
the medians and the rate over pgbench's; and for every side after the
first, its rate and its loand and PostgreSQL CPU µs per repayment over
the first side's in the same round: the machine's noise moves whole rounds, so a ratio of two medians
may take them from different rounds, and the paired ratios are the
figure to read.
"""
import statistics
import sys


def main():
    clients, sides, path = sys.argv[1], sys.argv[2].split(), sys.argv[3]
    rows, by_round = {}, {}
    for line in open(path):
        f = line.split()
        rows.setdefault(f[0], []).append(f)
        loand = float(f[4]) if f[0] != 'pgbench' else 0.0
        by_round.setdefault(f[1], {})[f[0]] = (float(f[2]), loand, float(f[6]))
    med = statistics.median
    pg = med(float(f[2]) for f in rows['pgbench'])
    first = sides[0]
    print()
    print('%-8s %s clients: median %8.0f/s, machine CPU %.0f µs/op, PostgreSQL CPU %.0f µs/op' % (
        'pgbench', clients, pg, med(float(f[3]) for f in rows['pgbench']), med(float(f[6]) for f in rows['pgbench'])))
    for side in sides:
        fs = rows[side]
        rate = med(float(f[2]) for f in fs)
        out = ('%-8s %s clients: median %8.0f/s (%.2f of pgbench, by round %.2f), machine CPU %.0f µs/op, loand CPU %.0f µs/op, '
               'PostgreSQL CPU %.0f µs/op') % (
            side, clients, rate, rate / pg, med(r[side][0] / r['pgbench'][0] for r in by_round.values()),
            med(float(f[3]) for f in fs), med(float(f[4]) for f in fs), med(float(f[6]) for f in fs))
        failed = sum(int(f[5]) for f in fs)
        if failed:
            out += ', %d CALLS FAILED' % failed
        print(out)
        if side == first:
            continue
        rate_ratios = [r[side][0] / r[first][0] for r in by_round.values()]
        cpu_ratios = [r[side][1] / r[first][1] for r in by_round.values()]
        pg_ratios = [r[side][2] / r[first][2] for r in by_round.values()]
        n = len(cpu_ratios)
        print(('%-8s over %s by round: rate %.3f (faster in %d of %d); loand CPU µs/op %.3f (cheaper in %d, dearer in %d of %d); '
               'PostgreSQL CPU µs/op %.3f (cheaper in %d of %d)') % (
            '', first, med(rate_ratios), sum(x > 1 for x in rate_ratios), n,
            med(cpu_ratios), sum(x < 1 for x in cpu_ratios), sum(x > 1 for x in cpu_ratios), n,
            med(pg_ratios), sum(x < 1 for x in pg_ratios), n))


main()
