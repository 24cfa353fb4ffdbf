#!/usr/bin/python3
"""Independent check of issue 20's fee-rate plans: the IRR APR of an
installment plan of principal/n plus a monthly fee rate on the original
principal (a credit-card 分期 plan), with Python's decimal module and
bisection (no code shared with the engine's Newton solver in fixed point).

Usage: charges_apr.py principal n monthly_fee_percent [decimals]
Prints the fee per installment, the total fees, the monthly IRR and the APR
(12 × the monthly IRR, in percent, rounded half-up to decimals places).
The figures are pasted into internal/engine/charges_test.go.
"""
import sys
from decimal import Decimal, getcontext, ROUND_HALF_UP

getcontext().prec = 60


def fee_per_installment(principal, pct):
    return (principal * pct / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def plan(principal, n, pct):
    """The borrower's payments: principal/n (the last takes the rest) plus
    the fee on the original principal each month."""
    part = (principal / n).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    fee = fee_per_installment(principal, pct)
    pays = [part + fee] * (n - 1)
    pays.append(principal - part * (n - 1) + fee)
    return fee, pays


def npv(rate, advanced, pays):
    v = Decimal(1) / (1 + rate)
    return sum(p * v ** (k + 1) for k, p in enumerate(pays)) - advanced


def irr(advanced, pays):
    lo, hi = Decimal(0), Decimal(1)
    for _ in range(200):
        mid = (lo + hi) / 2
        if npv(mid, advanced, pays) > 0:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def main():
    principal, n, pct = Decimal(sys.argv[1]), int(sys.argv[2]), Decimal(sys.argv[3])
    places = int(sys.argv[4]) if len(sys.argv) > 4 else 2
    fee, pays = plan(principal, n, pct)
    i = irr(principal, pays)
    apr = (i * 12 * 100).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    print("fee", fee, "total_fees", fee * n, "first", pays[0], "last", pays[-1])
    print("monthly_irr", i)
    print("apr_percent", apr)


if __name__ == "__main__":
    main()
