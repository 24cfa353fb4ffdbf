#!/usr/bin/python3
"""Hand-worked semi-monthly schedules, independent of the Go engine:
12,000.00 CNY at 12% a year, EQUAL_INSTALLMENT, 24 installments on the 1st
and the 16th of each month, PERIODIC accrual: 24 periods a year, so 0.5% a
period. The level is PMT(0.5%, 24, 12000) rounded half-up to the cent;
interest per period is the balance x 0.5% rounded half-up.

Case 1: disbursed 2024-01-01 (on the 1st): due 2024-01-16, 02-01, ...,
2025-01-01.
Case 2: disbursed 2024-01-10, between the two days: the first installment
is due on the next of them, 2024-01-16, and its 6 days accrue by days under
ACT/360: 12,000 x 12% x 6/360 = 24.00. The level is the same.
Run: python3 semi_monthly.py
"""
from decimal import Decimal as D, ROUND_HALF_UP, getcontext

getcontext().prec = 50
P, i, n = D("12000.00"), D("0.12") / 24, 24
A = (P * i / (1 - (1 + i) ** -n)).quantize(D("0.01"), ROUND_HALF_UP)
print("level", A)


def schedule(first_interest):
    balance, total = P, D(0)
    for k in range(n):
        interest = first_interest if k == 0 and first_interest is not None else (balance * i).quantize(D("0.01"), ROUND_HALF_UP)
        principal = balance if k == n - 1 else A - interest
        balance -= principal
        total += interest
        if k in (0, 1, n - 1):
            print(k + 1, "interest", interest, "principal", principal, "total", principal + interest, "balance", balance)
    print("total interest", total)


schedule(None)
schedule((P * D("0.12") * 6 / 360).quantize(D("0.01"), ROUND_HALF_UP))
