#!/usr/bin/python3
"""Hand-worked IRR APRs of two loans at 0.05% a day, independent of the Go
engine: the amount advanced (no fee) against the installments, each a
whole number of monthly unit periods after the advance; i solves
advanced = sum P_k / (1+i)^k by bisection in 60-digit decimal arithmetic;
APR = 12 x i x 100, rounded half-up to 2 places.

- daily_rate: daily_rate.py's loan, 10,000.00 from 2024-01-15 under ACT/365,
  3 monthly EQUAL_PRINCIPAL installments: principal 3333.33, 3333.33,
  3333.34 with interest 155.00, 96.67, 51.67.
- ep360: testdata/recalc/handworked.py's "ep360" loan, 3,600.00 from
  2024-03-01 under ACT/360 (18% a year), 3 monthly EQUAL_PRINCIPAL
  installments of 1,200.00 principal with interest by days on the balance:
  3600 x 0.05% x 31, 2400 x 0.05% x 30, 1200 x 0.05% x 31.
Run: python3 loan_apr.py
"""
from decimal import Decimal as D, ROUND_HALF_UP, getcontext

getcontext().prec = 60
daily = D("0.05") / 100


def apr(advanced, payments):
    def pv(i):
        return sum(p / (1 + i) ** (k + 1) for k, p in enumerate(payments))

    lo, hi = D(0), D(1)
    for _ in range(200):
        mid = (lo + hi) / 2
        if pv(mid) > advanced:
            lo = mid
        else:
            hi = mid
    return lo * 12 * 100


def cents(x):
    return x.quantize(D("0.01"), ROUND_HALF_UP)


cases = {
    "daily_rate": (D("10000.00"), [D("3333.33") + D("155.00"), D("3333.33") + D("96.67"),
                                   D("3333.34") + D("51.67")]),
    "ep360": (D("3600.00"), [D(1200) + cents(D(3600) * daily * 31), D(1200) + cents(D(2400) * daily * 30),
                             D(1200) + cents(D(1200) * daily * 31)]),
}
for name, (advanced, payments) in cases.items():
    a = apr(advanced, payments)
    print(name, "installments", [str(p) for p in payments], "APR", a, "->", cents(a))
