package engine

import (
	"testing"

	"github.com/loancore/loancore/internal/money"
)

// TestAPRUnitPeriodsLongerThanAMonth checks ComputeAPR's odd fraction for
// quarterly, semi-annual and yearly unit periods against Regulation Z,
// 12 CFR 1026 Appendix J (b)(5)(iii) (a multiple of a month up to 11: 30
// days per full month counted back, plus the remaining days, over 30 × the
// months) and (b)(5)(v) (a year: whole months over 12, else days over 365).
// The figures were worked independently in testdata/handworked/apr_longunit.py
// (Python decimal); the comments give what counting actual days gave.
func TestAPRUnitPeriodsLongerThanAMonth(t *testing.T) {
	quarterly := Frequency{Unit: Month, Every: 3}
	semiAnnual := Frequency{Unit: Month, Every: 6}
	yearly := Frequency{Unit: Month, Every: 12}
	tests := []struct {
		name string
		in   APRInput
		span span // of the first payment
		want string
	}{
		{
			// Issue 19: 6 whole months, (v)(A) f = 6/12 (actual days: 181/365, 20.17%).
			name: "yearly, six whole months",
			in: APRInput{Advanced: 100000, AdvanceDate: DateOf(2023, 1, 15), UnitPeriod: yearly,
				Payments: []CashFlow{{110000, DateOf(2023, 7, 15)}}},
			span: span{0, 6, 12},
			want: "20.00",
		},
		{
			// 6 months and 5 days, (v)(B) f = 186/365, as before.
			name: "yearly, not whole months",
			in: APRInput{Advanced: 100000, AdvanceDate: DateOf(2023, 1, 15), UnitPeriod: yearly,
				Payments: []CashFlow{{110000, DateOf(2023, 7, 20)}}},
			span: span{0, 186, 365},
			want: "19.62",
		},
		{
			// A full year back to 2022-09-30, then 6 whole months: f = 6/12
			// (actual days: 184/365, 9.52%).
			name: "yearly, a full year and whole months",
			in: APRInput{Advanced: 100000, AdvanceDate: DateOf(2022, 3, 30), UnitPeriod: yearly,
				Payments: []CashFlow{{60000, DateOf(2023, 9, 30)}, {60000, DateOf(2024, 9, 30)}}},
			span: span{1, 6, 12},
			want: "9.54",
		},
		{
			// Back 3 months to 03-01, one full month to 02-01, 22 days:
			// (iii) f = 52/90 (actual days: 50/90, 10.25%).
			name: "quarterly, long first period over February",
			in: APRInput{Advanced: 100000, AdvanceDate: DateOf(2023, 1, 10), UnitPeriod: quarterly,
				Payments: []CashFlow{{27000, DateOf(2023, 6, 1)}, {27000, DateOf(2023, 9, 1)},
					{27000, DateOf(2023, 12, 1)}, {27000, DateOf(2024, 3, 1)}}},
			span: span{1, 52, 90},
			want: "10.17",
		},
		{
			// Back 6 months to 07-05, three full months to 04-05, 16 days:
			// (iii) f = 106/180 (actual days: 107/180, 18.19%).
			name: "semi-annual, long first period",
			in: APRInput{Advanced: 100000, AdvanceDate: DateOf(2023, 3, 20), UnitPeriod: semiAnnual,
				Payments: []CashFlow{{60000, DateOf(2024, 1, 5)}, {60000, DateOf(2024, 7, 5)}}},
			span: span{1, 106, 180},
			want: "18.24",
		},
		{
			// (iii) semimonth: back one month to 01-08, 7 days: 37 days of
			// 15, t = 2, f = 7/15.
			name: "semimonthly, one payment",
			in: APRInput{Advanced: 100000, AdvanceDate: DateOf(2024, 1, 1), UnitPeriod: Frequency{Unit: SemiMonth, Every: 1},
				Payments: []CashFlow{{101000, DateOf(2024, 2, 8)}}},
			span: span{2, 7, 15},
			want: "9.70",
		},
		{
			// (iii) semimonth: 30 + 6 = 36 days (t = 2, f = 6/15), then
			// 30 + 22 = 52 days over February (t = 3, f = 7/15).
			name: "semimonthly, over February",
			in: APRInput{Advanced: 100000, AdvanceDate: DateOf(2024, 1, 10), UnitPeriod: Frequency{Unit: SemiMonth, Every: 1},
				Payments: []CashFlow{{51000, DateOf(2024, 2, 16)}, {51000, DateOf(2024, 3, 1)}}},
			span: span{2, 6, 15},
			want: "16.26",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			in.Method = USActuarial
			in.Decimals = 2
			_, _, d := in.Payments[0].Date.YMD()
			if got := unitPeriodsBetween(in.AdvanceDate, in.Payments[0].Date, in.UnitPeriod, d); got != tt.span {
				t.Errorf("first payment's span = %+v, want %+v", got, tt.span)
			}
			got, err := ComputeAPR(in)
			if err != nil {
				t.Fatal(err)
			}
			if s := money.FormatScaled(int64(got.Units), int(got.Scale)); s != tt.want {
				t.Errorf("APR = %s%%, want %s%%", s, tt.want)
			}
		})
	}
}
