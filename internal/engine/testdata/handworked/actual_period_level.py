#!/usr/bin/python3
"""Hand-worked schedules for TestLevelOverActualPeriods
(internal/engine/actualperiods_test.go).

EQUAL_INSTALLMENT with interest by days. The level installment is solved so
that, each period bearing its own rate (its days x the annual rate / the day
count's year), the balance after the last period is exactly zero:

    A = P / sum_j prod_{k<=j} 1 / (1 + r_k)

computed here with Fraction (exact), then rounded HALF_UP to the cent. The
rows are then built as the contract builds them: each row's interest is its
days on the balance, rounded to the cent; principal = A - interest; the last
row takes what remains. For comparison, the level at one periodic rate
(annual / 12) is solved too, and its last row shown.

Worked with Python's decimal and fractions modules, independently of the
engine. Run: python3 actual_period_level.py > actual_period_level.json
"""
import datetime as dt
import json
from decimal import Decimal as D, ROUND_HALF_UP, getcontext
from fractions import Fraction as F

getcontext().prec = 60
C = D("0.01")


def r(x):
    return x.quantize(C, rounding=ROUND_HALF_UP)


def frac_to_dec(f):
    return D(f.numerator) / D(f.denominator)


def months(start, n):
    y, m, d = start.year, start.month, start.day
    out = []
    for k in range(1, n + 1):
        mm = m + k
        out.append(dt.date(y + (mm - 1) // 12, (mm - 1) % 12 + 1, d))
    return out


def case(principal, rate, year, start, n):
    P, R = D(principal), F(rate) / 100
    start = dt.date.fromisoformat(start)
    dues = months(start, n)
    days = [(b - a).days for a, b in zip([start] + dues[:-1], dues)]
    v, s = F(1), F(0)
    for d in days:
        v /= 1 + R * d / year
        s += v
    level = r(frac_to_dec(F(principal) / s))
    m = R / 12
    periodic = r(frac_to_dec(F(principal) * m / (1 - (1 + m) ** -n)))

    def rows(a):
        out, bal = [], P
        for k, d in enumerate(days):
            i = r(bal * frac_to_dec(R) * d / year)
            p = bal if k == n - 1 else min(max(a - i, D(0)), bal)
            bal -= p
            out.append([str(p), str(i)])
        return out

    return {"level": str(level), "rows": rows(level),
            "periodic_level": str(periodic), "periodic_last": rows(periodic)[-1]}


print(json.dumps({
    # 12,000.00 at 12% ACT/365, 12 monthly from 2024-01-15 (a leap year).
    "ei365": case("12000", "12", 365, "2024-01-15", 12),
    # 3,600.00 at 18% ACT/360 (0.05% a day), 3 monthly from 2024-03-01.
    "ei360": case("3600", "18", 360, "2024-03-01", 3),
}, indent=1))
