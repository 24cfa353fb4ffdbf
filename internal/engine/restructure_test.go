package engine

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/loancore/loancore/internal/money"
)

// The example: loan12k (12,000.00 CNY, 12%, 12 monthly
// EQUAL_INSTALLMENT installments from 2024-01-15, level 1066.19, half-up).
// The original schedule (principal + interest, interest = balance × 1%):
//
//	1 946.19+120.00  2 955.65+110.54  3 965.21+100.98  -> balance 9132.95
//	4 974.86+91.33   5 984.61+81.58   6 994.46+71.73   -> balance 6179.02
//	7 1004.40+61.79  8 1014.44+51.75  9 1024.59+41.60
//	10 1034.83+31.36 11 1045.18+21.01 12 1055.58+10.56
//
// Installments 1–3 are paid on their due dates, 4–6 (due 05-15, 06-15,
// 07-15) are unpaid; the quote is as of 2024-08-01. So:
//
//	outstanding principal  9132.95
//	overdue interest       91.33 + 81.58 + 71.73 = 244.64
//	future interest (7–12) 61.79+51.75+41.60+31.36+21.01+10.56 = 218.07
//	accrued 07-15..08-01   6179.02 × 12% × 17/360 = 35.0144… -> 35.01
//	cost before            244.64 + 218.07 = 462.71 (no penalty policy)
//
// The new plan accrues from 08-01: its first period (to 08-15) is odd,
// 14 days by ACT/360.
func restructureExample(t *testing.T, withPenalty bool) (Terms, LoanState) {
	t.Helper()
	terms := loan12k()
	terms.HasPenalty = withPenalty
	events := []Event{
		pay(1, DateOf(2024, 2, 15), 106619),
		pay(2, DateOf(2024, 3, 15), 106619),
		pay(3, DateOf(2024, 4, 15), 106619),
	}
	st := Fold(terms, events, DateOf(2024, 8, 1))
	if o := st.Outstanding(); o.Principal != 913295 || o.Interest != 24464 {
		t.Fatalf("example outstanding = %+v", o)
	}
	return terms, st
}

type wantRow struct {
	due                 Date
	principal, interest money.Amount
}

func checkRows(t *testing.T, q RestructureQuote, firstNumber int, want []wantRow) {
	t.Helper()
	if len(q.Installments) != len(want) {
		t.Fatalf("%d rows, want %d: %+v", len(q.Installments), len(want), q.Installments)
	}
	for i, w := range want {
		r := q.Installments[i]
		if r.Number != firstNumber+i || r.DueDate != w.due || r.Principal != w.principal || r.Interest != w.interest || r.Total != w.principal+w.interest {
			t.Errorf("row %d = #%d %s %d+%d=%d, want #%d %s %d+%d", i, r.Number, r.DueDate, r.Principal, r.Interest, r.Total,
				firstNumber+i, w.due, w.principal, w.interest)
		}
	}
}

// TestRestructureTermExtension (a): 3 more installments, no penalty
// policy. 9132.95 over 6 + 3 = 9 periods at 1%: level 1066.18; row 1 from
// 08-01 to 08-15: 9132.95 × 12% × 14/360 = 42.6204… -> 42.62, principal
// 1066.18 − 42.62 = 1023.56, balance 8109.39; row 2 interest 81.09 …; the
// last row takes the remaining 1003.42. The overdue interest 244.64 and the
// accrued 35.01 are carried onto row 1: 42.62 + 279.65 = 322.27. Numbering
// continues after 3. Cost after = 409.94 (plan interest) + 279.65 = 689.59.
func TestRestructureTermExtension(t *testing.T) {
	terms, st := restructureExample(t, false)
	q, err := QuoteRestructuring(terms, st, st.AsOf, Changes{TermExtension: &TermExtension{ExtraInstallments: 3}})
	if err != nil {
		t.Fatal(err)
	}
	checkRows(t, q, 4, []wantRow{
		{DateOf(2024, 8, 15), 102356, 4262 + 27965},
		{DateOf(2024, 9, 15), 98509, 8109},
		{DateOf(2024, 10, 15), 99494, 7124},
		{DateOf(2024, 11, 15), 100489, 6129},
		{DateOf(2024, 12, 15), 101494, 5124},
		{DateOf(2025, 1, 15), 102508, 4110},
		{DateOf(2025, 2, 15), 103534, 3084},
		{DateOf(2025, 3, 15), 104569, 2049},
		{DateOf(2025, 4, 15), 100342, 1003},
	})
	if q.Balance != 913295 || q.Capitalised != 0 || q.Carried != (Charges{Interest: 27965}) {
		t.Fatalf("balance %d capitalised %d carried %+v", q.Balance, q.Capitalised, q.Carried)
	}
	if q.TotalCostBefore != 46271 || q.TotalCostAfter != 68959 {
		t.Fatalf("cost before %d after %d, want 462.71 and 689.59", q.TotalCostBefore, q.TotalCostAfter)
	}
}

// TestRestructurePaymentHoliday (b): no payment on installments 7 and 8
// (due 08-15, 09-15), interest capitalised. Holiday interest on 9132.95:
// 08-01..08-15 by days 42.6204… -> 42.62, then a regular month 91.3295 ->
// 91.33: 133.95, capitalised on 09-15 -> 9266.90. The remaining 6
// installments move out by two months (10-15 … 2025-03-15): 9266.90 over 6
// at 1% = level 1598.99; row interest 92.67, 77.61, 62.39, 47.03, 31.51,
// 15.83 (sum 327.04). The overdue 244.64 + accrued 35.01 go on the first
// paying row: 92.67 + 279.65 = 372.32. Cost after = 327.04 + 279.65 +
// 133.95 capitalised = 740.64.
func TestRestructurePaymentHoliday(t *testing.T) {
	terms, st := restructureExample(t, false)
	q, err := QuoteRestructuring(terms, st, st.AsOf, Changes{PaymentHoliday: &PaymentHoliday{FromInstallment: 7, Count: 2, Interest: HolidayCapitalise}})
	if err != nil {
		t.Fatal(err)
	}
	checkRows(t, q, 4, []wantRow{
		{DateOf(2024, 8, 15), 0, 0},
		{DateOf(2024, 9, 15), 0, 0},
		{DateOf(2024, 10, 15), 150632, 9267 + 27965},
		{DateOf(2024, 11, 15), 152138, 7761},
		{DateOf(2024, 12, 15), 153660, 6239},
		{DateOf(2025, 1, 15), 155196, 4703},
		{DateOf(2025, 2, 15), 156748, 3151},
		{DateOf(2025, 3, 15), 158316, 1583},
	})
	if q.Capitalised != 13395 || q.Balance != 926690 || q.Installments[1].BalanceAfter != 926690 {
		t.Fatalf("capitalised %d balance %d after holiday %d", q.Capitalised, q.Balance, q.Installments[1].BalanceAfter)
	}
	if q.TotalCostAfter != 74064 {
		t.Fatalf("cost after %d, want 740.64", q.TotalCostAfter)
	}

	// Spread instead: 9132.95 re-amortised over the same 6 periods from
	// 09-15 (level 1575.88 … as in the waiver test without the odd first
	// period: row 1 interest 91.33), and 133.95 / 6 = 22.325 -> 22.32 on
	// each row, 133.95 − 5 × 22.32 = 22.35 on the last.
	q, err = QuoteRestructuring(terms, st, st.AsOf, Changes{PaymentHoliday: &PaymentHoliday{FromInstallment: 7, Count: 2, Interest: HolidaySpread}})
	if err != nil {
		t.Fatal(err)
	}
	var spread money.Amount
	for i, r := range q.Installments[2:] {
		want := money.Amount(2232)
		if i == 5 {
			want = 2235
		}
		base := interestFor(r.BalanceAfter+r.Principal, rate{1, 100}, money.HalfUp)
		if i == 0 {
			base += 27965
		}
		if r.Interest-base != want {
			t.Errorf("row %d interest %d = base %d + %d, want + %d", i, r.Interest, base, r.Interest-base, want)
		}
		spread += r.Interest - base
	}
	if spread != 13395 || q.Capitalised != 0 || q.Balance != 913295 {
		t.Fatalf("spread %d capitalised %d balance %d", spread, q.Capitalised, q.Balance)
	}
}

// TestRestructurePenaltyWaiver (c): the same loan with the default penalty
// policy (contract rate + 50% = 18% a year, ACT/360, on overdue principal,
// rounded per day): 974.86 × 0.0005 = 0.4874 -> 0.49 a day for 78 days
// (05-16..08-01), 984.61 -> 0.49 for 47 days, 994.46 -> 0.50 for 17 days:
// 38.22 + 23.03 + 8.50 = 69.75. A waiver of 100.00 penalty forgives 69.75.
// A waiver alone keeps the plan: the rows are installments 4–12 as they
// are, 4–6 still overdue. Cost before 462.71 + 69.75 = 532.46, after
// 462.71.
func TestRestructurePenaltyWaiver(t *testing.T) {
	terms, st := restructureExample(t, true)
	if o := st.Outstanding(); o.Penalty != 6975 || o.Compound != 0 {
		t.Fatalf("penalty %+v, want 69.75", o)
	}
	q, err := QuoteRestructuring(terms, st, st.AsOf, Changes{Waiver: &WaiverChange{Penalty: 10000}})
	if err != nil {
		t.Fatal(err)
	}
	if q.Waived != (Charges{Penalty: 6975}) || q.Carried != (Charges{}) || q.Balance != 913295 {
		t.Fatalf("waived %+v carried %+v balance %d", q.Waived, q.Carried, q.Balance)
	}
	checkRows(t, q, 4, []wantRow{
		{DateOf(2024, 5, 15), 97486, 9133},
		{DateOf(2024, 6, 15), 98461, 8158},
		{DateOf(2024, 7, 15), 99446, 7173},
		{DateOf(2024, 8, 15), 100440, 6179},
		{DateOf(2024, 9, 15), 101444, 5175},
		{DateOf(2024, 10, 15), 102459, 4160},
		{DateOf(2024, 11, 15), 103483, 3136},
		{DateOf(2024, 12, 15), 104518, 2101},
		{DateOf(2025, 1, 15), 105558, 1056},
	})
	if q.TotalCostBefore != 53246 || q.TotalCostAfter != 46271 {
		t.Fatalf("cost before %d after %d", q.TotalCostBefore, q.TotalCostAfter)
	}
	// With an interest waiver too, the overdue interest goes oldest first:
	// 100.00 clears installment 4's 91.33 and 8.67 of installment 5's.
	q, err = QuoteRestructuring(terms, st, st.AsOf, Changes{Waiver: &WaiverChange{Penalty: 10000, Interest: 10000}})
	if err != nil || q.Waived != (Charges{Penalty: 6975, Interest: 10000}) ||
		q.Installments[0].Interest != 0 || q.Installments[1].Interest != 8158-867 || q.TotalCostAfter != 46271-10000 {
		t.Fatalf("waived %+v rows %+v cost %d err %v", q.Waived, q.Installments[:2], q.TotalCostAfter, err)
	}
	// Re-amortising instead: 9132.95 over the 6 remaining installments,
	// level 1575.88, row 1 42.62 + 1533.26 with the overdue 244.64 and the
	// accrued 35.01 carried onto it; the penalty not waived is carried too,
	// due with row 1.
	q2, err := QuoteRestructuring(terms, st, st.AsOf, Changes{RateChange: &RateChange{AnnualRate: money.Rate{Units: 12, Scale: 0}}})
	if err != nil || q2.Carried != (Charges{Interest: 27965, Penalty: 6975}) || q2.Waived != (Charges{}) {
		t.Fatalf("carried %+v waived %+v err %v", q2.Carried, q2.Waived, err)
	}
	checkRows(t, q2, 4, []wantRow{
		{DateOf(2024, 8, 15), 153326, 4262 + 27965},
		{DateOf(2024, 9, 15), 149988, 7600},
		{DateOf(2024, 10, 15), 151488, 6100},
		{DateOf(2024, 11, 15), 153003, 4585},
		{DateOf(2024, 12, 15), 154533, 3055},
		{DateOf(2025, 1, 15), 150957, 1510},
	})
	// Plan interest 271.12 + carried 279.65 + penalty 69.75 = 620.52.
	if q2.TotalCostAfter != 62052 {
		t.Fatalf("cost after %d, want 620.52", q2.TotalCostAfter)
	}
}

// TestRestructureFreezePlan (d): everything frozen — 9132.95 principal +
// 244.64 overdue interest = 9377.59 (no penalty policy) in 24 monthly
// installments from 2024-09-01: 9377.59 / 24 = 390.7329… -> 390.73, the
// last 9377.59 − 23 × 390.73 = 390.80. No interest; the accrued 35.01 of
// the current period is not charged.
func TestRestructureFreezePlan(t *testing.T) {
	terms, st := restructureExample(t, false)
	q, err := QuoteRestructuring(terms, st, st.AsOf, Changes{InterestFreezePlan: &InterestFreezePlan{InstallmentCount: 24, FirstDueDate: DateOf(2024, 9, 1)}})
	if err != nil {
		t.Fatal(err)
	}
	if len(q.Installments) != 24 || q.Balance != 937759 || q.Capitalised != 24464 || q.TotalCostAfter != 24464 {
		t.Fatalf("%d rows balance %d capitalised %d cost %d", len(q.Installments), q.Balance, q.Capitalised, q.TotalCostAfter)
	}
	var sum money.Amount
	for i, r := range q.Installments {
		want := money.Amount(39073)
		if i == 23 {
			want = 39080
		}
		if r.Number != 4+i || r.Principal != want || r.Interest != 0 || r.DueDate != DateOf(2024, 9, 1).AddMonths(i) {
			t.Fatalf("row %d = %+v", i, r)
		}
		sum += r.Principal
	}
	if sum != 937759 || q.Installments[23].DueDate != DateOf(2026, 8, 1) {
		t.Fatalf("principal sum %d, last due %s", sum, q.Installments[23].DueDate)
	}
}

// TestRestructureRateChange (e): the contract rate falls to 6% from
// 08-01 over the same six remaining installments. Level at 0.5% a month:
// 9132.95 × 0.005 / (1 − 1.005^−6) = 1548.9068… -> 1548.91; the first
// period (08-01..08-15) by days at the new rate: 9132.95 × 6% × 14/360 =
// 21.3102… -> 21.31, principal 1548.91 − 21.31 = 1527.60, plus the carried
// 279.65 (overdue 244.64 and 35.01 accrued at the old 12%). Then balance ×
// 0.5%: 38.03, 30.47, 22.88, 15.25, 7.58; the last row takes what is
// left, 1516.34. (Worked independently with Python's decimal module.)
func TestRestructureRateChange(t *testing.T) {
	terms, st := restructureExample(t, false)
	q, err := QuoteRestructuring(terms, st, st.AsOf, Changes{RateChange: &RateChange{AnnualRate: money.Rate{Units: 6}}})
	if err != nil {
		t.Fatal(err)
	}
	checkRows(t, q, 4, []wantRow{
		{DateOf(2024, 8, 15), 152760, 2131 + 27965},
		{DateOf(2024, 9, 15), 151088, 3803},
		{DateOf(2024, 10, 15), 151844, 3047},
		{DateOf(2024, 11, 15), 152603, 2288},
		{DateOf(2024, 12, 15), 153366, 1525},
		{DateOf(2025, 1, 15), 151634, 758},
	})
}

// TestRestructureCapitalisation (f): the overdue 244.64 becomes principal:
// 9377.59 re-amortised at 1% over the six remaining installments, level
// 9377.59 × 0.01 / (1 − 1.01^−6) = 1618.0878… -> 1618.09; first period by
// days 9377.59 × 12% × 14/360 = 43.7620… -> 43.76 (principal 1574.33),
// plus only the accrued 35.01 carried: 78.77. Then 78.03, 62.63, 47.08,
// 31.37, 15.50; the last row's principal 1550.01.
func TestRestructureCapitalisation(t *testing.T) {
	terms, st := restructureExample(t, false)
	q, err := QuoteRestructuring(terms, st, st.AsOf, Changes{Capitalisation: &Capitalisation{}})
	if err != nil {
		t.Fatal(err)
	}
	if q.Capitalised != 24464 || q.Balance != 937759 || q.Carried != (Charges{Interest: 3501}) {
		t.Fatalf("capitalised %d balance %d carried %+v", q.Capitalised, q.Balance, q.Carried)
	}
	checkRows(t, q, 4, []wantRow{
		{DateOf(2024, 8, 15), 157433, 4376 + 3501},
		{DateOf(2024, 9, 15), 154006, 7803},
		{DateOf(2024, 10, 15), 155546, 6263},
		{DateOf(2024, 11, 15), 157101, 4708},
		{DateOf(2024, 12, 15), 158672, 3137},
		{DateOf(2025, 1, 15), 155001, 1550},
	})
}

// TestRestructureReamortisation (g): the rest becomes 4 EQUAL_PRINCIPAL
// installments from 2024-09-01: 9132.95 / 4 = 2283.2375 -> 2283.24, the
// last 9132.95 − 3 × 2283.24 = 2283.23. 08-01..09-01 is a regular month,
// so interest is balance × 1%: 91.33 (+ the carried 279.65), 68.50
// (6849.71), 45.66 (4566.47), 22.83 (2283.23).
func TestRestructureReamortisation(t *testing.T) {
	terms, st := restructureExample(t, false)
	q, err := QuoteRestructuring(terms, st, st.AsOf, Changes{Reamortisation: &Reamortisation{Method: EqualPrincipal, InstallmentCount: 4,
		Frequency: Frequency{Unit: Month, Every: 1}, FirstDueDate: DateOf(2024, 9, 1)}})
	if err != nil {
		t.Fatal(err)
	}
	checkRows(t, q, 4, []wantRow{
		{DateOf(2024, 9, 1), 228324, 9133 + 27965},
		{DateOf(2024, 10, 1), 228324, 6850},
		{DateOf(2024, 11, 1), 228324, 4566},
		{DateOf(2024, 12, 1), 228323, 2283},
	})
}

// TestRestructureFreezePlanWithInterest (d'): the same freeze at an
// agreed 3%: 9377.59 in 24 equal installments at 0.25% a month, level
// 9377.59 × 0.0025 / (1 − 1.0025^−24) = 403.0601… -> 403.06; row 1
// (08-01..09-01, a regular month) 23.44 + 379.62, row 2 22.49 + 380.57,
// the last 1.01 + 402.04; interest 295.84 in all, so the cost after is
// 244.64 capitalised + 295.84. (Worked with Python's decimal module.)
func TestRestructureFreezePlanWithInterest(t *testing.T) {
	terms, st := restructureExample(t, false)
	q, err := QuoteRestructuring(terms, st, st.AsOf, Changes{InterestFreezePlan: &InterestFreezePlan{InstallmentCount: 24,
		FirstDueDate: DateOf(2024, 9, 1), AnnualRate: money.Rate{Units: 3}}})
	if err != nil {
		t.Fatal(err)
	}
	head := q
	head.Installments = q.Installments[:2]
	checkRows(t, head, 4, []wantRow{{DateOf(2024, 9, 1), 37962, 2344}, {DateOf(2024, 10, 1), 38057, 2249}})
	last := q.Installments[len(q.Installments)-1]
	if len(q.Installments) != 24 || last.Number != 27 || last.Principal != 40204 || last.Interest != 101 ||
		q.Balance != 937759 || q.TotalCostAfter != 24464+29584 {
		t.Fatalf("%d rows, last %+v, balance %d, cost after %d", len(q.Installments), last, q.Balance, q.TotalCostAfter)
	}
}

// TestRestructureInvalid: bad values and combinations name their field.
func TestRestructureInvalid(t *testing.T) {
	terms, st := restructureExample(t, false)
	freeze := &InterestFreezePlan{InstallmentCount: 12, FirstDueDate: DateOf(2024, 9, 1)}
	cases := []struct {
		c     Changes
		field string
	}{
		{Changes{}, "changes"},
		{Changes{InterestFreezePlan: &InterestFreezePlan{InstallmentCount: 61, FirstDueDate: DateOf(2024, 9, 1)}}, "changes.interest_freeze_plan.installment_count"},
		{Changes{InterestFreezePlan: &InterestFreezePlan{InstallmentCount: 0, FirstDueDate: DateOf(2024, 9, 1)}}, "changes.interest_freeze_plan.installment_count"},
		{Changes{InterestFreezePlan: &InterestFreezePlan{InstallmentCount: 6, FirstDueDate: DateOf(2024, 8, 1)}}, "changes.interest_freeze_plan.first_due_date"},
		{Changes{InterestFreezePlan: freeze, TermExtension: &TermExtension{ExtraInstallments: 1}}, "changes.interest_freeze_plan"},
		{Changes{InterestFreezePlan: freeze, Capitalisation: &Capitalisation{}}, "changes.interest_freeze_plan"},
		{Changes{PaymentHoliday: &PaymentHoliday{FromInstallment: 6, Count: 1, Interest: HolidayCapitalise}}, "changes.payment_holiday.from_installment"},
		{Changes{PaymentHoliday: &PaymentHoliday{FromInstallment: 12, Count: 2, Interest: HolidayCapitalise}}, "changes.payment_holiday.from_installment"},
		{Changes{PaymentHoliday: &PaymentHoliday{FromInstallment: 7, Count: 1}}, "changes.payment_holiday.interest"},
		{Changes{TermExtension: &TermExtension{}}, "changes.term_extension.extra_installments"},
		{Changes{Waiver: &WaiverChange{Penalty: -1}}, "changes.waiver.penalty"},
		{Changes{RateChange: &RateChange{AnnualRate: money.Rate{Units: 1001}}}, "changes.rate_change.annual_rate_percent"},
		{Changes{Reamortisation: &Reamortisation{Method: EqualPrincipal, InstallmentCount: 0, Frequency: Frequency{Unit: Month, Every: 1}, FirstDueDate: DateOf(2024, 9, 1)}}, "changes.reamortisation.installment_count"},
		{Changes{Reamortisation: &Reamortisation{Method: EqualPrincipal, InstallmentCount: 3, Frequency: Frequency{Unit: Month, Every: 1}, FirstDueDate: DateOf(2024, 9, 1)}, TermExtension: &TermExtension{ExtraInstallments: 1}}, "changes.reamortisation"},
	}
	for i, c := range cases {
		_, err := QuoteRestructuring(terms, st, st.AsOf, c.c)
		var inv *InvalidError
		if !errors.As(err, &inv) {
			t.Fatalf("case %d: err %v, want *InvalidError", i, err)
		}
		found := false
		for _, v := range inv.Violations {
			found = found || v.Field == c.field
		}
		if !found {
			t.Errorf("case %d: %v does not name %s", i, err, c.field)
		}
	}
	if _, err := QuoteRestructuring(terms, st, st.AsOf+1, Changes{Waiver: &WaiverChange{}}); err == nil {
		t.Fatal("a state folded as of another day was accepted")
	}
	// A matured loan needs a new term.
	late := Fold(terms, nil, DateOf(2025, 3, 1))
	if _, err := QuoteRestructuring(terms, late, late.AsOf, Changes{RateChange: &RateChange{AnnualRate: fixtureRate("6")}}); err == nil {
		t.Fatal("rate change on a matured loan accepted")
	}
	q, err := QuoteRestructuring(terms, late, late.AsOf, Changes{TermExtension: &TermExtension{ExtraInstallments: 6}})
	if err != nil || len(q.Installments) != 6 || q.Installments[0].DueDate != DateOf(2025, 4, 1) || q.Balance != 1_200_000 {
		t.Fatalf("matured extension: %v %+v", err, q.Installments)
	}
}

// TestRestructureProperties: for random loans, states and changes, every
// quote that succeeds has principal parts summing exactly to the balance
// (outstanding principal + capitalised), due dates after the effective date
// and strictly increasing, no negative amount, totals that add up, and
// numbering that continues after the last installment kept.
func TestRestructureProperties(t *testing.T) {
	s := newSeeded(t, 0x5e57)
	rng := s.rng
	cases, quoted := 600, 0
	if testing.Short() {
		cases = 150
	}
	for n := 0; n < cases; n++ {
		terms, _, _, st, c := restructureCase(rng)
		eff := st.AsOf
		q, err := QuoteRestructuring(terms, st, eff, c)
		desc := func() string {
			return fmt.Sprintf("terms %s\neffective %s changes %s\nquote %+v", describeTerms(terms), eff, describeChanges(c), q)
		}
		if err != nil {
			var inv *InvalidError
			if !errors.As(err, &inv) {
				s.fatalf("not an *InvalidError: %v\n%s", err, desc())
			}
			continue
		}
		quoted++
		o := st.Outstanding()
		if q.Balance != o.Principal+q.Capitalised {
			s.fatalf("balance %d != outstanding principal %d + capitalised %d\n%s", q.Balance, o.Principal, q.Capitalised, desc())
		}
		var sum, total money.Amount
		prev := eff
		if c.OnlyWaiver() {
			// A waiver alone keeps the plan, overdue rows included.
			prev = q.Installments[0].StartDate
		}
		for i, r := range q.Installments {
			if r.Principal < 0 || r.Interest < 0 || r.BalanceAfter < 0 || r.Total != r.Principal+r.Interest {
				s.fatalf("row %d has a negative or inconsistent amount: %+v\n%s", i, r, desc())
			}
			if r.DueDate <= prev {
				s.fatalf("row %d due %s not after %s\n%s", i, r.DueDate, prev, desc())
			}
			if i > 0 && r.Number != q.Installments[i-1].Number+1 {
				s.fatalf("row %d numbered %d\n%s", i, r.Number, desc())
			}
			prev = r.DueDate
			sum += r.Principal
			total += r.Total + r.Fees
		}
		if sum != q.Balance {
			s.fatalf("principal parts sum to %d, balance %d\n%s", sum, q.Balance, desc())
		}
		if got := total + q.Carried.Penalty + q.Carried.Compound - o.Principal; got != q.TotalCostAfter {
			s.fatalf("cost after %d, rows say %d\n%s", q.TotalCostAfter, got, desc())
		}
		if q.Waived.Penalty < 0 || q.Waived.Penalty > o.Penalty || q.Waived.Compound > o.Compound || q.Waived.Interest > o.Interest || q.Waived.Fees > o.Fees || q.Capitalised < 0 {
			s.fatalf("waived %+v of %+v, capitalised %d\n%s", q.Waived, o, q.Capitalised, desc())
		}
		if first := q.Installments[0].Number; first < 1 || (first > 1 && st.Installments[first-2].Unpaid() != 0) {
			s.fatalf("first new number %d\n%s", first, desc())
		}
	}
	t.Logf("%d of %d random restructurings quoted", quoted, cases)
	if quoted < cases/4 {
		t.Fatalf("only %d of %d random restructurings were quoted", quoted, cases)
	}
}

// randomChanges draws one to three changes, mostly valid for the state.
func randomChanges(rng *rand.Rand, st LoanState, eff Date) Changes {
	var c Changes
	o := st.Outstanding()
	next := 0
	for _, in := range st.Installments {
		if in.DueDate > eff && in.Unpaid() > 0 {
			next = in.Number
			break
		}
	}
	switch rng.IntN(8) {
	case 0:
		c.InterestFreezePlan = &InterestFreezePlan{InstallmentCount: 1 + rng.IntN(60), FirstDueDate: eff.AddDays(1 + rng.IntN(60))}
		if rng.IntN(2) == 0 {
			c.InterestFreezePlan.AnnualRate = money.Rate{Units: uint64(rng.IntN(600)), Scale: 2}
		}
		if rng.IntN(2) == 0 {
			c.Waiver = &WaiverChange{Penalty: o.Penalty / 2, Compound: o.Compound, Interest: money.Amount(rng.Int64N(int64(o.Interest) + 1)), Fees: o.Fees / 2}
		}
		return c
	case 1:
		c.Reamortisation = &Reamortisation{Method: Method(1 + rng.IntN(5)), InstallmentCount: 1 + rng.IntN(60),
			Frequency: randomFrequency(rng), FirstDueDate: eff.AddDays(1 + rng.IntN(400))}
	}
	if rng.IntN(2) == 0 && c.Reamortisation == nil {
		c.TermExtension = &TermExtension{ExtraInstallments: 1 + rng.IntN(24)}
	}
	if rng.IntN(3) == 0 && c.Reamortisation == nil && next > 0 {
		c.PaymentHoliday = &PaymentHoliday{FromInstallment: next + rng.IntN(3), Count: 1 + rng.IntN(4), Interest: HolidayInterest(1 + rng.IntN(2))}
	}
	if rng.IntN(3) == 0 {
		c.RateChange = &RateChange{AnnualRate: money.Rate{Units: uint64(rng.IntN(3000)), Scale: 2}}
	}
	if rng.IntN(3) == 0 {
		c.Waiver = &WaiverChange{Penalty: money.Amount(rng.Int64N(int64(o.Penalty) + 2)), Compound: o.Compound * 2, Interest: o.Interest / 3,
			Fees: money.Amount(rng.Int64N(int64(o.Fees) + 2))}
	}
	if rng.IntN(3) == 0 {
		c.Capitalisation = &Capitalisation{IncludePenalty: rng.IntN(2) == 0}
	}
	if c == (Changes{}) {
		c.TermExtension = &TermExtension{ExtraInstallments: 1 + rng.IntN(12)}
	}
	return c
}

func describeChanges(c Changes) string {
	s := ""
	if c.TermExtension != nil {
		s += fmt.Sprintf(" extension%+v", *c.TermExtension)
	}
	if c.PaymentHoliday != nil {
		s += fmt.Sprintf(" holiday%+v", *c.PaymentHoliday)
	}
	if c.RateChange != nil {
		s += fmt.Sprintf(" rate %s", c.RateChange.AnnualRate)
	}
	if c.Waiver != nil {
		s += fmt.Sprintf(" waiver%+v", *c.Waiver)
	}
	if c.Capitalisation != nil {
		s += fmt.Sprintf(" capitalisation%+v", *c.Capitalisation)
	}
	if c.Reamortisation != nil {
		s += fmt.Sprintf(" reamortisation%+v", *c.Reamortisation)
	}
	if c.InterestFreezePlan != nil {
		s += fmt.Sprintf(" freeze%+v", *c.InterestFreezePlan)
	}
	return s
}
