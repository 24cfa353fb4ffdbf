#!/usr/bin/python3
"""Hand-worked figures for TestRecalcHandWorked (internal/engine/recalc_test.go).

Worked independently of the engine with Python's decimal module: each day's
interest is the principal outstanding at the end of that day x rate / Y,
summed exactly per period and rounded once (HALF_UP, to the cent).
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


def interest(runs, rate, year):
    """runs: (balance, days) pairs; the exact sum, rounded once."""
    return r(sum(D(b) * n for b, n in runs) * D(rate) / 100 / year)


out = {}

# EI: 12,000.00 at 12% ACT/365, 12 monthly installments from 2024-01-15.
rate, year = "12", 365
m = D(12) / 100 / 12
level = r(D(12000) * m / (1 - (1 + m) ** -12))
i1 = interest([(12000, days("2024-01-15", "2024-02-15"))], rate, year)
p1 = level - i1
# Early: 2,000.00 on 2024-02-05 pays 21 days' interest, the rest principal;
# installment 1's interest is 21 days on 12,000 and 10 on the rest.
acc = interest([(12000, 21)], rate, year)
prepaid = D(2000) - acc
early_i1 = interest([(12000, 21), (D(12000) - prepaid, 10)], rate, year)
# Late: installment 1 (level) paid on 2024-02-20, 5 days late. Period 2 is
# [2024-02-15, 2024-03-15), 29 days: 5 at 12,000, 24 at 12,000 - p1.
bal1 = D(12000) - p1
late_i2 = interest([(12000, 5), (bal1, 24)], rate, year)
# Read as of 2024-02-18 before paying: 3 days at 12,000, the other 26
# projected as if installment 1 were paid that day.
proj_i2 = interest([(12000, 3), (bal1, 26)], rate, year)
# Payoff on 2024-03-03 after the late payment: principal + 5 days at 12,000
# + 12 days (2024-02-20 .. 2024-03-02) at bal1.
pay_int = interest([(12000, 5), (bal1, 12)], rate, year)
out["ei365"] = {
    "level": str(level), "i1": str(i1), "p1": str(p1),
    "early_accrued": str(acc), "early_prepaid": str(prepaid), "early_i1": str(early_i1),
    "late_i2": str(late_i2), "scheduled_i2": str(interest([(bal1, 29)], rate, year)),
    "projected_i2": str(proj_i2),
    "payoff_principal": str(bal1), "payoff_interest": str(pay_int), "payoff_total": str(bal1 + pay_int),
}

# EP: 3,600.00 at 18% ACT/360 (0.05% a day), 3 monthly from 2024-03-01.
rate, year = "18", 360
i1 = interest([(3600, 31)], rate, year)
# Installment 1 (1,200.00 + i1) paid on 2024-04-11, 10 days late; period 2
# [2024-04-01, 2024-05-01) is 30 days.
late_i2 = interest([(3600, 10), (2400, 20)], rate, year)
# With penalty replacing contract interest after the due date: day
# 2024-04-01 (the due date) still bears it, 2024-04-02..10 do not.
replaced_i2 = interest([(3600, 1), (2400, 29)], rate, year)
# Penalty: 18% x 1.5 = 27% a year ACT/360 on 1,200.00 for 2024-04-02..10,
# 9 days, one rounded day's amount per day.
pen_day = r(D(1200) * D(27) / 100 / 360)
# Early: 1,000.00 on 2024-03-16 pays 15 days' interest, the rest principal.
acc = interest([(3600, 15)], rate, year)
prepaid = D(1000) - acc
early_i1 = interest([(3600, 15), (D(3600) - prepaid, 16)], rate, year)
out["ep360"] = {
    "i1": str(i1), "late_i2": str(late_i2), "replaced_i2": str(replaced_i2),
    "penalty": str(pen_day * 9),
    "early_accrued": str(acc), "early_prepaid": str(prepaid), "early_i1": str(early_i1),
}
# Tiny: 0.02 at 1000% ACT/365, EQUAL_PRINCIPAL x4 monthly from 2024-01-01:
# 0.02 / 4 = 0.005 rounds to 0.01, so rows 1 and 2 repay it all and rows 3
# and 4 have none. Nothing paid until 2024-03-11, 10 days into row 3's
# period: rows 1 and 2 owe their interest (row 2's on the overdue 0.02 too)
# and row 3 has earned 10 days on the overdue 0.02.
rate, year = "1000", 365
t1 = interest([(D("0.02"), days("2024-01-01", "2024-02-01"))], rate, year)
t2 = interest([(D("0.02"), days("2024-02-01", "2024-03-01"))], rate, year)
t3 = interest([(D("0.02"), days("2024-03-01", "2024-03-11"))], rate, year)
out["tiny"] = {"i1": str(t1), "i2": str(t2), "i3_accrued": str(t3),
               "due_by_0311": str(D("0.02") + t1 + t2)}
print(json.dumps(out, indent=1, sort_keys=True))
