#!/usr/bin/python3
"""Hand-worked schedule of a fixed installment amount, independent of the Go
engine: 12,000.00 CNY at 12% a year, PERIODIC accrual (1% a month), the
borrower pays 1,000.00 a month from 2024-02-15 until the loan is repaid.
Each month's interest is the balance x 1% rounded half-up to the cent; the
installment pays it and the rest repays principal; the last installment
takes what remains. The count agrees with the annuity formula
n = -ln(1 - P*i/A) / ln(1+i) (Excel's NPER(1%, -1000, 12000) = 12.847...),
rounded up. Run: python3 fixed_installment.py
"""
from decimal import Decimal as D, ROUND_HALF_UP, getcontext

getcontext().prec = 40
P, A, i = D("12000.00"), D("1000.00"), D("0.01")
print("NPER:", -(1 - P * i / A).ln() / (1 + i).ln())
balance, k = P, 0
while balance > 0:
    k += 1
    interest = (balance * i).quantize(D("0.01"), ROUND_HALF_UP)
    principal = min(A - interest, balance)
    balance -= principal
    print(k, "interest", interest, "principal", principal, "total", principal + interest, "balance", balance)
