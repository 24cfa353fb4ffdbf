package schedbench

import (
	"math"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/money"
)

// FloatEqualInstallment is the float64 floor: the same monthly
// EQUAL_INSTALLMENT schedule as engine.BuildSchedule (periodic interest,
// HALF_UP to the cent, last row absorbs the residue), computed the way a
// spreadsheet would. It is only as exact as float64 allows and exists to be
// raced against.
func FloatEqualInstallment(principal, annualPercent float64, n int, disbursement engine.Date) []engine.Installment {
	r := annualPercent / 100 / 12
	level := math.Round(principal*r/(1-math.Pow(1+r, -float64(n)))*100) / 100
	rows := make([]engine.Installment, n)
	balance := principal
	start := disbursement
	for k := range n {
		due := disbursement.AddMonths(k + 1)
		interest := math.Round(balance*r*100) / 100
		principalPart := level - interest
		if k == n-1 {
			principalPart = balance
		}
		balance = math.Round((balance-principalPart)*100) / 100
		rows[k] = engine.Installment{
			Number:       k + 1,
			StartDate:    start,
			DueDate:      due,
			Principal:    money.Amount(math.Round(principalPart * 100)),
			Interest:     money.Amount(math.Round(interest * 100)),
			Total:        money.Amount(math.Round((principalPart + interest) * 100)),
			BalanceAfter: money.Amount(math.Round(balance * 100)),
		}
		start = due
	}
	return rows
}
