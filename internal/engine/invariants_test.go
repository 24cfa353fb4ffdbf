package engine

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/loancore/loancore/internal/money"
)

// checkInvariants verifies what must hold for every schedule, whatever the
// terms: the principal parts sum to the principal, no amount is negative,
// due dates strictly increase, rows add up and balances chain down to zero.
func checkInvariants(t *testing.T, terms Terms, s Schedule) {
	t.Helper()
	want := terms.InstallmentCount
	if terms.Method == Bullet {
		want = 1
	}
	if len(s.Installments) != want {
		t.Fatalf("%d installments, want %d\nterms %s", len(s.Installments), want, describeTerms(terms))
	}
	var sumPrincipal, sumInterest money.Amount
	balance := terms.Principal
	prevDue := terms.DisbursementDate
	for i, in := range s.Installments {
		fail := func(what string) {
			t.Fatalf("installment %d: %s: %+v\nterms %s", i+1, what, in, describeTerms(terms))
		}
		if in.Number != i+1 {
			fail("numbering")
		}
		if in.DueDate <= prevDue {
			fail("due date does not increase")
		}
		if in.Principal < 0 || in.Interest < 0 || in.BalanceAfter < 0 {
			fail("negative amount")
		}
		if in.Total != in.Principal+in.Interest {
			fail("total is not principal + interest")
		}
		balance -= in.Principal
		if in.BalanceAfter != balance {
			fail("balance does not chain")
		}
		if in.StartDate != prevDue {
			fail("start date is not the previous due date")
		}
		if i < terms.InterestFreePeriods && terms.Method != Bullet && in.Interest != 0 {
			fail("interest in an interest-free period")
		}
		if i < terms.PrincipalGracePeriods && i < len(s.Installments)-1 && in.Principal != 0 {
			fail("principal in a grace period")
		}
		sumPrincipal += in.Principal
		sumInterest += in.Interest
		prevDue = in.DueDate
	}
	if sumPrincipal != terms.Principal || balance != 0 {
		t.Fatalf("principal parts sum to %d, want %d\nterms %s", sumPrincipal, terms.Principal, describeTerms(terms))
	}
	if s.TotalInterest != sumInterest || s.TotalPayment != terms.Principal+sumInterest || s.TotalPrincipal != terms.Principal {
		t.Fatalf("totals %+v disagree with the rows\nterms %s", s, describeTerms(terms))
	}
	if s.MaturityDate != s.Installments[len(s.Installments)-1].DueDate {
		t.Fatalf("maturity %s is not the last due date", s.MaturityDate)
	}
	if terms.Method == EqualInstallment && terms.Rounding.Multiple > 0 && s.InstallmentAmount%terms.Rounding.Multiple != 0 {
		t.Fatalf("level installment %d is not a multiple of %d", s.InstallmentAmount, terms.Rounding.Multiple)
	}
}

func TestScheduleInvariants(t *testing.T) {
	seed := testSeed(t)
	rng := rand.New(rand.NewPCG(seed, 0x1a7a1a7))
	cases := 20000
	if testing.Short() {
		cases = 2000
	}
	for checked := 0; checked < cases; {
		terms := randomTerms(rng)
		if terms.Validate() != nil {
			continue
		}
		checked++
		s, err := BuildSchedule(terms)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		checkInvariants(t, terms, s)
	}
}

// TestEqualInstallmentIsLevel checks that, away from grace, free periods,
// odd first periods and the last row, every EQUAL_INSTALLMENT row pays
// exactly the level installment.
func TestEqualInstallmentIsLevel(t *testing.T) {
	seed := testSeed(t)
	rng := rand.New(rand.NewPCG(seed, 0x1e7e1))
	for checked := 0; checked < 3000; {
		terms := randomTerms(rng)
		terms.Method = EqualInstallment
		terms.InterestAccrual = Periodic
		terms.FirstDueDate = NoDate
		if terms.Validate() != nil {
			continue
		}
		checked++
		s, _ := BuildSchedule(terms)
		skip := max(terms.PrincipalGracePeriods, terms.InterestFreePeriods)
		for i, in := range s.Installments[:len(s.Installments)-1] {
			// A level rounded up past the balance, or interest above the
			// level, is clamped; the rows after are then not level.
			if i < skip || in.BalanceAfter == 0 || in.Interest > s.InstallmentAmount {
				break
			}
			if in.Total != s.InstallmentAmount {
				t.Fatalf("seed %d: row %d total %d, level %d\nterms %s", seed, i+1, in.Total, s.InstallmentAmount, describeTerms(terms))
			}
		}
	}
}

// FuzzBuildSchedule maps arbitrary inputs to terms; whatever Validate
// accepts must build without panicking and satisfy every invariant.
func FuzzBuildSchedule(f *testing.F) {
	f.Add(int64(100000000), uint64(49), uint8(1), 360, uint8(1), uint8(1), uint8(1), int32(19737), int32(0), uint8(1), uint8(1), uint8(1), int64(1), 0, 0, int64(0), uint8(0))
	f.Add(int64(1), uint64(100000), uint8(2), 1200, uint8(3), uint8(5), uint8(2), int32(0), int32(40), uint8(5), uint8(4), uint8(3), int64(100), 3, 5, int64(0), uint8(2))
	f.Fuzz(func(t *testing.T, principal int64, rateUnits uint64, rateScale uint8, n int, unit, every, method uint8,
		disb, firstOffset int32, accrual, dc, mode uint8, multiple int64, grace, free int, fee int64, cur uint8) {
		c, _ := money.LookupCurrency(testCurrencies[int(cur)%len(testCurrencies)])
		terms := Terms{
			Currency:              c,
			Principal:             money.Amount(principal),
			AnnualRate:            money.Rate{Units: rateUnits, Scale: rateScale % (money.MaxRateScale + 1)},
			InstallmentCount:      n,
			Frequency:             Frequency{Unit: FrequencyUnit(unit % 4), Every: int(every)},
			Method:                Method(method % 6),
			DisbursementDate:      Date(disb),
			FirstDueDate:          NoDate,
			InterestAccrual:       Accrual(accrual % 3),
			DayCount:              DayCount(dc % 6),
			Rounding:              Rounding{Mode: money.RoundingMode(mode % 6), Multiple: money.Amount(multiple)},
			PrincipalGracePeriods: grace,
			InterestFreePeriods:   free,
			UpfrontFee:            money.Amount(fee),
		}
		if firstOffset != 0 {
			terms.FirstDueDate = Date(disb) + Date(firstOffset)
		}
		if terms.Validate() != nil {
			return
		}
		// Keep one fuzz execution cheap: the row loop is linear in n.
		s, err := BuildSchedule(terms)
		if err != nil {
			t.Fatal(err)
		}
		checkInvariants(t, terms, s)
		if want := oracleSchedule(terms); len(want) == len(s.Installments) {
			for i := range want {
				if want[i] != s.Installments[i] {
					t.Fatalf("row %d: got %+v, oracle %+v", i+1, s.Installments[i], want[i])
				}
			}
		} else {
			t.Fatalf("rows %d, oracle %d", len(s.Installments), len(want))
		}
	})
}

// TestScheduleAPRMatchesRate: without fees or rounding to large multiples,
// the APR of a regular annuity is its contract rate up to the effect of
// rounding the installment, which moves it by far less than 0.01 point for
// loans of 10,000 or more.
func TestScheduleAPRMatchesRate(t *testing.T) {
	seed := testSeed(t)
	rng := rand.New(rand.NewPCG(seed, 0xa9a))
	for checked := 0; checked < 300; {
		terms := randomTerms(rng)
		terms.Method = EqualInstallment
		terms.InterestAccrual = Periodic
		terms.FirstDueDate = NoDate
		terms.UpfrontFee = 0
		terms.PrincipalGracePeriods, terms.InterestFreePeriods = 0, 0
		terms.Rounding.Multiple = 1
		terms.Frequency = Frequency{Unit: Month, Every: 1}
		terms.Principal = 1_000_000 + money.Amount(rng.Int64N(1_000_000_000))
		terms.InstallmentCount = 1 + rng.IntN(120)
		if terms.Validate() != nil {
			continue
		}
		checked++
		s, _ := BuildSchedule(terms)
		apr := ScheduleAPR(terms, s, 2)
		// Compare at 2 decimals: the contract rate rounded half-up.
		want := divRound(terms.AnnualRate.Units*100, uint64(money.Pow10(int(terms.AnnualRate.Scale))), money.HalfUp)
		if d := int64(apr.Units) - want; d < -1 || d > 1 {
			t.Fatalf("seed %d: APR %s, rate %s\nterms %s", seed, apr, terms.AnnualRate, describeTerms(terms))
		}
		// A fee can only raise the APR.
		terms.UpfrontFee = terms.Principal / 50
		if withFee := ScheduleAPR(terms, s, 2); withFee.Units <= apr.Units {
			t.Fatalf("seed %d: APR with a 2%% fee %s not above %s", seed, withFee, apr)
		}
	}
}

// TestEngineHasNoFloats fails if any file of the engine mentions a binary
// floating-point type: money maths must stay exact.
func TestEngineHasNoFloats(t *testing.T) {
	pattern := regexp.MustCompile(`\bfloat` + `(32|64)\b|\bcomplex` + `(64|128)\b`)
	files, err := filepath.Glob("*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no engine files found: %v", err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			if pattern.MatchString(line) {
				t.Errorf("%s:%d mentions a float type: %s", f, i+1, strings.TrimSpace(line))
			}
		}
	}
}
