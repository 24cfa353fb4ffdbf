# The total-cost cap counting fees (issue 20), worked with Python's decimal
# module apart from the engine: TestPenaltyCap's loan (10,000.00 BULLET at
# 12% over 12 months from 2024-01-15, due 2025-01-15 = day 366 since
# disbursement, penalty 5.00 and compound 0.60 a day, cap 13% a year on the
# principal, cumulative) with a service fee of 2.00 a period (a BULLET's
# one installment bears 12: 24.00 on its due date) and a late fee of
# 10.00 (no grace: decided at the end of the due date, counted from D+1).
# Charges on day D+j must fit: interest + fees + penalty + compound <=
# floor(principal x 13% x e / 365), e = 366 + j. Minor units throughout.
from decimal import Decimal, ROUND_FLOOR

interest, fees, late = 120000, 2400, 1000
pen, comp = 500, 60


def ceiling(e):
    return int((Decimal(1000000) * Decimal("0.13") * e / 365).to_integral_value(ROUND_FLOOR))


def first_capped(cost):
    j = 1
    while cost + (pen + comp) * j <= ceiling(366 + j):
        j += 1
    return j


for name, cost in [("without fees", interest), ("with fees", interest + fees + late)]:
    j = first_capped(cost)
    room = ceiling(366 + j) - cost - (pen + comp) * (j - 1)
    print(f"{name}: full days {j - 1}, capped on D+{j}, room that day {room}")
    # Once capped, charges follow the ceiling: on D+100.
    print(f"  penalty+compound at D+100: {ceiling(466) - cost}")
