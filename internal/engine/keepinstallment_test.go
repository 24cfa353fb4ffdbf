package engine

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/loancore/loancore/internal/money"
)

// keepInstallmentRows reads testdata/handworked/keep_installment.json,
// worked with Python's decimal module by keep_installment.py: the rows
// after a prepayment under KEEP_INSTALLMENT and under REDUCE_TERM.
func keepInstallmentRows(t *testing.T) (keep, reduce [][2]money.Amount) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "handworked", "keep_installment.json"))
	if err != nil {
		t.Fatal(err)
	}
	var raw struct {
		Keep   [][2]string `json:"keep_installment"`
		Reduce [][2]string `json:"reduce_term"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	parse := func(rows [][2]string) [][2]money.Amount {
		out := make([][2]money.Amount, len(rows))
		for i, r := range rows {
			for j := range r {
				a, err := money.ParseAmount(r[j], fixtureCurrency("CNY"))
				if err != nil {
					t.Fatal(err)
				}
				out[i][j] = a
			}
		}
		return out
	}
	return parse(raw.Keep), parse(raw.Reduce)
}

// keepInstallmentLoan is loan12k with interest by days (ACT/365), on the
// actual balance or not.
func keepInstallmentLoan(p PrepaymentPolicy, recalc bool) Terms {
	t := loan12k()
	t.InterestAccrual, t.DayCount, t.InterestRecalculation, t.Prepayment = Daily, Act365Fixed, recalc, p
	return t
}

// TestKeepInstallment: 1,000.00 paid 20 days into the first period of a
// 12,000.00 daily-interest loan. KEEP_INSTALLMENT rebuilds the plan at
// exactly the installment with each row's own days, 11 rows, the last
// smaller; REDUCE_TERM takes its count (12) from the annuity at 1% a month
// and leaves a last row of nothing. With interest recalculation the plan
// is the same (paid on its due dates, the actual balance is the plan's).
// Figures from testdata/handworked/keep_installment.py.
func TestKeepInstallment(t *testing.T) {
	keep, reduce := keepInstallmentRows(t)
	for _, recalc := range []bool{false, true} {
		for _, c := range []struct {
			policy PrepaymentPolicy
			want   [][2]money.Amount
		}{{KeepInstallment, keep}, {ReduceTerm, reduce}} {
			terms := keepInstallmentLoan(c.policy, recalc)
			paid := DateOf(2024, 2, 4)
			st := Fold(terms, []Event{pay(3, paid, 100_000)}, paid)
			if len(st.Installments) != len(c.want) {
				t.Fatalf("policy %d recalc %v: %d rows, want %d", c.policy, recalc, len(st.Installments), len(c.want))
			}
			for i, in := range st.Installments {
				if got := [2]money.Amount{in.PrincipalDue, in.InterestDue}; got != c.want[i] {
					t.Errorf("policy %d recalc %v: row %d = %v, want %v", c.policy, recalc, i+1, got, c.want[i])
				}
			}
			if c.policy == KeepInstallment {
				last := st.Installments[len(st.Installments)-1]
				if total := last.PrincipalDue + last.InterestDue; total > st.level {
					t.Errorf("recalc %v: last row %v exceeds the installment %v", recalc, total, st.level)
				}
			}
		}
	}
}

// TestKeepInstallmentRefused: the policy keeps a level installment, which
// only EQUAL_INSTALLMENT has; other methods are refused naming the field.
func TestKeepInstallmentRefused(t *testing.T) {
	for _, m := range []Method{EqualPrincipal, InterestOnly, Bullet, Flat} {
		terms := keepInstallmentLoan(KeepInstallment, false)
		terms.Method = m
		err := terms.Validate()
		if err == nil || !hasViolation(err, "prepayment") {
			t.Errorf("%s: %v, want a violation on prepayment", m, err)
		}
	}
	if terms := keepInstallmentLoan(KeepInstallment, true); terms.Validate() != nil {
		err := terms.Validate()
		t.Errorf("EQUAL_INSTALLMENT: %v", err)
	}
}

// hasViolation reports whether err is an *InvalidError naming field.
func hasViolation(err error, field string) bool {
	inv, ok := err.(*InvalidError)
	if !ok {
		return false
	}
	for _, v := range inv.Violations {
		if v.Field == field {
			return true
		}
	}
	return false
}
