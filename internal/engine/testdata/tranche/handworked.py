#!/usr/bin/python3
"""Hand-worked figures for TestTrancheHandWorked (internal/engine/tranche_test.go).

Worked independently of the engine with Python's decimal module. A second
tranche mid-term: the installments due by its date are untouched; the rest
are solved again for the principal not yet due plus the tranche over the
same due dates; the period it falls in bears the old balance by days up to
the tranche date and the new one from it.
Run: python3 handworked.py > handworked.json
"""
import datetime as dt
import json
from decimal import Decimal as D, ROUND_HALF_UP, getcontext

getcontext().prec = 60
C = D("0.01")


def r(x):
    return x.quantize(C, rounding=ROUND_HALF_UP)


def days(a, b):
    return (dt.date.fromisoformat(b) - dt.date.fromisoformat(a)).days


def by_days(balance, rate, a, b, year):
    """Simple interest by actual days, rounded once."""
    return r(D(balance) * D(rate) / 100 * days(a, b) / year)


def level(p, m, n):
    return r(D(p) * m / (1 - (1 + m) ** -n))


def dues(first, n):
    y, mo, d = map(int, first.split("-"))
    out = []
    for k in range(n):
        mm = mo - 1 + k
        out.append(dt.date(y + mm // 12, mm % 12 + 1, d).isoformat())
    return out


out = {}

# periodic: EQUAL_INSTALLMENT 12,000.00 at 12%, 12 monthly from 2024-01-15,
# periodic accrual (1% a month), ACT/365 for the days of a broken period;
# approved 20,000.00. Tranche 6,000.00 on 2024-04-01, in period 3
# [2024-03-15, 2024-04-15). Folded as of 2024-04-10.
m = D(12) / 100 / 12
due = dues("2024-02-15", 12)
lv = level(12000, m, 12)
bal = D(12000)
rows = []
for k in range(2):
    i = r(bal * m)
    rows.append((lv - i, i))
    bal -= lv - i
accrued = by_days(bal, "12", "2024-03-15", "2024-04-01", 365)
new = bal + 6000
lv2 = level(new, m, 10)
b = new
for k in range(2, 12):
    if k == 2:
        i = by_days(b, "12", "2024-04-01", due[k], 365)
    else:
        i = r(b * m)
    p = b if k == 11 else lv2 - i
    rows.append((p, i + (accrued if k == 2 else 0)))
    b -= p
f = {"level": str(lv), "accrued": str(accrued), "level2": str(lv2)}
for k, (p, i) in enumerate(rows):
    f["p%d" % (k + 1)], f["i%d" % (k + 1)] = str(p), str(i)
# Payoff on 2024-04-10 with nothing paid: all principal, the interest of
# installments 1-2 (due), and installment 3's: 17 days on the old balance
# (accrued) + 9 days on the new one.
pay_i = rows[0][1] + rows[1][1] + accrued + by_days(new, "12", "2024-04-01", "2024-04-10", 365)
f["payoff_principal"] = str(D(18000))
f["payoff_interest"] = str(pay_i)
out["periodic"] = f

# daily: EQUAL_PRINCIPAL 6,000.00 at 18% ACT/360 (0.05% a day), daily
# accrual, 6 monthly from 2024-03-01; approved 10,000.00. Tranche 3,000.00
# on 2024-05-11, in period 3 [2024-05-01, 2024-06-01).
due = dues("2024-04-01", 6)
starts = ["2024-03-01"] + due[:-1]
rows = []
bal = D(6000)
for k in range(2):
    rows.append((D(1000), by_days(bal, "18", starts[k], due[k], 360)))
    bal -= 1000
accrued = by_days(bal, "18", "2024-05-01", "2024-05-11", 360)
new = bal + 3000
part = r(new / 4)
b = new
for k in range(2, 6):
    start = "2024-05-11" if k == 2 else starts[k]
    i = by_days(b, "18", start, due[k], 360)
    p = b if k == 5 else part
    rows.append((p, i + (accrued if k == 2 else 0)))
    b -= p
f = {"accrued": str(accrued), "part": str(part)}
for k, (p, i) in enumerate(rows):
    f["p%d" % (k + 1)], f["i%d" % (k + 1)] = str(p), str(i)
out["daily"] = f

# daily_prepaid: the daily loan above, but 500.00 is paid on 2024-03-11,
# in period 1, before the tranche: 10 days' interest on 6,000 first, the
# rest principal (REDUCE_TERM keeps the 1,000.00 part: still 6 rows). The
# tranche of 3,000.00 on 2024-03-21, also in period 1: installment 1 then
# owes the 10 days paid, 10 days on 5,530 (unpaid) and 11 days on 8,530;
# the rows are solved again for 8,530 over the same 6 due dates. Payoff on
# 2024-03-25: all 8,530 and the interest not yet paid.
paid_i = by_days(6000, "18", "2024-03-01", "2024-03-11", 360)
prepaid = D(500) - paid_i
bal = D(6000) - prepaid
accrued = by_days(bal, "18", "2024-03-11", "2024-03-21", 360)
new = bal + 3000
part = r(new / 6)
rows = []
b = new
for k in range(6):
    start = "2024-03-21" if k == 0 else starts[k]
    i = by_days(b, "18", start, due[k], 360)
    p = b if k == 5 else part
    if k == 0:
        rows.append((p + prepaid, i + paid_i + accrued))
    else:
        rows.append((p, i))
    b -= p
f = {"paid_interest": str(paid_i), "prepaid": str(prepaid), "accrued": str(accrued), "part": str(part),
     "payoff_principal": str(new),
     "payoff_interest": str(accrued + by_days(new, "18", "2024-03-21", "2024-03-25", 360))}
for k, (p, i) in enumerate(rows):
    f["p%d" % (k + 1)], f["i%d" % (k + 1)] = str(p), str(i)
out["daily_prepaid"] = f

# recalc: EQUAL_INSTALLMENT 12,000.00 at 12% ACT/365, daily interest on
# the actual balance, 12 monthly from 2024-01-15; approved 18,000.00.
# Tranche 6,000.00 on 2024-02-01 in period 1; nothing paid; folded as of
# 2024-03-01. Installment 1: 17 days at 12,000 and 14 at 18,000, summed
# exactly and rounded once; its principal is the new level less the
# 14 days' interest the re-solved row was built with.
def bd_interest(runs, rate, year):
    return r(sum(D(b) * n for b, n in runs) * D(rate) / 100 / year)


lv2 = level(18000, m, 12)
p1 = lv2 - by_days(18000, "12", "2024-02-01", "2024-02-15", 365)
i1 = bd_interest([(12000, 17), (18000, 14)], "12", 365)
# Installment 2 as of 2024-03-01: 2024-02-15..29 (15 days) at 18,000 (the
# overdue principal still bears interest), the other 14 projected as if
# installment 1 were paid that day.
i2 = bd_interest([(18000, 15), (D(18000) - p1, 14)], "12", 365)
pay_i = i1 + bd_interest([(18000, 15)], "12", 365)
out["recalc"] = {"level2": str(lv2), "p1": str(p1), "i1": str(i1), "i2": str(i2),
                 "payoff_principal": "18000.00", "payoff_interest": str(pay_i)}

# fineract: Apache Fineract's published case (LoanRepaymentSchedule.feature,
# @TestRailId:C3902): 1,000.00 at 12% 30/360, 3 monthly from 2025-01-01,
# 200.00 more on the first due date. Worked here too.
m = D(12) / 100 / 12
lv = level(1000, m, 3)
i1 = r(1000 * m)
p1 = lv - i1
new = 1000 - p1 + 200
lv2 = level(new, m, 2)
i2 = r(new * m)
p2 = lv2 - i2
i3 = r((new - p2) * m)
out["fineract"] = {"p1": str(p1), "i1": str(i1), "p2": str(p2), "i2": str(i2),
                   "p3": str(new - p2), "i3": str(i3)}

print(json.dumps(out, indent=1, sort_keys=True))
