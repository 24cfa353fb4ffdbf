#!/usr/bin/python3
"""Hand-worked APRs for Regulation Z Appendix J unit periods longer than a
month (12 CFR 1026 Appendix J (b)(5)(iii) and (b)(5)(v)), independent of the
Go engine: the full unit periods t and fractions f are counted by hand below
and the actuarial equation of (b)(8),

    A = sum P_j / ((1 + f_j*i) * (1+i)^t_j),

is solved for i by bisection in decimal arithmetic. APR = i * unit periods
per year * 100, rounded half-up to 2 places. Run: python3 apr_longunit.py
"""
from decimal import Decimal as D, getcontext, ROUND_HALF_UP

getcontext().prec = 60


def apr(advanced, flows, per_year):
    def pv(i):
        return sum(D(p) / ((1 + f * i) * (1 + i) ** t) for p, t, f in flows)
    lo, hi = D(0), D(10)
    for _ in range(300):
        mid = (lo + hi) / 2
        if pv(mid) > D(advanced):
            lo = mid
        else:
            hi = mid
    return (lo * per_year * 100).quantize(D("0.01"), ROUND_HALF_UP)


cases = {
    # Issue 19: yearly unit period, 1,000 advanced 2023-01-15, 1,100 paid
    # 2023-07-15: no full year; the rest is exactly 6 months, so (v)(A)
    # f = 6/12. (Actual days would be 181/365: 20.17%.)
    "yearly, six whole months": apr(1000, [(1100, 0, D(6) / 12)], 1),
    # Yearly, 1,000 on 2023-01-15, 1,100 on 2023-07-20: 6 months and 5
    # days is not a whole number of months, so (v)(B) f = 186/365.
    "yearly, not whole months": apr(1000, [(1100, 0, D(186) / 365)], 1),
    # Yearly, 1,000 on 2022-03-30, 600 on 2023-09-30 and 2024-09-30: back a
    # year from 2023-09-30 to 2022-09-30 (t = 1), then 6 whole months to
    # 2022-03-30: f = 6/12.
    "yearly, full year and whole months": apr(1000, [(600, 1, D(6) / 12), (600, 2, D(6) / 12)], 1),
    # Quarterly, 1,000.00 on 2023-01-10, 4 x 270.00 from 2023-06-01: back 3
    # months to 2023-03-01 (t = 1); then one full month to 2023-02-01 and 22
    # days to 2023-01-10: (iii) 30 + 22 = 52 days of 90. (Actual days
    # 2023-01-10..03-01 are 50.)
    "quarterly, long first period over February": apr(100000, [(27000, 1 + k, D(52) / 90) for k in range(4)], 4),
    # Semi-annual, 1,000.00 on 2023-03-20, 600.00 on 2024-01-05 and
    # 2024-07-05: back 6 months to 2023-07-05 (t = 1); then 3 full months to
    # 2023-04-05 and 16 days: (iii) 90 + 16 = 106 days of 180. (Actual days
    # 2023-03-20..07-05 are 107.)
    "semi-annual, long first period": apr(100000, [(60000, 1, D(106) / 180), (60000, 2, D(106) / 180)], 2),
    # Semimonthly ((iii): 30 days per full month counted back plus the
    # remaining days, over 15), 1,000.00 on 2024-01-01, 1,010.00 on
    # 2024-02-08: back one month to 2024-01-08, 7 days: 37 days, t = 2,
    # f = 7/15. 24 unit periods a year.
    "semimonthly, one payment": apr(100000, [(101000, 2, D(7) / 15)], 24),
    # Semimonthly, 1,000.00 on 2024-01-10, 510.00 on 2024-02-16 and on
    # 2024-03-01: the first back a month to 2024-01-16 and 6 days (36 days:
    # t = 2, f = 6/15); the second back a month to 2024-02-01 and 22 days
    # (52 days: t = 3, f = 7/15; actual days would be 51).
    "semimonthly, over February": apr(100000, [(51000, 2, D(6) / 15), (51000, 3, D(7) / 15)], 24),
}
for name, r in cases.items():
    print(f"{name}: {r}%")
