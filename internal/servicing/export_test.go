package servicing

import (
	"context"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/money"
	"github.com/loancore/loancore/internal/store"
)

// MonthlyTerms is monthlyTerms, for the tests of package servicing_test.
var MonthlyTerms = monthlyTerms

// Charged is all penalty, compound interest and late fees the fold behind
// a view has charged, paid, waived or not: what close of business journals
// (charged).
func Charged(v LoanView) store.Accrual { return charged(v.state) }

// monthlyTerms is the loan most servicing tests book: 12,000.00 CNY at 12%
// a year in months monthly equal installments from 2024-01-15.
func monthlyTerms(months int) engine.Terms {
	cny, _ := money.LookupCurrency("CNY")
	rate, _ := money.ParseRate("12", engine.MaxRatePercent)
	return engine.Terms{Currency: cny, Principal: 1_200_000, AnnualRate: rate, InstallmentCount: months,
		Frequency: engine.Frequency{Unit: engine.Month, Every: 1}, Method: engine.EqualInstallment,
		DisbursementDate: engine.DateOf(2024, 1, 15), InterestAccrual: engine.Periodic, DayCount: engine.Act360,
		Rounding: engine.Rounding{Mode: money.HalfUp, Multiple: 1}}
}

// FreezeLines is close of business's credit line step for one date, for
// BenchmarkCOBLines.
func FreezeLines(c *Close, ctx context.Context, d engine.Date) (int, error) {
	return c.freezeLines(ctx, d)
}

// EncodeTerms is the terms document, for tests that book a loan as an
// older loand did (apr "": no apr_percent).
var EncodeTerms = encodeTerms
