package engine

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/loancore/loancore/internal/money"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// renderSchedule prints a schedule as the readable table the golden files
// hold.
func renderSchedule(t Terms, s Schedule) string {
	var b bytes.Buffer
	c := t.Currency
	fmt.Fprintf(&b, "terms: %s\n", describeTerms(t))
	fmt.Fprintf(&b, "installment %s  interest %s  payment %s  maturity %s  apr %s%%\n\n",
		s.InstallmentAmount.Format(c), s.TotalInterest.Format(c), s.TotalPayment.Format(c), s.MaturityDate,
		func() string { r := ScheduleAPR(t, s, 4); return money.FormatScaled(int64(r.Units), int(r.Scale)) }())
	fmt.Fprintf(&b, "%4s  %-10s  %-10s  %16s  %16s  %16s  %18s\n", "no", "start", "due", "principal", "interest", "total", "balance after")
	for _, in := range s.Installments {
		fmt.Fprintf(&b, "%4d  %-10s  %-10s  %16s  %16s  %16s  %18s\n", in.Number, in.StartDate, in.DueDate,
			in.Principal.Format(c), in.Interest.Format(c), in.Total.Format(c), in.BalanceAfter.Format(c))
	}
	return b.String()
}

func TestGoldenSchedules(t *testing.T) {
	base := func(method Method, n int) Terms {
		return Terms{
			Currency:         mustCurrency(t, "CNY"),
			Principal:        1_200_000,
			AnnualRate:       mustRate(t, "12"),
			InstallmentCount: n,
			Frequency:        Frequency{Unit: Month, Every: 1},
			Method:           method,
			DisbursementDate: DateOf(2024, 1, 31),
			FirstDueDate:     NoDate,
			InterestAccrual:  Periodic,
			DayCount:         Act360,
			Rounding:         Rounding{Mode: money.HalfUp, Multiple: 1},
		}
	}
	with := func(t Terms, f func(*Terms)) Terms { f(&t); return t }
	cases := map[string]Terms{
		"equal_installment_month_end": base(EqualInstallment, 12),
		"equal_principal":             base(EqualPrincipal, 12),
		"interest_only":               base(InterestOnly, 6),
		"bullet":                      base(Bullet, 6),
		"flat":                        base(Flat, 12),
		"grace_3_then_annuity":        with(base(EqualInstallment, 12), func(t *Terms) { t.PrincipalGracePeriods = 3 }),
		"interest_free_2":             with(base(EqualInstallment, 12), func(t *Terms) { t.InterestFreePeriods = 2 }),
		"odd_first_short_act365":      with(base(EqualInstallment, 6), func(t *Terms) { t.FirstDueDate = DateOf(2024, 2, 15); t.DayCount = Act365Fixed }),
		"odd_first_long":              with(base(EqualInstallment, 6), func(t *Terms) { t.FirstDueDate = DateOf(2024, 3, 20) }),
		"weekly_every_2":              with(base(EqualInstallment, 10), func(t *Terms) { t.Frequency = Frequency{Unit: Week, Every: 2} }),
		"daily_accrual_act360":        with(base(EqualInstallment, 12), func(t *Terms) { t.InterestAccrual = Daily }),
		"daily_accrual_actact_leap": with(base(EqualPrincipal, 12), func(t *Terms) {
			t.InterestAccrual = Daily
			t.DayCount = ActAct
			t.DisbursementDate = DateOf(2023, 7, 1)
		}),
		"every_14_days":      with(base(EqualInstallment, 8), func(t *Terms) { t.Frequency = Frequency{Unit: Day, Every: 14} }),
		"jpy_zero_decimals":  with(base(EqualInstallment, 12), func(t *Terms) { t.Currency = fixtureCurrency("JPY"); t.Principal = 500_000 }),
		"kwd_three_decimals": with(base(EqualInstallment, 12), func(t *Terms) { t.Currency = fixtureCurrency("KWD"); t.Principal = 1_234_567 }),
		"multiple_100_up":    with(base(EqualInstallment, 12), func(t *Terms) { t.Rounding = Rounding{Mode: money.Up, Multiple: 100} }),
		"half_even":          with(base(EqualInstallment, 12), func(t *Terms) { t.Rounding.Mode = money.HalfEven; t.AnnualRate = fixtureRate("7.25") }),
		"down_with_fee":      with(base(Flat, 12), func(t *Terms) { t.Rounding.Mode = money.Down; t.UpfrontFee = 30_000 }),
		"quarterly_thirty360_daily": with(base(EqualPrincipal, 8), func(t *Terms) {
			t.Frequency = Frequency{Unit: Month, Every: 3}
			t.InterestAccrual = Daily
			t.DayCount = Thirty360
		}),
		"zero_rate": with(base(EqualInstallment, 7), func(t *Terms) { t.AnnualRate = money.Rate{} }),
	}
	for name, terms := range cases {
		t.Run(name, func(t *testing.T) {
			s, err := BuildSchedule(terms)
			if err != nil {
				t.Fatal(err)
			}
			got := renderSchedule(terms, s)
			path := filepath.Join("testdata", "schedules", name+".golden")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("schedule differs from %s (run with -update after checking the change):\n%s", path, got)
			}
		})
	}
}

// fixtureCurrency and fixtureRate read constants of the test tables; a typo
// in a table is a bug in the test, so they panic.
func fixtureCurrency(code string) money.Currency {
	c, ok := money.LookupCurrency(code)
	if !ok {
		panic("unknown currency " + code)
	}
	return c
}

func fixtureRate(s string) money.Rate {
	r, err := money.ParseRate(s, MaxRatePercent)
	if err != nil {
		panic(err)
	}
	return r
}
