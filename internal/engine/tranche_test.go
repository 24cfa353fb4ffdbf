package engine

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/loancore/loancore/internal/money"
)

// tranche is a tranche of amount dated d.
func tranche(seq int64, d Date, amount money.Amount) Event {
	return Event{Seq: seq, Kind: EventTranche, ValueDate: d, Amount: amount}
}

// trancheFigures reads the figures testdata/tranche/handworked.py worked
// out with Python's decimal module, in minor units of CNY.
func trancheFigures(t *testing.T) map[string]map[string]money.Amount {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "tranche", "handworked.json"))
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]map[string]string
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]money.Amount{}
	for k, m := range raw {
		out[k] = map[string]money.Amount{}
		for f, s := range m {
			a, err := money.ParseAmount(s, fixtureCurrency("CNY"))
			if err != nil {
				t.Fatal(err)
			}
			out[k][f] = a
		}
	}
	return out
}

// checkTrancheRows compares each installment's principal and interest due with
// the figures p1.., i1...
func checkTrancheRows(t *testing.T, name string, st LoanState, want map[string]money.Amount) {
	t.Helper()
	for k, in := range st.Installments {
		p, i := want[fmt.Sprint("p", k+1)], want[fmt.Sprint("i", k+1)]
		if in.PrincipalDue != p || in.InterestDue != i {
			t.Errorf("%s installment %d: principal %d interest %d, want %d and %d", name, k+1, in.PrincipalDue, in.InterestDue, p, i)
		}
	}
}

// trancheEI is 12,000.00 CNY at 12% EQUAL_INSTALLMENT over 12 months from
// 2024-01-15, periodic, broken periods by days under ACT/365, up to
// 20,000.00 in tranches.
func trancheEI() Terms {
	t := loan12k()
	t.DayCount, t.ApprovedAmount = Act365Fixed, 2_000_000
	return t
}

// TestTrancheHandWorked checks a second tranche mid-term against figures
// worked independently (testdata/tranche/handworked.py, Python's decimal
// module): the installments due by its date keep their figures, the rest
// are solved again for the larger balance over the same due dates, the
// period it falls in bears the old balance to the tranche date and the
// new one from it, and the payoff in that period owes both (also after a
// part-payment earlier in the period). Periodic, daily, and
// interest-on-the-actual-balance loans.
func TestTrancheHandWorked(t *testing.T) {
	want := trancheFigures(t)

	pe := want["periodic"]
	terms := trancheEI()
	st := Fold(terms, []Event{tranche(3, DateOf(2024, 4, 1), 600_000)}, DateOf(2024, 4, 10))
	checkTrancheRows(t, "periodic", st, pe)
	if st.level != pe["level2"] {
		t.Errorf("periodic: level after the tranche %d, want %d", st.level, pe["level2"])
	}
	p := st.PayoffAt(terms)
	if p.Principal != pe["payoff_principal"] || p.Interest != pe["payoff_interest"] {
		t.Errorf("periodic payoff: principal %d interest %d, want %d and %d", p.Principal, p.Interest, pe["payoff_principal"], pe["payoff_interest"])
	}
	// Paying the payoff settles the loan to the cent.
	st = Fold(terms, []Event{tranche(3, DateOf(2024, 4, 1), 600_000), pay(4, DateOf(2024, 4, 10), p.Total())}, DateOf(2025, 2, 1))
	if st.PaidOffDate != DateOf(2024, 4, 10) || st.Credit != 0 {
		t.Errorf("periodic: paid off %s credit %d", st.PaidOffDate, st.Credit)
	}

	da := want["daily"]
	terms = trancheEI()
	terms.Principal, terms.ApprovedAmount, terms.AnnualRate, terms.InstallmentCount = 600_000, 1_000_000, fixtureRate("18"), 6
	terms.Method, terms.InterestAccrual, terms.DayCount, terms.DisbursementDate = EqualPrincipal, Daily, Act360, DateOf(2024, 3, 1)
	st = Fold(terms, []Event{tranche(3, DateOf(2024, 5, 11), 300_000)}, DateOf(2024, 5, 11))
	checkTrancheRows(t, "daily", st, da)

	// The same loan, part-paid in period 1 before a tranche in period 1.
	dp := want["daily_prepaid"]
	events := []Event{pay(3, DateOf(2024, 3, 11), 50_000), tranche(4, DateOf(2024, 3, 21), 300_000)}
	st = Fold(terms, events, DateOf(2024, 3, 25))
	checkTrancheRows(t, "daily_prepaid", st, dp)
	if in := st.Installments[0]; in.InterestPaid != dp["paid_interest"] || in.PrincipalPaid != dp["prepaid"] {
		t.Errorf("daily_prepaid: installment 1 paid %d interest, %d principal; want %d and %d", in.InterestPaid, in.PrincipalPaid, dp["paid_interest"], dp["prepaid"])
	}
	p = st.PayoffAt(terms)
	if p.Principal != dp["payoff_principal"] || p.Interest != dp["payoff_interest"] {
		t.Errorf("daily_prepaid payoff: principal %d interest %d, want %d and %d", p.Principal, p.Interest, dp["payoff_principal"], dp["payoff_interest"])
	}

	rc := want["recalc"]
	terms = recalc12k()
	terms.ApprovedAmount = 1_800_000
	st = Fold(terms, []Event{tranche(3, DateOf(2024, 2, 1), 600_000)}, DateOf(2024, 3, 1))
	in1, in2 := st.Installments[0], st.Installments[1]
	if in1.PrincipalDue != rc["p1"] || in1.InterestDue != rc["i1"] || in2.InterestDue != rc["i2"] {
		t.Errorf("recalc: p1 %d i1 %d i2 %d, want %d %d %d", in1.PrincipalDue, in1.InterestDue, in2.InterestDue, rc["p1"], rc["i1"], rc["i2"])
	}
	p = st.PayoffAt(terms)
	if p.Principal != rc["payoff_principal"] || p.Interest != rc["payoff_interest"] {
		t.Errorf("recalc payoff: principal %d interest %d, want %d and %d", p.Principal, p.Interest, rc["payoff_principal"], rc["payoff_interest"])
	}
}

// TestTranchePublishedFineract checks Apache Fineract's published case of
// a second disbursement on a due date, interest recalculation disabled:
// apache/fineract,
// fineract-e2e-tests-runner/src/test/resources/features/LoanRepaymentSchedule.feature,
// scenario @TestRailId:C3902 ("2nd disbursement on due date, interest
// recalculation disabled"), product
// LP2_ADV_PYMNT_INTEREST_DECL_BAL_SARP_EMI_360_30_NO_INT_RECALC_MULTIDISB_PARTIAL_PERIOD:
// 1,000 at 12% a year, 30/360, 3 monthly EQUAL_INSTALLMENTS from
// 2025-01-01, approved 2,000; 200 more on 2025-02-01. Fineract's
// schedule after it: 330.02 + 10.00, 432.83 + 8.70, 437.15 + 4.37 — the
// first installment untouched, the other two re-solved over the same due
// dates. (handworked.py works the same figures out too.)
func TestTranchePublishedFineract(t *testing.T) {
	terms := loan12k()
	terms.Currency = fixtureCurrency("EUR")
	terms.Principal, terms.ApprovedAmount, terms.InstallmentCount = 100_000, 200_000, 3
	terms.DisbursementDate, terms.DayCount = DateOf(2025, 1, 1), Thirty360
	st := Fold(terms, []Event{tranche(3, DateOf(2025, 2, 1), 20_000)}, DateOf(2025, 2, 1))
	published := []struct{ principal, interest money.Amount }{{33_002, 1_000}, {43_283, 870}, {43_715, 437}}
	for k, w := range published {
		in := st.Installments[k]
		if in.PrincipalDue != w.principal || in.InterestDue != w.interest {
			t.Errorf("installment %d: %d + %d, Fineract has %d + %d", k+1, in.PrincipalDue, in.InterestDue, w.principal, w.interest)
		}
	}
	checkTrancheRows(t, "fineract", st, trancheFigures(t)["fineract"])
}

// TestTrancheValidation: approved_amount is checked against the principal
// and the terms it cannot combine with, naming the field.
func TestTrancheValidation(t *testing.T) {
	for _, c := range []struct {
		name  string
		edit  func(*Terms)
		valid bool
	}{
		{"equal to principal", func(t *Terms) { t.ApprovedAmount = t.Principal }, true},
		{"below principal", func(t *Terms) { t.ApprovedAmount = t.Principal - 1 }, false},
		{"negative", func(t *Terms) { t.ApprovedAmount = -1 }, false},
		{"above the largest amount", func(t *Terms) { t.ApprovedAmount = money.MaxAmount + 1 }, false},
		{"FLAT", func(t *Terms) { t.Method = Flat }, false},
		{"fixed installment", func(t *Terms) { t.InstallmentAmount, t.InstallmentCount = 110_000, 0; _ = t.DeriveInstallmentCount() }, false},
		{"in advance", func(t *Terms) { t.Timing = InAdvance }, false},
	} {
		terms := trancheEI()
		c.edit(&terms)
		err := terms.Validate()
		if c.valid != (err == nil) {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if err != nil && !slices.ContainsFunc(err.(*InvalidError).Violations, func(v FieldViolation) bool { return v.Field == "approved_amount" }) {
			t.Errorf("%s: %v does not name approved_amount", c.name, err)
		}
	}
}

// TestTrancheProperties: for random loans with random tranches and
// payments, (1) principal is conserved: the installments' principal is
// the principal plus every tranche dated by the fold's date, and once the
// payoff is paid every minor unit of it has been repaid; (2) installments
// due by a tranche's date keep the figures they had without it.
func TestTrancheProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 29))
	for range 1000 {
		terms, s := randomTrancheLoan(rng)
		span := int(s.MaturityDate - terms.DisbursementDate)
		var events []Event
		lent := terms.Principal
		days := make([]int, 6)
		for i := range days {
			days[i] = rng.IntN(span)
		}
		// In date order: a payment backdated before a later one could be
		// more than was owed then, which servicing refuses.
		slices.Sort(days)
		for i, n := range days {
			seq, d := int64(3+i), terms.DisbursementDate.AddDays(n)
			if rng.IntN(2) == 0 && lent < terms.ApprovedAmount {
				a := 1 + money.Amount(rng.Int64N(int64(terms.ApprovedAmount-lent)))
				events, lent = append(events, tranche(seq, d, a)), lent+a
				checkUntouched(t, terms, events, d)
				continue
			}
			// No payment beyond the payoff of its day, which servicing
			// refuses: a credit held is not lent against a later tranche.
			at := FoldSchedule(terms, s, events, d)
			owed := at.PayoffAt(terms).Total()
			if a := min(owed, 1+money.Amount(rng.Int64N(int64(s.InstallmentAmount)+1))); a > 0 {
				events = append(events, pay(seq, d, a))
			}
		}
		end := s.MaturityDate
		st := FoldSchedule(terms, s, events, end)
		var due money.Amount
		for _, in := range st.Installments {
			due += in.PrincipalDue
		}
		if due+st.Superseded.PrincipalPaid != lent {
			t.Fatalf("%+v %v: principal due %d, lent %d", terms, events, due, lent)
		}
		payoff := st.PayoffAt(terms).Total()
		if payoff == 0 {
			continue
		}
		st = FoldSchedule(terms, s, append(events, pay(100, end, payoff)), end)
		var paid money.Amount
		for _, in := range st.Installments {
			paid += in.PrincipalPaid
		}
		if paid != lent || st.PaidOffDate != end {
			t.Fatalf("%+v %v: repaid %d of %d, paid off %s", terms, events, paid, lent, st.PaidOffDate)
		}
	}
}

// checkUntouched: the installments due by d are the same with and without
// the last event, a tranche dated d.
func checkUntouched(t *testing.T, terms Terms, events []Event, d Date) {
	t.Helper()
	with := Fold(terms, events, d)
	without := Fold(terms, events[:len(events)-1], d)
	for k, in := range without.Installments {
		if in.DueDate > d {
			break
		}
		w := with.Installments[k]
		if w.PrincipalDue != in.PrincipalDue || w.InterestDue != in.InterestDue {
			t.Fatalf("%+v %v: installment %d due %s changed by a tranche on %s", terms, events, k+1, in.DueDate, d)
		}
	}
}

// randomTrancheLoan draws valid terms that take tranches, of moderate size.
func randomTrancheLoan(rng *rand.Rand) (Terms, Schedule) {
	for {
		t := randomTerms(rng)
		if t.Method == Flat || t.InstallmentCount > 60 || t.Principal > 1_000_000_000 || t.Principal < 100 {
			continue
		}
		if rng.IntN(3) == 0 {
			t.InterestAccrual, t.InterestRecalculation, t.InterestFreePeriods = Daily, true, 0
			t.DayCount = Act365Fixed
			if t.Method == Bullet {
				t.Method = InterestOnly
			}
		}
		if rng.IntN(3) == 0 {
			t.Penalty, t.HasPenalty = randomPenalty(rng), true
		}
		t.ApprovedAmount = t.Principal * money.Amount(2+rng.IntN(3))
		if t.Validate() != nil {
			continue
		}
		return t, buildSchedule(&t)
	}
}

// TestTrancheFoldAdvancesLikeAReplay: a fold of a log with tranches, as
// of a day after its last event, advanced day by day (what a cache entry
// or close of business does), is the fold of the same log as of each day:
// a tranche leaves nothing behind that only a replay would see.
func TestTrancheFoldAdvancesLikeAReplay(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 31))
	for n := 0; n < 40; {
		terms, s := randomTrancheLoan(rng)
		if s.MaturityDate-terms.DisbursementDate > 800 {
			continue
		}
		n++
		span := int(s.MaturityDate - terms.DisbursementDate)
		d := terms.DisbursementDate.AddDays(rng.IntN(span))
		events := []Event{tranche(3, d, 1+money.Amount(rng.Int64N(int64(terms.ApprovedAmount-terms.Principal))))}
		st := FoldSchedule(terms, s, events, d)
		for day := d + 1; day <= s.MaturityDate+10; day++ {
			var ok bool
			if st, ok = st.AdvanceTo(terms, day); !ok {
				t.Fatalf("AdvanceTo %s refused", day)
			}
			if day%5 != 0 {
				continue
			}
			if got, want := describeFold(st), describeFold(FoldSchedule(terms, s, events, day)); got != want {
				t.Fatalf("advanced to %s\n got %s\nwant %s\nterms %s\nevents %+v", day, got, want, describeTerms(terms), events)
			}
		}
	}
}
