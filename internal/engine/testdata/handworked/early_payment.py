#!/usr/bin/python3
"""Hand-worked figures for TestEarlyPayment and TestAllInterestFirst
(internal/engine/earlypayment_test.go).

12,000.00 CNY at 12% a year, EQUAL_INSTALLMENT, 12 monthly installments from
2024-01-15, interest by days ACT/365 on the actual balance
(interest_recalculation), HALF_UP to the cent: each day bears the principal
outstanding at its end x 12% / 365, summed per period, rounded once.

COVERS_NEXT_INSTALLMENT: the level installment, 1,066.19, paid on 2024-02-05
(10 days before its due date) settles installment 1 — 21 days' interest on
12,000.00, then its principal — and closes its period that day; the rest is
a prepayment (REDUCE_TERM) from 2024-02-05, and installment 2's period runs
from 2024-02-05 to 2024-03-15 (39 days) on the balance left.

ALL_INTEREST_FIRST: nothing paid until 300.00 on 2024-03-20, installments 1
and 2 overdue: it pays both installments' interest and the 5 days installment
3 has accrued (2024-03-15 to 03-19) before any principal.

Worked with Python's decimal module, independently of the engine.
Run: python3 early_payment.py > early_payment.json
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


def interest(runs):
    return r(sum(D(b) * n for b, n in runs) * D(12) / 100 / 365)


m = D(12) / 100 / 12
level = r(D(12000) * m / (1 - (1 + m) ** -12))
# The plan's row 1 (by days): 31 days on 12,000.
i1_plan = interest([(12000, days("2024-01-15", "2024-02-15"))])
p1 = level - i1_plan

# COVERS_NEXT_INSTALLMENT on 2024-02-05.
i1 = interest([(12000, days("2024-01-15", "2024-02-05"))])
rest = level - i1 - p1
balance = D(12000) - p1 - rest
i2 = interest([(balance, days("2024-02-05", "2024-03-15"))])

# PREPAY_PRINCIPAL (today's) on 2024-02-05, for comparison: 21 days'
# interest, the rest principal; installment 1 keeps its principal due and
# its interest is 21 days on 12,000 plus 10 on the lower balance.
prepaid = level - i1
i1_prepay = interest([(12000, 21), (D(12000) - prepaid, 10)])

# ALL_INTEREST_FIRST: 300.00 on 2024-03-20.
a1 = interest([(12000, days("2024-01-15", "2024-02-15"))])
a2 = interest([(12000, days("2024-02-15", "2024-03-15"))])
a3 = interest([(12000, days("2024-03-15", "2024-03-20"))])
print(json.dumps({
    "level": str(level), "p1": str(p1),
    "covers_i1": str(i1), "covers_prepaid": str(rest), "covers_i2": str(i2),
    "prepay_i1": str(i1_prepay), "prepay_prepaid": str(prepaid),
    "all_i1": str(a1), "all_i2": str(a2), "all_i3": str(a3),
    "all_p1": str(D(300) - a1 - a2 - a3),
    "row_p1": str(D(300) - a1),
}, indent=1, sort_keys=True))
