#!/usr/bin/python3
"""Hand-worked schedule of a loan quoted at 0.05% a day (日利率), independent
of the Go engine. 10,000.00 lent 2024-01-15, 3 monthly EQUAL_PRINCIPAL
installments, DAILY accrual under ACT/365: each period's interest is the
balance x 0.05% x its days, rounded half-up to the cent; principal is
10000/3 rounded to the cent, the last installment taking the rest.
The annual equivalent is 0.05 x 365 = 18.25%. Run: python3 daily_rate.py
"""
from datetime import date
from decimal import Decimal as D, ROUND_HALF_UP

daily = D("0.05") / 100
print("annual equivalent ACT/365:", D("0.05") * 365, " ACT/360:", D("0.05") * 360,
      " monthly 1.5 x 12:", D("1.5") * 12)
dues = [date(2024, 1, 15), date(2024, 2, 15), date(2024, 3, 15), date(2024, 4, 15)]
balance = D("10000.00")
part = (balance / 3).quantize(D("0.01"), ROUND_HALF_UP)
for k in range(3):
    days = (dues[k + 1] - dues[k]).days
    interest = (balance * daily * days).quantize(D("0.01"), ROUND_HALF_UP)
    principal = part if k < 2 else balance
    balance -= principal
    print(dues[k + 1], days, "days: principal", principal, "interest", interest,
          "total", principal + interest, "balance", balance)
