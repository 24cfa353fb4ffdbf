#!/usr/bin/python3
"""Independent check of restructuring a loan with fees (issue 20), with
Python's decimal module; no code shared with the engine.

The loan: 12,000.00 in 12 monthly installments of 1,000.00 principal, no
interest, a service fee of 0.6% of the original principal (72.00) on each
installment and a fixed late fee of 30.00 posted once an installment is
still unpaid at the end of its due date (no penalty policy: 0 grace days).
Disbursed 2025-01-15, due on the 15th from 2025-02-15. Nothing is paid;
the agreements take effect on 2025-04-20, when installments 1-3 are due.

Prints each case's figures; they are pasted into
internal/engine/restructure_fees_test.go (and the grpcapi test).
"""
from decimal import Decimal as D, getcontext, ROUND_HALF_UP

getcontext().prec = 60
C = D("0.01")

principal, n = D("12000.00"), 12
fee = (principal * D("0.6") / 100).quantize(C, rounding=ROUND_HALF_UP)
late = D("30.00")
due = 3  # installments 1-3 due by 2025-04-20, unpaid
overdue_fees = due * (fee + late)
future_fees = (n - due) * fee
print("fee", fee, "overdue fees", overdue_fees, "future fees", future_fees)
print("total cost before", overdue_fees + future_fees)

# A: a waiver of 100.00 of fees alone: oldest due first; the plan stays.
w = D("100.00")
rows = [fee + late] * due + [fee] * (n - due)
left = w
for i in range(len(rows)):
    take = min(left, rows[i])
    rows[i] -= take
    left -= take
print("A rows' fees", [str(r) for r in rows], "cost after", sum(rows))

# B: waive 6.00 of fees, freeze the rest with the principal in 6 monthly
# installments without interest: equal shares, the residue on the last.
frozen = principal + overdue_fees - D("6.00")
share = (frozen / 6).quantize(C, rounding=ROUND_HALF_UP)
print("B frozen", frozen, "share", share, "last", frozen - 5 * share, "capitalised", overdue_fees - D("6.00"))

# C: extend by 2: the 9 not-yet-due installments plus 2 re-planned on the
# contract's due dates from 2025-05-15, equal principal; each row bears
# the 72.00 fee, the first also the 306.00 of fees carried.
m = n - due + 2
part = (principal / m).quantize(C, rounding=ROUND_HALF_UP)
last = principal - part * (m - 1)
print("C rows", m, "principal", part, "last", last, "first row fees", fee + overdue_fees,
      "cost after", m * fee + overdue_fees)

# D: capitalise (the fees due go into principal) and reamortise as 6
# equal-principal monthly installments from 2025-05-20; each row bears the
# contract's 72.00 (0.6% of the original 12,000.00, fixed). The APR: the
# borrower owes the balance on 2025-04-20 and pays principal + fee each
# month; nominal monthly IRR x 12 by bisection.
bal = principal + overdue_fees
part = (bal / 6).quantize(C, rounding=ROUND_HALF_UP)
pays = [part + fee] * 5 + [bal - 5 * part + fee]
print("D balance", bal, "principal", part, "cost after", overdue_fees + 6 * fee)


def npv(r):
    return sum(p / (1 + r) ** (k + 1) for k, p in enumerate(pays)) - bal


lo, hi = D(0), D(1)
for _ in range(200):
    mid = (lo + hi) / 2
    if npv(mid) > 0:
        lo = mid
    else:
        hi = mid
apr = lo * 12 * 100
print("D APR", apr.quantize(C, rounding=ROUND_HALF_UP), "(", apr.quantize(D("1e-8")), ")")
