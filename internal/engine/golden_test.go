package engine

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loancore/loancore/internal/money"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/schedules (go test ./internal/engine -run Golden -update)")

// goldenCase is one hand-picked contract whose whole schedule is kept, as a
// readable table, in testdata/schedules/<name>.golden.
type goldenCase struct {
	name  string
	terms Terms
}

// goldenCases are small loans chosen so that each table can be checked by
// hand: 12,000.00 CNY at 12% a year (1% a month) disbursed on 31 January
// 2024, a leap year, so that monthly due dates show the month-end clamp
// (29 Feb, 31 Mar, 30 Apr … each from the anchor day 31).
func goldenCases() []goldenCase {
	base := func(method Method, n int) Terms {
		return Terms{
			Currency:         fixtureCurrency("CNY"),
			Principal:        1_200_000,
			AnnualRate:       fixtureRate("12"),
			InstallmentCount: n,
			Frequency:        Frequency{Unit: Month, Every: 1},
			Method:           method,
			DisbursementDate: DateOf(2024, 1, 31),
			InterestAccrual:  Periodic,
			DayCount:         Act360,
			Rounding:         Rounding{Mode: money.HalfUp, Multiple: 1},
		}
	}
	with := func(t Terms, f func(*Terms)) Terms { f(&t); return t }
	return []goldenCase{
		// The five methods.
		{"equal_installment_month_end", base(EqualInstallment, 12)},
		{"equal_principal", base(EqualPrincipal, 12)},
		{"interest_only", base(InterestOnly, 6)},
		{"bullet", base(Bullet, 6)},
		{"flat", base(Flat, 12)},
		// Grace and interest-free periods.
		{"grace_3_then_annuity", with(base(EqualInstallment, 12), func(t *Terms) { t.PrincipalGracePeriods = 3 })},
		{"interest_free_2", with(base(EqualInstallment, 12), func(t *Terms) { t.InterestFreePeriods = 2 })},
		{"grace_2_free_3_equal_principal", with(base(EqualPrincipal, 8), func(t *Terms) {
			t.PrincipalGracePeriods = 2
			t.InterestFreePeriods = 3
		})},
		// Odd first periods: 15 days (short) and 49 days (long), accrued by
		// days; the dates after step from the first due date's day.
		{"odd_first_short_act365", with(base(EqualInstallment, 6), func(t *Terms) {
			t.FirstDueDate = DateOf(2024, 2, 15)
			t.DayCount = Act365Fixed
		})},
		{"odd_first_long", with(base(EqualInstallment, 6), func(t *Terms) { t.FirstDueDate = DateOf(2024, 3, 20) })},
		{"odd_first_on_feb_29", with(base(EqualPrincipal, 4), func(t *Terms) {
			t.DisbursementDate = DateOf(2024, 1, 10)
			t.FirstDueDate = DateOf(2024, 2, 29)
		})},
		// Frequencies and accruals.
		{"weekly_every_2", with(base(EqualInstallment, 10), func(t *Terms) { t.Frequency = Frequency{Unit: Week, Every: 2} })},
		{"every_14_days", with(base(EqualInstallment, 8), func(t *Terms) { t.Frequency = Frequency{Unit: Day, Every: 14} })},
		{"daily_accrual_act360", with(base(EqualInstallment, 12), func(t *Terms) { t.InterestAccrual = Daily })},
		{"daily_accrual_actact_leap", with(base(EqualPrincipal, 12), func(t *Terms) {
			t.InterestAccrual = Daily
			t.DayCount = ActAct
			t.DisbursementDate = DateOf(2023, 7, 1)
		})},
		{"quarterly_thirty360_daily", with(base(EqualPrincipal, 8), func(t *Terms) {
			t.Frequency = Frequency{Unit: Month, Every: 3}
			t.InterestAccrual = Daily
			t.DayCount = Thirty360
		})},
		// Currencies with 0 and 3 decimals.
		{"jpy_zero_decimals", with(base(EqualInstallment, 12), func(t *Terms) {
			t.Currency = fixtureCurrency("JPY")
			t.Principal = 500_000
		})},
		{"kwd_three_decimals", with(base(EqualInstallment, 12), func(t *Terms) {
			t.Currency = fixtureCurrency("KWD")
			t.Principal = 1_234_567
		})},
		// Rounding: to whole yuan upwards, banker's, truncation.
		{"multiple_100_up", with(base(EqualInstallment, 12), func(t *Terms) { t.Rounding = Rounding{Mode: money.Up, Multiple: 100} })},
		// 12,001.00 at 0.5% a month: the first interest is a tie, 60.005,
		// which HALF_EVEN rounds to 60.00 (HALF_UP would give 60.01).
		{"half_even", with(base(EqualInstallment, 12), func(t *Terms) {
			t.Rounding.Mode = money.HalfEven
			t.Principal = 1_200_100
			t.AnnualRate = fixtureRate("6")
		})},
		{"down_with_fee", with(base(Flat, 12), func(t *Terms) {
			t.Rounding.Mode = money.Down
			t.UpfrontFee = 30_000
		})},
		{"zero_rate", with(base(EqualInstallment, 7), func(t *Terms) { t.AnnualRate = money.Rate{} })},
		// Service fees (issue 20): a credit-card plan (no interest, 0.6% of
		// the original principal a month); a fee on the outstanding balance
		// beside interest, with a percent upfront charge; a fixed fee that
		// ends after 4 installments; a bullet bearing each period's fee.
		{"fee_rate_on_original", with(base(EqualPrincipal, 12), func(t *Terms) {
			t.AnnualRate = money.Rate{}
			t.Charges = []Charge{{Kind: ServiceFee, Percent: fixtureRate("0.6"), Basis: OriginalPrincipal}}
		})},
		{"fee_on_outstanding_with_upfront", with(base(EqualInstallment, 6), func(t *Terms) {
			t.Charges = []Charge{
				{Kind: ServiceFee, Percent: fixtureRate("0.35"), Basis: OutstandingPrincipal},
				{Kind: UpfrontCharge, Percent: fixtureRate("1.5"), Basis: OriginalPrincipal},
			}
		})},
		{"fixed_fee_free_after_4", with(base(EqualPrincipal, 6), func(t *Terms) {
			t.Charges = []Charge{{Kind: ServiceFee, Amount: 1_500, FreeAfterInstallments: 4}}
		})},
		{"bullet_fee_each_period", with(base(Bullet, 6), func(t *Terms) {
			t.Charges = []Charge{{Kind: ServiceFee, Percent: fixtureRate("0.5"), Basis: OriginalPrincipal}}
		})},
	}
}

// renderSchedule prints a schedule as the table the golden files hold.
func renderSchedule(t Terms, s Schedule) string {
	var b bytes.Buffer
	c := t.Currency
	fmt.Fprintf(&b, "terms: %s\n", humanTerms(t))
	apr := ScheduleAPR(t, s, 4)
	fmt.Fprintf(&b, "installment %s  interest %s  payment %s  maturity %s  apr %s%%\n\n",
		s.InstallmentAmount.Format(c), s.TotalInterest.Format(c), s.TotalPayment.Format(c), s.MaturityDate,
		money.FormatScaled(int64(apr.Units), int(apr.Scale)))
	if s.TotalFees != 0 {
		// Only schedules with fees have the column, so the tables from
		// before charges read as they did.
		return renderWithFees(&b, t, s)
	}
	fmt.Fprintf(&b, "%4s  %-10s  %-10s  %5s  %16s  %16s  %16s  %18s\n", "no", "start", "due", "days", "principal", "interest", "total", "balance after")
	for _, in := range s.Installments {
		fmt.Fprintf(&b, "%4d  %-10s  %-10s  %5d  %16s  %16s  %16s  %18s\n", in.Number, in.StartDate, in.DueDate, in.DueDate-in.StartDate,
			in.Principal.Format(c), in.Interest.Format(c), in.Total.Format(c), in.BalanceAfter.Format(c))
	}
	return b.String()
}

// renderWithFees prints the rows of a schedule with service fees, total
// being what the borrower pays: principal + interest + fees.
func renderWithFees(b *bytes.Buffer, t Terms, s Schedule) string {
	c := t.Currency
	fmt.Fprintf(b, "fees %s  upfront %s\n\n", s.TotalFees.Format(c), t.EffectiveUpfrontFee().Format(c))
	fmt.Fprintf(b, "%4s  %-10s  %-10s  %5s  %16s  %16s  %12s  %16s  %18s\n", "no", "start", "due", "days", "principal", "interest", "fees", "total", "balance after")
	for _, in := range s.Installments {
		fmt.Fprintf(b, "%4d  %-10s  %-10s  %5d  %16s  %16s  %12s  %16s  %18s\n", in.Number, in.StartDate, in.DueDate, in.DueDate-in.StartDate,
			in.Principal.Format(c), in.Interest.Format(c), in.Fees.Format(c), (in.Total + in.Fees).Format(c), in.BalanceAfter.Format(c))
	}
	return b.String()
}

// TestGoldenSchedules compares the schedules of goldenCases with their
// golden files. After a deliberate change, refresh them with
// go test ./internal/engine -run Golden -update and review the diff.
func TestGoldenSchedules(t *testing.T) {
	for _, gc := range goldenCases() {
		t.Run(gc.name, func(t *testing.T) {
			s, err := BuildSchedule(gc.terms)
			if err != nil {
				t.Fatal(err)
			}
			// A golden file is only as good as the schedule in it.
			if err := scheduleViolation(gc.terms, s); err != nil {
				t.Fatal(err)
			}
			if err := feeViolation(gc.terms, s); err != nil {
				t.Fatal(err)
			}
			compareWithOracle(&seeded{t: t}, 0, gc.terms, s, computeOracle(gc.terms))
			got := renderSchedule(gc.terms, s)
			path := filepath.Join("testdata", "schedules", gc.name+".golden")
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
				t.Errorf("schedule differs from %s (check, then refresh with -update):\n%s", path, lineDiff(string(want), got))
			}
		})
	}
}

// TestGoldenFilesAreUsed fails on golden files no case writes any more.
func TestGoldenFilesAreUsed(t *testing.T) {
	names := map[string]bool{}
	for _, gc := range goldenCases() {
		if names[gc.name] {
			t.Errorf("duplicate golden case %s", gc.name)
		}
		names[gc.name] = true
	}
	files, err := filepath.Glob(filepath.Join("testdata", "schedules", "*.golden"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if name := strings.TrimSuffix(filepath.Base(f), ".golden"); !names[name] {
			t.Errorf("%s belongs to no golden case", f)
		}
	}
}

// lineDiff lists the lines that differ between two renderings.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := range max(len(w), len(g)) {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			fmt.Fprintf(&b, "line %d\n  golden: %s\n  now:    %s\n", i+1, wl, gl)
		}
	}
	return b.String()
}

// humanTerms renders terms in one readable line.
func humanTerms(t Terms) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s at %s%% %s, %d × every %d %s, disbursed %s", t.Currency.Code, t.Principal.Format(t.Currency),
		t.AnnualRate, t.Method, t.InstallmentCount, t.Frequency.Every, unitName(t.Frequency.Unit), t.DisbursementDate)
	if t.FirstDueDate != NoDate {
		fmt.Fprintf(&b, ", first due %s", t.FirstDueDate)
	}
	fmt.Fprintf(&b, ", %s %s, %s to %s", accrualName(t.InterestAccrual), dayCountName(t.DayCount), t.Rounding.Mode,
		t.Rounding.Multiple.Format(t.Currency))
	if t.PrincipalGracePeriods != 0 {
		fmt.Fprintf(&b, ", grace %d", t.PrincipalGracePeriods)
	}
	if t.InterestFreePeriods != 0 {
		fmt.Fprintf(&b, ", interest-free %d", t.InterestFreePeriods)
	}
	if t.UpfrontFee != 0 {
		fmt.Fprintf(&b, ", fee %s", t.UpfrontFee.Format(t.Currency))
	}
	for _, ch := range t.Charges {
		fmt.Fprintf(&b, ", %s", describeCharge(t, ch))
	}
	return b.String()
}

// describeCharge prints a charge as the golden files' terms line says it.
func describeCharge(t Terms, ch Charge) string {
	s := ch.Kind.String() + " "
	if ch.Amount != 0 {
		s += ch.Amount.Format(t.Currency)
	} else {
		s += ch.Percent.String() + "% of " + ch.Basis.String()
	}
	if ch.FreeAfterInstallments != 0 {
		s += fmt.Sprintf(" free after %d", ch.FreeAfterInstallments)
	}
	return s
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
