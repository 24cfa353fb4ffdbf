package engine

import (
	"testing"

	"github.com/loancore/loancore/internal/money"
)

func TestZZScratch(t *testing.T) {
	for _, m := range []Method{Bullet, InterestOnly, Flat, EqualInstallment, EqualPrincipal} {
		terms := Terms{Currency: fixtureCurrency("CNY"), Principal: money.MaxAmount, AnnualRate: fixtureRate("1000"),
			InstallmentCount: 1200, Frequency: Frequency{Unit: Month, Every: 12}, Method: m,
			DisbursementDate: DateOf(2000, 1, 1), InterestAccrual: Periodic, DayCount: Act360,
			Rounding: Rounding{Mode: money.HalfUp, Multiple: 1}}
		s, err := BuildSchedule(terms)
		t.Logf("%s err=%v interest=%d payment=%d last=%+v", m, err, s.TotalInterest, s.TotalPayment, s.Installments[len(s.Installments)-1])
	}
	terms := Terms{Currency: fixtureCurrency("CNY"), Principal: money.MaxAmount, AnnualRate: fixtureRate("1000"),
		InstallmentCount: 1, Frequency: Frequency{Unit: Month, Every: 1}, Method: InterestOnly,
		DisbursementDate: DateOf(2000, 1, 1), FirstDueDate: DateOf(9000, 1, 1), InterestAccrual: Periodic, DayCount: Act360,
		Rounding: Rounding{Mode: money.HalfUp, Multiple: 1}}
	s, err := BuildSchedule(terms)
	t.Logf("odd err=%v %+v", err, s.Installments)
}
