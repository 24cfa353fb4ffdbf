package engine

import (
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/loancore/loancore/internal/money"
)

// feeViolation recomputes every row's service fees from the charges, apart
// from the engine's code: the base of each period as the rows give it (the
// principal, or the balance before the row), the percent as an exact
// fraction, rounded once with the contract's mode; BULLET bears one fee a
// period; nothing after free_after_installments, nor on a row that starts
// with no balance.
func feeViolation(t Terms, s Schedule) error {
	var total money.Amount
	for _, in := range s.Installments {
		var want money.Amount
		for _, c := range t.Charges {
			if c.Kind != ServiceFee || in.BalanceAfter+in.Principal == 0 {
				continue
			}
			periods := []int{in.Number}
			if t.Method == Bullet {
				periods = periods[:0]
				for p := 1; p <= t.InstallmentCount; p++ {
					periods = append(periods, p)
				}
			}
			for _, number := range periods {
				if c.FreeAfterInstallments != 0 && number > c.FreeAfterInstallments {
					continue
				}
				if c.Amount != 0 {
					want += c.Amount
					continue
				}
				base := t.Principal
				if c.Basis == OutstandingPrincipal {
					base = in.BalanceAfter + in.Principal
				}
				r := new(big.Rat).SetFrac(big.NewInt(int64(c.Percent.Units)), new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(c.Percent.Scale)+2), nil))
				r.Mul(r, new(big.Rat).SetInt64(int64(base)))
				want += money.Amount(money.DivRoundBig(r.Num(), r.Denom(), t.Rounding.Mode).Int64())
			}
		}
		if in.Fees != want {
			return fmt.Errorf("installment %d: fees %d, want %d", in.Number, in.Fees, want)
		}
		total += want
	}
	if s.TotalFees != total {
		return fmt.Errorf("total fees %d, want %d", s.TotalFees, total)
	}
	return nil
}

// creditCardPlan is issue 20's hand-worked plan: 12,000.00 CNY in 12
// monthly installments with no interest and a service fee of 0.6% of the
// original principal a month, so each installment is 1,000.00 principal +
// 72.00 fee.
func creditCardPlan(principal money.Amount, n int, feeRate string) Terms {
	return Terms{
		Currency:         fixtureCurrency("CNY"),
		Principal:        principal,
		InstallmentCount: n,
		Frequency:        Frequency{Unit: Month, Every: 1},
		Method:           EqualPrincipal,
		DisbursementDate: DateOf(2025, 1, 15),
		FirstDueDate:     NoDate,
		InterestAccrual:  Periodic,
		DayCount:         Act360,
		Rounding:         Rounding{Mode: money.HalfUp, Multiple: 1},
		Charges:          []Charge{{Kind: ServiceFee, Percent: fixtureRate(feeRate), Basis: OriginalPrincipal}},
	}
}

// TestCreditCardPlanAPR checks the plan row by row and its APR
// against internal/engine/testdata/charges_apr.py, which solves the IRR
// with Python's decimal module by bisection:
//
//	charges_apr.py 12000 12 0.6 8 → fee 72.00, total_fees 864.00,
//	monthly_irr 0.010861853567590088…, apr_percent 13.03422428
//
// The nominal rate a fee rate is often mistaken for, 0.6% × 12 = 7.2%, is
// not the cost: the fee is charged on principal already repaid.
func TestCreditCardPlanAPR(t *testing.T) {
	terms := creditCardPlan(1_200_000, 12, "0.6")
	s, err := BuildSchedule(terms)
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range s.Installments {
		if in.Principal != 100_000 || in.Interest != 0 || in.Fees != 7_200 {
			t.Fatalf("installment %d: %+v, want 1000.00 principal + 72.00 fee", in.Number, in)
		}
	}
	if s.TotalFees != 86_400 || s.TotalPayment != 1_286_400 || s.TotalInterest != 0 {
		t.Errorf("totals: fees %d payment %d interest %d, want 864.00, 12864.00, 0", s.TotalFees, s.TotalPayment, s.TotalInterest)
	}
	for _, c := range []struct {
		decimals int
		want     string
	}{{2, "13.03"}, {8, "13.03422428"}} {
		apr := ScheduleAPR(terms, s, c.decimals)
		if got := money.FormatScaled(int64(apr.Units), int(apr.Scale)); got != c.want {
			t.Errorf("APR at %d places: %s, want %s", c.decimals, got, c.want)
		}
	}
	// The fee is what makes the cost: the same plan without it costs 0%.
	terms.Charges = nil
	s, _ = BuildSchedule(terms)
	if apr := ScheduleAPR(terms, s, 2); apr.Units != 0 {
		t.Errorf("APR without the fee %v, want 0", apr)
	}
}

// TestPublishedFlatRateAPRs reproduces published conversions of a monthly
// rate on the original principal (Hong Kong's "monthly flat rate", the
// same cash flows as a 分期 fee rate: principal ÷ n plus rate × principal
// every month) to the annualised rate stated, to the published decimals.
// Hong Kong's APR under the Code of Banking Practice is the effective
// annual rate, (1 + i)^12 − 1 of the monthly IRR i; the engine's APR is the
// nominal 12 × i (PBOC 2021 No. 3 allows either; loancore discloses the
// nominal), so the test converts the engine's i, taken at 10 places.
func TestPublishedFlatRateAPRs(t *testing.T) {
	cases := []struct {
		source      string
		principal   money.Amount
		n           int
		flatRate    string
		installment money.Amount // the first installment, when published
		want        string       // the effective annual rate, in percent
	}{
		// Investor and Financial Education Council (HK), "Monthly flat
		// rate", https://www.ifec.org.hk/web/en/moneyessentials/debts-and-borrowing/take-new-loan/Monthly-flat-rate.page:
		// HK$50,000 over 12 months at a monthly flat rate of 0.7% is
		// HK$350 interest a month, and an annualised rate of 16.26%.
		{"IFEC", 5_000_000, 12, "0.7", 416_667 + 35_000, "16.26"},
		// Shanghai Commercial Bank, tax loan interest rate table,
		// https://www.shacombank.com.hk/eng/personal/loan/tax/tax.jsp:
		// 12 months, monthly flat rate 0.1066%, APR 2.38%, monthly
		// instalment HK$843.99 for every HK$10,000 (here HK$200,000).
		{"Shacom", 20_000_000, 12, "0.1066", 1_666_667 + 21_320, "2.38"},
		// ZA Bank, loan interest rate table, https://bank.za.group/en/loan:
		// HK$200,000 or above, 6 months at a monthly flat rate of 0.0960%
		// and 12 months at 0.0893%, each an APR of 1.99%.
		{"ZA Bank 6", 20_000_000, 6, "0.0960", 3_333_333 + 19_200, "1.99"},
		{"ZA Bank 12", 20_000_000, 12, "0.0893", 1_666_667 + 17_860, "1.99"},
	}
	for _, c := range cases {
		t.Run(c.source, func(t *testing.T) {
			terms := creditCardPlan(c.principal, c.n, c.flatRate)
			terms.Currency = fixtureCurrency("HKD")
			s, err := BuildSchedule(terms)
			if err != nil {
				t.Fatal(err)
			}
			if first := s.Installments[0]; first.Total+first.Fees != c.installment {
				t.Errorf("first installment %d, want %d", first.Total+first.Fees, c.installment)
			}
			// Per HK$10,000, Shacom's table: 833.33 + 10.66 = 843.99.
			if c.source == "Shacom" {
				per := creditCardPlan(1_000_000, 12, c.flatRate)
				ps, _ := BuildSchedule(per)
				if got := ps.Installments[0].Total + ps.Installments[0].Fees; got != 84_399 {
					t.Errorf("per 10,000: %d, want 843.99", got)
				}
			}
			apr := ScheduleAPR(terms, s, 10)
			// i = APR / 1200; EAR = (1 + i)^12 − 1, in percent.
			i := new(big.Rat).SetFrac(big.NewInt(int64(apr.Units)), new(big.Int).Exp(big.NewInt(10), big.NewInt(12), nil))
			i.Quo(i, big.NewRat(12, 1))
			f := new(big.Rat).Add(big.NewRat(1, 1), i)
			ear := big.NewRat(1, 1)
			for range 12 {
				ear.Mul(ear, f)
			}
			ear.Sub(ear, big.NewRat(1, 1))
			ear.Mul(ear, big.NewRat(100, 1))
			if got := ear.FloatString(2); got != c.want {
				t.Errorf("annualised %s%% (nominal APR %s), published %s%%", got, money.FormatScaled(int64(apr.Units), int(apr.Scale)), c.want)
			}
		})
	}
}

// TestUpfrontChargeIsUpfrontFee: an UPFRONT charge is the terms' upfront
// fee given another way; fixed or a percent of the principal, it gives the
// APR the fee does.
func TestUpfrontChargeIsUpfrontFee(t *testing.T) {
	base := loan12k()
	base.UpfrontFee = 30_000
	s, _ := BuildSchedule(base)
	want := ScheduleAPR(base, s, 8)
	for _, ch := range []Charge{
		{Kind: UpfrontCharge, Amount: 30_000},
		{Kind: UpfrontCharge, Percent: fixtureRate("2.5"), Basis: OriginalPrincipal},
	} {
		terms := loan12k()
		terms.Charges = []Charge{ch}
		if terms.EffectiveUpfrontFee() != 30_000 {
			t.Errorf("%+v: effective fee %d, want 300.00", ch, terms.EffectiveUpfrontFee())
		}
		s, err := BuildSchedule(terms)
		if err != nil {
			t.Fatal(err)
		}
		if got := ScheduleAPR(terms, s, 8); got != want {
			t.Errorf("%+v: APR %v, want %v as with upfront_fee", ch, got, want)
		}
	}
}

// TestChargeValidation names the field of each bad charge, as the API
// will with "terms." before it.
func TestChargeValidation(t *testing.T) {
	pct := fixtureRate("1")
	cases := []struct {
		name  string
		edit  func(*Terms)
		field string
	}{
		{"no kind", func(t *Terms) { t.Charges = []Charge{{Amount: 100}} }, "charges[0].kind"},
		{"amount and percent", func(t *Terms) {
			t.Charges = []Charge{{Kind: ServiceFee, Amount: 100, Percent: pct, Basis: OriginalPrincipal}}
		}, "charges[0].percent"},
		{"neither", func(t *Terms) { t.Charges = []Charge{{Kind: ServiceFee}} }, "charges[0].amount"},
		{"percent over 100", func(t *Terms) {
			t.Charges = []Charge{{Kind: LateFee, Percent: fixtureRate("100.5"), Basis: OverdueAmount}}
		}, "charges[0].percent"},
		{"basis the kind cannot use", func(t *Terms) {
			t.Charges = []Charge{{Kind: LateFee, Amount: 100}, {Kind: ServiceFee, Percent: pct, Basis: OverdueAmount}}
		}, "charges[1].basis"},
		{"percent without basis", func(t *Terms) { t.Charges = []Charge{{Kind: PrepaymentFee, Percent: pct}} }, "charges[0].basis"},
		{"basis on a fixed charge", func(t *Terms) {
			t.Charges = []Charge{{Kind: ServiceFee, Amount: 100, Basis: OriginalPrincipal}}
		}, "charges[0].basis"},
		{"cap on a service fee", func(t *Terms) {
			t.Charges = []Charge{{Kind: ServiceFee, Percent: pct, Basis: OriginalPrincipal, Cap: 100}}
		}, "charges[0].cap"},
		{"cap on a fixed late fee", func(t *Terms) { t.Charges = []Charge{{Kind: LateFee, Amount: 100, Cap: 50}} }, "charges[0].cap"},
		{"free after on a late fee", func(t *Terms) {
			t.Charges = []Charge{{Kind: LateFee, Amount: 100, FreeAfterInstallments: 3}}
		}, "charges[0].free_after_installments"},
		{"free after the last", func(t *Terms) {
			t.Charges = []Charge{{Kind: ServiceFee, Amount: 100, FreeAfterInstallments: 12}}
		}, "charges[0].free_after_installments"},
		{"upfront twice", func(t *Terms) {
			t.Charges = []Charge{{Kind: UpfrontCharge, Amount: 100}, {Kind: UpfrontCharge, Amount: 200}}
		}, "charges[1].kind"},
		{"upfront beside upfront_fee", func(t *Terms) {
			t.UpfrontFee = 100
			t.Charges = []Charge{{Kind: UpfrontCharge, Amount: 100}}
		}, "charges[0].kind"},
		{"upfront of the whole principal", func(t *Terms) {
			t.Charges = []Charge{{Kind: UpfrontCharge, Amount: t.Principal}}
		}, "charges[0].amount"},
		{"upfront of 100%", func(t *Terms) {
			t.Charges = []Charge{{Kind: UpfrontCharge, Percent: fixtureRate("100"), Basis: OriginalPrincipal}}
		}, "charges[0].percent"},
		{"too many", func(t *Terms) { t.Charges = make([]Charge, MaxCharges+1) }, "charges"},
		{"fees past int64", func(t *Terms) {
			t.Principal = money.MaxAmount
			t.InstallmentCount = MaxInstallments
			t.Charges = slices.Repeat([]Charge{{Kind: ServiceFee, Percent: fixtureRate("100"), Basis: OriginalPrincipal}}, 8)
		}, "principal"},
	}
	for _, c := range cases {
		terms := loan12k()
		c.edit(&terms)
		err := terms.Validate()
		var inv *InvalidError
		if !errors.As(err, &inv) {
			t.Errorf("%s: %v, want a violation of %s", c.name, err, c.field)
			continue
		}
		if inv.Violations[0].Field != c.field {
			t.Errorf("%s: %v, want %s first", c.name, err, c.field)
		}
	}
	// Sound charges of every kind pass.
	ok := loan12k()
	ok.Charges = []Charge{
		{Kind: ServiceFee, Percent: pct, Basis: OutstandingPrincipal, FreeAfterInstallments: 6},
		{Kind: LateFee, Percent: fixtureRate("5"), Basis: OverdueAmount, Cap: 5_000},
		{Kind: PrepaymentFee, Percent: pct, Basis: PrepaidPrincipal, FreeAfterInstallments: 6},
		{Kind: UpfrontCharge, Amount: 10_000},
	}
	if err := ok.Validate(); err != nil {
		t.Errorf("sound charges: %v", err)
	}
}

// TestServiceFeeProperties adds random service fees to random terms and
// checks that the fees are what feeViolation recomputes, that the totals
// still agree with the rows, that principal and interest are untouched,
// and that fees never lower the APR.
func TestServiceFeeProperties(t *testing.T) {
	s := newSeeded(t, 20)
	for c := range 400 {
		terms := randomTerms(s.rng)
		bare, err := BuildSchedule(terms)
		if err != nil {
			continue
		}
		terms.Charges = randomServiceFees(s.rng, terms)
		sched, err := BuildSchedule(terms)
		var inv *InvalidError
		if errors.As(err, &inv) && len(inv.Violations) == 1 && inv.Violations[0].Field == "principal" {
			continue // fees can take a huge loan past int64: refused, rightly
		}
		if err != nil {
			s.fatalf("case %d: %v\nterms %s", c, err, describeTerms(terms))
		}
		if err := scheduleViolation(terms, sched); err != nil {
			s.fatalf("case %d: %v\nterms %s", c, err, describeTerms(terms))
		}
		if err := feeViolation(terms, sched); err != nil {
			s.fatalf("case %d: %v\nterms %s", c, err, describeTerms(terms))
		}
		for i, in := range sched.Installments {
			in.Fees = 0
			if in != bare.Installments[i] {
				s.fatalf("case %d: fees changed installment %d: %+v, was %+v", c, i+1, in, bare.Installments[i])
			}
		}
		// Adding payments can never lower an IRR. (This caught v^days
		// underflowing the APR solver's fixed point on long odd periods at
		// high rates: seeds 1796432822078083275 and 1796433229246260079.)
		if with, without := ScheduleAPR(terms, sched, 6), ScheduleAPR(terms, bare, 6); with.Cmp(without) < 0 {
			s.fatalf("case %d: APR %v with fees below %v without\nterms %s", c, with, without, describeTerms(terms))
		}
	}
}

// randomPrepaymentFee is a random PREPAYMENT_FEE: fixed, or a percent of
// the prepaid principal with or without a cap, sometimes free after some
// installments.
func randomPrepaymentFee(rng *rand.Rand, terms Terms) Charge {
	c := Charge{Kind: PrepaymentFee}
	if rng.IntN(3) == 0 {
		c.Amount = money.Amount(1 + rng.Int64N(int64(terms.Principal)/50+1))
	} else {
		c.Percent, c.Basis = money.Rate{Units: uint64(1 + rng.IntN(5000)), Scale: 3}, PrepaidPrincipal
		if rng.IntN(2) == 0 {
			c.Cap = money.Amount(1 + rng.Int64N(int64(terms.Principal)/20+1))
		}
	}
	if terms.InstallmentCount > 1 && rng.IntN(3) == 0 {
		c.FreeAfterInstallments = 1 + rng.IntN(terms.InstallmentCount-1)
	}
	return c
}

func randomServiceFees(rng *rand.Rand, terms Terms) []Charge {
	out := make([]Charge, 1+rng.IntN(3))
	for i := range out {
		c := Charge{Kind: ServiceFee}
		switch rng.IntN(3) {
		case 0:
			c.Amount = money.Amount(1 + rng.Int64N(int64(terms.Principal)/100+1))
		case 1:
			c.Percent, c.Basis = money.Rate{Units: uint64(1 + rng.IntN(2000)), Scale: 3}, OriginalPrincipal
		default:
			c.Percent, c.Basis = money.Rate{Units: uint64(1 + rng.IntN(2000)), Scale: 3}, OutstandingPrincipal
		}
		if terms.InstallmentCount > 1 && rng.IntN(4) == 0 {
			c.FreeAfterInstallments = 1 + rng.IntN(terms.InstallmentCount-1)
		}
		out[i] = c
	}
	return out
}

// TestContingentFees works late and prepayment fees by hand: 5% of an
// overdue 1,066.19 is 53.3095 → 53.31 (HALF_UP), held to a cap of 50.00;
// a fixed late fee of 20.00 beside it; 2% of 3,000.00 prepaid is 60.00,
// free once 6 installments have fallen due, and 1% of 1,234.57 is
// 12.3457 → 12.34 under DOWN.
func TestContingentFees(t *testing.T) {
	terms := loan12k()
	terms.Charges = []Charge{{Kind: LateFee, Percent: fixtureRate("5"), Basis: OverdueAmount}}
	if got := terms.LateFee(106_619); got != 5_331 {
		t.Errorf("5%% of 1066.19: %d, want 53.31", got)
	}
	terms.Charges[0].Cap = 5_000
	if got := terms.LateFee(106_619); got != 5_000 {
		t.Errorf("capped: %d, want 50.00", got)
	}
	if got := terms.LateFee(90_000); got != 4_500 {
		t.Errorf("under the cap: %d, want 45.00", got)
	}
	terms.Charges = append(terms.Charges, Charge{Kind: LateFee, Amount: 2_000})
	if got := terms.LateFee(106_619); got != 7_000 {
		t.Errorf("two late fees: %d, want 70.00", got)
	}
	if got := terms.LateFee(0); got != 0 {
		t.Errorf("nothing overdue: %d, want 0", got)
	}
	terms.Charges = []Charge{{Kind: PrepaymentFee, Percent: fixtureRate("2"), Basis: PrepaidPrincipal, FreeAfterInstallments: 6}}
	for _, c := range []struct {
		prepaid money.Amount
		due     int
		want    money.Amount
	}{{300_000, 0, 6_000}, {300_000, 5, 6_000}, {300_000, 6, 0}, {0, 2, 0}} {
		if got := terms.PrepaymentFee(c.prepaid, c.due); got != c.want {
			t.Errorf("prepaid %d after %d due: %d, want %d", c.prepaid, c.due, got, c.want)
		}
	}
	terms.Rounding.Mode = money.Down
	terms.Charges = []Charge{{Kind: PrepaymentFee, Percent: fixtureRate("1"), Basis: PrepaidPrincipal}}
	if got := terms.PrepaymentFee(123_457, 0); got != 1_234 {
		t.Errorf("1%% of 1234.57 DOWN: %d, want 12.34", got)
	}
	// A service fee is neither.
	terms.Charges = []Charge{{Kind: ServiceFee, Amount: 100}}
	if terms.LateFee(100_000) != 0 || terms.PrepaymentFee(100_000, 0) != 0 {
		t.Errorf("a service fee counted as a late or prepayment fee")
	}
}
