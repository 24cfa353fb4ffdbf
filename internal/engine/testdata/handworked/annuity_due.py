#!/usr/bin/python3
"""Hand-worked annuity due (payments in advance), independent of the Go
engine: the level payment is Excel's PMT(rate, nper, pv, 0, 1), which is
the ordinary PMT / (1 + i); the first payment falls on the disbursement
date and bears no interest, each later one pays the interest of the period
just ended on the balance, the rest principal, the last takes what remains.

Case 1: 12,000.00 CNY at 12% a year (1% a month), 12 payments from
2024-01-15 (the disbursement date) to 2024-12-15.
Case 2: the example terms of TechOnTheNet's PMT page
(https://www.techonthenet.com/excel/formulas/pmt.php): 6,400 at 8.25% a
year, 24 monthly payments at the beginning of the period,
=PMT(8.25%/12, 2*12, 6400, 0, 1).
Run: python3 annuity_due.py
"""
from decimal import Decimal as D, ROUND_HALF_UP, getcontext

getcontext().prec = 50


def schedule(P, i, n):
    ordinary = P * i / (1 - (1 + i) ** -n)
    due = ordinary / (1 + i)
    A = due.quantize(D("0.01"), ROUND_HALF_UP)
    print("PMT type 0:", ordinary, " type 1:", due, " level", A)
    balance, total_interest = P, D(0)
    for k in range(n):
        interest = D(0) if k == 0 else (balance * i).quantize(D("0.01"), ROUND_HALF_UP)
        principal = balance if k == n - 1 else min(A - interest, balance)
        balance -= principal
        total_interest += interest
        print(k + 1, "interest", interest, "principal", principal, "total", principal + interest, "balance", balance)
    print("total interest", total_interest)


schedule(D("12000.00"), D("0.01"), 12)
schedule(D("6400.00"), D("0.0825") / 12, 24)
