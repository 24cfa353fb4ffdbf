package servicing_test

import (
	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/servicing"
)

// twelveMonths is the loan most servicing tests book: 12,000.00 CNY at 12%
// a year, twelve monthly equal installments from 2024-01-15.
func twelveMonths() engine.Terms { return servicing.MonthlyTerms(12) }
