package servicing

import (
	"testing"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/money"
)

// TestTermsRoundTrip: the stored terms document reads back as the same terms.
func TestTermsRoundTrip(t *testing.T) {
	cny, _ := money.LookupCurrency("CNY")
	rate, _ := money.ParseRate("4.35", 1000)
	for m := engine.EqualInstallment; m <= engine.Flat; m++ {
		terms := engine.Terms{Currency: cny, Principal: 123456, AnnualRate: rate, InstallmentCount: 7, Frequency: engine.Frequency{Unit: engine.Month, Every: 1},
			Method: m, DisbursementDate: engine.DateOf(2024, 1, 10), FirstDueDate: engine.NoDate, InterestAccrual: engine.Periodic, DayCount: engine.Act360,
			Rounding: engine.Rounding{Mode: money.HalfUp, Multiple: 1}, Allocation: 2, Prepayment: 2, Overpayment: 2}
		b, _ := encodeTerms(terms, "")
		got, err := DecodeTerms(b)
		if err != nil || got != terms {
			t.Fatalf("%s\n%+v\n%+v %v", b, terms, got, err)
		}
	}
}
