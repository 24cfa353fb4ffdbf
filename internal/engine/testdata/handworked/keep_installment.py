#!/usr/bin/python3
"""Hand-worked rows for TestKeepInstallment (internal/engine/keep_installment_test.go).

12,000.00 CNY at 12% a year, EQUAL_INSTALLMENT, 12 monthly installments from
2024-01-15, interest by days (ACT/365), HALF_UP to the cent. 1,000.00 is paid
on 2024-02-04, 20 days into the first period: it pays the 20 days' interest
and the rest is principal; the rest of the plan is rebuilt from 2024-02-04.

- KEEP_INSTALLMENT: every row is the level installment (solved at 1% a month
  at origination) with its own days' interest, until the balance is repaid;
  the last takes what remains.
- REDUCE_TERM: the same amount, but the number of rows is the fewest n whose
  level installment at 1% a month, re-solved over n periods, does not exceed
  it; the last of those n rows takes what remains, even nothing.

Worked with Python's decimal module, independently of the engine.
Run: python3 keep_installment.py > keep_installment.json
"""
import datetime as dt
import json
from decimal import Decimal as D, ROUND_HALF_UP, getcontext

getcontext().prec = 60
C = D("0.01")


def r(x):
    return x.quantize(C, rounding=ROUND_HALF_UP)


def due(k):
    """Due date of row k (0-based): the 15th, k+1 months after 2024-01-15."""
    m = 1 + k + 1
    return dt.date(2024 + (m - 1) // 12, (m - 1) % 12 + 1, 15)


def day_interest(balance, a, b):
    return r(balance * D(12) / 100 * (b - a).days / 365)


def annuity(p, n):
    i = D(12) / 100 / 12
    return r(p * i / (1 - (1 + i) ** -n))


level = annuity(D(12000), 12)
paid_on = dt.date(2024, 2, 4)
accrued = day_interest(D(12000), dt.date(2024, 1, 15), paid_on)
prepaid = D(1000) - accrued
balance0 = D(12000) - prepaid


def rows(count):
    """Rows 1..count from paid_on at the kept level; the last takes the rest.
    Row 1 also carries what the payment put on it."""
    out, bal, start = [], balance0, paid_on
    for k in range(count):
        i = day_interest(bal, start, due(k))
        p = bal if k == count - 1 else min(max(level - i, D(0)), bal)
        bal -= p
        out.append((p + (prepaid if k == 0 else 0), i + (accrued if k == 0 else 0)))
        start = due(k)
    return out


def keep():
    out, bal, start, k = [], balance0, paid_on, 0
    while True:
        i = day_interest(bal, start, due(k))
        p = bal if k == 11 else min(max(level - i, D(0)), bal)
        bal -= p
        out.append((p + (prepaid if k == 0 else 0), i + (accrued if k == 0 else 0)))
        start, k = due(k), k + 1
        if bal == 0:
            return out


n = next(n for n in range(1, 13) if annuity(balance0, n) <= level)
reduce_term = rows(n)
print(json.dumps({
    "level": str(level), "accrued": str(accrued), "prepaid": str(prepaid),
    "keep_installment": [[str(p), str(i)] for p, i in keep()],
    "reduce_term": [[str(p), str(i)] for p, i in reduce_term],
}, indent=1))
